#! @ATF_SH@
# SPDX-License-Identifier: Apache-2.0
#
# utab stays true: after any number of mount/umount cycles, through
# mount(8), fstab and the helper directly, /run/mount/utab holds exactly one
# record for each mount that has one, and none for anything unmounted.
# mount(8) appends a record of its own after the helper whenever its options
# include one that it records (x-*, _netdev); umount(8) removes one per
# unmount.  Each case runs in private mount and pid namespaces with a
# private /run.

. '@E2E_RUN@'

# utab_case NAME DESCRIPTION: a case that needs root.
utab_case() {
	atf_test_case "$1"
	eval "$1_head() { atf_set descr '$2'; atf_set require.user root; }"
}

utab_case fstab_cycles "fstab entries with x-idmap.*, x-systemd.*, x-foo and _netdev: 20 mount/umount cycles leave utab exact"
fstab_cycles_body() {
	e2e_run <<'EOS'
e2e_setup
mkdir "$W/m2" "$W/m3" "$W/m4"
cat >"$W/fstab" <<EOF
$W/ext4 $W/mnt idmap x-idmap.uidmap=1000:0:1,x-idmap.gidmap=1000:0:1 0 0
$W/ext4 $W/m2 idmap X-idmap.uidmap=1000:0:1,X-idmap.gidmap=1000:0:1,x-systemd.automount,x-foo=1 0 0
$W/fs $W/m3 idmap uidmap=1000:0:1,gidmap=1000:0:1,_netdev 0 0
$W/fs $W/m4 idmap X-idmap.uidmap=1000:0:1,X-idmap.gidmap=1000:0:1 0 0
EOF
export LIBMOUNT_FSTAB="$W/fstab"
i=0
while [ "$i" -lt 20 ]; do
	for m in mnt m2 m3 m4; do
		mount "$W/$m" || fail "mount $W/$m (cycle $i)"
	done
	assert_utab_exact "$W/mnt" "$W/m2" "$W/m3" "$W/m4"
	for m in mnt m2 m3 m4; do
		umount "$W/$m" || fail "umount $W/$m (cycle $i)"
	done
	assert_utab_exact
	i=$((i + 1))
done

# The records hold the mapping and what mount(8) would have recorded.
mount -a -t idmap
assert_utab_exact "$W/mnt" "$W/m2" "$W/m3" "$W/m4"
grep -F "TARGET=$W/m2 " /run/mount/utab >"$OUT"
expect_out 'x-idmap\.uidmap=1000:0:1,x-idmap\.gidmap=1000:0:1'
expect_out 'x-systemd\.automount'
expect_out 'x-foo=1'
grep -F "TARGET=$W/m3 " /run/mount/utab >"$OUT"
expect_out '_netdev'
# Where mount(8) records nothing, libmount merges the record: findmnt
# shows the mapping.
findmnt --mtab -n -o OPTIONS --mountpoint "$W/m4" >"$OUT"
expect_out 'x-idmap\.uidmap=1000:0:1'
# (umount -a -t idmap would find nothing: mountinfo has the types below.)
for m in mnt m2 m3 m4; do
	umount "$W/$m"
done
assert_utab_exact
assert_not_mounted "$W/mnt"

# A later plain mount on the same directory shows no stale mapping.
mount --bind "$W/fs" "$W/mnt"
findmnt --mtab -n -o OPTIONS --mountpoint "$W/mnt" >"$OUT"
! grep -q x-idmap "$OUT" || fail "a plain bind shows a stale mapping: $(cat "$OUT")"
umount "$W/mnt"
assert_utab_exact
EOS
}

utab_case mount_direct "mount -t idmap and -t idmap.FSTYPE, with and without x-* options on the command line"
mount_direct_body() {
	e2e_run <<'EOS'
e2e_setup
i=0
while [ "$i" -lt 5 ]; do
	mount -t idmap -o "$MAP1000" "$W/ext4" "$W/mnt"
	assert_utab_exact "$W/mnt"
	findmnt --mtab -n -o OPTIONS --mountpoint "$W/mnt" >"$OUT"
	expect_out 'x-idmap\.uidmap=1000:0:1'
	umount "$W/mnt"
	assert_utab_exact

	# x-* options that only mount(8) sees, in each spelling of -o.
	mount -t idmap -o "$MAP1000,x-foo=1" "$W/ext4" "$W/mnt"
	assert_utab_exact "$W/mnt"
	grep -q 'x-foo=1' /run/mount/utab || fail "x-foo=1 is not recorded"
	umount "$W/mnt"
	mount -t idmap "--options=x-bar=2,$MAP1000" "$W/ext4" "$W/mnt"
	# Two new filesystems stacked on one directory: two records.  (Where
	# the kernel can idmap tmpfs, 6.3 on; else two binds.)
	if e2e_tmpfs_idmappable; then
		mount -vt idmap.tmpfs -ox-baz=3 -o "$MAP1000" none "$W/fs/dir" >/dev/null
		mount -t idmap.tmpfs -o "$MAP1000" none "$W/fs/dir"
	else
		mount -vt idmap -ox-baz=3 -o "$MAP1000" "$W/ext4/dir" "$W/fs/dir" >/dev/null
		mount -t idmap -o "$MAP1000" "$W/ext4/dir" "$W/fs/dir"
	fi
	assert_utab_exact "$W/mnt" "$W/fs/dir" "$W/fs/dir"
	umount "$W/fs/dir"
	umount "$W/fs/dir"
	umount "$W/mnt"
	assert_utab_exact
	i=$((i + 1))
done
EOS
}

