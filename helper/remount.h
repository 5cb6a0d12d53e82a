/* SPDX-License-Identifier: Apache-2.0 */
/*
 * remount: new attributes for an idmapped mount that is attached already.
 * DIR is opened once, without following a final symlink; every check is
 * made on what that fd holds, and the attributes are set through it.
 */
#ifndef MOUNT_IDMAP_REMOUNT_H
#define MOUNT_IDMAP_REMOUNT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "diag.h"
#include "facts.h"
#include "options.h"

/* The mount at DIR, as remount_open() found it. */
struct remount_target {
	int fd;			/* O_PATH, the root of the mount */
	int self;		/* our /proc/self (self.h), or -1 */
	const char *path;	/* DIR, for messages */
	dev_t dev;		/* of the mount's root directory ... */
	ino_t ino;		/* ... and its inode */
	/* That very mount, by its id: its source and superblock options as
	 * mountinfo shows them, whether it is idmapped or an overlay of
	 * idmapped layers (-t idmap.overlay), and its own utab record. */
	struct mount_facts facts;
};

#define REMOUNT_TARGET_INIT { .fd = -1, .self = -1, .facts = MOUNT_FACTS_INIT }

void remount_target_free(struct remount_target *t);

/* Open @path: it must be the root of an idmapped mount, and not a
 * symlink. */
int remount_open(const char *path, int self, struct remount_target *t,
		 struct diag *d);

/* SRC given with remount names this mount: its source as mountinfo shows
 * it (what mount(8) passes back), the directory it binds, or its device. */
int remount_check_source(const struct remount_target *t, const char *source,
			 struct diag *d);

/* Every filesystem option of @req is one that the mount has already, with
 * the same value: mount(8) passes them back; no remount changes them. */
int remount_check_params(const struct remount_target *t,
			 const struct idmap_request *req, struct diag *d);

/* How a mapping given with remount was compared, for -v. */
enum remount_compared {
	REMOUNT_NOT_COMPARED,		/* none given, userns=, or unknown */
	REMOUNT_WITH_KERNEL,		/* with the kernel's maps */
	REMOUNT_WITH_RECORD,		/* with the mount's utab record */
};

/*
 * The mount @t maps ids as @req does, compared extent by extent as the
 * kernel holds them (order and split do not matter), or as its utab record
 * says where the kernel cannot tell (before Linux 6.15).  A user namespace
 * path, or a mount whose maps cannot be told, passes.  @fstab names the
 * file whose entry gave the mapping, NULL when the options did; @all: for
 * mount -a, which skips a mounted entry (-EEXIST), not for a remount
 * (-EINVAL).  *@how says what it was compared with.
 */
int remount_check_mapping(const struct remount_target *t,
			  const struct idmap_request *req, const char *fstab,
			  bool all, enum remount_compared *how,
			  struct diag *d);

/* The attributes of @req on the mount, and on every mount below it when
 * @req asks for recursive; the idmap stays. */
int remount_apply(const struct remount_target *t,
		  const struct idmap_request *req, struct diag *d);

#endif
