// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <string.h>

#include "attach.h"
#include "cleanup.h"
#include "mntns.h"
#include "run.h"
#include "show.h"
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
 * Making the user namespace: out of namespaces (ENOSPC, user.max_user_
 * namespaces) or a child killed under us is the system's fault; a map the
 * kernel refuses (EPERM, EINVAL) is a mount failure.
 */
static int userns_exit_code(int r)
{
	return r == -ENOSPC || r == -ECHILD ? EXIT_SYSTEM :
					      exit_code(r, EXIT_MOUNT);
}

/*
 * -N: mount(8) runs us from "/" (entering the namespace moved its working
 * directory), and setns() would move ours to the other namespace's root, so
 * a relative path would silently name something else.  Refuse it.
 */
static int check_absolute(const struct run_config *cfg, struct diag *d)
{
	const char *rel = NULL;

	if (!cfg->mntns)
		return 0;
	if (cfg->target[0] != '/')
		rel = cfg->target;
	else if (!cfg->fstype && cfg->source[0] != '/')
		rel = cfg->source;
	if (!rel)
		return 0;
	return diag_fail(d, EINVAL,
		"-N: \"%s\" is a relative path, which has no meaning in another mount namespace: give an absolute path",
		rel);
}

/*
 * remount with a mapping: it must be the one that the mount has, since the
 * kernel cannot change the idmap of an attached mount.  Unknown (before
 * Linux 6.15, without a utab record) passes.
 */
static int check_same_mapping(const char *target,
			      const struct idmap_request *req, struct diag *d)
{
	_cleanup_free_ char *want = NULL, *have = NULL;
	struct diag ignored;

	if (req->userns || (!req->uid.n && !req->gid.n))
		return 0;
	want = options_format(req, "");
	if (!want)
		return diag_fail(d, ENOMEM, "out of memory");
	if (show_mount(target, &have, &ignored) < 0 || strcmp(want, have) == 0)
		return 0;
	return diag_fail(d, EINVAL,
		"remount: \"%s\" is mounted with %s; its idmap cannot change while it is mounted (asked for %s): unmount it and mount it again",
		target, have, want);
}

int run_prepare(const struct run_config *cfg, struct idmap_request *req,
		struct diag *d)
{
	int r;

	if (check_absolute(cfg, d) < 0)
		return EXIT_USAGE;
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
		if (req->nparams) {
			diag_fail(d, EINVAL,
				"remount: option \"%s\" would change the filesystem, which a remount by mount.idmap cannot do; unmount and mount again",
				req->params[0].key);
			return EXIT_USAGE;
		}
		/* The mapping stays; one given (systemd passes the unit's
		 * options again) only has to be well-formed. */
		if (!req->userns && !req->uid.n && !req->gid.n)
			return 0;
	} else if (!options_have_mapping(req)) {
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
	_cleanup_close_ int mntfd = -1, nsfd = -1;
	int r;

	/* What names the caller's /proc comes first: the -N path, userns=,
	 * and the namespace child's /proc/PID.  In a container (a PID
	 * namespace and a /proc of its own) none of them exists, or worse,
	 * names one of its processes. */
	if (cfg->mntns) {
		mntfd = mntns_open(cfg->mntns, d);
		if (mntfd < 0)
			return exit_code(mntfd, EXIT_MOUNT);
	}
	if (!req->remount) {
		nsfd = req->userns ? userns_open(req->userns, d) :
				     userns_create(&req->uid, &req->gid, d);
		if (nsfd < 0)
			return userns_exit_code(nsfd);
	}
	if (mntfd >= 0) {
		r = mntns_enter(mntfd, cfg->mntns, d);
		if (r < 0)
			return exit_code(r, EXIT_MOUNT);
	}

	if (req->remount) {
		r = check_same_mapping(cfg->target, req, d);
		if (r == 0 && !cfg->fake)
			r = attach_remount(cfg->target, req->attr_set,
					   req->attr_clr, d);
		return r < 0 ? exit_code(r, EXIT_MOUNT) : 0;
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
