// SPDX-License-Identifier: Apache-2.0
/*
 * mount.idmap: the mount(8) helper for type "idmap".
 *
 *   mount.idmap SRC DIR [-sfnvrw] [-N NS] [-o OPTIONS] [-t idmap[.FSTYPE]]
 *
 * argv -> struct idmap_request -> user-namespace fd -> detached, idmapped
 * tree -> attached at DIR.  This file owns argv, all printing and the exit
 * codes of mount(8).
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/capability.h>

#include "attach.h"
#include "cleanup.h"
#include "mntns.h"
#include "options.h"
#include "show.h"
#include "userns.h"
#include "utab.h"

/* mount(8)'s exit codes. */
enum {
	EXIT_USAGE = 1,		/* incorrect invocation or permissions */
	EXIT_SYSTEM = 2,	/* out of memory, cannot fork... */
	EXIT_UTAB = 16,		/* problems writing or locking utab */
	EXIT_MOUNT = 32,	/* mount failure */
};

struct config {
	const char *source;
	const char *target;
	const char *type;
	const char *mntns;
	const char *fstype;	/* -t idmap.FSTYPE: FSTYPE */
	bool fake, verbose, nomtab, sloppy, show;
	int rw;			/* -r: 1, -w: 0, neither: -1 */
};

static void usage(FILE *out)
{
	fprintf(out,
"Usage: mount.idmap SRC DIR [-sfnvrw] [-N NS] [-o OPTIONS] [-t idmap[.FSTYPE]]\n"
"       mount.idmap --show [DIR]\n"
"       mount -t idmap SRC DIR -o uidmap=INNER:OUTER:COUNT,gidmap=...\n"
"\n"
"Create an idmapped bind mount of SRC on DIR (or, with -t idmap.FSTYPE, an\n"
"idmapped new FSTYPE filesystem from SRC): a file owned by on-disk id\n"
"INNER+k appears as id OUTER+k through DIR, for 0 <= k < COUNT.\n"
"\n"
"Mapping options (-o):\n"
"  uidmap=INNER:OUTER:COUNT[,...]  uid extents, containerd's order; quote a\n"
"                                  list with commas: uidmap=\"0:1000:1,1:2000:9\"\n"
"  gidmap=INNER:OUTER:COUNT[,...]  gid extents; both maps are required\n"
"  idmap=[u:|g:|b:]INNER:OUTER:COUNT[ ...]\n"
"                                  util-linux X-mount.idmap syntax; no prefix\n"
"                                  or b: feeds both maps\n"
"  idmap=/PATH, userns=/PATH       use an existing user namespace\n"
"  X-idmap.uidmap=, X-idmap.gidmap=, X-idmap.userns=  other spellings\n"
"\n"
"Mount attributes (-o): ro rw nosuid suid nodev dev noexec exec noatime\n"
"  atime relatime strictatime nodiratime diratime nosymfollow symfollow;\n"
"  rbind idmaps the whole tree. user, users, nouser, owner, group and\n"
"  defaults are accepted and grant nothing.\n"
"\n"
"Flags:\n"
"  -s         ignore unknown options\n"
"  -f         check everything and build the idmapped tree, attach nothing\n"
"  -n         do not record the mapping in utab\n"
"  -v         print the plan\n"
"  -r, -w     read-only (ro), read-write (rw)\n"
"  -N NS      work in mount namespace NS (a PID or /proc/PID/ns/mnt)\n"
"  -t idmap   the type, as mount(8) passes it; -t idmap.FSTYPE mounts a new\n"
"             FSTYPE filesystem, and passes other options to it\n"
"  --show [DIR]   print the mapping of the idmapped mount at DIR, as\n"
"             options for fstab; without DIR, of every idmapped mount\n"
"  -h, --help     print this text\n"
"  -V, --version  print the version\n"
"\n"
"Exit codes: 0 success, 1 bad usage or no privilege, 2 system error,\n"
"16 utab not written, 32 mount failure.  See mount.idmap(8).\n");
}

