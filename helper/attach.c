// SPDX-License-Identifier: Apache-2.0
/*
 * open_tree(OPEN_TREE_CLONE), or fsopen() -> fsconfig() -> fsmount(), then
 * mount_setattr(MOUNT_ATTR_IDMAP | attrs) -> move_mount().  The tree stays
 * detached until the last step, so a failure anywhere leaves nothing
 * behind: closing the fd frees it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libmount.h>

#include "attach.h"
#include "cleanup.h"
#include "mountapi.h"

#ifdef MOUNT_IDMAP_TEST_HOOKS
int (*attach_test_fault)(enum attach_step step);
/* Fail @call with the errno that the test asks for, or make it. */
#define FAULT(step, call)                                               \
	((attach_test_fault && (errno = attach_test_fault(step)) != 0) ? \
		 -1 : (call))
#else
#define FAULT(step, call) (call)
#endif

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

/* Can the mount at @path, alone, take this idmap?  Tried on a throwaway
 * clone, so nothing changes. */
static bool can_idmap(const char *path, struct mount_attr *attr)
{
	_cleanup_close_ int fd = open_tree(AT_FDCWD, path,
					   OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);

	return fd >= 0 &&
	       mount_setattr(fd, "", AT_EMPTY_PATH, attr, sizeof(*attr)) == 0;
}

/*
 * rbind failed with EINVAL: find the first mount below @src that refuses
 * the idmap, so that the message can name it.  Error path only.
 */
static bool find_refusing_submount(const char *src, struct mount_attr *attr,
				   char *path, size_t size, char *fstype,
				   size_t tsize)
{
	struct libmnt_table *tb = mnt_new_table_from_file("/proc/self/mountinfo");
	struct libmnt_iter *it = mnt_new_iter(MNT_ITER_FORWARD);
	struct libmnt_fs *fs;
	char *real = realpath(src, NULL);
	size_t len = real ? strlen(real) : 0;
	bool found = false;

	while (real && tb && it && mnt_table_next_fs(tb, it, &fs) == 0) {
		const char *t = mnt_fs_get_target(fs);

		if (!t || strncmp(t, real, len) != 0 ||
		    (t[len] != '/' && !(len == 1 && t[1])))
			continue;
		if (!can_idmap(t, attr)) {
			snprintf(path, size, "%s", t);
			snprintf(fstype, tsize, "%s",
				 mnt_fs_get_fstype(fs) ? mnt_fs_get_fstype(fs) : "?");
			found = true;
			break;
		}
	}
	free(real);
	mnt_free_iter(it);
	mnt_unref_table(tb);
	return found;
}

static int setattr_failed(const struct attach_plan *p, int err,
			  struct mount_attr *attr, struct diag *d)
{
	char fstype[64], sub[512];
	bool idmapped;

	switch (err) {
	case ENOSYS:
		return diag_fail(d, err, "%s", KERNEL_TOO_OLD);
	case EINVAL:
		if (p->fstype)
			return diag_fail(d, err,
				"%s does not support idmapped mounts", p->fstype);
		if (p->recursive &&
		    find_refusing_submount(p->source, attr, sub, sizeof(sub),
					   fstype, sizeof(fstype)))
			return diag_fail(d, err,
				"rbind: the submount \"%s\" (%s) does not support idmapped mounts; bind without rbind, or unmount it",
				sub, fstype);
		describe_source(p->source, fstype, sizeof(fstype), &idmapped);
		return diag_fail(d, err,
				 "%s at \"%s\" does not support idmapped mounts",
				 fstype, p->source);
	case EPERM:
		return diag_fail(d, err,
				 "not permitted to idmap \"%s\" with this user namespace",
				 p->source);
	default:
		return diag_fail(d, err, "cannot idmap \"%s\": %s", p->source,
				 strerror(err));
	}
}

/*
 * The kernel will not idmap a mount that is already idmapped.  Since Linux
 * 6.15, open_tree_attr() can clone such a mount with a new idmap, which
 * replaces the old one: the new map is relative to the on-disk ids.
 */
static int reidmap(const struct attach_plan *p, struct mount_attr *attr,
		   struct diag *d)
{
	unsigned int rec = p->recursive ? AT_RECURSIVE : 0;
	int fd;

	fd = FAULT(ATTACH_OPEN_TREE_ATTR,
		   open_tree_attr(AT_FDCWD, p->source,
				  OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | rec,
				  attr, sizeof(*attr)));
	if (fd >= 0)
		return fd;
	if (errno == ENOSYS)
		return diag_fail(d, EPERM,
			"source \"%s\" is already an idmapped mount: giving it a new idmap needs open_tree_attr() (Linux 6.15 or later); on this kernel, idmap the underlying directory instead",
			p->source);
	return setattr_failed(p, errno, attr, d);
}

/* Collect what the filesystem said about its failure (the messages that the
 * kernel queues on the fsopen() fd), as "; "-separated text. */
