// SPDX-License-Identifier: Apache-2.0
/*
 * userns.c as root: the namespace carries the maps, the child never
 * outlives the call (or the helper), and a child that dies at any step
 * makes the call fail cleanly: no hang, no zombie, no leaked fd.
 */
#include <atf-c.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testlib.h"
#include "userns.h"

static void one_extent(struct idmap_map *m, uint32_t in, uint32_t out,
		       uint32_t count)
{
	m->n = 1;
	m->ext[0] = (struct idmap_extent){ in, out, count };
}

static int count_fds(void)
{
	DIR *dir = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	ATF_REQUIRE(dir);
	while ((e = readdir(dir)))
		n += e->d_name[0] != '.';
	closedir(dir);
	return n - 1; /* the DIR's own fd */
}

/* Read a map file of the namespace behind @nsfd, from inside it. */
static void read_map_in(int nsfd, const char *file, char *buf, size_t size)
{
	int pipefd[2];
	pid_t pid;
	ssize_t n;

	ATF_REQUIRE(pipe(pipefd) == 0);
	pid = fork();
	ATF_REQUIRE(pid >= 0);
	if (pid == 0) {
		char path[64], text[256];
		int fd;

		close(pipefd[0]);
		if (setns(nsfd, CLONE_NEWUSER) < 0)
			_exit(1);
		snprintf(path, sizeof(path), "/proc/self/%s", file);
		fd = open(path, O_RDONLY);
		n = fd < 0 ? -1 : read(fd, text, sizeof(text));
		if (n <= 0 || write(pipefd[1], text, (size_t)n) != n)
			_exit(1);
		_exit(0);
	}
	close(pipefd[1]);
	n = read(pipefd[0], buf, size - 1);
	close(pipefd[0]);
	ATF_REQUIRE(n > 0);
	buf[n] = '\0';
	ATF_REQUIRE(waitpid(pid, NULL, 0) == pid);
}

/* Collapse runs of blanks so the kernel's column padding does not matter. */
static void squeeze(char *s)
{
	char *o = s;

	for (char *p = s; *p; p++)
		if (!(*p == ' ' && (o == s || o[-1] == ' ' || o[-1] == '\n')))
			*o++ = *p;
	*o = '\0';
}

ROOT_TC(create_carries_maps)
ATF_TC_BODY(create_carries_maps, tc)
{
	struct idmap_map uid = { 0 }, gid = { 0 };
	struct diag d = { "" };
	char text[256];
	int before, fd;

	(void)tc;
	uid.n = 2;
	uid.ext[0] = (struct idmap_extent){ 0, 100000, 65536 };
	uid.ext[1] = (struct idmap_extent){ 65536, 5000, 10 };
	one_extent(&gid, 0, 200000, 1000);

	before = count_fds();
	fd = userns_create(&uid, &gid, &d);
	ATF_REQUIRE_MSG(fd >= 0, "%s", d.msg);
	ATF_CHECK_EQ(ioctl(fd, NS_GET_NSTYPE), CLONE_NEWUSER);
	ATF_CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	ATF_CHECK_EQ(count_fds(), before + 1);
	require_no_children();

	read_map_in(fd, "uid_map", text, sizeof(text));
	squeeze(text);
	ATF_CHECK_STREQ(text, "0 100000 65536\n65536 5000 10\n");
	read_map_in(fd, "gid_map", text, sizeof(text));
	squeeze(text);
	ATF_CHECK_STREQ(text, "0 200000 1000\n");
	close(fd);
}

/*
 * The deferred form: the child is already killed when the fd comes back,
 * and stays a child of ours (a zombie, or dying) for the mount to proceed
 * without waiting for it; userns_reap() then leaves nothing, twice over.
 */
