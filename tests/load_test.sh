#! @ATF_SH@
# SPDX-License-Identifier: Apache-2.0
#
# Load: many mounts at once and many in a row, through the real mount(8);
# nothing may be left behind (process, fd or mount).

. '@E2E_RUN@'

atf_test_case parallel
parallel_head() {
	atf_set descr "50 mount -t idmap in parallel all succeed and are idmapped"
	atf_set require.user root
}
parallel_body() {
	e2e_run <<'EOS'
e2e_setup
before=$(wc -l </proc/self/mountinfo)
pids=
i=0
while [ $i -lt 50 ]; do
	mkdir "$W/p$i"
	mount -t idmap -o "uidmap=1000:$i:1,gidmap=1000:$i:1" "$W/ext4" "$W/p$i" \
		2>"$W/p$i.err" &
	pids="$pids $!"
	i=$((i + 1))
done
failed=0
for p in $pids; do wait "$p" || failed=$((failed + 1)); done
[ "$failed" = 0 ] || { cat "$W"/p*.err >&2; fail "$failed mounts failed"; }
i=0
while [ $i -lt 50 ]; do
	assert_idmapped "$W/p$i"
	assert_owner "$W/p$i/u1000" $i $i
	i=$((i + 1))
done
[ "$(grep -c "$W/p" /run/mount/utab)" = 50 ] || fail "utab lacks records"
i=0
while [ $i -lt 50 ]; do umount "$W/p$i"; i=$((i + 1)); done
[ "$(wc -l </proc/self/mountinfo)" = "$before" ] || fail "mounts are left"
[ ! -s /run/mount/utab ] || fail "utab records are left: $(cat /run/mount/utab)"
assert_no_helper_procs
EOS
}

atf_test_case sequential
sequential_head() {
	atf_set descr "500 mount/umount cycles leave no process, fd or mount"
	atf_set require.user root
	atf_set timeout 600
}
sequential_body() {
	e2e_run <<'EOS'
e2e_setup
before=$(wc -l </proc/self/mountinfo)
fds_before=$(ls /proc/$$/fd | wc -l)
i=0
while [ $i -lt 500 ]; do
	mount -t idmap -o uidmap=1000:0:1,gidmap=1000:0:1 "$W/ext4" "$W/mnt" ||
		fail "mount $i failed"
	umount "$W/mnt" || fail "umount $i failed"
	i=$((i + 1))
done
[ "$(wc -l </proc/self/mountinfo)" = "$before" ] || fail "mounts are left"
[ "$(ls /proc/$$/fd | wc -l)" = "$fds_before" ] || fail "fds are left"
[ ! -s /run/mount/utab ] || fail "utab records are left"
# Only this shell, pid 1 of the namespace, may remain; counted without a
# subshell, which would count itself.
n=0
for p in /proc/[0-9]*; do n=$((n + 1)); done
[ "$n" -eq 1 ] || fail "processes are left: $(ps -e -o pid=,comm=)"
assert_no_helper_procs
EOS
}

atf_init_test_cases() {
	atf_add_test_case parallel
	atf_add_test_case sequential
}
