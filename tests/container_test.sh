#! @ATF_SH@
# SPDX-License-Identifier: Apache-2.0
#
# Containers and user namespaces: -N into a namespace with its own PID
# namespace and /proc, userns= seen from the caller, the helper run as root
# of a user namespace, and the namespace child under hostile limits (a
# small stack, SIGCHLD ignored).  Each case in private mount and pid
# namespaces of its own.

. '@E2E_RUN@'

container_case() {
	atf_test_case "$1"
	eval "$1_head() { atf_set descr '$2'; atf_set require.user root; }"
}

# What every case below starts from: a "container" (mount and PID
# namespaces and a /proc of its own, as unshare -m -p --mount-proc makes
# it) with a filesystem on $W/ctr that only it sees and that the kernel can
# idmap (e2e_idmappable_fs), holding src/ (files of uid
# 1000 and 0) and empty mount points.  $CTR is a PID whose ns/mnt is the
# container's; ctr_sh CMD runs CMD in the container, seeing its /proc.
# Extra setup for the container's shell may come in $CTR_EXTRA.  A case
# calls write_ctr_lib and its script sources ./lib.sh.
write_ctr_lib() {
	cat >lib.sh <<'EOS'
# In a sanitizer build, LeakSanitizer reads /proc/<pid>/task at exit, and a
# helper that entered the container sees the container's /proc, where its
# PID does not exist: LSan would fail the run.  The same code runs with leak
# checks in every case without a container.  Other builds ignore this.
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
export ASAN_OPTIONS
ctr_start() {
	mkdir -p "$W/ctr"
	unshare -m -p --fork --mount-proc --propagation private sh -c '
		. "$2"
		e2e_idmappable_fs "$1/ctr"
		mkdir "$1/ctr/src" "$1/ctr/mnt" "$1/ctr/mnt2" "$1/ctr/mnt3"
		touch "$1/ctr/src/u1000" "$1/ctr/src/root"
		chown 1000:1000 "$1/ctr/src/u1000"
		'"${CTR_EXTRA:-}"'
		touch "$1/ready"
		exec sleep 100' ctr "$W" "$E2E_LIB" &
	CTR=$!
	tries=0
	until [ -e "$W/ready" ]; do
		tries=$((tries + 1))
		[ "$tries" -lt 500 ] || fail "the container did not start"
		sleep 0.01
	done
}

ctr_sh() {
	nsenter -t "$CTR" -m --pid="/proc/$CTR/ns/pid_for_children" sh -c "$1"
}

# unshare --fork ignores SIGTERM and waits for its child: kill the
# container's init, which takes every process of the container with it.
ctr_stop() {
	init=$(cat "/proc/$CTR/task/$CTR/children")
	init=${init%% *}
	[ -n "$init" ] || fail "the container has no init"
	kill -KILL "$init"
	wait "$CTR" || true
	! kill -0 "$CTR" 2>/dev/null || fail "the container is left running"
}

# The caller's namespace gained nothing: no idmapped mount, and the
# container's filesystem is not visible here.
assert_caller_untouched() {
	[ "$(count_idmapped)" = 0 ] || fail "an idmapped mount appeared here"
	! mountpoint -q "$W/ctr" || fail "the container's filesystem is seen here"
	assert_no_helper_procs
}

# ctr_assert_idmapped DIR UID: DIR is an idmapped mount in the container
# and its u1000 is seen there as UID.
ctr_assert_idmapped() {
	ctr_sh "findmnt -n -o VFS-OPTIONS --mountpoint '$1'" | grep -q idmapped ||
		fail "$1 is not an idmapped mount in the container"
	got=$(ctr_sh "stat -c %u '$1/u1000'")
	[ "$got" = "$2" ] || fail "$1/u1000 is owned by $got in the container, want $2"
}
EOS
}

