/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The facts of one mount, found by its id: what the kernel says of that
 * very mount (its mountinfo line, statmount()) and the utab record that
 * names that id.  Never a record matched by path: libmount merges a record
 * with whatever mount is on top at its target, so a plain mount stacked on
 * an idmapped one would be taken for it.  remount and --show read mounts
 * only through here.
 */
#ifndef MOUNT_IDMAP_FACTS_H
#define MOUNT_IDMAP_FACTS_H

#include <stdbool.h>
#include <stdint.h>

#include "diag.h"
#include "options.h"

struct libmnt_fs;
struct utab_records;

struct mount_facts {
	uint64_t id;		/* mountinfo's id (STATX_MNT_ID) */
	uint64_t unique_id;	/* STATX_MNT_ID_UNIQUE (Linux 6.8), or 0 */
	bool mount_root;	/* the fd given is the root of its mount */
	char *target;		/* as mountinfo shows them */
	char *source;		/* or NULL */
	char *fstype;
	char *fs_options;	/* the superblock's options */
	bool idmapped;		/* mountinfo says "idmapped" of this mount */
	char *record;		/* its own utab record's options, or NULL */
	/* An overlay that mount.idmap assembled from idmapped layers: not
	 * idmapped itself; only its own record tells. */
	bool overlay;
};

#define MOUNT_FACTS_INIT { 0 }

void mount_facts_free(struct mount_facts *f);

/* Where a mapping was read from, for -v. */
enum facts_origin {
	FACTS_FROM_KERNEL,	/* statmount(), Linux 6.15 */
	FACTS_FROM_RECORD,	/* the mount's utab record */
};

/*
 * The mount that @fd (any file, O_PATH will do) lies on.  @self: our
 * /proc/self (self.h), through which mountinfo is read, or -1.  -ENOENT
 * when mountinfo has no line for it.
 */
int facts_of_fd(int fd, int self, struct mount_facts *f, struct diag *d);

/* The mount of the mountinfo entry @fs, with its record among @recs. */
int facts_of_entry(struct libmnt_fs *fs, const struct utab_records *recs,
		   struct mount_facts *f, struct diag *d);

/* The id that a utab record of the mount that @fd lies on names: the
 * unique id where the kernel has one (Linux 6.8, never reused), or else
 * mountinfo's.  0 when statx() cannot tell. */
uint64_t facts_record_id(int fd);

/* The same for the mount of mountinfo's entry @fs. */
uint64_t facts_entry_record_id(struct libmnt_fs *fs);

/*
 * The mapping of the idmapped mount @f, into @req (options_init()ed, with
 * the resolver that names in a record need): from the kernel, or where it
 * cannot tell (before Linux 6.15), from the mount's record; the record's
 * spelling when it names users or leaves a side out and says the same as
 * the kernel.  -ENODATA, with the reason (naming the mount @name), when it
 * is not idmapped or neither tells it.
 */
int facts_mapping(const struct mount_facts *f, const char *name,
		  struct idmap_request *req, enum facts_origin *from,
		  struct diag *d);

#ifdef MOUNT_IDMAP_TEST_HOOKS
/* Act as an older kernel: statmount() fails with this errno (ENOSYS, as
 * on Linux 6.1), or with FACTS_TEST_NO_MAPS answers without the maps (as
 * 6.8 to 6.14 do).  0: the kernel's own.  Test builds only. */
extern int facts_test_statmount;
#define FACTS_TEST_NO_MAPS (-1)
#endif

#endif
