#! @ATF_SH@
# SPDX-License-Identifier: Apache-2.0
#
# -t idmap.overlay: an overlayfs whose layers (lowerdirs, upperdir and
# workdir) are idmapped, through the real mount(8).  Each case runs in
# private mount and pid namespaces with a private /run, on layers on both
# trees of e2e_setup: a filesystem of the case's own (tmpfs where the kernel
# can idmap tmpfs) and the work directory's filesystem.

. '@E2E_RUN@'

overlay_case() {
	atf_test_case "$1"
	eval "$1_head() { atf_set descr '$2'; atf_set require.user root; }"
}

# Layers below $1: l1 (file "a", on-disk 0; dir "d" on-disk 1000), l2
# (file "b", on-disk 5), rw/upper (mode 0777, so a mapped user may create)
# and rw/work.  The maps: on-disk 0-65535 seen as 100000-165535.
layers() {
	cat <<'EOS'
mk_layers() {
	mkdir -p "$1/l1/d" "$1/l2" "$1/rw/upper" "$1/rw/work"
	echo a >"$1/l1/a"
	chown 1000:1000 "$1/l1/d"
	echo b >"$1/l2/b"
	chown 5:5 "$1/l2/b"
	chmod 0777 "$1/rw/upper"
}
MAPS=uidmap=0:100000:65536,gidmap=0:100000:65536
lines() { wc -l </proc/self/mountinfo; }
# same_lines N: mountinfo has N lines, as before: nothing was left behind.
same_lines() {
	[ "$(lines)" = "$1" ] || fail "mountinfo: $1 lines before, $(lines) now"
}
EOS
}

overlay_case layers "owners through the overlay, writes, copy-up and whiteouts land as on-disk INNER ids (both trees)"
layers_body() {
	e2e_run "$(layers)" <<'EOS'
e2e_setup
for base in "$W/fs" "$W/ext4"; do
	mk_layers "$base"
	before=$(lines)
	expect_exit 0 mount -t idmap.overlay -o "lowerdir=$base/l1:$base/l2,upperdir=$base/rw/upper,workdir=$base/rw/work,$MAPS" overlay "$W/mnt"
	[ "$(findmnt -n -o FSTYPE --mountpoint "$W/mnt")" = overlay ] || fail "not an overlay"
	# Only the overlay is new: no staging mount of a layer is left.
	[ "$(lines)" = $((before + 1)) ] || fail "mountinfo: $before lines before, $(lines) after"
	assert_owner "$W/mnt/a" 100000 100000
	assert_owner "$W/mnt/d" 101000 101000
	assert_owner "$W/mnt/b" 100005 100005
	# A new file by OUTER+7 is stored as on-disk 7.
	as_user 100007 / touch "$W/mnt/new"
	assert_owner "$W/mnt/new" 100007 100007
	assert_owner "$base/rw/upper/new" 7 7
	# Copy-up of a lower file keeps its on-disk owner.
	echo more >>"$W/mnt/b"
	assert_owner "$base/rw/upper/b" 5 5
	assert_owner "$W/mnt/b" 100005 100005
	[ "$(cat "$base/l2/b")" = b ] || fail "the lower layer changed"
	# A deletion leaves a whiteout, a 0/0 character device, in the upper.
	rm "$W/mnt/a"
	[ "$(stat -c '%F %t:%T' "$base/rw/upper/a")" = "character special file 0:0" ] ||
		fail "no whiteout: $(stat -c '%F %t:%T' "$base/rw/upper/a")"
	[ -e "$base/l1/a" ] || fail "the lower file went"
	umount "$W/mnt"
	same_lines "$before"
	# The upper is portable: another mapping shows the same on-disk ids
	# shifted by it.
	expect_exit 0 mount -t idmap.overlay -o "lowerdir=$base/l1:$base/l2,upperdir=$base/rw/upper,workdir=$base/rw/work,idmap=b:0:200000:65536" overlay "$W/mnt"
	assert_owner "$W/mnt/new" 200007 200007
	assert_owner "$W/mnt/b" 200005 200005
	[ ! -e "$W/mnt/a" ] || fail "the whiteout does not hide a"
	umount "$W/mnt"
done
EOS
}

