#! @ATF_SH@
# SPDX-License-Identifier: Apache-2.0
#
# The command lines that the tools driving mount(8) run, through the real
# mount(8): mount -T FILE (Ansible's fstab=), mount -a -T, mount -o remount
# DIR after the entry's map changed (Ansible, systemctl reload), and
# util-linux's own X-mount.idmap= in an entry of type idmap.  Each case
# runs in private mount and pid namespaces, with a private /run and, where
# /etc/fstab is read, a private copy of it.

# The fstab that mount(8) reads without -T: a private one, with an entry
# for $W/mnt that maps otherwise, so that reading it shows.
#
# $W/ext4b: a second source on the work directory's filesystem, beside
# $W/ext4 (Linux 6.1 cannot idmap the tmpfs of e2e_setup).
CLIENTS_LIB='
second_source() {
	mkdir "$W/ext4b"
	touch "$W/ext4b/u1000" "$W/ext4b/u100000"
	chown 1000:1000 "$W/ext4b/u1000"
	chown 100000:100000 "$W/ext4b/u100000"
}

private_etc_fstab() {
	echo "$W/ext4 $W/mnt idmap X-idmap.uidmap=1000:99:1,X-idmap.gidmap=1000:99:1 0 0" >"$W/etc-fstab"
	mount --bind "$W/etc-fstab" /etc/fstab
	unset LIBMOUNT_FSTAB
	second_source
}

# $W/fleet: the fstab of -T, with one entry for $W/mnt, a map of its own.
fleet_fstab() {
	echo "$W/ext4 $W/mnt idmap X-idmap.uidmap=1000:7:1,X-idmap.gidmap=1000:8:1 0 0" >"$W/fleet"
}
'

. '@E2E_RUN@'

# clients_run: e2e_run with the functions above.
clients_run() {
	e2e_run "$CLIENTS_LIB"
}

# clients_case NAME DESCRIPTION: a case that needs root.
clients_case() {
	atf_test_case "$1"
	eval "$1_head() { atf_set descr '$2'; atf_set require.user root; }"
}

clients_case fstab_file "mount -T FILE, in every spelling, by DIR and by SRC"
fstab_file_body() {
	clients_run <<'EOS'
e2e_setup
private_etc_fstab
fleet_fstab
F="$W/fleet"
# Ansible's fstab=FILE runs "mount -T FILE DIR".
for spelling in "-T $F $W/mnt" "-T$F $W/mnt" "--fstab $F $W/mnt" \
	"--fstab=$F $W/mnt" "-vT $F $W/mnt" "--fst $F $W/mnt" \
	"$W/mnt -T $F" "-T $F $W/ext4" "--fstab=$F $W/ext4"; do
	# shellcheck disable=SC2086 # each spelling is split on purpose
	expect_exit 0 mount $spelling
	assert_idmapped "$W/mnt"
	assert_owner "$W/mnt/u1000" 7 8
	umount "$W/mnt"
	assert_not_mounted "$W/mnt"
done
# Two files, as mount(8) reads them: the entry is in the second.
: >"$W/empty"
expect_exit 0 mount -T "$W/empty" -T "$F" "$W/mnt"
assert_owner "$W/mnt/u1000" 7 8
umount "$W/mnt"
# Without -T, /etc/fstab, as before; LIBMOUNT_FSTAB still works.
expect_exit 0 mount "$W/mnt"
assert_owner "$W/mnt/u1000" 99 99
umount "$W/mnt"
expect_exit 0 env LIBMOUNT_FSTAB="$F" mount "$W/mnt"
assert_owner "$W/mnt/u1000" 7 8
umount "$W/mnt"
assert_no_helper_procs
EOS
}

