// SPDX-License-Identifier: Apache-2.0
/*
 * The child is a fork(), not a clone(CLONE_VM) as in userns.c: it runs
 * libcap, libc's stdio and the kernel's mount API, changes its own
 * credentials (the upper's owner), and may die half-way.  In a copy of our
 * memory and fd table, whatever it leaves behind dies with it, and the one
 * thing it hands back, the finished mount, comes over a socket.  The fork
 * costs about a millisecond, on the route that only kernels before 6.15
 * take.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "stage.h"

/* What the child sends: its result and message; the fd rides along. */
struct stage_reply {
	int r;
	struct diag d;
};

static int go_private(struct diag *d)
{
	if (unshare(CLONE_NEWNS) < 0)
		return diag_fail(d, errno,
			"cannot stage the overlay: unshare(CLONE_NEWNS): %s",
			strerror(errno));
	/* Before any mount: the copy's mounts are still peers of ours. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return diag_fail(d, errno,
			"cannot stage the overlay: making the staging namespace private: %s%s",
			strerror(errno),
			errno == EINVAL ? " (is \"/\" a mount point? not in a chroot)" : "");
	return 0;
}

static void send_reply(int sock, const struct stage_reply *rep, int fd,
		       void *report, size_t size)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl = { 0 };
	struct iovec iov[2] = { { (void *)rep, sizeof(*rep) },
				{ report, size } };
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 2 };

	if (fd >= 0) {
		msg.msg_control = ctl.buf;
		msg.msg_controllen = sizeof(ctl.buf);
		CMSG_FIRSTHDR(&msg)->cmsg_level = SOL_SOCKET;
		CMSG_FIRSTHDR(&msg)->cmsg_type = SCM_RIGHTS;
		CMSG_FIRSTHDR(&msg)->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(CMSG_FIRSTHDR(&msg)), &fd, sizeof(int));
	}
	while (sendmsg(sock, &msg, MSG_NOSIGNAL) < 0 && errno == EINTR)
		;
}

static _Noreturn void child(int sock, pid_t parent,
			    int (*fn)(void *, struct diag *), void *arg,
			    void *report, size_t size)
{
	struct stage_reply rep = { 0, { "" } };

	/* Die with the helper, whatever kills it. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(1);
	rep.r = go_private(&rep.d);
	if (rep.r == 0)
		rep.r = fn(arg, &rep.d);
	send_reply(sock, &rep, rep.r, report, size);
	/* No atexit handlers, no stdio flush: they are the parent's. */
	_exit(0);
}

/* The child's reply and report, and the fd that came with them (or -1). */
static int receive(int sock, struct stage_reply *rep, int *fd, void *report,
		   size_t size)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct iovec iov[2] = { { rep, sizeof(*rep) }, { report, size } };
	struct msghdr msg = {
		.msg_iov = iov,
		.msg_iovlen = 2,
		.msg_control = ctl.buf,
		.msg_controllen = sizeof(ctl.buf),
	};
	struct cmsghdr *c;
	ssize_t n;

	while ((n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC)) < 0 &&
	       errno == EINTR)
		;
	c = n > 0 ? CMSG_FIRSTHDR(&msg) : NULL;
	if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
		memcpy(fd, CMSG_DATA(c), sizeof(int));
	return n == (ssize_t)(sizeof(*rep) + size) ? 0 : -1;
}

int stage_run(int (*fn)(void *arg, struct diag *d), void *arg,
	      void *report, size_t size, struct diag *d)
{
	_cleanup_close_ int mine = -1, theirs = -1, fd = -1;
	struct stage_reply rep;
	pid_t parent = getpid(), pid;
	int sv[2], ok;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return diag_fail(d, errno, "cannot stage the overlay: socketpair: %s",
				 strerror(errno));
	mine = sv[0];
	theirs = sv[1];
	pid = fork();
	if (pid < 0)
		return diag_fail(d, errno, "cannot stage the overlay: fork: %s",
				 strerror(errno));
	if (pid == 0)
		child(theirs, parent, fn, arg, report, size);
	/* Our end alone: the child's exit is then an end of file. */
	closep(&theirs);
	ok = receive(mine, &rep, &fd, report, size);
	while (waitpid(pid, NULL, __WALL) < 0 && errno == EINTR)
		;
	if (ok < 0)
		return diag_fail(d, EPIPE,
			"cannot stage the overlay: the staging child died without a reply");
	if (rep.r < 0) {
		rep.d.msg[sizeof(rep.d.msg) - 1] = '\0';
		return diag_fail(d, -rep.r, "%s", rep.d.msg);
	}
	if (fd < 0)
		return diag_fail(d, EPROTO,
			"cannot stage the overlay: the staging child sent no mount");
	return take_fd(&fd);
}
