/* SPDX-License-Identifier: Apache-2.0 */
/* Scope-bound cleanup, in the manner of systemd's _cleanup_ helpers. */
#ifndef MOUNT_IDMAP_CLEANUP_H
#define MOUNT_IDMAP_CLEANUP_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <libmount.h>

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

/* Hand a pointer out of a _cleanup_ scope. */
#define take_ptr(p)                             \
	({                                      \
		__typeof__(*(p)) take_ptr_ = *(p); \
		*(p) = NULL;                    \
		take_ptr_;                      \
	})

/* FUNCp(&obj) calls FUNC(obj) unless obj is NULL, keeping errno:
 * "_cleanup_(mnt_unref_tablep) struct libmnt_table *tb = ...". */
#define DEFINE_CLEANUP_FUNC(type, func)                 \
	static inline void func##p(type **p)            \
	{                                               \
		if (*p) {                               \
			int saved = errno;              \
                                                        \
			func(*p);                       \
			errno = saved;                  \
		}                                       \
	}

DEFINE_CLEANUP_FUNC(struct libmnt_table, mnt_unref_table)
DEFINE_CLEANUP_FUNC(struct libmnt_iter, mnt_free_iter)
DEFINE_CLEANUP_FUNC(struct libmnt_cache, mnt_unref_cache)
DEFINE_CLEANUP_FUNC(struct libmnt_fs, mnt_unref_fs)
DEFINE_CLEANUP_FUNC(struct libmnt_update, mnt_free_update)
DEFINE_CLEANUP_FUNC(FILE, fclose)

#endif
