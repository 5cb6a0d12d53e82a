#! @ATF_SH@
# SPDX-License-Identifier: Apache-2.0
#
# The helper is built the way Debian builds every package (configure's
# hardening flags, as dpkg-buildflags gives them): a position-independent
# executable with full RELRO and immediate binding, the stack protector,
# and _FORTIFY_SOURCE's checked functions.  And it builds without the
# test stack, which only make check needs.

helper='@HELPER@'
srcdir='@SRCDIR@'

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

atf_test_case no_test_stack
no_test_stack_head() {
	atf_set descr "./configure && make build the helper without kyua, atf-sh and atf-c; make check then names what to install"
	atf_set require.user root
	atf_set require.progs "unshare pkg-config make"
	atf_set timeout 1200
}
no_test_stack_body() {
	# A copy of the tree, unconfigured, so that an in-tree build of the
	# source does not get in the way.
	cp -a "$srcdir" src
	if [ -f src/Makefile ]; then
		make -s -C src distclean >distclean.log 2>&1 ||
			{ cat distclean.log >&2; atf_fail "make distclean in the copy failed"; }
	fi
	[ -x src/configure ] || atf_fail "no configure in $srcdir (run ./autogen.sh)"
	# In a private mount namespace, kyua and atf-sh are character
	# devices (not programs) and atf-c.pc is empty: as if not installed.
	cat >hide.sh <<'EOF'
set -e
for p in kyua atf-sh; do
	if f=$(command -v "$p"); then mount --bind /dev/null "$f"; fi
done
pc=$(pkg-config --variable=pcfiledir atf-c 2>/dev/null)/atf-c.pc || true
[ ! -f "$pc" ] || mount --bind /dev/null "$pc"
if pkg-config --exists atf-c; then echo "atf-c.pc is still there" >&2; exit 3; fi
cd src
./configure >../configure.log 2>&1 || { echo "configure failed" >&2; exit 4; }
make -j2 >../make.log 2>&1 || { echo "make failed" >&2; exit 5; }
rc=0
make check >../check.log 2>&1 || rc=$?
echo "$rc" >../check.rc
EOF
	unshare --mount --propagation private sh hide.sh >hide.out 2>&1 || {
		tail -n 20 configure.log make.log >&2 2>/dev/null
		atf_fail "the build without the test stack failed: $(cat hide.out)"
	}
	grep -q 'make check needs the test stack; apt-get install libatf-dev atf-sh kyua' configure.log ||
		atf_fail "configure did not warn about the missing test stack: $(grep -i 'atf\|kyua' configure.log)"
	[ -x src/helper/mount.idmap ] || atf_fail "make did not build helper/mount.idmap"
	src/helper/mount.idmap --version >version.out 2>&1 ||
		atf_fail "the helper built without the test stack does not run: $(cat version.out)"
	[ ! -e src/tests/idmap_test ] && [ ! -e src/tests/libcore-test.a ] ||
		atf_fail "make built test programs"
	[ "$(cat check.rc)" != 0 ] || atf_fail "make check succeeded without the test stack"
	grep -q 'make check: the test stack is missing; apt-get install libatf-dev atf-sh kyua, then run configure again' check.log ||
		atf_fail "make check did not say what to install: $(cat check.log)"
}

atf_init_test_cases() {
	atf_add_test_case no_test_stack
	atf_add_test_case pie
	atf_add_test_case relro_now
	atf_add_test_case stack_protector_fortify
}