overlay_case lower_only "a lower-only overlay is read-only and idmapped; a backslash in lowerdir= escapes a colon"
lower_only_body() {
	e2e_run "$(layers)" <<'EOS'
e2e_setup
mk_layers "$W/fs"
mkdir "$W/fs/c:olon"
touch "$W/fs/c:olon/f"
chown 3:3 "$W/fs/c:olon/f"
before=$(lines)
expect_exit 0 mount -t idmap.overlay -o "lowerdir=$W/fs/l1:$W/fs/c\\:olon,$MAPS" overlay "$W/mnt"
assert_owner "$W/mnt/a" 100000 100000
assert_owner "$W/mnt/f" 100003 100003
! touch "$W/mnt/x" 2>/dev/null || fail "a lower-only overlay took a write"
umount "$W/mnt"
same_lines "$before"
# "::" starts the data-only layers, which overlayfs does not merge.
mkdir "$W/fs/data"
touch "$W/fs/data/only-data"
# (Before 6.18, overlayfs wants metacopy=on with data-only layers.)
e2e_kernel_case 6 5 "data-only overlay layers" mount -t idmap.overlay -o "lowerdir=$W/fs/l1:$W/fs/l2::$W/fs/data,metacopy=on,$MAPS" overlay "$W/mnt"
[ -e "$W/mnt/b" ] || fail "the second lower layer is missing"
[ ! -e "$W/mnt/only-data" ] || fail "the data-only layer was merged as a lower one"
umount "$W/mnt"
same_lines "$before"
# "::" comes before each data-only layer; a lower one cannot follow them.
expect_mount_failed 'has a lower layer after a data-only one' \
	"$W/mnt" mount -t idmap.overlay -o "lowerdir=$W/fs/l1::$W/fs/data:$W/fs/l2,metacopy=on,$MAPS" overlay "$W/mnt"
same_lines "$before"
EOS
}

overlay_case many_layers "60 and 150 lower layers: more than one fsconfig() value (255 bytes) holds, on every route; a legacy overlayfs refuses 150, naming Linux 6.8"
many_layers_body() {
	e2e_run "$(layers)" <<'EOS'
e2e_setup
B="$W/ext4/many"
mkdir -p "$B/rw/upper" "$B/rw/work"
chmod 0777 "$B/rw/upper"
for k in $(seq 0 149); do
	mkdir "$B/l$k"
	echo "$k" >"$B/l$k/top"
	echo "$k" >"$B/l$k/f$k"
	chown "$k:$k" "$B/l$k/f$k"
done
# lowerdir= of the first N layers, l0 on top.
lower() { seq -f "$B/l%g" 0 $(($1 - 1)) | paste -sd:; }
before=$(lines)
expect_exit 0 mount -t idmap.overlay -o "lowerdir=$(lower 60),upperdir=$B/rw/upper,workdir=$B/rw/work,$MAPS" overlay "$W/mnt"
[ "$(cat "$W/mnt/top")" = 0 ] || fail "60 layers: the first is not on top"
assert_owner "$W/mnt/f0" 100000 100000
assert_owner "$W/mnt/f59" 100059 100059
as_user 100007 / touch "$W/mnt/new"
assert_owner "$B/rw/upper/new" 7 7
umount "$W/mnt"
same_lines "$before"
e2e_kernel_case 6 8 "overlayfs's lowerdir+= (more lower layers than one lowerdir= of 255 bytes names)" \
	mount -t idmap.overlay -o "lowerdir=$(lower 150),upperdir=$B/rw/upper,workdir=$B/rw/work,$MAPS" overlay "$W/mnt"
[ "$(cat "$W/mnt/top")" = 0 ] || fail "150 layers: the first is not on top"
assert_owner "$W/mnt/f149" 100149 100149
assert_owner "$W/mnt/new" 100007 100007
# The second day: its record (every layer, some 6 KiB) reads back, a
# remount finds the overlay by it, umount removes it.
grep -q "TARGET=$W/mnt .*x-idmap.lowerdir=$B/l0:.*:$B/l149," /run/mount/utab ||
	fail "utab: no record of the 150 layers: $(cat /run/mount/utab)"
expect_exit 0 mount -t idmap.overlay -o remount,ro "$W/mnt"
assert_vfs "$W/mnt" ro
expect_exit 0 "$HELPER" --show "$W/mnt"
[ "$(cat "$OUT")" = "$MAPS" ] || fail "--show printed: $(cat "$OUT")"
umount "$W/mnt"
same_lines "$before"
! grep -q "TARGET=$W/mnt " /run/mount/utab || fail "utab: $(cat /run/mount/utab)"
EOS
}

