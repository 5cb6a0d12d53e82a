#! @ATF_SH@
# SPDX-License-Identifier: Apache-2.0
#
# The helper under the real systemd: fstab entries that
# systemd-fstab-generator turns into units, and the native units of
# fstab-examples/.  Each case boots a systemd of its own in fresh
# namespaces (tests/systemd_lib.sh.in).  Automount units need autofs in the
# kernel: they are tested apart, in automount_test.  A case that boots
# systemd takes 30 to 140 s under QEMU's emulation (tools/kernel-vm, Linux
# 6.1 and 6.12): its timeout is 300 s.

. '@SYSTEMD_LIB@'

atf_test_case fstab_and_unit cleanup
fstab_and_unit_head() {
	atf_set descr "an fstab entry with X-idmap.* and a native Type=idmap unit come up idmapped and stop"
	atf_set require.user root
	atf_set require.progs "unshare nsenter timeout systemctl"
	atf_set timeout 300
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
	atf_set timeout 300
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

atf_test_case names cleanup
names_head() {
	atf_set descr "a unit whose map names a user's subordinate ranges (idmap=subid:NAME) and an fstab line with user names"
	atf_set require.user root
	atf_set require.progs "unshare nsenter timeout systemctl"
	atf_set timeout 300
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

atf_test_case utab_cycles cleanup
utab_cycles_head() {
	atf_set descr "start/stop cycles of fstab and native units, one of them an fstab line with x-systemd.automount, leave one utab record per mount, and none once stopped"
	atf_set require.user root
	atf_set require.progs "unshare nsenter timeout systemctl"
	atf_set timeout 300
}
utab_cycles_body() {
	setup_units
	sysd_boot idmap-e.target srv-view.mount

	# Each .mount is started by name, not through its .automount: that
	# needs autofs, which automount_test covers.  srv-lazyview comes
	# from an fstab line with x-systemd.automount, which mount(8)
	# records itself in utab.
	i=0
	while [ "$i" -lt 5 ]; do
		sysd systemctl start srv-view.mount srv-idmapped.mount \
			srv-lazyview.mount ||
			sysd_fail "cycle $i: systemctl start failed"
		for u in srv-view srv-idmapped srv-lazyview; do
			assert_state "$u.mount" active
		done
		assert_idmapped /srv/lazyview
		assert_utab "cycle $i" "/srv/idmapped /srv/lazyview /srv/view "
		stop_mounts "cycle $i" srv-view.mount srv-idmapped.mount \
			srv-lazyview.mount
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
	atf_set timeout 300
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
	atf_set timeout 300
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
	atf_add_test_case names
	atf_add_test_case utab_cycles
	atf_add_test_case reload_changed_map
	atf_add_test_case overlay
}