container_case into_container "-N into a container (own pid namespace and /proc): through mount(8), by path and by PID"
into_container_body() {
	write_ctr_lib
	e2e_run <<'EOS'
. ./lib.sh
e2e_setup
ctr_start
# As mount(8) does it: it passes the helper /proc/<its pid>/fd/N.
expect_exit 0 mount -N "/proc/$CTR/ns/mnt" -t idmap -o uidmap=1000:3:1,gidmap=1000:3:1 "$W/ctr/src" "$W/ctr/mnt"
ctr_assert_idmapped "$W/ctr/mnt" 3
# The helper directly, with a path and with a PID.
expect_exit 0 "$HELPER" "$W/ctr/src" "$W/ctr/mnt2" -N "/proc/$CTR/ns/mnt" -o uidmap=1000:4:1,gidmap=1000:4:1
ctr_assert_idmapped "$W/ctr/mnt2" 4
expect_exit 0 "$HELPER" "$W/ctr/src" "$W/ctr/mnt3" -N "$CTR" -o uidmap=1000:5:1,gidmap=1000:5:1
ctr_assert_idmapped "$W/ctr/mnt3" 5
# On-disk root is unmapped there.
[ "$(ctr_sh "stat -c %u '$W/ctr/mnt/root'")" = 65534 ] || fail "root is mapped"
# umount(8) in the container removes it.
ctr_sh "umount '$W/ctr/mnt'"
! ctr_sh "mountpoint -q '$W/ctr/mnt'" || fail "still mounted in the container"
assert_caller_untouched
ctr_stop
EOS
}

container_case pid_collision "-N: the maps never land in a container process whose PID is that of the namespace child"
pid_collision_body() {
	write_ctr_lib
	e2e_run <<'EOS'
. ./lib.sh
# In the container, PID 602 is a process in a user namespace without maps.
# The helper below runs as PID 601 here, so its namespace child is 602: a
# helper that looked up /proc/602 inside the container would write the maps
# into that process's namespace.
CTR_EXTRA='echo 601 >/proc/sys/kernel/ns_last_pid
	unshare -U sleep 100 &
	[ $! = 602 ] || { echo "container: got pid $!, not 602" >&2; exit 1; }'
e2e_setup
ctr_start
[ "$(ctr_sh 'wc -c </proc/602/uid_map')" = 0 ] || fail "602 has a uid map already"
echo 600 >/proc/sys/kernel/ns_last_pid
expect_exit 0 "$HELPER" "$W/ctr/src" "$W/ctr/mnt" -N "$CTR" -o uidmap=1000:7:1,gidmap=1000:7:1
[ "$(ctr_sh 'wc -c </proc/602/uid_map')" = 0 ] ||
	fail "the maps were written into the container's process 602: $(ctr_sh 'cat /proc/602/uid_map')"
[ "$(ctr_sh 'wc -c </proc/602/gid_map')" = 0 ] || fail "a gid map was written into 602"
ctr_assert_idmapped "$W/ctr/mnt" 7
assert_caller_untouched
ctr_stop
EOS
}

container_case relative_paths "-N: relative SRC or DIR are refused, naming the path"
relative_paths_body() {
	write_ctr_lib
	e2e_run <<'EOS'
. ./lib.sh
e2e_setup
ctr_start
# mount(8) 2.38 makes DIR absolute when it exists here, passes SRC on as
# given, and runs the helper from "/".
cd "$W/ctr"
expect_exit 1 mount -N "$CTR" -t idmap -o uidmap=1000:3:1,gidmap=1000:3:1 src mnt
expect_one_line_err
expect_err '^mount\.idmap: [^ ]*: -N: "src" is a relative path.*give an absolute path'
expect_exit 1 "$HELPER" "$W/ctr/src" mnt -N "$CTR" -o uidmap=1000:3:1,gidmap=1000:3:1
expect_one_line_err
expect_err '"mnt" is a relative path'
expect_exit 1 "$HELPER" src "$W/ctr/mnt" -N "$CTR" -o uidmap=1000:3:1,gidmap=1000:3:1
expect_one_line_err
expect_err '"src" is a relative path'
# A new filesystem's source is not a path.
e2e_kernel_case 6 3 "idmapped tmpfs" \
	"$HELPER" none "$W/ctr/mnt" -N "$CTR" -t idmap.tmpfs -o uidmap=0:1000:1,gidmap=0:1000:1
ctr_sh "findmnt -n -o VFS-OPTIONS --mountpoint '$W/ctr/mnt'" | grep -q idmapped ||
	fail "-t idmap.tmpfs none: not mounted in the container"
cd "$W"
assert_caller_untouched
ctr_stop
EOS
}