utab_case helper_relative "the helper run directly with relative SRC and DIR records absolute paths, which umount removes"
helper_relative_body() {
	e2e_run <<'EOS'
e2e_setup
cd "$W/ext4"
expect_exit 0 "$HELPER" . ../mnt -o "$MAP1000"
cd /
assert_utab_exact "$W/mnt"
grep -F "TARGET=$W/mnt " /run/mount/utab >"$OUT"
expect_out "BINDSRC=$W/ext4 "
findmnt --mtab -n -o OPTIONS --mountpoint "$W/mnt" >"$OUT"
expect_out 'x-idmap\.uidmap=1000:0:1'
umount "$W/mnt"
assert_utab_exact

# A symlink on the way is resolved too.
ln -s "$W" "$W/link"
cd "$W/link"
expect_exit 0 "$HELPER" fs mnt -o "$MAP1000"
cd /
assert_utab_exact "$W/mnt"
umount "$W/mnt"
assert_utab_exact
EOS
}

utab_case userns_comma "a userns= path with a comma, quoted, is recorded whole"
userns_comma_body() {
	e2e_run <<'EOS'
e2e_setup
e2e_userns_start '1000 0 1' '1000 0 1'
ns="$W/ns,pinned"
touch "$ns"
mount --bind "/proc/$NSPID/ns/user" "$ns"
e2e_userns_stop
expect_exit 0 mount -t idmap -o "userns=\"$ns\"" "$W/ext4" "$W/mnt"
assert_owner "$W/mnt/u1000" 0 0
assert_utab_exact "$W/mnt"
findmnt --mtab -n -o OPTIONS --mountpoint "$W/mnt" >"$OUT"
expect_out "x-idmap\\.userns=\"$ns\""
umount "$W/mnt"
assert_utab_exact

# The same through fstab, with an x-* option that mount(8) records.
cat >"$W/fstab" <<EOF
$W/ext4 $W/mnt idmap X-idmap.userns="$ns",x-foo=1 0 0
EOF
LIBMOUNT_FSTAB="$W/fstab" mount "$W/mnt"
assert_utab_exact "$W/mnt"
grep -qF "x-idmap.userns=\"$ns\"" /run/mount/utab ||
	fail "userns path not recorded whole: $(cat /run/mount/utab)"
umount "$W/mnt"
assert_utab_exact
umount "$ns"
EOS
}

utab_case recursive_umount_R "umount -R and -Rl of a recursive mount leave no record, nor does umount of each mount"
recursive_umount_R_body() {
	e2e_run <<'EOS'
e2e_setup
mkdir -p "$W/ext4/sub" "$W/ext4/sub2"
e2e_idmappable_fs "$W/ext4/sub"
mkdir "$W/ext4/sub/deeper"
e2e_idmappable_fs "$W/ext4/sub/deeper"
mount --bind "$W/fs/dir" "$W/ext4/sub2"
cat >"$W/fstab" <<EOF
$W/ext4 $W/mnt idmap recursive,X-idmap.uidmap=1000:0:1,X-idmap.gidmap=1000:0:1,x-foo=1 0 0
EOF
for how in mount8 fstab helper; do
	case $how in
	mount8) mount -t idmap -o "recursive,$MAP1000" "$W/ext4" "$W/mnt" ;;
	fstab) LIBMOUNT_FSTAB="$W/fstab" mount "$W/mnt" ;;
	helper) "$HELPER" "$W/ext4" "$W/mnt" -o "recursive,$MAP1000" ;;
	esac
	assert_idmapped "$W/mnt/sub/deeper"
	assert_utab_exact "$W/mnt" "$W/mnt/sub" "$W/mnt/sub/deeper" "$W/mnt/sub2"
	findmnt --mtab -n -o OPTIONS --mountpoint "$W/mnt/sub2" >"$OUT"
	expect_out 'x-idmap\.uidmap=1000:0:1'
	umount -R "$W/mnt"
	assert_utab_exact
	[ "$(count_idmapped)" = 0 ] || fail "$how: idmapped mounts are left"
done

# umount -Rl, as the README advises for a busy tree.
mount -t idmap -o "recursive,$MAP1000" "$W/ext4" "$W/mnt"
umount -Rl "$W/mnt"
assert_utab_exact
[ "$(count_idmapped)" = 0 ] || fail "umount -Rl: idmapped mounts are left"

# One by one, from the bottom.
mount -t idmap -o "recursive,$MAP1000" "$W/ext4" "$W/mnt"
umount "$W/mnt/sub2"
umount "$W/mnt/sub/deeper"
assert_utab_exact "$W/mnt" "$W/mnt/sub"
umount "$W/mnt/sub"
umount "$W/mnt"
assert_utab_exact
EOS
}

