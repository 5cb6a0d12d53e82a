// SPDX-License-Identifier: Apache-2.0
/*
 * open_tree(OPEN_TREE_CLONE), or fsopen() -> fsconfig() -> fsmount(), then
 * mount_setattr(MOUNT_ATTR_IDMAP | attrs) -> move_mount().  The tree stays
 * detached until the last step, so a failure anywhere leaves nothing
 * behind: closing the fd frees it.  SRC and DIR are each resolved once,
 * into an O_PATH fd, and every later step works from that fd.  A step
 * that fails is recorded in a struct attach_failure, with what the kernel
 * said of it; why it failed is explain.c's business, afterwards.
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
#include "mountapi.h"
#include "overlay.h"
#include "self.h"

#ifdef MOUNT_IDMAP_TEST_HOOKS
int (*attach_test_fault)(enum attach_step step);
#endif

void attach_failure_free(struct attach_failure *f)
{
	closep(&f->src_fd);
	closep(&f->dst_fd);
	free(f->path);
	f->path = NULL;
}

int attach_fail(struct attach_failure *f, enum attach_failed step, int err)
{
	f->step = step;
	f->err = err;
	return -err;
}

int attach_fail_layer(struct attach_failure *f, enum attach_failed step,
		      const char *role, const char *path, int err,
		      struct diag *d)
{
	free(f->path);
	f->path = strdup(path);
	if (!f->path)
		return diag_fail(d, ENOMEM, "out of memory");
	snprintf(f->role, sizeof(f->role), "%s", role);
	return attach_fail(f, step, err);
}

/* What the filesystem said about its failure (the messages that the kernel
 * queues on the fsopen() fd), as "; "-separated text.  main() escapes what
 * a line may hold that would break the message's one line. */
static void fs_messages(int fsfd, char *buf, size_t size)
{
	char line[512];
	size_t off = 0;
	ssize_t n;

	buf[0] = '\0';
	while (fsfd >= 0 && off < size &&
	       (n = read(fsfd, line, sizeof(line) - 1)) > 0) {
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

int attach_log_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0 && lseek(fd, 0, SEEK_END) < 0)
		closep(&fd);
	return fd;
}

/* The lines of the kernel log since attach_log_open() that start with
 * "@fstype" ("overlay" logs as "overlayfs: "), into @buf. */
static void log_messages(int log_fd, const char *fstype, char *buf,
			 size_t size)
{
	char rec[1024];
	size_t off = 0;
	ssize_t n;

	buf[0] = '\0';
	/* One record per read(); EPIPE when one was overwritten. */
	while (log_fd >= 0 && off < size &&
	       ((n = read(log_fd, rec, sizeof(rec) - 1)) > 0 ||
		(n < 0 && errno == EPIPE))) {
		char *text;
		int w;

		if (n < 0)
			continue;
		rec[n] = '\0';
		text = strchr(rec, ';');
		if (!text || strncmp(++text, fstype, strlen(fstype)) != 0)
			continue;
		text[strcspn(text, "\n")] = '\0';
		w = snprintf(buf + off, size - off, "%s%s", off ? "; " : "",
			     text);
		if (w < 0)
			break;
		off += (size_t)w;
	}
}

int attach_fail_fs(struct attach_failure *f, int fsfd, int log_fd,
		   const char *fstype, const char *what, int err)
{
	snprintf(f->what, sizeof(f->what), "%s", what);
	fs_messages(fsfd, f->said, sizeof(f->said));
	log_messages(log_fd, fstype, f->log, sizeof(f->log));
	return attach_fail(f, FAILED_FS, err);
}

/* The context's messages, for a failure that explain.c may word as one
 * of the filesystem's own. */
static int fail_fs_source(struct attach_failure *f, int fsfd, int err)
{
	snprintf(f->what, sizeof(f->what), "cannot create the filesystem");
	fs_messages(fsfd, f->said, sizeof(f->said));
	f->log[0] = '\0';
	return attach_fail(f, FAILED_FS_SOURCE, err);
}

/* Is the mount that holds @fd idmapped already? */
static bool is_idmapped(int self, int fd)
{
	struct statx stx;

	return statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &stx) == 0 &&
	       (stx.stx_mask & STATX_MNT_ID) &&
	       self_mount_idmapped(self, stx.stx_mnt_id);
}

/* A failure @r that only says SRC does not exist is none with nofail, as
 * mount(8) treats a missing device: *@out says so. */
