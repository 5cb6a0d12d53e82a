#! @ATF_SH@
# SPDX-License-Identifier: Apache-2.0
#
# End-to-end tests through the system's real mount(8).  Every case runs in
# private mount and pid namespaces, so no mount reaches the host and any
# process the helper left behind would be visible to the case.
#
# Unless a case tests the helper's own command line (--help, -v, -f, -r,
# -w, no arguments, X-idmap.* spellings), it goes through `mount -t idmap`.

. '@E2E_RUN@'

# e2e_head DESCRIPTION: the head every case shares.
e2e_head() {
	atf_set descr "$1"
	atf_set require.user root
	atf_set require.progs "unshare mount umount findmnt mountpoint setpriv"
}

# ===================================================== option forms

atf_test_case bind_uidmap
bind_uidmap_head() {
	e2e_head "uidmap=/gidmap= through mount -t idmap on ext4"
}
bind_uidmap_body() {
	e2e_run <<'EOS'
e2e_setup
expect_exit 0 mount -t idmap -o uidmap=1000:0:1,gidmap=1000:0:1 "$W/ext4" "$W/mnt"
assert_idmapped "$W/mnt"
assert_owner "$W/mnt/u1000" 0 0
assert_owner "$W/mnt/root" 65534 65534
umount "$W/mnt"
assert_no_helper_procs
EOS
}

atf_test_case bind_uidmap_tmpfs
bind_uidmap_tmpfs_head() {
	e2e_head "uidmap=/gidmap= through mount -t idmap on a filesystem of its own (tmpfs where the kernel can idmap it), uid and gid apart"
}
bind_uidmap_tmpfs_body() {
	e2e_run <<'EOS'
e2e_setup
expect_exit 0 mount -t idmap -o uidmap=1000:0:1,gidmap=1000:7:1 "$W/fs" "$W/mnt"
assert_idmapped "$W/mnt"
assert_owner "$W/mnt/u1000" 0 7
assert_owner "$W/mnt/root" 65534 65534
assert_owner "$W/mnt/u100000" 65534 65534
umount "$W/mnt"
assert_not_mounted "$W/mnt"
assert_no_helper_procs
EOS
}

atf_test_case opt_quoted_comma_list
opt_quoted_comma_list_head() {
	e2e_head "uidmap=\"A,B\": a quoted comma-separated extent list, both trees"
}
opt_quoted_comma_list_body() {
	e2e_run <<'EOS'
e2e_setup
for src in ext4 fs; do
	expect_exit 0 mount -t idmap \
		-o 'uidmap="0:100000:1000,1000:0:1",gidmap="0:200000:1000,1000:5:1"' \
		"$W/$src" "$W/mnt"
	assert_idmapped "$W/mnt"
	assert_owner "$W/mnt/root" 100000 200000
	assert_owner "$W/mnt/u1000" 0 5
	assert_owner "$W/mnt/u100000" 65534 65534
	umount "$W/mnt"
done
assert_no_helper_procs
EOS
}

atf_test_case opt_blank_list
opt_blank_list_head() {
	e2e_head "uidmap=\"A B\": extents separated by a blank, both trees"
}
opt_blank_list_body() {
	e2e_run <<'EOS'
e2e_setup
for src in ext4 fs; do
	expect_exit 0 mount -t idmap \
		-o 'uidmap=0:100000:1000 1000:0:1,gidmap=0:200000:1000  1000:5:1' \
		"$W/$src" "$W/mnt"
	assert_idmapped "$W/mnt"
	assert_owner "$W/mnt/root" 100000 200000
	assert_owner "$W/mnt/u1000" 0 5
	assert_owner "$W/mnt/u100000" 65534 65534
	umount "$W/mnt"
done
assert_no_helper_procs
EOS
}

atf_test_case opt_repeated_uidmap
opt_repeated_uidmap_head() {
	e2e_head "uidmap= and gidmap= given several times accumulate extents"
}
opt_repeated_uidmap_body() {
	e2e_run <<'EOS'
e2e_setup
expect_exit 0 mount -t idmap \
	-o uidmap=0:100000:1000,gidmap=0:200000:1000,uidmap=1000:0:1,gidmap=1000:5:1 \
	"$W/ext4" "$W/mnt"
assert_idmapped "$W/mnt"
assert_owner "$W/mnt/root" 100000 200000
assert_owner "$W/mnt/u1000" 0 5
assert_owner "$W/mnt/u100000" 65534 65534
umount "$W/mnt"
assert_no_helper_procs
EOS
}

atf_test_case opt_idmap_both
opt_idmap_both_head() {
	e2e_head "idmap=b:INNER:OUTER:COUNT feeds both maps"
}
opt_idmap_both_body() {
	e2e_run <<'EOS'
e2e_setup
for src in ext4 fs; do
	expect_exit 0 mount -t idmap -o idmap=b:0:100000:65536 "$W/$src" "$W/mnt"
	assert_idmapped "$W/mnt"
	assert_owner "$W/mnt/root" 100000 100000
	assert_owner "$W/mnt/u1000" 101000 101000
	assert_owner "$W/mnt/u100000" 65534 65534
	umount "$W/mnt"
done
assert_no_helper_procs
EOS
}

atf_test_case opt_idmap_u_g
opt_idmap_u_g_head() {
	e2e_head "idmap='u:... g:...' feeds each map its own extents"
}
opt_idmap_u_g_body() {
	e2e_run <<'EOS'
e2e_setup
expect_exit 0 mount -t idmap -o 'idmap=u:0:100000:65536 g:0:200000:65536' \
	"$W/ext4" "$W/mnt"
assert_idmapped "$W/mnt"
assert_owner "$W/mnt/root" 100000 200000
assert_owner "$W/mnt/u1000" 101000 201000
assert_owner "$W/mnt/u100000" 65534 65534
umount "$W/mnt"
# Mixed with an unprefixed extent, which goes to both maps.
expect_exit 0 mount -t idmap -o 'idmap=1000:0:1 u:0:100000:1 g:0:200000:1' \
	"$W/fs" "$W/mnt"
assert_owner "$W/mnt/root" 100000 200000
assert_owner "$W/mnt/u1000" 0 0
umount "$W/mnt"
assert_no_helper_procs
EOS
}

atf_test_case opt_idmap_noprefix
opt_idmap_noprefix_head() {
	e2e_head "idmap=INNER:OUTER:COUNT without a prefix feeds both maps"
}
opt_idmap_noprefix_body() {
	e2e_run <<'EOS'
e2e_setup
for src in ext4 fs; do
	expect_exit 0 mount -t idmap -o idmap=0:100000:65536 "$W/$src" "$W/mnt"
	assert_idmapped "$W/mnt"
	assert_owner "$W/mnt/root" 100000 100000
	assert_owner "$W/mnt/u1000" 101000 101000
	assert_owner "$W/mnt/u100000" 65534 65534
	umount "$W/mnt"
done
assert_no_helper_procs
EOS
}

atf_test_case opt_idmap_userns_path
opt_idmap_userns_path_head() {
	e2e_head "idmap=/proc/PID/ns/user uses an existing user namespace"
}
opt_idmap_userns_path_body() {
	e2e_run <<'EOS'
e2e_setup
e2e_userns_start '0 100000 65536' '0 200000 65536'
for src in ext4 fs; do
	expect_exit 0 mount -t idmap -o "idmap=/proc/$NSPID/ns/user" "$W/$src" "$W/mnt"
	assert_idmapped "$W/mnt"
	assert_owner "$W/mnt/root" 100000 200000
	assert_owner "$W/mnt/u1000" 101000 201000
	assert_owner "$W/mnt/u100000" 65534 65534
	umount "$W/mnt"
done
e2e_userns_stop
assert_no_helper_procs
EOS
}