container_case userns_from_caller "-N with userns=: the path is resolved in the /proc of the caller"
userns_from_caller_body() {
	write_ctr_lib
	e2e_run <<'EOS'
. ./lib.sh
e2e_setup
ctr_start
e2e_userns_start "1000 8 1" "1000 8 1"
expect_exit 0 "$HELPER" "$W/ctr/src" "$W/ctr/mnt" -N "$CTR" -o "userns=/proc/$NSPID/ns/user"
ctr_assert_idmapped "$W/ctr/mnt" 8
expect_exit 0 mount -N "$CTR" -t idmap -o "userns=/proc/$NSPID/ns/user" "$W/ctr/src" "$W/ctr/mnt2"
ctr_assert_idmapped "$W/ctr/mnt2" 8
e2e_userns_stop
assert_caller_untouched
ctr_stop
EOS
}

container_case userns_without_maps "userns= naming a namespace without maps: said so, exit 32"
userns_without_maps_body() {
	e2e_run <<'EOS'
e2e_setup
unshare --user sleep 100 &
NSPID=$!
while [ "$(readlink "/proc/$NSPID/ns/user")" = "$(readlink /proc/self/ns/user)" ]; do sleep 0.01; done
expect_mount_failed "user namespace \"/proc/$NSPID/ns/user\" has no uid map and no gid map: write its /proc/PID/uid_map and gid_map first" \
	"$W/mnt" "$HELPER" "$W/ext4" "$W/mnt" -o "userns=/proc/$NSPID/ns/user"
echo "1000 0 1" >"/proc/$NSPID/uid_map"
expect_mount_failed '"/proc/[0-9]+/ns/user" has no gid map' \
	"$W/mnt" mount -t idmap -o "userns=/proc/$NSPID/ns/user" "$W/ext4" "$W/mnt"
# Started with SIGCHLD ignored, the helper still can tell.
expect_mount_failed 'has no gid map' "$W/mnt" \
	env --ignore-signal=CHLD "$HELPER" "$W/ext4" "$W/mnt" -o "userns=/proc/$NSPID/ns/user"
echo "1000 0 1" >"/proc/$NSPID/gid_map"
expect_exit 0 mount -t idmap -o "userns=/proc/$NSPID/ns/user" "$W/ext4" "$W/mnt"
assert_owner "$W/mnt/u1000" 0 0
kill "$NSPID"
EOS
}

# In a user namespace of its own (ids 0-65535 are host 100000-165535),
# with a mount namespace it owns; $W/u is a directory it may write.  The
# script in u.sh runs there as its root.
inner_userns_run() {
	cat '@E2E_LIB@' - >u.sh
	e2e_run <<'EOS'
e2e_setup
mkdir "$W/u"
chown 100000:100000 "$W/u"
e2e_userns_start "0 100000 65536" "0 100000 65536"
nsenter -t "$NSPID" -U unshare -m --propagation private /bin/sh -eu "$W/u.sh" ||
	fail "the script in the user namespace failed"
e2e_userns_stop
# Skipped in there (W=$W/u), for want of a kernel feature.
[ ! -e "$W/u/.skip" ] || mv "$W/u/.skip" "$W/.skip"
EOS
}

