// SPDX-License-Identifier: Apache-2.0
/*
 * The reasons for a failed mount.  The kernel says EINVAL or EPERM for
 * many causes; the sentences here look at the source, the mount point and
 * the mount table to name the one at hand, from what attach_mount()
 * recorded of the failed step.  Only error paths come here.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libmount.h>

#include "cleanup.h"
#include "explain.h"
#include "mountapi.h"
#include "self.h"

/* What mount holds @src_fd: its filesystem type and whether it is already
 * idmapped.  Quietly "the filesystem" and false when that is unknown. */
static void describe_source(int self, int src_fd, char *fstype, size_t size,
			    bool *idmapped)
{
	_cleanup_(mnt_unref_tablep) struct libmnt_table *tb = NULL;
	struct libmnt_fs *fs;
	struct statx stx;

	snprintf(fstype, size, "the filesystem");
	*idmapped = false;
	if (src_fd < 0 ||
	    statx(src_fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &stx) < 0 ||
	    !(stx.stx_mask & STATX_MNT_ID))
		return;
	tb = self_mountinfo_entry(self, stx.stx_mnt_id);
	if (!tb || mnt_table_first_fs(tb, &fs) != 0)
		return;
	if (mnt_fs_get_fstype(fs))
		snprintf(fstype, size, "%s", mnt_fs_get_fstype(fs));
	*idmapped = self_fs_idmapped(fs);
}

/* Is the mount that holds @path unbindable (mountinfo says so)? */
static bool is_unbindable(int self, const char *path)
{
	_cleanup_(mnt_unref_tablep) struct libmnt_table *tb = NULL;
	struct libmnt_fs *fs;
	struct statx stx;
	const char *opt;

	if (statx(AT_FDCWD, path, 0, STATX_MNT_ID, &stx) < 0 ||
	    !(stx.stx_mask & STATX_MNT_ID))
		return false;
	tb = self_mountinfo_entry(self, stx.stx_mnt_id);
	if (!tb || mnt_table_first_fs(tb, &fs) != 0)
		return false;
	opt = mnt_fs_get_optional_fields(fs);
	return opt && strstr(opt, "unbindable");
}

/*
 * open_tree(OPEN_TREE_CLONE) of one mount failed with EINVAL: the mount is
 * unbindable, or submounts below @path are locked (mounted in a more
 * privileged mount namespace than ours, they hide what is below them, and
 * a clone without them would show it).  The same words for a bind's
 * source and an overlay's layer; @instead says what to do.
 */
static int clone_refused(int self, const char *what, const char *path,
			 const char *instead, struct diag *d)
{
	if (is_unbindable(self, path))
		return diag_fail(d, EINVAL,
			"%s \"%s\" is on an unbindable mount, which cannot be cloned",
			what, path);
	return diag_fail(d, EINVAL,
		"%s \"%s\" has submounts that are locked in this mount namespace (they were mounted where it was more privileged), and a clone without them would uncover what they cover: %s",
		what, path, instead);
}

/* open(SRC) or open_tree(SRC) failed. */
static int explain_clone(const struct attach_plan *p, int err, struct diag *d)
{
	switch (err) {
	case EINVAL:
		return clone_refused(p->self, "source", p->source,
			"bind with recursive (rbind), which takes them along",
			d);
	case ENOSYS:
		return diag_fail(d, err, "%s", KERNEL_TOO_OLD);
	case ENOENT:
		return diag_fail(d, err, "source \"%s\" does not exist",
				 p->source);
	case ENOTDIR:
		return diag_fail(d, err,
			"source \"%s\" does not exist: a part of its path is not a directory",
			p->source);
	default:
		return diag_fail(d, err, "cannot clone source \"%s\": %s",
				 p->source, strerror(err));
	}
}