overlay_case escaped_comma "a comma escaped with a backslash belongs to the layer path, in lowerdir=, upperdir= and workdir=, as overlayfs reads it"
escaped_comma_body() {
	e2e_run "$(layers)" <<'EOS'
e2e_setup
B="$W/ext4"
mkdir -p "$B/l1" "$B/c,omma" "$B/r,w/upper" "$B/r,w/work"
touch "$B/l1/a" "$B/c,omma/f"
chown 3:3 "$B/c,omma/f"
chmod 0777 "$B/r,w/upper"
before=$(lines)
# The control: a plain overlay takes these options.
mount -t overlay overlay -o "lowerdir=$B/l1:$B/c\\,omma,upperdir=$B/r\\,w/upper,workdir=$B/r\\,w/work" "$W/mnt" ||
	fail "control: mount -t overlay refused the escaped commas"
umount "$W/mnt"
expect_exit 0 mount -t idmap.overlay -o "lowerdir=$B/l1:$B/c\\,omma,upperdir=$B/r\\,w/upper,workdir=$B/r\\,w/work,$MAPS" overlay "$W/mnt"
assert_owner "$W/mnt/f" 100003 100003
as_user 100004 / touch "$W/mnt/new"
assert_owner "$B/r,w/upper/new" 4 4
umount "$W/mnt"
same_lines "$before"
EOS
}

overlay_case upper_owner "the owner of the upper is judged by the map (is its on-disk owner an INNER id?), not by the overflow id the mount shows"
upper_owner_body() {
	e2e_run "$(layers)" <<'EOS'
e2e_setup
mk_layers "$W/ext4"
L="lowerdir=$W/ext4/l1,upperdir=$W/ext4/rw/upper,workdir=$W/ext4/rw/work"
# An upper of on-disk 65534 with an identity map: mapped, shown as 65534.
chown 65534:65534 "$W/ext4/rw/upper"
expect_exit 0 mount -t idmap.overlay -o "$L,uidmap=0:0:65536,gidmap=0:0:65536" overlay "$W/mnt"
as_user 65534 / touch "$W/mnt/by-nobody"
assert_owner "$W/ext4/rw/upper/by-nobody" 65534 65534
umount "$W/mnt"
# Root squashed to nobody on purpose: on-disk 0 is seen as 65534.
rm -rf "$W/ext4/rw"
mkdir -p "$W/ext4/rw/upper" "$W/ext4/rw/work"
chmod 0777 "$W/ext4/rw/upper"
expect_exit 0 mount -t idmap.overlay -o "$L,uidmap=\"0:65534:1,1:1:65533\",gidmap=\"0:65534:1,1:1:65533\"" overlay "$W/mnt"
as_user 65534 / touch "$W/mnt/squashed"
assert_owner "$W/ext4/rw/upper/squashed" 0 0
as_user 5 / touch "$W/mnt/five"
assert_owner "$W/ext4/rw/upper/five" 5 5
umount "$W/mnt"
# Still refused: an owner that no INNER range holds (shown as 65534 too).
expect_mount_failed "upper directory \"$W/ext4/rw/upper\" is owned by on-disk 0:0, which the mapping leaves unmapped" \
	"$W/mnt" mount -t idmap.overlay -o "$L,uidmap=1:1:65533,gidmap=1:1:65533" overlay "$W/mnt"
EOS
}

overlay_case userns "userns= gives the layers the maps of an existing user namespace"
userns_body() {
	e2e_run "$(layers)" <<'EOS'
e2e_setup
mk_layers "$W/ext4"
e2e_userns_start "0 100000 65536" "0 100000 65536"
expect_exit 0 mount -t idmap.overlay -o "lowerdir=$W/ext4/l1:$W/ext4/l2,upperdir=$W/ext4/rw/upper,workdir=$W/ext4/rw/work,userns=/proc/$NSPID/ns/user" overlay "$W/mnt"
e2e_userns_stop
assert_owner "$W/mnt/b" 100005 100005
as_user 100009 / touch "$W/mnt/new"
assert_owner "$W/ext4/rw/upper/new" 9 9
umount "$W/mnt"
# A namespace that leaves the upper's owner (on-disk 0) out is refused.
e2e_userns_start "1 100001 10" "1 100001 10"
expect_mount_failed "upper directory \"$W/ext4/rw/upper\" is owned by on-disk 0:0, which the mapping leaves unmapped" \
	"$W/mnt" mount -t idmap.overlay -o "lowerdir=$W/ext4/l1,upperdir=$W/ext4/rw/upper,workdir=$W/ext4/rw/work,userns=/proc/$NSPID/ns/user" overlay "$W/mnt"
e2e_userns_stop
EOS
}

