/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The new mount API.  glibc 2.36 wraps it in <sys/mount.h>; configure
 * detects that.  On an older libc, fall back to raw syscalls.
 */
#ifndef MOUNT_IDMAP_MOUNTAPI_H
#define MOUNT_IDMAP_MOUNTAPI_H

#include <linux/types.h>
#include <sys/mount.h>

/* What ENOSYS from any of its calls means. */
#define KERNEL_TOO_OLD \
	"the kernel lacks the new mount API (idmapped mounts need Linux 5.12 or later)"

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

/* statmount() as of Linux 6.15; Debian 12's headers predate it. */
#ifndef SYS_statmount
#define SYS_statmount 457
#endif
#define SM_MNT_BASIC	0x00000002U
#define SM_MNT_ROOT	0x00000008U
#define SM_SB_SOURCE	0x00000200U
#define SM_MNT_UIDMAP	0x00002000U
#define SM_MNT_GIDMAP	0x00004000U
#define SM_REQ_SIZE_VER0 24
#ifndef STATX_MNT_ID_UNIQUE
#define STATX_MNT_ID_UNIQUE 0x00004000U
#endif

struct sm_req {
	__u32 size;
	__u32 spare;
	__u64 mnt_id;
	__u64 param;
};

struct sm_buf {
	__u32 size;
	__u32 mnt_opts;
	__u64 mask;
	__u32 sb_dev_major, sb_dev_minor;
	__u64 sb_magic;
	__u32 sb_flags, fs_type;
	__u64 mnt_id, mnt_parent_id;
	__u32 mnt_id_old, mnt_parent_id_old;
	__u64 mnt_attr, mnt_propagation, mnt_peer_group, mnt_master;
	__u64 propagate_from;
	__u32 mnt_root, mnt_point;
	__u64 mnt_ns_id;
	__u32 fs_subtype, sb_source;
	__u32 opt_num, opt_array;
	__u32 opt_sec_num, opt_sec_array;
	__u64 supported_mask;
	__u32 mnt_uidmap_num, mnt_uidmap;
	__u32 mnt_gidmap_num, mnt_gidmap;
	__u64 spare2[43];
	char str[];
};

#endif
