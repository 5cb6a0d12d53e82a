// SPDX-License-Identifier: Apache-2.0
/*
 * remount: the attributes of an attached idmapped mount change in place
 * with mount_setattr(); its idmap cannot (the kernel refuses), so a
 * mapping given again must be the one the mount has.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <libmount.h>

#include "cleanup.h"
#include "mountapi.h"
#include "overlay.h"
#include "remount.h"

void remount_target_free(struct remount_target *t)
{
	closep(&t->fd);
	mount_facts_free(&t->facts);
}

int remount_open(const char *path, int self, struct remount_target *t,
		 struct diag *d)
{
	struct statx stx;
	int r;

	t->path = path;
	t->self = self;
	t->fd = openat(AT_FDCWD, path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (t->fd < 0)
		return diag_fail(d, errno, "remount: %s", strerror(errno));
	if (statx(t->fd, "", AT_EMPTY_PATH, STATX_TYPE | STATX_INO | STATX_MNT_ID,
		  &stx) < 0)
		return diag_fail(d, errno, "remount: %s", strerror(errno));
	/* The mount path does not follow one either (move_mount()). */
	if (S_ISLNK(stx.stx_mode))
		return diag_fail(d, ELOOP,
			"remount: the mount point is a symlink, which mount.idmap does not follow: give the mount point it points to");
	if ((stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
	    !(stx.stx_attributes & STATX_ATTR_MOUNT_ROOT))
		return diag_fail(d, EINVAL, "remount: not a mount point");
	t->dev = makedev(stx.stx_dev_major, stx.stx_dev_minor);
	t->ino = stx.stx_ino;
	r = facts_of_fd(t->fd, self, &t->facts, d);
	if (r == -ENOENT)
		return diag_fail(d, EINVAL, "remount: not a mount point");
	if (r < 0)
		return r;
	if (!t->facts.idmapped && !t->facts.overlay)
		return diag_fail(d, EINVAL,
			"remount: not an idmapped mount, which is all mount.idmap changes: remount it without -t idmap");
	return 0;
}

int remount_check_source(const struct remount_target *t, const char *source,
			 struct diag *d)
{
	struct stat st, dev;

	if (t->facts.source && strcmp(source, t->facts.source) == 0)
		return 0;
	if (stat(source, &st) == 0) {
		/* The directory that the mount binds. */
		if (st.st_dev == t->dev && st.st_ino == t->ino)
			return 0;
		/* The device, under another name than mountinfo's. */
		if (S_ISBLK(st.st_mode) &&
		    (st.st_rdev == t->dev ||
		     (t->facts.source && stat(t->facts.source, &dev) == 0 &&
		      S_ISBLK(dev.st_mode) && dev.st_rdev == st.st_rdev)))
			return 0;
	}
	return diag_fail(d, EINVAL,
		"remount: \"%s\" is not the source of this mount (%s): give the directory or device it was mounted from, or DIR alone to mount(8)",
		source, t->facts.source ? t->facts.source : "none");
}

/* Is option @key of @optstr there, with the value @value (NULL: none), at
 * any of its occurrences?
 * A quoted value is compared without its quotes. */
static bool opt_is(const char *optstr, const char *key, const char *value)
{
	char *opts = (char *)optstr, *name, *val;
	size_t nlen, len;

	/* Every occurrence: a key may repeat (lowerdir+=6,lowerdir+=7). */
	while (opts && mnt_optstr_next_option(&opts, &name, &nlen, &val,
					      &len) == 0) {
		if (nlen != strlen(key) || memcmp(name, key, nlen) != 0)
			continue;
		if (!value) {
			if (!val || len == 0)
				return true;
			continue;
		}
		if (!val)
			continue;
		if (len >= 2 && val[0] == '"' && val[len - 1] == '"') {
			val++;
			len -= 2;
		}
		if (strlen(value) == len && memcmp(val, value, len) == 0)
			return true;
	}
	return false;
}

/* Has the superblock option @p, with the same value, as mountinfo shows
 * it (what mount(8) passes back)? */
static bool fs_has(const struct remount_target *t, const struct fs_param *p)
{
	return opt_is(t->facts.fs_options, p->key, p->value);
}

/* A layer option of an idmapped overlay names the overlay's own layer:
 * as mountinfo shows the detached clones ("lowerdir+=/", "upperdir=/upper"),
 * or as given when it was mounted, which its record keeps
 * (x-idmap.lowerdir=...: an fstab entry or a unit passes that again). */
static bool layer_is_own(const struct remount_target *t,
			 const struct fs_param *p)
{
	char key[64];

	if (fs_has(t, p))
		return true;
	snprintf(key, sizeof(key), "x-idmap.%s", p->key);
	return p->value && opt_is(t->facts.record, key, p->value);
}

