// SPDX-License-Identifier: Apache-2.0
/*
 * -t idmap.overlay.  Each layer is cloned with open_tree(OPEN_TREE_CLONE)
 * and idmapped with mount_setattr().  Then one of two routes, measured:
 *
 * - Linux 6.15 and later: fsopen("overlay") takes the detached clones as
 *   fds (FSCONFIG_SET_FD on lowerdir+, datadir+, upperdir, workdir).
 * - Before 6.15, the first FSCONFIG_SET_FD fails: EBADF where overlayfs
 *   has the new mount API (6.5 on; fsconfig() took the fd with fget(),
 *   which refuses the O_PATH fd of open_tree()), EOPNOTSUPP where it has
 *   only the legacy one (6.1).  Nor would overlayfs take a detached clone
 *   by path: clone_private_mount() wants a mount of the creating task's
 *   own mount namespace.  So a child (stage.c) attaches the clones in a
 *   private mount namespace of its own, names them to overlayfs by fd
 *   number below our /proc/self/fd, creates and fsmount()s the overlay,
 *   and hands the detached overlay back; the staging mounts die with the
 *   child.
 *
 * FSCONFIG_CMD_CREATE runs under the credentials of the upper directory's
 * owner as the idmap shows it: overlayfs creates its work directory (and
 * later copies up, makes whiteouts) with the credentials in force there,
 * through the upper's idmap, where root's fsuid 0 is usually unmapped.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "mountapi.h"
#include "options.h"
#include "overlay.h"
#include "owner.h"
#include "self.h"
#include "stage.h"

/* One layer: its overlayfs key, its path as given, its idmapped clone. */
struct layer {
	const char *key;	/* lowerdir+, datadir+, upperdir, workdir */
	char *path;
	int fd;
	/* The clone that holds fd, when fd lies below its root: closing a
	 * detached tree's own fd dissolves it, so keep it open. */
	int tree;
};

struct layers {
	struct layer *v;
	size_t n;
	struct fs_param *other;	/* every other option, for overlayfs */
	size_t nother;
};

static void layers_free(struct layers *ls)
{
	for (size_t i = 0; i < ls->n; i++) {
		free(ls->v[i].path);
		closep(&ls->v[i].fd);
		closep(&ls->v[i].tree);
	}
	free(ls->v);
	free(ls->other);
}

bool overlay_is(const char *fstype)
{
	return fstype && strcmp(fstype, "overlay") == 0;
}

static const char *role(const char *key)
{
	return strcmp(key, "upperdir") == 0 ? "upper directory" :
	       strcmp(key, "workdir") == 0 ? "work directory" :
	       strcmp(key, "datadir+") == 0 ? "data layer" : "lower layer";
}

static int add_layer(struct layers *ls, const char *key, const char *path,
		     size_t len, struct diag *d)
{
	struct layer *grown = reallocarray(ls->v, ls->n + 1, sizeof(*grown));

	if (!grown)
		return diag_fail(d, ENOMEM, "out of memory");
	ls->v = grown;
	grown[ls->n].key = key;
	grown[ls->n].fd = -1;
	grown[ls->n].tree = -1;
	grown[ls->n].path = strndup(path, len);
	if (!grown[ls->n].path)
		return diag_fail(d, ENOMEM, "out of memory");
	ls->n++;
	return 0;
}

/*
 * A layer option's value as overlayfs reads it: '\' makes the next
 * character plain, in lowerdir=, upperdir= and workdir=; in lowerdir=,
 * ':' separates layers and "::" comes before each data-only one.  (lowerdir+=
 * and datadir+= are taken as they are.)
 */
static int add_escaped(struct layers *ls, const char *key, const char *value,
		       struct diag *d)
{
	bool split = strcmp(key, "lowerdir") == 0;
	_cleanup_free_ char *buf = malloc(strlen(value) + 1);

