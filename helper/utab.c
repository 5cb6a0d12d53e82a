// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include <libmount.h>

#include "cleanup.h"
#include "utab.h"

/* For messages: libmount names the file only once it has chosen it. */
static const char *utab_path(struct libmnt_update *upd)
{
	const char *path = mnt_update_get_filename(upd);

	if (!path)
		path = getenv("LIBMOUNT_UTAB");
	return path ? path : "/run/mount/utab";
}

int utab_record(const char *source, const char *target, const char *fstype,
		const struct idmap_request *req, struct diag *d)
{
	_cleanup_free_ char *optstr = options_format(req, "x-idmap.");
	struct libmnt_update *upd = NULL;
	struct libmnt_fs *fs = NULL;
	int r;

	if (!optstr)
		return diag_fail(d, ENOMEM, "out of memory");
	upd = mnt_new_update();
	fs = mnt_new_fs();
	if (!upd || !fs) {
		r = diag_fail(d, ENOMEM, "out of memory");
		goto out;
	}
	mnt_fs_set_source(fs, source);
	mnt_fs_set_target(fs, target);
	mnt_fs_set_fstype(fs, fstype);
	mnt_fs_set_options(fs, optstr);

	/* For a bind, MS_BIND makes libmount record the root of the bind,
	 * which is how it pairs this entry with the line in mountinfo. */
	r = mnt_update_set_fs(upd, req->newfs ? 0 :
				   MS_BIND | (req->recursive ? MS_REC : 0),
			      NULL, fs);
	if (r == 0)
		r = mnt_update_table(upd, NULL);
	if (r < 0)
		r = diag_fail(d, -r,
			"mounted \"%s\" on \"%s\", but cannot record its mapping in %s: %s",
			source, target,
			utab_path(upd),
			strerror(-r));
	else
		r = 0;
out:
	mnt_free_fs(fs);
	mnt_free_update(upd);
	return r;
}
