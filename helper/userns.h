/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Maps -> a user-namespace fd, or a path -> a verified user-namespace fd.
 */
#ifndef MOUNT_IDMAP_USERNS_H
#define MOUNT_IDMAP_USERNS_H

#include <sys/types.h>

#include "diag.h"
#include "idmap.h"

/*
 * Create a user namespace that carries @uid and @gid and return an
 * O_CLOEXEC fd for it.  The namespace is born in a clone(CLONE_VM) child
 * that shares our memory, lives only while its maps are written, and is
 * killed and reaped (through a pidfd) before this returns.
 */
int userns_create(const struct idmap_map *uid, const struct idmap_map *gid,
		  struct diag *d);

/* The namespace child, and the stack it ran on, until it is reaped. */
struct userns_child {
	int pidfd;
	void *stack;
};
#define USERNS_CHILD_INIT { .pidfd = -1, .stack = NULL }

/*
 * userns_create(), except that the child, killed as soon as the fd is
 * open (or the first step fails), is left for userns_reap() to collect:
 * its exit runs while the caller mounts.  @c must be USERNS_CHILD_INIT,
 * and is to be reaped whatever this returns; a _cleanup_(userns_reap)
 * variable does that on every path.
 */
int userns_create_deferred(const struct idmap_map *uid,
			   const struct idmap_map *gid,
			   struct userns_child *c, struct diag *d);

/* Kill (again) and wait for the child of @c, then free its stack; a no-op
 * after the first call.  Keeps errno. */
void userns_reap(struct userns_child *c);

/* Open @path and check that it is a user namespace, and not the initial
 * one.  Returns an O_CLOEXEC fd. */
int userns_open(const char *path, struct diag *d);

/*
 * Does the user namespace @fd map @uid and @gid as INNER ids (the on-disk
 * ids that an idmapped mount with it shows)?  Asked of the kernel, in a
 * forked child that enters the namespace: 0 when both are mapped, bit 1
 * when the uid is not, bit 2 when the gid is not, -1 when it cannot tell.
 */
int userns_unmapped(int fd, uid_t uid, gid_t gid);

#ifdef MOUNT_IDMAP_TEST_HOOKS
/* The points at which a test may interfere with the child. */
enum userns_step {
	USERNS_BEFORE_MAPS,
	USERNS_BETWEEN_MAPS,
	USERNS_BEFORE_NSFD,
	USERNS_AFTER_NSFD,
};

/* Called at each step with the child's pid and pidfd.  Test builds only. */
extern void (*userns_test_hook)(enum userns_step step, pid_t child,
				int pidfd);
#endif

#endif