	if (!buf)
		return diag_fail(d, ENOMEM, "out of memory");
	if (split)
		key = "lowerdir+";
	for (const char *s = value; *s;) {
		size_t len = 0;
		int r;

		for (; *s && !(split && *s == ':'); s++) {
			if (*s == '\\' && s[1])
				s++;
			buf[len++] = *s;
		}
		if (len == 0)
			return diag_fail(d, EINVAL,
				"overlay: lowerdir=\"%s\" has an empty layer: separate layers with one ':' (\"::\" only before data-only layers)",
				value);
		r = add_layer(ls, key, buf, len, d);
		if (r < 0)
			return r;
		if (*s == ':' && *++s == ':') {
			key = "datadir+";
			s++;
		} else if (*s && strcmp(key, "datadir+") == 0) {
			return diag_fail(d, EINVAL,
				"overlay: lowerdir=\"%s\" has a lower layer after a data-only one: put \"::\" before each data-only layer, after every lower one",
				value);
		}
	}
	return 0;
}

bool overlay_is_layer(const char *key)
{
	return options_is_layer(key, strlen(key));
}

/* The layers named in @params, in order, and the other options. */
static int parse_layers(const struct fs_param *params, size_t nparams,
			struct layers *ls, struct diag *d)
{
	ls->other = calloc(nparams + 1, sizeof(*ls->other));
	if (!ls->other)
		return diag_fail(d, ENOMEM, "out of memory");
	for (size_t i = 0; i < nparams; i++) {
		const struct fs_param *fp = &params[i];
		int r;

		if (!overlay_is_layer(fp->key)) {
			ls->other[ls->nother++] = *fp;
			continue;
		}
		if (!fp->value || !fp->value[0])
			return diag_fail(d, EINVAL,
				"overlay: option \"%s\" needs a path, as in %s=/DIR",
				fp->key, fp->key);
		r = strchr(fp->key, '+') ?
			add_layer(ls, fp->key, fp->value, strlen(fp->value), d) :
			add_escaped(ls, fp->key, fp->value, d);
		if (r < 0)
			return r;
	}
	return 0;
}

int overlay_check_absolute(const struct fs_param *params, size_t nparams,
			   struct diag *d)
{
	_cleanup_(layers_free) struct layers ls = { NULL, 0, NULL, 0 };
	int r = parse_layers(params, nparams, &ls, d);

	for (size_t i = 0; r == 0 && i < ls.n; i++)
		if (ls.v[i].path[0] != '/')
			r = diag_fail(d, EINVAL,
				"-N: %s \"%s\" is a relative path, which has no meaning in another mount namespace: give an absolute path",
				role(ls.v[i].key), ls.v[i].path);
	return r;
}

/* Clone @path and idmap the clone into l->fd; nothing is attached.
 * Messages name the layer. */
static int idmap_clone(const struct attach_plan *p, struct layer *l,
		       const char *path, struct attach_failure *f,
		       struct diag *d)
{
	struct mount_attr attr = {
		.attr_set = MOUNT_ATTR_IDMAP,
		.userns_fd = (uint64_t)p->userns_fd,
	};
	struct stat st;
	_cleanup_close_ int fd = FAULT(ATTACH_OPEN_TREE,
		open_tree(AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC));

	if (fd < 0)
		return attach_fail_layer(f, FAILED_LAYER_CLONE, role(l->key),
					 l->path, errno, d);
	/* Said here, overlayfs would name the clone ("/") or fd/N. */
	if (fstat(fd, &st) == 0 && !S_ISDIR(st.st_mode))
		return diag_fail(d, ENOTDIR, "overlay: %s \"%s\" is not a directory",
				 role(l->key), l->path);
	if (FAULT(ATTACH_MOUNT_SETATTR,
		  mount_setattr(fd, "", AT_EMPTY_PATH, &attr, sizeof(attr))) < 0)
		return attach_fail_layer(f, FAILED_LAYER, role(l->key),
					 l->path, errno, d);
	l->fd = take_fd(&fd);
	return 0;
}

static int idmap_layer(const struct attach_plan *p, struct layer *l,
		       struct attach_failure *f, struct diag *d)
{
	return idmap_clone(p, l, l->path, f, d);
}

