#! @ATF_SH@
# SPDX-License-Identifier: Apache-2.0
#
# The helper is built the way Debian builds every package (configure's
# hardening flags, as dpkg-buildflags gives them): a position-independent
# executable with full RELRO and immediate binding, the stack protector,
# and _FORTIFY_SOURCE's checked functions.

helper='@HELPER@'

# read_elf WHAT...: readelf's output in English, wide, kept in file "out".
read_elf() {
	LC_ALL=C readelf -W "$@" "$helper" >out 2>err ||
		{ cat err >&2; atf_fail "readelf $* failed"; }
}

atf_test_case pie
pie_head() {
	atf_set descr "the helper is a position-independent executable"
	atf_set require.progs readelf
}
pie_body() {
	read_elf -h
	grep -Eq '^ *Type: +DYN ' out || atf_fail "not PIE: $(grep Type: out)"
	read_elf -d
	grep -Eq '\(FLAGS_1\).* PIE' out || atf_fail "no PIE in FLAGS_1: $(grep FLAGS out)"
}

atf_test_case relro_now
relro_now_head() {
	atf_set descr "full RELRO: a GNU_RELRO segment and BIND_NOW (-z relro -z now)"
	atf_set require.progs readelf
}
relro_now_body() {
	read_elf -l
	grep -Eq '^ *GNU_RELRO ' out || atf_fail "no GNU_RELRO segment (-z relro)"
	read_elf -d
	grep -Eq '\(FLAGS\).*BIND_NOW|\(BIND_NOW\)' out ||
		atf_fail "no BIND_NOW (-z now): $(grep FLAGS out)"
	grep -Eq '\(FLAGS_1\).* NOW' out || atf_fail "no NOW in FLAGS_1: $(grep FLAGS out)"
}

atf_test_case stack_protector_fortify
stack_protector_fortify_head() {
	atf_set descr "-fstack-protector-strong and -D_FORTIFY_SOURCE=2 took effect"
	atf_set require.progs readelf
}
stack_protector_fortify_body() {
	read_elf --dyn-syms
	grep -Eq ' __stack_chk_fail(@|$)' out ||
		atf_fail "no __stack_chk_fail: not built with the stack protector"
	grep -Eq ' __[a-z0-9_]+_chk(@|$)' out ||
		atf_fail "no __*_chk function: not built with _FORTIFY_SOURCE"
}

atf_init_test_cases() {
	atf_add_test_case pie
	atf_add_test_case relro_now
	atf_add_test_case stack_protector_fortify
}