container_case in_user_namespace "as root of a user namespace: idmaps a tmpfs that namespace owns, and nothing else"
in_user_namespace_body() {
	inner_userns_run <<'EOS'
W=$W/u
OUT=$W/.out
ERR=$W/.err
# The build directory may be closed to others (tools/check's is 0700), and
# host root is nobody here: run the copy that the /usr/sbin overlay shows.
HELPER=/usr/sbin/mount.idmap
mkdir "$W/t" "$W/mnt" "$W/h"
mount -t tmpfs -o mode=0755 tmpfs "$W/t"
touch "$W/t/u5"
chown 5:5 "$W/t/u5"
# /run here belongs to the initial namespace: give utab one of ours.
mount -t tmpfs tmpfs /run
# No filesystem this namespace may mount can be idmapped before Linux 6.3.
e2e_kernel_case 6 3 "idmapped tmpfs" \
	mount -t idmap -o uidmap=5:7:1,gidmap=5:7:1 "$W/t" "$W/mnt"
assert_idmapped "$W/mnt"
assert_owner "$W/mnt/u5" 7 7
grep -q 'x-idmap.uidmap=5:7:1' /run/mount/utab || fail "no utab record"
umount "$W/mnt"
# The work directory's filesystem belongs to the initial namespace: the
# kernel refuses, and the message says so.
expect_mount_failed 'not permitted to idmap' "$W/mnt" \
	"$HELPER" "$W/h" "$W/mnt" -o uidmap=5:7:1,gidmap=5:7:1
# Ids outside our own maps: the kernel refuses the map; a mount failure.
expect_mount_failed 'the kernel refused the uid_map "5 70000 1": Operation not permitted' \
	"$W/mnt" "$HELPER" "$W/t" "$W/mnt" -o uidmap=5:70000:1,gidmap=5:7:1
# Out of user namespaces: a system error.
echo 0 >/proc/sys/user/max_user_namespaces
expect_exit 2 "$HELPER" "$W/t" "$W/mnt" -o uidmap=5:7:1,gidmap=5:7:1
expect_one_line_err
expect_err 'user.max_user_namespaces'
! mountpoint -q "$W/mnt" || fail "mounted"
EOS
}

container_case overlay_layers "-N with -t idmap.overlay: the layers are those of the container; a relative layer path is refused, as a relative SRC is"
overlay_layers_body() {
	write_ctr_lib
	e2e_run <<'EOS'
. ./lib.sh
e2e_setup
CTR_EXTRA='mkdir -p "$1/ctr/rw/upper" "$1/ctr/rw/work"'
ctr_start
M=uidmap=0:100000:65536,gidmap=0:100000:65536
L="lowerdir=$W/ctr/src,upperdir=$W/ctr/rw/upper,workdir=$W/ctr/rw/work"
expect_exit 0 mount -N "$CTR" -t idmap.overlay -o "$L,$M" overlay "$W/ctr/mnt"
got=$(ctr_sh "stat -c %u '$W/ctr/mnt/u1000'")
[ "$got" = 101000 ] || fail "u1000 is owned by $got in the container's overlay, want 101000"
ctr_sh "umount '$W/ctr/mnt'"
# From "/" of the container, ctr/src would name another directory.
cd "$W"
expect_exit 1 "$HELPER" overlay "$W/ctr/mnt" -N "$CTR" -t idmap.overlay -o "lowerdir=$W/ctr/src:ctr/src,$M"
expect_one_line_err
expect_err '^mount\.idmap: [^ ]*: -N: lower layer "ctr/src" is a relative path.*give an absolute path'
expect_exit 1 "$HELPER" overlay "$W/ctr/mnt" -N "$CTR" -t idmap.overlay -o "lowerdir=$W/ctr/src,upperdir=ctr/rw/upper,workdir=$W/ctr/rw/work,$M"
expect_err '-N: upper directory "ctr/rw/upper" is a relative path'
ctr_sh "! mountpoint -q '$W/ctr/mnt'" || fail "something was mounted"
assert_caller_untouched
ctr_stop
EOS
}

