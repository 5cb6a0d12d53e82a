// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libmount.h>

#include "attach.h"
#include "cleanup.h"
#include "facts.h"
#include "mountapi.h"
#include "overlay.h"
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
	       strcmp(name, "x-idmap.userns") == 0 ||
	       strcmp(name, UTAB_ID_OPTION) == 0 ||
	       (strncmp(name, "x-idmap.", 8) == 0 &&
		overlay_is_layer(name + 8));
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
	int r = options_fstab_entry(req, source, target, &tb, &fs);

	/* Files that libmount cannot read gave mount(8) no entry either. */
	if (r == -ENOMEM)
		return r;
	return r == 0 && fs ? add_recorded(extra, any, mnt_fs_get_options(fs)) :
			      0;
}

int utab_plan_make(const struct run_config *cfg, const struct caller *c,
		   const struct idmap_request *req, struct utab_plan *p)
{
	int r = 0;

	*p = (struct utab_plan){ 0 };
	if (!c->parent_is_mount8)
		return 0;
	for (size_t i = 0; i < cfg->nopts && r == 0; i++)
		r = add_recorded(&p->extra, &p->mount8_records, cfg->opts[i]);
	/* The entry that options_from_fstab() read already, or a look-up. */
	if (r == 0 && req->fstab >= 0)
		r = add_recorded(&p->extra, &p->mount8_records,
				 req->fstab_options);
	else if (r == 0)
		r = add_fstab_options(req, cfg->source, cfg->target, &p->extra,
				      &p->mount8_records);
	for (size_t i = 0; i < c->nopts && r == 0; i++)
		r = add_recorded(&p->extra, &p->mount8_records, c->opts[i]);
	if (r < 0)
		utab_plan_free(p);
	return r;
}

void utab_plan_free(struct utab_plan *p)
{
	free(p->extra);
	*p = (struct utab_plan){ 0 };
}

#ifdef MOUNT_IDMAP_TEST_HOOKS
int utab_test_fail_write;
#endif

/* The targets of the records that this run wrote, so that a failure
 * part-way through a tree can take them back. */
struct written {
	char **targets;
	size_t n;
};

static void written_free(struct written *w)
{
	for (size_t i = 0; i < w->n; i++)
		free(w->targets[i]);
	free(w->targets);
}

static int written_add(struct written *w, const char *target)
{
	char **grown = reallocarray(w->targets, w->n + 1, sizeof(*grown));

	if (!grown)
		return -ENOMEM;
	w->targets = grown;
	grown[w->n] = strdup(target);
	if (!grown[w->n])
		return -ENOMEM;
	w->n++;
	return 0;
}

/*
 * Write one record.  libmount fills in the entry from @source, @target and
 * the options; the root (and the bind source) are then set to what they
 * must be, since libmount would compute them again from the source path.
 */
static int write_record(const char *source, const char *target,
			const char *root, const char *bindsrc,
			const char *optstr, uint64_t id, struct written *w,
			struct diag *d)
{
	_cleanup_(mnt_free_updatep) struct libmnt_update *upd = mnt_new_update();
	_cleanup_(mnt_unref_fsp) struct libmnt_fs *fs = mnt_new_fs();
	_cleanup_free_ char *opts = optstr ? strdup(optstr) : NULL;
	char idval[24];
	struct libmnt_fs *rec;
	int r;

	snprintf(idval, sizeof(idval), "%" PRIu64, id);
	if (!upd || !fs || !opts || mnt_fs_set_source(fs, source) ||
	    mnt_fs_set_target(fs, target) ||
	    (id && mnt_optstr_append_option(&opts, UTAB_ID_OPTION, idval)) ||
	    mnt_fs_set_options(fs, opts))
		return diag_fail(d, ENOMEM, "out of memory");

