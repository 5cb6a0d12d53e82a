// SPDX-License-Identifier: Apache-2.0
/*
 * timeit: time commands side by side, with microsecond precision.
 *
 *   timeit [-n ROUNDS] [-w WARMUP] [-r FILE] @ LABEL [NAME=VALUE...] CMD [ARG...]
 *                                  [@@ UNDO [ARG...]]  [@ LABEL ...]...
 *
 * Each round runs every contender once, in a shuffled order (a fixed-seed
 * permutation for each round), so that a burst of load on a shared machine
 * falls on all of them alike, and no contender always follows the same
 * other one.  -r FILE also writes every timed run, "LABEL ROUND WALL CPU",
 * for ratios paired round by round.  One run is posix_spawn() + wait4() of CMD, between two
 * clock_gettime(CLOCK_MONOTONIC); CMD's stdout goes to /dev/null, and
 * NAME=VALUE words before CMD are added to its environment, as env(1)
 * would.  UNDO (for example "umount DIR") then runs untimed.  Any command
 * that does not exit 0 stops everything, with exit 1.
 *
 * Output, one line per contender, in microseconds and KiB:
 *   LABEL MEDIAN Q1 Q3 MIN N MAXRSS_MEDIAN MAXRSS_MAX CPU_MEDIAN
 * MEDIAN..MIN are wall-clock times.  MAXRSS is wait4()'s ru_maxrss: the
 * command's peak resident set, or that of the largest process among it and
 * the children it waited for.  CPU is user + system time of the command
 * and those children: on a busy machine it tells work from waiting.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "stats.h"

extern char **environ;

struct contender {
	const char *label;
	char **envp;
	char **argv;		/* the timed command */
	char **undo;		/* or NULL */
	double *us;
	double *rss;
	double *cpu;
};

static void usage(void)
{
	fprintf(stderr,
		"usage: timeit [-n ROUNDS] [-w WARMUP] [-r FILE] @ LABEL [NAME=VALUE...] CMD [ARG...] [@@ UNDO...] [@ ...]\n");
	exit(2);
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (!p) {
		perror("timeit");
		exit(1);
	}
	return p;
}

/* environ plus the NAME=VALUE words in [from, to). */
static char **make_env(char **from, char **to)
{
	size_t n = 0, extra = (size_t)(to - from);
	char **envp;

	while (environ[n])
		n++;
	envp = xcalloc(n + extra + 1, sizeof(char *));
	for (size_t i = 0; i < extra; i++)
		envp[i] = from[i];
	for (size_t i = 0; i < n; i++)
		envp[extra + i] = environ[i];
	return envp;
}

static double tv_us(struct timeval tv)
{
	return (double)tv.tv_sec * 1e6 + (double)tv.tv_usec;
}

/* Run @argv; return its exit status.  Its wall time goes to m[0], its
 * peak RSS to m[1], its CPU time to m[2], unless @m is NULL. */
static int run(char **argv, char **envp, double *m)
{
	posix_spawn_file_actions_t fa;
	struct timespec t0, t1;
	struct rusage ru;
	int status;
	pid_t pid;
	int err;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	err = posix_spawn(&pid, argv[0], &fa, NULL, argv, envp);
	if (err == 0) {
		while (wait4(pid, &status, 0, &ru) < 0)
			if (errno != EINTR) {
				perror("timeit: wait4");
				exit(1);
			}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	posix_spawn_file_actions_destroy(&fa);
	if (err) {
		fprintf(stderr, "timeit: %s: %s\n", argv[0], strerror(err));
		exit(1);
	}
	if (m) {
		m[0] = (double)(t1.tv_sec - t0.tv_sec) * 1e6 +
		       (double)(t1.tv_nsec - t0.tv_nsec) / 1e3;
		m[1] = (double)ru.ru_maxrss;
		m[2] = tv_us(ru.ru_utime) + tv_us(ru.ru_stime);
	}
	return status;
}

static void run_ok(const char *label, char **argv, char **envp, double *m)
{
	int status = run(argv, envp, m);

	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "timeit: %s: \"%s\" failed (%s %d)\n", label,
			argv[0], WIFEXITED(status) ? "exit" : "signal",
			WIFEXITED(status) ? WEXITSTATUS(status) :
					    WTERMSIG(status));
		exit(1);
	}
}

