/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The mapping of a mount, recorded in libmount's utab as persistent user
 * options (x-idmap.uidmap=, x-idmap.gidmap=, x-idmap.userns=), so that
 * findmnt and other libmount tools show it and umount(8) cleans it up.
 */
#ifndef MOUNT_IDMAP_UTAB_H
#define MOUNT_IDMAP_UTAB_H

#include "diag.h"
#include "options.h"

/* Record the mount of @source on @target.  Through libmount, so the file
 * is locked and replaced whole: it is never left half-written. */
int utab_record(const char *source, const char *target, const char *fstype,
		const struct idmap_request *req, struct diag *d);

#endif
