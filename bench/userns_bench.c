// SPDX-License-Identifier: Apache-2.0
/*
 * userns_bench: the cost of one user namespace that carries a uid map and a
 * gid map, as an fd, three ways, taking turns:
 *
 *   clone_vm      the helper's own userns_create() (helper/userns.c, linked
 *                 in, not copied): clone(CLONE_VM | CLONE_NEWUSER)
 *   fork_unshare  util-linux's method (libmount hook_idmap.c): socketpair,
 *                 fork(), the child unshare(CLONE_NEWUSER)s and says so, the
 *                 parent writes uid_map and gid_map, opens /proc/PID/ns/user,
 *                 releases the child and waits for it
 *   fork          a plain fork() + _exit(0) + waitpid(): the floor of the
 *                 fork-based method
 *
 *   userns_bench [-s] [-n ITERATIONS] [-w WARMUP] [-m BALLAST_MIB]
 *
 * Each method runs in a worker of its own, forked from this program before
 * any timing, and the program tells the workers in turn to make one call
 * each, in an order shuffled afresh for every round.  A fork() leaves every
 * page of the process that forked write-protected, so the next writes to
 * them fault; with -s all three methods run in this one process instead,
 * and clone_vm then pays for the faults that the other two leave behind
 * (the helper itself never forks).
 *
 * -m first makes each worker that much bigger (touched heap), as a larger
 * program such as mount(8) is: fork() copies page tables, clone(CLONE_VM)
 * does not.  Output, a line a method, in microseconds:
 *   LABEL MEDIAN Q1 Q3 MIN N CPU_MEDIAN
 * MEDIAN..MIN are wall-clock times of the call; CPU is the user + system
 * time of the calling process and of the children it reaped during the
 * call: on a busy machine it tells work from waiting for a CPU.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "forkns.h"
#include "stats.h"
#include "userns.h"

/* A method that succeeded but has no fd to give. */
#define NO_FD (-2)

static struct idmap_map uid_map, gid_map;

static int helper_method(void)
{
	struct diag d = { "" };
	int fd = userns_create(&uid_map, &gid_map, &d);

	if (fd < 0)
		fprintf(stderr, "userns_bench: userns_create: %s\n", d.msg);
	return fd;
}

/* The helper's way: the fd in hand, the child killed; its reaping, which
 * the helper does after the mount, is left to reap_pending(), untimed. */
static struct userns_child pending = USERNS_CHILD_INIT;

static int deferred_method(void)
{
	struct diag d = { "" };
	int fd = userns_create_deferred(&uid_map, &gid_map, &pending, &d);

	if (fd < 0)
		fprintf(stderr, "userns_bench: userns_create_deferred: %s\n",
			d.msg);
	return fd;
}

static void reap_pending(void)
{
	userns_reap(&pending);
}

/* libmount's get_userns_fd_from_idmap(), step for step. */
static int fork_unshare_method(void)
{
	int sock[2], fd = -1, status;
	char path[64], c = '1';
	pid_t pid;

	if (socketpair(PF_LOCAL, SOCK_STREAM | SOCK_CLOEXEC, 0, sock) < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(sock[1]);
		if (unshare(CLONE_NEWUSER) < 0 || write(sock[0], &c, 1) != 1 ||
		    read(sock[0], &c, 1) != 1)
			_exit(1);
		_exit(0);
	}
	close(sock[0]);
	if (read(sock[1], &c, 1) == 1 &&
	    forkns_write_map(pid, "uid_map") == 0 &&
	    forkns_write_map(pid, "gid_map") == 0) {
		snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
		if (write(sock[1], &c, 1) != 1) {
			/* the child is gone; waitpid tells */
		}
	} else {
		kill(pid, SIGKILL);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	close(sock[1]);
	if (fd >= 0 && (!WIFEXITED(status) || WEXITSTATUS(status) != 0)) {
		close(fd);
		fd = -1;
	}
	if (fd < 0)
		fprintf(stderr, "userns_bench: fork+unshare failed\n");
	return fd;
}

static int fork_method(void)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0)
		_exit(0);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) ? NO_FD : -1;
}

static const struct {
	const char *label;
	int (*make)(void);
	bool userns;
} methods[] = {
	{ "deferred", deferred_method, true },
	{ "clone_vm", helper_method, true },
	{ "fork_unshare", fork_unshare_method, true },
	{ "fork", fork_method, false },
};
#define NMETHODS (sizeof(methods) / sizeof(methods[0]))

/* Each userns method must really give a user namespace with our map. */
static void check(size_t k)
{
	int fd = methods[k].make();

	if (fd == -1)
		exit(1);
	if (methods[k].userns && ioctl(fd, NS_GET_NSTYPE) != CLONE_NEWUSER) {
		fprintf(stderr, "userns_bench: %s: not a user namespace\n",
			methods[k].label);
		exit(1);
	}
	if (fd >= 0)
		close(fd);
	reap_pending();
}

/* CPU time so far of this process and of its reaped children. */
static double cpu_us(void)
{
	struct rusage self, children;

	getrusage(RUSAGE_SELF, &self);
	getrusage(RUSAGE_CHILDREN, &children);
	return (double)(self.ru_utime.tv_sec + self.ru_stime.tv_sec +
			children.ru_utime.tv_sec + children.ru_stime.tv_sec) * 1e6 +
	       (double)(self.ru_utime.tv_usec + self.ru_stime.tv_usec +
			children.ru_utime.tv_usec + children.ru_stime.tv_usec);
}