atf_test_case opt_userns_path
opt_userns_path_head() {
	e2e_head "userns=/proc/PID/ns/user uses an existing user namespace"
}
opt_userns_path_body() {
	e2e_run <<'EOS'
e2e_setup
e2e_userns_start '0 100000 65536' '0 200000 65536'
for src in ext4 fs; do
	expect_exit 0 mount -t idmap -o "userns=/proc/$NSPID/ns/user" "$W/$src" "$W/mnt"
	assert_idmapped "$W/mnt"
	assert_owner "$W/mnt/root" 100000 200000
	assert_owner "$W/mnt/u1000" 101000 201000
	assert_owner "$W/mnt/u100000" 65534 65534
	umount "$W/mnt"
done
# The X-idmap.userns= spelling, given to the helper directly.
expect_exit 0 "$HELPER" "$W/ext4" "$W/mnt" -o "X-idmap.userns=/proc/$NSPID/ns/user"
assert_owner "$W/mnt/root" 100000 200000
umount "$W/mnt"
e2e_userns_stop
assert_no_helper_procs
EOS
}

atf_test_case opt_x_idmap_direct
opt_x_idmap_direct_head() {
	e2e_head "X-idmap.uidmap=/X-idmap.gidmap= (and x-idmap.*) given to the helper directly"
}
opt_x_idmap_direct_body() {
	e2e_run <<'EOS'
e2e_setup
expect_exit 0 "$HELPER" "$W/ext4" "$W/mnt" \
	-o X-idmap.uidmap=0:100000:65536,X-idmap.gidmap=0:200000:65536
assert_idmapped "$W/mnt"
assert_owner "$W/mnt/root" 100000 200000
assert_owner "$W/mnt/u1000" 101000 201000
umount "$W/mnt"
expect_exit 0 "$HELPER" "$W/fs" "$W/mnt" \
	-o 'x-idmap.uidmap="0:100000:1000,1000:0:1",x-idmap.gidmap=1000:0:1'
assert_owner "$W/mnt/root" 100000 65534
assert_owner "$W/mnt/u1000" 0 0
umount "$W/mnt"
assert_no_helper_procs
EOS
}

atf_test_case opt_x_idmap_via_mount
opt_x_idmap_via_mount_head() {
	e2e_head "mount(8) drops X-idmap.* and X-mount.idmap; the helper reads them from its command line; one mount"
}
opt_x_idmap_via_mount_body() {
	e2e_run <<'EOS'
e2e_setup
# Every mount(8) drops X-* before the helper runs; the helper reads them
# back from the command line of mount(8), its parent.
expect_exit 0 mount -t idmap \
	-o X-idmap.uidmap=0:100000:65536,X-idmap.gidmap=0:100000:65536 \
	"$W/ext4" "$W/mnt"
assert_owner "$W/mnt/root" 100000 100000
umount "$W/mnt"
# util-linux's own option: the same mount on 2.38, which ignores it, and
# on 2.39 and later, whose own idmap step after the helper then fails
# (the kernel does not idmap a mount twice) and is ignored.
expect_exit 0 mount -t idmap -o X-mount.idmap=0:100000:65536 "$W/ext4" "$W/mnt"
assert_owner "$W/mnt/root" 100000 100000
[ -e "$W/mnt/u1000" ] || fail "the mount does not show SRC"
[ "$(count_idmapped)" = 1 ] || fail "want 1 idmapped mount, have $(count_idmapped)"
umount "$W/mnt"
assert_not_mounted "$W/mnt"
# Mixed with the helper's own map: the options given to the helper win.
expect_exit 0 mount -t idmap -o "X-mount.idmap=0:100000:65536,$MAP1000" "$W/ext4" "$W/mnt"
assert_idmapped "$W/mnt"
assert_owner "$W/mnt/u1000" 0 0
assert_owner "$W/mnt/root" 65534 65534
[ "$(count_idmapped)" = 1 ] || fail "want 1 idmapped mount, have $(count_idmapped)"
umount "$W/mnt"
assert_not_mounted "$W/mnt"
assert_no_helper_procs
EOS
}

# ===================================================== ownership

atf_test_case ownership_stat
ownership_stat_head() {
	e2e_head "stat through the mount shows mapped owners and 65534; findmnt shows idmapped"
}
ownership_stat_body() {
	e2e_run <<'EOS'
e2e_setup
e2e_private_users	# the name of 65534, nobody, comes from there
mkdir "$W/mnt2"
expect_exit 0 mount -t idmap \
	-o 'uidmap="0:100000:1000,1000:0:1",gidmap="0:300000:1000,1000:5:1"' \
	"$W/ext4" "$W/mnt"
expect_exit 0 mount -t idmap \
	-o 'uidmap="0:100000:1000,1000:0:1",gidmap="0:300000:1000,1000:5:1"' \
	"$W/fs" "$W/mnt2"
for m in "$W/mnt" "$W/mnt2"; do
	assert_mounted "$m"
	assert_idmapped "$m"
	assert_owner "$m/root" 100000 300000
	assert_owner "$m/dir" 100000 300000
	assert_owner "$m/u1000" 0 5
	assert_owner "$m/u100000" 65534 65534
	[ "$(stat -c %U "$m/u100000")" = nobody ] ||
		fail "$m/u100000 is not shown as nobody"
done
[ "$(e2e_fs_type "$W/mnt2")" = "$(e2e_fs_type "$W/fs")" ] ||
	fail "$W/mnt2 is not a mount of $W/fs"
# The source itself is untouched.
assert_owner "$W/ext4/root" 0 0
assert_owner "$W/ext4/u1000" 1000 1000
assert_owner "$W/fs/u100000" 100000 100000
[ "$(count_idmapped)" = 2 ] || fail "want 2 idmapped mounts, have $(count_idmapped)"
umount "$W/mnt" "$W/mnt2"
assert_no_helper_procs
EOS
}

# ===================================================== writing

atf_test_case write_mapped_user
write_mapped_user_head() {
	e2e_head "a mapped user's new file lands on disk with the INNER id (both trees)"
}
write_mapped_user_body() {
	e2e_run <<'EOS'
e2e_setup
for src in ext4 fs; do
	# The kernel refuses writes to a directory whose owner is unmapped
	# (EACCES); dir's owner 1000 is seen as 0.
	chown 1000:1000 "$W/$src/dir"
	expect_exit 0 mount -t idmap \
		-o 'uidmap="1000:0:1,100000:5000:1",gidmap="1000:0:1,100000:5000:1"' \
		"$W/$src" "$W/mnt"
	expect_exit 0 as_user 5000 "$W/mnt/dir" touch new
	assert_owner "$W/$src/dir/new" 100000 100000
	assert_owner "$W/mnt/dir/new" 5000 5000
	# root (fsuid 0) is the OUTER side of 1000:0:1.
	expect_exit 0 touch "$W/mnt/dir/byroot"
	assert_owner "$W/$src/dir/byroot" 1000 1000
	assert_owner "$W/mnt/dir/byroot" 0 0
	umount "$W/mnt"
done
assert_no_helper_procs
EOS
}

