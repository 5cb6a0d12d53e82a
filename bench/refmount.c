// SPDX-License-Identifier: Apache-2.0
/*
 * refmount: the reference method of issue 14, the least an idmapped bind
 * mount can be made with when the user namespace comes from fork():
 *
 *   refmount [-u] SRC DIR [IGNORED...]
 *   refmount -V
 *
 * (what follows DIR, such as the "-o OPTIONS" of mount(8), is ignored, so
 * that bench/run can also install it as the helper of a type of its own)
 *
 * The user namespace from a forked child (forkns.h), then the mount:
 * open_tree(OPEN_TREE_CLONE), mount_setattr(MOUNT_ATTR_IDMAP), move_mount.
 * No option parsing, no validation, no diagnosis: a floor, not a tool.
 *
 * -u also writes the utab record that the helper writes for the same mount
 * (issue 21: like for like), through libmount as the helper does: source
 * and root from statmount(), bind source SRC, the x-idmap.* options of the
 * maps and the mount's id (x-idmap.id: the unique id from Linux 6.8, else
 * mountinfo's); where the kernel has no statmount() (before 6.8), libmount finds
 * the root itself (MS_BIND).  SRC and DIR are used as given: absolute and
 * canonical, as bench/run gives them.  -V only starts and exits, as the
 * helper's --version: the start-up that bench/run subtracts from both.
 * Written for this benchmark.  Exit 0 on success, 1 with a line on stderr
 * otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <libmount.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "forkns.h"
#include "mountapi.h"

#define RECORD_OPTS \
	"x-idmap.uidmap=0:100000:65536,x-idmap.gidmap=0:100000:65536"

static int fail(const char *what, int err)
{
	fprintf(stderr, "refmount: %s: %s\n", what, strerror(err));
	return 1;
}

/* The source and root of the mount at @dir, from statmount(); false when
 * the kernel cannot tell. */
static bool mount_facts(const char *dir, struct sm_buf *sm, size_t size)
{
	struct sm_req req = { .size = SM_REQ_SIZE_VER0,
			      .param = SM_MNT_ROOT | SM_SB_SOURCE };
	struct statx st;

	if (statx(AT_FDCWD, dir, AT_NO_AUTOMOUNT, STATX_MNT_ID_UNIQUE, &st) < 0 ||
	    !(st.stx_mask & STATX_MNT_ID_UNIQUE))
		return false;
	req.mnt_id = st.stx_mnt_id;
	return syscall(SYS_statmount, &req, sm, size, 0) == 0 &&
	       (sm->mask & (SM_MNT_ROOT | SM_SB_SOURCE)) ==
		       (SM_MNT_ROOT | SM_SB_SOURCE);
}

/* The id that the helper records for the mount at @dir, or 0. */
static unsigned long long record_id(const char *dir)
{
	struct statx st;

	if (statx(AT_FDCWD, dir, AT_NO_AUTOMOUNT, STATX_MNT_ID_UNIQUE, &st) == 0 &&
	    (st.stx_mask & STATX_MNT_ID_UNIQUE))
		return st.stx_mnt_id;
	if (statx(AT_FDCWD, dir, AT_NO_AUTOMOUNT, STATX_MNT_ID, &st) == 0 &&
	    (st.stx_mask & STATX_MNT_ID))
		return st.stx_mnt_id;
	return 0;
}

/* The helper's record of the bind of @src on @dir; a negative errno. */
static int record(const char *src, const char *dir)
{
	size_t size = sizeof(struct sm_buf) + 2 * 4096;
	struct sm_buf *sm = malloc(size);
	struct libmnt_update *upd = mnt_new_update();
	struct libmnt_fs *fs = mnt_new_fs(), *rec;
	bool facts = sm && mount_facts(dir, sm, size);
	char opts[sizeof(RECORD_OPTS) + 48];
	int r = -ENOMEM;

	snprintf(opts, sizeof(opts), "%s,x-idmap.id=%llu", RECORD_OPTS,
		 record_id(dir));
	if (!upd || !fs || mnt_fs_set_target(fs, dir) ||
	    mnt_fs_set_options(fs, opts) ||
	    mnt_fs_set_source(fs, facts ? sm->str + sm->sb_source : src))
		goto out;
	r = mnt_update_set_fs(upd, facts ? 0 : MS_BIND, NULL, fs);
	rec = r == 0 && facts ? mnt_update_get_fs(upd) : NULL;
	if (rec) {
		r = mnt_fs_set_root(rec, sm->str + sm->mnt_root);
		if (r == 0)
			r = mnt_fs_set_bindsrc(rec, src);
	}
	if (r == 0)
		r = mnt_update_table(upd, NULL);
out:
	mnt_free_update(upd);
	mnt_unref_fs(fs);
	free(sm);
	return r;
}

int main(int argc, char **argv)
{
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP };
	bool utab = false;
	int ns, tree, r, opt;

	while ((opt = getopt(argc, argv, "+uV")) != -1) {
		switch (opt) {
		case 'u': utab = true; break;
		case 'V': return 0;
		default: argc = 0;
		}
	}
	if (argc - optind < 2) {
		fprintf(stderr, "usage: refmount [-u] SRC DIR [IGNORED...] | refmount -V\n");
		return 2;
	}
	argv += optind;
	ns = forkns_userns_fd();
	if (ns < 0)
		return fail("user namespace", errno);
	attr.userns_fd = (unsigned int)ns;
	tree = open_tree(AT_FDCWD, argv[0], OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (tree < 0)
		return fail("open_tree", errno);
	if (mount_setattr(tree, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0)
		return fail("mount_setattr", errno);
	if (move_mount(tree, "", AT_FDCWD, argv[1], MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return fail("move_mount", errno);
	r = utab ? record(argv[0], argv[1]) : 0;
	return r < 0 ? fail("utab", -r) : 0;
}
