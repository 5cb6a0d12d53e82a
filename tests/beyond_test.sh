#! @ATF_SH@
# SPDX-License-Identifier: Apache-2.0
#
# Beyond a plain bind: new filesystems (-t idmap.FSTYPE), whole trees,
# other mount namespaces (-N), re-idmapping, and --show.  Through the real
# mount(8) where a user would go through it; each case in private mount and
# pid namespaces.

. '@E2E_RUN@'

# beyond_case NAME DESCRIPTION: a case that needs root.
beyond_case() {
	atf_test_case "$1"
	eval "$1_head() { atf_set descr '$2'; atf_set require.user root; }"
}

beyond_case newfs_tmpfs "-t idmap.tmpfs: a new tmpfs, idmapped, with its options"
newfs_tmpfs_body() {
	e2e_run <<'EOS'
e2e_setup
e2e_kernel_case 6 3 "idmapped tmpfs" \
	mount -t idmap.tmpfs -o uidmap=0:1000:1,gidmap=0:1000:1,size=1m,mode=0750 none "$W/mnt"
assert_idmapped "$W/mnt"
[ "$(findmnt -n -o FSTYPE --mountpoint "$W/mnt")" = tmpfs ] || fail "not tmpfs"
findmnt -n -o FS-OPTIONS --mountpoint "$W/mnt" | grep -q 'size=1024k' || fail "size= not applied"
assert_owner "$W/mnt" 1000 1000
[ "$(stat -c %a "$W/mnt")" = 750 ] || fail "mode= not applied"
# Written by the mapped root, stored as on-disk root.
setpriv --reuid=1000 --regid=1000 --clear-groups touch "$W/mnt/new"
assert_owner "$W/mnt/new" 1000 1000
findmnt --mtab -n -o OPTIONS --mountpoint "$W/mnt" | grep -q 'x-idmap.uidmap=0:1000:1' ||
	fail "no utab record"
umount "$W/mnt"
assert_not_mounted "$W/mnt"
EOS
}

beyond_case newfs_bad_option "a filesystem option the kernel rejects is named; nothing is mounted"
newfs_bad_option_body() {
	e2e_run <<'EOS'
e2e_setup
expect_exit 32 mount -t idmap.tmpfs -o uidmap=0:1000:1,gidmap=0:1000:1,bogus=1 none "$W/mnt"
expect_one_line_err
expect_err 'tmpfs: option "bogus=1" rejected: .*bogus'
assert_not_mounted "$W/mnt"
assert_no_helper_procs
expect_exit 32 mount -t idmap.nosuchfs -o uidmap=0:1000:1,gidmap=0:1000:1 none "$W/mnt"
expect_err 'unknown filesystem type "nosuchfs"'
assert_not_mounted "$W/mnt"
# bind makes no sense for a new filesystem (mount(8) would bind by itself,
# so ask the helper directly).
expect_rejected '"bind" makes no sense with -t idmap.FSTYPE' \
	"$HELPER" none "$W/mnt" -t idmap.tmpfs -o bind,uidmap=0:1:1,gidmap=0:1:1
EOS
}

