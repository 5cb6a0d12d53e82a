// SPDX-License-Identifier: Apache-2.0
/*
 * User namespaces for idmapped mounts.
 *
 * util-linux and containerd fork() a child, which costs a copy of the page
 * tables (about 1 ms here).  We clone(CLONE_VM | CLONE_NEWUSER) instead: the
 * child shares our memory, runs on a small stack in our frame, and does
 * nothing but wait to be killed.  That is about 20 times cheaper.
 *
 * Because the child shares our memory and our TLS, it must not touch errno
 * or any libc state.  It therefore starts with every signal blocked (so
 * pause() can only end by SIGKILL), and uses only calls that succeed.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "userns.h"

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif

/* The child calls three functions; 16 KiB leaves room for sanitizers. */
#define CHILD_STACK 16384

#ifdef MOUNT_IDMAP_TEST_HOOKS
void (*userns_test_hook)(enum userns_step step, pid_t child, int pidfd);
#define TEST_HOOK(step, pid, pidfd)                          \
	do {                                                 \
		if (userns_test_hook)                        \
			userns_test_hook(step, pid, pidfd);  \
	} while (0)
#else
#define TEST_HOOK(step, pid, pidfd) do { } while (0)
#endif

static int child_main(void *arg)
{
	pid_t parent = *(pid_t *)arg;

	/* Die with the helper, whatever kills it. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		return 0;
	for (;;)
		pause();
	return 0;
}

static int spawn(pid_t *pid, int *pidfd, void *stack, pid_t *parent,
		 struct diag *d)
{
	sigset_t all, old;
	int err;

	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	*pid = clone(child_main, (char *)stack + CHILD_STACK,
		     CLONE_VM | CLONE_NEWUSER | CLONE_PIDFD | SIGCHLD, parent,
		     pidfd);
	err = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (*pid < 0)
		return diag_fail(d, err,
			"cannot create a user namespace: clone: %s%s",
			strerror(err),
			err == ENOSPC ? " (user.max_user_namespaces reached?)" : "");
	return 0;
}

/* Kill and reap the child; after this, no trace of it is left. */
static void reap(int pidfd)
{
	siginfo_t info;

	pidfd_send_signal(pidfd, SIGKILL, NULL, 0);
	while (waitid(P_PIDFD, (id_t)pidfd, &info, WEXITED | __WALL) < 0 &&
	       errno == EINTR)
		;
}

static int write_map(int procfd, const char *file,
		     const struct idmap_map *map, struct diag *d)
{
	char text[IDMAP_MAX_TEXT + 1];
	_cleanup_close_ int fd = -1;
	int len = idmap_format(map, text, sizeof(text));
	ssize_t n;

	if (len < 0)
		return diag_fail(d, E2BIG, "the %s is too long for the kernel",
				 file);
	fd = openat(procfd, file, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return diag_fail(d, errno, "cannot open %s of the namespace child: %s",
				 file, strerror(errno));
	/* The kernel takes a map only in one write(). */
	n = write(fd, text, (size_t)len);
	if (n != len)
		return diag_fail(d, n < 0 ? errno : EIO,
				 "the kernel refused the %s \"%.*s\": %s", file,
				 len - 1, text,
				 n < 0 ? strerror(errno) : "short write");
	return 0;
}

/* Everything between spawning and reaping the child. */
static int populate(pid_t pid, int pidfd, const struct idmap_map *uid,
		    const struct idmap_map *gid, struct diag *d)
{
	char path[64];
	_cleanup_close_ int procfd = -1;
	int nsfd, r;
	siginfo_t info = { 0 };

	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	procfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (procfd < 0)
		return diag_fail(d, errno, "cannot open %s: %s", path,
				 strerror(errno));

	TEST_HOOK(USERNS_BEFORE_MAPS, pid, pidfd);
	r = write_map(procfd, "uid_map", uid, d);
	if (r < 0)
		return r;
	TEST_HOOK(USERNS_BETWEEN_MAPS, pid, pidfd);
	r = write_map(procfd, "gid_map", gid, d);
	if (r < 0)
		return r;
	TEST_HOOK(USERNS_BEFORE_NSFD, pid, pidfd);
	nsfd = openat(procfd, "ns/user", O_RDONLY | O_CLOEXEC);
	if (nsfd < 0)
		return diag_fail(d, errno,
				 "cannot open the new user namespace: %s",
				 strerror(errno));

	/* A child that died on the way may have left a namespace that is
	 * not the one we built; trust only a child that is still waiting. */
	if (waitid(P_PIDFD, (id_t)pidfd, &info,
		   WEXITED | WNOHANG | WNOWAIT | __WALL) == 0 && info.si_pid) {
		close(nsfd);
		return diag_fail(d, ECHILD,
				 "the user-namespace child %d died early (signal %d)",
				 (int)pid, info.si_status);
	}
	return nsfd;
}

int userns_create(const struct idmap_map *uid, const struct idmap_map *gid,
		  struct diag *d)
{
	char stack[CHILD_STACK] __attribute__((aligned(64)));
	pid_t parent = getpid(), pid;
	_cleanup_close_ int pidfd = -1;
	int r;

	r = spawn(&pid, &pidfd, stack, &parent, d);
	if (r < 0)
		return r;
	r = populate(pid, pidfd, uid, gid, d);
	reap(pidfd);
	return r;
}

int userns_open(const char *path, struct diag *d)
{
	_cleanup_close_ int fd = -1;
	int type, parent;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return diag_fail(d, errno, "user namespace \"%s\": %s", path,
				 strerror(errno));
	type = ioctl(fd, NS_GET_NSTYPE);
	if (type != CLONE_NEWUSER)
		return diag_fail(d, EINVAL,
			"\"%s\" is not a user namespace: give a path such as /proc/PID/ns/user",
			path);
	parent = ioctl(fd, NS_GET_PARENT);
	if (parent < 0 && errno == EPERM)
		return diag_fail(d, EINVAL,
			"\"%s\" is the initial user namespace (or an ancestor of ours), which maps nothing: the kernel refuses to idmap with it",
			path);
	if (parent >= 0)
		close(parent);
	return take_fd(&fd);
}
