// SPDX-License-Identifier: Apache-2.0
/*
 * The job, step by step.  Every step below returns a negative errno (and
 * its sentence in a struct diag); exit_code() alone turns one into an exit
 * code of mount(8), by the stage at which it failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

#include <libmount.h>

#include "attach.h"
#include "cleanup.h"
#include "explain.h"
#include "mntns.h"
#include "overlay.h"
#include "remount.h"
#include "run.h"
#include "self.h"
#include "userns.h"
#include "utab.h"

/* Where a step failed: what mount(8) is told. */
enum stage {
	STAGE_OPTIONS,		/* the options, the fstab entry: usage */
	STAGE_NEW_USERNS,	/* creating the user namespace: see below */
	STAGE_MOUNT,		/* -N, userns=, the mount itself: mount */
	STAGE_UTAB,		/* mounted, but not recorded: utab */
};

/* The one place where a negative errno becomes an exit code. */
static int exit_code(enum stage stage, int r)
{
	if (r >= 0)
		return 0;
	if (stage == STAGE_UTAB)
		return EXIT_UTAB;
	switch (-r) {
	case ENOMEM:
	case EMFILE:
	case ENFILE:
	case EAGAIN:
		return EXIT_SYSTEM;
	}
	switch (stage) {
	case STAGE_OPTIONS:
		return EXIT_USAGE;
	case STAGE_NEW_USERNS:
		/* Out of namespaces (user.max_user_namespaces) or a child
		 * killed under us is the system's fault; a map that the
		 * kernel refuses is a mount failure. */
		return r == -ENOSPC || r == -ECHILD ? EXIT_SYSTEM : EXIT_MOUNT;
	default:
		return EXIT_MOUNT;
	}
}

/* The fstab file whose entry gave @req its mapping, or NULL. */
static const char *fstab_of_mapping(const struct idmap_request *req)
{
	return req->mapping_from_fstab ? options_fstab_name(req) : NULL;
}

/*
 * remount: DIR must be an idmapped mount, named by a path that is not a
 * symlink, and SRC its source; the options that mount(8) passes back (the
 * mapping, idmapped, the filesystem's options) must be what the mount has.
 * A filesystem option that differs stays a bad option (exit 1); the rest
 * is a mount failure (exit 32).
 */
static int remount_job(const struct run_config *cfg,
		       const struct idmap_request *req, int self,
		       enum remount_compared *how, enum stage *stage,
		       struct diag *d)
{
	_cleanup_(remount_target_free) struct remount_target t =
		REMOUNT_TARGET_INIT;
	int r;

	r = remount_open(cfg->target, self, &t, d);
	/* Given DIR alone, mount(8) passes back the mount's options, with
	 * idmapped, and a source that it looked up itself: for a bind of a
	 * pseudo filesystem ("tmpfs") util-linux 2.41 may name another
	 * mount's directory.  Only a SRC that the user gave is checked. */
	if (r == 0 && !req->whole_set)
		r = remount_check_source(&t, cfg->source, d);
	if (r < 0)
		return r;
	*stage = STAGE_OPTIONS;
	r = remount_check_params(&t, req, d);
	if (r < 0)
		return r;
	*stage = STAGE_MOUNT;
	r = remount_check_mapping(&t, req, fstab_of_mapping(req), false, how,
				  d);
	if (r == 0 && !cfg->dry_run)
		r = remount_apply(&t, req, d);
	return r;
}

/*
 * -N: mount(8) runs us from "/" (entering the namespace moved its working
 * directory), and setns() would move ours to the other namespace's root, so
 * a relative path would silently name something else.  Refuse it.
 */
static int check_absolute(const char *mntns, const char *source,
			  const char *target, struct diag *d)
{
	const char *rel = NULL;

	if (!mntns)
		return 0;
	if (target && target[0] != '/')
		rel = target;
	else if (source && source[0] != '/')
		rel = source;
	if (!rel)
		return 0;
	return diag_fail(d, EINVAL,
		"-N: \"%s\" is a relative path, which has no meaning in another mount namespace: give an absolute path",
		rel);
}

int run_enter_for_show(const char *mntns, const char *dir, int *self,
		       struct diag *d)
{
	_cleanup_close_ int fd = -1;
	int r = check_absolute(mntns, NULL, dir, d);

