// SPDX-License-Identifier: Apache-2.0
/* What the atf-c test programs share; linked into each of them. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/pidfd.h>
#include <sys/wait.h>

#include "testlib.h"

void require_no_children(void)
{
	errno = 0;
	ATF_CHECK_EQ(waitpid(-1, NULL, WNOHANG | __WALL), -1);
	ATF_CHECK_EQ(errno, ECHILD);
}

enum userns_step testlib_kill_at;

void testlib_kill_child(enum userns_step step, pid_t child, int pidfd)
{
	siginfo_t info;

	(void)child;
	if (step != testlib_kill_at)
		return;
	ATF_REQUIRE(pidfd_send_signal(pidfd, SIGKILL, NULL, 0) == 0);
	ATF_REQUIRE(waitid(P_PIDFD, (id_t)pidfd, &info,
			   WEXITED | WNOWAIT | __WALL) == 0);
}

/*
 * In a sanitizer build, atf-c's own allocations (test-case metadata it
 * never frees) are not ours to report; every leak of our code still is.
 * atf-c takes any output of the case list as a failure, so LSan's summary
 * of the suppressions stays quiet.
 */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_options(void);

const char *__lsan_default_suppressions(void)
{
	return "leak:libatf-c.so\n";
}

const char *__lsan_default_options(void)
{
	return "print_suppressions=0";
}

void check_map(const char *row, const char *which,
	       const struct idmap_map *m, const struct want_map *want)
{
	char label[512];

	snprintf(label, sizeof(label), "%s: %s map", row, which);
	ATF_CHECK_EQ_MSG(want->n, m->n, "%s has %zu extents", label, m->n);
	for (size_t i = 0; i < want->n && i < m->n; i++)
		CHECK_ROW_EXT(label, m, i, want->ext[i].inner,
			      want->ext[i].outer, want->ext[i].count);
}

void check_msg_has_all(const char *row, const struct diag *d,
		       const char *const *has, size_t n)
{
	for (size_t k = 0; k < n && has[k]; k++)
		CHECK_ROW_MSG_HAS(row, d, has[k]);
}