static int parse_argv(int argc, char **argv, struct config *cfg,
		      char ***opts, size_t *nopts)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "show", no_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 },
	};
	size_t npos = 0;
	int c;

	*opts = calloc((size_t)argc, sizeof(char *));
	if (!*opts)
		return EXIT_SYSTEM;
	/* A leading '-' keeps SRC and DIR in order wherever they stand, even
	 * under POSIXLY_CORRECT. */
	while ((c = getopt_long(argc, argv, "-sfnvrwhVo:t:N:", longopts,
				NULL)) != -1) {
		switch (c) {
		case 1:
			if (npos == 0)
				cfg->source = optarg;
			else if (npos == 1)
				cfg->target = optarg;
			else {
				fprintf(stderr, "mount.idmap: unexpected argument \"%s\": expected SRC DIR\n",
					optarg);
				return EXIT_USAGE;
			}
			npos++;
			break;
		case 's': cfg->sloppy = true; break;
		case 'f': cfg->fake = true; break;
		case 'n': cfg->nomtab = true; break;
		case 'v': cfg->verbose = true; break;
		case 'r': cfg->rw = 1; break;
		case 'w': cfg->rw = 0; break;
		case 'o': (*opts)[(*nopts)++] = optarg; break;
		case 't': cfg->type = optarg; break;
		case 'N': cfg->mntns = optarg; break;
		case 'S': cfg->show = true; break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("mount.idmap %s\n", PACKAGE_VERSION);
			exit(0);
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (cfg->show ? npos > 1 : npos < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	return 0;
}

/* -t: "idmap", or "idmap.FSTYPE" for a new filesystem. */
static int check_type(struct config *cfg)
{
	if (!cfg->type || strcmp(cfg->type, "idmap") == 0)
		return 0;
	if (strncmp(cfg->type, "idmap.", 6) == 0 && cfg->type[6]) {
		cfg->fstype = cfg->type + 6;
		return 0;
	}
	fprintf(stderr, "mount.idmap: -t %s: this helper mounts type idmap or idmap.FSTYPE\n",
		cfg->type);
	return EXIT_USAGE;
}

static int show(const struct config *cfg)
{
	struct diag d = { "" };
	_cleanup_free_ char *text = NULL;
	int r;

	r = cfg->source ? show_mount(cfg->source, &text, &d) :
			  show_all(&text, &d);
	if (r < 0) {
		fprintf(stderr, "mount.idmap: %s\n", d.msg);
		return r == -ENOMEM ? EXIT_SYSTEM : EXIT_MOUNT;
	}
	fputs(text, stdout);
	if (cfg->source)
		putchar('\n');
	return 0;
}

static bool have_sys_admin(void)
{
	cap_t caps = cap_get_proc();
	cap_flag_value_t v = CAP_CLEAR;

	if (caps) {
		cap_get_flag(caps, CAP_SYS_ADMIN, CAP_EFFECTIVE, &v);
		cap_free(caps);
	}
	return v == CAP_SET;
}

/* Resource exhaustion is a system error; anything else is the mount's. */
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

static void print_map(const char *name, const struct idmap_map *map)
{
	char line[128];

	for (size_t i = 0; i < map->n; i++) {
		idmap_describe(&map->ext[i], line, sizeof(line));
		printf("  %s: %s\n", name, line);
	}
}

static void print_plan(const struct config *cfg,
		       const struct idmap_request *req)
{
	printf("mount.idmap: %sidmapped %s%s of \"%s\" on \"%s\"\n",
	       cfg->fake ? "(fake) " : "",
	       cfg->fstype ? "new filesystem " : req->recursive ?
			"recursive bind" : "bind",
	       cfg->fstype ? cfg->fstype : "", cfg->source, cfg->target);
	for (size_t i = 0; i < req->nparams; i++)
		printf("  %s option: %s%s%s\n", cfg->fstype,
		       req->params[i].key, req->params[i].value ? "=" : "",
		       req->params[i].value ? req->params[i].value : "");
	if (req->userns)
		printf("  user namespace: %s\n", req->userns);
	print_map("uid", &req->uid);
	print_map("gid", &req->gid);
}

static int fail(int code, const struct diag *d)
{
	fprintf(stderr, "mount.idmap: %s\n", d->msg);
	return code;
}

static int run(struct config *cfg, char **opts, size_t nopts,
	       struct idmap_request *req)
{
	struct diag d = { "" };
	_cleanup_close_ int nsfd = -1;
	int r;

	req->sloppy = cfg->sloppy;
	req->newfs = cfg->fstype != NULL;
	for (size_t i = 0; i < nopts; i++) {
		r = options_parse(req, opts[i], &d);
		if (r < 0)
			return fail(r == -ENOMEM ? EXIT_SYSTEM : EXIT_USAGE, &d);
	}
	if (cfg->rw >= 0)
		options_parse(req, cfg->rw ? "ro" : "rw", &d);
	if (!options_have_mapping(req)) {
		r = options_from_fstab(req, cfg->source, cfg->target, &d);
		if (r < 0)
			return fail(r == -ENOMEM ? EXIT_SYSTEM : EXIT_USAGE, &d);
	}
	r = options_check(req, &d);
	if (r < 0)
		return fail(EXIT_USAGE, &d);

	if (cfg->verbose)
		print_plan(cfg, req);

	if (cfg->mntns) {
		r = mntns_enter(cfg->mntns, &d);
		if (r < 0)
			return fail(exit_code(r, EXIT_MOUNT), &d);
	}

	if (req->userns) {
		nsfd = userns_open(req->userns, &d);
		if (nsfd < 0)
			return fail(exit_code(nsfd, EXIT_MOUNT), &d);
	} else {
		nsfd = userns_create(&req->uid, &req->gid, &d);
		if (nsfd < 0)
			return fail(EXIT_SYSTEM, &d);
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
			 }, &d);
	if (r < 0)
		return fail(exit_code(r, EXIT_MOUNT), &d);

	if (!cfg->fake && !cfg->nomtab) {
		r = utab_record(cfg->source, cfg->target,
				cfg->fstype ? cfg->fstype : "idmap", req, &d);
		if (r < 0)
			return fail(EXIT_UTAB, &d);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct config cfg = { .rw = -1 };
	struct idmap_request req;
	_cleanup_free_ char **opts = NULL;
	size_t nopts = 0;
	int rc;

	/* Installed setuid, this would let any user pick the owners of any
	 * tree: refuse before reading anything. */
	if (getauxval(AT_SECURE)) {
		fprintf(stderr, "mount.idmap: refusing to run setuid or setgid: idmapped mounts are for root only\n");
		return EXIT_USAGE;
	}

	rc = parse_argv(argc, argv, &cfg, &opts, &nopts);
	if (rc)
		return rc;
	if (cfg.show)
		return show(&cfg);
	rc = check_type(&cfg);
	if (rc)
		return rc;

	if (!have_sys_admin()) {
		fprintf(stderr, "mount.idmap: %s on %s: root privileges (CAP_SYS_ADMIN) are needed; idmapped mounts cannot be user mounts\n",
			cfg.source, cfg.target);
		return EXIT_USAGE;
	}

	options_init(&req);
	rc = run(&cfg, opts, nopts, &req);
	options_free(&req);
	return rc;
}
