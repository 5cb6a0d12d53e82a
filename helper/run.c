// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <string.h>

#include "attach.h"
#include "cleanup.h"
#include "mntns.h"
#include "remount.h"
#include "run.h"
#include "userns.h"
#include "utab.h"

/* Resource exhaustion is a system error; anything else takes @dflt. */
static int exit_code(int r, int dflt)
{
	switch (-r) {
	case ENOMEM:
	case EMFILE:
	case ENFILE:
	case EAGAIN:
		return EXIT_SYSTEM;
	default:
		return dflt;
	}
}

/*
 * remount: DIR must be an idmapped mount, named by a path that is not a
 * symlink, and SRC its source; the options that mount(8) passes back (the
 * mapping, idmapped, the filesystem's options) must be what the mount has.
 * A filesystem option that differs stays a bad option (exit 1); the rest
 * is a mount failure (exit 32).
 */
static int run_remount(const struct run_config *cfg,
		       const struct idmap_request *req, struct diag *d)
{
	_cleanup_(remount_target_free) struct remount_target t =
		REMOUNT_TARGET_INIT;
	int r;

	r = remount_open(cfg->target, &t, d);
	if (r == 0)
		r = remount_check_source(&t, cfg->source, d);
	if (r < 0)
		return exit_code(r, EXIT_MOUNT);
	r = remount_check_params(&t, req, d);
	if (r < 0)
		return exit_code(r, EXIT_USAGE);
	r = remount_check_mapping(&t, req, d);
	if (r == 0 && !cfg->fake)
		r = remount_apply(&t, req, d);
	return r < 0 ? exit_code(r, EXIT_MOUNT) : 0;
}

int run_prepare(const struct run_config *cfg, struct idmap_request *req,
		struct diag *d)
{
	int r;

	req->sloppy = cfg->sloppy;
	req->newfs = cfg->fstype != NULL;
	for (size_t i = 0; i < cfg->nopts; i++) {
		r = options_parse(req, cfg->opts[i], d);
		if (r < 0)
			return exit_code(r, EXIT_USAGE);
	}
	if (cfg->rw >= 0)
		options_parse(req, cfg->rw ? "ro" : "rw", d);
	if (req->remount) {
		/* The mapping stays; one given (systemd passes the unit's
		 * options again) has to be well-formed, and run_remount()
		 * compares it with the mount's. */
		if (!req->userns && !req->uid.n && !req->gid.n)
			return 0;
	} else if (!options_have_mapping(req)) {
		r = options_from_fstab(req, cfg->source, cfg->target, d);
		if (r < 0)
			return exit_code(r, EXIT_USAGE);
	}
	options_fill_identity(req);
	r = options_check(req, d);
	return r < 0 ? EXIT_USAGE : 0;
}

int run_mount(const struct run_config *cfg, const struct idmap_request *req,
	      struct diag *d)
{
	_cleanup_close_ int nsfd = -1;
	int r;

	if (cfg->mntns) {
		r = mntns_enter(cfg->mntns, d);
		if (r < 0)
			return exit_code(r, EXIT_MOUNT);
	}

	if (req->remount)
		return run_remount(cfg, req, d);

	if (req->userns) {
		nsfd = userns_open(req->userns, d);
		if (nsfd < 0)
			return exit_code(nsfd, EXIT_MOUNT);
	} else {
		nsfd = userns_create(&req->uid, &req->gid, d);
		if (nsfd < 0)
			return EXIT_SYSTEM;
	}

	r = attach_mount(&(struct attach_plan){
				 .source = cfg->source,
				 .target = cfg->target,
				 .userns_fd = nsfd,
				 .attr_set = req->attr_set,
				 .attr_clr = req->attr_clr,
				 .recursive = req->recursive,
				 .dry_run = cfg->fake,
				 .fstype = cfg->fstype,
				 .params = req->params,
				 .nparams = req->nparams,
			 }, d);
	if (r < 0)
		return exit_code(r, EXIT_MOUNT);

	if (!cfg->fake && !cfg->nomtab) {
		r = utab_record(cfg->source, cfg->target,
				cfg->fstype ? cfg->fstype : "idmap", req, d);
		if (r < 0)
			return EXIT_UTAB;
	}
	return 0;
}
