#! @ATF_SH@
# SPDX-License-Identifier: Apache-2.0
#
# What the helper prints: every message on one line, whatever bytes the
# paths, the options or the kernel's text hold; the mount point first; and
# --show, whose output is escaped and whose write errors are failures.
# Each case in private mount and pid namespaces.

. '@E2E_RUN@'

# messages_case NAME DESCRIPTION: a case that needs root.
messages_case() {
	atf_test_case "$1"
	eval "$1_head() { atf_set descr '$2'; atf_set require.user root; }"
}

# The bytes that must never reach a terminal raw: newline, tab, ESC.
NL_TAB_ESC_LIB='
NL=$(printf "\nx"); NL=${NL%x}
TAB=$(printf "\t")
ESC=$(printf "\033")
# expect_err_fixed TEXT: stderr holds TEXT, as it is.
expect_err_fixed() {
	grep -qF -- "$1" "$ERR" || fail "stderr lacks: $1"
}
# expect_no_raw: stderr holds no tab and no ESC (wc -l counts newlines).
expect_no_raw() {
	! grep -q "[$TAB$ESC]" "$ERR" || fail "a raw tab or ESC reached stderr"
}
'

messages_case option_name "an option name with a newline, a tab and ESC is escaped"
option_name_body() {
	e2e_run "$NL_TAB_ESC_LIB" <<'EOS'
e2e_setup
expect_rejected 'unknown option' \
	"$HELPER" "$W/ext4" "$W/mnt" -o "$MAP1000,a$NL$TAB${ESC}b\\c"
expect_err_fixed "mount.idmap: $W/mnt: unknown option \"a\\012\\011\\033b\\134c\""
expect_no_raw
# A stray argument, before the mount point is known.
expect_exit 1 "$HELPER" "$W/ext4" "$W/mnt" "x${NL}y"
expect_one_line_err
expect_err_fixed 'mount.idmap: unexpected argument "x\012y"'
EOS
}

messages_case paths "paths with a newline, a tab and ESC are escaped, through mount(8)"
paths_body() {
	e2e_run "$NL_TAB_ESC_LIB" <<'EOS'
e2e_setup
odd="$W/a$NL$TAB${ESC}b"
odd_esc="$W/a\\012\\011\\033b"
mkdir "$odd"
expect_mount_failed 'does not exist' "$odd" \
	mount -t idmap -o "$MAP1000" "$W/gone$TAB" "$odd"
expect_err_fixed "mount.idmap: $odd_esc: source \"$W/gone\\011\" does not exist"
expect_no_raw
# The plan of -v, too: one line each.
expect_exit 0 "$HELPER" -v -f "$W/ext4" "$odd" -o "$MAP1000"
[ "$(wc -l <"$OUT")" = 3 ] || fail "the plan is not 3 lines"
grep -qF "on \"$odd_esc\"" "$OUT" || fail "the plan does not escape DIR"
EOS
}

messages_case kernel_text "the message of the filesystem is escaped too"
kernel_text_body() {
	e2e_run "$NL_TAB_ESC_LIB" <<'EOS'
e2e_setup
expect_mount_failed 'rejected' "$W/mnt" \
	mount -t idmap.tmpfs -o "$MAP1000,bo${TAB}gus=1" none "$W/mnt"
expect_err_fixed "mount.idmap: $W/mnt: tmpfs: option \"bo\\011gus=1\" rejected: tmpfs: Unknown parameter 'bo\\011gus'"
expect_no_raw
EOS
}

messages_case show_escapes "--show escapes targets as mountinfo does"
show_escapes_body() {
	e2e_run "$NL_TAB_ESC_LIB" <<'EOS'
e2e_setup
odd="$W/t${TAB}a${NL}b c\\d"
mkdir "$odd"
expect_exit 0 mount -t idmap -o "$MAP1000" "$W/ext4" "$odd"
expect_exit 0 "$HELPER" --show
[ "$(wc -l <"$OUT")" = 1 ] || fail "--show printed $(wc -l <"$OUT") lines for one mount"
[ "$(cat "$OUT")" = "$W/t\\011a\\012b\\040c\\134d${TAB}uidmap=1000:0:1,gidmap=1000:0:1" ] ||
	fail "--show printed: $(cat "$OUT")"
expect_exit 0 "$HELPER" --show "$odd"
[ "$(cat "$OUT")" = "uidmap=1000:0:1,gidmap=1000:0:1" ] || fail "--show DIR printed: $(cat "$OUT")"
EOS
}

messages_case write_errors "--show and -v fail when stdout cannot take their output"
write_errors_body() {
	e2e_run <<'EOS'
e2e_setup
expect_exit 0 mount -t idmap -o "$MAP1000" "$W/ext4" "$W/mnt"
for args in "--show" "--show $W/mnt"; do
	# shellcheck disable=SC2086
	expect_exit 2 sh -c '"$0" "$@" >/dev/full' "$HELPER" $args
	expect_one_line_err
	expect_err '^mount\.idmap: cannot write to standard output: No space left on device$'
done
umount "$W/mnt"
# -v: a plan that cannot be shown is not acted on.
expect_exit 2 sh -c '"$0" "$@" >/dev/full' "$HELPER" -v "$W/ext4" "$W/mnt" -o "$MAP1000"
expect_one_line_err
expect_err 'cannot write to standard output'
assert_not_mounted "$W/mnt"
EOS
}

atf_init_test_cases() {
	for tc in option_name paths kernel_text show_escapes write_errors; do
		atf_add_test_case "$tc"
	done
}
