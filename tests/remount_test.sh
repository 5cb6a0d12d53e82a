#! @ATF_SH@
# SPDX-License-Identifier: Apache-2.0
#
# remount of an idmapped mount, through the real mount(8) wherever a user
# goes through it: which mount it changes (DIR only, never through a
# symlink, only an idmapped one, the whole tree with recursive), which SRC
# and which mapping it accepts, and what mount(8) passes when it is given
# DIR alone.  Each case runs in private mount and pid namespaces.

. '@E2E_RUN@'

# remount_case NAME DESCRIPTION: a case that needs root.
remount_case() {
	atf_test_case "$1"
	eval "$1_head() { atf_set descr '$2'; atf_set require.user root; }"
}

remount_case recursive "remount,recursive changes every mount below DIR; remount alone only DIR"
recursive_body() {
	e2e_run <<'EOS'
e2e_setup
mkdir -p "$W/ext4/sub"
e2e_idmappable_fs "$W/ext4/sub"
expect_exit 0 mount -t idmap -o "recursive,$MAP1000" "$W/ext4" "$W/mnt"
# A submount made on the idmapped tree afterwards, not idmapped itself.
mount -t tmpfs tmpfs "$W/mnt/dir"
assert_idmapped "$W/mnt/sub"
expect_exit 0 mount -t idmap -o remount,ro "$W/ext4" "$W/mnt"
assert_vfs "$W/mnt" ro
assert_vfs "$W/mnt/sub" rw
assert_vfs "$W/mnt/dir" rw
expect_exit 0 mount -t idmap -o remount,recursive,ro "$W/ext4" "$W/mnt"
for m in "$W/mnt" "$W/mnt/sub" "$W/mnt/dir"; do
	assert_vfs "$m" ro
done
expect_exit 0 mount -t idmap -o remount,recursive,rw,nodev "$W/ext4" "$W/mnt"
for m in "$W/mnt" "$W/mnt/sub" "$W/mnt/dir"; do
	assert_vfs "$m" rw
	assert_vfs "$m" nodev
done
assert_idmapped "$W/mnt"
assert_idmapped "$W/mnt/sub"
assert_owner "$W/mnt/u1000" 0 0
EOS
}

remount_case symlink "remount does not follow a symlink at DIR: exit 32, and nothing changes"
symlink_body() {
	e2e_run <<'EOS'
e2e_setup
expect_exit 0 mount -t idmap -o "$MAP1000" "$W/ext4" "$W/mnt"
ln -s mnt "$W/link"
# mount(8) resolves DIR itself; a symlink reaches the helper directly, or
# when the path changed after mount(8) looked at it.
expect_exit 32 "$HELPER" "$W/ext4" "$W/link" -o remount,ro
expect_one_line_err
expect_err "^mount\\.idmap: $W/link: remount: the mount point is a symlink, which mount.idmap does not follow"
assert_vfs "$W/mnt" rw
expect_exit 32 "$HELPER" "$W/ext4" "$W/link" -o remount,ro,recursive
assert_vfs "$W/mnt" rw
assert_no_helper_procs
EOS
}

remount_case not_idmapped "remount refuses a DIR that is not an idmapped mount point: exit 32"
not_idmapped_body() {
	e2e_run <<'EOS'
e2e_setup
# A plain bind mount.
mount --bind "$W/ext4" "$W/mnt"
expect_exit 32 mount -t idmap -o remount,ro "$W/ext4" "$W/mnt"
expect_one_line_err
expect_err "^mount\\.idmap: $W/mnt: remount: not an idmapped mount"
assert_vfs "$W/mnt" rw
# DIR alone: mount(8) passes the filesystem's own options back.
expect_exit 32 mount -t idmap -o remount,ro "$W/fs"
expect_one_line_err
expect_err "^mount\\.idmap: $W/fs: remount: not an idmapped mount"
assert_vfs "$W/fs" rw
umount "$W/mnt"
# A directory inside an idmapped mount, and one that is no mount at all.
expect_exit 0 mount -t idmap -o "$MAP1000" "$W/ext4" "$W/mnt"
expect_exit 32 "$HELPER" "$W/ext4" "$W/mnt/dir" -o remount,ro
expect_one_line_err
expect_err "^mount\\.idmap: $W/mnt/dir: remount: not a mount point"
assert_vfs "$W/mnt" rw
expect_exit 32 "$HELPER" "$W/ext4" "$W/ext4/dir" -o remount,ro
expect_err "^mount\\.idmap: $W/ext4/dir: remount: not a mount point"
assert_no_helper_procs
EOS
}

