// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <libmount.h>

#include "caller.h"
#include "cleanup.h"
#include "mountapi.h"
#include "self.h"
#include "util.h"

/* /proc/PID/NAME, whole and NUL-terminated, into *@text (malloc'ed), in
 * *@len bytes.  Returns 0, with *@text NULL when it cannot be read (the
 * process is gone, or not ours to read), or -ENOMEM. */
static int read_proc(pid_t pid, const char *name, char **text, size_t *len)
{
	_cleanup_close_ int fd = -1;
	char path[64];

	*text = NULL;
	*len = 0;
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	*text = read_whole_fd(fd, 4096, len);
	return !*text && errno == ENOMEM ? -ENOMEM : 0;
}

/* Append @s to the array *@v of *@n strings. */
static int add_string(const char ***v, size_t *n, const char *s)
{
	const char **grown = reallocarray(*v, *n + 1, sizeof(*grown));

	if (!grown)
		return -ENOMEM;
	*v = grown;
	(*v)[(*n)++] = s;
	return 0;
}

/* mount(8)'s own option table: the union of 2.38's and 2.41's. */
int caller_parse_cmdline(struct caller *c, size_t len)
{
	static const char shortopts[] = "+aBcfFhilL:m::Mno:O:rRsU:vVwt:T:N:";
	enum { OTHER = 1000 };
	static const struct option longopts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "fstab", required_argument, NULL, 'T' },
		{ "options", required_argument, NULL, 'o' },
		{ "fake", no_argument, NULL, 'f' },
		{ "fork", no_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ "no-mtab", no_argument, NULL, 'n' },
		{ "read-only", no_argument, NULL, 'r' },
		{ "ro", no_argument, NULL, 'r' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "read-write", no_argument, NULL, 'w' },
		{ "rw", no_argument, NULL, 'w' },
		{ "test-opts", required_argument, NULL, 'O' },
		{ "types", required_argument, NULL, 't' },
		{ "uuid", required_argument, NULL, 'U' },
		{ "label", required_argument, NULL, 'L' },
		{ "bind", no_argument, NULL, 'B' },
		{ "move", no_argument, NULL, 'M' },
		{ "rbind", no_argument, NULL, 'R' },
		{ "make-shared", no_argument, NULL, OTHER },
		{ "make-slave", no_argument, NULL, OTHER },
		{ "make-private", no_argument, NULL, OTHER },
		{ "make-unbindable", no_argument, NULL, OTHER },
		{ "make-rshared", no_argument, NULL, OTHER },
		{ "make-rslave", no_argument, NULL, OTHER },
		{ "make-rprivate", no_argument, NULL, OTHER },
		{ "make-runbindable", no_argument, NULL, OTHER },
		{ "map-groups", required_argument, NULL, OTHER },
		{ "map-users", required_argument, NULL, OTHER },
		{ "mkdir", optional_argument, NULL, 'm' },
		{ "no-canonicalize", no_argument, NULL, 'c' },
		{ "internal-only", no_argument, NULL, 'i' },
		{ "show-labels", no_argument, NULL, 'l' },
		{ "target", required_argument, NULL, OTHER },
		{ "target-prefix", required_argument, NULL, OTHER },
		{ "source", required_argument, NULL, OTHER },
		{ "onlyonce", no_argument, NULL, OTHER },
		{ "options-mode", required_argument, NULL, OTHER },
		{ "options-source", required_argument, NULL, OTHER },
		{ "options-source-force", no_argument, NULL, OTHER },
		{ "namespace", required_argument, NULL, 'N' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_free_ char **argv = NULL;
	size_t argc = 0;
	int opt, r = 0;

	for (char *a = c->cmdline; a < c->cmdline + len; a += strlen(a) + 1)
		argc++;
	if (argc == 0 || argc > INT_MAX - 1)
		return 0;
	argv = calloc(argc + 1, sizeof(*argv));
	if (!argv)
		return -ENOMEM;
	argc = 0;
	for (char *a = c->cmdline; a < c->cmdline + len; a += strlen(a) + 1)
		argv[argc++] = a;

	/*
	 * mount(8) permutes: an option after SRC or DIR counts.  We keep
	 * the order ("+") and step over each operand ourselves, so that
	 * getopt never reorders the array (which it would do behind
	 * argv's const).  optind 0 starts getopt afresh after main's.
	 */
	opterr = 0;
	optind = 0;
	while (r == 0 && optind < (int)argc) {
		int at = optind > 1 ? optind : 1;

		opt = getopt_long((int)argc, argv, shortopts, longopts, NULL);
		if (opt == -1) {
			/* Past "--", which ends the options as for mount(8);
			 * else at an operand, which we step over. */
			if (optind > at)
				break;
			optind++;
			continue;
		}
		if (opt == 'a')
			c->all = true;
		else if (opt == 'o')
			r = add_string(&c->opts, &c->nopts, optarg);
		else if (opt == 'T')
			r = add_string(&c->fstabs, &c->nfstabs, optarg);
	}
	optind = 1;
	return r;
}

