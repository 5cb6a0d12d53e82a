# shellcheck shell=sh
# SPDX-License-Identifier: Apache-2.0
# Sourced by the autopkgtest scripts in debian/tests.  The script runs again
# in its own mount and pid namespaces, with a private /run (libmount's utab)
# and a scratch directory, so that nothing it mounts reaches the testbed.
set -eu
if [ -z "${MOUNT_IDMAP_AUTOPKGTEST_NS:-}" ]; then
	MOUNT_IDMAP_AUTOPKGTEST_NS=1 exec unshare --mount --propagation private \
		--pid --fork --mount-proc /bin/sh "$0" "$@"
fi
mount -t tmpfs -o mode=0755 tmpfs /run
mkdir -p /run/mount
T=$(mktemp -d "${AUTOPKGTEST_TMP:-/tmp}/mount-idmap.XXXXXX")
mkdir "$T/data" "$T/view"
touch "$T/data/root" "$T/data/u1000"
chown 1000:1000 "$T/data/u1000"
# The helper that the package installed is the one mount(8) runs.
[ -x /sbin/mount.idmap ] && [ /sbin/mount.idmap -ef /usr/sbin/mount.idmap ] &&
	[ "$(dpkg-query -S /usr/sbin/mount.idmap)" = "mount-idmap: /usr/sbin/mount.idmap" ] || {
	echo "FAIL: /sbin/mount.idmap is not the packaged /usr/sbin/mount.idmap" >&2
	exit 1
}

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# check_idmapped DIR: an idmapped mount at DIR, on-disk 1000 shows as 0 and
# on-disk 0 (unmapped) as 65534.
check_idmapped() {
	vfs=$(findmnt -n -o VFS-OPTIONS --mountpoint "$1")
	case ,$vfs, in
	*,idmapped,*) ;;
	*) fail "$1 is not an idmapped mount: $vfs" ;;
	esac
	[ "$(stat -c %u:%g "$1/u1000")" = 0:0 ] || fail "u1000 shows as $(stat -c %u:%g "$1/u1000"), want 0:0"
	[ "$(stat -c %u:%g "$1/root")" = 65534:65534 ] || fail "root shows as $(stat -c %u:%g "$1/root"), want 65534:65534"
	echo "ok: $1 is idmapped ($vfs); on-disk 1000 shows as 0, 0 as 65534"
}