remount_case source "remount checks that SRC is what DIR is mounted from"
source_body() {
	e2e_run <<'EOS'
e2e_setup
expect_exit 0 mount -t idmap -o "$MAP1000" "$W/ext4" "$W/mnt"
# Another directory: refused, and nothing changes.
expect_exit 32 mount -t idmap -o remount,ro "$W/fs" "$W/mnt"
expect_one_line_err
expect_err "^mount\\.idmap: $W/mnt: remount: \"$W/fs\" is not the source of this mount"
assert_vfs "$W/mnt" rw
expect_exit 32 "$HELPER" "$W/nonexistent" "$W/mnt" -o remount,ro
expect_err "is not the source of this mount"
assert_vfs "$W/mnt" rw
# The directory it binds, under its own name or through a symlink ...
expect_exit 0 mount -t idmap -o remount,ro "$W/ext4" "$W/mnt"
assert_vfs "$W/mnt" ro
ln -s ext4 "$W/src-link"
expect_exit 0 "$HELPER" "$W/src-link" "$W/mnt" -o remount,rw
assert_vfs "$W/mnt" rw
# ... and the source that mountinfo shows, as mount(8) passes it back.
expect_exit 0 "$HELPER" "$(findmnt -n -o SOURCE --mountpoint "$W/mnt" | sed 's/\[.*//')" "$W/mnt" -o remount,ro
assert_vfs "$W/mnt" ro
umount "$W/mnt"
# A new filesystem: its source string.
e2e_kernel_case 6 3 "idmapped tmpfs" mount -t idmap.tmpfs -o "$MAP1000" none "$W/mnt"
expect_exit 0 mount -t idmap.tmpfs -o remount,ro none "$W/mnt"
assert_vfs "$W/mnt" ro
expect_exit 32 mount -t idmap.tmpfs -o remount,rw other "$W/mnt"
expect_err "^mount\\.idmap: $W/mnt: remount: \"other\" is not the source of this mount \\(none\\)"
assert_vfs "$W/mnt" ro
EOS
}

remount_case maps "remount compares maps as the kernel holds them: order and split do not matter"
maps_body() {
	e2e_run <<'EOS'
e2e_setup
expect_exit 0 mount -t idmap -o 'uidmap="1000:0:1,0:5000:1",gidmap=0:100:10' "$W/ext4" "$W/mnt"
# Another order, another split: the same mapping.
expect_exit 0 mount -t idmap -o 'remount,ro,uidmap="0:5000:1,1000:0:1",gidmap="0:100:5,5:105:5"' "$W/ext4" "$W/mnt"
assert_vfs "$W/mnt" ro
expect_exit 0 mount -t idmap -o 'remount,rw,idmap=u:0:5000:1 u:1000:0:1 g:5:105:5 g:0:100:5' "$W/ext4" "$W/mnt"
assert_vfs "$W/mnt" rw
# Truly another map: exit 32, and the mount keeps its own.
expect_exit 32 mount -t idmap -o 'remount,ro,uidmap="0:5000:1,1000:0:1",gidmap=0:100:9' "$W/ext4" "$W/mnt"
expect_one_line_err
expect_err "the idmap of a mounted tree cannot change, so nothing was changed"
assert_vfs "$W/mnt" rw
umount "$W/mnt"
# 7 extents: the kernel sorts a map of 6 or more.
seven='6:1006:1,2:1002:1,0:1000:1,5:1005:1,1:1001:1,4:1004:1,3:1003:1'
expect_exit 0 mount -t idmap -o "uidmap=\"$seven\",gidmap=\"$seven\"" "$W/ext4" "$W/mnt"
expect_exit 0 mount -t idmap -o "remount,ro,uidmap=\"$seven\",gidmap=\"$seven\"" "$W/ext4" "$W/mnt"
assert_vfs "$W/mnt" ro
shuffled='3:1003:1,0:1000:1,4:1004:1,6:1006:1,1:1001:1,5:1005:1,2:1002:1'
expect_exit 0 mount -t idmap -o "remount,rw,uidmap=\"$shuffled\",gidmap=0:1000:7" "$W/ext4" "$W/mnt"
assert_vfs "$W/mnt" rw
other='3:1003:1,0:1000:1,4:1004:1,6:1007:1,1:1001:1,5:1005:1,2:1002:1'
expect_exit 32 mount -t idmap -o "remount,ro,uidmap=\"$other\",gidmap=\"$seven\"" "$W/ext4" "$W/mnt"
expect_one_line_err
# The mount's own mapping: as the kernel holds it (sorted, Linux 6.15),
# or before, as its utab record keeps it (as given).
if kernel_at_least 6 15; then
	expect_err "remount: mounted with uidmap=\"0:1000:1,1:1001:1,2:1002:1,3:1003:1,4:1004:1,5:1005:1,6:1006:1\""
else
	expect_err "remount: mounted with uidmap=\"$seven\""
fi
assert_vfs "$W/mnt" rw
EOS
}