/* Are the uids of process @pid (real, effective, saved, fs) all @uid?
 * 1 yes, 0 no (or unreadable), or -ENOMEM. */
static int uids_are(pid_t pid, uid_t uid)
{
	_cleanup_free_ char *status = NULL;
	size_t len;
	unsigned long u[4];
	const char *line;
	int r = read_proc(pid, "status", &status, &len);

	if (!status)
		return r;
	line = strstr(status, "\nUid:");
	if (!line || sscanf(line, "\nUid: %lu %lu %lu %lu", &u[0], &u[1],
			    &u[2], &u[3]) != 4)
		return 0;
	for (size_t i = 0; i < 4; i++)
		if (u[i] != uid)
			return 0;
	return 1;
}

/* Is the program that process @pid runs named "mount"? */
static bool runs_mount(pid_t pid)
{
	char link[64], exe[PATH_MAX];
	const char *base;
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/%d/exe", (int)pid);
	n = readlink(link, exe, sizeof(exe) - 1);
	if (n <= 0)
		return false;
	exe[n] = '\0';
	base = strrchr(exe, '/');
	return base && strcmp(base + 1, "mount") == 0;
}

int caller_read(struct caller *c)
{
	_cleanup_free_ char *comm = NULL;
	pid_t ppid = getppid();
	size_t len;
	int r;

	*c = (struct caller){ 0 };
	r = read_proc(ppid, "comm", &comm, &len);
	if (!comm)
		return r;
	/* mount(8) with our own privilege (SECURITY.md): its command line
	 * then tells nothing that it could not have done itself. */
	if (strcmp(comm, "mount\n") != 0 || !runs_mount(ppid))
		return 0;
	r = uids_are(ppid, geteuid());
	if (r <= 0)
		return r;
	r = read_proc(ppid, "cmdline", &c->cmdline, &len);
	if (!c->cmdline)
		return r;
	r = caller_parse_cmdline(c, len);
	/* Still our parent: the PID was not reused by another process
	 * while we read (an orphan gets a new parent). */
	if (r == 0 && getppid() != ppid)
		r = 1;
	if (r != 0)
		caller_free(c);
	else
		c->parent_is_mount8 = true;
	return r < 0 ? r : 0;
}

void caller_free(struct caller *c)
{
	free(c->opts);
	free(c->fstabs);
	free(c->cmdline);
	*c = (struct caller){ 0 };
}

bool caller_already_mounted(const char *source, const char *target, int self)
{
	struct statx top;
	struct stat src;

	/* A bind shows the root of SRC at DIR: the same inode. */
	if (statx(AT_FDCWD, target, 0, STATX_INO | STATX_MNT_ID, &top) < 0 ||
	    !(top.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) ||
	    !(top.stx_attributes & STATX_ATTR_MOUNT_ROOT) ||
	    !(top.stx_mask & STATX_MNT_ID) ||
	    stat(source, &src) < 0 || src.st_ino != top.stx_ino ||
	    src.st_dev != makedev(top.stx_dev_major, top.stx_dev_minor))
		return false;
	/* Only that mount's line: mount -a comes here for every entry, and
	 * the table grows with each. */
	return self_mount_idmapped(self, top.stx_mnt_id);
}
