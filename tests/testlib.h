/* SPDX-License-Identifier: Apache-2.0 */
/* What the atf-c test programs share. */
#ifndef MOUNT_IDMAP_TESTLIB_H
#define MOUNT_IDMAP_TESTLIB_H

#include <atf-c.h>
#include <stdint.h>
#include <string.h>

#include "userns.h"

/* The message in @d must contain @needle. */
#define CHECK_MSG_HAS(d, needle)                                           \
	ATF_CHECK_MSG(strstr((d)->msg, (needle)) != NULL,                  \
		      "message \"%s\" does not contain \"%s\"", (d)->msg,  \
		      (needle))

/* The extent at @i of @m must be exactly {in, out, count}. */
#define CHECK_EXT(m, i, in, out, cnt) CHECK_ROW_EXT("", m, i, in, out, cnt)

/*
 * Table-driven tests: an array of rows walked by one loop.  The _ROW_
 * checks name the row (@row, a string: its input) in every failure.
 */
#define N_ROWS(a) (sizeof(a) / sizeof((a)[0]))

#define CHECK_ROW_MSG_HAS(row, d, needle)                                  \
	ATF_CHECK_MSG(strstr((d)->msg, (needle)) != NULL,                  \
		      "%s: message \"%s\" does not contain \"%s\"", (row), \
		      (d)->msg, (needle))

/* Each of @has (up to its first NULL) is in the message of row @row. */
#define CHECK_ROW_MSG_HAS_ALL(row, d, has)                                 \
	check_msg_has_all((row), (d), (has), N_ROWS(has))
void check_msg_has_all(const char *row, const struct diag *d,
		       const char *const *has, size_t n);

#define CHECK_ROW_EXT(row, m, i, in, out, cnt)                             \
	do {                                                               \
		ATF_CHECK_EQ_MSG((uint32_t)(in), (m)->ext[i].inner,        \
				 "%s extent %d inner", (row), (int)(i));   \
		ATF_CHECK_EQ_MSG((uint32_t)(out), (m)->ext[i].outer,       \
				 "%s extent %d outer", (row), (int)(i));   \
		ATF_CHECK_EQ_MSG((uint32_t)(cnt), (m)->ext[i].count,       \
				 "%s extent %d count", (row), (int)(i));   \
	} while (0)

/* What a map must hold, for a table row: its extents, in order. */
struct want_map {
	size_t n;
	struct idmap_extent ext[4];
};

/* @m, the @which ("uid", "gid") map of table row @row, must be @want. */
void check_map(const char *row, const char *which,
	       const struct idmap_map *m, const struct want_map *want);

/* A test case that needs root: its declaration and head. */
#define ROOT_TC(name)                                                      \
	ATF_TC(name);                                                      \
	ATF_TC_HEAD(name, tc)                                              \
	{                                                                  \
		atf_tc_set_md_var(tc, "require.user", "root");             \
	}

/* A test case that needs root and whose body is one call. */
#define ROOT_CASE(name, ...)                                               \
	ROOT_TC(name)                                                      \
	ATF_TC_BODY(name, tc)                                              \
	{                                                                  \
		(void)tc;                                                  \
		__VA_ARGS__;                                               \
	}

/* No child of ours is left, not even a zombie. */
void require_no_children(void);

/* The step at which testlib_kill_child() kills the namespace child. */
extern enum userns_step testlib_kill_at;

/* A userns_test_hook: at testlib_kill_at, kill the child and wait until it
 * is dead, leaving the zombie for userns.c to reap. */
void testlib_kill_child(enum userns_step step, pid_t child, int pidfd);

#endif
