/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The mapping of a mount, recorded in libmount's utab as persistent user
 * options (x-idmap.uidmap=, x-idmap.gidmap=, x-idmap.userns=), so that
 * findmnt and other libmount tools show it and umount(8) cleans it up.
 *
 * umount(8) removes one record per unmount, so there must be exactly one
 * record per mount.  mount(8) appends a record of its own after the helper
 * whenever its options include one that it records (x-*, _netdev...),
 * unless it finds a record with its SRC and TARGET strings; the helper
 * then writes the record in that shape.  Otherwise the record carries the
 * source and root of mountinfo, so that libmount merges it into the mount
 * table and findmnt shows it.
 */
#ifndef MOUNT_IDMAP_UTAB_H
#define MOUNT_IDMAP_UTAB_H

#include <stdint.h>

#include "attach.h"
#include "caller.h"
#include "config.h"
#include "diag.h"
#include "options.h"

/* What the record holds beside the mapping. */
struct utab_plan {
	/* mount(8) will append a record of its own unless it finds one of
	 * its shape (its SRC and TARGET strings) */
	bool mount8_records;
	char *extra;	/* the options that its record would hold */
};

/* Will mount(8), our caller @c, write a record of its own?  Only when
 * the options include one that it records: in our argv, in the fstab
 * entry or on its command line.  Returns 0 or -ENOMEM. */
int utab_plan_make(const struct run_config *cfg, const struct caller *c,
		   const struct idmap_request *req, struct utab_plan *plan);
void utab_plan_free(struct utab_plan *plan);

/* Record the mount that @m made (attach_mount()), in the shape that
 * @plan says, and with "recursive" each idmapped mount below it, one
 * libmount update each (the file is locked and replaced whole: never left
 * half-written).  A tree is recorded whole or not at all: when a record
 * fails, those already written are removed again, and the message says
 * so. */
int utab_record(const struct attach_plan *m, const struct utab_plan *plan,
		struct diag *d);

/* Each record names the mount it is about by its id, as
 * x-idmap.id=ID (facts_record_id()): libmount merges a record with the
 * top mount at its target, which may be another one. */
#define UTAB_ID_OPTION "x-idmap.id"

/* The records of utab, read from the file as it stands: libmount does not
 * merge a record of mount(8)'s shape into the mount table. */
struct utab_entry {
	char *target;
	char *options;
};

struct utab_records {
	struct utab_entry *v;
	size_t n;
};

/* Returns 0 (no records when there is no file) or -ENOMEM. */
int utab_records_read(struct utab_records *recs);
void utab_records_free(struct utab_records *recs);

/* The options of the last record for @target that names the mount @id,
 * or NULL. */
const char *utab_records_find(const struct utab_records *recs,
			      const char *target, uint64_t id);

#ifdef MOUNT_IDMAP_TEST_HOOKS
/* Act as a kernel without statmount(): the record's source and root come
 * from our mountinfo.  Test builds only. */
extern bool utab_test_no_statmount;
/* The n-th record written fails with EIO (1: the first); 0: none. */
extern int utab_test_fail_write;
#endif

#endif
