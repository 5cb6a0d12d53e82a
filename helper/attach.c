// SPDX-License-Identifier: Apache-2.0
/*
 * open_tree(OPEN_TREE_CLONE) -> mount_setattr(MOUNT_ATTR_IDMAP | attrs)
 * -> move_mount().  The tree stays detached until the last step, so a
 * failure anywhere leaves nothing behind: closing the fd frees it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libmount.h>

#include "attach.h"
#include "cleanup.h"
#include "mountapi.h"

#define KERNEL_TOO_OLD \
	"the kernel lacks the new mount API (idmapped mounts need Linux 5.12 or later)"

/*
 * What mount holds @path: its filesystem type and whether it is already
 * idmapped.  Used only to explain a failure, so it may fail quietly.
 */
static void describe_source(const char *path, char *fstype, size_t size,
			    bool *idmapped)
{
	struct statx stx;
	struct libmnt_table *tb;
	struct libmnt_iter *it;
	struct libmnt_fs *fs;

	snprintf(fstype, size, "the filesystem");
	*idmapped = false;
	if (statx(AT_FDCWD, path, 0, STATX_MNT_ID, &stx) < 0 ||
	    !(stx.stx_mask & STATX_MNT_ID))
		return;
	tb = mnt_new_table_from_file("/proc/self/mountinfo");
	it = mnt_new_iter(MNT_ITER_FORWARD);
	while (tb && it && mnt_table_next_fs(tb, it, &fs) == 0) {
		if ((uint64_t)mnt_fs_get_id(fs) != stx.stx_mnt_id)
			continue;
		if (mnt_fs_get_fstype(fs))
			snprintf(fstype, size, "%s", mnt_fs_get_fstype(fs));
		*idmapped = mnt_optstr_get_option(mnt_fs_get_vfs_options(fs),
						  "idmapped", NULL, NULL) == 0;
		break;
	}
	mnt_free_iter(it);
	mnt_unref_table(tb);
}

static int clone_failed(const struct attach_plan *p, int err, struct diag *d)
{
	switch (err) {
	case ENOSYS:
		return diag_fail(d, err, "%s", KERNEL_TOO_OLD);
	case ENOENT:
		return diag_fail(d, err, "source \"%s\" does not exist",
				 p->source);
	default:
		return diag_fail(d, err, "cannot clone source \"%s\": %s",
				 p->source, strerror(err));
	}
}

static int setattr_failed(const struct attach_plan *p, int err,
			  struct diag *d)
{
	char fstype[64];
	bool idmapped;

	switch (err) {
	case ENOSYS:
		return diag_fail(d, err, "%s", KERNEL_TOO_OLD);
	case EINVAL:
		describe_source(p->source, fstype, sizeof(fstype), &idmapped);
		return diag_fail(d, err,
				 "%s at \"%s\" does not support idmapped mounts%s",
				 fstype, p->source,
				 p->recursive ? " (or a mount below it does not)" : "");
	case EPERM:
		describe_source(p->source, fstype, sizeof(fstype), &idmapped);
		if (idmapped)
			return diag_fail(d, err,
				"source \"%s\" is already an idmapped mount, and the kernel cannot idmap it again; use the underlying directory",
				p->source);
		return diag_fail(d, err,
				 "not permitted to idmap \"%s\" with this user namespace",
				 p->source);
	default:
		return diag_fail(d, err, "cannot idmap \"%s\": %s", p->source,
				 strerror(err));
	}
}

static int move_failed(const struct attach_plan *p, int err, struct diag *d)
{
	switch (err) {
	case ENOENT:
		return diag_fail(d, err, "mount point \"%s\" does not exist",
				 p->target);
	case ENOTDIR:
		return diag_fail(d, err,
				 "mount point \"%s\" is not a directory (or the source is a directory and this is a file)",
				 p->target);
	default:
		return diag_fail(d, err, "cannot attach at \"%s\": %s",
				 p->target, strerror(err));
	}
}

int attach_mount(const struct attach_plan *p, struct diag *d)
{
	unsigned int rec = p->recursive ? AT_RECURSIVE : 0;
	struct mount_attr attr = {
		.attr_set = p->attr_set | MOUNT_ATTR_IDMAP,
		.attr_clr = p->attr_clr,
		.userns_fd = (uint64_t)p->userns_fd,
	};
	_cleanup_close_ int tree = -1;

	tree = open_tree(AT_FDCWD, p->source,
			 OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | rec);
	if (tree < 0)
		return clone_failed(p, errno, d);

	if (mount_setattr(tree, "", AT_EMPTY_PATH | rec, &attr,
			  sizeof(attr)) < 0)
		return setattr_failed(p, errno, d);

	if (p->dry_run)
		return 0;

	if (move_mount(tree, "", AT_FDCWD, p->target,
		       MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return move_failed(p, errno, d);
	return 0;
}
