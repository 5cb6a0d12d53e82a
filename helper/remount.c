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
#include "self.h"
#include "show.h"

void remount_target_free(struct remount_target *t)
{
	closep(&t->fd);
	free(t->source);
	free(t->fs_options);
	t->source = t->fs_options = NULL;
}

/* The mountinfo line of mount @id: its source and superblock options, and
 * whether it is idmapped.  Returns 1 when found, 0 when not. */
static int lookup(uint64_t id, struct remount_target *t, bool *idmapped,
		  struct diag *d)
{
	_cleanup_(mnt_unref_tablep) struct libmnt_table *tb =
		self_mountinfo_entry(t->self, id);
	struct libmnt_fs *fs;
	const char *src, *opts;

	if (!tb && errno == ENOENT)
		return 0;
	if (!tb || mnt_table_first_fs(tb, &fs) != 0)
		return diag_fail(d, ENOMEM, "cannot read the mount table");
	src = mnt_fs_get_source(fs);
	opts = mnt_fs_get_fs_options(fs);
	*idmapped = self_fs_idmapped(fs);
	t->source = src ? strdup(src) : NULL;
	t->fs_options = strdup(opts ? opts : "");
	if ((src && !t->source) || !t->fs_options)
		return diag_fail(d, ENOMEM, "out of memory");
	return 1;
}

int remount_open(const char *path, int self, struct remount_target *t,
		 struct diag *d)
{
	struct statx stx;
	bool idmapped = false;
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
	r = lookup(stx.stx_mnt_id, t, &idmapped, d);
	if (r == 0)
		return diag_fail(d, EINVAL, "remount: not a mount point");
	if (r < 0)
		return r;
	t->overlay = !idmapped && show_is_idmap_overlay(path);
	if (!idmapped && !t->overlay)
		return diag_fail(d, EINVAL,
			"remount: not an idmapped mount, which is all mount.idmap changes: remount it without -t idmap");
	return 0;
}

int remount_check_source(const struct remount_target *t, const char *source,
			 struct diag *d)
{
	struct stat st, dev;

	if (t->source && strcmp(source, t->source) == 0)
		return 0;
	if (stat(source, &st) == 0) {
		/* The directory that the mount binds. */
		if (st.st_dev == t->dev && st.st_ino == t->ino)
			return 0;
		/* The device, under another name than mountinfo's. */
		if (S_ISBLK(st.st_mode) &&
		    (st.st_rdev == t->dev ||
		     (t->source && stat(t->source, &dev) == 0 &&
		      S_ISBLK(dev.st_mode) && dev.st_rdev == st.st_rdev)))
			return 0;
	}
	return diag_fail(d, EINVAL,
		"remount: \"%s\" is not the source of this mount (%s): give the directory or device it was mounted from, or DIR alone to mount(8)",
		source, t->source ? t->source : "none");
}

/* Has the superblock option @p, with the same value? */
static bool fs_has(const struct remount_target *t, const struct fs_param *p)
{
	char *val;
	size_t len;

	/* The layers of an idmapped overlay show as "/", "/upper"...:
	 * nothing to compare the fstab's paths with. */
	if (t->overlay && overlay_is_layer(p->key))
		return true;
	if (mnt_optstr_get_option(t->fs_options, p->key, &val, &len) != 0)
		return false;
	if (!p->value)
		return len == 0;
	return strlen(p->value) == len && memcmp(val, p->value, len) == 0;
}

int remount_check_params(const struct remount_target *t,
			 const struct idmap_request *req, struct diag *d)
{
	for (size_t i = 0; i < req->nparams; i++)
		if (!fs_has(t, &req->params[i]))
			return diag_fail(d, EINVAL,
				"remount: option \"%s\" would change the filesystem (mounted with \"%s\"), which a remount by mount.idmap cannot do; unmount and mount again",
				req->params[i].key, t->fs_options);
	return 0;
}

/*
 * Does the mount at @path map ids otherwise than @req?  1 when it does,
 * with its own mapping as options in *@had (malloc'ed); 0 when it maps the
 * same, or when that cannot be told; or -ENOMEM.
 */
static int mapping_differs(const char *path, const struct idmap_request *req,
			   char **had)
{
	struct idmap_request have;
	struct diag ignored;
	int r = 0;

	*had = NULL;
	if (req->userns || (!req->uid.n && !req->gid.n))
		return 0;
	options_init(&have);
	have.resolver = req->resolver;
	/* Unknown (before Linux 6.15, without a utab record) passes. */
	if (show_read(path, &have, &ignored) == 0 && !have.userns &&
	    !(idmap_same(&req->uid, &have.uid) &&
	      idmap_same(&req->gid, &have.gid))) {
		*had = options_format(&have, "");
		r = *had ? 1 : -ENOMEM;
	}
	options_free(&have);
	return r;
}

int remount_check_mapping(const char *path, const struct idmap_request *req,
			  const char *fstab, bool all, struct diag *d)
{
	_cleanup_free_ char *had = NULL, *want = NULL;
	int r = mapping_differs(path, req, &had);

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
		path);
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
	 * passed its options back merged when they name its layers. */
	for (size_t i = 0; t->overlay && i < req->nparams; i++)
		whole_set |= overlay_is_layer(req->params[i].key);

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
