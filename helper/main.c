// SPDX-License-Identifier: Apache-2.0
/*
 * mount.idmap: the mount(8) helper for type "idmap".
 *
 *   mount.idmap SRC DIR [-sfnvrw] [-N NS] [-o OPTIONS] [-t idmap[.FSTYPE]]
 *
 * argv -> struct idmap_request -> user-namespace fd -> detached, idmapped
 * tree -> attached at DIR.  This file owns argv and all printing; run.c
 * does the job and chooses the exit code of mount(8).
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/capability.h>

#include "cleanup.h"
#include "mountapi.h"
#include "names.h"
#include "options.h"
#include "run.h"
#include "show.h"

struct config {
	struct run_config run;
	const char *type;	/* -t */
	bool verbose, show;
};

/*
 * Print one line.  Everything goes through here, so a path, an option or
 * the kernel's text that holds a newline, a tab or an escape sequence
 * reaches the terminal escaped (diag_fputs_escaped), on the one line.
 */
static void __attribute__((format(printf, 2, 3)))
say(FILE *f, const char *fmt, ...)
{
	_cleanup_free_ char *line = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&line, fmt, ap);
	va_end(ap);
	if (n < 0) {
		line = NULL;
		fputs("mount.idmap: out of memory\n", stderr);
		return;
	}
	diag_fputs_escaped(line, "", f);
	putc('\n', f);
}

/* A failure of the job: under mount -a, the mount point tells the admin
 * which of many lines is about which entry. */
static void say_failed(const struct run_config *rc, const char *msg)
{
	say(stderr, "mount.idmap: %s: %s", rc->target, msg);
}

/* Output that did not all reach stdout (a full disk, a closed pipe) is a
 * failure, not a success with half the text. */
static int flush_stdout(void)
{
	if (fflush(stdout) == 0 && !ferror(stdout))
		return 0;
	say(stderr, "mount.idmap: cannot write to standard output: %s",
	    strerror(errno ? errno : EIO));
	return EXIT_SYSTEM;
}

static void usage(FILE *out)
{
	fprintf(out,
"Usage: mount.idmap SRC DIR [-sfnvrw] [-N NS] [-o OPTIONS] [-t idmap[.FSTYPE]]\n"
"       mount.idmap --show [-v] [-N NS] [DIR]\n"
"       mount -t idmap SRC DIR -o uidmap=INNER:OUTER:COUNT,gidmap=...\n"
"\n"
"Create an idmapped bind mount of SRC on DIR (or, with -t idmap.FSTYPE, an\n"
"idmapped new FSTYPE filesystem from SRC): a file owned by on-disk id\n"
"INNER+k appears as id OUTER+k through DIR, for 0 <= k < COUNT.\n"
"\n"
"Mapping options (-o):\n"
"  uidmap=INNER:OUTER:COUNT[,...]  uid extents, containerd's order; quote a\n"
"                                  list with commas: uidmap=\"0:1000:1,1:2000:9\"\n"
"  gidmap=INNER:OUTER:COUNT[,...]  gid extents; one map is enough, the other\n"
"                                  side then maps every id to itself\n"
"  INNER, OUTER may be names: a user in a uid map, a group in a gid map:\n"
"                                  uidmap=bob:alice:1,gidmap=bob:staff:1\n"
"  uidmap=subid:NAME[:COUNT], gidmap=..., idmap=subid:NAME[:COUNT]\n"
"                                  NAME's ranges in /etc/subuid, /etc/subgid,\n"
"                                  from on-disk id 0 up: idmap=subid:bob\n"
"  idmap=[u:|g:|b:]INNER:OUTER:COUNT[ ...]\n"
"                                  util-linux X-mount.idmap syntax; no prefix\n"
"                                  or b: feeds both maps\n"
"  idmap=/PATH, userns=/PATH       use an existing user namespace\n"
"  X-idmap.uidmap=, X-idmap.gidmap=, X-idmap.userns=  other spellings;\n"
"  X-mount.idmap=  util-linux's, as idmap=.  mount(8) drops X-* options: they\n"
"             are read from the fstab entry (mount -T FILE, LIBMOUNT_FSTAB or\n"
"             /etc/fstab) and from mount(8)'s -o\n"
"\n"
"Mount attributes (-o): ro rw nosuid suid nodev dev noexec exec noatime\n"
"  atime relatime strictatime nodiratime diratime nosymfollow symfollow;\n"
"  recursive (rbind when called directly) idmaps the whole tree; remount\n"
"  changes the attributes of a mounted tree and keeps its idmap; nofail\n"
"  makes a SRC that does not exist no failure. user, users, nouser,\n"
"  owner, group and defaults are accepted, grant nothing.\n"
"\n"
"Flags:\n"
"  -s         ignore unknown options\n"
"  -f         check what can be checked without writing to any device;\n"
"             attach nothing\n"
"  -n         do not record the mapping in utab\n"
"  -v         print the plan; on remount, what it changes\n"
"  -r, -w     read-only (ro), read-write (rw)\n"
"  -N NS      work in mount namespace NS (a PID or /proc/PID/ns/mnt);\n"
"             SRC and DIR must then be absolute paths\n"
"  -t idmap   the type, as mount(8) passes it; -t idmap.FSTYPE mounts a new\n"
"             FSTYPE filesystem, and passes other options to it\n"
"             -t idmap.overlay idmaps each layer (lowerdir, upperdir, workdir)\n"
"             and builds the overlay of them; the upper's owner must be mapped\n"
"  --show [DIR]   print the mapping of the idmapped mount at DIR, as\n"
"             options for fstab; without DIR, of every idmapped mount;\n"
"             with -N, in that mount namespace; with -v, say on stderr\n"
"             whether the kernel or the utab record told it\n"
"  -h, --help     print this text\n"
"  -V, --version  print the version\n"
"\n"
"Exit codes: 0 success, 1 bad usage or no privilege, 2 system error,\n"
"16 utab not written, 32 mount failure; 126 for a failure when mount(8)\n"
"2.39+ has X-mount.idmap, which it would otherwise apply to DIR itself.\n"
"See mount.idmap(8).\n");
}

