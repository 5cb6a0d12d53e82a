#! @ATF_SH@
# SPDX-License-Identifier: Apache-2.0
#
# fstab and utab, through the system's real mount(8).  Each case runs in
# private mount and pid namespaces with a private /run (for utab), and
# points libmount at its own fstab.

. '@E2E_RUN@'

# fstab_case NAME DESCRIPTION: a case that needs root.
fstab_case() {
	atf_test_case "$1"
	eval "$1_head() { atf_set descr '$2'; atf_set require.user root; }"
}

fstab_case x_idmap_options "X-idmap.* options are read back from fstab"
x_idmap_options_body() {
	e2e_run <<'EOS'
e2e_setup
cat >"$W/fstab" <<EOF
$W/ext4 $W/mnt idmap noauto,X-idmap.uidmap=1000:0:1,X-idmap.gidmap=1000:0:1 0 0
EOF
export LIBMOUNT_FSTAB="$W/fstab"
expect_exit 0 mount "$W/mnt"
assert_idmapped "$W/mnt"
assert_owner "$W/mnt/u1000" 0 0
assert_owner "$W/mnt/root" 65534 65534
EOS
}

fstab_case etc_fstab "the entry in /etc/fstab itself, by target"
etc_fstab_body() {
	e2e_run <<'EOS'
e2e_setup
cat >"$W/fstab" <<EOF
$W/ext4 $W/mnt idmap X-idmap.uidmap=100000:7:1,X-idmap.gidmap=100000:8:1 0 0
EOF
mount --bind "$W/fstab" /etc/fstab
expect_exit 0 mount "$W/mnt"
assert_owner "$W/mnt/u100000" 7 8
EOS
}

fstab_case lowercase_and_userns "x-idmap.* spellings and X-idmap.userns="
lowercase_and_userns_body() {
	e2e_run <<'EOS'
e2e_setup
e2e_userns_start '1000 50 1' '1000 50 1'
ns_path=/proc/$NSPID/ns/user
mkdir "$W/mnt2"
cat >"$W/fstab" <<EOF
$W/ext4 $W/mnt idmap x-idmap.uidmap=1000:3:1,x-idmap.gidmap=1000:4:1 0 0
$W/fs $W/mnt2 idmap X-idmap.userns=$ns_path 0 0
EOF
export LIBMOUNT_FSTAB="$W/fstab"
expect_exit 0 mount "$W/mnt"
assert_owner "$W/mnt/u1000" 3 4
expect_exit 0 mount "$W/mnt2"
e2e_userns_stop
assert_idmapped "$W/mnt2"
assert_owner "$W/mnt2/u1000" 50 50
EOS
}

fstab_case argv_wins "options in argv override the entry, map by map"
argv_wins_body() {
	e2e_run <<'EOS'
e2e_setup
cat >"$W/fstab" <<EOF
$W/ext4 $W/mnt idmap X-idmap.uidmap=1000:1:1,X-idmap.gidmap=1000:2:1 0 0
EOF
export LIBMOUNT_FSTAB="$W/fstab"
# A whole mapping in argv: the entry is not needed.
expect_exit 0 mount -t idmap -o uidmap=1000:11:1,gidmap=1000:12:1 "$W/ext4" "$W/mnt"
assert_owner "$W/mnt/u1000" 11 12
umount "$W/mnt"
# Only the uid map in argv: the gid map comes from the entry.
expect_exit 0 mount -t idmap -o uidmap=1000:21:1 "$W/ext4" "$W/mnt"
assert_owner "$W/mnt/u1000" 21 2
EOS
}

fstab_case escaped_fields "\\040 in the target and between extents"
escaped_fields_body() {
	e2e_run <<'EOS'
e2e_setup
mkdir "$W/with space"
cat >"$W/fstab" <<EOF
$W/ext4 $W/with\\040space idmap X-idmap.uidmap=1000:5:1\\040100000:6:1,X-idmap.gidmap=1000:5:1 0 0
EOF
export LIBMOUNT_FSTAB="$W/fstab"
expect_exit 0 mount "$W/with space"
assert_idmapped "$W/with space"
assert_owner "$W/with space/u1000" 5 5
assert_owner "$W/with space/u100000" 6 65534
EOS
}

