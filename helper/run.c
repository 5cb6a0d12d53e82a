// SPDX-License-Identifier: Apache-2.0
#include <errno.h>

#include "attach.h"
#include "cleanup.h"
#include "mntns.h"
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
	if (!options_have_mapping(req)) {
		r = options_from_fstab(req, cfg->source, cfg->target, d);
		if (r < 0)
			return exit_code(r, EXIT_USAGE);
	}
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
