#! @ATF_SH@
# SPDX-License-Identifier: Apache-2.0
#
# The real Ansible (ansible-playbook, ansible.posix.mount) on this machine,
# with the example playbook fstab-examples/ansible-idmap.yml: states
# mounted (twice), mounted with other options, mounted with another map,
# remounted, unmounted and absent, in a file of its own (fstab=FILE, which
# runs mount -T FILE) and in /etc/fstab, and ephemeral (no fstab).  Each case runs in private mount and
# pid namespaces, with a private /run, a private file bound over
# /etc/fstab, and Ansible's home and temporary files in the work directory.

. '@E2E_RUN@'

# Run inside the namespace, before each case's script: the trees of
# e2e_setup, a private /etc/fstab whose entry for $W/view maps 1000 to 99
# (so that reading it instead of fstab=FILE shows), and Ansible kept in $W.
# play ARGS... runs the example on localhost for $W/ext4 on $W/view, with
# on-disk 1000 seen as uid 7 and gid 8 unless ARGS say otherwise; its
# output is in $OUT and $ERR.
ansible_lib() {
	cat <<'EOS'
e2e_setup
command -v ansible-playbook >/dev/null ||
	fail "ansible-playbook is missing: apt-get install ansible (tools/check does)"
echo "# the machine's fstab, private to this case" >"$W/etc-fstab"
echo "$W/ext4 $W/view idmap X-idmap.uidmap=1000:99:1,X-idmap.gidmap=1000:99:1 0 0" >>"$W/etc-fstab"
mount --bind "$W/etc-fstab" /etc/fstab
unset LIBMOUNT_FSTAB
mkdir "$W/home" "$W/ansible"
: >"$W/ansible.cfg"
export HOME="$W/home" ANSIBLE_CONFIG="$W/ansible.cfg" \
	ANSIBLE_HOME="$W/ansible" ANSIBLE_LOCAL_TEMP="$W/ansible/local" \
	ANSIBLE_REMOTE_TEMP="$W/ansible/remote" \
	ANSIBLE_RETRY_FILES_ENABLED=false ANSIBLE_GATHERING=explicit \
	ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3 ANSIBLE_NOCOLOR=1 \
	ANSIBLE_LOCALHOST_WARNING=false
PLAYBOOK='@SRCDIR@/fstab-examples/ansible-idmap.yml'
play() {
	run env LC_ALL=C.UTF-8 ansible-playbook -i localhost, -c local \
		"$PLAYBOOK" -e "idmap_src=$W/ext4" -e "idmap_path=$W/view" \
		-e idmap_uidmap=1000:7:1 -e idmap_gidmap=1000:8:1 "$@"
}
# expect_play CHANGED ARGS...: the play succeeds, with changed=CHANGED.
expect_play() {
	want=$1
	shift
	play "$@"
	[ "$rc" = 0 ] || fail "ansible-playbook exited $rc: $*"
	grep -Eq "^localhost +: ok=1 +changed=$want .* failed=0 " "$OUT" ||
		fail "the play did not report changed=$want: $*"
}
# busy_in DIR: a process that works in DIR, so that DIR cannot be
# unmounted; its PID is left in $busy.
busy_in() {
	(cd "$1" && exec sleep 100) &
	busy=$!
	tries=0
	until [ "$(readlink "/proc/$busy/cwd" 2>/dev/null || true)" = "$1" ]; do
		tries=$((tries + 1))
		[ "$tries" -lt 500 ] || fail "the process in $1 did not start"
		sleep 0.01
	done
}
# mounts_at DIR: how many mounts are stacked at DIR.
mounts_at() {
	awk -v d="$1" '$5 == d { n++ } END { print n + 0 }' /proc/self/mountinfo
}
EOS
}

# A case runs the playbook up to four times, a few seconds each here and
# minutes under QEMU's emulation (tools/kernel-vm).
ansible_case() {
	atf_test_case "$1"
	eval "$1_head() { atf_set descr '$2'; atf_set require.user root; atf_set timeout 600; }"
}

ansible_case fstab_file "fstab=FILE: mounted, mounted again (no change), then with ro and remounted (remounts in place)"
fstab_file_body() {
	e2e_run "$(ansible_lib)" <<'EOS'
: >"$W/fleet"
F="idmap_fstab=$W/fleet"
expect_play 1 -e "$F"
[ "$(cat "$W/fleet")" = "$W/ext4 $W/view idmap X-idmap.uidmap=1000:7:1,X-idmap.gidmap=1000:8:1 0 0" ] ||
	fail "the line Ansible wrote: $(cat "$W/fleet")"
cmp -s "$W/etc-fstab" /etc/fstab || fail "/etc/fstab changed"
assert_idmapped "$W/view"
assert_owner "$W/view/u1000" 7 8
assert_utab_exact "$W/view"
# Again: Ansible finds the line and the mount as they should be.
expect_play 0 -e "$F"
[ "$(mounts_at "$W/view")" = 1 ] || fail "the second run mounted again"
# ro: Ansible rewrites the line and runs mount -o remount -T FILE DIR.
# With a process in DIR, Ansible could not unmount it instead: the mount
# changes in place.
busy_in "$W/view"
expect_play 1 -e "$F" -e idmap_opts=ro
# remounted: always mount -o remount,OPTS -T FILE DIR, with the entry's
# maps among OPTS.
expect_play 1 -e "$F" -e idmap_opts=ro -e idmap_state=remounted
kill "$busy"
wait "$busy" || true
grep -q ',ro 0 0$' "$W/fleet" || fail "no ro in the line: $(cat "$W/fleet")"
[ "$(mounts_at "$W/view")" = 1 ] || fail "mounts stacked at $W/view"
assert_vfs "$W/view" ro
assert_idmapped "$W/view"
assert_owner "$W/view/u1000" 7 8
assert_utab_exact "$W/view"
assert_no_helper_procs
EOS
}