static int parse_argv(int argc, char **argv, struct config *cfg)
{
	struct run_config *rc = &cfg->run;
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "show", no_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 },
	};
	size_t npos = 0;
	int c;

	rc->opts = calloc((size_t)argc, sizeof(char *));
	if (!rc->opts)
		return EXIT_SYSTEM;
	/* A leading '-' keeps SRC and DIR in order wherever they stand, even
	 * under POSIXLY_CORRECT. */
	while ((c = getopt_long(argc, argv, "-sfnvrwhVo:t:N:", longopts,
				NULL)) != -1) {
		switch (c) {
		case 1:
			if (npos == 0)
				rc->source = optarg;
			else if (npos == 1)
				rc->target = optarg;
			else {
				say(stderr, "mount.idmap: unexpected argument \"%s\": expected SRC DIR",
				    optarg);
				return EXIT_USAGE;
			}
			npos++;
			break;
		case 's': rc->sloppy = true; break;
		case 'f': rc->dry_run = true; break;
		case 'n': rc->nomtab = true; break;
		case 'v': cfg->verbose = true; break;
		case 'r': rc->rw = 1; break;
		case 'w': rc->rw = 0; break;
		case 'o': rc->opts[rc->nopts++] = optarg; break;
		case 't': cfg->type = optarg; break;
		case 'N': rc->mntns = optarg; break;
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
		cfg->run.fstype = cfg->type + 6;
		return 0;
	}
	say(stderr, "mount.idmap: %s: -t %s: this helper mounts type idmap or idmap.FSTYPE",
	    cfg->run.target, cfg->type);
	return EXIT_USAGE;
}

static const char *origin(enum facts_origin from)
{
	return from == FACTS_FROM_KERNEL ?
		"from the kernel (statmount)" :
		"from its utab record: this kernel cannot tell a mount's maps (statmount() tells them from Linux 6.15)";
}

