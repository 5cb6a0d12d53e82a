#! @ATF_SH@
# SPDX-License-Identifier: Apache-2.0
#
# Privilege and trust: the helper refuses to run without CAP_SYS_ADMIN
# (as it is run for fstab "user" mounts) and when installed setuid, and
# needs nothing from the environment.

. '@E2E_RUN@'

# trust_case NAME DESCRIPTION: a case that needs root.
trust_case() {
	atf_test_case "$1"
	eval "$1_head() { atf_set descr '$2'; atf_set require.user root; }"
}

trust_case unprivileged "without CAP_SYS_ADMIN: refused, exit 1"
unprivileged_body() {
	e2e_run <<'EOS'
e2e_setup
expect_rejected "root privileges \\(CAP_SYS_ADMIN\\) are needed; idmapped mounts cannot be user mounts" \
	setpriv --reuid=1000 --regid=1000 --clear-groups --inh-caps=-all \
	"$HELPER" "$W/ext4" "$W/mnt" -o uidmap=0:1:1,gidmap=0:1:1
# Root without the capability is refused as well.
expect_rejected "CAP_SYS_ADMIN" \
	setpriv --inh-caps=-sys_admin --bounding-set=-sys_admin \
	"$HELPER" "$W/ext4" "$W/mnt" -o uidmap=0:1:1,gidmap=0:1:1
EOS
}

trust_case user_mount "an fstab user mount of type idmap is refused"
user_mount_body() {
	e2e_run <<'EOS'
e2e_setup
# mount(8) refuses a user mount by a uid without a passwd entry ("failed to
# parse mount options"), before it runs any helper: the test user comes
# from this namespace's own /etc/passwd, not from the machine.
e2e_private_users
echo "$W/ext4 $W/mnt idmap user,noauto,X-idmap.uidmap=0:1:1,X-idmap.gidmap=0:1:1 0 0" >"$W/fstab"
mount --bind "$W/fstab" /etc/fstab
# mount(8) is setuid root; for a user mount it drops to the caller's ids
# before it runs the helper.
run setpriv --reuid=1000 --regid=1000 --clear-groups mount "$W/mnt"
[ "$rc" != 0 ] || fail "a user mount of type idmap succeeded"
expect_err "mount.idmap: .*idmapped mounts cannot be user mounts"
assert_not_mounted "$W/mnt"
EOS
}

trust_case setuid "installed setuid, the helper refuses to run"
setuid_body() {
	e2e_run <<'EOS'
e2e_setup
mkdir "$W/suid"
mount -t tmpfs -o mode=0755 tmpfs "$W/suid"
cp "$HELPER" "$W/suid/mount.idmap"
chmod 4755 "$W/suid/mount.idmap"
expect_rejected "refusing to run setuid or setgid" \
	setpriv --reuid=1000 --regid=1000 --clear-groups \
	"$W/suid/mount.idmap" "$W/ext4" "$W/mnt" -o uidmap=0:1:1,gidmap=0:1:1
EOS
}

trust_case empty_environment "works with an empty environment, as mount(8) leaves it"
empty_environment_body() {
	e2e_run <<'EOS'
e2e_setup
expect_exit 0 env -i "$HELPER" "$W/ext4" "$W/mnt" -o uidmap=1000:0:1,gidmap=1000:0:1
assert_idmapped "$W/mnt"
assert_owner "$W/mnt/u1000" 0 0
EOS
}

trust_case symlinks "a symlink source is followed, a symlink mount point is not"
symlinks_body() {
	e2e_run <<'EOS'
e2e_setup
mkdir "$W/real"
ln -s "$W/real" "$W/link"
ln -s "$W/ext4" "$W/srclink"
expect_exit 32 "$HELPER" "$W/ext4" "$W/link" -o uidmap=1000:0:1,gidmap=1000:0:1
expect_one_line_err
expect_err "^mount\\.idmap: $W/link: mount point is a symlink, which mount\\.idmap does not follow"
assert_no_helper_procs
! mountpoint -q "$W/real" || fail "the mount went through the symlink"
expect_exit 0 "$HELPER" "$W/srclink" "$W/mnt" -o uidmap=1000:0:1,gidmap=1000:0:1
assert_owner "$W/mnt/u1000" 0 0
EOS
}

trust_case kinds "a file binds on a file; a file on a directory is named"
kinds_body() {
	e2e_run <<'EOS'
e2e_setup
touch "$W/target-file"
expect_exit 0 mount -t idmap -o uidmap=1000:0:1,gidmap=1000:0:1 "$W/ext4/u1000" "$W/target-file"
assert_owner "$W/target-file" 0 0
umount "$W/target-file"
expect_exit 32 mount -t idmap -o uidmap=1000:0:1,gidmap=1000:0:1 "$W/ext4/u1000" "$W/mnt"
expect_one_line_err
expect_err "^mount\\.idmap: $W/mnt: source \"$W/ext4/u1000\" is not a directory but the mount point is a directory"
assert_no_helper_procs
# A blank after a comma makes a new option name: say so.
expect_rejected '" gidmap" starts with a blank' \
	mount -t idmap -o 'uidmap=0:1:1, gidmap=0:1:1' "$W/ext4" "$W/mnt"
EOS
}

trust_case show_unprivileged "--show needs no privilege"
show_unprivileged_body() {
	e2e_run <<'EOS'
e2e_setup
expect_exit 0 mount -t idmap -o uidmap=1000:0:1,gidmap=1000:0:1 "$W/ext4" "$W/mnt"
expect_exit 0 setpriv --reuid=1000 --regid=1000 --clear-groups --inh-caps=-all \
	"$HELPER" --show "$W/mnt"
[ "$(cat "$OUT")" = "uidmap=1000:0:1,gidmap=1000:0:1" ] ||
	fail "--show as uid 1000 printed: $(cat "$OUT")"
EOS
}

atf_init_test_cases() {
	for tc in unprivileged user_mount setuid empty_environment symlinks \
		kinds show_unprivileged; do
		atf_add_test_case "$tc"
	done
}