beyond_case newfs_ext4 "-t idmap.ext4 on a loop device, rw and ro"
newfs_ext4_body() {
	e2e_run <<'EOS'
e2e_setup
truncate -s 32M "$W/img"
mkfs.ext4 -q -E root_owner=0:0 "$W/img"
dev=$(losetup -f --show "$W/img")
trap 'umount "$W/mnt" 2>/dev/null || true; losetup -d "$dev" || true' EXIT
expect_exit 0 mount -t idmap.ext4 -o uidmap=0:100000:65536,gidmap=0:100000:65536,errors=remount-ro "$dev" "$W/mnt"
assert_idmapped "$W/mnt"
[ "$(findmnt -n -o FSTYPE --mountpoint "$W/mnt")" = ext4 ] || fail "not ext4"
findmnt -n -o FS-OPTIONS --mountpoint "$W/mnt" | grep -q 'errors=remount-ro' ||
	fail "errors= not applied"
assert_owner "$W/mnt" 100000 100000
# The mapped root owns the root directory and may open it to others.
setpriv --reuid=100000 --regid=100000 --clear-groups chmod 1777 "$W/mnt"
setpriv --reuid=101000 --regid=101000 --clear-groups touch "$W/mnt/by-1000"
assert_owner "$W/mnt/by-1000" 101000 101000
umount "$W/mnt"
# On disk, without any idmap: stored as 1000.
mount "$dev" "$W/mnt"
assert_owner "$W/mnt/by-1000" 1000 1000
umount "$W/mnt"
expect_exit 0 mount -t idmap.ext4 -o ro,uidmap=0:100000:65536,gidmap=0:100000:65536 "$dev" "$W/mnt"
assert_vfs "$W/mnt" ro
findmnt -n -o FS-OPTIONS --mountpoint "$W/mnt" | tr , '\n' | grep -qx ro ||
	fail "the superblock is not read-only"
umount "$W/mnt"
# An image file needs a loop device first; the message says so.
expect_exit 32 mount -t idmap.ext4 -o uidmap=0:1:1,gidmap=0:1:1 "$W/img" "$W/mnt"
expect_err "is a regular file: attach it to a loop device first"
expect_exit 32 mount -t idmap.ext4 -o uidmap=0:1:1,gidmap=0:1:1,nonsense "$dev" "$W/mnt"
expect_err 'ext4: option "nonsense" rejected'
assert_not_mounted "$W/mnt"
EOS
}

beyond_case newfs_fake "-f with idmap.FSTYPE builds the filesystem but attaches nothing; without a device, it idmaps it too"
newfs_fake_body() {
	e2e_run <<'EOS'
e2e_setup
# Before Linux 6.3, refused as the mount itself is.
e2e_kernel_case 6 3 "idmapped tmpfs" \
	"$HELPER" none "$W/mnt" -f -t idmap.tmpfs -o uidmap=0:1:1,gidmap=0:1:1,size=1m
assert_not_mounted "$W/mnt"
expect_exit 32 "$HELPER" none "$W/mnt" -f -t idmap.tmpfs -o uidmap=0:1:1,gidmap=0:1:1,bogus
assert_not_mounted "$W/mnt"
EOS
}

beyond_case newfs_fake_ext4 "-f with idmap.ext4 writes nothing to the device, and still checks"
newfs_fake_ext4_body() {
	e2e_run <<'EOS'
e2e_setup
truncate -s 32M "$W/img"
mkfs.ext4 -q "$W/img"
dev=$(losetup -f --show "$W/img")
trap 'umount "$W/mnt" 2>/dev/null || true; losetup -d "$dev" || true' EXIT
# What a mount writes into the superblock.
sb() {
	dumpe2fs -h "$dev" 2>/dev/null |
		grep -E '^(Mount count|Last mount time|Last write time):'
}
before=$(sb)
[ "$(echo "$before" | wc -l)" = 3 ] || fail "dumpe2fs: $before"
maps=uidmap=0:100000:65536,gidmap=0:100000:65536
expect_exit 0 mount -f -t idmap.ext4 -o "$maps,errors=remount-ro" "$dev" "$W/mnt"
assert_not_mounted "$W/mnt"
expect_exit 0 "$HELPER" "$dev" "$W/mnt" -f -t idmap.ext4 -o "$maps"
[ "$(sb)" = "$before" ] || fail "-f wrote to the device: $before / $(sb)"
# Still checked: the options (by the kernel), the device, the mount point.
expect_exit 32 "$HELPER" "$dev" "$W/mnt" -f -t idmap.ext4 -o "$maps,nonsense"
expect_one_line_err
expect_err 'ext4: option "nonsense" rejected'
expect_exit 32 "$HELPER" "$W/nodev" "$W/mnt" -f -t idmap.ext4 -o "$maps"
expect_err "source \"$W/nodev\" does not exist"
expect_exit 32 "$HELPER" "$W/img" "$W/mnt" -f -t idmap.ext4 -o "$maps"
expect_err "is a regular file: attach it to a loop device first"
expect_exit 32 "$HELPER" "$W/ext4" "$W/mnt" -f -t idmap.ext4 -o "$maps"
expect_err "ext4: source \"$W/ext4\" is not a block device"
expect_exit 32 "$HELPER" "$dev" "$W/nodir" -f -t idmap.ext4 -o "$maps"
expect_err "^mount\\.idmap: $W/nodir: mount point does not exist"
[ "$(sb)" = "$before" ] || fail "-f wrote to the device: $before / $(sb)"
# A filesystem without a device needs no source (and tmpfs can be
# idmapped from Linux 6.3 on).
if e2e_tmpfs_idmappable; then
	expect_exit 0 "$HELPER" none "$W/mnt" -f -t idmap.tmpfs -o "$maps"
else
	expect_mount_failed 'idmapping tmpfs needs Linux 6\.3 or later' "$W/mnt" \
		"$HELPER" none "$W/mnt" -f -t idmap.tmpfs -o "$maps"
fi
# The control: a real mount does change them.
expect_exit 0 mount -t idmap.ext4 -o "$maps" "$dev" "$W/mnt"
umount "$W/mnt"
[ "$(sb)" != "$before" ] || fail "control: a mount left the superblock as it was"
EOS
}

