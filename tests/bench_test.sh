#! @ATF_SH@
# SPDX-License-Identifier: Apache-2.0
#
# bench/run --quick: every part of the benchmark completes, and the report
# ends with a verdict for each target of issue 14.  The timing targets are
# not asserted here; bench/run reports them.

atf_test_case quick
quick_head() {
	atf_set descr "bench/run --quick: the five parts of the benchmark complete"
	atf_set require.user root
	atf_set require.progs "unshare mount umount find mountpoint"
	atf_set timeout 180
}
quick_body() {
	helper='@HELPER@'
	build=${helper%/helper/mount.idmap}
	'@SRCDIR@/bench/run' --quick --build "$build" >out 2>err ||
		{ cat out err >&2; atf_fail "bench/run --quick failed"; }
	for part in 1 2 3 4 5; do
		grep -qx "part $part: done" err ||
			{ cat out err >&2; atf_fail "part $part did not complete"; }
	done
	grep -q '^Targets' out || atf_fail "no targets in the report"
	for t in "helper's job ≤ the reference fork method's job" \
		"userns as an fd ≤ 100 µs" "userns ≥ 8× faster than fork+unshare" \
		"mount -a: per entry - bind at" "private memory ≤ mount(8)'s" \
		"I/O through the idmapped mount ≤ 1.05× raw (read)"; do
		grep -E "^  (PASS|MISS|n/a ) " out | grep -qF "$t" ||
			{ cat out >&2; atf_fail "no verdict for \"$t\""; }
	done
	grep -q "refmount SRC DIR: the reference fork method" out ||
		atf_fail "part 2 does not show the reference method"
}

atf_init_test_cases() {
	atf_add_test_case quick
}
