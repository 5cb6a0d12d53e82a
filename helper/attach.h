/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The mount itself: a detached tree (a clone of SRC, or a new filesystem),
 * idmapped with its attributes in one call, then attached at DIR.  Nothing
 * is attached unless every step succeeded, and a new filesystem is never
 * visible without its idmap.
 */
#ifndef MOUNT_IDMAP_ATTACH_H
#define MOUNT_IDMAP_ATTACH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"

/* One filesystem parameter for fsconfig(): a flag when value is NULL. */
struct fs_param {
	char *key;
	char *value;
};

struct attach_plan {
	const char *source;
	const char *target;
	int userns_fd;
	uint64_t attr_set;	/* beside MOUNT_ATTR_IDMAP */
	uint64_t attr_clr;
	bool recursive;		/* rbind */
	bool dry_run;		/* -f: check and build, write and attach nothing */
	bool nofail;		/* a missing SRC is no failure */
	int self;		/* our /proc/self (self.h), or -1 */
	/* -t idmap.FSTYPE: a new filesystem instead of a clone of SRC. */
	const char *fstype;
	const struct fs_param *params;
	size_t nparams;
};

/*
 * Returns 0 once the tree is attached (with dry_run: once everything that
 * can be checked without writing to a device or attaching passed),
 * ATTACH_NO_SOURCE when SRC does not exist and plan->nofail is set (nothing
 * is mounted), or a negative errno with the reason in @d.
 */
int attach_mount(const struct attach_plan *plan, struct diag *d);
#define ATTACH_NO_SOURCE 1

/* fsopen(p->fstype) with "source", "ro" and p->params set: the context fd,
 * or a negative errno.  The kernel parses each option; nothing is created. */
int attach_fs_context(const struct attach_plan *p, struct diag *d);

#ifdef MOUNT_IDMAP_TEST_HOOKS
/* The system calls a test may make fail. */
enum attach_step {
	ATTACH_OPEN_TREE,
	ATTACH_OPEN_TREE_ATTR,
	ATTACH_FSOPEN,
	ATTACH_FSCONFIG,
	ATTACH_FSMOUNT,
	ATTACH_MOUNT_SETATTR,
	ATTACH_MOVE_MOUNT,
	ATTACH_OVERLAY_FD,	/* a layer given to overlayfs as an fd */
	ATTACH_OVERLAY_OPEN,	/* upper or work opened in their clone */
	ATTACH_CAPS_RESTORE,	/* our capabilities back after the create */
};

/* Called before each step: a non-zero return is the errno with which the
 * step then fails, without being made.  Test builds only. */
extern int (*attach_test_fault)(enum attach_step step);

/* Fail @call with the errno that the test asks for, or make it. */
#define FAULT(step, call)                                               \
	((attach_test_fault && (errno = attach_test_fault(step)) != 0) ? \
		 -1 : (call))
#else
#define FAULT(step, call) (call)
#endif

#endif
