#! @ATF_SH@
# SPDX-License-Identifier: Apache-2.0
#
# The helper under the real systemd: fstab entries that
# systemd-fstab-generator turns into units, and the native units of
# fstab-examples/.
#
# Each case boots its own systemd as PID 1 of fresh pid, mount, net, uts,
# ipc and cgroup namespaces (boot.sh below).  Inside them it gets its own
# /proc, /dev, /run, /tmp, /var/tmp, /var/log, /srv and cgroup tree, the test
# fstab bound over /etc/fstab, the fresh helper overlaid on /usr/sbin, and a
# read-only view of everything else, so nothing it does reaches the host.
# It starts only the case's own target.  The case drives it with nsenter,
# then kills it (SIGKILL, by PID) and checks that none of its processes,
# its cgroup or an idmapped mount is left.

HELPER='@HELPER@'
EXAMPLES='@SRCDIR@/fstab-examples'
SYSTEMD=/lib/systemd/systemd

LC_ALL=C
export LC_ALL

# The map of every example: on-disk 0-65535 seen as 100000-165535.  The
# source /srv/data holds files of on-disk owners 0, 1000 and 100000, seen as
# 100000, 101000 and 65534 (outside every INNER range).
OWNERS='root 100000 100000
u1000 101000 101000
u100000 65534 65534'

# How long to wait for systemd or a unit, in tenths of a second.
TICKS=300

sysd_fail() {
	echo "--- systemd's units and journal:" >&2
	sysd systemctl --no-pager list-units --all 'srv-*' 'idmap-*' >&2 2>&1
	sysd journalctl --no-pager -o short-monotonic -n 40 >&2 2>&1
	echo "--- boot log:" >&2
	cat sysd.log >&2 2>/dev/null
	atf_fail "$*"
}

# sysd CMD...: run CMD in the booted systemd's mount and pid namespaces.
sysd() {
	timeout 30 nsenter -t "$(cat sysd.spid)" -m -p "$@" </dev/null
}

# The namespaces and the boot: runs as PID 1 of the new pid namespace and
# ends by exec'ing systemd.  $1: the work directory, $2: the unit to start,
# $3: the mount namespace that must not be touched (the caller's).
write_boot_sh() {
	cat >boot.sh <<'EOF'
set -eu
W=$1
unit=$2
# Every mount below goes to the new mount namespace: refuse to run anywhere
# else.
[ "$$" = 1 ] || { echo "boot.sh: not PID 1 of a new pid namespace" >&2; exit 1; }
[ "$(readlink /proc/self/ns/mnt)" != "$3" ] ||
	{ echo "boot.sh: still in the caller's mount namespace" >&2; exit 1; }

mount -t proc -o nosuid,nodev,noexec proc /proc
mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs /run
# The work directory may lie under /tmp, which the next tmpfs hides.
T=/run/idmap-test
mkdir "$T"
mount --bind "$W" "$T"
for d in /tmp /var/tmp; do
	mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$d"
done
mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs /var/log

# A /dev of our own: systemd and its sockets create nodes and symlinks there
# (/dev/log), and the host's devtmpfs is shared by every namespace.
mount -t tmpfs -o mode=0755,nosuid tmpfs /dev
mknod -m 666 /dev/null c 1 3
mknod -m 666 /dev/zero c 1 5
mknod -m 666 /dev/full c 1 7
mknod -m 666 /dev/random c 1 8
mknod -m 666 /dev/urandom c 1 9
mknod -m 666 /dev/tty c 5 0
mknod -m 600 /dev/autofs c 10 235
mkdir /dev/pts /dev/shm
mount -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts /dev/pts
ln -s pts/ptmx /dev/ptmx
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /dev/shm

# The cgroup namespace is rooted at the test's own cgroup; a cgroup2 mount
# made inside it shows only that subtree.
mount -t cgroup2 -o nosuid,nodev,noexec cgroup2 /sys/fs/cgroup
mount -o remount,bind,ro /sys

# The source tree of every example, with files of known owners.
mount -t tmpfs -o mode=0755 tmpfs /srv
mkdir /srv/data
touch /srv/data/root /srv/data/u1000 /srv/data/u100000
chown 1000:1000 /srv/data/u1000
chown 100000:100000 /srv/data/u100000
# The upper and work directories of the idmapped overlay case.
mkdir -p /srv/rw/upper /srv/rw/work

# mount(8) finds the fresh helper in /sbin (/usr/sbin on Debian).
mount -t overlay overlay -o "lowerdir=$T/sbin-top:/usr/sbin" /usr/sbin
cmp -s /sbin/mount.idmap "$T/sbin-top/mount.idmap"

mkdir -p /run/systemd/system /run/systemd/journald.conf.d
cp "$T"/units/* /run/systemd/system/
printf '[Journal]\nStorage=volatile\n' \
	>/run/systemd/journald.conf.d/volatile.conf
# Users, groups and subordinate ids of the case (etc-add/FILE is appended
# to /etc/FILE), in an overlay of /etc that lives in the work directory.
if [ -d "$T/etc-add" ]; then
	mkdir "$T/etc-upper" "$T/etc-work"
	mount -t overlay overlay \
		-o "lowerdir=/etc,upperdir=$T/etc-upper,workdir=$T/etc-work" /etc
	for f in "$T"/etc-add/*; do
		cat "$f" >>"/etc/${f##*/}"
	done
