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

/* Has the superblock option @p, with the same value? */
static bool fs_has(const struct remount_target *t, const struct fs_param *p)
{
	char *val;
	size_t len;

	/* The layers of an idmapped overlay show as "/", "/upper"...:
	 * nothing to compare the fstab's paths with. */
	if (t->facts.overlay && overlay_is_layer(p->key))
		return true;
	if (mnt_optstr_get_option(t->facts.fs_options, p->key, &val, &len) != 0)
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
				req->params[i].key, t->facts.fs_options);
	return 0;
}

int remount_check_mapping(const struct remount_target *t,
			  const struct idmap_request *req, struct diag *d)
{
	struct idmap_request have;
	enum facts_origin from;
	struct diag ignored;
	int r = 0;

	if (req->userns || (!req->uid.n && !req->gid.n))
		return 0;
	options_init(&have);
	have.resolver = req->resolver;
	/* Unknown (before Linux 6.15, without a utab record) passes. */
	if (facts_mapping(&t->facts, t->path, &have, &from, &ignored) == 0 &&
	    !have.userns &&
	    !(idmap_same(&req->uid, &have.uid) &&
	      idmap_same(&req->gid, &have.gid))) {
		_cleanup_free_ char *had = options_format(&have, "");

		r = !had ? diag_fail(d, ENOMEM, "out of memory") :
			diag_fail(d, EINVAL,
				"remount: mounted with %s; its idmap cannot change while it is mounted: unmount it and mount again",
				had);
	}
	options_free(&have);
	return r;
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
	for (size_t i = 0; t->facts.overlay && i < req->nparams; i++)
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
