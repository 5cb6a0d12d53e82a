/* SPDX-License-Identifier: Apache-2.0 */
/* Small things that more than one module needs and none owns. */
#ifndef MOUNT_IDMAP_UTIL_H
#define MOUNT_IDMAP_UTIL_H

#include <stddef.h>

/* What is left to read of @fd, NUL-terminated, in *@len bytes (a file
 * of /proc too, whose size stat() does not tell), into a buffer of @hint
 * bytes at first, doubled as needed.  NULL with errno set when it cannot
 * be read. */
char *read_whole_fd(int fd, size_t hint, size_t *len);

#endif