fi
mount --bind "$T/fstab" /etc/fstab

# The rest of the host only read-only.  A bind remount changes this
# namespace's copy of the mount, never the file system.
mount -o remount,bind,ro /

exec env -i container=mount-idmap-test /lib/systemd/systemd --system \
	--unit="$unit" --log-target=console --show-status=no
EOF
}

# sysd_boot TARGET UNIT...: write TARGET, which wants systemd-journald and
# the UNITs, boot systemd with it and wait until its start-up jobs are done.
# units/ and fstab must be ready.
sysd_boot() {
	target=$1
	shift
	[ -x "$SYSTEMD" ] || atf_skip "$SYSTEMD is not installed"
	cg2=$(findmnt -n -t cgroup2 -o TARGET | head -n 1)
	[ -n "$cg2" ] || atf_skip "no cgroup2 hierarchy is mounted"

	printf '[Unit]\nDescription=mount.idmap test %s\nWants=systemd-journald.service %s\n' \
		"$target" "$*" >"units/$target"
	mkdir -p sbin-top
	cp "$HELPER" sbin-top/mount.idmap
	write_boot_sh
	count_host_idmapped >sysd.idmapped

	# A cgroup of the test's own, below the caller's, for the systemd to
	# manage; removed by sysd_kill.
	self=$(sed -n 's/^0:://p' /proc/self/cgroup)
	cg=$(mktemp -d "$cg2${self%/}/mount-idmap-systemd-test.XXXXXX") ||
		atf_fail "cannot create a cgroup below $cg2$self"
	echo "$cg" >sysd.cgroup

	trap sysd_kill EXIT
	mntns=$(readlink /proc/self/ns/mnt)
	# --kill-child: should this shell die, unshare dies and takes systemd
	# with it.
	(
		echo 0 >"$cg/cgroup.procs" &&
			exec unshare --cgroup --fork --pid --mount --net --uts \
				--ipc --propagation private --kill-child \
				/bin/sh -eu "$PWD/boot.sh" "$PWD" "$target" "$mntns"
	) </dev/null >sysd.log 2>&1 &
	upid=$!
	echo "$upid" >sysd.upid

	# systemd's PID: the child of unshare that is in a new pid namespace
	# (before its exec, the subshell may have children of its own).
	ourns=$(readlink /proc/self/ns/pid)
	n=0
	while :; do
		! gone "$upid" || sysd_fail "unshare ended early"
		# shellcheck disable=SC2013 # a list of PIDs, one word each
		for spid in $(cat "/proc/$upid/task/$upid/children" 2>/dev/null); do
			ns=$(readlink "/proc/$spid/ns/pid" 2>/dev/null) || continue
			[ "$ns" = "$ourns" ] || break 2
		done
		n=$((n + 1))
		[ "$n" -le "$TICKS" ] || sysd_fail "unshare forked no child"
		sleep 0.1
	done
	echo "$ns" >sysd.pidns
	echo "$spid" >sysd.spid

	# running or degraded: the job queue of the boot is empty.
	n=0
	while :; do
		state=$(sysd systemctl is-system-running 2>/dev/null || true)
		case $state in
		running | degraded) break ;;
		esac
		! gone "$upid" || sysd_fail "systemd ended during boot"
		n=$((n + 1))
		[ "$n" -le "$TICKS" ] || sysd_fail "systemd did not finish booting: $state"
		sleep 0.1
	done
}

