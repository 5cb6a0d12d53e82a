/* SPDX-License-Identifier: Apache-2.0 */
/* Scope-bound cleanup, in the manner of systemd's _cleanup_ helpers. */
#ifndef MOUNT_IDMAP_CLEANUP_H
#define MOUNT_IDMAP_CLEANUP_H

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)

static inline void freep(void *p)
{
	free(*(void **)p);
}

/* close() that keeps errno, so a cleanup never hides the real failure. */
static inline void closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;

		close(*fd);
		errno = saved;
		*fd = -1;
	}
}

/* Hand an fd out of a _cleanup_close_ scope. */
static inline int take_fd(int *fd)
{
	int r = *fd;

	*fd = -1;
	return r;
}

#endif