	if (r < 0)
		return exit_code(STAGE_OPTIONS, r);
	if (!mntns)
		return 0;
	fd = mntns_open(mntns, d);
	if (fd < 0)
		return exit_code(STAGE_MOUNT, fd);
	/* Our own mountinfo, as the namespace shows it once we are in:
	 * its /proc may be a container's, which has no "self" of ours. */
	*self = self_open();
	r = mntns_enter(fd, mntns, d);
	return exit_code(STAGE_MOUNT, r);
}

/* The mapping that mount(8) dropped: the X-* options of its own command
 * line (-o X-mount.idmap=...), then those of the fstab entry. */
static int fill_dropped(const struct run_config *cfg,
			const struct caller *c, struct idmap_request *req,
			struct diag *d)
{
	int r = 0;

	for (size_t i = 0; i < c->nopts && r >= 0; i++)
		r = options_fill_dropped(req, c->opts[i], d);
	if (r < 0 || options_have_mapping(req))
		return r;
	/* remount: only a mapping written somewhere is compared. */
	if (req->remount && (req->userns || req->uid.n || req->gid.n))
		return 0;
	return options_from_fstab(req, cfg->source, cfg->target, d);
}

static int prepare(const struct run_config *cfg, const struct caller *c,
		   struct idmap_request *req, struct diag *d)
{
	int r = check_absolute(cfg->mntns, cfg->fstype ? NULL : cfg->source,
			       cfg->target, d);

	if (r < 0)
		return r;

	req->sloppy = cfg->sloppy;
	req->fstype = cfg->fstype;
	req->fstab_files = c->fstabs;
	req->nfstab_files = c->nfstabs;
	for (size_t i = 0; i < cfg->nopts; i++) {
		r = options_parse(req, cfg->opts[i], d);
		if (r < 0)
			return r;
	}
	if (cfg->rw >= 0) {
		r = options_parse(req, cfg->rw ? "ro" : "rw", d);
		if (r < 0)
			return r;
	}
	r = fill_dropped(cfg, c, req, d);
	if (r < 0)
		return r;
	/* remount: the mapping stays; one given (systemd passes the unit's
	 * options again, mount(8) the fstab entry's) has to be well-formed,
	 * and remount_job() compares it with the mount's. */
	if (req->remount && !req->userns && !req->uid.n && !req->gid.n)
		return 0;
	if (cfg->mntns && overlay_is(cfg->fstype)) {
		r = overlay_check_absolute(req->params, req->nparams, d);
		if (r < 0)
			return r;
	}
	options_fill_identity(req);
	return options_check(req, d);
}

void run_state_init(struct run_state *st)
{
	options_init(&st->req);
	st->caller = (struct caller){ 0 };
	st->record = (struct utab_plan){ 0 };
	st->compared = REMOUNT_NOT_COMPARED;
	st->unmounted = false;
}

void run_state_free(struct run_state *st)
{
	options_free(&st->req);
	caller_free(&st->caller);
	utab_plan_free(&st->record);
}

int run_prepare(const struct run_config *cfg, struct run_state *st,
		struct diag *d)
{
	/* First: -T names the fstab, -o the X-* options dropped. */
	int r = caller_read(&st->caller);

	if (r == 0)
		r = prepare(cfg, &st->caller, &st->req, d);
	if (r == 0 && !st->req.remount && !cfg->dry_run && !cfg->nomtab)
		r = utab_plan_make(cfg, &st->caller, &st->req, &st->record);
	if (r == -ENOMEM)
		diag_fail(d, ENOMEM, "out of memory");
	return exit_code(STAGE_OPTIONS, r);
}

/*
 * mount -a, an entry mounted already: it stays as it is, which is right
 * only while the entry still says the mapping the mount has.  A mount at
 * DIR that is not idmapped by us has nothing to compare.
 */
static int check_mounted_entry(const struct run_config *cfg,
			       const struct idmap_request *req, int self,
			       struct diag *d)
{
	_cleanup_(remount_target_free) struct remount_target t =
		REMOUNT_TARGET_INIT;
	enum remount_compared how;
	struct diag ignored;

	if (remount_open(cfg->target, self, &t, &ignored) < 0)
		return 0;
	return remount_check_mapping(&t, req, fstab_of_mapping(req), true,
				     &how, d);
}