ROOT_TC(create_deferred_kills_reaps_later)
ATF_TC_BODY(create_deferred_kills_reaps_later, tc)
{
	struct userns_child c = USERNS_CHILD_INIT;
	struct idmap_map m = { 0 };
	struct diag d = { "" };
	siginfo_t info = { 0 };
	char text[256];
	int before = count_fds(), fd;

	(void)tc;
	one_extent(&m, 0, 100000, 65536);
	fd = userns_create_deferred(&m, &m, &c, &d);
	ATF_REQUIRE_MSG(fd >= 0, "%s", d.msg);
	ATF_REQUIRE(c.pidfd >= 0 && c.stack != NULL);
	/* Killed: it exits without anyone signalling it again.  WNOWAIT
	 * leaves it unreaped. */
	alarm(20);
	ATF_REQUIRE(waitid(P_PIDFD, (id_t)c.pidfd, &info,
			   WEXITED | WNOWAIT | __WALL) == 0);
	alarm(0);
	ATF_CHECK_EQ(info.si_code, CLD_KILLED);
	ATF_CHECK_EQ(info.si_status, SIGKILL);
	read_map_in(fd, "uid_map", text, sizeof(text));
	squeeze(text);
	ATF_CHECK_STREQ(text, "0 100000 65536\n");

	userns_reap(&c);
	ATF_CHECK_EQ(c.pidfd, -1);
	ATF_CHECK(c.stack == NULL);
	userns_reap(&c);
	require_no_children();
	close(fd);
	ATF_CHECK_EQ(count_fds(), before);
}

/*
 * Unvalidated input reaching the kernel: overlapping extents.  The child
 * is killed all the same, and reaped by userns_create(), or in the
 * deferred form by userns_reap().
 */
static void kernel_refusal(bool deferred)
{
	struct userns_child c = USERNS_CHILD_INIT;
	struct idmap_map uid = { 0 }, gid = { 0 };
	struct diag d = { "" };
	int before = count_fds(), r;

	uid.n = 2;
	uid.ext[0] = (struct idmap_extent){ 0, 1000, 10 };
	uid.ext[1] = (struct idmap_extent){ 5, 2000, 10 };
	one_extent(&gid, 0, 1000, 1);
	if (deferred) {
		r = userns_create_deferred(&uid, &gid, &c, &d);
		userns_reap(&c);
	} else {
		r = userns_create(&uid, &gid, &d);
	}
	ATF_CHECK_EQ(r, -EINVAL);
	ATF_CHECK_MSG(strstr(d.msg, "uid_map"), "%s", d.msg);
	ATF_CHECK_EQ(count_fds(), before);
	require_no_children();
}

ROOT_CASE(create_kernel_refusal, kernel_refusal(false))
ROOT_CASE(create_deferred_failure_reaped, kernel_refusal(true))

static void child_dies_at(enum userns_step step)
{
	struct idmap_map uid = { 0 }, gid = { 0 };
	struct diag d = { "" };
	int before = count_fds(), r;

	one_extent(&uid, 0, 100000, 65536);
	one_extent(&gid, 0, 100000, 65536);
	testlib_kill_at = step;
	userns_test_hook = testlib_kill_child;
	alarm(20);	/* a hang fails the test instead of stalling it */
	r = userns_create(&uid, &gid, &d);
	alarm(0);
	userns_test_hook = NULL;

	ATF_CHECK_MSG(r < 0, "a dead child still gave fd %d", r);
	ATF_CHECK_MSG(d.msg[0] != '\0', "no message");
	ATF_CHECK_EQ(count_fds(), before);
	require_no_children();
}

ROOT_CASE(child_dies_before_maps, child_dies_at(USERNS_BEFORE_MAPS))
ROOT_CASE(child_dies_between_maps, child_dies_at(USERNS_BETWEEN_MAPS))
ROOT_CASE(child_dies_before_nsfd, child_dies_at(USERNS_BEFORE_NSFD))
ROOT_CASE(child_dies_after_nsfd, child_dies_at(USERNS_AFTER_NSFD))

/*
 * With SIGCHLD ignored (mount(8) or a service manager may start us so) the
 * kernel reaps the child as it dies, and waitid() says ECHILD: the child
 * is gone all the same.
 */
static void kill_unwaited(enum userns_step step, pid_t child, int pidfd)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };

	(void)child;
	if (step != testlib_kill_at)
		return;
	ATF_REQUIRE(pidfd_send_signal(pidfd, SIGKILL, NULL, 0) == 0);
	ATF_REQUIRE(poll(&p, 1, 10000) == 1);	/* it has exited */
}