/* The deepest directory above both @a and @b (canonical paths). */
static char *common_dir(const char *a, const char *b)
{
	size_t len = 0, i;

	for (i = 0; a[i] && a[i] == b[i]; i++)
		if (a[i] == '/')
			len = i;
	/* One may be the other, or above it. */
	if ((!a[i] || a[i] == '/') && (!b[i] || b[i] == '/'))
		len = i;
	return strndup(a, len ? len : 1);
}

static uint64_t mount_id(const char *path)
{
	struct statx stx;

	if (statx(AT_FDCWD, path, 0, STATX_MNT_ID, &stx) < 0 ||
	    !(stx.stx_mask & STATX_MNT_ID))
		return 0;
	return stx.stx_mnt_id;
}

/* @path below @dir, or "." for @dir itself. */
static const char *below(const char *path, const char *dir)
{
	const char *rel = path + strlen(dir);

	while (*rel == '/')
		rel++;
	return *rel ? rel : ".";
}

/*
 * @rel, a path without symlinks when realpath() made it, inside the
 * idmapped clone @tree: only there.  A symlink or a mount that appeared
 * since would lead out of the clone, to a directory that is not idmapped,
 * which overlayfs would then write as the upper's owner.
 */
static int open_beneath(int tree, const char *rel, struct layer *l,
			struct attach_failure *f, struct diag *d)
{
	struct open_how how = {
		.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_XDEV |
			   RESOLVE_NO_SYMLINKS,
	};

	l->fd = FAULT(ATTACH_OVERLAY_OPEN,
		      (int)syscall(SYS_openat2, tree, rel, &how, sizeof(how)));
	if (l->fd >= 0)
		return 0;
	if (errno == ELOOP || errno == EXDEV)
		return diag_fail(d, errno,
			"overlay: %s \"%s\" changed while it was opened: a symlink or a mount appeared in its path, which could lead out of the idmapped clone; nothing was mounted",
			role(l->key), l->path);
	return attach_fail_layer(f, FAILED_LAYER, role(l->key), l->path, errno,
				 d);
}

/*
 * overlayfs wants the upper and work directories on one mount.  Clone the
 * directory above both, once, idmap that clone, and open both in it.  When
 * they lie on different mounts, clone each, and let overlayfs say so.
 */
static int idmap_upper_work(const struct attach_plan *p, struct layer *up,
			    struct layer *wk, struct attach_failure *f,
			    struct diag *d)
{
	_cleanup_free_ char *ru = NULL, *rw = NULL, *top = NULL;
	struct layer common = { up->key, NULL, -1, -1 };
	uint64_t id;
	int r;

	ru = realpath(up->path, NULL);
	if (!ru)
		return attach_fail_layer(f, FAILED_LAYER, role(up->key),
					 up->path, errno, d);
	rw = realpath(wk->path, NULL);
	if (!rw)
		return attach_fail_layer(f, FAILED_LAYER, role(wk->key),
					 wk->path, errno, d);
	top = common_dir(ru, rw);
	if (!top)
		return diag_fail(d, ENOMEM, "out of memory");
	id = mount_id(ru);
	if (!id || id != mount_id(rw) || id != mount_id(top)) {
		r = idmap_layer(p, up, f, d);
		return r < 0 ? r : idmap_layer(p, wk, f, d);
	}
	common.path = up->path;		/* for messages */
	r = idmap_clone(p, &common, top, f, d);
	if (r < 0)
		return r;
	up->tree = take_fd(&common.fd);
	r = open_beneath(up->tree, below(ru, top), up, f, d);
	return r < 0 ? r : open_beneath(up->tree, below(rw, top), wk, f, d);
}

/* Forget the messages of a failed fsconfig() that we retry. */
static void drain(int fsfd)
{
	char buf[512];

	while (read(fsfd, buf, sizeof(buf)) > 0)
		;
}

/*
 * The most that fsconfig(FSCONFIG_SET_STRING) takes in one value: 256
 * bytes, its terminating NUL included (strndup_user() in fs/fsopen.c).
 */
#define FSCONFIG_STRING_MAX 255

/* Append to @buf the layers of @key, each named by its fd number, @sep
 * before each but the first of the string. */
