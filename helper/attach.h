/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The mount itself: clone SRC into a detached tree, idmap it and set its
 * attributes in one mount_setattr(), then attach it at DIR.  Nothing is
 * attached unless every step succeeded.
 */
#ifndef MOUNT_IDMAP_ATTACH_H
#define MOUNT_IDMAP_ATTACH_H

#include <stdbool.h>
#include <stdint.h>

#include "diag.h"

struct attach_plan {
	const char *source;
	const char *target;
	int userns_fd;
	uint64_t attr_set;	/* beside MOUNT_ATTR_IDMAP */
	uint64_t attr_clr;
	bool recursive;		/* rbind */
	bool dry_run;		/* -f: build the tree, attach nothing */
};

int attach_mount(const struct attach_plan *plan, struct diag *d);

#endif