# A source tree with a submount (a filesystem the kernel can idmap) that
# holds a file of uid 1000.
make_tree() {
	cat <<'EOS'
mkdir -p "$W/ext4/sub"
e2e_idmappable_fs "$W/ext4/sub"
touch "$W/ext4/sub/u1000"
chown 1000:1000 "$W/ext4/sub/u1000"
EOS
}

beyond_case recursive "recursive (through mount(8)) and rbind idmap the whole tree"
recursive_body() {
	e2e_run "$(echo e2e_setup; make_tree)" <<'EOS'
expect_exit 0 mount -t idmap -o recursive,uidmap=1000:0:1,gidmap=1000:0:1 "$W/ext4" "$W/mnt"
assert_idmapped "$W/mnt"
assert_idmapped "$W/mnt/sub"
assert_owner "$W/mnt/sub/u1000" 0 0
umount -R "$W/mnt"
expect_exit 0 "$HELPER" "$W/ext4" "$W/mnt" -o rbind,uidmap=1000:0:1,gidmap=1000:0:1
assert_idmapped "$W/mnt/sub"
assert_owner "$W/mnt/sub/u1000" 0 0
umount -R "$W/mnt"
# A plain bind stays non-recursive.
expect_exit 0 mount -t idmap -o uidmap=1000:0:1,gidmap=1000:0:1 "$W/ext4" "$W/mnt"
! mountpoint -q "$W/mnt/sub" || fail "a plain idmap bind took the submount"
[ ! -e "$W/mnt/sub/u1000" ] || fail "the submount's file shows through"
EOS
}

beyond_case recursive_refused "a submount that cannot be idmapped is named"
recursive_refused_body() {
	e2e_run <<'EOS'
e2e_setup
mkdir -p "$W/ext4/proc"
mount -t proc proc "$W/ext4/proc"
expect_exit 32 mount -t idmap -o recursive,uidmap=0:1:1,gidmap=0:1:1 "$W/ext4" "$W/mnt"
expect_one_line_err
expect_err "the submount \"$W/ext4/proc\" \\(proc\\) does not support idmapped mounts"
assert_not_mounted "$W/mnt"
assert_no_helper_procs
EOS
}

beyond_case other_namespace "-N: the mount appears in the namespace given, not ours"
other_namespace_body() {
	e2e_run <<'EOS'
e2e_setup
unshare --mount --propagation private sleep 600 &
ns=$!
while [ "$(readlink /proc/$ns/ns/mnt)" = "$(readlink /proc/self/ns/mnt)" ]; do sleep 0.01; done
mkdir "$W/mnt2"
# As mount(8) passes it: a path under /proc.
expect_exit 0 mount -N "/proc/$ns/ns/mnt" -t idmap -o uidmap=1000:3:1,gidmap=1000:3:1 "$W/ext4" "$W/mnt"
assert_not_mounted "$W/mnt"
nsenter -t "$ns" -m findmnt -n -o VFS-OPTIONS --mountpoint "$W/mnt" | grep -q idmapped ||
	fail "not mounted in the other namespace"
[ "$(nsenter -t "$ns" -m stat -c %u "$W/mnt/u1000")" = 3 ] || fail "wrong owner there"
# A PID.
expect_exit 0 "$HELPER" "$W/fs" "$W/mnt2" -N "$ns" -o uidmap=1000:4:1,gidmap=1000:4:1
! mountpoint -q "$W/mnt2" || fail "-N PID mounted here"
[ "$(nsenter -t "$ns" -m stat -c %u "$W/mnt2/u1000")" = 4 ] || fail "-N PID: wrong owner"
# An fd path, as a caller holding the namespace open passes it.
exec 9<"/proc/$ns/ns/mnt"
mkdir "$W/mnt3"
expect_exit 0 "$HELPER" "$W/ext4" "$W/mnt3" -N /proc/self/fd/9 -o uidmap=1000:6:1,gidmap=1000:6:1
exec 9<&-
! mountpoint -q "$W/mnt3" || fail "-N fd path mounted here"
[ "$(nsenter -t "$ns" -m stat -c %u "$W/mnt3/u1000")" = 6 ] || fail "-N fd: wrong owner"
# Not a mount namespace.
expect_exit 32 "$HELPER" "$W/ext4" "$W/mnt" -N /proc/self/ns/user -o uidmap=0:1:1,gidmap=0:1:1
expect_err '"/proc/self/ns/user" is not a mount namespace'
kill "$ns"
EOS
}