ansible_case changed_map "mounted with another map: Ansible unmounts and mounts again; busy, the play fails and the old mount stays"
changed_map_body() {
	e2e_run "$(ansible_lib)" <<'EOS'
: >"$W/fleet"
expect_play 1 -e "idmap_fstab=$W/fleet"
# Two extents, separated by a space: Ansible writes \040.  The helper
# refuses the remount (exit 32: the idmap of a mounted tree cannot
# change); Ansible then unmounts DIR and mounts it with the new map (the
# kernel cannot change the idmap of a mount).  Had the remount succeeded,
# the old map would have stayed.
expect_play 1 -e "idmap_uidmap='1000:9:1 0:5:1'" -e "idmap_fstab=$W/fleet"
grep -Fq 'X-idmap.uidmap=1000:9:1\0400:5:1,' "$W/fleet" ||
	fail "the line Ansible wrote: $(cat "$W/fleet")"
assert_owner "$W/view/u1000" 9 8
assert_owner "$W/view/root" 5 65534
[ "$(mounts_at "$W/view")" = 1 ] || fail "mounts stacked at $W/view"
assert_utab_exact "$W/view"
cp "$W/fleet" "$W/fleet.before"
# Busy: the remount is refused, and so is Ansible's unmount.  The play
# fails, the old mount stays and Ansible puts the old line back.
busy_in "$W/view"
play -e idmap_uidmap=1000:3:1 -e "idmap_fstab=$W/fleet"
[ "$rc" != 0 ] || fail "the play succeeded with $W/view busy"
expect_out "^fatal: .*Error mounting $W/view: umount: $W/view: target is busy"
cmp -s "$W/fleet" "$W/fleet.before" || fail "the line was not put back: $(cat "$W/fleet")"
assert_owner "$W/view/u1000" 9 8
[ "$(mounts_at "$W/view")" = 1 ] || fail "mounts stacked at $W/view"
# What Ansible's remount ran with the new line (its message is not in the
# play's output, which shows the unmount's only).
sed -i 's/1000:9:1\\0400:5:1/1000:3:1/' "$W/fleet"
expect_exit 32 mount -o remount -T "$W/fleet" "$W/view"
expect_one_line_err
expect_err "^mount\\.idmap: $W/view: remount: mounted with uidmap=\"?(1000:9:1,0:5:1|0:5:1,1000:9:1)\"?,gidmap=1000:8:1, but $W/fleet says uidmap=1000:3:1,gidmap=1000:8:1; "
assert_owner "$W/view/u1000" 9 8
kill "$busy"
wait "$busy" || true
assert_utab_exact "$W/view"
assert_no_helper_procs
EOS
}

ansible_case etc_fstab "/etc/fstab (a private copy): mounted, unmounted, mounted, absent"
etc_fstab_body() {
	e2e_run "$(ansible_lib)" <<'EOS'
line="$W/ext4 $W/view idmap X-idmap.uidmap=1000:7:1,X-idmap.gidmap=1000:8:1 0 0"
# Ansible replaces the entry for $W/view and keeps the comment.
expect_play 1
[ "$(cat /etc/fstab)" = "# the machine's fstab, private to this case
$line" ] || fail "/etc/fstab as Ansible wrote it: $(cat /etc/fstab)"
assert_idmapped "$W/view"
assert_owner "$W/view/u1000" 7 8
assert_utab_exact "$W/view"
expect_play 1 -e idmap_state=unmounted
assert_not_mounted "$W/view"
assert_utab_exact
grep -qxF "$line" /etc/fstab || fail "unmounted removed the line"
expect_play 1
assert_owner "$W/view/u1000" 7 8
assert_utab_exact "$W/view"
expect_play 1 -e idmap_state=absent
assert_not_mounted "$W/view"
assert_utab_exact
[ "$(cat /etc/fstab)" = "# the machine's fstab, private to this case" ] ||
	fail "absent left: $(cat /etc/fstab)"
[ ! -e "$W/view" ] || fail "absent left the mount point"
assert_no_helper_procs
EOS
}

ansible_case ephemeral "ephemeral: mount -t idmap -o OPTS SRC DIR, no fstab; again (a remount); another map"
ephemeral_body() {
	e2e_run "$(ansible_lib)" <<'EOS'
# The maps are X-idmap.* options on mount(8)'s command line, which the
# helper reads there; they win over the entry of /etc/fstab (99).
expect_play 1 -e idmap_state=ephemeral
cmp -s "$W/etc-fstab" /etc/fstab || fail "/etc/fstab changed"
assert_idmapped "$W/view"
assert_owner "$W/view/u1000" 7 8
assert_utab_exact "$W/view"
# Again: Ansible remounts with the same options.
busy_in "$W/view"
expect_play 1 -e idmap_state=ephemeral
kill "$busy"
wait "$busy" || true
[ "$(mounts_at "$W/view")" = 1 ] || fail "mounts stacked at $W/view"
assert_owner "$W/view/u1000" 7 8
# Another map: the helper refuses the remount, Ansible unmounts and
# mounts again.
expect_play 1 -e idmap_state=ephemeral -e idmap_uidmap=1000:9:1
assert_owner "$W/view/u1000" 9 8
[ "$(mounts_at "$W/view")" = 1 ] || fail "mounts stacked at $W/view"
assert_utab_exact "$W/view"
assert_no_helper_procs
EOS
}

atf_init_test_cases() {
	atf_add_test_case ephemeral
	atf_add_test_case fstab_file
	atf_add_test_case changed_map
	atf_add_test_case etc_fstab
}
