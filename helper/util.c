// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "cleanup.h"
#include "util.h"

char *read_whole_fd(int fd, size_t hint, size_t *len)
{
	_cleanup_free_ char *buf = NULL;
	size_t cap = 0, n = 0;
	ssize_t got;

	do {
		if (cap - n < 2) {
			size_t more = cap ? cap * 2 : hint > 1 ? hint : 2;
			char *grown = realloc(buf, more);

			if (!grown)
				return NULL;
			buf = grown;
			cap = more;
		}
		got = read(fd, buf + n, cap - n - 1);
		if (got < 0 && errno != EINTR)
			return NULL;
		n += got > 0 ? (size_t)got : 0;
	} while (got != 0);
	buf[n] = '\0';
	*len = n;
	return take_ptr(&buf);
}