static void fs_messages(int fsfd, char *buf, size_t size)
{
	char line[512];
	size_t off = 0;
	ssize_t n;

	buf[0] = '\0';
	while ((n = read(fsfd, line, sizeof(line) - 1)) > 0 && off < size) {
		int w;

		line[n] = '\0';
		if (line[n - 1] == '\n')
			line[n - 1] = '\0';
		/* "e ", "w " and "i " prefixes: error, warning, info. */
		w = snprintf(buf + off, size - off, "%s%s", off ? "; " : "",
			     n > 2 && line[1] == ' ' ? line + 2 : line);
		if (w < 0)
			break;
		off += (size_t)w;
	}
}

static int fs_failed(const struct attach_plan *p, int fsfd, const char *what,
		     int err, struct diag *d)
{
	char msg[512];

	fs_messages(fsfd, msg, sizeof(msg));
	return diag_fail(d, err, "%s: %s%s%s", p->fstype, what,
			 msg[0] ? ": " : "", msg[0] ? msg : strerror(err));
}

/* -t idmap.FSTYPE: a new filesystem, detached, never visible unidmapped. */
static int new_filesystem(const struct attach_plan *p, struct diag *d)
{
	_cleanup_close_ int fsfd = -1;
	int mnt;

	fsfd = FAULT(ATTACH_FSOPEN, fsopen(p->fstype, FSOPEN_CLOEXEC));
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
		return fs_failed(p, fsfd, "source rejected", errno, d);
	if ((p->attr_set & MOUNT_ATTR_RDONLY) &&
	    fsconfig(fsfd, FSCONFIG_SET_FLAG, "ro", NULL, 0) < 0)
		return fs_failed(p, fsfd, "option \"ro\" rejected", errno, d);
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
			return fs_failed(p, fsfd, what, errno, d);
		}
	}
	if (fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
		struct stat st;

		if (errno == ENOENT)
			return diag_fail(d, errno, "source \"%s\" does not exist",
					 p->source);
		if (stat(p->source, &st) == 0 && S_ISREG(st.st_mode))
			return diag_fail(d, errno,
				"%s: source \"%s\" is a regular file: attach it to a loop device first (losetup -f --show \"%s\") and mount the device",
				p->fstype, p->source, p->source);
		return fs_failed(p, fsfd, "cannot create the filesystem", errno, d);
	}
	mnt = FAULT(ATTACH_FSMOUNT, fsmount(fsfd, FSMOUNT_CLOEXEC, 0));
	if (mnt < 0)
		return fs_failed(p, fsfd, "fsmount", errno, d);
	return mnt;
}

static int move_failed(const struct attach_plan *p, int err, struct diag *d)
{
	struct stat st, src;

	/* move_mount() does not follow a final symlink at the target (no
	 * MOVE_MOUNT_T_SYMLINKS): a path that changed into a symlink after
	 * mount(8) resolved it must not redirect the mount. */
	if (lstat(p->target, &st) == 0 && S_ISLNK(st.st_mode))
		return diag_fail(d, err,
			"mount point \"%s\" is a symlink, which mount.idmap does not follow: give the directory it points to",
			p->target);
	/* A directory goes on a directory, anything else on a non-directory. */
	if (!p->fstype && stat(p->target, &st) == 0 &&
	    stat(p->source, &src) == 0 &&
	    S_ISDIR(st.st_mode) != S_ISDIR(src.st_mode))
		return diag_fail(d, err,
			"source \"%s\" is %s but mount point \"%s\" is %s: bind a directory on a directory, a file on a file",
			p->source, S_ISDIR(src.st_mode) ? "a directory" : "not a directory",
			p->target, S_ISDIR(st.st_mode) ? "a directory" : "not a directory");
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

	if (p->fstype) {
		tree = new_filesystem(p, d);
		if (tree < 0)
			return tree;
	} else {
		tree = FAULT(ATTACH_OPEN_TREE,
			     open_tree(AT_FDCWD, p->source,
				       OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | rec));
		if (tree < 0)
			return clone_failed(p, errno, d);
	}

	if (FAULT(ATTACH_MOUNT_SETATTR,
		  mount_setattr(tree, "", AT_EMPTY_PATH | rec, &attr,
				sizeof(attr))) < 0) {
		char fstype[64];
		bool idmapped = false;
		int err = errno;

		if (err == EPERM && !p->fstype)
			describe_source(p->source, fstype, sizeof(fstype),
					&idmapped);
		if (!idmapped)
			return setattr_failed(p, err, &attr, d);
		closep(&tree);
		tree = reidmap(p, &attr, d);
		if (tree < 0)
			return tree;
	}

	if (p->dry_run)
		return 0;

	if (FAULT(ATTACH_MOVE_MOUNT,
		  move_mount(tree, "", AT_FDCWD, p->target,
			     MOVE_MOUNT_F_EMPTY_PATH)) < 0)
		return move_failed(p, errno, d);
	return 0;
}