static int mount_job(const struct run_config *cfg, struct run_state *st,
		     enum stage *stage, struct diag *d)
{
	const struct idmap_request *req = &st->req;
	/* Reaped last, after the mount and its record, on every path. */
	_cleanup_(userns_reap) struct userns_child child = USERNS_CHILD_INIT;
	_cleanup_close_ int mntfd = -1, nsfd = -1, self = -1;
	_cleanup_(attach_failure_free) struct attach_failure failed =
		ATTACH_FAILURE_INIT;
	struct attach_plan plan;
	enum attach_outcome outcome;
	int r;

	/* What names the caller's /proc comes first: the -N path, userns=,
	 * and the namespace child's /proc/PID.  In a container (a PID
	 * namespace and a /proc of its own) none of them exists, or worse,
	 * names one of its processes. */
	*stage = STAGE_MOUNT;
	if (cfg->mntns) {
		mntfd = mntns_open(cfg->mntns, d);
		if (mntfd < 0)
			return mntfd;
	}
	if (!req->remount) {
		if (req->userns) {
			nsfd = userns_open(req->userns, d);
		} else {
			*stage = STAGE_NEW_USERNS;
			nsfd = userns_create_deferred(&req->uid, &req->gid,
						      &child, d);
		}
		if (nsfd < 0)
			return nsfd;
		*stage = STAGE_MOUNT;
	}
	if (mntfd >= 0) {
		self = self_open();
		r = mntns_enter(mntfd, cfg->mntns, d);
		if (r < 0)
			return r;
	}

	if (req->remount)
		return remount_job(cfg, req, self, &st->compared, stage, d);
	/* What mount -a would skip, were it able to tell. */
	if (st->caller.all && caller_already_mounted(cfg->source, cfg->target,
							   self))
		/* It stays as it is: right only while the entry still
		 * says its mapping. */
		return check_mounted_entry(cfg, req, self, d);

	plan = (struct attach_plan){
		.req = req,
		.source = cfg->source,
		.target = cfg->target,
		.userns_fd = nsfd,
		.dry_run = cfg->dry_run,
		.self = self,
	};
	r = attach_mount(&plan, &outcome, &failed, d);
	/* Why it failed, from what failed: the user namespace, SRC, DIR and
	 * our /proc/self are still open for a look. */
	if (r < 0 && failed.step != FAILED_NONE)
		r = explain_failure(&plan, &failed, d);
	/* nofail, no SRC: nothing is mounted, so nothing is recorded. */
	st->unmounted = r == 0 && outcome == ATTACH_NOFAIL_NO_SOURCE;
	if (r < 0 || st->unmounted || cfg->dry_run || cfg->nomtab)
		return r;

	*stage = STAGE_UTAB;
	return utab_record(&plan, &st->record, d);
}

int run_mount(const struct run_config *cfg, struct run_state *st,
	      struct diag *d)
{
	enum stage stage;
	int r = mount_job(cfg, st, &stage, d);

	return exit_code(stage, r);
}

/* Is the mount on top of @path, at its root, idmapped? */
static bool top_idmapped(const char *path)
{
	struct statx stx;

	return statx(AT_FDCWD, path, 0, STATX_MNT_ID, &stx) == 0 &&
	       (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
	       (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT) &&
	       (stx.stx_mask & STATX_MNT_ID) &&
	       self_mount_idmapped(-1, stx.stx_mnt_id);
}

bool run_mount8_idmaps_after(const struct run_config *cfg,
			     const struct run_state *st)
{
	const char *ver = NULL;
	unsigned int major, minor;

	if (!st->caller.parent_is_mount8 || !st->req.x_mount_idmap)
		return false;
	/* mount(8) runs with the libmount that we were linked with. */
	mnt_get_library_version(&ver);
	if (!ver || sscanf(ver, "%u.%u", &major, &minor) != 2 ||
	    (major == 2 && minor < 39) || major < 2)
		return false;
	/*
	 * Its idmap of a clone of an idmapped mount fails (the kernel does
	 * not idmap a mount twice), and then nothing happens: a remount, or
	 * mount -a on an entry that is mounted.  With -N, DIR is in another
	 * namespace, which we may not have entered.
	 */
	return cfg->mntns || !top_idmapped(cfg->target);
}
