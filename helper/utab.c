// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libmount.h>

#include "cleanup.h"
#include "mountapi.h"
#include "run.h"
#include "self.h"
#include "utab.h"

/* For messages: libmount names the file only once it has chosen it. */
static const char *utab_path(struct libmnt_update *upd)
{
	const char *path = mnt_update_get_filename(upd);

	if (!path)
		path = getenv("LIBMOUNT_UTAB");
	return path ? path : "/run/mount/utab";
}

/* The names that options_format() writes: the helper's own record of the
 * mapping replaces what an entry says under these names. */
static bool is_mapping_name(const char *name)
{
	return strcmp(name, "x-idmap.uidmap") == 0 ||
	       strcmp(name, "x-idmap.gidmap") == 0 ||
	       strcmp(name, "x-idmap.userns") == 0;
}

/*
 * Add to *@extra the options of @optstr that mount(8) records in utab
 * itself: libmount's userspace options without MNT_NOMTAB (x-*, _netdev,
 * user, helper=, uhelper=).  *@any tells that there was one at all.
 */
static int add_recorded(char **extra, bool *any, const char *optstr)
{
	_cleanup_free_ char *sub = NULL;
	char *p, *name, *val;
	size_t nlen, vlen;

	if (!optstr)
		return 0;
	if (mnt_optstr_get_options(optstr, &sub,
				   mnt_get_builtin_optmap(MNT_USERSPACE_MAP),
				   MNT_NOMTAB) < 0)
		return -ENOMEM;
	p = sub;
	while (p && mnt_optstr_next_option(&p, &name, &nlen, &val, &vlen) == 0) {
		_cleanup_free_ char *n = strndup(name, nlen);
		_cleanup_free_ char *v = val ? strndup(val, vlen) : NULL;

		if (!n || (val && !v))
			return -ENOMEM;
		*any = true;
		if (is_mapping_name(n) ||
		    (*extra && mnt_optstr_get_option(*extra, n, NULL, NULL) == 0))
			continue;
		if (mnt_optstr_append_option(extra, n, v) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* The fstab entry of type idmap for @source on @target, which mount(8)
 * used when it was given only one of them. */
static int add_fstab_options(const struct idmap_request *req,
			     const char *source, const char *target,
			     char **extra, bool *any)
{
	_cleanup_(mnt_unref_tablep) struct libmnt_table *tb = NULL;
	struct libmnt_fs *fs;

	if (options_fstab_entry(req, source, target, &tb, &fs) < 0)
		return -ENOMEM;
	return fs ? add_recorded(extra, any, mnt_fs_get_options(fs)) : 0;
}

int utab_plan(const struct run_config *cfg, const struct caller *c,
	      const struct idmap_request *req, struct utab_plan *p)
{
	int r = 0;

	*p = (struct utab_plan){ 0 };
	if (!c->mount8)
		return 0;
	for (size_t i = 0; i < cfg->nopts && r == 0; i++)
		r = add_recorded(&p->extra, &p->mount8, cfg->opts[i]);
	/* The entry that options_from_fstab() read already, or a look-up. */
	if (r == 0 && req->fstab >= 0)
		r = add_recorded(&p->extra, &p->mount8, req->fstab_options);
	else if (r == 0)
		r = add_fstab_options(req, cfg->source, cfg->target, &p->extra,
				      &p->mount8);
	for (size_t i = 0; i < c->nopts && r == 0; i++)
		r = add_recorded(&p->extra, &p->mount8, c->opts[i]);
	if (r < 0)
		utab_plan_free(p);
	return r;
}

void utab_plan_free(struct utab_plan *p)
{
	free(p->extra);
	*p = (struct utab_plan){ 0 };
}

/*
 * Write one record.  libmount fills in the entry from @source, @target and
 * the options; the root (and the bind source) are then set to what they
 * must be, since libmount would compute them again from the source path.
 */
static int write_record(const char *source, const char *target,
			const char *root, const char *bindsrc,
			const char *optstr, struct diag *d)
{
	_cleanup_(mnt_free_updatep) struct libmnt_update *upd = mnt_new_update();
	_cleanup_(mnt_unref_fsp) struct libmnt_fs *fs = mnt_new_fs();
	struct libmnt_fs *rec;
	int r;

	if (!upd || !fs || mnt_fs_set_source(fs, source) ||
	    mnt_fs_set_target(fs, target) || mnt_fs_set_options(fs, optstr))
		return diag_fail(d, ENOMEM, "out of memory");

	r = mnt_update_set_fs(upd, 0, NULL, fs);
	rec = r == 0 ? mnt_update_get_fs(upd) : NULL;
	if (rec) {
		r = mnt_fs_set_root(rec, root);
		if (r == 0)
			r = mnt_fs_set_bindsrc(rec, bindsrc);
	}
	if (r == 0)
		r = mnt_update_table(upd, NULL);
	if (r < 0)
		return diag_fail(d, -r,
			"mounted on \"%s\", but cannot record its mapping in %s: %s",
			target, utab_path(upd), strerror(-r));
	return 0;
}

/*
 * "recursive": a record for every idmapped mount of the tree below
 * @parent too.  umount -R unmounts them first, and util-linux (2.38 to
 * 2.41 at least) stops updating utab for the rest of the command once it
 * has unmounted a mount without a record, so the record of the top would
 * stay behind.
 */
static int record_below(struct libmnt_table *mi, struct libmnt_fs *parent,
			const char *optstr, struct diag *d)
{
	_cleanup_(mnt_free_iterp) struct libmnt_iter *itr =
		mnt_new_iter(MNT_ITER_FORWARD);
	struct libmnt_fs *child;
	int r;

	if (!itr)
		return diag_fail(d, ENOMEM, "out of memory");
	while ((r = mnt_table_next_child_fs(mi, itr, parent, &child)) == 0) {
		if (!self_fs_idmapped(child))
			continue;
		r = write_record(mnt_fs_get_source(child),
				 mnt_fs_get_target(child),
				 mnt_fs_get_root(child), NULL, optstr, d);
		if (r == 0)
			r = record_below(mi, child, optstr, d);
		if (r < 0)
			return r;
	}
	return 0;
}

/* A utab field: libmount writes a blank or a backslash as \ooo. */
static char *unmangle(const char *s)
{
	char *out = malloc(strlen(s) + 1), *o = out;

	for (; out && *s; o++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' &&
		    s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*o = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + s[3] - '0');
			s += 4;
		} else {
			*o = *s++;
		}
	}
	if (out)
		*o = '\0';
	return out;
}

int utab_find_options(const char *target, char **opts)
{
	const char *path = getenv("LIBMOUNT_UTAB");
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;
	FILE *f;
	int r = 0;

	*opts = NULL;
	f = fopen(path ? path : "/run/mount/utab", "re");
	if (!f)
		return 0;
	while (r == 0 && getline(&line, &cap, f) > 0) {
		_cleanup_free_ char *t = NULL, *o = NULL;
		char *save = NULL;

		for (char *w = strtok_r(line, " \n", &save); w && r == 0;
		     w = strtok_r(NULL, " \n", &save)) {
			if (!t && strncmp(w, "TARGET=", 7) == 0)
				r = (t = unmangle(w + 7)) ? 0 : -ENOMEM;
			else if (!o && strncmp(w, "OPTS=", 5) == 0)
				r = (o = unmangle(w + 5)) ? 0 : -ENOMEM;
		}
		if (t && o && strcmp(t, target) == 0) {
			free(*opts);
			*opts = o;
			o = NULL;
		}
	}
	fclose(f);
	if (r < 0) {
		free(*opts);
		*opts = NULL;
		return r;
	}
	return *opts ? 1 : 0;
}

/* @path made absolute and canonical, or as it is when it names nothing
 * (the source of a new filesystem, such as "none"). */
static char *canonical(const char *path)
{
	char *cn = mnt_resolve_path(path, NULL);

	return cn ? cn : strdup(path);
}

/*
 * The source and root of the mount with unique id @id, from statmount()
 * (Linux 6.8; the source in later kernels): one system call, where mountinfo
 * costs the kernel a line for every mount.  A table of that one entry, or
 * NULL when the kernel cannot tell.
 */
#ifdef MOUNT_IDMAP_TEST_HOOKS
bool utab_test_no_statmount;
#endif

static struct libmnt_table *statmount_entry(uint64_t id)
{
	struct sm_req smr = { .size = SM_REQ_SIZE_VER0, .mnt_id = id,
			      .param = SM_MNT_ROOT | SM_SB_SOURCE };
	_cleanup_(mnt_unref_tablep) struct libmnt_table *tb = NULL;
	_cleanup_(mnt_unref_fsp) struct libmnt_fs *fs = NULL;
	_cleanup_free_ struct sm_buf *sm = NULL;
	size_t size = sizeof(*sm) + 2 * PATH_MAX;

#ifdef MOUNT_IDMAP_TEST_HOOKS
	if (utab_test_no_statmount)
		return NULL;
#endif
	sm = malloc(size);
	if (!sm || syscall(SYS_statmount, &smr, sm, size, 0) < 0 ||
	    (sm->mask & (SM_MNT_ROOT | SM_SB_SOURCE)) !=
		    (SM_MNT_ROOT | SM_SB_SOURCE))
		return NULL;
	tb = mnt_new_table();
	fs = mnt_new_fs();
	if (!tb || !fs || mnt_fs_set_source(fs, sm->str + sm->sb_source) ||
	    mnt_fs_set_root(fs, sm->str + sm->mnt_root) ||
	    mnt_table_add_fs(tb, fs))
		return NULL;
	return take_ptr(&tb);
}

/*
 * The mount just attached at @target, the top one there: its source and
 * root from statmount(), or else from its own line of our mountinfo.  The
 * whole table only for @below, where record_below() needs the mounts under
 * it.  Parsing every line costs time in proportion to the number of
 * mounts, which under mount -a grows by one each time.
 */
static struct libmnt_fs *find_mount(const char *target, int self, bool below,
				    struct libmnt_table **mi)
{
	struct libmnt_fs *fs = NULL;
	struct statx st;

	if (!below && statx(AT_FDCWD, target, AT_NO_AUTOMOUNT,
			    STATX_MNT_ID | STATX_MNT_ID_UNIQUE, &st) == 0) {
		if (st.stx_mask & STATX_MNT_ID_UNIQUE)
			*mi = statmount_entry(st.stx_mnt_id);
		if (!*mi && (st.stx_mask & STATX_MNT_ID_UNIQUE)) {
			/* stx_mnt_id holds the unique id: ask again. */
			if (statx(AT_FDCWD, target, AT_NO_AUTOMOUNT,
				  STATX_MNT_ID, &st) < 0)
				return NULL;
		}
		if (!*mi && (st.stx_mask & STATX_MNT_ID))
			*mi = self_mountinfo_entry(self, st.stx_mnt_id);
		if (*mi && mnt_table_first_fs(*mi, &fs) == 0)
			return fs;
		if (*mi || (st.stx_mask & STATX_MNT_ID))
			return NULL;
	}
	*mi = self_mountinfo(self);
	return *mi ? mnt_table_find_target(*mi, target, MNT_ITER_BACKWARD) :
		     NULL;
}

int utab_record(const struct run_config *cfg, const struct idmap_request *req,
		const struct utab_plan *plan, int self, struct diag *d)
{
	_cleanup_free_ char *ours = options_format(req, "x-idmap.");
	_cleanup_free_ char *all = NULL, *target = NULL, *source = NULL;
	_cleanup_(mnt_unref_tablep) struct libmnt_table *mi = NULL;
	struct libmnt_fs *top;
	int r;

	all = ours ? strdup(ours) : NULL;
	/* A record of mount(8)'s shape names DIR as mount(8) gave it, and
	 * statx() finds the mount by any name; only record_below() compares
	 * mountinfo's canonical paths.  The bind source is in a record of
	 * our own shape only. */
	target = plan->mount8 && !req->recursive ? strdup(cfg->target) :
						   canonical(cfg->target);
	source = plan->mount8 || cfg->fstype ? strdup("") :
					       canonical(cfg->source);
	if (!all || !target || !source ||
	    (plan->extra && mnt_optstr_append_option(&all, plan->extra, NULL)))
		return diag_fail(d, ENOMEM, "out of memory");

	top = find_mount(target, self, req->recursive, &mi);
	if (!top)
		return diag_fail(d, ENOENT,
			"mounted \"%s\" on \"%s\", but cannot find it in /proc/self/mountinfo to record it in utab",
			cfg->source, cfg->target);

	/*
	 * mount(8) looks for a record with its own SRC and TARGET strings
	 * (the ones it gave us) and appends its own when there is none.
	 * Otherwise, the source and root of mountinfo: libmount merges a
	 * record into the mount table only when they match.
	 */
	if (plan->mount8)
		r = write_record(cfg->source, cfg->target, mnt_fs_get_root(top),
				 NULL, all, d);
	else
		r = write_record(mnt_fs_get_source(top), target,
				 mnt_fs_get_root(top),
				 cfg->fstype ? NULL : source, all, d);
	if (r == 0 && req->recursive)
		r = record_below(mi, top, ours, d);
	return r;
}
