#! @ATF_SH@
# SPDX-License-Identifier: Apache-2.0
#
# The helper under the real systemd's automount units, native
# (fstab-examples/srv-idmapped.automount) and from an fstab line with
# x-systemd.automount.  Each case boots a systemd of its own in fresh
# namespaces (tests/systemd_lib.sh.in).
#
# An .automount unit is an autofs trigger: the kernel must have autofs.
# Debian's kernels have it as a module (autofs4), which systemd loads at a
# real boot but not in a container, as here: the case loads it itself.  A
# kernel built without it (CONFIG_AUTOFS_FS unset) cannot run these cases,
# and they fail saying so: tools/check leaves this program out of its runs
# on such a kernel, and CI runs it on Linux 6.1 and 6.12 in QEMU.

. '@SYSTEMD_LIB@'

# require_autofs: autofs is in the kernel, or loaded now; else the case
# fails (a kernel without it is not one this program can test).
require_autofs() {
	grep -qw autofs /proc/filesystems ||
		modprobe -q autofs4 2>/dev/null ||
		modprobe -q autofs 2>/dev/null || true
	grep -qw autofs /proc/filesystems ||
		atf_fail "Linux $(uname -r) has no autofs (CONFIG_AUTOFS_FS unset and no autofs4 module to load): an .automount unit cannot work here; tools/check leaves automount_test out on such a kernel, CI runs it on Linux 6.1 and 6.12 in QEMU"
}

atf_test_case automount cleanup
automount_head() {
	atf_set descr "an access to the Where= of an automount unit, native or from fstab, makes the idmapped mount; stopped, the mount leaves utab and the next access makes it again"
	atf_set require.user root
	atf_set require.progs "unshare nsenter timeout systemctl"
	# About 75 s under QEMU's emulation (tools/kernel-vm).
	atf_set timeout 300
}
automount_body() {
	require_autofs
	setup_units
	sysd_boot idmap-d.target srv-idmapped.automount srv-lazyview.automount

	for u in srv-idmapped srv-lazyview; do
		assert_state "$u.automount" active
		assert_state "$u.mount" inactive
		assert_unmounted "/srv/${u#srv-}"
	done
	assert_utab "before any access" ""

	# Twice: an access after the mounts were stopped mounts them again,
	# with one utab record each (srv-lazyview's is mount(8)'s own, for
	# its x-systemd.automount).
	i=0
	while [ "$i" -lt 2 ]; do
		# The first access blocks until the mount is there.
		for u in srv-idmapped srv-lazyview; do
			sysd stat "/srv/${u#srv-}/u1000" >/dev/null ||
				sysd_fail "cycle $i: stat through /srv/${u#srv-} failed"
			wait_state "$u.mount" active
			assert_idmapped "/srv/${u#srv-}"
		done
		assert_utab "cycle $i" "/srv/idmapped /srv/lazyview "
		stop_mounts "cycle $i" srv-idmapped.mount srv-lazyview.mount
		for u in srv-idmapped srv-lazyview; do
			assert_state "$u.automount" active
			assert_unmounted "/srv/${u#srv-}"
		done
		i=$((i + 1))
	done
	sysd_stop
}
automount_cleanup() {
	sysd_kill
}

atf_init_test_cases() {
	atf_add_test_case automount
}