overlay_case options "overlay options pass through; ro and nosuid apply to the overlay mount"
options_body() {
	e2e_run "$(layers)" <<'EOS'
e2e_setup
mk_layers "$W/ext4"
L="lowerdir=$W/ext4/l1,upperdir=$W/ext4/rw/upper,workdir=$W/ext4/rw/work"
expect_exit 0 mount -t idmap.overlay -o "$L,$MAPS,redirect_dir=on,index=on,nosuid,nodev" overlay "$W/mnt"
fsopts=$(findmnt -n -o FS-OPTIONS --mountpoint "$W/mnt")
echo "$fsopts" | tr , '\n' | grep -qx redirect_dir=on || fail "redirect_dir= not passed: $fsopts"
echo "$fsopts" | tr , '\n' | grep -qx index=on || fail "index= not passed: $fsopts"
assert_vfs "$W/mnt" nosuid
assert_vfs "$W/mnt" nodev
assert_not_vfs "$W/mnt" idmapped
umount "$W/mnt"
expect_exit 0 mount -t idmap.overlay -o "ro,$L,$MAPS" overlay "$W/mnt"
assert_vfs "$W/mnt" ro
! touch "$W/mnt/x" 2>/dev/null || fail "ro overlay took a write"
umount "$W/mnt"
# An option overlayfs does not know: its own message, exit 32.
# A legacy overlayfs (before 6.5) reads its options only at creation.
if kernel_at_least 6 5; then
	why='overlay: option "bogus=1" rejected: overlay: Unknown parameter .bogus.'
else
	why='overlay: cannot create the overlay: .*overlayfs: unrecognized mount option "bogus=1"'
fi
expect_mount_failed "$why" \
	"$W/mnt" mount -t idmap.overlay -o "$L,$MAPS,bogus=1" overlay "$W/mnt"
EOS
}

overlay_case errors "errors name the layer, or quote overlayfs; nothing is left mounted"
errors_body() {
	e2e_run "$(layers)" <<'EOS'
e2e_setup
mk_layers "$W/ext4"
mkdir "$W/other"
e2e_idmappable_fs "$W/other"
mkdir "$W/other/work"
before=$(lines)
# overlayfs says why in its context or in the kernel log; a kernel log
# line is quoted as what it is, maybe about another mount.
expect_mount_failed "^mount\\.idmap: $W/mnt: overlay: cannot create the overlay: .*overlayfs: missing 'workdir'\$" \
	"$W/mnt" mount -t idmap.overlay -o "lowerdir=$W/ext4/l1,upperdir=$W/ext4/rw/upper,$MAPS" overlay "$W/mnt"
same_lines "$before"
expect_mount_failed "overlay: cannot create the overlay: .*overlayfs: workdir and upperdir must reside under the same mount\$" \
	"$W/mnt" mount -t idmap.overlay -o "lowerdir=$W/ext4/l1,upperdir=$W/ext4/rw/upper,workdir=$W/other/work,$MAPS" overlay "$W/mnt"
same_lines "$before"
expect_mount_failed 'overlay: lower layer "/proc" \(proc\) does not support idmapped mounts$' \
	"$W/mnt" mount -t idmap.overlay -o "lowerdir=$W/ext4/l1:/proc,$MAPS" overlay "$W/mnt"
same_lines "$before"
expect_mount_failed "overlay: upper directory \"$W/ext4/nope\" does not exist" \
	"$W/mnt" mount -t idmap.overlay -o "lowerdir=$W/ext4/l1,upperdir=$W/ext4/nope,workdir=$W/ext4/rw/work,$MAPS" overlay "$W/mnt"
# nofail: a layer that does not exist is no failure; nothing is mounted.
expect_exit 0 mount -t idmap.overlay -o "lowerdir=$W/ext4/l1:$W/ext4/gone,nofail,$MAPS" overlay "$W/mnt"
[ ! -s "$ERR" ] || fail "nofail printed: $(cat "$ERR")"
! mountpoint -q "$W/mnt" || fail "nofail mounted something"
same_lines "$before"
# A file given as a layer is named as written.
expect_mount_failed "overlay: lower layer \"$W/ext4/l1/a\" is not a directory\$" \
	"$W/mnt" mount -t idmap.overlay -o "lowerdir=$W/ext4/l1:$W/ext4/l1/a,$MAPS" overlay "$W/mnt"
expect_mount_failed "overlay: lower layer \"$W/ext4/l1/a\" is not a directory\$" \
	"$W/mnt" mount -t idmap.overlay -o "lowerdir=$W/ext4/l1/a:$W/ext4/l1,$MAPS" overlay "$W/mnt"
same_lines "$before"
# A merged overlay cannot be a layer: named.
mkdir "$W/merged"
mount -t overlay overlay -o "lowerdir=$W/ext4/l1:$W/ext4/l2" "$W/merged"
before=$(lines)
expect_mount_failed "overlay: lower layer \"$W/merged\" \\(overlay\\) does not support idmapped mounts" \
	"$W/mnt" mount -t idmap.overlay -o "lowerdir=$W/merged,$MAPS" overlay "$W/mnt"
# An upper whose owner the map leaves out: overlayfs could not write it.
chown 70000:70000 "$W/ext4/rw/upper"
expect_mount_failed "upper directory \"$W/ext4/rw/upper\" is owned by on-disk 70000:70000, which the mapping leaves unmapped" \
	"$W/mnt" mount -t idmap.overlay -o "lowerdir=$W/ext4/l1,upperdir=$W/ext4/rw/upper,workdir=$W/ext4/rw/work,$MAPS" overlay "$W/mnt"
same_lines "$before"
EOS
}

