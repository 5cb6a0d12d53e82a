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
#define CHECK_EXT(m, i, in, out, cnt)                                      \
	do {                                                               \
		ATF_CHECK_EQ_MSG((uint32_t)(in), (m)->ext[i].inner,        \
				 "extent %d inner", (int)(i));             \
		ATF_CHECK_EQ_MSG((uint32_t)(out), (m)->ext[i].outer,       \
				 "extent %d outer", (int)(i));             \
		ATF_CHECK_EQ_MSG((uint32_t)(cnt), (m)->ext[i].count,       \
				 "extent %d count", (int)(i));             \
	} while (0)

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