beyond_case reidmap "an idmapped source gets a new idmap, relative to the on-disk ids"
reidmap_body() {
	e2e_run <<'EOS'
e2e_setup
mkdir "$W/mnt2"
expect_exit 0 mount -t idmap -o uidmap=1000:0:1,gidmap=1000:0:1 "$W/ext4" "$W/mnt"
assert_owner "$W/mnt/u1000" 0 0
# Linux 6.15 and later (open_tree_attr): the new map replaces the old one.
e2e_kernel_case 6 15 "open_tree_attr()" \
	mount -t idmap -o uidmap=1000:7:1,gidmap=1000:8:1 "$W/mnt" "$W/mnt2"
assert_idmapped "$W/mnt2"
assert_owner "$W/mnt2/u1000" 7 8
assert_owner "$W/mnt/u1000" 0 0
EOS
}

beyond_case show "--show prints the mapping of a mount as fstab options"
show_body() {
	e2e_run <<'EOS'
e2e_setup
mkdir "$W/mnt2"
expect_exit 0 mount -t idmap -o 'uidmap="1000:0:1,0:5000:1",gidmap=1000:0:1' "$W/ext4" "$W/mnt"
expect_exit 0 "$HELPER" --show "$W/mnt"
[ "$(cat "$OUT")" = 'uidmap="1000:0:1,0:5000:1",gidmap=1000:0:1' ] ||
	fail "--show printed: $(cat "$OUT")"
# The output pastes back into -o.
expect_exit 0 mount -t idmap -o "$(cat "$OUT")" "$W/fs" "$W/mnt2"
assert_owner "$W/mnt2/u1000" 0 0
assert_owner "$W/mnt2/root" 5000 65534
# Every idmapped mount, one per line.
expect_exit 0 "$HELPER" --show
[ "$(wc -l <"$OUT")" = 2 ] || fail "--show listed $(wc -l <"$OUT") mounts"
expect_out "^$W/mnt	uidmap=\"1000:0:1,0:5000:1\",gidmap=1000:0:1\$"
expect_out "^$W/mnt2	uidmap="
# Not idmapped, not a mount.
expect_exit 32 "$HELPER" --show "$W/fs"
expect_err "\"$W/fs\" is not an idmapped mount"
expect_exit 32 "$HELPER" --show "$W/ext4"
expect_err "is not a mount point"
EOS
}