overlay_case fstab_utab "fstab entry and mount -a, the utab record, --show, remount,ro, and umount leaves utab as it was"
fstab_utab_body() {
	e2e_run "$(layers)" <<'EOS'
e2e_setup
mk_layers "$W/ext4"
cat >"$W/fstab" <<EOF
overlay $W/mnt idmap.overlay lowerdir=$W/ext4/l1:$W/ext4/l2,upperdir=$W/ext4/rw/upper,workdir=$W/ext4/rw/work,X-idmap.uidmap=0:100000:65536,X-idmap.gidmap=0:100000:65536 0 0
EOF
export LIBMOUNT_FSTAB="$W/fstab"
utab_before=$(cat /run/mount/utab 2>/dev/null || true)
before=$(lines)
expect_exit 0 mount -a -t idmap.overlay
assert_owner "$W/mnt/b" 100005 100005
# mount -a again finds it mounted.
expect_exit 0 mount -a -t idmap.overlay
[ "$(grep -c " $W/mnt " /proc/self/mountinfo)" = 1 ] || fail "mount -a mounted it twice"
findmnt --mtab -n -o OPTIONS --mountpoint "$W/mnt" |
	grep -q 'x-idmap.uidmap=0:100000:65536,x-idmap.gidmap=0:100000:65536' ||
	fail "no utab record: $(findmnt --mtab -n -o OPTIONS --mountpoint "$W/mnt")"
expect_exit 0 "$HELPER" --show "$W/mnt"
[ "$(cat "$OUT")" = 'uidmap=0:100000:65536,gidmap=0:100000:65536' ] ||
	fail "--show printed: $(cat "$OUT")"
expect_exit 0 "$HELPER" --show
grep -q "^$W/mnt	uidmap=0:100000:65536,gidmap=0:100000:65536\$" "$OUT" ||
	fail "--show (all) printed: $(cat "$OUT")"
# remount: DIR alone, as a user types it.
expect_exit 0 mount -t idmap.overlay -o remount,ro "$W/mnt"
assert_vfs "$W/mnt" ro
! touch "$W/mnt/x" 2>/dev/null || fail "remount,ro overlay took a write"
assert_owner "$W/mnt/b" 100005 100005
expect_exit 0 mount -t idmap.overlay -o remount,rw "$W/mnt"
assert_vfs "$W/mnt" rw
# With the fstab entry, no -t is needed: mount(8) takes the type from it
# and runs the helper (without one, mount(8) 2.41 remounts an overlay
# itself and fails: "No changes allowed in reconfigure").
expect_exit 0 mount -o remount,ro "$W/mnt"
assert_vfs "$W/mnt" ro
expect_exit 0 mount -o remount,rw "$W/mnt"
assert_vfs "$W/mnt" rw
# Another mapping on remount is refused.
expect_exit 32 mount -t idmap.overlay -o remount,uidmap=0:5:1,gidmap=0:5:1 "$W/mnt"
expect_err 'the idmap of a mounted tree cannot change'
umount "$W/mnt"
same_lines "$before"
[ "$(cat /run/mount/utab 2>/dev/null || true)" = "$utab_before" ] ||
	fail "utab changed: $(cat /run/mount/utab)"
# --show and remount refuse a plain overlay, which is not ours.
mount -t overlay overlay -o "lowerdir=$W/ext4/l1:$W/ext4/l2" "$W/mnt"
expect_exit 32 "$HELPER" --show "$W/mnt"
expect_err 'is not an idmapped mount'
expect_exit 32 mount -t idmap.overlay -o remount,ro "$W/mnt"
expect_err 'remount: not an idmapped mount'
EOS
}