fstab_case entry_by_other_spelling "the entry is found by its exact strings among longer ones, and by canonical path"
entry_by_other_spelling_body() {
	e2e_run <<'EOS'
e2e_setup
mkdir "$W/mnt2" "$W/mnt3"
ln -s "$W" "$W/link"
# $W/mnt is also a part of the lines of $W/mnt2, $W/mnt3 and of a
# comment; \063 is a needless escape of "3".
cat >"$W/fstab" <<EOF
# $W/ext4 $W/mnt idmap X-idmap.uidmap=1000:40:1,X-idmap.gidmap=1000:40:1 0 0
$W/ext4 $W/mnt idmap noauto,X-idmap.uidmap=1000:41:1,X-idmap.gidmap=1000:41:1 0 0
$W/ext4 $W/mnt2 idmap noauto,X-idmap.uidmap=1000:42:1,X-idmap.gidmap=1000:42:1 0 0
$W/ext4 $W/mnt\\063 idmap noauto,X-idmap.uidmap=1000:43:1,X-idmap.gidmap=1000:43:1 0 0
EOF
export LIBMOUNT_FSTAB="$W/fstab"
expect_exit 0 mount "$W/mnt"
assert_owner "$W/mnt/u1000" 41 41
umount "$W/mnt"
expect_exit 0 mount "$W/mnt2"
assert_owner "$W/mnt2/u1000" 42 42
umount "$W/mnt2"
expect_exit 0 mount "$W/mnt3"
assert_owner "$W/mnt3/u1000" 43 43
umount "$W/mnt3"
expect_exit 0 "$HELPER" "$W/ext4" "$W/mnt3"
assert_owner "$W/mnt3/u1000" 43 43
umount "$W/mnt3"
# Called directly with other spellings of the same paths: no line holds
# them, and the canonical comparison finds the entry.
expect_exit 0 "$HELPER" "$W/link/ext4" "$W/link/mnt"
assert_owner "$W/mnt/u1000" 41 41
umount "$W/mnt"
expect_exit 0 "$HELPER" "$W/ext4/" "$W/mnt2/"
assert_owner "$W/mnt2/u1000" 42 42
EOS
}

fstab_case match_source "the entry must match the source as well"
match_source_body() {
	e2e_run <<'EOS'
e2e_setup
cat >"$W/fstab" <<EOF
$W/fs $W/mnt idmap noauto,X-idmap.uidmap=1000:31:1,X-idmap.gidmap=1000:31:1 0 0
$W/ext4 $W/mnt idmap noauto,X-idmap.uidmap=1000:32:1,X-idmap.gidmap=1000:32:1 0 0
EOF
export LIBMOUNT_FSTAB="$W/fstab"
expect_exit 0 mount -t idmap "$W/fs" "$W/mnt"
assert_owner "$W/mnt/u1000" 31 31
umount "$W/mnt"
expect_exit 0 mount -t idmap "$W/ext4" "$W/mnt"
assert_owner "$W/mnt/u1000" 32 32
EOS
}

fstab_case no_mapping_anywhere "the error says where the helper looked"
no_mapping_anywhere_body() {
	e2e_run <<'EOS'
e2e_setup
cat >"$W/fstab" <<EOF
$W/ext4 $W/mnt idmap noauto,nosuid 0 0
EOF
export LIBMOUNT_FSTAB="$W/fstab"
expect_rejected "none in the options, and .*/fstab has an entry for this mount without X-idmap" \
	mount "$W/mnt"
expect_err "X-idmap.uidmap="
expect_rejected "none in the options, and .*/fstab has no idmap entry for this mount" \
	mount -t idmap "$W/fs" "$W/mnt"
expect_err "or X-mount\\.idmap= in the fstab entry"
EOS
}

fstab_case mount_all "mount -a -t idmap: every entry, a failure stops none"
mount_all_body() {
	e2e_run <<'EOS'
e2e_setup
: >"$W/fstab"
i=0
while [ $i -lt 36 ]; do
	mkdir "$W/m$i"
	case $i in
	7|19|30) map="0:1:0" ;;	# COUNT 0: this entry must fail
	*) map="1000:$i:1" ;;
	esac
	echo "$W/ext4 $W/m$i idmap X-idmap.uidmap=$map,X-idmap.gidmap=1000:$i:1 0 0" >>"$W/fstab"
	i=$((i + 1))
done
export LIBMOUNT_FSTAB="$W/fstab"
run mount -a -t idmap
[ "$rc" = 64 ] || fail "mount -a exit $rc, want 64 (some mounts succeeded)"
[ "$(grep -c 'COUNT must be at least 1' "$ERR")" = 3 ] || fail "want 3 messages"
# Each message names the mount point that it is about.
for i in 7 19 30; do
	grep -Eq "^mount\.idmap: $W/m$i: X-idmap\.uidmap: extent \"0:1:0\": COUNT must be at least 1" "$ERR" ||
		fail "no message names $W/m$i"
