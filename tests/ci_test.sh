#! @ATF_SH@
# SPDX-License-Identifier: Apache-2.0
#
# The CI machinery: on an older kernel (tools/kernel-vm), tools/check
# --kernel keeps a skip only when its reason names a newer Linux than the
# running one; any other skip counts as a failure.  On a kernel without
# autofs, the runs here leave automount_test out and say so; --kernel says
# whether it passed, which .ci/run wants from both VMs.  A case that the
# kernel cannot run is reported skipped, not passed.

check='@SRCDIR@/tools/check'

# fake_suite: a test program whose cases pass or skip with the reasons
# below, run by kyua into results.db.
fake_suite() {
	cat >fake_test <<EOF
#! @ATF_SH@
atf_test_case ok
ok_body() { :; }
atf_test_case tmpfs
tmpfs_body() { atf_skip "needs Linux 6.3 to idmap tmpfs"; }
atf_test_case reidmap
reidmap_body() { atf_skip "open_tree_attr(): Linux 5.2 has none; needs Linux 6.15"; }
atf_test_case same
same_body() { atf_skip "needs Linux 6.1"; }
atf_test_case plain
plain_body() { atf_skip "no cgroup2 hierarchy is mounted"; }
atf_init_test_cases() {
	for tc in ok tmpfs reidmap same plain; do atf_add_test_case \$tc; done
}
EOF
	chmod +x fake_test
	printf 'syntax(2)\ntest_suite("fake")\natf_test_program{name="fake_test"}\n' >Kyuafile
	kyua test --results-file="$PWD/results.db" >kyua.out 2>&1 || true
	[ -f results.db ] || atf_fail "kyua did not run the fake suite: $(cat kyua.out)"
}

# judge KERNEL WANT: tools/check --judge-skips says WANT for KERNEL.
judge() {
	"$check" --judge-skips "$PWD/results.db" "$1" >out 2>err ||
		atf_fail "tools/check --judge-skips failed: $(cat err)"
	[ "$(tail -n 1 out)" = "$2" ] ||
		atf_fail "on Linux $1: \"$(tail -n 1 out)\", want \"$2\"; $(cat err)"
}

atf_test_case e2e_skip_reported
e2e_skip_reported_head() {
	atf_set descr "a case that e2e_skip ends, its prelude given to e2e_run, is reported skipped with its reason (kyua), not passed"
	atf_set require.user root
	atf_set require.progs "kyua unshare"
}
e2e_skip_reported_body() {
	cat >fake_test <<'EOF'
#! @ATF_SH@
. '@E2E_RUN@'
atf_test_case lacks
lacks_body() {
	e2e_run 'lib() { echo from-the-prelude >"$W/prelude"; }' <<'EOS'
lib
e2e_skip "Linux 1.0 lacks a feature (Linux 99.1 has it)"
echo not-reached >"$W/after"
EOS
	[ -e prelude ] || atf_fail "the prelude did not run"
	[ ! -e after ] || atf_fail "the script went on after e2e_skip"
}
atf_init_test_cases() {
	atf_add_test_case lacks
}
EOF
	chmod +x fake_test
	printf 'syntax(2)\ntest_suite("fake")\natf_test_program{name="fake_test"}\n' >Kyuafile
	kyua test --results-file="$PWD/results.db" >kyua.out 2>&1 || true
	grep -qx 'fake_test:lacks  ->  skipped: Linux 1.0 lacks a feature (Linux 99.1 has it)  \[[0-9.]*s\]' kyua.out ||
		atf_fail "not reported skipped: $(cat kyua.out)"
}

atf_test_case skips_on_6_1
skips_on_6_1_head() {
	atf_set descr "on Linux 6.1, skips for 6.3 and 6.15 stay; one for 6.1 itself or naming no version is a failure"
	atf_set require.progs kyua
}
skips_on_6_1_body() {
	fake_suite
	judge 6.1.0-50-cloud-amd64 "1 passed, 2 failed, 2 skipped"
	grep -q 'allowed skip on Linux 6.1.0-50-cloud-amd64: fake_test:tmpfs: needs Linux 6.3 to idmap tmpfs' err ||
		atf_fail "the allowed skip is not listed: $(cat err)"
	grep -q 'counted as failed: fake_test:plain: no cgroup2 hierarchy is mounted' err ||
		atf_fail "the failed skip is not listed: $(cat err)"
	grep -q 'counted as failed: fake_test:same: needs Linux 6.1' err ||
		atf_fail "a skip for the running version is not a failure: $(cat err)"
}