count_host_idmapped() {
	grep -c '[ ,]idmapped[ ,]' /proc/self/mountinfo || true
}

# The PIDs of every process in the booted systemd's pid namespace.
sysd_left() {
	ns=$(cat sysd.pidns 2>/dev/null) || return 0
	[ "$ns" != "$(readlink /proc/self/ns/pid)" ] || return 0
	# One ls instead of a readlink for every process of the machine.
	# shellcheck disable=SC2010
	ls -l /proc/[0-9]*/ns/pid 2>/dev/null | grep -F -- "-> $ns" |
		sed 's|.* /proc/\([0-9]*\)/ns/pid -> .*|\1|'
}

# ours PID: PID is still the unshare this case started.
ours() {
	tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -qF " $PWD/boot.sh "
}

# gone PID: PID has ended (a zombie counts).
gone() {
	! [ -e "/proc/$1" ] || [ "$(sed 's/.*) \(.\).*/\1/' "/proc/$1/stat" 2>/dev/null)" = Z ]
}

# Kill the systemd this case booted (SIGKILL to its PID, which takes the
# whole pid namespace with it), reap it and remove its cgroup.  Quiet and
# idempotent: the EXIT trap, the cleanup and sysd_stop all run it.
sysd_kill() {
	if [ -s sysd.spid ]; then
		spid=$(cat sysd.spid)
		# That PID only while it is still the one we started.
		[ "$(readlink "/proc/$spid/ns/pid" 2>/dev/null)" != "$(cat sysd.pidns)" ] ||
			kill -KILL "$spid" 2>/dev/null
	fi
	if [ -s sysd.upid ]; then
		upid=$(cat sysd.upid)
		n=0
		while ! gone "$upid" && [ "$n" -lt 50 ]; do
			n=$((n + 1))
			sleep 0.1
		done
		# systemd's PID was unknown or unshare hangs: end unshare,
		# whose --kill-child takes the child along.
		! ours "$upid" || kill -KILL "$upid" 2>/dev/null
		# Reaps unshare when it is our child (in the body).
		wait "$upid" 2>/dev/null
	fi
	n=0
	while [ -n "$(sysd_left)" ] && [ "$n" -lt 300 ]; do
		n=$((n + 1))
		sleep 0.1
	done
	if [ -s sysd.cgroup ]; then
		cg=$(cat sysd.cgroup)
		n=0
		while [ -d "$cg" ] && [ "$n" -lt 100 ]; do
			find "$cg" -depth -type d -exec rmdir {} + 2>/dev/null
			[ ! -d "$cg" ] || sleep 0.1
			n=$((n + 1))
		done
	fi
	return 0
}

# The end of every case: kill the systemd and check that nothing of it is
# left.
sysd_stop() {
	upid=$(cat sysd.upid)
	sysd_kill
	left=$(sysd_left)
	[ -z "$left" ] || atf_fail "processes of the systemd are left: $left"
	! kill -0 "$upid" 2>/dev/null || atf_fail "unshare ($upid) is left"
	[ ! -d "$(cat sysd.cgroup)" ] ||
		atf_fail "cgroup $(cat sysd.cgroup) is left"
	[ "$(count_host_idmapped)" -le "$(cat sysd.idmapped)" ] ||
		atf_fail "an idmapped mount reached the host"
	rm -f sysd.spid sysd.upid sysd.pidns sysd.cgroup
	trap - EXIT
}

# wait_state UNIT STATE: wait until UNIT's ActiveState is STATE.
wait_state() {
	n=0
	while :; do
		got=$(sysd systemctl show -P ActiveState "$1" 2>/dev/null || true)
		[ "$got" != "$2" ] || return 0
		n=$((n + 1))
		[ "$n" -le "$TICKS" ] || sysd_fail "$1 is $got, want $2"
		sleep 0.1
	done
}