static void add_fd_names(char *buf, size_t size, const struct layers *ls,
			 const char *key, const char *sep)
{
	for (size_t i = 0; i < ls->n; i++) {
		size_t len = strlen(buf);

		if (strcmp(ls->v[i].key, key) == 0)
			snprintf(buf + len, size - len, "%s%d", len ? sep : "",
				 ls->v[i].fd);
	}
}

/* The staged route's lowerdir= into *@lower (allocated): the lower layers
 * by fd number, ':' between them, "::" before each data-only one. */
static int lower_names(const struct layers *ls, char **lower,
		       struct diag *d)
{
	/* At most 10 digits and two separators a layer. */
	size_t size = ls->n * 12 + 1;

	*lower = calloc(1, size);
	if (!*lower)
		return diag_fail(d, ENOMEM, "out of memory");
	add_fd_names(*lower, size, ls, "lowerdir+", ":");
	add_fd_names(*lower, size, ls, "datadir+", "::");
	return 0;
}

/* The kernel took no layer fd (@err): the staged route, which names the
 * layers by string, can do what this overlayfs can.  A legacy one (@err
 * EOPNOTSUPP) takes them only in one lowerdir=, no longer than
 * fsconfig() takes, and has no data-only layers. */
static int legacy_check(int fsfd, const struct layers *ls, int err,
			struct diag *d)
{
	_cleanup_free_ char *lower = NULL;
	size_t n = 0;
	int r;

	drain(fsfd);
	if (err != EOPNOTSUPP)
		return 0;
	for (size_t i = 0; i < ls->n; i++)
		if (strcmp(ls->v[i].key, "datadir+") == 0)
			return diag_fail(d, EOPNOTSUPP,
				"overlay: data-only layers (\"::\" in lowerdir=, datadir+=) need Linux 6.5 or later; this kernel's overlayfs has only the legacy mount API");
	r = lower_names(ls, &lower, d);
	if (r < 0)
		return r;
	if (strlen(lower) <= FSCONFIG_STRING_MAX)
		return 0;
	for (size_t i = 0; i < ls->n; i++)
		n += strcmp(ls->v[i].key, "lowerdir+") == 0;
	return diag_fail(d, E2BIG,
		"overlay: %zu lower layers are more than this kernel's overlayfs takes: it has only the legacy mount API, which takes them in one lowerdir= of at most %d bytes, and even named by fd number they need %zu; Linux 6.8 or later takes each layer on its own",
		n, FSCONFIG_STRING_MAX, strlen(lower));
}

/*
 * Hand each idmapped clone to overlayfs as an fd.  Where the kernel takes
 * none (the first one fails with EBADF or EOPNOTSUPP, see above), *@staged
 * says so, the context untouched.
 */
static int set_layers(const struct attach_plan *p, int fsfd,
		      const struct layers *ls, bool *staged,
		      struct attach_failure *f, struct diag *d)
{
	char what[4200];

	*staged = false;
	for (size_t i = 0; i < ls->n; i++) {
		const struct layer *l = &ls->v[i];

		if (FAULT(ATTACH_OVERLAY_FD,
			  fsconfig(fsfd, FSCONFIG_SET_FD, l->key, NULL,
				   l->fd)) == 0)
			continue;
		if (i == 0 && (errno == EBADF || errno == EOPNOTSUPP)) {
			*staged = true;
			return legacy_check(fsfd, ls, errno, d);
		}
		snprintf(what, sizeof(what), "%s \"%s\" rejected",
			 role(l->key), l->path);
		return attach_fail_fs(f, fsfd, -1, p->req->fstype, what, errno);
	}
	return 0;
}

/* FSCONFIG_CMD_CREATE as the owner of the upper, and back. */
static int create(const struct attach_plan *p, int fsfd, int log,
		  const struct layer *upper, struct attach_failure *f,
		  struct diag *d)
{
	_cleanup_(owner_end) struct owner o = OWNER_INIT;
	int r;

