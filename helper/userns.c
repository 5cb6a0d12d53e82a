// SPDX-License-Identifier: Apache-2.0
/*
 * User namespaces for idmapped mounts.
 *
 * util-linux and containerd fork() a child, which costs a copy of the page
 * tables (about 1 ms here).  We clone(CLONE_VM | CLONE_NEWUSER) instead: the
 * child shares our memory, runs on a small stack of its own, and does
 * nothing but wait to be killed.  That is about 20 times cheaper.
 *
 * Because the child shares our memory and our TLS, it must not touch errno
 * or any libc state.  It therefore starts with every signal blocked (so
 * pause() can only end by SIGKILL), and uses only calls that succeed.  The
 * helper is linked with -z now (configure.ac), so that its calls do not go
 * through the dynamic loader's lazy binding, which writes shared state.
 * Its stack is a mapping of its own with a guard page below it: it costs
 * the caller's stack nothing (the helper works under "ulimit -s 40"), and
 * an overflow faults instead of writing over our memory.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
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
#define GUARD 4096

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

/* The child's stack, above a guard page that stays PROT_NONE. */
static int map_stack(void **stack, struct diag *d)
{
	void *p = mmap(NULL, GUARD + CHILD_STACK, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);

	if (p == MAP_FAILED)
		return diag_fail(d, errno,
				 "cannot map a stack for the user-namespace child: %s",
				 strerror(errno));
	*stack = p;
	if (mprotect((char *)p + GUARD, CHILD_STACK,
		     PROT_READ | PROT_WRITE) < 0)
		return diag_fail(d, errno,
				 "cannot map a stack for the user-namespace child: %s",
				 strerror(errno));
	return 0;
}

static int spawn(pid_t *pid, int *pidfd, void *stack, pid_t *parent,
		 struct diag *d)
{
	sigset_t all, old;
	int err;

	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	*pid = clone(child_main, (char *)stack + GUARD + CHILD_STACK,
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

static void kill_child(const struct userns_child *c)
{
	if (c->pidfd >= 0)
		pidfd_send_signal(c->pidfd, SIGKILL, NULL, 0);
}

void userns_reap(struct userns_child *c)
{
	int saved = errno;
	siginfo_t info;

	if (c->pidfd >= 0) {
		kill_child(c);
		while (waitid(P_PIDFD, (id_t)c->pidfd, &info,
			      WEXITED | __WALL) < 0 && errno == EINTR)
			;
		close(c->pidfd);
		c->pidfd = -1;
	}
	/* Only now: the child ran on this stack until it died. */
	if (c->stack) {
		munmap(c->stack, GUARD + CHILD_STACK);
		c->stack = NULL;
	}
	errno = saved;
}

static int write_map(int procfd, const char *file,
		     const struct idmap_map *map, struct diag *d)
{
	/* On the heap: 4 KiB more of stack would be a page more that this
	 * process dirties for the whole mount (bench/run measures it). */
	_cleanup_free_ char *text = malloc(IDMAP_MAX_TEXT + 1);
	_cleanup_close_ int fd = -1;
	int len;
	ssize_t n;

	if (!text)
		return diag_fail(d, ENOMEM, "out of memory");
	len = idmap_format(map, text, IDMAP_MAX_TEXT + 1);
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

	TEST_HOOK(USERNS_AFTER_NSFD, pid, pidfd);

	/* A child that died on the way may have left a namespace that is
	 * not the one we built; trust only a child that is still waiting.
	 * With SIGCHLD ignored the kernel reaps it at once, and waitid()
	 * says ECHILD: gone all the same. */
	if (waitid(P_PIDFD, (id_t)pidfd, &info,
		   WEXITED | WNOHANG | WNOWAIT | __WALL) < 0 || info.si_pid) {
		close(nsfd);
		return diag_fail(d, ECHILD,
				 "the user-namespace child %d died before its namespace was complete (killed by another process?)",
				 (int)pid);
	}
	return nsfd;
}

/*
 * The namespace is complete once its fd is open: the child is killed at
 * once, whatever happened, and its exit runs while the caller mounts;
 * userns_reap() collects it.
 */
int userns_create_deferred(const struct idmap_map *uid,
			   const struct idmap_map *gid,
			   struct userns_child *c, struct diag *d)
{
	pid_t parent = getpid(), pid;
	int r;

	r = map_stack(&c->stack, d);
	if (r < 0)
		return r;
	r = spawn(&pid, &c->pidfd, c->stack, &parent, d);
	if (r < 0)
		return r;
	r = populate(pid, c->pidfd, uid, gid, d);
	kill_child(c);
	return r;
}

int userns_create(const struct idmap_map *uid, const struct idmap_map *gid,
		  struct diag *d)
{
	_cleanup_(userns_reap) struct userns_child c = USERNS_CHILD_INIT;

	return userns_create_deferred(uid, gid, &c, d);
}

/*
 * Run @fn(@arg) in a forked child that has entered the user namespace @fd:
 * its exit code (0 to 3), or -1 when it could not tell.  Only a process
 * inside a namespace can ask it some things without knowing one of its
 * PIDs; this costs a fork, on the paths that need it only.
 */
static int in_userns(int fd, int (*fn)(const void *arg), const void *arg)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0)
		_exit(setns(fd, CLONE_NEWUSER) < 0 ? 4 : fn(arg));
	while (waitpid(pid, &status, __WALL) < 0)
		if (errno != EINTR)
			return -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status) > 3)
		return -1;
	return WEXITSTATUS(status);
}

/* In the namespace: a bit for an empty uid map (1), one for gid (2). */
static int read_empty(const void *arg)
{
	static const char *const files[] = { "/proc/self/uid_map",
					     "/proc/self/gid_map" };
	int code = 0;

	(void)arg;
	for (int i = 0; i < 2; i++) {
		char c;
		int mfd = open(files[i], O_RDONLY | O_CLOEXEC);
		ssize_t n = mfd < 0 ? -1 : read(mfd, &c, 1);

		if (n < 0)
			return 4;
		if (n == 0)
			code |= 1 << i;
	}
	return code;
}

/* Which maps of the user namespace @fd are empty, as read_empty() says,
 * or -1 when we cannot tell. */
static int empty_maps(int fd)
{
	return in_userns(fd, read_empty, NULL);
}

/* In the namespace, where we hold every capability: an id that it does
 * not map cannot be taken (EINVAL).  Bit 1 for the uid, 2 for the gid. */
static int try_ids(const void *arg)
{
	const unsigned int *ids = arg;
	int code = 0;

	if (setresgid(ids[1], ids[1], ids[1]) < 0)
		code |= errno == EINVAL ? 2 : 4;
	if (setresuid(ids[0], ids[0], ids[0]) < 0)
		code |= errno == EINVAL ? 1 : 4;
	return code > 3 ? 4 : code;
}

int userns_unmapped(int fd, uid_t uid, gid_t gid)
{
	unsigned int ids[2] = { uid, gid };

	return in_userns(fd, try_ids, ids);
}

int userns_open(const char *path, struct diag *d)
{
	_cleanup_close_ int fd = -1;
	int type, parent, empty;

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
	empty = empty_maps(fd);
	if (empty > 0)
		return diag_fail(d, EINVAL,
			"user namespace \"%s\" has %s: write its /proc/PID/uid_map and gid_map first, or give uidmap= and gidmap= instead",
			path, empty == 1 ? "no uid map" : empty == 2 ?
			"no gid map" : "no uid map and no gid map");
	return take_fd(&fd);
}