clients_case fstab_file_trust "-T is read only from mount(8) itself"
fstab_file_trust_body() {
	clients_run <<'EOS'
e2e_setup
private_etc_fstab
fleet_fstab
# A script named mount whose command line says -T: not mount(8), so its
# command line is not read, and /etc/fstab's entry is used.
mkdir "$W/bin"
printf '#!/bin/sh\n"%s" "$3" "$4" -o rw\n' "$HELPER" >"$W/bin/mount"
chmod +x "$W/bin/mount"
expect_exit 0 "$W/bin/mount" -T "$W/fleet" "$W/ext4" "$W/mnt"
assert_owner "$W/mnt/u1000" 99 99
umount "$W/mnt"
# mount(8) under another name is not mount(8) either.
cp "$(command -v mount)" "$W/bin/mnt8"
expect_exit 0 "$W/bin/mnt8" -T "$W/fleet" "$W/mnt"
[ "$(stat -c %u "$W/mnt/u1000")" != 7 ] ||
	fail "the command line of a program not named mount was read"
umount "$W/mnt"
EOS
}

clients_case mount_all_fstab_file "mount -a -T FILE; again, it skips; a changed map is named"
mount_all_fstab_file_body() {
	clients_run <<'EOS'
e2e_setup
private_etc_fstab
mkdir "$W/mnt2"
cat >"$W/fleet" <<EOF
$W/ext4 $W/mnt idmap X-idmap.uidmap=1000:7:1,X-idmap.gidmap=1000:8:1 0 0
$W/ext4b $W/mnt2 idmap X-mount.idmap=b:1000:5:1 0 0
EOF
expect_exit 0 mount -a -T "$W/fleet"
assert_owner "$W/mnt/u1000" 7 8
assert_owner "$W/mnt2/u1000" 5 5
cp /run/mount/utab "$W/utab.before"
# Again: nothing changes.
expect_exit 0 mount -a -T "$W/fleet"
[ "$(count_idmapped)" = 2 ] || fail "want 2 idmapped mounts, have $(count_idmapped)"
# The entry's map changed: mount -a says so, in one line, and leaves the
# mount as it is.  The helper exits 32 for that entry, the other one
# succeeds: 64, some mounts succeeded.
sed -i 's/1000:7:1/1000:70:1/' "$W/fleet"
expect_exit 64 mount -a -T "$W/fleet"
expect_one_line_err
expect_err "^mount\\.idmap: $W/mnt: mounted already with uidmap=1000:7:1,gidmap=1000:8:1, but $W/fleet says uidmap=1000:70:1,gidmap=1000:8:1; mount -a leaves a mounted entry as it is: unmount $W/mnt and mount it again"
assert_owner "$W/mnt/u1000" 7 8
[ "$(count_idmapped)" = 2 ] || fail "want 2 idmapped mounts, have $(count_idmapped)"
cmp -s /run/mount/utab "$W/utab.before" || fail "utab changed"
assert_no_helper_procs
EOS
}

# What Ansible runs when an existing line changed, and systemctl reload of
# a unit that systemd-fstab-generator made from the line.
clients_case remount_changed_map "mount -o remount DIR after the map of the entry changed: refused, nothing changes"
remount_changed_map_body() {
	clients_run <<'EOS'
e2e_setup
private_etc_fstab
fleet_fstab
expect_exit 0 mount -T "$W/fleet" "$W/mnt"
cp /run/mount/utab "$W/utab.before"
sed -i 's/1000:7:1/1000:0:1/; s/ 0 0$/,ro 0 0/' "$W/fleet"
for cmd in "mount -T $W/fleet -o remount $W/mnt" \
	"mount --fstab=$W/fleet -o remount,nosuid $W/mnt"; do
	# shellcheck disable=SC2086
	expect_exit 32 $cmd
	expect_one_line_err
	expect_err "^mount\\.idmap: $W/mnt: remount: mounted with uidmap=1000:7:1,gidmap=1000:8:1, but $W/fleet says uidmap=1000:0:1,gidmap=1000:8:1; .*unmount $W/mnt and mount it again \\(systemctl restart"
	# Not applied half-way: neither ro nor nosuid.
	assert_vfs "$W/mnt" rw
	assert_not_vfs "$W/mnt" nosuid
	assert_owner "$W/mnt/u1000" 7 8
	cmp -s /run/mount/utab "$W/utab.before" || fail "utab changed"
done
# /etc/fstab, through LIBMOUNT_FSTAB as systemd-free scripts use it.
expect_exit 32 env LIBMOUNT_FSTAB="$W/fleet" mount -o remount "$W/mnt"
expect_err "but $W/fleet says"
# What to do: unmount, mount again.
umount "$W/mnt"
expect_exit 0 mount -T "$W/fleet" "$W/mnt"
assert_owner "$W/mnt/u1000" 0 8
assert_vfs "$W/mnt" ro
assert_no_helper_procs
EOS
}

