/* SPDX-License-Identifier: Apache-2.0 */
/* Order statistics, and the order of turns, for the benchmark programs. */
#ifndef MOUNT_IDMAP_BENCH_STATS_H
#define MOUNT_IDMAP_BENCH_STATS_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct summary {
	double min, q1, median, q3, max;
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The value at fraction @f of the sorted @v[0..n), interpolated. */
static double quantile(const double *v, size_t n, double f)
{
	double pos = f * (double)(n - 1);
	size_t lo = (size_t)pos;
	double frac = pos - (double)lo;

	return lo + 1 < n ? v[lo] + frac * (v[lo + 1] - v[lo]) : v[lo];
}

/* Summarize @v[0..n), n >= 1, without changing it. */
static inline struct summary summarize(const double *v, size_t n)
{
	double *s = malloc(n * sizeof(double));
	struct summary r = { 0 };

	if (!s)
		return r;
	memcpy(s, v, n * sizeof(double));
	qsort(s, n, sizeof(double), cmp_double);
	r = (struct summary){ s[0], quantile(s, n, 0.25), quantile(s, n, 0.5),
			      quantile(s, n, 0.75), s[n - 1] };
	free(s);
	return r;
}

/*
 * The order of one round's turns: a fresh permutation of 0..n-1 in
 * @order, from a fixed-seed generator (xorshift64, *@state != 0), so that
 * no contender always follows the same other one and a run can be
 * repeated turn for turn.
 */
static inline void shuffle(size_t *order, size_t n, uint64_t *state)
{
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	for (size_t i = n; i > 1; i--) {
		size_t j, t;

		*state ^= *state << 13;
		*state ^= *state >> 7;
		*state ^= *state << 17;
		j = (size_t)(*state % i);
		t = order[i - 1];
		order[i - 1] = order[j];
		order[j] = t;
	}
}

#endif
