/* SPDX-License-Identifier: Apache-2.0 */
/* --show: read back the mapping of idmapped mounts. */
#ifndef MOUNT_IDMAP_SHOW_H
#define MOUNT_IDMAP_SHOW_H

#include "diag.h"
#include "facts.h"

/* The mapping of the mount at @path as options ("uidmap=...,gidmap=...",
 * or "userns=PATH" from a utab record); *text is malloc'ed, *@from says
 * where it was read.  @self: our /proc/self (self.h), or -1.  -ENODATA
 * when @path is not an idmapped mount. */
int show_mount(const char *path, int self, char **text,
	       enum facts_origin *from, struct diag *d);

/* One line "TARGET<TAB>OPTIONS" for every idmapped mount in this mount
 * namespace, each read by its own id; *text is malloc'ed (empty when
 * there are none). */
int show_all(int self, char **text, struct diag *d);

#endif