container_case overlay_in_user_namespace "as root of a user namespace, a layer that cannot be cloned alone (locked submounts) or idmapped (EPERM) is told apart, in the words used for a bind"
overlay_in_user_namespace_body() {
	cat '@E2E_LIB@' - >u.sh <<'EOS'
W=$W/u
OUT=$W/.out
ERR=$W/.err
HELPER=/usr/sbin/mount.idmap
M=uidmap=0:0:1,gidmap=0:0:1
# Locked: the tmpfs on lk/sub was mounted in the caller's namespace.
expect_mount_failed 'overlay: lower layer "'"$W"'/lk" has submounts that are locked in this mount namespace .*: give a directory that has no submount below it$' \
	"$W/mnt" "$HELPER" overlay "$W/mnt" -t idmap.overlay -o "lowerdir=$W/lk:$W/h,$M"
expect_mount_failed 'source "'"$W"'/lk" has submounts that are locked in this mount namespace .*: bind with recursive' \
	"$W/mnt" "$HELPER" "$W/lk" "$W/mnt" -o "$M"
# A filesystem of the initial namespace: EPERM, the same words as a bind.
expect_mount_failed 'overlay: not permitted to idmap lower layer "'"$W"'/h" with this user namespace$' \
	"$W/mnt" "$HELPER" overlay "$W/mnt" -t idmap.overlay -o "lowerdir=$W/h:$W/h,$M"
expect_mount_failed 'not permitted to idmap "'"$W"'/h" with this user namespace' \
	"$W/mnt" "$HELPER" "$W/h" "$W/mnt" -o "$M"
EOS
	e2e_run <<'EOS'
e2e_setup
mkdir -p "$W/u/lk/sub" "$W/u/h" "$W/u/mnt"
mount -t tmpfs tmpfs "$W/u/lk/sub"
chown -R 100000:100000 "$W/u"
e2e_userns_start "0 100000 65536" "0 100000 65536"
nsenter -t "$NSPID" -U unshare -m --propagation private /bin/sh -eu "$W/u.sh" ||
	fail "the script in the user namespace failed"
e2e_userns_stop
EOS
}

container_case bind_now "the helper is linked with -z now and -z relro: the namespace child never runs the lazy binder"
bind_now_body() {
	readelf -d '@HELPER@' >dyn || atf_fail "readelf -d failed"
	grep -Eq '\(FLAGS\).*BIND_NOW|\(FLAGS_1\).* NOW' dyn ||
		atf_fail "no BIND_NOW: $(grep FLAGS dyn)"
	readelf -l '@HELPER@' | grep -q GNU_RELRO || atf_fail "no GNU_RELRO segment"
}

container_case small_stack "the helper works with ulimit -s 40 (the namespace child has a stack of its own)"
small_stack_body() {
	e2e_run <<'EOS'
e2e_setup
# Where the stack ends moves from run to run (ASLR): try it often.
rc=0
i=0
while [ "$i" -lt 15 ]; do
	(ulimit -s 40 && exec "$HELPER" "$W/ext4" "$W/mnt" -o uidmap=1000:0:1,gidmap=1000:0:1) || rc=$?
	[ "$rc" = 0 ] || fail "exit $rc under ulimit -s 40 (run $i)"
	assert_owner "$W/mnt/u1000" 0 0
	umount "$W/mnt"
	(ulimit -s 40 && exec mount -t idmap -o uidmap=1000:0:1,gidmap=1000:0:1 "$W/ext4" "$W/mnt") || rc=$?
	[ "$rc" = 0 ] || fail "mount(8): exit $rc under ulimit -s 40 (run $i)"
	assert_owner "$W/mnt/u1000" 0 0
	umount "$W/mnt"
	i=$((i + 1))
done
EOS
}

container_case sigchld_ignored "started with SIGCHLD ignored, the helper mounts and leaves nothing"
sigchld_ignored_body() {
	e2e_run <<'EOS'
e2e_setup
env --ignore-signal=CHLD grep -q '^SigIgn:.*[1-9a-f]....$' /proc/self/status ||
	fail "env --ignore-signal=CHLD did not ignore SIGCHLD"
expect_exit 0 env --ignore-signal=CHLD "$HELPER" "$W/ext4" "$W/mnt" -o uidmap=1000:0:1,gidmap=1000:0:1
assert_owner "$W/mnt/u1000" 0 0
assert_no_helper_procs
EOS
}

