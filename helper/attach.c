// SPDX-License-Identifier: Apache-2.0
/*
 * open_tree(OPEN_TREE_CLONE), or fsopen() -> fsconfig() -> fsmount(), then
 * mount_setattr(MOUNT_ATTR_IDMAP | attrs) -> move_mount().  The tree stays
 * detached until the last step, so a failure anywhere leaves nothing
 * behind: closing the fd frees it.  SRC and DIR are each resolved once,
 * into an O_PATH fd, and every later step works from that fd.  Why a step
 * failed is explain.c's business.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "attach.h"
#include "cleanup.h"
#include "explain.h"
#include "mountapi.h"
#include "overlay.h"

#ifdef MOUNT_IDMAP_TEST_HOOKS
int (*attach_test_fault)(enum attach_step step);
#endif

/* A failure @r that only says SRC does not exist is none with nofail, as
 * mount(8) treats a missing device. */
static int unless_nofail(const struct attach_plan *p, int r)
{
	return p->nofail && (r == -ENOENT || r == -ENOTDIR) ?
		ATTACH_NO_SOURCE : r;
}

/* SRC, followed as mount --bind follows it. */
static int open_source(const struct attach_plan *p, struct diag *d)
{
	int fd = open(p->source, O_PATH | O_CLOEXEC);

	return fd >= 0 ? fd : explain_clone(p, errno, d);
}

/* DIR, not followed: a mount point swapped for a symlink after mount(8)
 * looked at it must not redirect the mount, and move_mount() would mount
 * a file on the symlink itself.  The object checked is the one used. */
