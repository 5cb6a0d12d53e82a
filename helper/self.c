// SPDX-License-Identifier: Apache-2.0
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <libmount.h>

#include "cleanup.h"
#include "self.h"

int self_open(void)
{
	return open("/proc/self", O_PATH | O_DIRECTORY | O_CLOEXEC);
}

struct libmnt_table *self_mountinfo(int self)
{
	_cleanup_(mnt_unref_tablep) struct libmnt_table *tb = NULL;
	_cleanup_(fclosep) FILE *f = NULL;
	int fd;

	if (self < 0)
		return mnt_new_table_from_file("/proc/self/mountinfo");
	fd = openat(self, "mountinfo", O_RDONLY | O_CLOEXEC);
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