int remount_check_params(const struct remount_target *t,
			 const struct idmap_request *req, struct diag *d)
{
	for (size_t i = 0; i < req->nparams; i++) {
		const struct fs_param *p = &req->params[i];

		if (t->facts.overlay && overlay_is_layer(p->key) ?
		    layer_is_own(t, p) : fs_has(t, p))
			continue;
		return diag_fail(d, EINVAL,
			"remount: option \"%s\" would change the filesystem (mounted with \"%s\"), which a remount by mount.idmap cannot do; unmount and mount again",
			p->key, t->facts.fs_options);
	}
	return 0;
}

/*
 * Does the mount @t map ids otherwise than @req?  1 when it does, with its
 * own mapping as options in *@had (malloc'ed); 0 when it maps the same, or
 * when that cannot be told; or -ENOMEM.  *@how says what it was compared
 * with.
 */
static int mapping_differs(const struct remount_target *t,
			   const struct idmap_request *req, char **had,
			   enum remount_compared *how)
{
	struct idmap_request have;
	enum facts_origin from;
	struct diag ignored;
	int r = 0;

	*had = NULL;
	if (req->userns || (!req->uid.n && !req->gid.n))
		return 0;
	options_init(&have);
	have.resolver = req->resolver;
	/* Unknown (before Linux 6.15, without a utab record) passes. */
	if (facts_mapping(&t->facts, t->path, &have, &from, &ignored) != 0 ||
	    have.userns) {
		options_free(&have);
		return 0;
	}
	*how = from == FACTS_FROM_KERNEL ? REMOUNT_WITH_KERNEL :
					   REMOUNT_WITH_RECORD;
	if (!(idmap_same(&req->uid, &have.uid) &&
	      idmap_same(&req->gid, &have.gid))) {
		*had = options_format(&have, "");
		r = *had ? 1 : -ENOMEM;
	}
	options_free(&have);
	return r;
}

int remount_check_mapping(const struct remount_target *t,
			  const struct idmap_request *req, const char *fstab,
			  bool all, enum remount_compared *how,
			  struct diag *d)
{
	_cleanup_free_ char *had = NULL, *want = NULL;
	int r = mapping_differs(t, req, &had, how);

	if (r == 1)
		want = options_format(req, "");
	if (r < 0 || (r == 1 && !want))
		return diag_fail(d, ENOMEM, "out of memory");
	if (r == 0)
		return 0;
	return diag_fail(d, all ? EEXIST : EINVAL,
		"%s with %s, but %s %s %s; %s: unmount %s and mount it again (systemctl restart, for a unit)",
		all ? "mounted already" : "remount: mounted", had,
		fstab ? fstab : "the options", fstab ? "says" : "say", want,
		all ? "mount -a leaves a mounted entry as it is" :
		      "the idmap of a mounted tree cannot change, so nothing was changed",
		t->path);
}

/* Every layer option given is spelt as mountinfo shows it, and there is
 * one at least. */
static bool layers_as_mountinfo(const struct remount_target *t,
				const struct idmap_request *req)
{
	bool any = false;

	for (size_t i = 0; i < req->nparams; i++) {
		if (!overlay_is_layer(req->params[i].key))
			continue;
		if (!fs_has(t, &req->params[i]))
			return false;
		any = true;
	}
	return any;
}

int remount_apply(const struct remount_target *t,
		  const struct idmap_request *req, struct diag *d)
{
	struct mount_attr attr = {
		.attr_set = req->attr_set,
		.attr_clr = req->attr_clr,
	};
	unsigned int flags = AT_EMPTY_PATH | (req->recursive ? AT_RECURSIVE : 0);
	bool whole_set = req->whole_set;

	/* An idmapped overlay is not "idmapped" in mountinfo: mount(8)
	 * passed its options back merged when they name its layers as
	 * mountinfo shows them.  Layers as given (an fstab entry, a unit)
	 * are the entry's options: attributes not named stay. */
	whole_set |= t->facts.overlay && layers_as_mountinfo(t, req);

	/* mount(8) passed the mount's own flags back with the new ones: one
	 * it left out goes, as with mount -o remount,bind (given suid, it
	 * drops nosuid and passes nothing). */
	if (whole_set)
		attr.attr_clr |= ~attr.attr_set &
			(MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
			 MOUNT_ATTR_NOEXEC | MOUNT_ATTR_NODIRATIME |
			 MOUNT_ATTR_NOSYMFOLLOW);

	if (mount_setattr(t->fd, "", flags, &attr, sizeof(attr)) < 0)
		return diag_fail(d, errno, "remount: cannot change the mount: %s",
				 strerror(errno));
	return 0;
}