atf_test_case write_unmapped_user
write_unmapped_user_head() {
	e2e_head "a caller whose fsuid is not mapped cannot create files (EOVERFLOW)"
}
write_unmapped_user_body() {
	e2e_run <<'EOS'
e2e_setup
for src in ext4 fs; do
	# The kernel refuses writes to a directory whose owner is unmapped
	# (EACCES); dir's owner 1000 is seen as 0.
	chown 1000:1000 "$W/$src/dir"
	expect_exit 0 mount -t idmap \
		-o 'uidmap="1000:0:1,100000:5000:1",gidmap="1000:0:1,100000:5000:1"' \
		"$W/$src" "$W/mnt"
	run as_user 6000 "$W/mnt/dir" touch new
	[ "$rc" != 0 ] || fail "uid 6000 created a file through the mount"
	expect_err 'Value too large'
	[ ! -e "$W/$src/dir/new" ] || fail "$W/$src/dir/new exists"
	# The same uid writes fine through the source: the failure is the map's.
	expect_exit 0 as_user 6000 "$W/$src/dir" touch new
	umount "$W/mnt"
done
assert_no_helper_procs
EOS
}

# ===================================================== VFS attributes

atf_test_case vfs_ro
vfs_ro_head() {
	e2e_head "ro: findmnt shows ro and writing fails with EROFS"
}
vfs_ro_body() {
	e2e_run <<'EOS'
e2e_setup
for src in ext4 fs; do
	expect_exit 0 mount -t idmap -o "ro,$MAP1000" "$W/$src" "$W/mnt"
	assert_idmapped "$W/mnt"
	assert_vfs "$W/mnt" ro
	run touch "$W/mnt/dir/new"
	[ "$rc" != 0 ] || fail "wrote through a read-only mount"
	expect_err 'Read-only file system'
	# The source stays writable.
	expect_exit 0 touch "$W/$src/dir/new"
	umount "$W/mnt"
done
# mount -r says the same.
expect_exit 0 mount -r -t idmap -o "$MAP1000" "$W/ext4" "$W/mnt"
assert_vfs "$W/mnt" ro
umount "$W/mnt"
assert_no_helper_procs
EOS
}

atf_test_case flag_r
flag_r_head() {
	e2e_head "-r given to the helper makes the mount read-only, even after -o rw"
}
flag_r_body() {
	e2e_run <<'EOS'
e2e_setup
expect_exit 0 "$HELPER" -r "$W/ext4" "$W/mnt" -o "rw,$MAP1000"
assert_idmapped "$W/mnt"
assert_vfs "$W/mnt" ro
run touch "$W/mnt/dir/new"
[ "$rc" != 0 ] || fail "wrote through a -r mount"
expect_err 'Read-only file system'
umount "$W/mnt"
assert_no_helper_procs
EOS
}

atf_test_case flag_w
flag_w_head() {
	e2e_head "-w given to the helper makes the mount read-write, even after -o ro"
}
flag_w_body() {
	e2e_run <<'EOS'
e2e_setup
# The kernel refuses writes to a directory whose owner is unmapped (EACCES),
# so give dir an owner the map covers.
chown 1000:1000 "$W/ext4/dir"
expect_exit 0 "$HELPER" -w "$W/ext4" "$W/mnt" -o "ro,$MAP1000"
assert_idmapped "$W/mnt"
assert_vfs "$W/mnt" rw
assert_not_vfs "$W/mnt" ro
expect_exit 0 touch "$W/mnt/dir/new"
assert_owner "$W/ext4/dir/new" 1000 1000
umount "$W/mnt"
assert_no_helper_procs
EOS
}

atf_test_case vfs_nosuid
vfs_nosuid_head() {
	e2e_head "nosuid is set on the idmapped mount"
}
vfs_nosuid_body() {
	e2e_run <<'EOS'
e2e_setup
for src in ext4 fs; do
	expect_exit 0 mount -t idmap -o "nosuid,$MAP1000" "$W/$src" "$W/mnt"
	assert_idmapped "$W/mnt"
	assert_vfs "$W/mnt" nosuid
	umount "$W/mnt"
done
# Without it, the mount is not nosuid.
expect_exit 0 mount -t idmap -o "$MAP1000" "$W/fs" "$W/mnt"
assert_not_vfs "$W/mnt" nosuid
umount "$W/mnt"
assert_no_helper_procs
EOS
}

atf_test_case vfs_nodev
vfs_nodev_head() {
	e2e_head "nodev: findmnt shows it and a device node cannot be opened"
}
vfs_nodev_body() {
	e2e_run <<'EOS'
e2e_setup
mknod "$W/fs/null" c 1 3
expect_exit 0 sh -c 'echo x >"$1"' sh "$W/fs/null"
expect_exit 0 mount -t idmap -o "nodev,$MAP1000" "$W/fs" "$W/mnt"
assert_idmapped "$W/mnt"
assert_vfs "$W/mnt" nodev
run sh -c 'echo x >"$1"' sh "$W/mnt/null"
[ "$rc" != 0 ] || fail "opened a device through a nodev mount"
expect_err 'Permission denied'
umount "$W/mnt"
expect_exit 0 mount -t idmap -o "nodev,$MAP1000" "$W/ext4" "$W/mnt"
assert_vfs "$W/mnt" nodev
umount "$W/mnt"
assert_no_helper_procs
EOS
}

atf_test_case vfs_noexec
vfs_noexec_head() {
	e2e_head "noexec: findmnt shows it and a script cannot be executed"
}
vfs_noexec_body() {
	e2e_run <<'EOS'
e2e_setup
for src in ext4 fs; do
	printf '#!/bin/sh\nexit 0\n' >"$W/$src/script"
	chmod 0755 "$W/$src/script"
	expect_exit 0 "$W/$src/script"
	expect_exit 0 mount -t idmap -o "noexec,$MAP1000" "$W/$src" "$W/mnt"
	assert_idmapped "$W/mnt"
	assert_vfs "$W/mnt" noexec
	run "$W/mnt/script"
	[ "$rc" != 0 ] || fail "executed a script through a noexec mount"
	expect_err 'Permission denied'
	umount "$W/mnt"
done
assert_no_helper_procs
EOS
}

atf_test_case vfs_noatime
vfs_noatime_head() {
	e2e_head "noatime: findmnt shows it and reading does not update atime"
}
vfs_noatime_body() {
	e2e_run <<'EOS'
e2e_setup
for src in ext4 fs; do
	expect_exit 0 mount -t idmap -o "noatime,$MAP1000" "$W/$src" "$W/mnt"
	assert_idmapped "$W/mnt"
	assert_vfs "$W/mnt" noatime
	assert_not_vfs "$W/mnt" relatime
	# atime older than mtime: relatime would update it.
	set_times "$W/$src/u1000" 7200 3600
	before=$(atime "$W/$src/u1000")
	cat "$W/mnt/u1000"
	[ "$(atime "$W/$src/u1000")" = "$before" ] || fail "noatime updated atime"
	# The source (relatime) does update it: the check can see a change.
	cat "$W/$src/u1000"
	[ "$(atime "$W/$src/u1000")" != "$before" ] || fail "control: atime did not change"
	umount "$W/mnt"
done
assert_no_helper_procs
EOS
}

atf_test_case vfs_relatime
vfs_relatime_head() {
	e2e_head "relatime replaces an inherited noatime"
}
vfs_relatime_body() {
	e2e_run <<'EOS'
e2e_setup
for src in ext4 fs; do
	bind_self "$W/$src" noatime
	expect_exit 0 mount -t idmap -o "relatime,$MAP1000" "$W/$src" "$W/mnt"
	assert_idmapped "$W/mnt"
	assert_vfs "$W/mnt" relatime
	assert_not_vfs "$W/mnt" noatime
	set_times "$W/$src/u1000" 7200 3600
	before=$(atime "$W/$src/u1000")
	cat "$W/$src/u1000"
	[ "$(atime "$W/$src/u1000")" = "$before" ] || fail "control: noatime source updated atime"
	cat "$W/mnt/u1000"
	[ "$(atime "$W/$src/u1000")" != "$before" ] || fail "relatime did not update an old atime"
	umount "$W/mnt"
done
assert_no_helper_procs
EOS
}

