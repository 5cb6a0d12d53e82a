/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Our own /proc/self, held open across -N.  In a container's mount
 * namespace /proc is the container's, where "self" names nobody (and a
 * /proc/PID of ours may name one of its processes), yet our mountinfo and
 * our fds stay readable through the directory opened before entering.
 */
#ifndef MOUNT_IDMAP_SELF_H
#define MOUNT_IDMAP_SELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct libmnt_fs;
struct libmnt_table;

/* An O_PATH fd of /proc/self, or -1 when /proc is not mounted. */
int self_open(void);

/* Our mount table (mountinfo) through @self, or through /proc/self when
 * @self is -1.  NULL when it cannot be read. */
struct libmnt_table *self_mountinfo(int self);

/*
 * Only the mountinfo line of the mount whose id is @id (statx's
 * STATX_MNT_ID), parsed by libmount into a table of one entry: a single
 * pass over the text, without parsing every other line.  NULL with errno
 * ENOENT when there is no such mount, or another errno when it cannot be
 * read.
 */
struct libmnt_table *self_mountinfo_entry(int self, uint64_t id);

/* An entry of mountinfo that shows an idmapped mount ("idmapped" among
 * its VFS options). */
bool self_fs_idmapped(struct libmnt_fs *fs);

/* Is the mount whose id is @id (statx's STATX_MNT_ID) idmapped?  false
 * when it cannot be told. */
bool self_mount_idmapped(int self, uint64_t id);

/* The path of our fd @fd, as readlink(/proc/self/fd/FD) gives it. */
ssize_t self_fd_path(int self, int fd, char *buf, size_t size);

#endif
