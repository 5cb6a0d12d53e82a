#! @ATF_SH@
# SPDX-License-Identifier: Apache-2.0
#
# How the helper resolves SRC and DIR: SRC is followed as mount --bind
# follows it, DIR is not followed, and the object checked is the one
# mounted on.  mount(8) canonicalizes DIR before it runs the helper, so
# these cases call the helper directly, as a caller that mount(8) did not
# check would.  Each case in private mount and pid namespaces.

. '@E2E_RUN@'

# paths_case NAME DESCRIPTION: a case that needs root.
paths_case() {
	atf_test_case "$1"
	eval "$1_head() { atf_set descr '$2'; atf_set require.user root; }"
}

paths_case symlink_dir_file "a file SRC onto a symlink DIR: exit 32, nothing mounted, not even on the link"
symlink_dir_file_body() {
	e2e_run <<'EOS'
e2e_setup
touch "$W/target-file"
ln -s "$W/target-file" "$W/flink"
before=$(wc -l </proc/self/mountinfo)
for flag in "" -f; do
	expect_mount_failed "^mount\\.idmap: $W/flink: mount point is a symlink, which mount\\.idmap does not follow: give the directory or file it points to\$" \
		"$W/target-file" "$HELPER" $flag "$W/ext4/u1000" "$W/flink" -o "$MAP1000"
done
[ "$(wc -l </proc/self/mountinfo)" = "$before" ] || fail "something was mounted: $(tail -1 /proc/self/mountinfo)"
[ -L "$W/flink" ] || fail "the link is gone"
# The file itself is a fine mount point.
expect_exit 0 "$HELPER" "$W/ext4/u1000" "$W/target-file" -o "$MAP1000"
assert_owner "$W/target-file" 0 0
EOS
}

paths_case symlink_dir_dir "a directory SRC onto a symlink DIR, live or dangling: exit 32"
symlink_dir_dir_body() {
	e2e_run <<'EOS'
e2e_setup
ln -s "$W/mnt" "$W/dlink"
ln -s "$W/gone" "$W/dangling"
before=$(wc -l </proc/self/mountinfo)
for link in dlink dangling; do
	expect_mount_failed "^mount\\.idmap: $W/$link: mount point is a symlink, which mount\\.idmap does not follow" \
		"$W/mnt" "$HELPER" "$W/ext4" "$W/$link" -o "$MAP1000"
done
[ "$(wc -l </proc/self/mountinfo)" = "$before" ] || fail "something was mounted"
[ ! -e "$W/gone" ] || fail "the dangling link's target was created"
EOS
}

paths_case kinds_named "a directory onto a file, a file onto a directory: both named"
kinds_named_body() {
	e2e_run <<'EOS'
e2e_setup
touch "$W/target-file"
expect_mount_failed "^mount\\.idmap: $W/target-file: source \"$W/ext4\" is a directory but the mount point is not a directory: bind a directory on a directory, a file on a file\$" \
	"$W/target-file" mount -t idmap -o "$MAP1000" "$W/ext4" "$W/target-file"
expect_mount_failed "^mount\\.idmap: $W/mnt: source \"$W/ext4/root\" is not a directory but the mount point is a directory" \
	"$W/mnt" mount -t idmap -o "$MAP1000" "$W/ext4/root" "$W/mnt"
EOS
}

paths_case source_symlink_reidmap "a symlink to an idmapped SRC is followed, and re-idmapped"
source_symlink_reidmap_body() {
	e2e_run <<'EOS'
e2e_setup
mkdir "$W/mnt2"
expect_exit 0 mount -t idmap -o "$MAP1000" "$W/ext4" "$W/mnt"
ln -s "$W/mnt" "$W/srclink"
e2e_kernel_case 6 15 "open_tree_attr()" "$HELPER" "$W/srclink" "$W/mnt2" -o uidmap=1000:7:1,gidmap=1000:8:1
assert_idmapped "$W/mnt2"
assert_owner "$W/mnt2/u1000" 7 8
# A submount that refuses, found from SRC reached through a symlink.
umount "$W/mnt2"
mkdir "$W/ext4/proc"
mount -t proc proc "$W/ext4/proc"
ln -s "$W/ext4" "$W/treelink"
expect_mount_failed "the submount \"$W/ext4/proc\" \\(proc\\) does not support idmapped mounts" \
	"$W/mnt2" "$HELPER" "$W/treelink" "$W/mnt2" -o "rbind,$MAP1000"
EOS
}

atf_init_test_cases() {
	for tc in symlink_dir_file symlink_dir_dir kinds_named \
		source_symlink_reidmap; do
		atf_add_test_case "$tc"
	done
}
