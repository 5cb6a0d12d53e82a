#! @ATF_SH@
# SPDX-License-Identifier: Apache-2.0
#
# bench/run --quick: every part of the benchmark completes, and the report
# ends with a verdict for each target of issues 14 and 21.  The timing
# targets are not asserted here; bench/run reports them.

atf_test_case quick
quick_head() {
	atf_set descr "bench/run --quick: the six parts of the benchmark complete"
	atf_set require.user root
	atf_set require.progs "unshare mount umount find mountpoint"
	atf_set timeout 300
}
quick_body() {
	helper='@HELPER@'
	build=${helper%/helper/mount.idmap}
	'@SRCDIR@/bench/run' --quick --build "$build" >out 2>err ||
		{ cat out err >&2; atf_fail "bench/run --quick failed"; }
	for part in 1 2 3 4 5 6; do
		grep -qx "part $part: done" err ||
			{ cat out err >&2; atf_fail "part $part did not complete"; }
	done
	grep -q '^Targets' out || atf_fail "no targets in the report"
	for t in "helper's job ≤ refmount -u's, the same utab record" \
		"userns as an fd ≤ 100 µs" \
		"mount -a: growth per entry 10→50 ≤ 1.1× bind,x-bench=1's" \
		"I/O through the idmapped mount ≤ 1.05× raw (read" \
		"idmapped overlay, 1 lower: helper's job ≤ containerd's" \
		"idmapped overlay, 4 lower: helper's job ≤ containerd's" \
		"idmapped overlay, 16 lower: helper's job ≤ containerd's" \
		"I/O through the idmapped overlay ≤ 1.05× plain (meta" \
		"I/O through the idmapped overlay ≤ 1.05× plain (read" \
		"copy-up through the idmapped overlay ≤ 1.05× plain"; do
		grep -E "^  (PASS|MISS|n/a ) " out | grep -qF "$t" ||
			{ cat out >&2; atf_fail "no verdict for \"$t\""; }
	done
	# Issue 21 dropped these two as targets: figures now.
	! grep -E "^  (PASS|MISS) " out | grep -qE "userns ≥ 8×|private memory ≤" ||
		{ cat out >&2; atf_fail "a dropped target is still judged"; }
	# Figures without a target: a value (after the label's "(part N)"),
	# not a verdict.  A helper built with sanitizers has no memory
	# figure (memprobe.so cannot be preloaded before their runtime), and
	# says so.
	set -- "helper -n's job / refmount's" \
		"fork+unshare / the helper's userns, small bench process" \
		"fork+unshare / the helper's userns, 20 MiB bigger"
	grep -E "^  n/a  peak heap" out | grep -qF "(sanitizer build)" ||
		set -- "$@" "private memory, the helper / mount(8)"
	for t in "$@"; do
		line=$(grep -E "^  -    " out | grep -F "$t") ||
			{ cat out >&2; atf_fail "no figure for \"$t\""; }
		case ${line##*(part [0-9])} in
		*[0-9]*) ;;
		*) cat out >&2; atf_fail "no value for \"$t\"" ;;
		esac
	done
	grep -q "refmount SRC DIR: the reference fork method" out ||
		atf_fail "part 2 does not show the reference method"
	grep -q "refmount -u SRC DIR: the same + the helper's record" out ||
		atf_fail "part 2 does not show the reference method with a record"
	grep -q "containerd's method (refoverlay), 16 lower" out ||
		atf_fail "part 6 does not show containerd's method"
}

atf_init_test_cases() {
	atf_add_test_case quick
}
