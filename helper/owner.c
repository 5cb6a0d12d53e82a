// SPDX-License-Identifier: Apache-2.0
/*
 * The credentials under which overlayfs is created: the upper directory's
 * owner as its idmapped clone shows it, with every capability kept, and
 * back to ours right after.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <unistd.h>

#include "attach.h"
#include "cleanup.h"
#include "owner.h"
#include "userns.h"

/* The value of /proc/sys/fs/@name: the id that stands for "unmapped". */
static unsigned int overflow_id(const char *name)
{
	char path[64];
	unsigned int id = 65534;
	_cleanup_(fclosep) FILE *f = NULL;

	snprintf(path, sizeof(path), "/proc/sys/fs/%s", name);
	f = fopen(path, "re");
	if (f && fscanf(f, "%u", &id) != 1)
		id = 65534;
	return id;
}

/*
 * The upper directory's owner as its idmapped clone shows it: an OUTER
 * id.  The overflow id (65534) is what the clone shows of an owner that
 * the map leaves out, but also what a map may send an owner to on purpose
 * ("0:65534:1"): whether the on-disk owner is an INNER id of the map, the
 * kernel tells, asked in the namespace.
 */
int owner_of_upper(int userns_fd, int upper_fd, const char *path,
		   struct owner *o, struct diag *d)
{
	struct stat seen, raw;

	if (fstat(upper_fd, &seen) < 0 || stat(path, &raw) < 0)
		return diag_fail(d, errno, "upper directory \"%s\": %s",
				 path, strerror(errno));
	if ((seen.st_uid == overflow_id("overflowuid") ||
	     seen.st_gid == overflow_id("overflowgid")) &&
	    userns_unmapped(userns_fd, raw.st_uid, raw.st_gid) != 0)
		return diag_fail(d, EOVERFLOW,
			"upper directory \"%s\" is owned by on-disk %u:%u, which the mapping leaves unmapped: overlayfs writes the upper as its owner; map that owner (as an INNER id) or chown the upper and work directories to a mapped id",
			path, (unsigned int)raw.st_uid,
			(unsigned int)raw.st_gid);
	o->uid = seen.st_uid;
	o->gid = seen.st_gid;
	return 0;
}

/*
 * The credentials raised for the upper's owner could not be dropped again.
 * Nothing that the helper could still do would be safe with them, and
 * nothing is attached yet (the overlay is at most an fd of ours): stop
 * here, with mount(8)'s "system error".  The one exit outside main().
 */
static _Noreturn void owner_stuck(int err)
{
	fprintf(stderr,
		"mount.idmap: cannot drop the credentials taken to create the overlay: %s; stopping, nothing was mounted\n",
		strerror(err));
	_exit(2);
}

/* Back to the credentials we had: root's fsuid, our capabilities. */
void owner_end(struct owner *o)
{
	if (!o->active)
		return;
	setfsuid(o->old_uid);
	setfsgid(o->old_gid);
	if ((uid_t)setfsuid((uid_t)-1) != o->old_uid ||
	    (gid_t)setfsgid((gid_t)-1) != o->old_gid)
		owner_stuck(EPERM);
	if (FAULT(ATTACH_CAPS_RESTORE, cap_set_proc(o->saved)) < 0)
		owner_stuck(errno);
	cap_free(o->saved);
	o->active = false;
}

/* Take the upper owner's fsuid and fsgid, keeping every capability: the
 * change of fsuid drops the filesystem ones, raise them again. */
int owner_begin(struct owner *o, struct diag *d)
{
	cap_t raised;
	int r = 0;

	o->saved = cap_get_proc();
	raised = cap_get_proc();
	if (!o->saved || !raised) {
		cap_free(raised);
		cap_free(o->saved);
		return diag_fail(d, ENOMEM, "out of memory");
	}
	o->active = true;
	o->old_gid = (gid_t)setfsgid(o->gid);
	o->old_uid = (uid_t)setfsuid(o->uid);
	if ((uid_t)setfsuid((uid_t)-1) != o->uid ||
	    (gid_t)setfsgid((gid_t)-1) != o->gid)
		r = diag_fail(d, EPERM, "cannot take the upper directory's owner %u:%u as fsuid/fsgid",
			      (unsigned int)o->uid, (unsigned int)o->gid);
	else if (cap_fill(raised, CAP_EFFECTIVE, CAP_PERMITTED) < 0 ||
		 cap_set_proc(raised) < 0)
		r = diag_fail(d, errno, "cannot keep the capabilities as the upper directory's owner: %s",
			      strerror(errno));
	cap_free(raised);
	if (r < 0)
		owner_end(o);
	return r;
}
