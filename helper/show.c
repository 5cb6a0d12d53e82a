// SPDX-License-Identifier: Apache-2.0
/*
 * --show: the mapping of an idmapped mount, as options that can be pasted
 * into fstab.  Every mount is read by its own id (facts.c): the kernel
 * tells its maps through statmount() from Linux 6.15 on; before that, the
 * utab record that mount.idmap wrote for that mount is the only source.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libmount.h>

#include "cleanup.h"
#include "names.h"
#include "self.h"
#include "show.h"
#include "utab.h"

/* The mapping of @f as options; @name for messages. */
static int format(const struct mount_facts *f, const char *name,
		  char **text, enum facts_origin *from, struct diag *d)
{
	struct idmap_request req;
	struct names names;
	int r;

	names_init(&names);
	options_init(&req);
	req.resolver = &names.resolver;
	r = facts_mapping(f, name, &req, from, d);
	if (r == 0) {
		*text = options_format(&req, "");
		r = *text ? 0 : diag_fail(d, ENOMEM, "out of memory");
	}
	options_free(&req);
	names_close(&names);
	return r;
}

int show_mount(const char *path, int self, char **text,
	       enum facts_origin *from, struct diag *d)
{
	_cleanup_(mount_facts_free) struct mount_facts f = MOUNT_FACTS_INIT;
	_cleanup_close_ int fd = open(path, O_PATH | O_CLOEXEC);
	int r;

	if (fd < 0)
		return diag_fail(d, errno, "\"%s\": %s", path, strerror(errno));
	r = facts_of_fd(fd, self, &f, d);
	if (r == -ENOENT || (r == 0 && !f.mount_root))
		return diag_fail(d, EINVAL, "\"%s\" is not a mount point", path);
	return r < 0 ? r : format(&f, path, text, from, d);
}

int show_all(int self, char **text, struct diag *d)
{
	_cleanup_(mnt_unref_tablep) struct libmnt_table *tb =
		self_mountinfo(self);
	_cleanup_(mnt_free_iterp) struct libmnt_iter *it =
		mnt_new_iter(MNT_ITER_FORWARD);
	_cleanup_(utab_records_free) struct utab_records recs = { NULL, 0 };
	_cleanup_free_ char *out = NULL;
	_cleanup_(fclosep) FILE *f = NULL;
	struct libmnt_fs *fs;
	size_t len = 0;

	f = open_memstream(&out, &len);
	if (!tb || !it || !f || utab_records_read(&recs) < 0)
		return diag_fail(d, ENOMEM, "cannot read the mount table");
	while (mnt_table_next_fs(tb, it, &fs) == 0) {
		_cleanup_(mount_facts_free) struct mount_facts mf =
			MOUNT_FACTS_INIT;
		_cleanup_free_ char *opts = NULL;
		const char *type = mnt_fs_get_fstype(fs);
		enum facts_origin from;
		struct diag sub;

		/* Only an overlay may be ours without being idmapped. */
		if (!self_fs_idmapped(fs) && !(type && strcmp(type, "overlay") == 0))
			continue;
		if (facts_of_entry(fs, &recs, &mf, &sub) < 0)
			return diag_fail(d, ENOMEM, "%s", sub.msg);
		if (!mf.idmapped && !mf.overlay)
			continue;
		/* The target as mountinfo writes it, so that a tab or a
		 * newline in it cannot make a line of its own. */
		diag_fputs_escaped(mf.target, " ", f);
		putc('\t', f);
		if (format(&mf, mf.target, &opts, &from, &sub) < 0) {
			fputs("(", f);
			diag_fputs_escaped(sub.msg, "", f);
			fputs(")\n", f);
		} else {
			diag_fputs_escaped(opts, "", f);
			putc('\n', f);
		}
	}
	if (fclose(take_ptr(&f)) != 0)
		return diag_fail(d, ENOMEM, "out of memory");
	*text = take_ptr(&out);
	return 0;
}