# wait_journal UNIT LINE: the journal of UNIT holds LINE.  The helper's
# stderr reaches it through journald's stream; give it a moment.
wait_journal() {
	n=0
	until sysd journalctl --no-pager -u "$1" | grep -qF "$2"; do
		n=$((n + 1))
		[ "$n" -le "$TICKS" ] || sysd_fail "the journal of $1 lacks: $2"
		sleep 0.1
	done
}

assert_state() {
	got=$(sysd systemctl show -P ActiveState "$1")
	[ "$got" = "$2" ] || sysd_fail "$1 is $got, want $2"
}

# assert_owners DIR: the files of /srv/data show the owners of OWNERS
# through DIR.
assert_owners() {
	echo "$OWNERS" | while read -r f u g; do
		got=$(sysd stat -c '%u %g' "$1/$f")
		[ "$got" = "$u $g" ] ||
			{ echo "$1/$f is owned by $got, want $u $g" >&2; exit 1; }
	done || sysd_fail "wrong owners through $1"
}

# assert_idmapped DIR: an idmapped mount is on DIR, with the owners of
# OWNERS.
assert_idmapped() {
	vfs=$(sysd findmnt -n -o VFS-OPTIONS --mountpoint "$1" | tail -n 1)
	echo ",$vfs," | grep -q ',idmapped,' ||
		sysd_fail "$1 is not idmapped: VFS options \"$vfs\""
	assert_owners "$1"
}

# assert_unmounted DIR: nothing but an autofs trigger is on DIR.
assert_unmounted() {
	types=$(sysd findmnt -n -o FSTYPE --mountpoint "$1" | grep -vx autofs || true)
	[ -z "$types" ] || sysd_fail "$1 is still mounted ($types)"
	! sysd grep -q "[ ,]idmapped[ ,]" /proc/self/mountinfo ||
		sysd_fail "an idmapped mount is left"
}

# The examples as the cases use them, and the test's fstab.
setup_units() {
	mkdir -p units
	cp "$EXAMPLES/srv-idmapped.mount" "$EXAMPLES/srv-idmapped.automount" units/
	cp "$EXAMPLES/idmap.fstab-systemd" fstab
}

atf_test_case fstab_and_unit cleanup
fstab_and_unit_head() {
	atf_set descr "an fstab entry with X-idmap.* and a native Type=idmap unit come up idmapped and stop"
	atf_set require.user root
	atf_set require.progs "unshare nsenter timeout systemctl"
	atf_set timeout 90
}
fstab_and_unit_body() {
	setup_units
	sysd_boot idmap-a.target srv-view.mount srv-idmapped.mount

	# /srv/view comes from the fstab line: mount(8) passes the helper no
	# option, and it reads X-idmap.* back from /etc/fstab.
	for u in srv-view srv-idmapped; do
		assert_state "$u.mount" active
		[ "$(sysd systemctl show -P SubState "$u.mount")" = mounted ] ||
			sysd_fail "$u.mount is not mounted"
	done
	assert_idmapped /srv/view
	assert_idmapped /srv/idmapped

	sysd systemctl stop srv-view.mount srv-idmapped.mount ||
		sysd_fail "systemctl stop failed"
	assert_state srv-view.mount inactive
	assert_state srv-idmapped.mount inactive
	assert_unmounted /srv/view
	assert_unmounted /srv/idmapped
	# umount(8) dropped the helper's utab records with the mounts.
	! sysd grep -E 'TARGET=/srv/(view|idmapped) ' /run/mount/utab >&2 ||
		sysd_fail "utab still records a stopped mount"
	sysd_stop
}
fstab_and_unit_cleanup() {
	sysd_kill
}