	r = mnt_update_set_fs(upd, 0, NULL, fs);
	rec = r == 0 ? mnt_update_get_fs(upd) : NULL;
	if (rec) {
		r = mnt_fs_set_root(rec, root);
		if (r == 0)
			r = mnt_fs_set_bindsrc(rec, bindsrc);
	}
#ifdef MOUNT_IDMAP_TEST_HOOKS
	if (r == 0 && utab_test_fail_write && --utab_test_fail_write == 0)
		r = -EIO;
#endif
	if (r == 0)
		r = mnt_update_table(upd, NULL);
	if (r == 0)
		r = written_add(w, target);
	if (r < 0)
		return diag_fail(d, -r,
			"mounted on \"%s\", but cannot record its mapping in %s: %s",
			target, utab_path(upd), strerror(-r));
	return 0;
}

/*
 * Take back the records of @w, last first: a tree is recorded whole or
 * not at all.  Each removal takes the last record for its target, which
 * is ours unless another writer added one for the same target since.
 * Returns how many could not be removed.
 */
static size_t unwrite(struct written *w)
{
	size_t left = 0;

	while (w->n > 0) {
		_cleanup_(mnt_free_updatep) struct libmnt_update *upd =
			mnt_new_update();
		char *target = w->targets[--w->n];

		if (!upd || mnt_update_set_fs(upd, 0, target, NULL) < 0 ||
		    mnt_update_table(upd, NULL) < 0)
			left++;
		free(target);
	}
	return left;
}

/*
 * "recursive": a record for every idmapped mount of the tree below
 * @parent too.  umount -R unmounts them first, and util-linux (2.38 to
 * 2.41 at least) stops updating utab for the rest of the command once it
 * has unmounted a mount without a record, so the record of the top would
 * stay behind.  libmount adds one record per update (a lock, a read and a
 * rewrite of utab each): it has no call that adds several at once.
 */
static int record_below(struct libmnt_table *mi, struct libmnt_fs *parent,
			const char *optstr, struct written *w, struct diag *d)
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
				 mnt_fs_get_root(child), NULL, optstr,
				 facts_entry_record_id(child), w, d);
		if (r == 0)
			r = record_below(mi, child, optstr, w, d);
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

void utab_records_free(struct utab_records *recs)
{
	for (size_t i = 0; i < recs->n; i++) {
		free(recs->v[i].target);
		free(recs->v[i].options);
	}
	free(recs->v);
	recs->v = NULL;
	recs->n = 0;
}

