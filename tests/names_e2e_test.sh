#! @ATF_SH@
# SPDX-License-Identifier: Apache-2.0
#
# Names instead of numbers, end to end: user and group names in extents,
# subid:NAME from /etc/subuid and /etc/subgid, and one map alone, through
# the real mount(8), fstab and the helper.  The users, groups and ranges
# live in a private overlay of /etc (e2e_private_etc), never the host's.

. '@E2E_RUN@'

names_case() {
	atf_test_case "$1"
	eval "$1_head() { atf_set descr '$2'; atf_set require.user root; }"
}

# Every case: users tbob (1001) and talice (1002), groups tbob (2001),
# talice (2002) and tstaff (2050); tbob owns two subordinate uid ranges
# and one gid range.  A file owned by each in both trees.
NAMES_SETUP='
e2e_setup
e2e_private_etc
e2e_add_user tbob 1001 2001
e2e_add_user talice 1002 2002
echo "tstaff:x:2050:" >>/etc/group
printf "tbob:100000:65536\ntbob:300000:10\ntnoranges:5:5\n" >/etc/subuid
printf "tbob:500000:65536\n" >/etc/subgid
for d in "$W/ext4" "$W/fs"; do
	touch "$d/bob" "$d/high"
	chown 1001:2001 "$d/bob"
	chown 65536:65536 "$d/high"
done
'

# names_run: e2e_run of the script on stdin, after NAMES_SETUP.
names_run() {
	e2e_run "$NAMES_SETUP"
}

names_case user_and_group_names "uidmap=/gidmap= with names, through mount(8)"
user_and_group_names_body() {
	names_run <<'EOS'
expect_exit 0 mount -t idmap -o uidmap=tbob:talice:1,gidmap=tbob:tstaff:1 "$W/ext4" "$W/mnt"
assert_idmapped "$W/mnt"
assert_owner "$W/mnt/bob" 1002 2050
assert_owner "$W/mnt/root" 65534 65534
# The record keeps the names as written.
findmnt --mtab -n -o OPTIONS --mountpoint "$W/mnt" |
	grep -q 'x-idmap.uidmap=tbob:talice:1,x-idmap.gidmap=tbob:tstaff:1' ||
	fail "utab does not keep the names: $(findmnt --mtab -n -o OPTIONS --mountpoint "$W/mnt")"
# --show reads the kernel's numbers and, as they agree, prints the record.
expect_exit 0 "$HELPER" --show "$W/mnt"
[ "$(cat "$OUT")" = 'uidmap=tbob:talice:1,gidmap=tbob:tstaff:1' ] ||
	fail "--show prints $(cat "$OUT")"
umount "$W/mnt"
# Numbers and names mix; util-linux syntax too, each side in its database.
expect_exit 0 mount -t idmap -o 'idmap=b:tbob:0:1 u:0:1:1' "$W/fs" "$W/mnt"
assert_owner "$W/mnt/bob" 0 0
assert_owner "$W/mnt/root" 1 65534
umount "$W/mnt"
assert_no_helper_procs
EOS
}

names_case unknown_name "an unknown name: exit 1, one line naming it, nothing mounted"
unknown_name_body() {
	names_run <<'EOS'
expect_rejected 'uidmap: unknown user "tcarol" in extent "tcarol:0:1"' \
	mount -t idmap -o uidmap=tcarol:0:1,gidmap=0:0:1 "$W/ext4" "$W/mnt"
# talice is a user, but there is no such group.
expect_rejected 'gidmap: unknown group "tnogroup"' \
	mount -t idmap -o gidmap=0:tnogroup:1 "$W/ext4" "$W/mnt"
# A string of digits is a number, a name starts with a letter or _.
expect_rejected 'INNER "1tbob".*nor a name' \
	mount -t idmap -o uidmap=1tbob:0:1 "$W/ext4" "$W/mnt"
EOS
}

names_case subid_ranges "idmap=subid:NAME: the ranges of /etc/subuid and /etc/subgid"
subid_ranges_body() {
	names_run <<'EOS'
expect_exit 0 mount -v -t idmap -o idmap=subid:tbob "$W/ext4" "$W/mnt"
expect_out 'uid map as written: subid:tbob'
expect_out 'on-disk 0-65535 .* seen as 100000-165535'
expect_out 'on-disk 65536-65545 .* seen as 300000-300009'
assert_owner "$W/mnt/root" 100000 500000
assert_owner "$W/mnt/bob" 101001 502001
# Past the first range, into the second; the gid map has one range.
assert_owner "$W/mnt/high" 300000 65534
findmnt --mtab -n -o OPTIONS --mountpoint "$W/mnt" |
	grep -q 'x-idmap.uidmap=subid:tbob,x-idmap.gidmap=subid:tbob' ||
	fail "utab does not keep subid:tbob"
umount "$W/mnt"
# A count limits it; one side alone keeps the other as it is.
expect_exit 0 mount -t idmap -o uidmap=subid:tbob:10 "$W/ext4" "$W/mnt"
assert_owner "$W/mnt/root" 100000 0
assert_owner "$W/mnt/bob" 65534 2001
expect_exit 0 "$HELPER" --show "$W/mnt"
[ "$(cat "$OUT")" = 'uidmap=subid:tbob:10' ] || fail "--show prints $(cat "$OUT")"
# A record that no longer says what the kernel holds is not believed,
# where the kernel tells its maps (Linux 6.15).  Before, the record is
# all there is, and -v says so.
printf 'tbob:200000:65536\n' >/etc/subuid
expect_exit 0 "$HELPER" --show -v "$W/mnt"
if kernel_at_least 6 15; then
	[ "$(cat "$OUT")" = 'uidmap=0:100000:10,gidmap=0:0:4294967295' ] ||
		fail "--show prints $(cat "$OUT")"
	expect_err 'is read from the kernel \(statmount\)$'
else
	[ "$(cat "$OUT")" = 'uidmap=subid:tbob:10' ] ||
		fail "--show prints $(cat "$OUT")"
	expect_err 'is read from its utab record: this kernel cannot tell'
fi
umount "$W/mnt"
assert_no_helper_procs
EOS
}