static int show(const struct config *cfg)
{
	struct diag d = { "" };
	_cleanup_free_ char *text = NULL;
	_cleanup_close_ int self = -1;
	enum facts_origin from;
	int r;

	r = run_enter_for_show(cfg->run.mntns, cfg->run.source, &self, &d);
	if (r) {
		say(stderr, "mount.idmap: %s", d.msg);
		return r;
	}
	r = cfg->run.source ?
		show_mount(cfg->run.source, self, &text, &from, &d) :
		show_all(self, &text, &d);
	if (r < 0) {
		say(stderr, "mount.idmap: %s", d.msg);
		return r == -ENOMEM ? EXIT_SYSTEM : EXIT_MOUNT;
	}
	/* Where the mapping came from goes to stderr: stdout stays a line
	 * to paste. */
	if (cfg->verbose && cfg->run.source)
		say(stderr, "mount.idmap: the mapping of \"%s\" is read %s",
		    cfg->run.source, origin(from));
	/* show_all() escapes each target itself. */
	if (cfg->run.source)
		say(stdout, "%s", text);
	else
		fputs(text, stdout);
	return flush_stdout();
}

/*
 * CAP_SYS_ADMIN in our own user namespace, which is what the kernel asks
 * of mount_setattr() and move_mount() there: root of a user namespace may
 * idmap the filesystems that namespace owns (a tmpfs it mounted), and the
 * kernel refuses it the rest (SECURITY.md).
 */
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

static void print_map(const char *name, const struct idmap_map *map)
{
	char line[128];

	if (map->identity) {
		say(stdout, "  %s: identity, no %s map given: every %s appears as itself",
		    name, name, name);
		return;
	}
	if (map->named)
		say(stdout, "  %s map as written: %s%s", name, map->spec,
		    map->spec_truncated ? "..." : "");
	for (size_t i = 0; i < map->n; i++) {
		idmap_describe(&map->ext[i], line, sizeof(line));
		say(stdout, "  %s: %s", name, line);
	}
}

static int print_plan(const struct run_config *cfg,
		      const struct idmap_request *req)
{
	say(stdout, "mount.idmap: %sidmapped %s%s of \"%s\" on \"%s\"",
	    cfg->dry_run ? "(fake) " : "",
	    cfg->fstype ? "new filesystem " : req->recursive ?
		"recursive bind" : "bind",
	    cfg->fstype ? cfg->fstype : "", cfg->source, cfg->target);
	for (size_t i = 0; i < req->nparams; i++)
		say(stdout, "  %s option: %s%s%s", cfg->fstype,
		    req->params[i].key, req->params[i].value ? "=" : "",
		    req->params[i].value ? req->params[i].value : "");
	if (req->userns)
		say(stdout, "  user namespace: %s", req->userns);
	print_map("uid", &req->uid);
	print_map("gid", &req->gid);
	return flush_stdout();
}

/* The attribute flags of @mask as findmnt names them, into @buf. */
static const char *attr_names(uint64_t mask, char *buf, size_t size)
{
	static const struct {
		uint64_t attr;
		const char *name;
	} names[] = {
		{ MOUNT_ATTR_RDONLY, "ro" },
		{ MOUNT_ATTR_NOSUID, "nosuid" },
		{ MOUNT_ATTR_NODEV, "nodev" },
		{ MOUNT_ATTR_NOEXEC, "noexec" },
		{ MOUNT_ATTR_NODIRATIME, "nodiratime" },
		{ MOUNT_ATTR_NOSYMFOLLOW, "nosymfollow" },
	};
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (mask & names[i].attr)
			len += (size_t)snprintf(buf + len, size - len, "%s%s",
						len ? ", " : "", names[i].name);
	return buf;
}

static const char *atime_name(uint64_t attr)
{
	switch (attr & MOUNT_ATTR__ATIME) {
	case MOUNT_ATTR_NOATIME:
		return "noatime";
	case MOUNT_ATTR_STRICTATIME:
		return "strictatime";
	default:
		return "relatime";
	}
}

