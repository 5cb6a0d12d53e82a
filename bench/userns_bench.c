// SPDX-License-Identifier: Apache-2.0
/*
 * userns_bench: the cost of one user namespace that carries a uid map and a
 * gid map, as an fd, three ways, in one process, taking turns:
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
 *   userns_bench [-n ITERATIONS] [-w WARMUP] [-m BALLAST_MIB]
 *
 * -m first makes the process that much bigger (touched heap), as a larger
 * program such as mount(8) is: fork() copies page tables, clone(CLONE_VM)
 * does not.  Output, a line a contender, in microseconds:
 *   LABEL MEDIAN Q1 Q3 MIN N CPU_MEDIAN
 * MEDIAN..MIN are wall-clock times; CPU is the user + system time of this
 * process and of the children it reaped during the call: on a busy machine
 * it tells work from waiting for a CPU.
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

#include "stats.h"
#include "userns.h"

#define MAP_TEXT "0 100000 65536\n"
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

static int write_file(pid_t pid, const char *file, const char *text)
{
	char path[64];
	size_t len = strlen(text);
	int fd, ok;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -1;
	ok = write(fd, text, len) == (ssize_t)len;
	close(fd);
	return ok ? 0 : -1;
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
	    write_file(pid, "uid_map", MAP_TEXT) == 0 &&
	    write_file(pid, "gid_map", MAP_TEXT) == 0) {
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

int main(int argc, char **argv)
{
	long iterations = 200, warmup = 10, ballast_mib = 0;
	double *us[NMETHODS], *cpu[NMETHODS];
	int opt;

	while ((opt = getopt(argc, argv, "n:w:m:")) != -1) {
		switch (opt) {
		case 'n': iterations = strtol(optarg, NULL, 10); break;
		case 'w': warmup = strtol(optarg, NULL, 10); break;
		case 'm': ballast_mib = strtol(optarg, NULL, 10); break;
		default:
			fprintf(stderr, "usage: userns_bench [-n ITERATIONS] [-w WARMUP] [-m BALLAST_MIB]\n");
			return 2;
		}
	}
	if (iterations < 1 || warmup < 0 || ballast_mib < 0)
		return 2;
	if (ballast_mib) {
		size_t size = (size_t)ballast_mib << 20;
		char *ballast = malloc(size);

		if (!ballast)
			return 1;
		memset(ballast, 1, size);	/* resident, never freed */
	}
	uid_map.n = gid_map.n = 1;
	uid_map.ext[0] = gid_map.ext[0] = (struct idmap_extent){ 0, 100000, 65536 };

	for (size_t k = 0; k < NMETHODS; k++) {
		check(k);
		us[k] = calloc((size_t)iterations, sizeof(double));
		cpu[k] = calloc((size_t)iterations, sizeof(double));
		if (!us[k] || !cpu[k])
			return 1;
	}

	/* Rounds of one call each, the order rotating from round to round. */
	for (long r = -warmup; r < iterations; r++) {
		for (size_t j = 0; j < NMETHODS; j++) {
			size_t k = ((size_t)(r + warmup) + j) % NMETHODS;
			double c0 = cpu_us(), t0 = now_us();
			int fd = methods[k].make();
			double t1 = now_us(), c1 = cpu_us();

			if (fd == -1)
				return 1;
			if (fd >= 0)
				close(fd);
			if (r >= 0) {
				us[k][r] = t1 - t0;
				cpu[k][r] = c1 - c0;
			}
		}
	}

	for (size_t k = 0; k < NMETHODS; k++) {
		struct summary s = summarize(us[k], (size_t)iterations);
		struct summary c = summarize(cpu[k], (size_t)iterations);

		printf("%s %.1f %.1f %.1f %.1f %ld %.1f\n", methods[k].label,
		       s.median, s.q1, s.q3, s.min, iterations, c.median);
	}
	return 0;
}
