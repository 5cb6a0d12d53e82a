// SPDX-License-Identifier: Apache-2.0
/*
 * Linked into every atf-c test program.  In a sanitizer build, atf-c's
 * own allocations (test-case metadata it never frees) are not ours to
 * report; every leak of our code still is.
 */
const char *__lsan_default_suppressions(void);

const char *__lsan_default_suppressions(void)
{
	return "leak:libatf-c.so\n";
}

/* atf-c takes any output of the case list as a failure: keep LSan's
 * summary of the suppressions above quiet. */
const char *__lsan_default_options(void);

const char *__lsan_default_options(void)
{
	return "print_suppressions=0";
}
