// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libmount.h>

#include "cleanup.h"
#include "facts.h"
#include "mountapi.h"
#include "self.h"
#include "utab.h"

#ifdef MOUNT_IDMAP_TEST_HOOKS
int facts_test_statmount;
#endif

void mount_facts_free(struct mount_facts *f)
{
	free(f->target);
	free(f->source);
	free(f->fstype);
	free(f->fs_options);
	free(f->record);
	*f = (struct mount_facts)MOUNT_FACTS_INIT;
}

/* statmount() of the mount with unique id @id, asking @param; NULL with
 * errno set when the kernel cannot answer (ENOSYS before Linux 6.8). */
static struct sm_buf *stat_mount(uint64_t id, uint64_t param, size_t size)
{
	struct sm_req smr = { .size = SM_REQ_SIZE_VER0, .mnt_id = id,
			      .param = param };
	_cleanup_free_ struct sm_buf *sm = calloc(1, size);

	if (!sm)
		return NULL;
#ifdef MOUNT_IDMAP_TEST_HOOKS
	if (facts_test_statmount > 0) {
		errno = facts_test_statmount;
		return NULL;
	}
#endif
	if (syscall(SYS_statmount, &smr, sm, size, 0) < 0)
		return NULL;
#ifdef MOUNT_IDMAP_TEST_HOOKS
	if (facts_test_statmount == FACTS_TEST_NO_MAPS)
		sm->mask &= ~(uint64_t)(SM_MNT_UIDMAP | SM_MNT_GIDMAP);
#endif
	return take_ptr(&sm);
}

uint64_t facts_record_id(int fd)
{
	struct statx stx;

	if (statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID_UNIQUE, &stx) == 0 &&
	    (stx.stx_mask & STATX_MNT_ID_UNIQUE))
		return stx.stx_mnt_id;
	if (statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &stx) == 0 &&
	    (stx.stx_mask & STATX_MNT_ID))
		return stx.stx_mnt_id;
	return 0;
}

/*
 * The unique id of the mount whose mountinfo id is @id, mounted at
 * @target: the mount found there, or one it is stacked on (mountinfo's
 * parent ids lead down the stack).  0 when the kernel has no unique ids
 * (before Linux 6.8) or the mount cannot be reached from @target.
 */
static uint64_t unique_id_of(const char *target, uint64_t id)
{
	_cleanup_close_ int fd = open(target, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	struct statx stx;
	uint64_t uid;

	if (fd < 0 || statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &stx) < 0)
		return 0;
	uid = facts_record_id(fd);
	if (stx.stx_mnt_id == id)
		return uid != id ? uid : 0;
	/* A stack is as deep as the mounts on one directory: few. */
	for (int depth = 0; uid && depth < 64; depth++) {
		_cleanup_free_ struct sm_buf *sm =
			stat_mount(uid, SM_MNT_BASIC, sizeof(*sm));

		if (!sm || !(sm->mask & SM_MNT_BASIC) ||
		    sm->mnt_parent_id == uid)
			return 0;
		if (sm->mnt_parent_id_old == id)
			return sm->mnt_parent_id;
		uid = sm->mnt_parent_id;
	}
	return 0;
}

uint64_t facts_entry_record_id(struct libmnt_fs *fs)
{
	uint64_t id = (uint64_t)mnt_fs_get_id(fs);
	uint64_t uid = mnt_fs_get_target(fs) ?
		unique_id_of(mnt_fs_get_target(fs), id) : 0;

	return uid ? uid : id;
}

/* The overlay that mount.idmap assembled: type overlay, and its own record
 * holds a mapping. */