overlay_case remount "remount changes the attributes of the overlay mount, as mount(8) merges them, and keeps its layers"
remount_body() {
	e2e_run "$(layers)" <<'EOS'
e2e_setup
mk_layers "$W/fs"
expect_exit 0 mount -t idmap.overlay -o "lowerdir=$W/fs/l1,upperdir=$W/fs/rw/upper,workdir=$W/fs/rw/work,$MAPS,nosuid,nodev" overlay "$W/mnt"
expect_exit 0 mount -t idmap.overlay -o remount,ro "$W/mnt"
assert_vfs "$W/mnt" ro
assert_vfs "$W/mnt" nosuid
assert_vfs "$W/mnt" nodev
# mount(8) passes the merged set back; what it left out is cleared.
expect_exit 0 mount -t idmap.overlay -o remount,rw,suid "$W/mnt"
assert_vfs "$W/mnt" rw
assert_not_vfs "$W/mnt" nosuid
assert_vfs "$W/mnt" nodev
as_user 100001 / touch "$W/mnt/after"
assert_owner "$W/fs/rw/upper/after" 1 1
# The helper called directly, with SRC and DIR.
expect_exit 0 "$HELPER" overlay "$W/mnt" -t idmap.overlay -o remount,nosuid
assert_vfs "$W/mnt" nosuid
assert_vfs "$W/mnt" nodev
# An overlay option cannot change on remount.
expect_exit 1 mount -t idmap.overlay -o remount,redirect_dir=on "$W/mnt"
expect_err 'option "redirect_dir" would change the filesystem'
EOS
}

overlay_case remount_layers "remount with layer options: other layers are refused (exit 1) and change nothing; the own ones are accepted, and unnamed attributes stay"
remount_layers_body() {
	e2e_run "$(layers)" <<'EOS'
e2e_setup
mk_layers "$W/ext4"
L="lowerdir=$W/ext4/l1:$W/ext4/l2,upperdir=$W/ext4/rw/upper,workdir=$W/ext4/rw/work"
expect_exit 0 mount -t idmap.overlay -o "$L,$MAPS,nosuid,nodev,noexec" overlay "$W/mnt"
flags() {
	assert_vfs "$W/mnt" "$1"
	for f in nosuid nodev noexec; do
		assert_vfs "$W/mnt" "$f"
	done
}
# Layers that are not the overlay's: refused, named, nothing changes.
expect_exit 1 mount -t idmap.overlay -o "remount,ro,lowerdir=/nonexistent:/etc" overlay "$W/mnt"
expect_one_line_err
expect_err "^mount\\.idmap: $W/mnt: remount: option \"lowerdir\" would change the filesystem"
flags rw
expect_exit 1 "$HELPER" overlay "$W/mnt" -t idmap.overlay -o remount,upperdir=/root
expect_one_line_err
expect_err 'remount: option "upperdir" would change the filesystem'
flags rw
expect_exit 1 "$HELPER" overlay "$W/mnt" -t idmap.overlay -o "remount,ro,$L,workdir=$W/ext4/rw"
expect_err 'remount: option "workdir" would change the filesystem'
flags rw
# Its own layers, as given when mounting: accepted, and what is not
# named stays.
expect_exit 0 "$HELPER" overlay "$W/mnt" -t idmap.overlay -o "remount,ro,$L"
flags ro
# As an fstab entry passes them (mount -o remount DIR).
printf 'overlay %s idmap.overlay %s,X-idmap.uidmap=0:100000:65536,X-idmap.gidmap=0:100000:65536 0 0\n' "$W/mnt" "$L" >"$W/fstab"
expect_exit 0 env LIBMOUNT_FSTAB="$W/fstab" mount -o remount,rw "$W/mnt"
flags rw
assert_owner "$W/mnt/b" 100005 100005
EOS
}