static int open_target(const struct attach_plan *p, struct diag *d)
{
	_cleanup_close_ int fd = open(p->target,
				      O_PATH | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;

	if (fd < 0)
		return explain_target(errno, d);
	if (fstat(fd, &st) < 0)
		return explain_target(errno, d);
	if (S_ISLNK(st.st_mode))
		return diag_fail(d, ELOOP,
			"mount point is a symlink, which mount.idmap does not follow: give the directory or file it points to");
	return take_fd(&fd);
}

/* -t idmap.FSTYPE: a filesystem context with every option set.  The kernel
 * parses each option here, but nothing touches the device yet. */
int attach_fs_context(const struct attach_plan *p, struct diag *d)
{
	_cleanup_close_ int fsfd = FAULT(ATTACH_FSOPEN,
					 fsopen(p->fstype, FSOPEN_CLOEXEC));

	if (fsfd < 0) {
		if (errno == ENODEV)
			return diag_fail(d, errno,
				"unknown filesystem type \"%s\"", p->fstype);
		if (errno == ENOSYS)
			return diag_fail(d, errno, "%s", KERNEL_TOO_OLD);
		return diag_fail(d, errno, "fsopen %s: %s", p->fstype,
				 strerror(errno));
	}
	if (FAULT(ATTACH_FSCONFIG, fsconfig(fsfd, FSCONFIG_SET_STRING,
					    "source", p->source, 0)) < 0)
		return explain_fs(p, fsfd, "source rejected", errno, d);
	if ((p->attr_set & MOUNT_ATTR_RDONLY) &&
	    fsconfig(fsfd, FSCONFIG_SET_FLAG, "ro", NULL, 0) < 0)
		return explain_fs(p, fsfd, "option \"ro\" rejected", errno, d);
	for (size_t i = 0; i < p->nparams; i++) {
		const struct fs_param *fp = &p->params[i];
		char what[256];
		int r = fp->value ?
			fsconfig(fsfd, FSCONFIG_SET_STRING, fp->key, fp->value, 0) :
			fsconfig(fsfd, FSCONFIG_SET_FLAG, fp->key, NULL, 0);

		if (r < 0) {
			snprintf(what, sizeof(what), "option \"%s%s%s\" rejected",
				 fp->key, fp->value ? "=" : "",
				 fp->value ? fp->value : "");
			return explain_fs(p, fsfd, what, errno, d);
		}
	}
	return take_fd(&fsfd);
}

/* Does FSTYPE need a block device?  /proc/filesystems marks the others
 * "nodev"; fsopen() has loaded the module, so FSTYPE is listed.  @nodev
 * says whether the file marks it so: false when it cannot be read, and
 * nothing may then be created in place of a check. */
static bool needs_device(const char *fstype, bool *nodev)
{
	_cleanup_(fclosep) FILE *f = fopen("/proc/filesystems", "re");
	char line[256];

	while (f && fgets(line, sizeof(line), f)) {
		char *name = strchr(line, '\t');

		if (!name)
			continue;
		name[1 + strcspn(name + 1, "\n")] = '\0';
		if (strcmp(name + 1, fstype) == 0) {
			*nodev = strncmp(line, "nodev", 5) == 0;
			return !*nodev;
		}
	}
	*nodev = false;
	return false;
}

/* -f: what FSCONFIG_CMD_CREATE would find wrong with SRC, without it:
 * creating the superblock writes to the device (mount count, journal). */
static int fs_check_source(const struct attach_plan *p, struct diag *d)
{
	struct stat st;
	bool nodev;

	if (!needs_device(p->fstype, &nodev))
		return 0;
	if (stat(p->source, &st) < 0)
		return explain_fs_source(p, -1, errno, d);
	if (!S_ISBLK(st.st_mode))
		return explain_fs_source(p, -1, ENOTBLK, d);
	return 0;
}

/* The new filesystem, as a detached mount. */
static int fs_create(const struct attach_plan *p, int fsfd, struct diag *d)
{
	int mnt;

	if (fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return explain_fs_source(p, fsfd, errno, d);
	mnt = FAULT(ATTACH_FSMOUNT, fsmount(fsfd, FSMOUNT_CLOEXEC, 0));
	if (mnt < 0)
		return explain_fs(p, fsfd, "fsmount", errno, d);
	return mnt;
}

/*
 * -f with -t idmap.FSTYPE: the options and SRC.  A filesystem on a device
 * gets no superblock (that writes to the device).  One without a device
 * (tmpfs) writes nothing anywhere when it is created, so it is created and
 * idmapped as a real mount would be, then dropped: -f then knows whether
 * this kernel can idmap FSTYPE (tmpfs only from Linux 6.3).
 */
static int fs_dry_run(const struct attach_plan *p, struct mount_attr *attr,
		      struct diag *d)
{
	_cleanup_close_ int fsfd = attach_fs_context(p, d);
	_cleanup_close_ int tree = -1;
	bool nodev;

	if (fsfd < 0)
		return fsfd;
	needs_device(p->fstype, &nodev);
	if (!nodev)
		return fs_check_source(p, d);
	tree = fs_create(p, fsfd, d);
	if (tree < 0)
		return tree;
	if (FAULT(ATTACH_MOUNT_SETATTR,
		  mount_setattr(tree, "", AT_EMPTY_PATH, attr,
				sizeof(*attr))) < 0)
		return explain_setattr(p, -1, errno, attr, d);
	return 0;
}

/*
 * The kernel will not idmap a mount that is already idmapped.  Since Linux
 * 6.15, open_tree_attr() can clone such a mount with a new idmap, which
 * replaces the old one: the new map is relative to the on-disk ids.
 */
static int reidmap(const struct attach_plan *p, int src,
		   struct mount_attr *attr, struct diag *d)
{
	unsigned int rec = p->recursive ? AT_RECURSIVE : 0;
	int fd = FAULT(ATTACH_OPEN_TREE_ATTR,
		       open_tree_attr(src, "", AT_EMPTY_PATH | OPEN_TREE_CLONE |
					       OPEN_TREE_CLOEXEC | rec,
				      attr, sizeof(*attr)));

	return fd >= 0 ? fd : explain_reidmap(p, src, errno, attr, d);
}

/* The detached tree: a clone of @src, or a new filesystem. */
static int make_tree(const struct attach_plan *p, int src, struct diag *d)
{
	unsigned int rec = p->recursive ? AT_RECURSIVE : 0;
	_cleanup_close_ int fsfd = -1;
	int tree;

	if (!p->fstype) {
		tree = FAULT(ATTACH_OPEN_TREE,
			     open_tree(src, "", AT_EMPTY_PATH | OPEN_TREE_CLONE |
						OPEN_TREE_CLOEXEC | rec));
		return tree >= 0 ? tree : explain_clone(p, errno, d);
	}
	if (overlay_is(p->fstype))
		return overlay_make(p, d);
	fsfd = attach_fs_context(p, d);
	if (fsfd < 0)
		return fsfd;
	return fs_create(p, fsfd, d);
}

int attach_mount(const struct attach_plan *p, struct diag *d)
{
	unsigned int rec = p->recursive ? AT_RECURSIVE : 0;
	/* A merged overlay cannot be idmapped: its layers are. */
	struct mount_attr attr = {
		.attr_set = p->attr_set |
			    (overlay_is(p->fstype) ? 0 : MOUNT_ATTR_IDMAP),
		.attr_clr = p->attr_clr,
		.userns_fd = (uint64_t)p->userns_fd,
	};
	_cleanup_close_ int src = -1, dst = -1, tree = -1;

	if (!p->fstype) {
		src = open_source(p, d);
		if (src < 0)
			return unless_nofail(p, src);
	}
	dst = open_target(p, d);
	if (dst < 0)
		return dst;
	if (p->fstype && p->dry_run)
		return unless_nofail(p, overlay_is(p->fstype) ?
					overlay_make(p, d) :
					fs_dry_run(p, &attr, d));

	tree = make_tree(p, src, d);
	if (tree < 0)
		return unless_nofail(p, tree);
	if (FAULT(ATTACH_MOUNT_SETATTR,
		  mount_setattr(tree, "", AT_EMPTY_PATH | rec, &attr,
				sizeof(attr))) < 0) {
		int err = errno;

		if (err != EPERM || p->fstype || !explain_is_idmapped(p, src))
			return explain_setattr(p, src, err, &attr, d);
		closep(&tree);
		tree = reidmap(p, src, &attr, d);
		if (tree < 0)
			return tree;
	}
	if (p->dry_run)
		return 0;
	if (FAULT(ATTACH_MOVE_MOUNT,
		  move_mount(tree, "", dst, "", MOVE_MOUNT_F_EMPTY_PATH |
						MOVE_MOUNT_T_EMPTY_PATH)) < 0)
		return explain_move(p, src, dst, errno, d);
	return 0;
}