utab_case concurrent "parallel idmap mount/umount loops of every kind beside plain mount --bind -o x-foo users leave utab exact"
concurrent_body() {
	e2e_run <<'EOS'
e2e_setup
N=20
: >"$W/fstab"
for k in 1 2 3 4 5 6; do
	mkdir "$W/t$k" "$W/b$k"
	echo "$W/ext4 $W/t$k idmap X-idmap.uidmap=1000:0:1,X-idmap.gidmap=1000:0:1,x-systemd.automount 0 0" >>"$W/fstab"
done
export LIBMOUNT_FSTAB="$W/fstab"
# loop K HOW: N cycles on $W/tK (or $W/bK for plain binds).
loop() {
	i=0
	while [ "$i" -lt "$N" ]; do
		case $2 in
		mount8) mount -t idmap -o "$MAP1000" "$W/fs" "$W/t$1" ;;
		fstab) mount "$W/t$1" ;;
		helper) "$HELPER" "$W/ext4" "$W/t$1" -o "$MAP1000,recursive" ;;
		xopt) mount -t idmap -o "$MAP1000,x-foo=$1" "$W/ext4" "$W/t$1" ;;
		plain) mount --bind -o "x-foo=$1" "$W/fs" "$W/b$1" ;;
		esac || { echo "loop $1 $2: mount failed" >>"$W/errors"; return; }
		if [ "$2" = plain ]; then
			umount "$W/b$1"
		else
			umount "$W/t$1"
		fi || { echo "loop $1 $2: umount failed" >>"$W/errors"; return; }
		i=$((i + 1))
	done
	echo "$1 $2" >>"$W/done"
}
loop 1 mount8 & p1=$!
loop 2 fstab & p2=$!
loop 3 helper & p3=$!
loop 4 xopt & p4=$!
loop 5 fstab & p5=$!
loop 1 plain & p6=$!
loop 2 plain & p7=$!
loop 3 plain & p8=$!
for p in $p1 $p2 $p3 $p4 $p5 $p6 $p7 $p8; do
	wait "$p"
done
[ ! -s "$W/errors" ] || fail "$(cat "$W/errors")"
[ "$(wc -l <"$W/done")" = 8 ] || fail "loops ended early: $(cat "$W/done")"
assert_utab_exact
[ "$(count_idmapped)" = 0 ] || fail "idmapped mounts are left"
EOS
}

utab_case remount_cycles "remounts of every kind, many times over, keep each record whole and single"
remount_cycles_body() {
	e2e_run <<'EOS'
e2e_setup
mkdir "$W/m2" "$W/m3"
cat >"$W/fstab" <<EOF
$W/ext4 $W/mnt idmap X-idmap.uidmap=1000:0:1,X-idmap.gidmap=1000:0:1 0 0
$W/ext4 $W/m2 idmap uidmap=1000:0:1,gidmap=1000:0:1,x-foo=1 0 0
EOF
export LIBMOUNT_FSTAB="$W/fstab"
mount "$W/mnt"
mount "$W/m2"
mount -t idmap -o uidmap=1000:0:1,gidmap=1000:0:1 "$W/ext4" "$W/m3"
# m2's record is mount(8)'s (x-foo): util-linux 2.41 rewrites it on
# remount with the options it records itself (README: The utab record).
others() { grep -v "TARGET=$W/m2 " /run/mount/utab; }
before=$(others)
i=0
while [ "$i" -lt 10 ]; do
	for m in mnt m2 m3; do
		mount -t idmap -o remount,ro "$W/$m" || fail "remount,ro $m (cycle $i)"
		assert_vfs "$W/$m" ro
		mount -t idmap -o remount,rw "$W/$m" || fail "remount,rw $m (cycle $i)"
	done
	mount -o remount,nosuid "$W/mnt" || fail "fstab remount (cycle $i)"
	mount -o remount,bind,nodev "$W/m3" || fail "bind remount (cycle $i)"
	i=$((i + 1))
done
assert_vfs "$W/mnt" nosuid
assert_vfs "$W/m3" nodev
[ "$(others)" = "$before" ] || fail "remounts changed utab:
$before
---
$(others)"
m2=$(grep "TARGET=$W/m2 " /run/mount/utab)
case $m2 in *x-foo=1*) ;; *) fail "m2's record lost x-foo: $m2" ;; esac
if ! mount8_at_least 2 41; then
	case $m2 in *x-idmap.uidmap=1000:0:1*) ;; *) fail "m2's record lost its mapping: $m2" ;; esac
fi
assert_utab_exact "$W/mnt" "$W/m2" "$W/m3"
for m in mnt m2 m3; do
	umount "$W/$m"
done
assert_utab_exact
EOS
}

atf_init_test_cases() {
	for tc in fstab_cycles mount_direct helper_relative userns_comma \
		recursive_umount_R concurrent remount_cycles; do
		atf_add_test_case "$tc"
	done
}