container_case second_day "in a container: the utab record, --show, remount, the re-idmap check and umount, through -N"
second_day_body() {
	write_ctr_lib
	e2e_run <<'EOS'
. ./lib.sh
e2e_setup
ctr_start
expect_exit 0 mount -N "/proc/$CTR/ns/mnt" -t idmap -o uidmap=1000:3:1,gidmap=1000:3:1 "$W/ctr/src" "$W/ctr/mnt"
ctr_assert_idmapped "$W/ctr/mnt" 3
# The record is there, with the mapping, for the container's findmnt.
ctr_sh "findmnt --mtab -n -o OPTIONS --mountpoint '$W/ctr/mnt'" |
	grep -q 'x-idmap.uidmap=1000:3:1' || fail "no utab record in the container"
[ "$(ctr_sh "'$HELPER' --show '$W/ctr/mnt'")" = 'uidmap=1000:3:1,gidmap=1000:3:1' ] ||
	fail "--show in the container"
# remount through -N reads the container's mount table through our own
# /proc, which the container's /proc does not show.
expect_exit 0 mount -N "/proc/$CTR/ns/mnt" -t idmap -o remount,ro "$W/ctr/src" "$W/ctr/mnt"
ctr_sh "findmnt -n -o VFS-OPTIONS --mountpoint '$W/ctr/mnt'" | tr , '\n' | grep -qx ro ||
	fail "remount,ro did not reach the container's mount"
expect_exit 32 "$HELPER" "$W/ctr/src" "$W/ctr/mnt2" -N "$CTR" -o remount,ro
expect_err 'remount: not a mount point'
# An idmapped source, from the container's table: re-idmapped on 6.15+,
# named as idmapped before.
run "$HELPER" "$W/ctr/mnt" "$W/ctr/mnt2" -N "$CTR" -o uidmap=1000:4:1,gidmap=1000:4:1
if kernel_at_least 6 15; then
	[ "$rc" = 0 ] || fail "re-idmap in the container: exit $rc: $(cat "$ERR")"
	ctr_assert_idmapped "$W/ctr/mnt2" 4
	ctr_sh "umount '$W/ctr/mnt2'"
else
	[ "$rc" = 32 ] || fail "exit $rc"
	expect_err 'is already an idmapped mount'
fi
ctr_sh "umount '$W/ctr/mnt'"
ctr_sh "cat /run/mount/utab 2>/dev/null" | grep -q "$W/ctr/" &&
	fail "utab keeps a record: $(ctr_sh 'cat /run/mount/utab')"
assert_caller_untouched
ctr_stop
EOS
}

container_case overlay_remount "-N into a container: remount of an idmap.overlay reads the mount table of the container through our own /proc"
overlay_remount_body() {
	write_ctr_lib
	e2e_run <<'EOS'
. ./lib.sh
e2e_setup
CTR_EXTRA='mkdir -p "$1/ctr/l1" "$1/ctr/rw/upper" "$1/ctr/rw/work"'
ctr_start
L="lowerdir=$W/ctr/l1,upperdir=$W/ctr/rw/upper,workdir=$W/ctr/rw/work"
expect_exit 0 mount -N "/proc/$CTR/ns/mnt" -t idmap.overlay -o "$L,uidmap=0:100000:65536,gidmap=0:100000:65536,nosuid" overlay "$W/ctr/mnt"
expect_exit 0 mount -N "/proc/$CTR/ns/mnt" -t idmap.overlay -o remount,ro overlay "$W/ctr/mnt"
ctr_sh "findmnt -n -o VFS-OPTIONS --mountpoint '$W/ctr/mnt'" | tr , '\n' | grep -qx ro ||
	fail "remount,ro did not reach the container's overlay"
ctr_sh "findmnt -n -o VFS-OPTIONS --mountpoint '$W/ctr/mnt'" | tr , '\n' | grep -qx nosuid ||
	fail "remount,ro cleared nosuid"
# Another mapping is still told apart.
expect_exit 32 "$HELPER" overlay "$W/ctr/mnt" -N "$CTR" -t idmap.overlay -o remount,uidmap=0:5:1,gidmap=0:5:1
expect_err 'the idmap of a mounted tree cannot change'
ctr_sh "umount '$W/ctr/mnt'"
assert_caller_untouched
ctr_stop
EOS
}

atf_init_test_cases() {
	for tc in into_container second_day pid_collision relative_paths \
		userns_from_caller userns_without_maps in_user_namespace \
		overlay_layers overlay_in_user_namespace \
		bind_now small_stack sigchld_ignored overlay_remount; do
		atf_add_test_case "$tc"
	done
}