static bool is_idmap_overlay(const struct mount_facts *f)
{
	return f->fstype && strcmp(f->fstype, "overlay") == 0 && f->record &&
	       (mnt_optstr_get_option(f->record, "x-idmap.uidmap", NULL, NULL) == 0 ||
		mnt_optstr_get_option(f->record, "x-idmap.gidmap", NULL, NULL) == 0 ||
		mnt_optstr_get_option(f->record, "x-idmap.userns", NULL, NULL) == 0);
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* Fill @f from mountinfo's entry @fs and the record of its id. */
static int fill(struct libmnt_fs *fs, const struct utab_records *recs,
		struct mount_facts *f, struct diag *d)
{
	const char *rec;

	f->target = dup_or_null(mnt_fs_get_target(fs));
	f->source = dup_or_null(mnt_fs_get_source(fs));
	f->fstype = dup_or_null(mnt_fs_get_fstype(fs));
	f->fs_options = strdup(mnt_fs_get_fs_options(fs) ?
			       mnt_fs_get_fs_options(fs) : "");
	f->idmapped = self_fs_idmapped(fs);
	rec = !f->target ? NULL :
	      utab_records_find(recs, f->target,
				f->unique_id ? f->unique_id : f->id);
	f->record = dup_or_null(rec);
	if (!f->target || !f->fstype || !f->fs_options ||
	    (mnt_fs_get_source(fs) && !f->source) || (rec && !f->record))
		return diag_fail(d, ENOMEM, "out of memory");
	f->overlay = !f->idmapped && is_idmap_overlay(f);
	return 0;
}

int facts_of_fd(int fd, int self, struct mount_facts *f, struct diag *d)
{
	_cleanup_(mnt_unref_tablep) struct libmnt_table *tb = NULL;
	_cleanup_(utab_records_free) struct utab_records recs = { NULL, 0 };
	struct libmnt_fs *fs;
	struct statx stx;
	uint64_t rid;

	if (statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &stx) < 0)
		return diag_fail(d, errno, "%s", strerror(errno));
	f->id = stx.stx_mnt_id;
	f->mount_root = !(stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) ||
			(stx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
	rid = facts_record_id(fd);
	f->unique_id = rid != f->id ? rid : 0;
	tb = self_mountinfo_entry(self, f->id);
	if (!tb && errno == ENOENT)
		return -ENOENT;
	if (!tb || mnt_table_first_fs(tb, &fs) != 0)
		return diag_fail(d, ENOMEM, "cannot read the mount table");
	if (utab_records_read(&recs) < 0)
		return diag_fail(d, ENOMEM, "out of memory");
	return fill(fs, &recs, f, d);
}

int facts_of_entry(struct libmnt_fs *fs, const struct utab_records *recs,
		   struct mount_facts *f, struct diag *d)
{
	f->id = (uint64_t)mnt_fs_get_id(fs);
	f->mount_root = true;
	if (mnt_fs_get_target(fs))
		f->unique_id = unique_id_of(mnt_fs_get_target(fs), f->id);
	return fill(fs, recs, f, d);
}

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

/* Ask the kernel: 1 with @req filled, 0 when it cannot tell (no unique
 * id before Linux 6.8, no maps before 6.15), or a negative errno. */
static int from_kernel(const struct mount_facts *f, struct idmap_request *req,
		       struct diag *d)
{
	_cleanup_free_ struct sm_buf *sm = NULL;
	int r;

	if (!f->unique_id || !f->idmapped)
		return 0;
	sm = stat_mount(f->unique_id, SM_MNT_BASIC | SM_MNT_UIDMAP |
					      SM_MNT_GIDMAP, SM_BUFSIZE);
	if (!sm)
		return errno == ENOSYS || errno == EINVAL ? 0 :
			errno == ENOMEM ? diag_fail(d, ENOMEM, "out of memory") :
			diag_fail(d, errno, "statmount \"%s\": %s", f->target,
				  strerror(errno));
	if ((sm->mask & (SM_MNT_UIDMAP | SM_MNT_GIDMAP)) !=
	    (SM_MNT_UIDMAP | SM_MNT_GIDMAP))
		return 0;
	r = read_kernel_map(sm, sm->mnt_uidmap_num, sm->mnt_uidmap, &req->uid,
			    d);
	if (r == 0)
		r = read_kernel_map(sm, sm->mnt_gidmap_num, sm->mnt_gidmap,
				    &req->gid, d);
	return r < 0 ? r : 1;
}

static int from_record(const struct mount_facts *f, const char *name,
		       struct idmap_request *req, struct diag *d)
{
	int r = f->record ? options_parse(req, f->record, d) : 0;

	options_fill_identity(req);
	if (r == 0 && !options_have_mapping(req))
		r = diag_fail(d, ENODATA,
			"\"%s\" is idmapped, but this kernel (older than 6.15) cannot tell its mapping, and utab has no record of it",
			name);
	return r;
}

/*
 * The kernel tells numbers.  A record of the same maps that names users,
 * subordinate ranges or leaves a side out reads as the fstab line did:
 * show that instead.
 */
static void prefer_record(const struct mount_facts *f,
			  struct idmap_request *req)
{
	struct idmap_request rec;
	struct diag ignored;

	if (!f->record)
		return;
	options_init(&rec);
	rec.resolver = req->resolver;
	rec.sloppy = true;
	if (from_record(f, f->target, &rec, &ignored) == 0 && !rec.userns &&
	    (rec.uid.named || rec.gid.named || rec.uid.identity ||
	     rec.gid.identity) &&
	    idmap_same(&rec.uid, &req->uid) && idmap_same(&rec.gid, &req->gid)) {
		req->uid = rec.uid;
		req->gid = rec.gid;
	}
	options_free(&rec);
}

int facts_mapping(const struct mount_facts *f, const char *name,
		  struct idmap_request *req, enum facts_origin *from,
		  struct diag *d)
{
	int r;

	if (!f->idmapped && !f->overlay)
		return diag_fail(d, ENODATA, "\"%s\" is not an idmapped mount",
				 name);
	req->sloppy = true;	/* a record may carry other options */
	r = from_kernel(f, req, d);
	if (r == 1) {
		*from = FACTS_FROM_KERNEL;
		prefer_record(f, req);
		return 0;
	}
	*from = FACTS_FROM_RECORD;
	return r < 0 ? r : from_record(f, name, req, d);
}
