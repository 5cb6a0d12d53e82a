// SPDX-License-Identifier: Apache-2.0
/*
 * --show: the mapping of an idmapped mount, as options that can be pasted
 * into fstab.  The kernel tells it through statmount() from Linux 6.15 on;
 * before that, the utab record that mount.idmap wrote is the only source.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <libmount.h>

#include "cleanup.h"
#include "mountapi.h"
#include "names.h"
#include "self.h"
#include "show.h"
#include "utab.h"

#ifdef MOUNT_IDMAP_TEST_HOOKS
bool show_test_no_statmount;
#endif

/* 340 extents of at most 33 bytes, twice, fit with room to spare. */
#define SM_BUFSIZE (sizeof(struct sm_buf) + 2 * IDMAP_MAX_EXTENTS * 40)

static int read_kernel_map(const struct sm_buf *sm, __u32 num, __u32 off,
			   struct idmap_map *map, struct diag *d)
{
	const char *p = sm->str + off;
	const char *end = (const char *)sm + sm->size;

	for (__u32 i = 0; i < num; i++) {
		int r;

		if (p >= end || !memchr(p, '\0', (size_t)(end - p)))
			return diag_fail(d, EIO, "statmount returned a truncated map");
		r = idmap_parse_kernel_line(p, map, d);
		if (r < 0)
			return r;
		p += strlen(p) + 1;
	}
	return 0;
}

/*
 * Ask the kernel.  Returns 1 with @req filled, 0 when the kernel cannot
 * tell (older than 6.15), or a negative errno.
 */
static int from_kernel(const char *path, struct idmap_request *req,
		       struct diag *d)
{
	struct statx stx;
	struct sm_req smr = { .size = SM_REQ_SIZE_VER0 };
	_cleanup_free_ struct sm_buf *sm = NULL;
	int r;

	if (statx(AT_FDCWD, path, 0, STATX_MNT_ID_UNIQUE, &stx) < 0)
		return diag_fail(d, errno, "\"%s\": %s", path, strerror(errno));
	if ((stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
	    !(stx.stx_attributes & STATX_ATTR_MOUNT_ROOT))
		return diag_fail(d, EINVAL, "\"%s\" is not a mount point", path);
	if (!(stx.stx_mask & STATX_MNT_ID_UNIQUE))
		return 0;
#ifdef MOUNT_IDMAP_TEST_HOOKS
	if (show_test_no_statmount)
		return 0;
#endif

	sm = calloc(1, SM_BUFSIZE);
	if (!sm)
		return diag_fail(d, ENOMEM, "out of memory");
	smr.mnt_id = stx.stx_mnt_id;
	smr.param = SM_MNT_BASIC | SM_MNT_UIDMAP | SM_MNT_GIDMAP;
	if (syscall(SYS_statmount, &smr, sm, SM_BUFSIZE, 0) < 0)
		return errno == ENOSYS || errno == EINVAL ? 0 :
			diag_fail(d, errno, "statmount \"%s\": %s", path,
				  strerror(errno));
	if (!(sm->mask & SM_MNT_BASIC))
		return 0;
	/* Not idmapped itself: maybe an overlay of idmapped layers, which
	 * only its utab record tells. */
	if (!(sm->mnt_attr & MOUNT_ATTR_IDMAP))
		return 0;
	if ((sm->mask & (SM_MNT_UIDMAP | SM_MNT_GIDMAP)) !=
	    (SM_MNT_UIDMAP | SM_MNT_GIDMAP))
		return 0;
	r = read_kernel_map(sm, sm->mnt_uidmap_num, sm->mnt_uidmap, &req->uid, d);
	if (r == 0)
		r = read_kernel_map(sm, sm->mnt_gidmap_num, sm->mnt_gidmap,
				    &req->gid, d);
	return r < 0 ? r : 1;
}

/* An overlayfs that mount.idmap assembled from idmapped layers: the
 * overlay itself is not idmapped; its utab record says how the layers
 * are. */
static bool is_idmap_overlay(struct libmnt_fs *fs)
{
	const char *opts = mnt_fs_get_user_options(fs);

	return mnt_fs_get_fstype(fs) &&
	       strcmp(mnt_fs_get_fstype(fs), "overlay") == 0 &&
	       (mnt_optstr_get_option(opts, "x-idmap.uidmap", NULL, NULL) == 0 ||
		mnt_optstr_get_option(opts, "x-idmap.gidmap", NULL, NULL) == 0 ||
		mnt_optstr_get_option(opts, "x-idmap.userns", NULL, NULL) == 0);
}

/* Idmapped, or an overlay of idmapped layers. */
static bool is_idmap_mount(struct libmnt_fs *fs)
{
	return self_fs_idmapped(fs) || is_idmap_overlay(fs);
}

bool show_is_idmap_overlay(const char *path)
{
	_cleanup_(mnt_unref_tablep) struct libmnt_table *tb = mnt_new_table();
	struct libmnt_fs *fs;

	return tb && mnt_table_parse_mtab(tb, NULL) == 0 &&
	       (fs = mnt_table_find_target(tb, path, MNT_ITER_BACKWARD)) &&
	       is_idmap_overlay(fs);
}

/* Fall back on the x-idmap.* record in utab. */
static int from_utab(const char *path, struct idmap_request *req,
		     struct diag *d)
{
	struct libmnt_table *tb = mnt_new_table();
	struct libmnt_fs *fs;
	int r = 0;

