#! @ATF_SH@
# SPDX-License-Identifier: Apache-2.0
#
# The real podman: volumes of its local driver with type=idmap, which
# podman mounts with "mount -t idmap -o O DEVICE DIR".  podman keeps its
# storage, run state and temporary files in the work directory (--root,
# --runroot, --tmpdir, the vfs driver, no events), and each case runs in
# private mount and pid namespaces with a private /run.

. '@E2E_RUN@'

# Run inside the namespace, before each case's script.  pod ARGS... runs
# podman on the work directory's storage.
podman_lib() {
	cat <<'EOS'
e2e_setup
command -v podman >/dev/null ||
	fail "podman is missing: apt-get install podman (tools/check does)"
mkdir "$W/home"
export HOME="$W/home" XDG_CONFIG_HOME="$W/home/.config" \
	XDG_DATA_HOME="$W/home/.local/share"
pod() {
	podman --root "$W/pod/root" --runroot "$W/pod/run" --tmpdir "$W/pod/tmp" \
		--storage-driver vfs --events-backend none \
		--cgroup-manager cgroupfs "$@"
}
EOS
}

podman_case() {
	atf_test_case "$1"
	eval "$1_head() { atf_set descr '$2'; atf_set require.user root; }"
}

podman_case volume "volume create with type=idmap, mount (idmapped), unmount, twice"
volume_body() {
	e2e_run "$(podman_lib)" <<'EOS'
expect_exit 0 pod volume create --opt type=idmap --opt "device=$W/ext4" \
	--opt o=uidmap=1000:7:1,gidmap=1000:8:1 v1
for cycle in 1 2; do
	expect_exit 0 pod volume mount v1
	p=$(cat "$OUT")
	[ "$p" = "$W/pod/root/volumes/v1/_data" ] || fail "podman volume mount printed: $p"
	assert_idmapped "$p"
	assert_owner "$p/u1000" 7 8
	assert_owner "$p/root" 65534 65534
	touch "$p/new" 2>"$ERR" && fail "root wrote through a map without uid 0"
	expect_exit 0 pod volume unmount v1
	assert_not_mounted "$p"
done
expect_exit 0 pod volume rm v1
assert_no_helper_procs
EOS
}

podman_case bad_map "a bad map: the error of podman is the line of the helper, nothing is mounted"
bad_map_body() {
	e2e_run "$(podman_lib)" <<'EOS'
p="$W/pod/root/volumes/bad/_data"
expect_exit 0 pod volume create --opt type=idmap --opt "device=$W/ext4" \
	--opt o=uidmap=1000:7:0,gidmap=1000:8:1 bad
expect_exit 125 pod volume mount bad
grep -qxF "Error: mount.idmap: $p: uidmap: extent \"1000:7:0\": COUNT must be at least 1" "$ERR" ||
	fail "podman's error is not the helper's line"
assert_not_mounted "$p"
# An extent of two fields: the token and the syntax are named too.
expect_exit 0 pod volume create --opt type=idmap --opt "device=$W/ext4" \
	--opt o=uidmap=1000:7,gidmap=1000:8:1 short
expect_exit 125 pod volume mount short
expect_err '^Error: mount\.idmap: .*: uidmap: bad extent "1000:7": expected INNER:OUTER:COUNT'
assert_not_mounted "$W/pod/root/volumes/short/_data"
assert_utab_exact
assert_no_helper_procs
EOS
}

atf_init_test_cases() {
	atf_add_test_case volume
	atf_add_test_case bad_map
}