static int unless_nofail(const struct attach_plan *p, int r,
			 struct attach_failure *f, enum attach_outcome *out)
{
	if (!p->req->nofail || (r != -ENOENT && r != -ENOTDIR))
		return r;
	f->step = FAILED_NONE;
	*out = ATTACH_NOFAIL_NO_SOURCE;
	return 0;
}

/* SRC, followed as mount --bind follows it. */
static int open_source(const struct attach_plan *p, struct attach_failure *f)
{
	int fd = open(p->source, O_PATH | O_CLOEXEC);

	return fd >= 0 ? fd : attach_fail(f, FAILED_SOURCE, errno);
}

/* DIR, not followed: a mount point swapped for a symlink after mount(8)
 * looked at it must not redirect the mount, and move_mount() would mount
 * a file on the symlink itself.  The object checked is the one used. */
static int open_target(const struct attach_plan *p, struct attach_failure *f,
		       struct diag *d)
{
	_cleanup_close_ int fd = open(p->target,
				      O_PATH | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0)
		return attach_fail(f, FAILED_TARGET, errno);
	if (S_ISLNK(st.st_mode))
		return diag_fail(d, ELOOP,
			"mount point is a symlink, which mount.idmap does not follow: give the directory or file it points to");
	return take_fd(&fd);
}

/* -t idmap.FSTYPE: a filesystem context with every option set.  The kernel
 * parses each option here, but nothing touches the device yet. */
int attach_fs_context(const struct attach_plan *p,
		      const struct fs_param *params, size_t nparams,
		      struct attach_failure *f, struct diag *d)
{
	const char *fstype = p->req->fstype;
	_cleanup_close_ int fsfd = FAULT(ATTACH_FSOPEN,
					 fsopen(fstype, FSOPEN_CLOEXEC));