	if (upper) {
		r = owner_of_upper(p->userns_fd, upper->fd, upper->path, &o, d);
		if (r == 0)
			r = owner_begin(&o, d);
		if (r < 0)
			return r;
	}
	if (FAULT(ATTACH_FSCONFIG,
		  fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0)) < 0)
		return attach_fail_fs(f, fsfd, log, p->req->fstype,
				      "cannot create the overlay", errno);
	return 0;
}

/* The finished overlay, detached.  overlayfs falls back to read-only,
 * with a line in the kernel log (@log) only, when it cannot use the
 * upper. */
static int mount_overlay(const struct attach_plan *p, int fsfd, int log,
			 bool upper, struct attach_failure *f)
{
	_cleanup_close_ int mnt = FAULT(ATTACH_FSMOUNT,
					fsmount(fsfd, FSMOUNT_CLOEXEC, 0));
	struct statvfs sv;

	if (mnt < 0)
		return attach_fail_fs(f, fsfd, -1, p->req->fstype, "fsmount",
				      errno);
	if (upper && !(p->req->attr_set & MOUNT_ATTR_RDONLY) &&
	    fstatvfs(mnt, &sv) == 0 && (sv.f_flag & ST_RDONLY))
		return attach_fail_fs(f, -1, log, p->req->fstype,
			"overlayfs could not use the upper layer and came up read-only, so nothing was mounted",
			EROFS);
	return take_fd(&mnt);
}

/* Create the overlay, as the upper's owner, and mount it, detached. */
static int finish(const struct attach_plan *p, int fsfd,
		  const struct layer *upper, struct attach_failure *f,
		  struct diag *d)
{
	/* overlayfs tells the kernel log, not the context, most of why it
	 * fails: read what it logs from here on. */
	_cleanup_close_ int log = attach_log_open();
	int r = create(p, fsfd, log, upper, f, d);

	return r < 0 ? r : mount_overlay(p, fsfd, log, upper != NULL, f);
}

/* What the staging child works on; it fills in @f, its own copy of ours,
 * which stage_run() sends back. */
struct staged {
	const struct attach_plan *p;
	int fsfd;
	const struct layers *ls;
	const struct layer *upper, *work;
	struct attach_failure *f;
};

/* Attach every idmapped clone on "/" of the child's private namespace:
 * overlayfs then finds each in the namespace of the task that creates. */
static int stage_layers(const struct staged *s, struct diag *d)
{
	for (size_t i = 0; i < s->ls->n; i++) {
		const struct layer *l = &s->ls->v[i];
		int tree = l->tree >= 0 ? l->tree : l->fd;

		/* The work directory may lie in the upper's clone. */
		if (l == s->work && s->upper && s->upper->tree >= 0)
			continue;
		if (move_mount(tree, "", AT_FDCWD, "/",
			       MOVE_MOUNT_F_EMPTY_PATH) < 0)
			return diag_fail(d, errno,
				"overlay: cannot stage %s \"%s\" in the private namespace: %s",
				role(l->key), l->path, strerror(errno));
	}
	return 0;
}

/* Name @l to overlayfs by its fd number, as its own value of its key. */
static int name_one(const struct staged *s, const struct layer *l)
{
	char one[16], what[4200];

	snprintf(one, sizeof(one), "%d", l->fd);
	if (fsconfig(s->fsfd, FSCONFIG_SET_STRING, l->key, one, 0) == 0)
		return 0;
	snprintf(what, sizeof(what), "%s \"%s\" rejected", role(l->key),
		 l->path);
	return attach_fail_fs(s->f, s->fsfd, -1, s->p->req->fstype, what,
			      errno);
}

/*
 * The layers as overlayfs reads them from strings, each named by its fd
 * number, relative to our /proc/self/fd, the working directory (a
 * container's /proc, with -N, has no "self" of ours).  The lower layers
 * go in one lowerdir= (':' between them, "::" before each data-only one),
 * which every kernel since 6.1 takes, while it fits in one fsconfig()
 * value; past that, each on its own as lowerdir+= or datadir+=, which
 * overlayfs takes from Linux 6.8 (legacy_check() refused the rest).
 * Numbers need no escapes and have no ',', which the legacy API refuses.
 */