static void ignored_sigchld_child_dies_at(enum userns_step step)
{
	struct idmap_map m = { 0 };
	struct diag d = { "" };
	int before = count_fds(), r;

	one_extent(&m, 0, 100000, 65536);
	ATF_REQUIRE(signal(SIGCHLD, SIG_IGN) != SIG_ERR);
	testlib_kill_at = step;
	userns_test_hook = kill_unwaited;
	alarm(20);
	r = userns_create(&m, &m, &d);
	alarm(0);
	userns_test_hook = NULL;
	signal(SIGCHLD, SIG_DFL);

	ATF_CHECK_MSG(r < 0, "a dead child still gave fd %d", r);
	if (step == USERNS_AFTER_NSFD) {
		ATF_CHECK_EQ(r, -ECHILD);
		CHECK_MSG_HAS(&d, "died before its namespace was complete");
	}
	ATF_CHECK_EQ(count_fds(), before);
	require_no_children();
}

ROOT_CASE(sigchld_ignored_child_dies_before_nsfd,
	  ignored_sigchld_child_dies_at(USERNS_BEFORE_NSFD))
ROOT_CASE(sigchld_ignored_child_dies_after_nsfd,
	  ignored_sigchld_child_dies_at(USERNS_AFTER_NSFD))

/* And with SIGCHLD ignored and nobody killing it, all is as usual. */
ROOT_TC(sigchld_ignored_creates)
ATF_TC_BODY(sigchld_ignored_creates, tc)
{
	struct idmap_map m = { 0 };
	struct diag d = { "" };
	char text[256];
	int fd;

	(void)tc;
	one_extent(&m, 0, 100000, 65536);
	ATF_REQUIRE(signal(SIGCHLD, SIG_IGN) != SIG_ERR);
	fd = userns_create(&m, &m, &d);
	signal(SIGCHLD, SIG_DFL);
	ATF_REQUIRE_MSG(fd >= 0, "%s", d.msg);
	read_map_in(fd, "uid_map", text, sizeof(text));
	squeeze(text);
	ATF_CHECK_STREQ(text, "0 100000 65536\n");
	require_no_children();
	close(fd);
}

/*
 * The child's stack is a mapping of its own (16 KiB, read-write) right
 * above a PROT_NONE guard page, not a part of the caller's stack: seen
 * from inside, while the child lives, as two adjacent lines of our maps.
 * A kernel may merge either with a neighbour of the same kind (6.1 does:
 * MAP_STACK sets no flag of its own there), so each line is at least
 * that large.  Each such region is noted by its start; the child's is the
 * one that only exists while it lives, and it is gone once it has exited
 * (other regions, such as a sanitizer's allocator, may come and go).
 */
#define MAX_GUARDED 64

struct guarded {
	int n;
	unsigned long start[MAX_GUARDED];
};

static struct guarded seen_during;

static void guarded_stacks(struct guarded *g)
{
	FILE *f = fopen("/proc/self/maps", "re");
	unsigned long lo, hi, guard_hi = 0;
	char perms[8], line[512];

	ATF_REQUIRE(f);
	g->n = 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) != 3)
			continue;
		if (lo == guard_hi && hi - lo >= 16384 &&
		    strncmp(perms, "rw-", 3) == 0 && g->n < MAX_GUARDED)
			g->start[g->n++] = lo;
		guard_hi = strncmp(perms, "---", 3) == 0 && hi - lo >= 4096 ?
				   hi : 0;
	}
	fclose(f);
}

static void note_guarded_stacks(enum userns_step step, pid_t child,
				int pidfd)
{
	(void)child;
	(void)pidfd;
	if (step == USERNS_BEFORE_MAPS)
		guarded_stacks(&seen_during);
}

static bool has_start(const struct guarded *g, unsigned long start)
{
	for (int i = 0; i < g->n; i++)
		if (g->start[i] == start)
			return true;
	return false;
}

