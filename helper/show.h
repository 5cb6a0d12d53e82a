/* SPDX-License-Identifier: Apache-2.0 */
/* --show: read back the mapping of idmapped mounts. */
#ifndef MOUNT_IDMAP_SHOW_H
#define MOUNT_IDMAP_SHOW_H

#include <stdbool.h>

#include "diag.h"
#include "options.h"

/* The mapping of the mount at @path, into @req (options_init()ed, with the
 * resolver that names in a utab record need): the maps (from the kernel,
 * or a utab record; the record's when it says the same with names), or a
 * user namespace path (a utab record).  -ENODATA when @path is not an
 * idmapped mount. */
int show_read(const char *path, struct idmap_request *req, struct diag *d);

/* The mapping of the mount at @path as options ("uidmap=...,gidmap=...",
 * or "userns=PATH" from a utab record); *text is malloc'ed.  -ENODATA when
 * @path is not an idmapped mount. */
int show_mount(const char *path, char **text, struct diag *d);

/* One line "TARGET<TAB>OPTIONS" for every idmapped mount in this mount
 * namespace; *text is malloc'ed (empty when there are none). */
int show_all(char **text, struct diag *d);

/* Is the mount at @path an overlay that mount.idmap assembled from
 * idmapped layers (type overlay, with an x-idmap.* record in utab)? */
bool show_is_idmap_overlay(const char *path);

#ifdef MOUNT_IDMAP_TEST_HOOKS
/* Act as a kernel older than 6.15, which statmount() cannot tell the maps
 * of.  Test builds only. */
extern bool show_test_no_statmount;
#endif

#endif