/* Keep one record's TARGET= and OPTS= fields. */
static int add_entry(struct utab_records *recs, char *line)
{
	_cleanup_free_ char *t = NULL, *o = NULL;
	struct utab_entry *grown;
	char *save = NULL;

	for (char *w = strtok_r(line, " \n", &save); w;
	     w = strtok_r(NULL, " \n", &save)) {
		if (!t && strncmp(w, "TARGET=", 7) == 0 && !(t = unmangle(w + 7)))
			return -ENOMEM;
		if (!o && strncmp(w, "OPTS=", 5) == 0 && !(o = unmangle(w + 5)))
			return -ENOMEM;
	}
	if (!t || !o)
		return 0;
	grown = reallocarray(recs->v, recs->n + 1, sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	recs->v = grown;
	grown[recs->n].target = take_ptr(&t);
	grown[recs->n].options = take_ptr(&o);
	recs->n++;
	return 0;
}

int utab_records_read(struct utab_records *recs)
{
	const char *path = getenv("LIBMOUNT_UTAB");
	_cleanup_free_ char *line = NULL;
	_cleanup_(fclosep) FILE *f = NULL;
	size_t cap = 0;
	int r = 0;

	*recs = (struct utab_records){ NULL, 0 };
	f = fopen(path ? path : "/run/mount/utab", "re");
	if (!f)
		return 0;
	while (r == 0 && getline(&line, &cap, f) > 0)
		r = add_entry(recs, line);
	if (r < 0)
		utab_records_free(recs);
	return r;
}

/* Is the option value @val (@len bytes) the number @id? */
static bool names_id(const char *val, size_t len, uint64_t id)
{
	char buf[24];

	if (!len || len >= sizeof(buf))
		return false;
	memcpy(buf, val, len);
	buf[len] = '\0';
	return buf[strspn(buf, "0123456789")] == '\0' &&
	       strtoull(buf, NULL, 10) == id;
}

const char *utab_records_find(const struct utab_records *recs,
			      const char *target, uint64_t id)
{
	for (size_t i = recs->n; i-- > 0;) {
		char *val;
		size_t len;

		if (strcmp(recs->v[i].target, target) == 0 &&
		    mnt_optstr_get_option(recs->v[i].options, UTAB_ID_OPTION,
					  &val, &len) == 0 &&
		    names_id(val, len, id))
			return recs->v[i].options;
	}
	return NULL;
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

/*
 * The layers of an idmapped overlay as given (x-idmap.lowerdir=...), so
 * that a remount given the same ones (from the fstab entry, or a unit)
 * is known to name this overlay's own: mountinfo shows its layers as the
 * detached clones they were.  A value with a quote of its own cannot be
 * quoted, and is left out.
 */
static int add_layers(char **optstr, const struct idmap_request *req)
{
	for (size_t i = 0; i < req->nparams; i++) {
		const struct fs_param *p = &req->params[i];
		_cleanup_free_ char *key = NULL, *val = NULL;

		if (!overlay_is_layer(p->key) || !p->value ||
		    strchr(p->value, '"'))
			continue;
		if (asprintf(&key, "x-idmap.%s", p->key) < 0 ||
		    asprintf(&val, strchr(p->value, ',') ? "\"%s\"" : "%s",
			     p->value) < 0 ||
		    mnt_optstr_append_option(optstr, key, val) < 0)
			return -ENOMEM;
	}
	return 0;
}

int utab_record(const struct attach_plan *m, const struct utab_plan *plan,
		struct diag *d)
{
	const struct idmap_request *req = m->req;
	_cleanup_free_ char *ours = options_format(req, "x-idmap.");
	_cleanup_free_ char *all = NULL, *target = NULL, *source = NULL;
	_cleanup_(mnt_unref_tablep) struct libmnt_table *mi = NULL;
	_cleanup_(written_free) struct written w = { NULL, 0 };
	_cleanup_close_ int fd = -1;
	struct libmnt_fs *top;
	uint64_t id;
	int r;

	all = ours ? strdup(ours) : NULL;
	/* A record of mount(8)'s shape names DIR as mount(8) gave it, and
	 * statx() finds the mount by any name; only record_below() compares
	 * mountinfo's canonical paths.  The bind source is in a record of
	 * our own shape only. */
	target = plan->mount8_records && !req->recursive ? strdup(m->target) :
							   canonical(m->target);
	source = plan->mount8_records || req->fstype ? strdup("") :
						      canonical(m->source);
	if (!all || !target || !source ||
	    (plan->extra && mnt_optstr_append_option(&all, plan->extra, NULL)) ||
	    (overlay_is(req->fstype) && add_layers(&all, req) < 0))
		return diag_fail(d, ENOMEM, "out of memory");

	top = find_mount(target, m->self, req->recursive, &mi);
	fd = open(target, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	id = fd >= 0 ? facts_record_id(fd) : 0;
	if (!top || !id)
		return diag_fail(d, ENOENT,
			"mounted \"%s\" on \"%s\", but cannot find it in /proc/self/mountinfo to record it in utab",
			m->source, m->target);

	/*
	 * mount(8) looks for a record with its own SRC and TARGET strings
	 * (the ones it gave us) and appends its own when there is none.
	 * Otherwise, the source and root of mountinfo: libmount merges a
	 * record into the mount table only when they match.
	 */
	if (plan->mount8_records)
		r = write_record(m->source, m->target, mnt_fs_get_root(top),
				 NULL, all, id, &w, d);
	else
		r = write_record(mnt_fs_get_source(top), target,
				 mnt_fs_get_root(top),
				 req->fstype ? NULL : source, all, id, &w, d);
	if (r == 0 && req->recursive)
		r = record_below(mi, top, ours, &w, d);
	if (r < 0 && w.n > 0) {
		size_t written = w.n, left = unwrite(&w);
		size_t len = strlen(d->msg);

		snprintf(d->msg + len, sizeof(d->msg) - len,
			 left ? "; %zu of the records already written for this tree (%zu) could not be removed again" :
				"; the records already written for this tree (%zu) were removed again",
			 left ? left : written, written);
	}
	return r;
}