atf_test_case vfs_strictatime
vfs_strictatime_head() {
	e2e_head "strictatime replaces an inherited noatime and always updates atime"
}
vfs_strictatime_body() {
	e2e_run <<'EOS'
e2e_setup
for src in ext4 fs; do
	bind_self "$W/$src" noatime
	expect_exit 0 mount -t idmap -o "strictatime,$MAP1000" "$W/$src" "$W/mnt"
	assert_idmapped "$W/mnt"
	# The kernel names no option for strictatime: neither of the others.
	assert_not_vfs "$W/mnt" noatime
	assert_not_vfs "$W/mnt" relatime
	# An atime in the future: relatime would leave it alone.
	now=$(date +%s)
	touch -a -d "@$((now + 3600))" "$W/$src/u1000"
	before=$(atime "$W/$src/u1000")
	cat "$W/mnt/u1000"
	[ "$(atime "$W/$src/u1000")" != "$before" ] || fail "strictatime did not update atime"
	umount "$W/mnt"
done
assert_no_helper_procs
EOS
}

atf_test_case vfs_nodiratime
vfs_nodiratime_head() {
	e2e_head "nodiratime: findmnt shows it; listing a directory keeps its atime"
}
vfs_nodiratime_body() {
	e2e_run <<'EOS'
e2e_setup
for src in ext4 fs; do
	expect_exit 0 mount -t idmap -o "nodiratime,$MAP1000" "$W/$src" "$W/mnt"
	assert_idmapped "$W/mnt"
	assert_vfs "$W/mnt" nodiratime
	set_times "$W/$src/dir" 7200 3600
	before=$(atime "$W/$src/dir")
	ls "$W/mnt/dir" >/dev/null
	[ "$(atime "$W/$src/dir")" = "$before" ] || fail "nodiratime updated a directory's atime"
	# Files still get their atime updated (relatime).
	set_times "$W/$src/u1000" 7200 3600
	fbefore=$(atime "$W/$src/u1000")
	cat "$W/mnt/u1000"
	[ "$(atime "$W/$src/u1000")" != "$fbefore" ] || fail "nodiratime acted as noatime"
	# Control: listing through the source updates it.
	ls "$W/$src/dir" >/dev/null
	[ "$(atime "$W/$src/dir")" != "$before" ] || fail "control: directory atime did not change"
	umount "$W/mnt"
done
assert_no_helper_procs
EOS
}

atf_test_case vfs_nosymfollow
vfs_nosymfollow_head() {
	e2e_head "nosymfollow: findmnt shows it and following a symlink fails with ELOOP"
}
vfs_nosymfollow_body() {
	e2e_run <<'EOS'
e2e_setup
for src in ext4 fs; do
	ln -s u1000 "$W/$src/link"
	expect_exit 0 cat "$W/$src/link"
	expect_exit 0 mount -t idmap -o "nosymfollow,$MAP1000" "$W/$src" "$W/mnt"
	assert_idmapped "$W/mnt"
	assert_vfs "$W/mnt" nosymfollow
	run cat "$W/mnt/link"
	[ "$rc" != 0 ] || fail "followed a symlink through a nosymfollow mount"
	expect_err 'Too many levels of symbolic links'
	[ "$(readlink "$W/mnt/link")" = u1000 ] || fail "readlink fails under nosymfollow"
	umount "$W/mnt"
done
assert_no_helper_procs
EOS
}

atf_test_case vfs_combined
vfs_combined_head() {
	e2e_head "several VFS options at once all reach the mount"
}
vfs_combined_body() {
	e2e_run <<'EOS'
e2e_setup
expect_exit 0 mount -t idmap \
	-o "ro,nosuid,nodev,noexec,noatime,nodiratime,nosymfollow,$MAP1000" \
	"$W/ext4" "$W/mnt"
assert_idmapped "$W/mnt"
for o in ro nosuid nodev noexec noatime nodiratime nosymfollow; do
	assert_vfs "$W/mnt" "$o"
done
assert_owner "$W/mnt/u1000" 0 0
umount "$W/mnt"
assert_no_helper_procs
EOS
}

# ===================================================== other options

atf_test_case opt_user_owner_group
opt_user_owner_group_head() {
	e2e_head "user, users, owner, group, nouser are accepted and grant nothing"
}
opt_user_owner_group_body() {
	e2e_run <<'EOS'
e2e_setup
# Directly: accepted, still idmapped, and no attribute is added.
expect_exit 0 "$HELPER" "$W/ext4" "$W/mnt" -o "user,users,owner,group,nouser,$MAP1000"
assert_idmapped "$W/mnt"
assert_owner "$W/mnt/u1000" 0 0
for o in ro nosuid nodev noexec noatime; do
	assert_not_vfs "$W/mnt" "$o"
done
umount "$W/mnt"
# Through mount(8), which itself expands user into noexec,nosuid,nodev and
# owner/group into nosuid,nodev: still an idmapped mount.
expect_exit 0 mount -t idmap -o "user,$MAP1000" "$W/ext4" "$W/mnt"
assert_idmapped "$W/mnt"
assert_owner "$W/mnt/u1000" 0 0
assert_not_vfs "$W/mnt" ro
umount "$W/mnt"
expect_exit 0 mount -t idmap -o "owner,group,$MAP1000" "$W/fs" "$W/mnt"
assert_idmapped "$W/mnt"
assert_not_vfs "$W/mnt" ro
assert_not_vfs "$W/mnt" noexec
umount "$W/mnt"
# They grant nothing: an unprivileged caller is still refused.
expect_exit 1 setpriv --reuid=1000 --regid=1000 --clear-groups \
	/sbin/mount.idmap "$W/ext4" "$W/mnt" -o "user,$MAP1000"
expect_one_line_err
expect_err 'root privileges'
assert_not_mounted "$W/mnt"
assert_no_helper_procs
EOS
}

atf_test_case opt_sloppy
opt_sloppy_head() {
	e2e_head "-s ignores an unknown option"
}
opt_sloppy_body() {
	e2e_run <<'EOS'
e2e_setup
expect_exit 0 mount -s -t idmap -o "foo=bar,frobnicate,$MAP1000" "$W/ext4" "$W/mnt"
assert_idmapped "$W/mnt"
assert_owner "$W/mnt/u1000" 0 0
umount "$W/mnt"
expect_exit 0 "$HELPER" -s "$W/fs" "$W/mnt" -o "foo=bar,$MAP1000"
assert_idmapped "$W/mnt"
umount "$W/mnt"
assert_no_helper_procs
EOS
}

atf_test_case opt_unknown_rejected
opt_unknown_rejected_head() {
	e2e_head "without -s an unknown option is rejected, named in the message"
}
opt_unknown_rejected_body() {
	e2e_run <<'EOS'
e2e_setup
expect_rejected 'unknown option "foo"' \
	mount -t idmap -o "foo=bar,$MAP1000" "$W/ext4" "$W/mnt"
expect_rejected 'unknown option "frobnicate"' \
	mount -t idmap -o "$MAP1000,frobnicate" "$W/fs" "$W/mnt"
EOS
}

# ===================================================== flags