static double now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

struct sample {
	double us, cpu;
};

/* One timed call of method @k. */
static struct sample one_call(size_t k)
{
	double c0 = cpu_us(), t0 = now_us();
	int fd = methods[k].make();
	double t1 = now_us(), c1 = cpu_us();

	if (fd == -1)
		exit(1);
	if (fd >= 0)
		close(fd);
	reap_pending();
	return (struct sample){ t1 - t0, c1 - c0 };
}

static char *make_ballast(long mib)
{
	size_t size = (size_t)mib << 20;
	char *p;

	if (!mib)
		return NULL;
	p = malloc(size);
	if (!p)
		exit(1);
	memset(p, 1, size);	/* resident until the end */
	return p;
}

struct worker {
	pid_t pid;
	int cmd, result;	/* our ends of its two pipes */
};

/* A worker: one call of method @k per byte read from @in, its sample
 * written to @out. */
static void worker_main(size_t k, int in, int out, long ballast_mib)
{
	char *ballast = make_ballast(ballast_mib);
	char go;

	check(k);
	while (read(in, &go, 1) == 1) {
		struct sample sm = one_call(k);

		if (write(out, &sm, sizeof(sm)) != sizeof(sm))
			_exit(1);
	}
	free(ballast);
	_exit(0);
}

/* Start the worker of method @k in @w[k]; @w[0..k) are running. */
static void start_worker(size_t k, struct worker *w, long ballast_mib)
{
	int cmd[2], result[2];

	if (pipe2(cmd, O_CLOEXEC) < 0 || pipe2(result, O_CLOEXEC) < 0) {
		perror("userns_bench: pipe");
		exit(1);
	}
	fflush(NULL);
	w[k].pid = fork();
	if (w[k].pid < 0) {
		perror("userns_bench: fork");
		exit(1);
	}
	if (w[k].pid == 0) {
		/* Only the bench may hold the others' pipes, or they would
		 * never see the end of theirs. */
		for (size_t i = 0; i < k; i++) {
			close(w[i].cmd);
			close(w[i].result);
		}
		close(cmd[1]);
		close(result[0]);
		worker_main(k, cmd[0], result[1], ballast_mib);
	}
	close(cmd[0]);
	close(result[1]);
	w[k].cmd = cmd[1];
	w[k].result = result[0];
}

static struct sample ask_worker(const struct worker *w)
{
	struct sample sm;

	if (write(w->cmd, "g", 1) != 1 ||
	    read(w->result, &sm, sizeof(sm)) != sizeof(sm)) {
		fprintf(stderr, "userns_bench: a worker failed\n");
		exit(1);
	}
	return sm;
}

static void stop_worker(const struct worker *w)
{
	int status;

	close(w->cmd);
	close(w->result);
	if (waitpid(w->pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0) {
		fprintf(stderr, "userns_bench: a worker failed\n");
		exit(1);
	}
}

int main(int argc, char **argv)
{
	long iterations = 200, warmup = 10, ballast_mib = 0;
	double *us[NMETHODS], *cpu[NMETHODS];
	struct worker workers[NMETHODS];
	uint64_t seed = 0x9e3779b97f4a7c15u;
	size_t order[NMETHODS];
	bool single = false;
	char *ballast = NULL;
	int opt;

	while ((opt = getopt(argc, argv, "sn:w:m:")) != -1) {
		switch (opt) {
		case 's': single = true; break;
		case 'n': iterations = strtol(optarg, NULL, 10); break;
		case 'w': warmup = strtol(optarg, NULL, 10); break;
		case 'm': ballast_mib = strtol(optarg, NULL, 10); break;
		default:
			fprintf(stderr, "usage: userns_bench [-s] [-n ITERATIONS] [-w WARMUP] [-m BALLAST_MIB]\n");
			return 2;
		}
	}
	if (iterations < 1 || warmup < 0 || ballast_mib < 0)
		return 2;
	uid_map.n = gid_map.n = 1;
	uid_map.ext[0] = gid_map.ext[0] = (struct idmap_extent){ 0, 100000, 65536 };

	if (single)
		ballast = make_ballast(ballast_mib);
	for (size_t k = 0; k < NMETHODS; k++) {
		if (single)
			check(k);
		else
			start_worker(k, workers, ballast_mib);
		us[k] = calloc((size_t)iterations, sizeof(double));
		cpu[k] = calloc((size_t)iterations, sizeof(double));
		if (!us[k] || !cpu[k])
			return 1;
	}

	/* Rounds of one call each, in a shuffled order. */
	for (long r = -warmup; r < iterations; r++) {
		shuffle(order, NMETHODS, &seed);
		for (size_t j = 0; j < NMETHODS; j++) {
			size_t k = order[j];
			struct sample sm = single ? one_call(k) :
						    ask_worker(&workers[k]);

			if (r >= 0) {
				us[k][r] = sm.us;
				cpu[k][r] = sm.cpu;
			}
		}
	}

	for (size_t k = 0; k < NMETHODS; k++) {
		struct summary s = summarize(us[k], (size_t)iterations);
		struct summary c = summarize(cpu[k], (size_t)iterations);

		if (!single)
			stop_worker(&workers[k]);
		printf("%s %.1f %.1f %.1f %.1f %ld %.1f\n", methods[k].label,
		       s.median, s.q1, s.q3, s.min, iterations, c.median);
		free(us[k]);
		free(cpu[k]);
	}
	free(ballast);
	return 0;
}