ROOT_TC(child_stack_guarded)
ATF_TC_BODY(child_stack_guarded, tc)
{
	struct idmap_map m = { 0 };
	struct diag d = { "" };
	struct guarded before, after;
	unsigned long child_stack = 0;
	int fd, fresh = 0;

	(void)tc;
	one_extent(&m, 0, 100000, 65536);
	guarded_stacks(&before);
	userns_test_hook = note_guarded_stacks;
	fd = userns_create(&m, &m, &d);
	userns_test_hook = NULL;
	ATF_REQUIRE_MSG(fd >= 0, "%s", d.msg);
	close(fd);
	guarded_stacks(&after);
	/* One guarded stack while the child lived that was not there
	 * before, and it is gone afterwards. */
	for (int i = 0; i < seen_during.n; i++)
		if (!has_start(&before, seen_during.start[i])) {
			child_stack = seen_during.start[i];
			fresh++;
		}
	ATF_CHECK_EQ_MSG(fresh, 1,
			 "%d new guarded 16 KiB stacks while the child lived (%d before, %d then)",
			 fresh, before.n, seen_during.n);
	ATF_CHECK_MSG(!child_stack || !has_start(&after, child_stack),
		      "the child's stack at %#lx is still mapped", child_stack);
}

/* The helper dies (any way at all) while its child waits. */
static int report_fd = -1;

static void die_now(enum userns_step step, pid_t child, int pidfd)
{
	(void)pidfd;
	if (step != USERNS_BEFORE_NSFD)
		return;
	if (write(report_fd, &child, sizeof(child)) != sizeof(child))
		_exit(2);
	_exit(0);
}