atf_test_case flag_fake
flag_fake_head() {
	e2e_head "-f: exit 0, nothing mounted, but everything is still checked"
}
flag_fake_body() {
	e2e_run <<'EOS'
e2e_setup
expect_exit 0 "$HELPER" -f "$W/ext4" "$W/mnt" -o "$MAP1000"
assert_not_mounted "$W/mnt"
expect_exit 0 mount -f -t idmap -o "$MAP1000" "$W/fs" "$W/mnt"
assert_not_mounted "$W/mnt"
assert_no_helper_procs
# -f checks the options and the source.
expect_rejected 'COUNT must be at least 1' "$HELPER" -f "$W/ext4" "$W/mnt" -o uidmap=0:0:0
expect_mount_failed 'does not support idmapped mounts' "$W/mnt" \
	"$HELPER" -f /proc "$W/mnt" -o "$MAP1000"
EOS
}

atf_test_case flag_verbose
flag_verbose_head() {
	e2e_head "-v prints the plan: each extent as on-disk -> seen as"
}
flag_verbose_body() {
	e2e_run <<'EOS'
e2e_setup
expect_exit 0 "$HELPER" -v "$W/ext4" "$W/mnt" \
	-o 'uidmap=0:100000:65536,gidmap="1000:0:1,0:200000:1"'
expect_out '^mount\.idmap: idmapped bind of ".*/ext4" on ".*/mnt"$'
expect_out '^  uid: on-disk 0-65535 → seen as 100000-165535$'
expect_out '^  gid: on-disk 1000 → seen as 0$'
expect_out '^  gid: on-disk 0 → seen as 200000$'
[ "$(wc -l <"$OUT")" -eq 4 ] || fail "want 4 lines of plan"
assert_idmapped "$W/mnt"
umount "$W/mnt"
# Through mount -v, and with -f: marked fake, nothing mounted.
expect_exit 0 mount -v -f -t idmap -o idmap=b:0:100000:65536 "$W/fs" "$W/mnt"
expect_out '^mount\.idmap: \(fake\) idmapped bind'
expect_out '^  uid: on-disk 0-65535 → seen as 100000-165535$'
expect_out '^  gid: on-disk 0-65535 → seen as 100000-165535$'
assert_not_mounted "$W/mnt"
# Without -v, nothing on stdout.
expect_exit 0 mount -t idmap -o "$MAP1000" "$W/ext4" "$W/mnt"
[ ! -s "$OUT" ] || fail "output without -v"
umount "$W/mnt"
assert_no_helper_procs
EOS
}

atf_test_case flag_nomtab
flag_nomtab_head() {
	e2e_head "-n is accepted"
}
flag_nomtab_body() {
	e2e_run <<'EOS'
e2e_setup
expect_exit 0 mount -n -t idmap -o "$MAP1000" "$W/ext4" "$W/mnt"
assert_idmapped "$W/mnt"
assert_owner "$W/mnt/u1000" 0 0
umount "$W/mnt"
expect_exit 0 "$HELPER" -n "$W/fs" "$W/mnt" -o "$MAP1000"
assert_idmapped "$W/mnt"
umount "$W/mnt"
assert_no_helper_procs
EOS
}

atf_test_case flag_help
flag_help_head() {
	e2e_head "--help and -h exit 0 and print Usage on stdout"
}
flag_help_body() {
	e2e_run <<'EOS'
for f in --help -h; do
	expect_exit 0 "$HELPER" "$f"
	expect_out '^Usage: mount\.idmap'
	[ ! -s "$ERR" ] || fail "$f wrote to stderr"
done
EOS
}

atf_test_case flag_version
flag_version_head() {
	e2e_head "--version and -V print the version"
}
flag_version_body() {
	e2e_run <<'EOS'
for f in --version -V; do
	expect_exit 0 "$HELPER" "$f"
	expect_out '^mount\.idmap [0-9]+\.[0-9]+(\.[0-9]+)?'
	[ "$(wc -l <"$OUT")" -eq 1 ] || fail "$f: not one line"
	[ ! -s "$ERR" ] || fail "$f wrote to stderr"
done
EOS
}

atf_test_case no_args
no_args_head() {
	e2e_head "no arguments (or one): usage on stderr, exit 1"
}
no_args_body() {
	e2e_run <<'EOS'
e2e_overlay_sbin
expect_exit 1 "$HELPER"
expect_err '^Usage: mount\.idmap'
[ ! -s "$OUT" ] || fail "usage went to stdout"
expect_exit 1 /sbin/mount.idmap "$W"
expect_err '^Usage: mount\.idmap'
[ ! -s "$OUT" ] || fail "usage went to stdout"
EOS
}

# ===================================================== bad input

atf_test_case bad_nondecimal
bad_nondecimal_head() {
	e2e_head "a non-decimal field is rejected"
}
bad_nondecimal_body() {
	e2e_run <<'EOS'
e2e_setup
expect_rejected 'INNER "1a".*not a plain decimal number from 0 to 4294967295, nor a name' \
	mount -t idmap -o uidmap=1a:0:1,gidmap=0:0:1 "$W/ext4" "$W/mnt"
# A name starts with a letter or "_": "-1" stays a bad number.
expect_rejected 'OUTER "-1".*not a plain decimal' \
	mount -t idmap -o uidmap=0:-1:1,gidmap=0:0:1 "$W/ext4" "$W/mnt"
expect_rejected 'OUTER "0x10".*not a plain decimal' \
	mount -t idmap -o uidmap=0:0:1,gidmap=0:0x10:1 "$W/fs" "$W/mnt"
EOS
}

atf_test_case bad_sign_minus
bad_sign_minus_head() {
	e2e_head "a negative id (-1) is rejected"
}
bad_sign_minus_body() {
	e2e_run <<'EOS'
e2e_setup
expect_rejected 'INNER "-1".*not a plain decimal' \
	mount -t idmap -o uidmap=-1:0:1,gidmap=0:0:1 "$W/ext4" "$W/mnt"
EOS
}

atf_test_case bad_sign_plus
bad_sign_plus_head() {
	e2e_head "a signed id (+1) is rejected"
}
bad_sign_plus_body() {
	e2e_run <<'EOS'
e2e_setup
expect_rejected 'OUTER "\+1".*not a plain decimal' \
	mount -t idmap -o uidmap=0:+1:1,gidmap=0:0:1 "$W/ext4" "$W/mnt"
EOS
}

atf_test_case bad_trailing_junk
bad_trailing_junk_head() {
	e2e_head "trailing junk after COUNT is rejected"
}
bad_trailing_junk_body() {
	e2e_run <<'EOS'
e2e_setup
expect_rejected 'COUNT "1x".*not a plain decimal' \
	mount -t idmap -o uidmap=0:0:1,gidmap=0:0:1x "$W/ext4" "$W/mnt"
expect_rejected '"0:0:1:5".*INNER:OUTER:COUNT' \
	mount -t idmap -o uidmap=0:0:1:5,gidmap=0:0:1 "$W/ext4" "$W/mnt"
EOS
}

atf_test_case bad_too_large
bad_too_large_head() {
	e2e_head "an id above 4294967295 is rejected"
}
bad_too_large_body() {
	e2e_run <<'EOS'
e2e_setup
expect_rejected 'INNER "4294967296".*4294967295' \
	mount -t idmap -o uidmap=4294967296:0:1,gidmap=0:0:1 "$W/ext4" "$W/mnt"
expect_rejected 'COUNT "99999999999".*4294967295' \
	mount -t idmap -o uidmap=0:0:1,gidmap=0:0:99999999999 "$W/ext4" "$W/mnt"
EOS
}

atf_test_case bad_count_zero
bad_count_zero_head() {
	e2e_head "COUNT 0 is rejected"
}
bad_count_zero_body() {
	e2e_run <<'EOS'
e2e_setup
expect_rejected '"0:100000:0".*COUNT must be at least 1' \
	mount -t idmap -o uidmap=0:100000:0,gidmap=0:0:1 "$W/ext4" "$W/mnt"
EOS
}