atf_test_case bad_mapping cleanup
bad_mapping_head() {
	atf_set descr "a unit with a bad mapping fails with the helper's message in its status"
	atf_set require.user root
	atf_set require.progs "unshare nsenter timeout systemctl journalctl"
	atf_set timeout 90
}
bad_mapping_body() {
	mkdir -p units
	: >fstab
	cat >units/srv-bad.mount <<'EOF'
[Mount]
What=/srv/data
Where=/srv/bad
Type=idmap
Options=uidmap=0:1:0,gidmap=0:1:1
EOF
	sysd_boot idmap-b.target srv-bad.mount

	wait_state srv-bad.mount failed
	result=$(sysd systemctl show -P Result srv-bad.mount)
	[ "$result" = exit-code ] || sysd_fail "Result=$result, want exit-code"
	assert_unmounted /srv/bad

	msg='mount.idmap: /srv/bad: uidmap: extent "0:1:0": COUNT must be at least 1'
	wait_journal srv-bad.mount "$msg"
	sysd systemctl --no-pager status srv-bad.mount >status.out 2>&1
	grep -qF "$msg" status.out || {
		cat status.out >&2
		sysd_fail "systemctl status srv-bad.mount lacks: $msg"
	}
	sysd_stop
}
bad_mapping_cleanup() {
	sysd_kill
}

atf_test_case verify
verify_head() {
	atf_set descr "systemd-analyze verify passes on the example units and on the generator's units of the example fstab"
	atf_set require.user root
	atf_set require.progs "unshare systemd-analyze"
	atf_set timeout 60
}
verify_body() {
	gen=/lib/systemd/system-generators/systemd-fstab-generator
	[ -x "$gen" ] || atf_skip "$gen is not installed"
	setup_units
	# systemd-analyze needs a writable /tmp and looks at /run: give it
	# its own, in private namespaces, and the rest read-only.
	cat >verify.sh <<'EOF'
set -eu
[ "$$" = 1 ] || exit 1
W=$1
mount -t proc -o nosuid,nodev,noexec proc /proc
mount -t tmpfs -o mode=0755 tmpfs /run
mkdir /run/idmap-test
mount --bind "$W" /run/idmap-test
for d in /tmp /var/tmp; do
	mount -t tmpfs -o mode=1777 tmpfs "$d"
done
mount -o remount,bind,ro /
cd /run/idmap-test
mkdir gen
SYSTEMD_FSTAB=/run/idmap-test/fstab "$2" gen gen gen
ls gen/srv-view.mount gen/srv-lazyview.mount gen/srv-lazyview.automount
systemd-analyze verify --man=no units/srv-idmapped.mount \
	units/srv-idmapped.automount
systemd-analyze verify --man=no gen/srv-view.mount \
	gen/srv-lazyview.mount gen/srv-lazyview.automount
EOF
	unshare --fork --pid --mount --net --uts --ipc --propagation private \
		--kill-child /bin/sh -eu verify.sh "$PWD" "$gen" \
		>verify.out 2>verify.err || {
		cat verify.out verify.err >&2
		atf_fail "systemd-analyze verify failed"
	}
	# Warnings (an unknown key, a bad value) go to stderr with exit 0.
	[ ! -s verify.err ] || {
		cat verify.err >&2
		atf_fail "systemd-analyze verify warned"
	}
}

atf_test_case automount cleanup
automount_head() {
	atf_set descr "an access to the Where= of an automount unit, native or from fstab, makes the idmapped mount"
	atf_set require.user root
	atf_set require.progs "unshare nsenter timeout systemctl"
	atf_set timeout 90
}
automount_body() {
	setup_units
	sysd_boot idmap-d.target srv-idmapped.automount srv-lazyview.automount

	for u in srv-idmapped srv-lazyview; do
		assert_state "$u.automount" active
		assert_state "$u.mount" inactive
		assert_unmounted "/srv/${u#srv-}"
	done

	# The first access blocks until the mount is there.
	for u in srv-idmapped srv-lazyview; do
		sysd stat "/srv/${u#srv-}/u1000" >/dev/null ||
			sysd_fail "stat through /srv/${u#srv-} failed"
		wait_state "$u.mount" active
		assert_idmapped "/srv/${u#srv-}"
	done
	sysd_stop
}
automount_cleanup() {
	sysd_kill
}