	if (fsfd < 0) {
		if (errno == ENODEV)
			return diag_fail(d, errno,
				"unknown filesystem type \"%s\"", fstype);
		if (errno == ENOSYS)
			return diag_fail(d, errno, "%s", KERNEL_TOO_OLD);
		return diag_fail(d, errno, "fsopen %s: %s", fstype,
				 strerror(errno));
	}
	if (FAULT(ATTACH_FSCONFIG, fsconfig(fsfd, FSCONFIG_SET_STRING,
					    "source", p->source, 0)) < 0)
		return attach_fail_fs(f, fsfd, -1, fstype,
				      "source rejected", errno);
	if ((p->req->attr_set & MOUNT_ATTR_RDONLY) &&
	    fsconfig(fsfd, FSCONFIG_SET_FLAG, "ro", NULL, 0) < 0)
		return attach_fail_fs(f, fsfd, -1, fstype,
				      "option \"ro\" rejected", errno);
	for (size_t i = 0; i < nparams; i++) {
		const struct fs_param *fp = &params[i];
		char what[256];
		int r = fp->value ?
			fsconfig(fsfd, FSCONFIG_SET_STRING, fp->key, fp->value, 0) :
			fsconfig(fsfd, FSCONFIG_SET_FLAG, fp->key, NULL, 0);

		if (r < 0) {
			snprintf(what, sizeof(what), "option \"%s%s%s\" rejected",
				 fp->key, fp->value ? "=" : "",
				 fp->value ? fp->value : "");
			return attach_fail_fs(f, fsfd, -1, fstype, what,
					      errno);
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
static int fs_check_source(const struct attach_plan *p,
			   struct attach_failure *f)
{
	struct stat st;
	bool nodev;

	if (!needs_device(p->req->fstype, &nodev))
		return 0;
	if (stat(p->source, &st) < 0)
		return fail_fs_source(f, -1, errno);
	if (!S_ISBLK(st.st_mode))
		return fail_fs_source(f, -1, ENOTBLK);
	return 0;
}

/* The new filesystem, as a detached mount. */
static int fs_create(const struct attach_plan *p, int fsfd,
		     struct attach_failure *f)
{
	int mnt;

	if (fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return fail_fs_source(f, fsfd, errno);
	mnt = FAULT(ATTACH_FSMOUNT, fsmount(fsfd, FSMOUNT_CLOEXEC, 0));
	if (mnt < 0)
		return attach_fail_fs(f, fsfd, -1, p->req->fstype, "fsmount",
				      errno);
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
		      struct attach_failure *f, struct diag *d)
{
	_cleanup_close_ int fsfd = attach_fs_context(p, p->req->params,
						     p->req->nparams, f, d);
	_cleanup_close_ int tree = -1;
	bool nodev;

	if (fsfd < 0)
		return fsfd;
	needs_device(p->req->fstype, &nodev);
	if (!nodev)
		return fs_check_source(p, f);
	tree = fs_create(p, fsfd, f);
	if (tree < 0)
		return tree;
	if (FAULT(ATTACH_MOUNT_SETATTR,
		  mount_setattr(tree, "", AT_EMPTY_PATH, attr,
				sizeof(*attr))) < 0) {
		f->attr = *attr;
		return attach_fail(f, FAILED_SETATTR, errno);
	}
	return 0;
}

/*
 * The kernel will not idmap a mount that is already idmapped.  Since Linux
 * 6.15, open_tree_attr() can clone such a mount with a new idmap, which
 * replaces the old one: the new map is relative to the on-disk ids.
 */
static int reidmap(const struct attach_plan *p, int src,
		   struct mount_attr *attr, struct attach_failure *f)
{
	unsigned int rec = p->req->recursive ? AT_RECURSIVE : 0;
	int fd = FAULT(ATTACH_OPEN_TREE_ATTR,
		       open_tree_attr(src, "", AT_EMPTY_PATH | OPEN_TREE_CLONE |
					       OPEN_TREE_CLOEXEC | rec,
				      attr, sizeof(*attr)));

	if (fd >= 0)
		return fd;
	f->attr = *attr;
	return attach_fail(f, FAILED_REIDMAP, errno);
}

/* The detached tree: a clone of @src, or a new filesystem. */
static int make_tree(const struct attach_plan *p, int src,
		     struct attach_failure *f, struct diag *d)
{
	unsigned int rec = p->req->recursive ? AT_RECURSIVE : 0;
	_cleanup_close_ int fsfd = -1;
	int tree;

	if (!p->req->fstype) {
		tree = FAULT(ATTACH_OPEN_TREE,
			     open_tree(src, "", AT_EMPTY_PATH | OPEN_TREE_CLONE |
						OPEN_TREE_CLOEXEC | rec));
		return tree >= 0 ? tree : attach_fail(f, FAILED_SOURCE, errno);
	}
	if (overlay_is(p->req->fstype))
		return overlay_make(p, f, d);
	fsfd = attach_fs_context(p, p->req->params, p->req->nparams, f, d);
	if (fsfd < 0)
		return fsfd;
	return fs_create(p, fsfd, f);
}

int attach_mount(const struct attach_plan *p, enum attach_outcome *out,
		 struct attach_failure *f, struct diag *d)
{
	unsigned int rec = p->req->recursive ? AT_RECURSIVE : 0;
	/* A merged overlay cannot be idmapped: its layers are. */
	struct mount_attr attr = {
		.attr_set = p->req->attr_set |
			    (overlay_is(p->req->fstype) ? 0 : MOUNT_ATTR_IDMAP),
		.attr_clr = p->req->attr_clr,
		.userns_fd = (uint64_t)p->userns_fd,
	};
	_cleanup_close_ int src = -1, dst = -1, tree = -1;

	*out = ATTACHED;
	if (!p->req->fstype) {
		src = open_source(p, f);
		if (src < 0)
			return unless_nofail(p, src, f, out);
	}
	dst = open_target(p, f, d);
	if (dst < 0)
		return dst;
	if (p->req->fstype && p->dry_run)
		return unless_nofail(p, overlay_is(p->req->fstype) ?
					overlay_check(p, f, d) :
					fs_dry_run(p, &attr, f, d), f, out);

	tree = make_tree(p, src, f, d);
	if (tree < 0)
		return unless_nofail(p, tree, f, out);
	if (FAULT(ATTACH_MOUNT_SETATTR,
		  mount_setattr(tree, "", AT_EMPTY_PATH | rec, &attr,
				sizeof(attr))) < 0) {
		int err = errno;

		if (err != EPERM || p->req->fstype ||
		    !is_idmapped(p->self, src)) {
			/* explain.c looks at SRC's mount, and below it. */
			f->attr = attr;
			f->src_fd = take_fd(&src);
			return attach_fail(f, FAILED_SETATTR, err);
		}
		closep(&tree);
		tree = reidmap(p, src, &attr, f);
		if (tree < 0) {
			f->src_fd = take_fd(&src);
			return tree;
		}
	}
	if (p->dry_run)
		return 0;
	if (FAULT(ATTACH_MOVE_MOUNT,
		  move_mount(tree, "", dst, "", MOVE_MOUNT_F_EMPTY_PATH |
						MOVE_MOUNT_T_EMPTY_PATH)) < 0) {
		f->src_fd = take_fd(&src);
		f->dst_fd = take_fd(&dst);
		return attach_fail(f, FAILED_MOVE, errno);
	}
	return 0;
}
