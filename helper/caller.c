// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <fcntl.h>
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

/* /proc/PID/NAME, whole and NUL-terminated, in *@len bytes; NULL when it
 * cannot be read (*@len is then 0) or on ENOMEM (*@len is 1). */
static char *read_proc(pid_t pid, const char *name, size_t *len)
{
	_cleanup_close_ int fd = -1;
	char path[64], *text;

	*len = 0;
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	text = read_whole_fd(fd, 4096, len);
	if (!text)
		*len = errno == ENOMEM ? 1 : 0;
	return text;
}

static int add_opts(struct caller *c, const char *opts)
{
	const char **grown = reallocarray(c->opts, c->nopts + 1,
					  sizeof(*grown));

	if (!grown)
		return -ENOMEM;
	c->opts = grown;
	c->opts[c->nopts++] = opts;
	return 0;
}

/*
 * mount(8)'s command line: its -o values and -a.  Its getopt string is
 * "aBcfFhilL:m::Mno:O:rRsU:vVwt:T:N:" (2.38 to 2.41).
 */
static int parse_cmdline(struct caller *c, size_t len)
{
	enum { ARG_NONE, ARG_OPTIONS, ARG_OTHER } next = ARG_NONE;
	char *argv = c->cmdline;
	int r = 0;

	/* argv[0] first, then each argument after its NUL. */
	for (char *a = argv + strlen(argv) + 1; a < argv + len && r == 0;
	     a += strlen(a) + 1) {
		const char *opts = NULL;

		if (next != ARG_NONE) {
			opts = next == ARG_OPTIONS ? a : NULL;
			next = ARG_NONE;
		} else if (strcmp(a, "--") == 0) {
			break;
		} else if (strcmp(a, "--all") == 0) {
			c->all = true;
		} else if (strcmp(a, "--options") == 0) {
			next = ARG_OPTIONS;
		} else if (strncmp(a, "--options=", 10) == 0) {
			opts = a + 10;
		} else if (a[0] == '-' && a[1] != '-') {
			for (const char *ch = a + 1; *ch; ch++) {
				if (*ch == 'a')
					c->all = true;
				if (*ch == 'o') {
					opts = ch[1] ? ch + 1 : NULL;
					next = ch[1] ? ARG_NONE : ARG_OPTIONS;
					break;
				}
				if (strchr("LmOUtTN", *ch)) {
					next = ch[1] || *ch == 'm' ? ARG_NONE :
								     ARG_OTHER;
					break;
				}
			}
		}
		if (opts)
			r = add_opts(c, opts);
	}
	return r;
}

int caller_read(struct caller *c)
{
	_cleanup_free_ char *comm = NULL;
	pid_t ppid = getppid();
	size_t len;
	int r;

	*c = (struct caller){ 0 };
	comm = read_proc(ppid, "comm", &len);
	if (!comm)
		return len ? -ENOMEM : 0;
	if (strcmp(comm, "mount\n") != 0)
		return 0;
	c->cmdline = read_proc(ppid, "cmdline", &len);
	if (!c->cmdline)
		return len ? -ENOMEM : 0;
	c->mount8 = true;
	r = parse_cmdline(c, len);
	if (r < 0)
		caller_free(c);
	return r;
}

void caller_free(struct caller *c)
{
	free(c->opts);
	free(c->cmdline);
	*c = (struct caller){ 0 };
}

bool caller_already_mounted(const char *source, const char *target, int self)
{
	struct statx top;
	struct stat src;
	_cleanup_(mnt_unref_tablep) struct libmnt_table *mi = NULL;
	struct libmnt_fs *fs;

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
	mi = self_mountinfo_entry(self, top.stx_mnt_id);
	return mi && mnt_table_first_fs(mi, &fs) == 0 && self_fs_idmapped(fs);
}