atf_test_case names cleanup
names_head() {
	atf_set descr "a unit whose map names a user's subordinate ranges (idmap=subid:NAME) and an fstab line with user names"
	atf_set require.user root
	atf_set require.progs "unshare nsenter timeout systemctl"
	atf_set timeout 90
}
names_body() {
	mkdir -p units etc-add
	# tidmap's ranges give the map of every example: on-disk 0-65535 seen
	# as 100000-165535.
	echo 'tidmap:x:1500:1500::/nonexistent:/usr/sbin/nologin' >etc-add/passwd
	echo 'tidmap:x:1500:' >etc-add/group
	echo 'tidmap:100000:65536' >etc-add/subuid
	echo 'tidmap:100000:65536' >etc-add/subgid
	cat >units/srv-named.mount <<'EOF'
[Mount]
What=/srv/data
Where=/srv/named
Type=idmap
Options=idmap=subid:tidmap
EOF
	echo '/srv/data /srv/byname idmap X-idmap.uidmap=subid:tidmap,X-idmap.gidmap=subid:tidmap 0 0' >fstab
	sysd_boot idmap-n.target srv-named.mount srv-byname.mount

	for u in srv-named srv-byname; do
		assert_state "$u.mount" active
		assert_idmapped "/srv/${u#srv-}"
	done
	sysd findmnt --mtab -n -o OPTIONS --mountpoint /srv/named |
		grep -q 'x-idmap.uidmap=subid:tidmap' ||
		sysd_fail "utab does not keep subid:tidmap"
	sysd systemctl stop srv-named.mount srv-byname.mount ||
		sysd_fail "systemctl stop failed"
	assert_unmounted /srv/named
	assert_unmounted /srv/byname
	sysd_stop
}
names_cleanup() {
	sysd_kill
}

# utab_srv: the TARGETs below /srv that the booted systemd's utab records,
# sorted, on one line.
utab_srv() {
	sysd cat /run/mount/utab 2>/dev/null |
		sed -n 's/^\(.* \)\{0,1\}TARGET=\(\/srv\/[^ ]*\).*$/\2/p' |
		sort | tr '\n' ' '
}

atf_test_case utab_cycles cleanup
utab_cycles_head() {
	atf_set descr "start/stop and automount cycles of fstab and native units leave one utab record per mount, and none once stopped"
	atf_set require.user root
	atf_set require.progs "unshare nsenter timeout systemctl"
	atf_set timeout 120
}
utab_cycles_body() {
	setup_units
	sysd_boot idmap-e.target srv-view.mount srv-idmapped.automount \
		srv-lazyview.automount

	i=0
	while [ "$i" -lt 5 ]; do
		sysd systemctl start srv-view.mount ||
			sysd_fail "cycle $i: systemctl start failed"
		# srv-lazyview comes from an fstab line with
		# x-systemd.automount, which mount(8) records itself.
		for u in srv-idmapped srv-lazyview; do
			sysd stat "/srv/${u#srv-}/u1000" >/dev/null ||
				sysd_fail "cycle $i: stat through /srv/${u#srv-} failed"
			wait_state "$u.mount" active
		done
		assert_idmapped /srv/lazyview
		got=$(utab_srv)
		[ "$got" = "/srv/idmapped /srv/lazyview /srv/view " ] ||
			sysd_fail "cycle $i: utab records [$got]"
		sysd systemctl stop srv-view.mount srv-idmapped.mount \
			srv-lazyview.mount || sysd_fail "cycle $i: systemctl stop failed"
		for u in srv-view srv-idmapped srv-lazyview; do
			assert_state "$u.mount" inactive
		done
		got=$(utab_srv)
		[ -z "$got" ] || sysd_fail "cycle $i: after stop, utab records [$got]"
		i=$((i + 1))
	done
	sysd_stop
}
utab_cycles_cleanup() {
	sysd_kill
}