/* open(DIR) failed. */
static int explain_target(int err, struct diag *d)
{
	switch (err) {
	case ENOENT:
		return diag_fail(d, err, "mount point does not exist");
	case ENOTDIR:
		return diag_fail(d, err,
			"mount point does not exist: a part of its path is not a directory");
	default:
		return diag_fail(d, err, "cannot open the mount point: %s",
				 strerror(err));
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

/* rbind failed with EINVAL: find the first mount below @src_fd that
 * refuses the idmap, so that the message can name it. */
static bool find_refusing_submount(int self, int src_fd,
				   struct mount_attr *attr, char *path,
				   size_t size, char *fstype, size_t tsize)
{
	_cleanup_(mnt_unref_tablep) struct libmnt_table *tb =
		self_mountinfo(self);
	_cleanup_(mnt_free_iterp) struct libmnt_iter *it =
		mnt_new_iter(MNT_ITER_FORWARD);
	struct libmnt_fs *fs;
	char real[4096];
	ssize_t len = self_fd_path(self, src_fd, real, sizeof(real));

	if (len <= 0)
		return false;
	while (tb && it && mnt_table_next_fs(tb, it, &fs) == 0) {
		const char *t = mnt_fs_get_target(fs);

		if (!t || strncmp(t, real, (size_t)len) != 0 ||
		    (t[len] != '/' && !(len == 1 && t[1])))
			continue;
		if (!can_idmap(t, attr)) {
			snprintf(path, size, "%s", t);
			snprintf(fstype, tsize, "%s",
				 mnt_fs_get_fstype(fs) ? mnt_fs_get_fstype(fs) : "?");
			return true;
		}
	}
	return false;
}

/*
 * Filesystems that learned idmapped mounts after the mount API itself did
 * (5.12), and the Linux version that brought it: what an older kernel's
 * EINVAL means.  Measured: Debian 12's 6.1 refuses tmpfs (EINVAL), 6.12
 * takes it; tmpfs gained it in 6.3.  Returns "" for the others.
 */
static const char *since_clause(const char *fstype)
{
	static const struct {
		const char *fstype, *clause;
	} late[] = {
		{ "tmpfs", " on this kernel (idmapping tmpfs needs Linux 6.3 or later)" },
	};

	for (size_t i = 0; i < sizeof(late) / sizeof(late[0]); i++)
		if (strcmp(fstype, late[i].fstype) == 0)
			return late[i].clause;
	return "";
}

/* mount_setattr() (or open_tree_attr()) with @attr failed on the tree of
 * @src_fd (-1 for a new filesystem). */
static int explain_setattr(const struct attach_plan *p, int src_fd, int err,
			   struct mount_attr *attr, struct diag *d)
{
	char fstype[64], sub[512];
	bool idmapped;

	switch (err) {
	case ENOSYS:
		return diag_fail(d, err, "%s", KERNEL_TOO_OLD);
	case EINVAL:
		if (p->req->fstype)
			return diag_fail(d, err,
				"%s does not support idmapped mounts%s",
				p->req->fstype, since_clause(p->req->fstype));
		if (p->req->recursive &&
		    find_refusing_submount(p->self, src_fd, attr, sub,
					   sizeof(sub), fstype, sizeof(fstype)))
			return diag_fail(d, err,
				"rbind: the submount \"%s\" (%s) does not support idmapped mounts%s; bind without rbind, or unmount it",
				sub, fstype, since_clause(fstype));
		describe_source(p->self, src_fd, fstype, sizeof(fstype),
				&idmapped);
		return diag_fail(d, err,
				 "%s at \"%s\" does not support idmapped mounts%s",
				 fstype, p->source, since_clause(fstype));
	case EPERM:
		return diag_fail(d, err,
				 "not permitted to idmap \"%s\" with this user namespace",
				 p->source);
	default:
		return diag_fail(d, err, "cannot idmap \"%s\": %s", p->source,
				 strerror(err));
	}
}

/* open_tree_attr(), which gives an idmapped source a new idmap, failed. */
static int explain_reidmap(const struct attach_plan *p, int src_fd, int err,
			   struct mount_attr *attr, struct diag *d)
{
	if (err == ENOSYS)
		return diag_fail(d, EPERM,
			"source \"%s\" is already an idmapped mount: giving it a new idmap needs open_tree_attr() (Linux 6.15 or later); on this kernel, idmap the underlying directory instead",
			p->source);
	return explain_setattr(p, src_fd, err, attr, d);
}

/* A step of fsopen() -> fsconfig() -> fsmount() failed: @f->what, then
 * the filesystem's own messages, then what it logged meanwhile, said to
 * be maybe about another mount: the kernel log does not tell whose they
 * are. */
static int explain_fs(const struct attach_plan *p,
		      const struct attach_failure *f, struct diag *d)
{
	return diag_fail(d, f->err, "%s: %s: %s%s%s", p->req->fstype, f->what,
			 f->said[0] ? f->said : strerror(f->err),
			 f->log[0] ? "; the kernel log meanwhile (maybe about another mount): " : "",
			 f->log);
}

/* The filesystem would not take SRC (FSCONFIG_CMD_CREATE, or the check
 * of -f): missing, a regular file, not a block device... */
static int explain_fs_source(const struct attach_plan *p,
			     const struct attach_failure *f, struct diag *d)
{
	struct stat st;
	int err = f->err;

	if (err == ENOENT)
		return diag_fail(d, err, "source \"%s\" does not exist",
				 p->source);
	if (stat(p->source, &st) == 0 && S_ISREG(st.st_mode))
		return diag_fail(d, err,
			"%s: source \"%s\" is a regular file: attach it to a loop device first (losetup -f --show \"%s\") and mount the device",
			p->req->fstype, p->source, p->source);
	if (err == ENOTBLK)
		return diag_fail(d, err, "%s: source \"%s\" is not a block device",
				 p->req->fstype, p->source);
	return explain_fs(p, f, d);
}

/* What a failure of any step says about the layer at @path. */
static int layer_common(const char *role, const char *path, int err,
			struct diag *d)
{
	switch (err) {
	case ENOSYS:
		return diag_fail(d, err, "%s", KERNEL_TOO_OLD);
	case ENOENT:
		return diag_fail(d, err, "overlay: %s \"%s\" does not exist",
				 role, path);
	case ENOTDIR:
		return diag_fail(d, err,
			"overlay: %s \"%s\" is not a directory, or a part of its path is not",
			role, path);
	default:
		return diag_fail(d, err, "overlay: cannot clone %s \"%s\": %s",
				 role, path, strerror(err));
	}
}

/* -t idmap.overlay: cloning the layer at @path (open_tree) failed; in the
 * words of explain_clone() for a bind's source. */
static int explain_layer_clone(const char *role, const char *path, int err,
			       struct diag *d)
{
	char what[64];

	if (err != EINVAL)
		return layer_common(role, path, err, d);
	snprintf(what, sizeof(what), "overlay: %s", role);
	return clone_refused(-1, what, path,
		"give a directory that has no submount below it", d);
}

/* -t idmap.overlay: idmapping (or opening) the layer at @path failed;
 * @role says which layer ("lower layer", "upper directory"...). */
static int explain_layer(const char *role, const char *path, int err,
			 struct diag *d)
{
	_cleanup_close_ int fd = -1;
	char fstype[64];
	bool idmapped;

	switch (err) {
	case EINVAL:
	case EPERM:
		fd = open(path, O_PATH | O_CLOEXEC);
		describe_source(-1, fd, fstype, sizeof(fstype), &idmapped);
		if (idmapped)
			return diag_fail(d, err,
				"overlay: %s \"%s\" is on an idmapped mount, which cannot be idmapped again: give the directory below that mount",
				role, path);
		if (err == EINVAL)
			return diag_fail(d, err,
				"overlay: %s \"%s\" (%s) does not support idmapped mounts",
				role, path, fstype);
		/* A bind's source gets the same words. */
		return diag_fail(d, err,
			"overlay: not permitted to idmap %s \"%s\" with this user namespace",
			role, path);
	case ENOSYS:
	case ENOENT:
	case ENOTDIR:
		return layer_common(role, path, err, d);
	default:
		return diag_fail(d, err, "overlay: cannot idmap %s \"%s\": %s",
				 role, path, strerror(err));
	}
}

static const char *kind(const struct stat *st)
{
	return S_ISDIR(st->st_mode) ? "a directory" : "not a directory";
}

/* move_mount() of the tree of @src_fd (-1 for a new filesystem) onto
 * @dst_fd failed. */
static int explain_move(const struct attach_plan *p, int src_fd, int dst_fd,
			int err, struct diag *d)
{
	struct stat src, dst;

	/* A directory goes on a directory, anything else on a non-directory. */
	if (src_fd >= 0 && fstat(src_fd, &src) == 0 &&
	    fstat(dst_fd, &dst) == 0 &&
	    S_ISDIR(src.st_mode) != S_ISDIR(dst.st_mode))
		return diag_fail(d, err,
			"source \"%s\" is %s but the mount point is %s: bind a directory on a directory, a file on a file",
			p->source, kind(&src), kind(&dst));
	switch (err) {
	case ENOENT:
		return diag_fail(d, err, "mount point does not exist");
	case ENOTDIR:
		return diag_fail(d, err,
			"mount point is not a directory, or the source is a directory and the mount point is not");
	default:
		return diag_fail(d, err, "cannot attach: %s", strerror(err));
	}
}

int explain_failure(const struct attach_plan *p,
		    const struct attach_failure *f, struct diag *d)
{
	/* A copy: the kernel may write to the attributes it is given. */
	struct mount_attr attr = f->attr;
	const char *path = f->path ? f->path : "";

	switch (f->step) {
	case FAILED_SOURCE:
		return explain_clone(p, f->err, d);
	case FAILED_TARGET:
		return explain_target(f->err, d);
	case FAILED_FS:
		return explain_fs(p, f, d);
	case FAILED_FS_SOURCE:
		return explain_fs_source(p, f, d);
	case FAILED_SETATTR:
		return explain_setattr(p, f->src_fd, f->err, &attr, d);
	case FAILED_REIDMAP:
		return explain_reidmap(p, f->src_fd, f->err, &attr, d);
	case FAILED_MOVE:
		return explain_move(p, f->src_fd, f->dst_fd, f->err, d);
	case FAILED_LAYER_CLONE:
		return explain_layer_clone(f->role, path, f->err, d);
	case FAILED_LAYER:
		return explain_layer(f->role, path, f->err, d);
	case FAILED_NONE:
		break;
	}
	return -f->err;
}