atf_test_case bad_inner_past_limit
bad_inner_past_limit_head() {
	e2e_head "INNER+COUNT past 4294967295 is rejected; up to it is accepted"
}
bad_inner_past_limit_body() {
	e2e_run <<'EOS'
e2e_setup
expect_rejected '"4294967290:0:10".*runs past' \
	mount -t idmap -o uidmap=4294967290:0:10,gidmap=0:0:1 "$W/ext4" "$W/mnt"
expect_rejected '"4294967295:0:1".*runs past' \
	mount -t idmap -o uidmap=0:0:1,gidmap=4294967295:0:1 "$W/ext4" "$W/mnt"
# The last usable id is 4294967294.
expect_exit 0 mount -t idmap -o 'uidmap="1000:0:1,4294967294:1:1",gidmap=1000:0:1' \
	"$W/ext4" "$W/mnt"
assert_owner "$W/mnt/u1000" 0 0
umount "$W/mnt"
EOS
}

atf_test_case bad_outer_past_limit
bad_outer_past_limit_head() {
	e2e_head "OUTER+COUNT past 4294967295 is rejected; up to it is accepted"
}
bad_outer_past_limit_body() {
	e2e_run <<'EOS'
e2e_setup
expect_rejected '"0:4294967290:10".*runs past' \
	mount -t idmap -o uidmap=0:4294967290:10,gidmap=0:0:1 "$W/ext4" "$W/mnt"
expect_rejected '"0:4294967295:1".*runs past' \
	mount -t idmap -o uidmap=0:0:1,gidmap=0:4294967295:1 "$W/ext4" "$W/mnt"
expect_exit 0 mount -t idmap -o 'uidmap=1000:0:1,gidmap="1000:0:1,0:4294967294:1"' \
	"$W/ext4" "$W/mnt"
assert_owner "$W/mnt/root" 65534 4294967294
umount "$W/mnt"
EOS
}

atf_test_case bad_overlap_inner
bad_overlap_inner_head() {
	e2e_head "extents overlapping on the INNER side are rejected"
}
bad_overlap_inner_body() {
	e2e_run <<'EOS'
e2e_setup
expect_rejected 'uid map.*"0:1000:10" and "5:2000:10" overlap on the INNER' \
	mount -t idmap -o 'uidmap="0:1000:10,5:2000:10",gidmap=0:0:1' "$W/ext4" "$W/mnt"
expect_rejected 'gid map.*overlap on the INNER' \
	mount -t idmap -o 'uidmap=0:0:1,gidmap=0:1000:10 9:2000:1' "$W/ext4" "$W/mnt"
EOS
}

atf_test_case bad_overlap_outer
bad_overlap_outer_head() {
	e2e_head "extents overlapping on the OUTER side are rejected"
}
bad_overlap_outer_body() {
	e2e_run <<'EOS'
e2e_setup
expect_rejected 'uid map.*"0:1000:10" and "100:1005:10" overlap on the OUTER' \
	mount -t idmap -o 'uidmap="0:1000:10,100:1005:10",gidmap=0:0:1' "$W/ext4" "$W/mnt"
expect_rejected 'gid map.*overlap on the OUTER' \
	mount -t idmap -o 'uidmap=0:0:1,gidmap=0:1000:10 100:1009:1' "$W/ext4" "$W/mnt"
EOS
}

atf_test_case bad_341_extents
bad_341_extents_head() {
	e2e_head "341 extents, one more than the kernel takes, are rejected"
}
bad_341_extents_body() {
	e2e_run <<'EOS'
e2e_setup
list=$(extents 341 ,)
expect_rejected 'uid map has more than 340 extents' \
	mount -t idmap -o "uidmap=\"$list\",gidmap=0:0:1" "$W/ext4" "$W/mnt"
list=$(extents 341 ' ')
expect_rejected 'more than 340 extents' \
	mount -t idmap -o "idmap=$list" "$W/ext4" "$W/mnt"
EOS
}

atf_test_case ok_340_extents
ok_340_extents_head() {
	e2e_head "340 extents, the kernel's limit, work"
}
ok_340_extents_body() {
	e2e_run <<'EOS'
e2e_setup
list=$(extents 340 ,)
expect_exit 0 mount -t idmap -o "uidmap=\"$list\",gidmap=\"$list\"" "$W/ext4" "$W/mnt"
grep -q " $W/mnt .*[ ,]idmapped[ ,]" /proc/self/mountinfo ||
	fail "mountinfo shows no idmapped mount on $W/mnt"
assert_owner "$W/mnt/root" 1000 1000
assert_owner "$W/mnt/u1000" 65534 65534
umount "$W/mnt"
list=$(extents 340 ' ')
expect_exit 0 mount -t idmap -o "idmap=$list" "$W/fs" "$W/mnt"
grep -q " $W/mnt .*[ ,]idmapped[ ,]" /proc/self/mountinfo ||
	fail "mountinfo shows no idmapped mount on $W/mnt"
assert_owner "$W/mnt/root" 1000 1000
umount "$W/mnt"
assert_no_helper_procs
EOS
}

atf_test_case one_map_uid
one_map_uid_head() {
	e2e_head "only a uid map: the gids stay as they are"
}
one_map_uid_body() {
	e2e_run <<'EOS'
e2e_setup
expect_exit 0 mount -t idmap -o uidmap=1000:0:1 "$W/ext4" "$W/mnt"
assert_idmapped "$W/mnt"
assert_owner "$W/mnt/u1000" 0 1000
assert_owner "$W/mnt/root" 65534 0
assert_owner "$W/mnt/u100000" 65534 100000
# The record keeps only what was given: mounting it again means the same.
findmnt --mtab -n -o OPTIONS --mountpoint "$W/mnt" | grep -q 'x-idmap.uidmap=1000:0:1' ||
	fail "no utab record of the uid map"
! findmnt --mtab -n -o OPTIONS --mountpoint "$W/mnt" | grep -q 'gidmap' ||
	fail "utab records a gid map that was not given"
umount "$W/mnt"
expect_exit 0 mount -t idmap -o idmap=u:1000:0:1 "$W/ext4" "$W/mnt"
assert_owner "$W/mnt/u1000" 0 1000
umount "$W/mnt"
assert_no_helper_procs
EOS
}

atf_test_case one_map_gid
one_map_gid_head() {
	e2e_head "only a gid map remaps one group and leaves every owner as it is"
}
one_map_gid_body() {
	e2e_run <<'EOS'
e2e_setup
expect_exit 0 mount -v -t idmap -o gidmap=1000:20:1 "$W/ext4" "$W/mnt"
expect_out 'uid: identity, no uid map given'
assert_owner "$W/mnt/u1000" 1000 20
# --show prints what was given, which mounts the same again.
expect_exit 0 "$HELPER" --show "$W/mnt"
[ "$(cat "$OUT")" = 'gidmap=1000:20:1' ] || fail "--show prints $(cat "$OUT")"
assert_owner "$W/mnt/root" 0 65534
assert_owner "$W/mnt/u100000" 100000 65534
umount "$W/mnt"
assert_no_helper_procs
EOS
}

atf_test_case bad_maps_and_userns
bad_maps_and_userns_head() {
	e2e_head "maps together with a user namespace are rejected"
}
bad_maps_and_userns_body() {
	e2e_run <<'EOS'
e2e_setup
e2e_userns_start '0 100000 65536' '0 100000 65536'
expect_rejected 'both maps and a user namespace' \
	mount -t idmap -o "$MAP1000,userns=/proc/$NSPID/ns/user" "$W/ext4" "$W/mnt"
expect_rejected 'both maps and a user namespace' \
	mount -t idmap -o "idmap=/proc/$NSPID/ns/user,uidmap=0:0:1" "$W/ext4" "$W/mnt"
e2e_userns_stop
EOS
}

