// SPDX-License-Identifier: Apache-2.0
/*
 * refmount: the reference method of issue 14, the least an idmapped bind
 * mount can be made with when the user namespace comes from fork():
 *
 *   refmount SRC DIR [IGNORED...]
 *
 * (what follows DIR, such as the "-o OPTIONS" of mount(8), is ignored, so
 * that bench/run can also install it as the helper of a type of its own)
 *
 * fork() a child, which unshare(CLONE_NEWUSER)s and says so on a pipe; the
 * parent writes "0 100000 65536" to its uid_map and gid_map, opens its
 * /proc/PID/ns/user, kills and reaps it, and then makes the mount:
 * open_tree(OPEN_TREE_CLONE), mount_setattr(MOUNT_ATTR_IDMAP), move_mount.
 * No option parsing, no validation, no utab record, no diagnosis: a floor,
 * not a tool.  Written for this benchmark; libc only, so that its start-up
 * costs what /bin/true's does.  Exit 0 on success, 1 with a line on stderr
 * otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mountapi.h"

#define MAP_TEXT "0 100000 65536\n"

static int fail(const char *what)
{
	fprintf(stderr, "refmount: %s: %s\n", what, strerror(errno));
	return 1;
}

static int write_map(pid_t pid, const char *file)
{
	char path[64];
	int fd, ok;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ok = write(fd, MAP_TEXT, strlen(MAP_TEXT)) == (ssize_t)strlen(MAP_TEXT);
	close(fd);
	return ok ? 0 : -1;
}

/* A user-namespace fd with both maps, from a forked child. */
static int userns_fd(void)
{
	int ready[2], fd = -1;
	char path[64], c;
	pid_t pid;

	if (pipe2(ready, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(ready[0]);
		if (unshare(CLONE_NEWUSER) < 0 || write(ready[1], "u", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(ready[1]);
	if (read(ready[0], &c, 1) == 1 && write_map(pid, "uid_map") == 0 &&
	    write_map(pid, "gid_map") == 0) {
		snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	close(ready[0]);
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	return fd;
}

int main(int argc, char **argv)
{
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP };
	int ns, tree;

	if (argc < 3) {
		fprintf(stderr, "usage: refmount SRC DIR [IGNORED...]\n");
		return 2;
	}
	ns = userns_fd();
	if (ns < 0)
		return fail("user namespace");
	attr.userns_fd = (unsigned int)ns;
	tree = open_tree(AT_FDCWD, argv[1], OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (tree < 0)
		return fail("open_tree");
	if (mount_setattr(tree, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0)
		return fail("mount_setattr");
	if (move_mount(tree, "", AT_FDCWD, argv[2], MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return fail("move_mount");
	return 0;
}