static int is_env_word(const char *w)
{
	const char *eq = strchr(w, '=');

	if (!eq || eq == w)
		return 0;
	for (const char *p = w; p < eq; p++)
		if (!(*p == '_' || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= 'a' && *p <= 'z') || (p > w && *p >= '0' && *p <= '9')))
			return 0;
	return 1;
}

/* Split argv[first..] into contenders at each "@".  Every command is left
 * NULL-terminated in place: the "@" that follows it becomes its NULL. */
static size_t parse(int argc, char **argv, int first, struct contender **out)
{
	struct contender *c = xcalloc((size_t)argc, sizeof(*c));
	size_t n = 0;

	for (int i = first, end; i < argc; i = end, n++) {
		int cmd;

		if (strcmp(argv[i], "@") != 0 || i + 2 >= argc)
			usage();
		for (end = i + 1; end < argc && strcmp(argv[end], "@"); end++)
			;
		argv[i] = NULL;
		c[n].label = argv[i + 1];
		for (cmd = i + 2; cmd < end && is_env_word(argv[cmd]); cmd++)
			;
		c[n].envp = make_env(argv + i + 2, argv + cmd);
		c[n].argv = argv + cmd;
		for (int j = cmd; j < end; j++) {
			if (strcmp(argv[j], "@@") == 0) {
				argv[j] = NULL;
				c[n].undo = argv + j + 1;
			}
		}
		if (cmd >= end || !c[n].argv[0] ||
		    (c[n].undo && c[n].undo == argv + end))
			usage();
	}
	*out = c;
	return n;
}

int main(int argc, char **argv)
{
	struct contender *c;
	long rounds = 20, warmup = 2;
	uint64_t seed = 0x9e3779b97f4a7c15u;
	FILE *samples = NULL;
	size_t n, *order;
	int opt;

	while ((opt = getopt(argc, argv, "+n:w:r:")) != -1) {
		switch (opt) {
		case 'n': rounds = strtol(optarg, NULL, 10); break;
		case 'w': warmup = strtol(optarg, NULL, 10); break;
		case 'r':
			samples = fopen(optarg, "w");
			if (!samples) {
				perror(optarg);
				return 1;
			}
			break;
		default: usage();
		}
	}
	if (rounds < 1 || warmup < 0 || optind >= argc)
		usage();
	n = parse(argc, argv, optind, &c);
	order = xcalloc(n, sizeof(size_t));
	for (size_t k = 0; k < n; k++) {
		c[k].us = xcalloc((size_t)rounds, sizeof(double));
		c[k].rss = xcalloc((size_t)rounds, sizeof(double));
		c[k].cpu = xcalloc((size_t)rounds, sizeof(double));
	}

	for (long r = -warmup; r < rounds; r++) {
		shuffle(order, n, &seed);
		for (size_t j = 0; j < n; j++) {
			struct contender *k = &c[order[j]];
			double m[3];

			run_ok(k->label, k->argv, k->envp, m);
			if (r >= 0) {
				k->us[r] = m[0];
				k->rss[r] = m[1];
				k->cpu[r] = m[2];
				if (samples)
					fprintf(samples, "%s %ld %.1f %.1f\n",
						k->label, r, m[0], m[2]);
			}
			if (k->undo)
				run_ok(k->label, k->undo, environ, NULL);
		}
	}

	for (size_t k = 0; k < n; k++) {
		struct summary s = summarize(c[k].us, (size_t)rounds);
		struct summary m = summarize(c[k].rss, (size_t)rounds);
		struct summary t = summarize(c[k].cpu, (size_t)rounds);

		printf("%s %.1f %.1f %.1f %.1f %ld %.0f %.0f %.1f\n",
		       c[k].label, s.median, s.q1, s.q3, s.min, rounds, m.median,
		       m.max, t.median);
		free(c[k].envp);
		free(c[k].us);
		free(c[k].rss);
		free(c[k].cpu);
	}
	free(c);
	free(order);
	if (samples && fclose(samples) != 0) {
		perror("timeit: -r");
		return 1;
	}
	return 0;
}