atf_test_case reload_changed_map cleanup
reload_changed_map_head() {
	atf_set descr "systemctl reload after the map of the fstab line changed: refused with both maps, the mount unchanged; restart applies it"
	atf_set require.user root
	atf_set require.progs "unshare nsenter timeout systemctl journalctl"
	atf_set timeout 120
}
reload_changed_map_body() {
	setup_units
	sysd_boot idmap-r.target srv-view.mount
	assert_idmapped /srv/view

	# The same line with ro: reload remounts, the map stays.
	sed 's|^\(/srv/data  /srv/view .*\),nosuid,nodev |\1,nosuid,nodev,ro |' \
		"$EXAMPLES/idmap.fstab-systemd" >fstab.new
	cat fstab.new >fstab	# in place: /etc/fstab is bound to this inode
	sysd systemctl daemon-reload || sysd_fail "daemon-reload failed"
	sysd systemctl reload srv-view.mount || sysd_fail "reload with ro failed"
	vfs=$(sysd findmnt -n -o VFS-OPTIONS --mountpoint /srv/view)
	echo ",$vfs," | grep -q ',ro,' || sysd_fail "reload did not make /srv/view ro: $vfs"
	assert_idmapped /srv/view

	# Another map: the reload fails and says why; nothing changes.
	sed 's|0:100000:65536|0:200000:65536|g; s|,nosuid,nodev |,nosuid,nodev,rw |' \
		"$EXAMPLES/idmap.fstab-systemd" >fstab.new
	cat fstab.new >fstab
	sysd systemctl daemon-reload || sysd_fail "daemon-reload failed"
	! sysd systemctl reload srv-view.mount 2>/dev/null ||
		sysd_fail "reload with another map succeeded"
	msg='mount.idmap: /srv/view: remount: mounted with uidmap=0:100000:65536,gidmap=0:100000:65536, but the options say uidmap=0:200000:65536,gidmap=0:200000:65536; the idmap of a mounted tree cannot change, so nothing was changed: unmount /srv/view and mount it again (systemctl restart, for a unit)'
	wait_journal srv-view.mount "$msg"
	vfs=$(sysd findmnt -n -o VFS-OPTIONS --mountpoint /srv/view)
	echo ",$vfs," | grep -q ',ro,' || sysd_fail "the failed reload changed /srv/view: $vfs"
	assert_idmapped /srv/view

	# What the message says to do.
	sysd systemctl restart srv-view.mount || sysd_fail "restart failed"
	got=$(sysd stat -c '%u %g' /srv/view/root)
	[ "$got" = "200000 200000" ] || sysd_fail "after restart, root shows as $got"
	sysd_stop
}
reload_changed_map_cleanup() {
	sysd_kill
}

atf_test_case overlay cleanup
overlay_head() {
	atf_set descr "a Type=idmap.overlay unit comes up with every layer idmapped, writes land as on-disk ids, and stops"
	atf_set require.user root
	atf_set require.progs "unshare nsenter timeout systemctl"
	atf_set timeout 90
}
overlay_body() {
	mkdir -p units
	: >fstab
	cat >units/srv-ovl.mount <<'EOF'
[Mount]
What=overlay
Where=/srv/ovl
Type=idmap.overlay
Options=lowerdir=/srv/data,upperdir=/srv/rw/upper,workdir=/srv/rw/work,uidmap=0:100000:65536,gidmap=0:100000:65536,nosuid
EOF
	sysd_boot idmap-o.target srv-ovl.mount

	assert_state srv-ovl.mount active
	[ "$(sysd findmnt -n -o FSTYPE --mountpoint /srv/ovl)" = overlay ] ||
		sysd_fail "/srv/ovl is not an overlay"
	assert_owners /srv/ovl
	# The upper's owner (on-disk 0, seen as 100000) writes; it lands as 0.
	sysd setpriv --reuid=100000 --regid=100000 --clear-groups \
		touch /srv/ovl/new || sysd_fail "cannot write through /srv/ovl"
	[ "$(sysd stat -c '%u %g' /srv/rw/upper/new)" = "0 0" ] ||
		sysd_fail "the upper holds $(sysd stat -c '%u %g' /srv/rw/upper/new), want 0 0"
	sysd grep -q 'TARGET=/srv/ovl .*x-idmap.uidmap=0:100000:65536' \
		/run/mount/utab || sysd_fail "no utab record for /srv/ovl"

	sysd systemctl stop srv-ovl.mount || sysd_fail "systemctl stop failed"
	assert_state srv-ovl.mount inactive
	assert_unmounted /srv/ovl
	! sysd grep -q 'TARGET=/srv/ovl ' /run/mount/utab ||
		sysd_fail "utab still records /srv/ovl"
	sysd_stop
}
overlay_cleanup() {
	sysd_kill
}

atf_init_test_cases() {
	atf_add_test_case fstab_and_unit
	atf_add_test_case bad_mapping
	atf_add_test_case verify
	atf_add_test_case automount
	atf_add_test_case names
	atf_add_test_case utab_cycles
	atf_add_test_case reload_changed_map
	atf_add_test_case overlay
}