remount_case dir_alone "mount -t idmap -o remount,OPTS DIR: what mount(8) passes back is accepted"
dir_alone_body() {
	e2e_run <<'EOS'
e2e_setup
mkdir "$W/mnt2"
expect_exit 0 mount -t idmap -o "nosuid,$MAP1000" "$W/ext4" "$W/mnt"
expect_exit 0 mount -t idmap -o "$MAP1000" "$W/fs" "$W/mnt2"
# mount(8) passes the mount's source and options back, idmapped and the
# filesystem's own options among them.
for m in "$W/mnt" "$W/mnt2"; do
	expect_exit 0 mount -t idmap -o remount,ro "$m"
	assert_vfs "$m" ro
	assert_idmapped "$m"
	expect_exit 0 mount -t idmap -o remount,rw "$m"
	assert_vfs "$m" rw
done
assert_owner "$W/mnt/u1000" 0 0
# The flags it passes back stay; one it drops (suid drops nosuid) goes.
assert_vfs "$W/mnt" nosuid
expect_exit 0 mount -t idmap -o remount,suid "$W/mnt"
assert_not_vfs "$W/mnt" nosuid
expect_exit 0 mount -t idmap -o remount,noexec "$W/mnt"
assert_vfs "$W/mnt" noexec
expect_exit 0 mount -t idmap -o remount,exec "$W/mnt"
assert_not_vfs "$W/mnt" noexec
# recursive, as with SRC.
mount -t tmpfs tmpfs "$W/mnt/dir"
expect_exit 0 mount -t idmap -o remount,recursive,ro "$W/mnt"
assert_vfs "$W/mnt/dir" ro
# idmapped is accepted on remount only: it cannot make a mount idmapped.
umount "$W/mnt2"
expect_exit 1 mount -t idmap -o "idmapped,$MAP1000" "$W/fs" "$W/mnt2"
expect_one_line_err
expect_err 'option "idmapped" cannot be given: it is how findmnt shows an idmapped mount'
! mountpoint -q "$W/mnt2" || fail "idmapped mounted $W/mnt2"
EOS
}

remount_case dir_alone_newfs "mount -t idmap.tmpfs -o remount,OPTS DIR: what mount(8) passes back is accepted, a changed filesystem option is not"
dir_alone_newfs_body() {
	e2e_run <<'EOS'
e2e_setup
e2e_kernel_case 6 3 "idmapped tmpfs" \
	mount -t idmap.tmpfs -o "size=2m,$MAP1000" none "$W/mnt"
expect_exit 0 mount -t idmap.tmpfs -o remount,ro "$W/mnt"
assert_vfs "$W/mnt" ro
assert_idmapped "$W/mnt"
expect_exit 0 mount -t idmap.tmpfs -o remount,rw "$W/mnt"
assert_vfs "$W/mnt" rw
# A filesystem option that differs from the mount's is refused; the
# message quotes the mount's options as the kernel shows them (Debian's
# kernels add inode64).
fsopts=$(findmnt -n -o FS-OPTIONS --mountpoint "$W/mnt")
case "$fsopts" in rw,size=2048k*) ;; *) fail "size=2m not applied: $fsopts" ;; esac
expect_exit 1 mount -t idmap.tmpfs -o remount,size=4m "$W/mnt"
expect_one_line_err
expect_err "remount: option \"size\" would change the filesystem \\(mounted with \"$fsopts\"\\)"
EOS
}

