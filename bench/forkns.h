/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The user namespace of the reference methods (bench/refmount,
 * bench/refoverlay): fork() a child, which unshare(CLONE_NEWUSER)s and
 * says so on a pipe; the parent writes "0 100000 65536" to its uid_map and
 * gid_map, opens its /proc/PID/ns/user, kills and reaps it.  The way of
 * util-linux and containerd: a fork, not the helper's clone(CLONE_VM).
 * bench/userns_bench's fork_unshare (libmount's handshake, step for step)
 * writes its maps with forkns_write_map() too.
 */
#ifndef MOUNT_IDMAP_BENCH_FORKNS_H
#define MOUNT_IDMAP_BENCH_FORKNS_H

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define FORKNS_MAP "0 100000 65536\n"

static inline int forkns_write_map(pid_t pid, const char *file)
{
	char path[64];
	int fd, ok;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ok = write(fd, FORKNS_MAP, strlen(FORKNS_MAP)) ==
	     (ssize_t)strlen(FORKNS_MAP);
	close(fd);
	return ok ? 0 : -1;
}

/* A user-namespace fd with both maps, from a forked child; -1 on error. */
static inline int forkns_userns_fd(void)
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
	if (read(ready[0], &c, 1) == 1 &&
	    forkns_write_map(pid, "uid_map") == 0 &&
	    forkns_write_map(pid, "gid_map") == 0) {
		snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	close(ready[0]);
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	return fd;
}

#endif