/* -v on remount: what it changes; nothing is cloned or bound. */
static int print_remount_plan(const struct run_config *cfg,
			      const struct idmap_request *req)
{
	char names[128];

	say(stdout, "mount.idmap: %sremount of the idmapped mount at \"%s\"%s: its attributes change, its idmap stays",
	    cfg->dry_run ? "(fake) " : "", cfg->target,
	    req->recursive ? " and of every mount below it" : "");
	if (req->attr_set & ~(uint64_t)MOUNT_ATTR__ATIME)
		say(stdout, "  set: %s", attr_names(req->attr_set, names,
						     sizeof(names)));
	if (req->attr_clr & ~(uint64_t)MOUNT_ATTR__ATIME)
		say(stdout, "  clear: %s", attr_names(req->attr_clr, names,
						       sizeof(names)));
	if (req->attr_clr & MOUNT_ATTR__ATIME)
		say(stdout, "  atime: %s", atime_name(req->attr_set));
	if (req->whole_set)
		say(stdout, "  the options are the mount's whole set (mount(8) passed them back): an attribute left out is cleared");
	for (size_t i = 0; i < req->nparams; i++)
		say(stdout, "  filesystem option %s%s%s: must be the mount's own",
		    req->params[i].key, req->params[i].value ? "=" : "",
		    req->params[i].value ? req->params[i].value : "");
	if (req->userns || req->uid.n || req->gid.n)
		say(stdout, "  the mapping given must be the mount's own:");
	if (req->userns)
		say(stdout, "  user namespace: %s (not compared)", req->userns);
	else if (req->uid.n || req->gid.n) {
		print_map("uid", &req->uid);
		print_map("gid", &req->gid);
	}
	return flush_stdout();
}

/* -v after a remount that compared a mapping: with what. */
static int print_compared(enum remount_compared how)
{
	if (how == REMOUNT_NOT_COMPARED)
		return 0;
	say(stdout, "  mapping: the mount's own, read %s",
	    origin(how == REMOUNT_WITH_KERNEL ? FACTS_FROM_KERNEL :
						FACTS_FROM_RECORD));
	return flush_stdout();
}

static int run(const struct config *cfg)
{
	struct run_state st;
	struct diag d = { "" };
	struct names names;
	int rc;

	names_init(&names);
	run_state_init(&st);
	st.req.resolver = &names.resolver;
	rc = run_prepare(&cfg->run, &st, &d);
	/* A plan that cannot be shown is no plan to mount by; print_plan()
	 * says so itself, and leaves d empty. */
	if (rc == 0 && cfg->verbose)
		rc = st.req.remount ? print_remount_plan(&cfg->run, &st.req) :
				      print_plan(&cfg->run, &st.req);
	if (rc == 0)
		rc = run_mount(&cfg->run, &st, &d);
	if (rc == 0 && cfg->verbose && st.req.remount)
		rc = print_compared(st.compared);
	if ((rc || st.unmounted) && run_mount8_idmaps_after(&cfg->run, &st)) {
		/* One line, which explains mount(8)'s own after it. */
		say(stderr, "mount.idmap: %s: %s; exit 126, so that mount(8) does not idmap DIR onto itself for X-mount.idmap (it then says that it failed to execute the helper)",
		    cfg->run.target, st.unmounted ?
			"source does not exist (nofail): nothing is mounted" :
			d.msg[0] ? d.msg : "failed");
		rc = EXIT_NOT_RUN;
	} else if (rc && d.msg[0]) {
		say_failed(&cfg->run, d.msg);
	}
	run_state_free(&st);
	names_close(&names);
	return rc;
}

int main(int argc, char **argv)
{
	struct config cfg = { .run.rw = -1 };
	int rc;

	/* Installed setuid, this would let any user pick the owners of any
	 * tree: refuse before reading anything. */
	if (getauxval(AT_SECURE)) {
		say(stderr, "mount.idmap: refusing to run setuid or setgid: idmapped mounts are for root only");
		return EXIT_USAGE;
	}

	/* mount(8) or a service manager may start us with SIGCHLD ignored,
	 * and then the kernel would reap the namespace child behind our
	 * back (helper/userns.c). */
	signal(SIGCHLD, SIG_DFL);

	rc = parse_argv(argc, argv, &cfg);
	if (!rc && cfg.show)
		rc = show(&cfg);
	else if (!rc)
		rc = check_type(&cfg);
	if (!rc && !cfg.show && !have_sys_admin()) {
		say_failed(&cfg.run, "root privileges (CAP_SYS_ADMIN) are needed; idmapped mounts cannot be user mounts");
		rc = EXIT_USAGE;
	}
	if (!rc && !cfg.show)
		rc = run(&cfg);
	free(cfg.run.opts);
	return rc;
}