remount_case plain_mount8 "mount -o remount without -t idmap, as documented (util-linux 2.38 and 2.41)"
plain_mount8_body() {
	e2e_run <<'EOS'
e2e_setup
expect_exit 0 mount -t idmap -o "$MAP1000" "$W/ext4" "$W/mnt"
# The filesystem gets mount(8)'s idmapped and refuses it: nothing changes.
# (2.41 prints the filesystem's message, 2.38 only "bad option".)
expect_exit 32 mount -o remount,ro "$W/mnt"
expect_err "bad option|Unknown parameter 'idmapped'"
assert_vfs "$W/mnt" rw
assert_idmapped "$W/mnt"
# A bind remount never reaches the filesystem: it works, idmap kept.
expect_exit 0 mount -o remount,bind,ro "$W/mnt"
assert_vfs "$W/mnt" ro
assert_idmapped "$W/mnt"
assert_owner "$W/mnt/u1000" 0 0
expect_exit 0 mount -o remount,bind,rw "$W/mnt"
assert_vfs "$W/mnt" rw
# With an fstab entry of type idmap, mount(8) runs the helper with the
# entry's options.
printf '%s %s idmap %s,nodev 0 0\n' "$W/ext4" "$W/mnt" "$MAP1000" >"$W/fstab"
expect_exit 0 env LIBMOUNT_FSTAB="$W/fstab" mount -o remount,ro "$W/mnt"
assert_vfs "$W/mnt" ro
assert_vfs "$W/mnt" nodev
assert_idmapped "$W/mnt"
EOS
}

remount_case verbose "-v on a remount prints what the remount does, not a bind"
verbose_body() {
	e2e_run <<'EOS'
e2e_setup
expect_exit 0 mount -t idmap -o "$MAP1000" "$W/ext4" "$W/mnt"
expect_exit 0 mount -v -t idmap -o "remount,ro,nosuid,noatime,$MAP1000" "$W/ext4" "$W/mnt"
expect_out "^mount\\.idmap: remount of the idmapped mount at \"$W/mnt\": its attributes change, its idmap stays\$"
expect_out '^  set: ro, nosuid$'
expect_out '^  atime: noatime$'
expect_out '^  uid: on-disk 1000 .* seen as 0$'
if kernel_at_least 6 15; then
	expect_out '^  mapping: the mount.s own, read from the kernel \(statmount\)$'
else
	expect_out '^  mapping: the mount.s own, read from its utab record: this kernel cannot tell'
fi
! grep -q 'bind' "$OUT" || fail "-v printed a bind: $(cat "$OUT")"
assert_vfs "$W/mnt" ro
# DIR alone: mount(8) passes the whole set back; recursive is said.
expect_exit 0 mount -v -t idmap -o remount,rw,recursive "$W/mnt"
expect_out "^mount\\.idmap: remount of the idmapped mount at \"$W/mnt\" and of every mount below it: "
expect_out '^  clear: ro$'
expect_out "whole set"
! grep -q 'bind' "$OUT" || fail "-v printed a bind: $(cat "$OUT")"
assert_vfs "$W/mnt" rw
# -f -v: the plan, and nothing changes.
expect_exit 0 "$HELPER" "$W/ext4" "$W/mnt" -f -v -o remount,ro
expect_out '^mount\.idmap: \(fake\) remount of the idmapped mount'
assert_vfs "$W/mnt" rw
EOS
}

atf_init_test_cases() {
	for tc in recursive symlink not_idmapped source maps dir_alone dir_alone_newfs \
		plain_mount8 verbose; do
		atf_add_test_case "$tc"
	done
}