names_case subid_errors "subid: without ranges, short of COUNT, overlapping: named"
subid_errors_body() {
	names_run <<'EOS'
expect_rejected '"talice" has no subordinate uid ranges \(read /etc/subuid' \
	mount -t idmap -o uidmap=subid:talice "$W/ext4" "$W/mnt"
expect_rejected '"tnoranges" has no subordinate gid ranges \(read /etc/subgid' \
	mount -t idmap -o idmap=subid:tnoranges "$W/ext4" "$W/mnt"
expect_rejected 'asks for 70000 ids, but "tbob" has only 65546 subordinate uids' \
	mount -t idmap -o uidmap=subid:tbob:70000 "$W/ext4" "$W/mnt"
# The rules apply once names resolve, and the message names the name.
expect_rejected 'extent "subid:tbob" resolves to 0:100000:65536 in the uid map, which overlaps 0:1:1 on the INNER' \
	mount -t idmap -o uidmap=0:1:1,uidmap=subid:tbob "$W/ext4" "$W/mnt"
expect_rejected 'extent "tbob:5:1" resolves to 1001:5:1 in the uid map, which overlaps 1000:0:10' \
	mount -t idmap -o 'uidmap="1000:0:10,tbob:5:1"' "$W/ext4" "$W/mnt"
EOS
}

names_case fstab_names "names and subid: from fstab, in options and X-idmap.*"
fstab_names_body() {
	names_run <<'EOS'
mkdir "$W/mnt2"
cat >"$W/fstab" <<EOF
$W/ext4 $W/mnt idmap noauto,idmap=subid:tbob 0 0
$W/fs $W/mnt2 idmap noauto,X-idmap.uidmap=tbob:talice:1,X-idmap.gidmap=tbob:tstaff:1 0 0
EOF
mount --bind "$W/fstab" /etc/fstab
expect_exit 0 mount "$W/mnt"
assert_owner "$W/mnt/root" 100000 500000
expect_exit 0 mount "$W/mnt2"
assert_owner "$W/mnt2/bob" 1002 2050
umount "$W/mnt" "$W/mnt2"
assert_no_helper_procs
EOS
}

names_case libsubid_on_demand "libsubid is loaded for subid: maps only; a user named subid is given by number"
libsubid_on_demand_body() {
	names_run <<'EOS'
# The loader says what it loads (the helper is not setuid, so LD_DEBUG
# holds); mount(8) would drop LD_*, so the helper runs directly.
LD_DEBUG=libs "$HELPER" "$W/ext4" "$W/mnt" -o uidmap=tbob:talice:1,gidmap=0:0:1 2>"$W/ld.numbers" ||
	fail "the mount with names failed: $(grep mount.idmap "$W/ld.numbers")"
umount "$W/mnt"
! grep -q libsubid "$W/ld.numbers" || fail "libsubid was loaded for a map without subid:"
LD_DEBUG=libs "$HELPER" "$W/ext4" "$W/mnt" -o idmap=subid:tbob 2>"$W/ld.subid" ||
	fail "the mount with subid: failed: $(grep mount.idmap "$W/ld.subid")"
umount "$W/mnt"
grep -q 'calling init: .*libsubid' "$W/ld.subid" || fail "libsubid was not loaded for subid:"
# subid: always starts a subordinate-range extent: a user named subid is
# given by number.
e2e_add_user subid 1003 2003
expect_rejected '"0" has no subordinate uid ranges' \
	mount -t idmap -o uidmap=subid:0:1 "$W/ext4" "$W/mnt"
expect_exit 0 mount -t idmap -o uidmap=1003:0:1 "$W/ext4" "$W/mnt"
umount "$W/mnt"
EOS
}

atf_init_test_cases() {
	atf_add_test_case user_and_group_names
	atf_add_test_case unknown_name
	atf_add_test_case subid_ranges
	atf_add_test_case subid_errors
	atf_add_test_case fstab_names
	atf_add_test_case libsubid_on_demand
}