ROOT_TC(child_never_outlives_helper)
ATF_TC_BODY(child_never_outlives_helper, tc)
{
	int pipefd[2], status;
	pid_t helper, child = 0;

	(void)tc;
	/* Orphans come to us, so we can see how the child ends. */
	ATF_REQUIRE(prctl(PR_SET_CHILD_SUBREAPER, 1) == 0);
	ATF_REQUIRE(pipe(pipefd) == 0);
	helper = fork();
	ATF_REQUIRE(helper >= 0);
	if (helper == 0) {
		struct idmap_map uid = { 0 }, gid = { 0 };

		close(pipefd[0]);
		report_fd = pipefd[1];
		one_extent(&uid, 0, 100000, 65536);
		one_extent(&gid, 0, 100000, 65536);
		userns_test_hook = die_now;
		userns_create(&uid, &gid, NULL);
		_exit(3); /* the hook never returned */
	}
	close(pipefd[1]);
	ATF_REQUIRE(read(pipefd[0], &child, sizeof(child)) == sizeof(child));
	close(pipefd[0]);
	ATF_REQUIRE(waitpid(helper, &status, 0) == helper);
	ATF_REQUIRE(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	/* The child must end promptly. */
	for (int i = 0; i < 500; i++) {
		pid_t r = waitpid(child, &status, WNOHANG | __WALL);

		if (r == child) {
			/* Killed by the parent-death signal, or, when the
			 * helper died before the child ran at all, gone by
			 * itself on seeing its parent changed. */
			ATF_CHECK_MSG((WIFSIGNALED(status) &&
				       WTERMSIG(status) == SIGKILL) ||
				      (WIFEXITED(status) &&
				       WEXITSTATUS(status) == 0),
				      "child ended with status %#x", status);
			return;
		}
		usleep(10000);
	}
	kill(child, SIGKILL);
	waitpid(child, NULL, __WALL);
	atf_tc_fail("the namespace child %d outlived its helper", child);
}

static void open_fails(const char *path, const char *needle)
{
	struct diag d = { "" };
	int before = count_fds(), r;

	r = userns_open(path, &d);
	ATF_CHECK_MSG(r < 0, "%s was accepted", path);
	ATF_CHECK_MSG(strstr(d.msg, needle), "%s: %s", path, d.msg);
	ATF_CHECK_MSG(strstr(d.msg, path), "%s: %s", path, d.msg);
	ATF_CHECK_EQ(count_fds(), before);
}

ROOT_TC(open_rejects)
ATF_TC_BODY(open_rejects, tc)
{
	(void)tc;
	open_fails("/proc/self/ns/user", "initial user namespace");
	open_fails("/proc/self/ns/mnt", "not a user namespace");
	open_fails("/etc/passwd", "not a user namespace");
	open_fails("/nonexistent/ns", "No such file");
}

/* A child in a user namespace of its own, without maps, that waits until
 * hold[1] is closed. */
static pid_t unmapped_child(int hold[2])
{
	pid_t pid;
	char c;

	ATF_REQUIRE(pipe(hold) == 0);
	pid = fork();
	ATF_REQUIRE(pid >= 0);
	if (pid == 0) {
		close(hold[1]);
		if (unshare(CLONE_NEWUSER) < 0)
			_exit(1);
		/* Until the test closes its end: EOF, or any error. */
		_exit(read(hold[0], &c, 1) < 0);
	}
	close(hold[0]);
	/* Wait until it has its own namespace. */
	for (int i = 0; i < 1000; i++) {
		char a[64], b[64], path[64];
		ssize_t n, m;

		snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
		n = readlink(path, a, sizeof(a));
		m = readlink("/proc/self/ns/user", b, sizeof(b));
		if (n > 0 && (n != m || memcmp(a, b, (size_t)n) != 0))
			return pid;
		usleep(1000);
	}
	atf_tc_fail("the child did not enter a user namespace");
}

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	ATF_REQUIRE_MSG(fd >= 0, "%s: %s", path, strerror(errno));
	ATF_REQUIRE(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
}

ROOT_TC(open_rejects_unmapped)
ATF_TC_BODY(open_rejects_unmapped, tc)
{
	char path[64], map[64];
	int hold[2], fd;
	struct diag d = { "" };
	pid_t pid;

	(void)tc;
	pid = unmapped_child(hold);
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
	open_fails(path, "has no uid map and no gid map");
	snprintf(map, sizeof(map), "/proc/%d/gid_map", (int)pid);
	write_file(map, "0 1000 1\n");
	open_fails(path, "has no uid map: write its /proc/PID/uid_map and gid_map first");
	snprintf(map, sizeof(map), "/proc/%d/uid_map", (int)pid);
	write_file(map, "0 1000 1\n");
	fd = userns_open(path, &d);
	ATF_CHECK_MSG(fd >= 0, "%s", d.msg);
	if (fd >= 0)
		close(fd);
	close(hold[1]);
	ATF_REQUIRE(waitpid(pid, NULL, 0) == pid);
	require_no_children();
}

ROOT_TC(open_accepts_userns)
ATF_TC_BODY(open_accepts_userns, tc)
{
	struct idmap_map m = { 0 };
	struct diag d = { "" };
	char path[64];
	int fd, fd2;

	(void)tc;
	one_extent(&m, 0, 100000, 65536);
	fd = userns_create(&m, &m, &d);
	ATF_REQUIRE_MSG(fd >= 0, "%s", d.msg);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	fd2 = userns_open(path, &d);
	ATF_REQUIRE_MSG(fd2 >= 0, "%s", d.msg);
	ATF_CHECK_EQ(ioctl(fd2, NS_GET_NSTYPE), CLONE_NEWUSER);
	ATF_CHECK(fcntl(fd2, F_GETFD) & FD_CLOEXEC);
	close(fd2);
	close(fd);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, create_carries_maps);
	ATF_TP_ADD_TC(tp, create_kernel_refusal);
	ATF_TP_ADD_TC(tp, create_deferred_kills_reaps_later);
	ATF_TP_ADD_TC(tp, create_deferred_failure_reaped);
	ATF_TP_ADD_TC(tp, child_dies_before_maps);
	ATF_TP_ADD_TC(tp, child_dies_between_maps);
	ATF_TP_ADD_TC(tp, child_dies_before_nsfd);
	ATF_TP_ADD_TC(tp, child_dies_after_nsfd);
	ATF_TP_ADD_TC(tp, sigchld_ignored_child_dies_before_nsfd);
	ATF_TP_ADD_TC(tp, sigchld_ignored_child_dies_after_nsfd);
	ATF_TP_ADD_TC(tp, sigchld_ignored_creates);
	ATF_TP_ADD_TC(tp, child_never_outlives_helper);
	ATF_TP_ADD_TC(tp, child_stack_guarded);
	ATF_TP_ADD_TC(tp, open_rejects);
	ATF_TP_ADD_TC(tp, open_rejects_unmapped);
	ATF_TP_ADD_TC(tp, open_accepts_userns);
	return atf_no_error();
}
