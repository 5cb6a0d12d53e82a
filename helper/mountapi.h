/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The new mount API.  glibc 2.36 wraps it in <sys/mount.h>; configure
 * detects that.  On an older libc, fall back to raw syscalls.
 */
#ifndef MOUNT_IDMAP_MOUNTAPI_H
#define MOUNT_IDMAP_MOUNTAPI_H

#include <sys/mount.h>

#ifndef HAVE_MOUNT_SETATTR
#include <linux/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

static inline int open_tree(int dfd, const char *path, unsigned int flags)
{
	return (int)syscall(SYS_open_tree, dfd, path, flags);
}

static inline int move_mount(int from_dfd, const char *from_path, int to_dfd,
			     const char *to_path, unsigned int flags)
{
	return (int)syscall(SYS_move_mount, from_dfd, from_path, to_dfd,
			    to_path, flags);
}

static inline int mount_setattr(int dfd, const char *path, unsigned int flags,
				struct mount_attr *attr, size_t size)
{
	return (int)syscall(SYS_mount_setattr, dfd, path, flags, attr, size);
}

static inline int fsopen(const char *fsname, unsigned int flags)
{
	return (int)syscall(SYS_fsopen, fsname, flags);
}

static inline int fsconfig(int fd, unsigned int cmd, const char *key,
			   const void *value, int aux)
{
	return (int)syscall(SYS_fsconfig, fd, cmd, key, value, aux);
}

static inline int fsmount(int fd, unsigned int flags, unsigned int attrs)
{
	return (int)syscall(SYS_fsmount, fd, flags, attrs);
}
#endif

/*
 * Newer than the headers of Debian 12.  From 424 on, syscall numbers are
 * the same on every architecture.
 */
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_open_tree_attr
#define SYS_open_tree_attr 467	/* Linux 6.15 */
#endif

/* open_tree(OPEN_TREE_CLONE) that also applies @attr to the clone; unlike
 * mount_setattr(), it may replace the idmap of an idmapped source. */
static inline int open_tree_attr(int dfd, const char *path,
				 unsigned int flags, struct mount_attr *attr,
				 size_t size)
{
	return (int)syscall(SYS_open_tree_attr, dfd, path, flags, attr, size);
}

#endif
