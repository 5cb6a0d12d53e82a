/* SPDX-License-Identifier: Apache-2.0 */
/*
 * -t idmap.overlay: overlayfs does its upper-layer work (the work
 * directory, copy-ups, whiteouts) with the credentials of the task that
 * created it, through the upper's idmap, where root's fsuid 0 is usually
 * unmapped.  So it is created as the upper directory's owner.
 */
#ifndef MOUNT_IDMAP_OWNER_H
#define MOUNT_IDMAP_OWNER_H

#include <stdbool.h>
#include <sys/capability.h>
#include <sys/types.h>

#include "diag.h"

/* The credentials that overlayfs keeps for its upper work, and ours. */
struct owner {
	bool active;
	uid_t uid, old_uid;
	gid_t gid, old_gid;
	cap_t saved;
};
#define OWNER_INIT { .active = false }

/*
 * The owner of the upper directory @path, whose idmapped clone is
 * @upper_fd, as that clone shows it (an OUTER id), into @o; refused when
 * its on-disk owner is not an INNER id of the user namespace @userns_fd.
 */
int owner_of_upper(int userns_fd, int upper_fd, const char *path,
		   struct owner *o, struct diag *d);

/* Take @o's fsuid and fsgid, keeping every capability. */
int owner_begin(struct owner *o, struct diag *d);

/* Back to our own credentials; a no-op unless owner_begin() succeeded.
 * Where they cannot be set back, prints one line and exits 2: the one
 * exit outside main(). */
void owner_end(struct owner *o);

#endif