beyond_case show_by_id "--show lists a mount that was mounted over by its own id, and honours -N"
show_by_id_body() {
	e2e_run <<'EOS'
e2e_setup
expect_exit 0 mount -t idmap -o uidmap=1000:0:1,gidmap=1000:0:1 "$W/ext4" "$W/mnt"
# A plain mount over it: DIR is now that one, yet the listing still
# names the idmapped mount below, with its own mapping.
mount -t tmpfs tmpfs "$W/mnt"
expect_exit 32 "$HELPER" --show "$W/mnt"
expect_err "\"$W/mnt\" is not an idmapped mount"
expect_exit 0 "$HELPER" --show
[ "$(cat "$OUT")" = "$W/mnt	uidmap=1000:0:1,gidmap=1000:0:1" ] ||
	fail "--show (all) printed: $(cat "$OUT")"
umount "$W/mnt"
umount "$W/mnt"
# -N: the answer is about that namespace, not ours.
mkdir "$W/other"
unshare -m --propagation private sh -c '
	mount -t tmpfs tmpfs "$1/other"
	mkdir "$1/other/src" "$1/other/mnt" /run/mount 2>/dev/null || true
	touch "$1/other/ready"
	exec sleep 100' other "$W" &
ns=$!
tries=0
until [ -e "$W/other/ready" ] 2>/dev/null || nsenter -t "$ns" -m test -e "$W/other/ready"; do
	tries=$((tries + 1))
	[ "$tries" -lt 500 ] || fail "the namespace did not start"
	sleep 0.01
done
expect_exit 0 mount -N "/proc/$ns/ns/mnt" -t idmap -o uidmap=0:7:1,gidmap=0:7:1 "$W/ext4" "$W/other/mnt"
expect_exit 0 "$HELPER" --show -N "$ns" "$W/other/mnt"
[ "$(cat "$OUT")" = 'uidmap=0:7:1,gidmap=0:7:1' ] || fail "--show -N printed: $(cat "$OUT")"
expect_exit 0 "$HELPER" --show -N "/proc/$ns/ns/mnt"
[ "$(cat "$OUT")" = "$W/other/mnt	uidmap=0:7:1,gidmap=0:7:1" ] ||
	fail "--show -N (all) printed: $(cat "$OUT")"
# Here, nothing: the mount is the other namespace's.
expect_exit 0 "$HELPER" --show
[ ! -s "$OUT" ] || fail "--show here printed: $(cat "$OUT")"
expect_exit 1 "$HELPER" --show -N "$ns" other/mnt
expect_one_line_err
expect_err '^mount\.idmap: -N: "other/mnt" is a relative path'
# --show needs no privilege, but entering a namespace does: exit 32.
expect_exit 0 as_user 1000 / /sbin/mount.idmap --show
run as_user 1000 / /sbin/mount.idmap --show -N "$ns" "$W/other/mnt"
[ "$rc" = 32 ] || fail "--show -N as uid 1000: exit $rc, want 32"
expect_one_line_err
expect_err "^mount\\.idmap: mount namespace \"/proc/$ns/ns/mnt\": Permission denied\$"
[ ! -s "$OUT" ] || fail "--show -N as uid 1000 printed: $(cat "$OUT")"
kill "$ns"
wait "$ns" || true
EOS
}

beyond_case remount "remount changes the attributes and keeps the idmap"
remount_body() {
	e2e_run <<'EOS'
e2e_setup
expect_exit 0 mount -t idmap -o uidmap=1000:0:1,gidmap=1000:0:1 "$W/ext4" "$W/mnt"
# As systemd reloads a unit: the same options again, plus remount.
expect_exit 0 mount -t idmap -o remount,ro,nosuid,uidmap=1000:0:1,gidmap=1000:0:1 "$W/ext4" "$W/mnt"
assert_vfs "$W/mnt" ro
assert_vfs "$W/mnt" nosuid
assert_idmapped "$W/mnt"
assert_owner "$W/mnt/u1000" 0 0
expect_exit 0 "$HELPER" "$W/ext4" "$W/mnt" -o remount,rw
assert_vfs "$W/mnt" rw
assert_vfs "$W/mnt" nosuid
# The idmap of a mounted tree cannot change.
expect_exit 32 mount -t idmap -o remount,uidmap=1000:5:1,gidmap=1000:0:1 "$W/ext4" "$W/mnt"
expect_one_line_err
expect_err "the idmap of a mounted tree cannot change, so nothing was changed"
assert_owner "$W/mnt/u1000" 0 0
umount "$W/mnt"
e2e_kernel_case 6 3 "idmapped tmpfs" \
	mount -t idmap.tmpfs -o uidmap=0:1000:1,gidmap=0:1000:1 none "$W/mnt"
expect_exit 1 "$HELPER" none "$W/mnt" -t idmap.tmpfs -o remount,size=2m
expect_one_line_err
expect_err 'remount: option "size" would change the filesystem'
EOS
}

atf_init_test_cases() {
	for tc in newfs_tmpfs newfs_bad_option newfs_ext4 newfs_fake \
		newfs_fake_ext4 \
		recursive recursive_refused other_namespace reidmap show \
		show_by_id remount; do
		atf_add_test_case "$tc"
	done
}
