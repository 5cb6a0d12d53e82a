// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libmount.h>

#include "cleanup.h"
#include "self.h"
#include "util.h"

int self_open(void)
{
	return open("/proc/self", O_PATH | O_DIRECTORY | O_CLOEXEC);
}

static int open_mountinfo(int self)
{
	return self >= 0 ? openat(self, "mountinfo", O_RDONLY | O_CLOEXEC) :
			   open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
}

struct libmnt_table *self_mountinfo(int self)
{
	_cleanup_(mnt_unref_tablep) struct libmnt_table *tb = NULL;
	_cleanup_(fclosep) FILE *f = NULL;
	int fd = open_mountinfo(self);

	if (fd < 0)
		return NULL;
	f = fdopen(fd, "re");
	if (!f) {
		close(fd);
		return NULL;
	}
	tb = mnt_new_table();
	if (!tb || mnt_table_parse_stream(tb, f, "/proc/self/mountinfo") < 0)
		return NULL;
	return take_ptr(&tb);
}

struct libmnt_table *self_mountinfo_entry(int self, uint64_t id)
{
	_cleanup_(mnt_unref_tablep) struct libmnt_table *tb = NULL;
	_cleanup_(fclosep) FILE *f = NULL;
	_cleanup_free_ char *text = NULL;
	_cleanup_close_ int fd = -1;
	char *line, *end;
	size_t len;

	fd = open_mountinfo(self);
	if (fd < 0) {
		/* ENOENT is kept for "no such mount": no /proc is EIO. */
		if (errno == ENOENT)
			errno = EIO;
		return NULL;
	}
	text = read_whole_fd(fd, 65536, &len);
	if (!text)
		return NULL;
	/* Each line starts with the mount's id. */
	for (line = text; line < text + len; line = end + 1) {
		end = strchrnul(line, '\n');
		if (strtoull(line, NULL, 10) == id)
			break;
	}
	if (line >= text + len) {
		errno = ENOENT;
		return NULL;
	}
	f = fmemopen(line, (size_t)(end - line), "r");
	tb = f ? mnt_new_table() : NULL;
	if (!tb || mnt_table_parse_stream(tb, f, "/proc/self/mountinfo") < 0 ||
	    mnt_table_get_nents(tb) != 1)
		return NULL;
	return take_ptr(&tb);
}

bool self_fs_idmapped(struct libmnt_fs *fs)
{
	const char *vfs = mnt_fs_get_vfs_options(fs);

	return vfs && mnt_optstr_get_option(vfs, "idmapped", NULL, NULL) == 0;
}

bool self_mount_idmapped(int self, uint64_t id)
{
	_cleanup_(mnt_unref_tablep) struct libmnt_table *mi =
		self_mountinfo_entry(self, id);
	struct libmnt_fs *fs;

	return mi && mnt_table_first_fs(mi, &fs) == 0 && self_fs_idmapped(fs);
}

ssize_t self_fd_path(int self, int fd, char *buf, size_t size)
{
	char link[32];
	ssize_t len;

	if (size == 0)
		return -1;
	snprintf(link, sizeof(link), self >= 0 ? "fd/%d" : "/proc/self/fd/%d",
		 fd);
	len = readlinkat(self >= 0 ? self : AT_FDCWD, link, buf, size - 1);
	if (len >= 0)
		buf[len] = '\0';
	return len;
}