atf_test_case bad_no_mapping
bad_no_mapping_head() {
	e2e_head "no mapping at all is rejected"
}
bad_no_mapping_body() {
	e2e_run <<'EOS'
e2e_setup
expect_rejected 'no mapping given' mount -t idmap "$W/ext4" "$W/mnt"
expect_rejected 'no mapping given' mount -t idmap -o ro,nosuid "$W/fs" "$W/mnt"
EOS
}

atf_test_case bad_empty_extent
bad_empty_extent_head() {
	e2e_head "an empty extent (,, or a stray comma) is rejected"
}
bad_empty_extent_body() {
	e2e_run <<'EOS'
e2e_setup
expect_rejected 'empty extent in "0:100:1,,5:105:1"' \
	mount -t idmap -o 'uidmap="0:100:1,,5:105:1",gidmap=0:0:1' "$W/ext4" "$W/mnt"
expect_rejected 'empty extent' \
	mount -t idmap -o 'uidmap="0:100:1,",gidmap=0:0:1' "$W/ext4" "$W/mnt"
expect_rejected 'empty extent' \
	mount -t idmap -o 'uidmap=0:0:1,gidmap=",0:100:1"' "$W/ext4" "$W/mnt"
EOS
}

atf_test_case bad_unbalanced_quote
bad_unbalanced_quote_head() {
	e2e_head "an unbalanced quote is rejected"
}
bad_unbalanced_quote_body() {
	e2e_run <<'EOS'
e2e_setup
# The helper itself refuses it, naming the rule.
expect_rejected 'unbalanced quote' \
	"$HELPER" "$W/ext4" "$W/mnt" -o 'uidmap="0:100:1,gidmap=0:100:1'
expect_rejected 'unbalanced quote' \
	"$HELPER" "$W/ext4" "$W/mnt" -o 'uidmap=0:100:1,gidmap=0:100:1"'
# mount(8)'s libmount drops an option whose quote never closes before it
# runs the helper, which would then see the gid map alone; it reads the
# -o of mount(8)'s command line, and refuses there too.
expect_rejected 'unbalanced quote in options "gidmap=1000:100:1,uidmap="0:100:1"' \
	mount -v -t idmap -o 'gidmap=1000:100:1,uidmap="0:100:1' "$W/ext4" "$W/mnt"
EOS
}

atf_test_case bad_userns_relative
bad_userns_relative_head() {
	e2e_head "a relative user-namespace path is rejected"
}
bad_userns_relative_body() {
	e2e_run <<'EOS'
e2e_setup
expect_rejected '"proc/self/ns/user" is not an absolute path' \
	mount -t idmap -o userns=proc/self/ns/user "$W/ext4" "$W/mnt"
expect_rejected '"proc/1/ns/user" is not an absolute path' \
	"$HELPER" "$W/ext4" "$W/mnt" -o X-idmap.userns=proc/1/ns/user
# idmap= takes a path only when it starts with "/"; anything else is an
# extent list, and this one is refused as such.
expect_rejected 'bad extent "ns/user"' \
	mount -t idmap -o idmap=ns/user "$W/ext4" "$W/mnt"
EOS
}

# ===================================================== mount failures

atf_test_case fail_no_source
fail_no_source_head() {
	e2e_head "a nonexistent source: exit 32, the message names it"
}
fail_no_source_body() {
	e2e_run <<'EOS'
e2e_setup
expect_mount_failed "^mount\\.idmap: $W/mnt: source \"$W/nonexistent\" does not exist\$" "$W/mnt" \
	mount -t idmap -o "$MAP1000" "$W/nonexistent" "$W/mnt"
assert_not_mounted "$W/mnt"
EOS
}

atf_test_case fail_no_target
fail_no_target_head() {
	e2e_head "a nonexistent mount point: exit 32, the message names it"
}
fail_no_target_body() {
	e2e_run <<'EOS'
e2e_setup
expect_mount_failed "^mount\\.idmap: $W/nonexistent: mount point does not exist\$" "$W/mnt" \
	mount -t idmap -o "$MAP1000" "$W/ext4" "$W/nonexistent"
assert_not_mounted "$W/mnt"
[ ! -e "$W/nonexistent" ] || fail "the mount point was created"
EOS
}

atf_test_case fail_proc_source
fail_proc_source_head() {
	e2e_head "/proc as source: exit 32, proc does not support idmapped mounts"
}
fail_proc_source_body() {
	e2e_run <<'EOS'
e2e_setup
expect_mount_failed 'proc .*"/proc" does not support idmapped mounts' "$W/mnt" \
	mount -t idmap -o "$MAP1000" /proc "$W/mnt"
assert_not_mounted "$W/mnt"
EOS
}

atf_test_case fail_already_idmapped
fail_already_idmapped_head() {
	e2e_head "an already idmapped source: re-idmapped from on-disk ids (Linux 6.15+), else exit 32 saying so"
}
fail_already_idmapped_body() {
	e2e_run <<'EOS'
e2e_setup
mkdir "$W/mnt2"
expect_exit 0 mount -t idmap -o "$MAP1000" "$W/ext4" "$W/mnt"
if kernel_at_least 6 15; then
	# open_tree_attr() clones it with the new idmap, which replaces the
	# old one: the new map is relative to the on-disk ids.
	expect_exit 0 mount -t idmap -o idmap=b:0:100000:65536 "$W/mnt" "$W/mnt2"
	assert_idmapped "$W/mnt2"
	assert_owner "$W/mnt2/u1000" 101000 101000
	assert_owner "$W/mnt2/root" 100000 100000
	assert_owner "$W/mnt/u1000" 0 0
	[ "$(count_idmapped)" = 2 ] || fail "want 2 idmapped mounts, have $(count_idmapped)"
	umount "$W/mnt2"
else
	expect_mount_failed "\"$W/mnt\" is already (an )?idmapped" "$W/mnt2" \
		mount -t idmap -o idmap=b:0:100000:65536 "$W/mnt" "$W/mnt2"
	[ "$(count_idmapped)" = 1 ] || fail "want 1 idmapped mount, have $(count_idmapped)"
fi
umount "$W/mnt"
assert_not_mounted "$W/mnt"
assert_no_helper_procs
EOS
}

atf_test_case fail_userns_not_userns
fail_userns_not_userns_head() {
	e2e_head "userns=/etc/passwd: exit 32, not a user namespace"
}
fail_userns_not_userns_body() {
	e2e_run <<'EOS'
e2e_setup
expect_mount_failed '"/etc/passwd" is not a user namespace' "$W/mnt" \
	mount -t idmap -o userns=/etc/passwd "$W/ext4" "$W/mnt"
expect_mount_failed '"/proc/self/ns/mnt" is not a user namespace' "$W/mnt" \
	mount -t idmap -o userns=/proc/self/ns/mnt "$W/ext4" "$W/mnt"
expect_mount_failed "\"$W/nonexistent\"" "$W/mnt" \
	mount -t idmap -o "userns=$W/nonexistent" "$W/ext4" "$W/mnt"
assert_not_mounted "$W/mnt"
EOS
}

atf_test_case fail_userns_initial
fail_userns_initial_head() {
	e2e_head "userns=/proc/self/ns/user (the initial namespace): exit 32"
}
fail_userns_initial_body() {
	e2e_run <<'EOS'
e2e_setup
expect_mount_failed '"/proc/self/ns/user" is the initial user namespace' "$W/mnt" \
	mount -t idmap -o userns=/proc/self/ns/user "$W/ext4" "$W/mnt"
expect_mount_failed 'initial user namespace' "$W/mnt" \
	mount -t idmap -o idmap=/proc/1/ns/user "$W/fs" "$W/mnt"
assert_not_mounted "$W/mnt"
EOS
}