	if (!tb)
		return diag_fail(d, ENOMEM, "out of memory");
	if (mnt_table_parse_mtab(tb, NULL) == 0 &&
	    (fs = mnt_table_find_target(tb, path, MNT_ITER_BACKWARD))) {
		if (!is_idmap_mount(fs))
			r = diag_fail(d, ENODATA,
				      "\"%s\" is not an idmapped mount", path);
		else
			r = options_parse(req, mnt_fs_get_user_options(fs), d);
	} else {
		r = diag_fail(d, EINVAL, "\"%s\" is not a mount point", path);
	}
	mnt_unref_table(tb);
	if (r == 0 && !req->userns && !req->uid.n && !req->gid.n) {
		_cleanup_free_ char *opts = NULL;

		r = utab_find_options(path, &opts);
		r = r > 0 ? options_parse(req, opts, d) :
			r < 0 ? diag_fail(d, ENOMEM, "out of memory") : 0;
	}
	options_fill_identity(req);
	if (r == 0 && !options_have_mapping(req))
		r = diag_fail(d, ENODATA,
			"\"%s\" is idmapped, but this kernel (older than 6.15) cannot tell its mapping, and utab has no record of it",
			path);
	return r;
}

/*
 * The kernel tells numbers.  A utab record of the same maps that names
 * users, subordinate ranges or leaves a side out reads as the fstab line
 * did: show that instead.
 */
static void prefer_record(const char *path, struct idmap_request *req)
{
	struct idmap_request rec;
	struct diag ignored;

	options_init(&rec);
	rec.resolver = req->resolver;
	rec.sloppy = true;
	if (from_utab(path, &rec, &ignored) == 0 && !rec.userns &&
	    (rec.uid.named || rec.gid.named || rec.uid.identity ||
	     rec.gid.identity) &&
	    idmap_same(&rec.uid, &req->uid) && idmap_same(&rec.gid, &req->gid)) {
		req->uid = rec.uid;
		req->gid = rec.gid;
	}
	options_free(&rec);
}

int show_read(const char *path, struct idmap_request *req, struct diag *d)
{
	int r;

	req->sloppy = true;	/* a utab record may carry other options */
	r = from_kernel(path, req, d);
	if (r == 1)
		prefer_record(path, req);
	else if (r == 0)
		r = from_utab(path, req, d);
	return r < 0 ? r : 0;
}

int show_mount(const char *path, char **text, struct diag *d)
{
	struct idmap_request req;
	struct names names;
	int r;

	names_init(&names);
	options_init(&req);
	req.resolver = &names.resolver;
	r = show_read(path, &req, d);
	if (r == 0) {
		*text = options_format(&req, "");
		r = *text ? 0 : diag_fail(d, ENOMEM, "out of memory");
	}
	options_free(&req);
	names_close(&names);
	return r;
}

int show_all(char **text, struct diag *d)
{
	/* mountinfo with the utab records, which name idmapped overlays. */
	_cleanup_(mnt_unref_tablep) struct libmnt_table *tb = mnt_new_table();
	_cleanup_(mnt_free_iterp) struct libmnt_iter *it =
		mnt_new_iter(MNT_ITER_FORWARD);
	_cleanup_free_ char *out = NULL;
	_cleanup_(fclosep) FILE *f = NULL;
	struct libmnt_fs *fs;
	size_t len = 0;

	f = open_memstream(&out, &len);
	if (!tb || !it || !f || mnt_table_parse_mtab(tb, NULL) < 0)
		return diag_fail(d, ENOMEM, "cannot read the mount table");
	while (mnt_table_next_fs(tb, it, &fs) == 0) {
		const char *target = mnt_fs_get_target(fs);
		_cleanup_free_ char *opts = NULL;
		struct diag sub;

		if (!is_idmap_mount(fs))
			continue;
		/* The target as mountinfo writes it, so that a tab or a
		 * newline in it cannot make a line of its own. */
		diag_fputs_escaped(target, " ", f);
		putc('\t', f);
		if (show_mount(target, &opts, &sub) < 0) {
			fputs("(", f);
			diag_fputs_escaped(sub.msg, "", f);
			fputs(")\n", f);
		} else {
			diag_fputs_escaped(opts, "", f);
			putc('\n', f);
		}
	}
	if (fclose(take_ptr(&f)) != 0)
		return diag_fail(d, ENOMEM, "out of memory");
	*text = take_ptr(&out);
	return 0;
}