done
[ "$(grep -c "^mount\.idmap: $W/m[0-9]*: " "$ERR")" = 3 ] ||
	fail "want 3 messages that start with their mount point"
i=0
while [ $i -lt 36 ]; do
	case $i in
	7|19|30) ! mountpoint -q "$W/m$i" || fail "m$i is mounted" ;;
	*) assert_idmapped "$W/m$i"; assert_owner "$W/m$i/u1000" $i $i ;;
	esac
	i=$((i + 1))
done
assert_no_helper_procs
EOS
}

fstab_case mount_all_again "mount -a again: what is mounted stays as it is, mounted once, recorded once"
mount_all_again_body() {
	e2e_run <<'EOS'
e2e_setup
mkdir "$W/m1" "$W/m2" "$W/m3" "$W/m4" "$W/fs/sub"
e2e_idmappable_fs "$W/fs/sub"
cat >"$W/fstab" <<EOF
$W/ext4 $W/m1 idmap uidmap=1000:0:1,gidmap=1000:0:1 0 0
$W/ext4 $W/m2 idmap X-idmap.uidmap=1000:5:1,X-idmap.gidmap=1000:5:1,x-foo=1 0 0
$W/fs $W/m3 idmap recursive,uidmap=0:100:1,gidmap=0:100:1 0 0
EOF
# A new tmpfs, where the kernel can idmap one (Linux 6.3 on).
m4=
nmounts=4
if e2e_tmpfs_idmappable; then
	m4=$W/m4
	nmounts=5
	echo "none $m4 idmap.tmpfs uidmap=0:1000:1,gidmap=0:1000:1,size=1m 0 0" >>"$W/fstab"
fi
export LIBMOUNT_FSTAB="$W/fstab"
expect_exit 0 mount -a
n=$(count_idmapped)
[ "$n" = "$nmounts" ] || fail "$n idmapped mounts after mount -a, want $nmounts"
assert_utab_exact "$W/m1" "$W/m2" "$W/m3" "$W/m3/sub" ${m4:+"$m4"}
# The second and third mount -a find every entry mounted: nothing stacks.
expect_exit 0 mount -a
expect_exit 0 mount -a -t idmap,idmap.tmpfs
[ "$(count_idmapped)" = "$n" ] || fail "mount -a again stacked mounts: $(count_idmapped), want $n"
assert_utab_exact "$W/m1" "$W/m2" "$W/m3" "$W/m3/sub" ${m4:+"$m4"}
# Something else on the mount point is no reason to skip.
umount "$W/m1"
mount --bind "$W/fs" "$W/m1"
expect_exit 0 mount -a
assert_idmapped "$W/m1"
assert_owner "$W/m1/u1000" 0 0
umount "$W/m1"
umount "$W/m1"
umount "$W/m2"
umount -R "$W/m3"
[ -z "$m4" ] || umount "$m4"
assert_utab_exact
assert_no_helper_procs
EOS
}

fstab_case nofail "nofail: a source that does not exist is no failure, as for a device"
nofail_body() {
	e2e_run <<'EOS'
e2e_setup
mkdir "$W/m1" "$W/m2" "$W/m3" "$W/m4" "$W/m5"
maps="X-idmap.uidmap=1000:0:1,X-idmap.gidmap=1000:0:1"
cat >"$W/fstab" <<EOF
$W/ext4 $W/m1 idmap $maps 0 0
$W/gone $W/m2 idmap nofail,$maps 0 0
$W/gone/dev $W/m3 idmap.ext4 nofail,$maps 0 0
$W/ext4/u1000/x $W/m4 idmap nofail,uidmap=1000:0:1,gidmap=1000:0:1 0 0
$W/gone $W/m5 idmap noauto,$maps 0 0
EOF
export LIBMOUNT_FSTAB="$W/fstab"
expect_exit 0 mount -a
[ ! -s "$ERR" ] || fail "mount -a said something"
assert_idmapped "$W/m1"
for m in m2 m3 m4; do
	! mountpoint -q "$W/$m" || fail "$W/$m is mounted"
	! grep -qF "$W/$m" /run/mount/utab || fail "utab has a record of $W/$m"
done
[ "$(count_idmapped)" = 1 ] || fail "want 1 idmapped mount, have $(count_idmapped)"
expect_exit 0 mount "$W/m2"
[ ! -s "$ERR" ] || fail "mount $W/m2 said something"
! mountpoint -q "$W/m2" || fail "$W/m2 is mounted"
# -f too.
expect_exit 0 mount -f "$W/m3"
# Without nofail, the same source fails.
expect_mount_failed "^mount\\.idmap: $W/m5: source \"$W/gone\" does not exist\$" "$W/m5" \
	mount "$W/m5"
# nofail excuses a missing source, nothing else.
expect_mount_failed "^mount\\.idmap: $W/m2: proc at \"/proc\" does not support idmapped mounts" "$W/m2" \
	mount -t idmap -o nofail,uidmap=0:1:1,gidmap=0:1:1 /proc "$W/m2"
expect_mount_failed "^mount\\.idmap: $W/gone: mount point does not exist" "$W/gone" \
	mount -t idmap -o nofail,uidmap=0:1:1,gidmap=0:1:1 "$W/ext4" "$W/gone"
assert_no_helper_procs
EOS
}