atf_test_case skips_on_6_12
skips_on_6_12_head() {
	atf_set descr "on Linux 6.12, only the skip for 6.15 stays"
	atf_set require.progs kyua
}
skips_on_6_12_body() {
	fake_suite
	judge 6.12.48+deb13-cloud-amd64 "1 passed, 3 failed, 1 skipped"
	grep -q 'allowed skip on Linux 6.12.48+deb13-cloud-amd64: fake_test:reidmap' err ||
		atf_fail "the 6.15 skip is not allowed: $(cat err)"
}

atf_test_case skips_on_6_18
skips_on_6_18_head() {
	atf_set descr "on a kernel with every feature, every skip is a failure"
	atf_set require.progs kyua
}
skips_on_6_18_body() {
	fake_suite
	judge 6.18.44 "1 passed, 4 failed, 0 skipped"
}

atf_test_case autofs_left_out
autofs_left_out_head() {
	atf_set descr "without autofs, the host runs leave automount_test (and it alone) out, saying so; with autofs they run every program"
}
autofs_left_out_body() {
	CHECK_AUTOFS=no "$check" --host-tests >out 2>err ||
		atf_fail "tools/check --host-tests failed: $(cat err)"
	want=$(sed -n 's/^atf_test_program{name="\([^"]*\)".*/\1/p' \
		'@SRCDIR@/tests/Kyuafile.in' | grep -vx automount_test)
	[ "$(cat out)" = "$want" ] ||
		atf_fail "without autofs, the programs are [$(cat out)], want [$want]"
	grep -qx systemd_test out || atf_fail "systemd_test is left out"
	! grep -qx automount_test out || atf_fail "automount_test is run"
	grep -qx "automount_test: not run here: Linux $(uname -r) has no autofs; CI runs it on 6.1 and 6.12 in QEMU" err ||
		atf_fail "no line says automount_test is not run: [$(cat err)]"
	CHECK_AUTOFS=yes "$check" --host-tests >out 2>err ||
		atf_fail "tools/check --host-tests failed: $(cat err)"
	[ ! -s out ] && [ ! -s err ] ||
		atf_fail "with autofs: [$(cat out)] [$(cat err)], want all programs, silently"
}

atf_test_case program_passed
program_passed_head() {
	atf_set descr "tools/check --kernel says a program passed only when it ran and every case of it passed"
	atf_set require.progs kyua
}
program_passed_body() {
	fake_suite
	"$check" --program-passed "$PWD/results.db" fake_test 2>err
	grep -qx "tools/check: fake_test: not passed on Linux $(uname -r) (1 of 5 cases passed)" err ||
		atf_fail "a program with skips: [$(cat err)]"
	"$check" --program-passed "$PWD/results.db" other_test 2>err
	grep -qx "tools/check: other_test: not passed on Linux $(uname -r) (0 of 0 cases passed)" err ||
		atf_fail "a program that did not run: [$(cat err)]"
	sed -i 's/atf_skip .*; }/:; }/' fake_test
	rm results.db
	kyua test --results-file="$PWD/results.db" >kyua.out 2>&1 || true
	"$check" --program-passed "$PWD/results.db" fake_test 2>err
	grep -qx "tools/check: fake_test: passed on Linux $(uname -r)" err ||
		atf_fail "a program whose cases all passed: [$(cat err)]; $(cat kyua.out)"
}

atf_init_test_cases() {
	atf_add_test_case autofs_left_out
	atf_add_test_case e2e_skip_reported
	atf_add_test_case program_passed
	atf_add_test_case skips_on_6_1
	atf_add_test_case skips_on_6_12
	atf_add_test_case skips_on_6_18
}
