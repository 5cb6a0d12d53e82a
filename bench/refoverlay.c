// SPDX-License-Identifier: Apache-2.0
/*
 * refoverlay: containerd's method of making an idmapped overlay (its
 * prepareIDMappedOverlay), the reference of issue 21:
 *
 *   refoverlay DIR UPPER WORK LOWER...
 *
 * The user namespace from a forked child (forkns.h), then, for each LOWER:
 * a temporary directory, open_tree(OPEN_TREE_CLONE), mount_setattr
 * (MOUNT_ATTR_IDMAP), move_mount onto that directory; then mount(2) of the
 * overlay with those directories as its lowerdir (the first LOWER on top)
 * and UPPER and WORK as they are, which containerd does not idmap; then
 * each temporary mount detached (MNT_DETACH) and its directory removed.
 * The temporary directories go under $TMPDIR (else /tmp), in a directory
 * of their own.  No option parsing, no validation, no utab record: a
 * floor, not a tool; libc only, so that its start-up costs what
 * /bin/true's does.  Written for this benchmark.  Exit 0 on success, 1
 * with a line on stderr otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "forkns.h"
#include "mountapi.h"

static int fail(const char *what, const char *path)
{
	fprintf(stderr, "refoverlay: %s%s%s: %s\n", what, path ? " " : "",
		path ? path : "", strerror(errno));
	return 1;
}

/* Clone @lower, idmap the clone with @ns, attach it at @at. */
static int idmap_at(const char *lower, const char *at, int ns)
{
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP,
				   .userns_fd = (unsigned int)ns };
	int tree = open_tree(AT_FDCWD, lower,
			     OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	int r = -1;

	if (tree < 0)
		return -1;
	if (mount_setattr(tree, "", AT_EMPTY_PATH, &attr, sizeof(attr)) == 0 &&
	    move_mount(tree, "", AT_FDCWD, at, MOVE_MOUNT_F_EMPTY_PATH) == 0)
		r = 0;
	close(tree);
	return r;
}

int main(int argc, char **argv)
{
	const char *tmp = getenv("TMPDIR");
	char top[4096], dir[4200];
	char *data, *p;
	size_t n;
	int ns, r = 0;

	if (argc < 5) {
		fprintf(stderr, "usage: refoverlay DIR UPPER WORK LOWER...\n");
		return 2;
	}
	n = (size_t)argc - 4;
	snprintf(top, sizeof(top), "%s/ovl-idmapped.XXXXXX", tmp ? tmp : "/tmp");
	if (!mkdtemp(top))
		return fail("mkdtemp", top);
	/* "lowerdir=" TOP/0:TOP/1... ",upperdir=" UPPER ",workdir=" WORK */
	data = malloc(64 + n * (strlen(top) + 24) + strlen(argv[2]) +
		      strlen(argv[3]));
	if (!data)
		return fail("malloc", NULL);
	ns = forkns_userns_fd();
	if (ns < 0)
		return fail("user namespace", NULL);

	p = data + sprintf(data, "lowerdir=");
	for (size_t i = 0; i < n && r == 0; i++) {
		snprintf(dir, sizeof(dir), "%s/%zu", top, i);
		if (mkdir(dir, 0700) < 0)
			r = fail("mkdir", dir);
		else if (idmap_at(argv[4 + i], dir, ns) < 0)
			r = fail("idmap", argv[4 + i]);
		p += sprintf(p, "%s%s", i ? ":" : "", dir);
	}
	close(ns);
	sprintf(p, ",upperdir=%s,workdir=%s", argv[2], argv[3]);
	if (r == 0 && mount("overlay", argv[1], "overlay", 0, data) < 0)
		r = fail("mount overlay on", argv[1]);

	/* The overlay holds its layers: the temporaries can go. */
	for (size_t i = 0; i < n; i++) {
		snprintf(dir, sizeof(dir), "%s/%zu", top, i);
		if (umount2(dir, MNT_DETACH) < 0 && errno != EINVAL && r == 0)
			r = fail("umount", dir);
		if (rmdir(dir) < 0 && errno != ENOENT && r == 0)
			r = fail("rmdir", dir);
	}
	if (rmdir(top) < 0 && r == 0)
		r = fail("rmdir", top);
	free(data);
	return r;
}