# ===================================================== umount

atf_test_case umount_cleanup
umount_cleanup_head() {
	e2e_head "after umount nothing is mounted and nothing is left running"
}
umount_cleanup_body() {
	e2e_run <<'EOS'
e2e_setup
mkdir "$W/mnt2"
before=$(wc -l </proc/self/mountinfo)
expect_exit 0 mount -t idmap -o "$MAP1000" "$W/ext4" "$W/mnt"
expect_exit 0 mount -t idmap -o idmap=b:0:100000:65536 "$W/fs" "$W/mnt2"
assert_mounted "$W/mnt"
assert_mounted "$W/mnt2"
[ "$(count_idmapped)" = 2 ] || fail "want 2 idmapped mounts"
expect_exit 0 umount "$W/mnt"
expect_exit 0 umount "$W/mnt2"
assert_not_mounted "$W/mnt"
assert_not_mounted "$W/mnt2"
[ "$(wc -l </proc/self/mountinfo)" = "$before" ] || fail "mounts are left"
[ "$(count_idmapped)" = 0 ] || fail "idmapped mounts are left"
# The source and its owners are as before.
assert_owner "$W/ext4/u1000" 1000 1000
assert_owner "$W/fs/root" 0 0
assert_no_helper_procs
EOS
}

# What the README says mount(8) does to the options on their way, in the
# version that runs here (2.38 and 2.39+ differ).
atf_test_case mount8_rewrites
mount8_rewrites_head() {
	atf_set descr "mount(8) binds by itself on bind; 2.38 drops flag-clearing options, 2.39+ passes them"
	atf_set require.user root
}
mount8_rewrites_body() {
	e2e_run <<'EOS'
e2e_setup
# bind: mount(8) never runs the helper, and the result is not idmapped.
expect_exit 0 mount -t idmap -o bind,uidmap=1000:0:1,gidmap=1000:0:1 "$W/ext4" "$W/mnt"
mountpoint -q "$W/mnt" || fail "bind did not mount"
! grep -q idmapped /proc/self/mountinfo || fail "bind through mount(8) was idmapped"
assert_owner "$W/mnt/u1000" 1000 1000
umount "$W/mnt"
# suid through mount(8) on a nosuid source: 2.38 drops it before the
# helper, so the mount stays nosuid; 2.39 and later pass it on, and the
# helper clears nosuid.  Called directly, the helper always clears it.
mkdir "$W/nosuid"
mount --bind -o nosuid "$W/ext4" "$W/nosuid"
mount -o remount,bind,nosuid "$W/nosuid"
expect_exit 0 mount -t idmap -o suid,uidmap=1000:0:1,gidmap=1000:0:1 "$W/nosuid" "$W/mnt"
assert_idmapped "$W/mnt"
if mount8_at_least 2 39; then
	assert_not_vfs "$W/mnt" nosuid
else
	assert_vfs "$W/mnt" nosuid
fi
umount "$W/mnt"
expect_exit 0 "$HELPER" "$W/nosuid" "$W/mnt" -o suid,uidmap=1000:0:1,gidmap=1000:0:1
assert_not_vfs "$W/mnt" nosuid
EOS
}

atf_test_case flag_clearing_direct
flag_clearing_direct_head() {
	atf_set descr "called directly, suid dev exec atime diratime symfollow clear what SRC has"
	atf_set require.user root
}
flag_clearing_direct_body() {
	e2e_run <<'EOS'
e2e_setup
mkdir "$W/locked"
mount --bind "$W/ext4" "$W/locked"
mount -o remount,bind,nosuid,nodev,noexec,noatime,nodiratime,nosymfollow "$W/locked"
# Inherited when not named.
expect_exit 0 "$HELPER" "$W/locked" "$W/mnt" -o uidmap=1000:0:1,gidmap=1000:0:1
for f in nosuid nodev noexec noatime nodiratime nosymfollow; do
	assert_vfs "$W/mnt" "$f"
done
umount "$W/mnt"
# Cleared when named; atime means the kernel default, relatime.
expect_exit 0 "$HELPER" "$W/locked" "$W/mnt" \
	-o suid,dev,exec,atime,diratime,symfollow,uidmap=1000:0:1,gidmap=1000:0:1
for f in nosuid nodev noexec noatime nodiratime nosymfollow; do
	assert_not_vfs "$W/mnt" "$f"
done
assert_vfs "$W/mnt" relatime
assert_idmapped "$W/mnt"
EOS
}

atf_init_test_cases() {
	# option forms
	atf_add_test_case bind_uidmap
	atf_add_test_case bind_uidmap_tmpfs
	atf_add_test_case opt_quoted_comma_list
	atf_add_test_case opt_blank_list
	atf_add_test_case opt_repeated_uidmap
	atf_add_test_case opt_idmap_both
	atf_add_test_case opt_idmap_u_g
	atf_add_test_case opt_idmap_noprefix
	atf_add_test_case opt_idmap_userns_path
	atf_add_test_case opt_userns_path
	atf_add_test_case opt_x_idmap_direct
	atf_add_test_case opt_x_idmap_via_mount
	# ownership and writing
	atf_add_test_case ownership_stat
	atf_add_test_case write_mapped_user
	atf_add_test_case write_unmapped_user
	# VFS attributes
	atf_add_test_case vfs_ro
	atf_add_test_case flag_r
	atf_add_test_case flag_w
	atf_add_test_case vfs_nosuid
	atf_add_test_case vfs_nodev
	atf_add_test_case vfs_noexec
	atf_add_test_case vfs_noatime
	atf_add_test_case vfs_relatime
	atf_add_test_case vfs_strictatime
	atf_add_test_case vfs_nodiratime
	atf_add_test_case vfs_nosymfollow
	atf_add_test_case vfs_combined
	# other options
	atf_add_test_case opt_user_owner_group
	atf_add_test_case opt_sloppy
	atf_add_test_case opt_unknown_rejected
	# flags
	atf_add_test_case flag_fake
	atf_add_test_case flag_verbose
	atf_add_test_case flag_nomtab
	atf_add_test_case flag_help
	atf_add_test_case flag_version
	atf_add_test_case no_args
	# bad input
	atf_add_test_case bad_nondecimal
	atf_add_test_case bad_sign_minus
	atf_add_test_case bad_sign_plus
	atf_add_test_case bad_trailing_junk
	atf_add_test_case bad_too_large
	atf_add_test_case bad_count_zero
	atf_add_test_case bad_inner_past_limit
	atf_add_test_case bad_outer_past_limit
	atf_add_test_case bad_overlap_inner
	atf_add_test_case bad_overlap_outer
	atf_add_test_case bad_341_extents
	atf_add_test_case ok_340_extents
	atf_add_test_case one_map_uid
	atf_add_test_case one_map_gid
	atf_add_test_case bad_maps_and_userns
	atf_add_test_case bad_no_mapping
	atf_add_test_case bad_empty_extent
	atf_add_test_case bad_unbalanced_quote
	atf_add_test_case bad_userns_relative
	# mount failures
	atf_add_test_case fail_no_source
	atf_add_test_case fail_no_target
	atf_add_test_case fail_proc_source
	atf_add_test_case fail_already_idmapped
	atf_add_test_case fail_userns_not_userns
	atf_add_test_case fail_userns_initial
	# umount
	atf_add_test_case umount_cleanup
	atf_add_test_case mount8_rewrites
	atf_add_test_case flag_clearing_direct
}
