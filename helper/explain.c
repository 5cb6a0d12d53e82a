// SPDX-License-Identifier: Apache-2.0
/*
 * The reasons for a failed mount.  The kernel says EINVAL or EPERM for
 * many causes; the sentences here look at the source, the mount point and
 * the mount table to name the one at hand.  Only error paths come here.
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

bool explain_is_idmapped(const struct attach_plan *p, int src_fd)
{
	char fstype[64];
	bool idmapped;

	describe_source(p->self, src_fd, fstype, sizeof(fstype), &idmapped);
	return idmapped;
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

int explain_clone(const struct attach_plan *p, int err, struct diag *d)
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

int explain_target(int err, struct diag *d)
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

int explain_setattr(const struct attach_plan *p, int src_fd, int err,
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
				"%s does not support idmapped mounts%s",
				p->fstype, since_clause(p->fstype));
		if (p->recursive &&
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

int explain_reidmap(const struct attach_plan *p, int src_fd, int err,
		    struct mount_attr *attr, struct diag *d)
{
	if (err == ENOSYS)
		return diag_fail(d, EPERM,
			"source \"%s\" is already an idmapped mount: giving it a new idmap needs open_tree_attr() (Linux 6.15 or later); on this kernel, idmap the underlying directory instead",
			p->source);
	return explain_setattr(p, src_fd, err, attr, d);
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

int explain_fs(const struct attach_plan *p, int fsfd, const char *what,
	       int err, struct diag *d)
{
	char msg[512];

	fs_messages(fsfd, msg, sizeof(msg));
	return diag_fail(d, err, "%s: %s: %s", p->fstype, what,
			 msg[0] ? msg : strerror(err));
}

int explain_log_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0 && lseek(fd, 0, SEEK_END) < 0)
		closep(&fd);
	return fd;
}

/* Append to @buf the lines of the kernel log since explain_log_open()
 * that start with "@fstype" ("overlay" logs as "overlayfs: "). */
static void log_messages(int log_fd, const char *fstype, char *buf,
			 size_t size)
{
	char rec[1024];
	size_t off = strlen(buf);
	ssize_t n;

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

int explain_fs_log(const struct attach_plan *p, int fsfd, int log_fd,
		   const char *what, int err, struct diag *d)
{
	char msg[512], log[512] = "";

	fs_messages(fsfd, msg, sizeof(msg));
	log_messages(log_fd, p->fstype, log, sizeof(log));
	/* The context's messages are this mount's; the kernel log is
	 * everyone's, and nothing in a line says which mount it is about. */
	return diag_fail(d, err, "%s: %s: %s%s%s", p->fstype, what,
			 msg[0] ? msg : strerror(err),
			 log[0] ? "; the kernel log meanwhile (maybe about another mount): " : "",
			 log);
}

int explain_fs_source(const struct attach_plan *p, int fsfd, int err,
		      struct diag *d)
{
	struct stat st;

	if (err == ENOENT)
		return diag_fail(d, err, "source \"%s\" does not exist",
				 p->source);
	if (stat(p->source, &st) == 0 && S_ISREG(st.st_mode))
		return diag_fail(d, err,
			"%s: source \"%s\" is a regular file: attach it to a loop device first (losetup -f --show \"%s\") and mount the device",
			p->fstype, p->source, p->source);
	if (err == ENOTBLK)
		return diag_fail(d, err, "%s: source \"%s\" is not a block device",
				 p->fstype, p->source);
	return explain_fs(p, fsfd, "cannot create the filesystem", err, d);
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

int explain_layer_clone(const char *role, const char *path, int err,
			struct diag *d)
{
	char what[64];

	if (err != EINVAL)
		return layer_common(role, path, err, d);
	snprintf(what, sizeof(what), "overlay: %s", role);
	return clone_refused(-1, what, path,
		"give a directory that has no submount below it", d);
}

int explain_layer(const char *role, const char *path, int err,
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

int explain_move(const struct attach_plan *p, int src_fd, int dst_fd,
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