clients_case remount_same_map "mount -o remount DIR with the map of the entry unchanged: the attributes change"
remount_same_map_body() {
	clients_run <<'EOS'
e2e_setup
private_etc_fstab
cat >"$W/fleet" <<EOF
$W/ext4 $W/mnt idmap X-mount.idmap=u:1000:7:1\\040g:1000:8:1 0 0
EOF
expect_exit 0 mount -T "$W/fleet" "$W/mnt"
assert_owner "$W/mnt/u1000" 7 8
# The same map in other words, and ro added.
cat >"$W/fleet" <<EOF
$W/ext4 $W/mnt idmap X-idmap.uidmap=1000:7:1,X-idmap.gidmap=1000:8:1,ro 0 0
EOF
expect_exit 0 mount -T "$W/fleet" -o remount "$W/mnt"
assert_vfs "$W/mnt" ro
assert_owner "$W/mnt/u1000" 7 8
# /etc/fstab's entry (another map) is not what -T named.
expect_exit 0 mount -T "$W/fleet" -o remount,rw "$W/mnt"
assert_vfs "$W/mnt" rw
[ "$(count_idmapped)" = 1 ] || fail "want 1 idmapped mount, have $(count_idmapped)"
assert_no_helper_procs
EOS
}

clients_case x_mount_idmap "X-mount.idmap= in an entry of type idmap and in -o: the mapping, one mount"
x_mount_idmap_body() {
	clients_run <<'EOS'
e2e_setup
private_etc_fstab
mkdir "$W/mnt2"
# util-linux's syntax: u:/g:/b: prefixes, extents separated by blanks.
cat >"$W/fleet" <<EOF
$W/ext4 $W/mnt idmap X-mount.idmap=u:1000:3:1\\040g:1000:4:1\\0400:100000:1 0 0
$W/ext4b $W/mnt2 idmap nosuid,X-mount.idmap=b:1000:0:1 0 0
EOF
expect_exit 0 mount -T "$W/fleet" "$W/mnt"
assert_owner "$W/mnt/u1000" 3 4
assert_owner "$W/mnt/root" 100000 100000
expect_exit 0 mount -T "$W/fleet" "$W/ext4b"
assert_owner "$W/mnt2/u1000" 0 0
assert_vfs "$W/mnt2" nosuid
# One mount at each, of SRC (not of the target onto itself): on 2.39 and
# later, mount(8)'s own idmap runs after the helper and must not stack.
[ "$(count_idmapped)" = 2 ] || fail "want 2 idmapped mounts, have $(count_idmapped)"
[ -e "$W/mnt/u1000" ] && [ -e "$W/mnt2/u100000" ] || fail "a mount does not show SRC"
[ "$(grep -c " $W/mnt " /proc/self/mountinfo)" = 1 ] || fail "more than one mount at $W/mnt"
umount "$W/mnt" "$W/mnt2"
assert_not_mounted "$W/mnt"
assert_not_mounted "$W/mnt2"
# On mount(8)'s command line.
expect_exit 0 mount -t idmap -o X-mount.idmap=b:1000:0:1 "$W/ext4b" "$W/mnt"
assert_owner "$W/mnt/u1000" 0 0
[ "$(count_idmapped)" = 1 ] || fail "want 1 idmapped mount, have $(count_idmapped)"
umount "$W/mnt"
# A user namespace path, as util-linux allows.
e2e_userns_start '1000 50 1' '1000 51 1'
expect_exit 0 mount -t idmap -o "X-mount.idmap=/proc/$NSPID/ns/user" "$W/ext4b" "$W/mnt"
e2e_userns_stop
assert_owner "$W/mnt/u1000" 50 51
umount "$W/mnt"
assert_not_mounted "$W/mnt"
assert_no_helper_procs
EOS
}