static int name_layers(const struct staged *s, struct diag *d)
{
	static const char *const each[] = { "lowerdir+", "datadir+" };
	_cleanup_free_ char *lower = NULL;
	int r = lower_names(s->ls, &lower, d);

	if (r < 0)
		return r;
	if (strlen(lower) <= FSCONFIG_STRING_MAX) {
		if (lower[0] && fsconfig(s->fsfd, FSCONFIG_SET_STRING,
					 "lowerdir", lower, 0) < 0)
			return attach_fail_fs(s->f, s->fsfd, -1,
					      s->p->req->fstype,
					      "lower layers rejected", errno);
	} else {
		for (size_t k = 0; k < 2; k++)
			for (size_t i = 0; i < s->ls->n; i++) {
				if (strcmp(s->ls->v[i].key, each[k]) != 0)
					continue;
				r = name_one(s, &s->ls->v[i]);
				if (r < 0)
					return r;
			}
	}
	if (s->upper && (r = name_one(s, s->upper)) < 0)
		return r;
	return s->work ? name_one(s, s->work) : 0;
}

/* In the staging child (stage.c): its own namespace, private already. */
static int staged_overlay(void *arg, struct diag *d)
{
	const struct staged *s = arg;
	_cleanup_close_ int own = -1, fds = -1;
	int self = s->p->self, r;

	if (self < 0)
		self = own = self_open();
	if (self >= 0)
		fds = openat(self, "fd", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fds < 0 || fchdir(fds) < 0)
		return diag_fail(d, errno,
			"overlay: cannot open /proc/self/fd, by which the staged layers are named: %s",
			strerror(errno));
	r = stage_layers(s, d);
	if (r == 0)
		r = name_layers(s, d);
	return r < 0 ? r : finish(s->p, s->fsfd, s->upper, s->f, d);
}

/* The overlay of @p into *@mnt; with @mnt NULL, everything up to its
 * creation (overlay_check()). */
static int assemble(const struct attach_plan *p, int *mnt,
		    struct attach_failure *f, struct diag *d)
{
	_cleanup_(layers_free) struct layers ls = { NULL, 0, NULL, 0 };
	_cleanup_close_ int fsfd = -1;
	struct layer *upper = NULL, *work = NULL;
	bool staged;
	int r;

	r = parse_layers(p->req->params, p->req->nparams, &ls, d);
	if (r < 0)
		return r;
	for (size_t i = 0; i < ls.n; i++) {
		if (strcmp(ls.v[i].key, "upperdir") == 0)
			upper = &ls.v[i];
		else if (strcmp(ls.v[i].key, "workdir") == 0)
			work = &ls.v[i];
	}
	for (size_t i = 0; i < ls.n; i++) {
		struct layer *l = &ls.v[i];

		r = 0;
		if (l == upper && work)
			r = idmap_upper_work(p, upper, work, f, d);
		else if (l != work || !upper)
			r = idmap_layer(p, l, f, d);
		if (r < 0)
			return r;
	}
	fsfd = attach_fs_context(p, ls.other, ls.nother, f, d);
	if (fsfd < 0)
		return fsfd;
	r = set_layers(p, fsfd, &ls, &staged, f, d);
	if (r < 0)
		return r;
	if (!mnt)
		return upper ? owner_of_upper(p->userns_fd, upper->fd, upper->path,
				      &(struct owner){ 0 }, d) : 0;
	*mnt = staged ? stage_run(staged_overlay, &(struct staged){
					  p, fsfd, &ls, upper, work, f },
				  f, sizeof(*f), d) :
			finish(p, fsfd, upper, f, d);
	return *mnt < 0 ? *mnt : 0;
}

int overlay_make(const struct attach_plan *p, struct attach_failure *f,
		 struct diag *d)
{
	int mnt = -1;
	int r = assemble(p, &mnt, f, d);

	return r < 0 ? r : mnt;
}

int overlay_check(const struct attach_plan *p, struct attach_failure *f,
		  struct diag *d)
{
	return assemble(p, NULL, f, d);
}