fstab_case examples_verify "findmnt --verify accepts fstab-examples/fstab"
examples_verify_body() {
	e2e_run <<'EOS'
e2e_private_run
# The example paths exist only in this namespace.
for d in /srv /home /var/lib; do mount -t tmpfs tmpfs "$d"; done
awk '!/^#/ && NF { print $1; print $2 }' '@SRCDIR@/fstab-examples/fstab' |
	while read -r p; do mkdir -p "$p"; done
run findmnt --verify --tab-file '@SRCDIR@/fstab-examples/fstab'
cat "$OUT" "$ERR" | grep -q '^0 parse errors, 0 errors' ||
	fail "findmnt --verify found errors"
[ "$rc" = 0 ] || fail "findmnt --verify exit $rc"
EOS
}

fstab_case utab_record "the mapping is recorded in utab, and umount removes it"
utab_record_body() {
	e2e_run <<'EOS'
e2e_setup
expect_exit 0 mount -t idmap -o 'uidmap="1000:0:1,0:5000:1",gidmap=1000:0:1' "$W/ext4" "$W/mnt"
findmnt --mtab -n -o OPTIONS --mountpoint "$W/mnt" >"$OUT"
expect_out 'x-idmap\.uidmap="1000:0:1,0:5000:1"'
expect_out 'x-idmap\.gidmap=1000:0:1'
mount | grep -F "$W/mnt" >"$OUT"
expect_out 'x-idmap\.uidmap='
umount "$W/mnt"
! grep -qF "$W/mnt" /run/mount/utab || fail "umount left the utab record"

e2e_userns_start '0 40 1' '0 40 1'
ns_path=/proc/$NSPID/ns/user
expect_exit 0 mount -t idmap -o "userns=$ns_path" "$W/fs" "$W/mnt"
e2e_userns_stop
findmnt --mtab -n -o OPTIONS --mountpoint "$W/mnt" >"$OUT"
expect_out "x-idmap\\.userns=$ns_path"
EOS
}

fstab_case utab_nomtab "-n: no utab record"
utab_nomtab_body() {
	e2e_run <<'EOS'
e2e_setup
expect_exit 0 "$HELPER" "$W/ext4" "$W/mnt" -n -o uidmap=1000:0:1,gidmap=1000:0:1
assert_idmapped "$W/mnt"
! grep -qF "$W/mnt" /run/mount/utab 2>/dev/null || fail "-n wrote utab"
findmnt --mtab -n -o OPTIONS --mountpoint "$W/mnt" >"$OUT"
! grep -q x-idmap "$OUT" || fail "-n: findmnt shows a record"
EOS
}

fstab_case utab_failure "utab cannot be written: exit 16, mounted, no record"
utab_failure_body() {
	e2e_run <<'EOS'
e2e_setup
mount -t tmpfs -o ro tmpfs /run/mount
expect_exit 16 "$HELPER" "$W/ext4" "$W/mnt" -o uidmap=1000:0:1,gidmap=1000:0:1
expect_one_line_err
expect_err "cannot record its mapping in /run/mount/utab"
assert_idmapped "$W/mnt"
[ ! -e /run/mount/utab ] || fail "a utab was written"
assert_no_helper_procs
EOS
}

atf_init_test_cases() {
	for tc in x_idmap_options etc_fstab lowercase_and_userns argv_wins \
		escaped_fields entry_by_other_spelling match_source no_mapping_anywhere mount_all mount_all_again nofail \
		examples_verify utab_record utab_nomtab utab_failure; do
		atf_add_test_case "$tc"
	done
}