clients_case x_mount_idmap_failure "X-mount.idmap= and a failing helper: no stray mount, on any mount(8)"
x_mount_idmap_failure_body() {
	clients_run <<'EOS'
e2e_setup
private_etc_fstab
# util-linux 2.39 and later idmap DIR themselves after the helper when
# X-mount.idmap is given, even after a failure; exit 126 alone stops them.
if mount8_at_least 2 39; then
	code=126
	note='; exit 126, so that mount\(8\) does not idmap DIR onto itself'
else
	code=32
	note=''
fi
cat >"$W/fleet" <<EOF
$W/nosrc $W/mnt idmap X-mount.idmap=b:1000:0:1 0 0
$W/nosrc $W/mnt2 idmap X-mount.idmap=b:1000:0:1,nofail 0 0
EOF
mkdir "$W/mnt2"
expect_exit "$code" mount -T "$W/fleet" "$W/mnt"
expect_err "^mount\\.idmap: $W/mnt: source \"$W/nosrc\" does not exist$note"
[ "$(grep -c '^mount\.idmap: ' "$ERR")" = 1 ] || fail "want one line of the helper"
assert_not_mounted "$W/mnt"
expect_exit "$code" mount -t idmap -o X-mount.idmap=b:1000:0:1 "$W/nosrc" "$W/mnt"
assert_not_mounted "$W/mnt"
# A bad map that util-linux accepts (trailing junk): refused, nothing left.
expect_exit "$((code == 32 ? 1 : code))" mount -t idmap -o X-mount.idmap=b:1000:0:1x "$W/ext4b" "$W/mnt"
expect_err 'X-mount.idmap'
assert_not_mounted "$W/mnt"
# nofail and no SRC: nothing mounted, nothing left.
run mount -T "$W/fleet" "$W/mnt2"
[ "$rc" = "$((code == 32 ? 0 : code))" ] || fail "nofail: exit $rc"
assert_not_mounted "$W/mnt2"
# A mount already at DIR stays, and nothing lands on it.
mount -t tmpfs tmpfs "$W/mnt"
touch "$W/mnt/mine"
expect_exit "$code" mount -t idmap -o X-mount.idmap=b:1000:0:1 "$W/nosrc" "$W/mnt"
[ -e "$W/mnt/mine" ] || fail "the tmpfs at $W/mnt is gone or covered"
[ "$(count_idmapped)" = 0 ] || fail "an idmapped mount was left"
umount "$W/mnt"
# On an idmapped DIR, mount(8)'s own step cannot change anything: a
# refused remount, or mount -a on a mounted entry, exits 32 on any version.
cat >"$W/fleet" <<EOF
$W/ext4b $W/mnt idmap X-mount.idmap=b:1000:0:1 0 0
EOF
expect_exit 0 mount -T "$W/fleet" "$W/mnt"
sed -i 's/b:1000:0:1/b:1000:9:1/' "$W/fleet"
expect_exit 32 mount -T "$W/fleet" -o remount,ro "$W/mnt"
expect_one_line_err
expect_err "remount: mounted with uidmap=1000:0:1,gidmap=1000:0:1, but $W/fleet says uidmap=1000:9:1,gidmap=1000:9:1"
expect_exit 32 mount -a -T "$W/fleet"
expect_one_line_err
expect_err "mounted already with uidmap=1000:0:1"
assert_vfs "$W/mnt" rw
assert_owner "$W/mnt/u1000" 0 0
[ "$(count_idmapped)" = 1 ] || fail "want 1 idmapped mount, have $(count_idmapped)"
assert_no_helper_procs
EOS
}

atf_init_test_cases() {
	for tc in fstab_file fstab_file_trust mount_all_fstab_file \
		remount_changed_map remount_same_map x_mount_idmap \
		x_mount_idmap_failure; do
		atf_add_test_case "$tc"
	done
}