overlay_case stacked "a plain overlay mounted over an idmap.overlay is not taken for it: --show, remount, umount"
stacked_body() {
	e2e_run "$(layers)" <<'EOS'
e2e_setup
mk_layers "$W/ext4"
expect_exit 0 mount -t idmap.overlay -o "lowerdir=$W/ext4/l1,upperdir=$W/ext4/rw/upper,workdir=$W/ext4/rw/work,$MAPS,nosuid,nodev,noexec" overlay "$W/mnt"
# A plain overlay on top, which libmount merges the record with.
mount -t overlay overlay -o "lowerdir=$W/ext4/l1:$W/ext4/l2" "$W/mnt"
expect_exit 32 "$HELPER" --show "$W/mnt"
expect_one_line_err
expect_err "\"$W/mnt\" is not an idmapped mount"
expect_exit 32 mount -t idmap.overlay -o remount,ro "$W/mnt"
expect_err 'remount: not an idmapped mount'
expect_exit 32 "$HELPER" overlay "$W/mnt" -t idmap.overlay -o remount,nosuid
# findmnt lists both mounts; the top one is the last.
[ "$(findmnt -n -o VFS-OPTIONS --mountpoint "$W/mnt" | tail -n 1)" = rw,relatime ] ||
	fail "the plain overlay changed: $(findmnt -n -o VFS-OPTIONS --mountpoint "$W/mnt")"
# The listing names the idmapped overlay below, by its own id.
expect_exit 0 "$HELPER" --show
[ "$(cat "$OUT")" = "$W/mnt	uidmap=0:100000:65536,gidmap=0:100000:65536" ] ||
	fail "--show (all) printed: $(cat "$OUT")"
# umount(8) removes the last record for DIR, whichever mount it is of:
# the idmapped overlay below is then left without one (README).
umount "$W/mnt"
assert_vfs "$W/mnt" nosuid
! grep -q "TARGET=$W/mnt " /run/mount/utab || fail "utab: $(cat /run/mount/utab)"
expect_exit 32 "$HELPER" --show "$W/mnt"
expect_err "\"$W/mnt\" is not an idmapped mount"
umount "$W/mnt"
EOS
}

overlay_case fake "-f checks the layers and options, and writes and mounts nothing"
fake_body() {
	e2e_run "$(layers)" <<'EOS'
e2e_setup
mk_layers "$W/ext4"
L="lowerdir=$W/ext4/l1,upperdir=$W/ext4/rw/upper,workdir=$W/ext4/rw/work"
state() { find "$W/ext4/rw" -printf '%p %U %G %m\n' | sort; }
was=$(state)
before=$(lines)
expect_exit 0 mount -f -t idmap.overlay -o "$L,$MAPS" overlay "$W/mnt"
expect_exit 0 "$HELPER" overlay "$W/mnt" -f -t idmap.overlay -o "$L,$MAPS"
[ "$(state)" = "$was" ] || fail "-f wrote to the upper: $(state)"
same_lines "$before"
# Still checked: the layers and the options.
expect_exit 32 "$HELPER" overlay "$W/mnt" -f -t idmap.overlay -o "lowerdir=/proc,$MAPS"
expect_err 'lower layer "/proc" \(proc\) does not support idmapped mounts'
# A legacy overlayfs (before 6.5) reads its options only when it creates,
# which -f does not do: there, -f cannot tell.
if kernel_at_least 6 5; then
	expect_exit 32 "$HELPER" overlay "$W/mnt" -f -t idmap.overlay -o "$L,$MAPS,bogus"
	expect_err 'option "bogus" rejected'
fi
# The control: a real mount creates overlayfs's work directory.
expect_exit 0 mount -t idmap.overlay -o "$L,$MAPS" overlay "$W/mnt"
[ "$(state)" != "$was" ] || fail "control: a mount left the upper as it was"
EOS
}

atf_init_test_cases() {
	for c in layers lower_only many_layers escaped_comma upper_owner userns options \
		errors fstab_utab remount remount_layers stacked fake; do
		atf_add_test_case "$c"
	done
}
