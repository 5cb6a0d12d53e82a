#! @ATF_SH@
# SPDX-License-Identifier: Apache-2.0
#
# End-to-end tests through the system's real mount(8).  Every case runs in
# private mount and pid namespaces, so no mount reaches the host and any
# process the helper left behind would be visible to the case.

# e2e_run: run the script on stdin in fresh namespaces, after e2e_lib.sh.
e2e_run() {
	cat '@E2E_LIB@' - >script.sh
	unshare --mount --propagation private --pid --fork --mount-proc \
		/bin/sh -eu script.sh ||
		atf_fail "the script failed; see its stderr"
}

atf_test_case bind_uidmap
bind_uidmap_head() {
	atf_set descr "uidmap=/gidmap= through mount -t idmap on ext4"
	atf_set require.user root
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

atf_init_test_cases() {
	atf_add_test_case bind_uidmap
}
