/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The job, from parsed argv to an attached mount, as two steps that print
 * nothing: main() prints the plan between them and the message after a
 * failure.  Each returns one of mount(8)'s exit codes.
 */
#ifndef MOUNT_IDMAP_RUN_H
#define MOUNT_IDMAP_RUN_H

#include <stdbool.h>
#include <stddef.h>

#include "caller.h"
#include "config.h"
#include "diag.h"
#include "options.h"
#include "remount.h"
#include "utab.h"

/* mount(8)'s exit codes. */
enum {
	EXIT_USAGE = 1,		/* incorrect invocation or permissions */
	EXIT_SYSTEM = 2,	/* out of memory, cannot fork... */
	EXIT_UTAB = 16,		/* problems writing or locking utab */
	EXIT_MOUNT = 32,	/* mount failure */
	/* "could not execute the helper": the one code after which
	 * util-linux 2.39+ skips its own X-mount.idmap step (run.c) */
	EXIT_NOT_RUN = 126,
};

/* What the job carries from run_prepare() to run_mount(), and what a
 * remount found, for -v. */
struct run_state {
	struct idmap_request req;
	struct caller caller;		/* mount(8), when it ran us */
	struct utab_plan record;
	enum remount_compared compared;
	bool unmounted;			/* nofail: SRC missing, no mount */
};

void run_state_init(struct run_state *st);
void run_state_free(struct run_state *st);

/* Options, the fstab entry, every rule, and what mount(8) asked: no
 * syscall that changes anything, and nothing read after -N moves us.
 * Fills @st. */
int run_prepare(const struct run_config *cfg, struct run_state *st,
		struct diag *d);

/* The user namespace, the mount and its utab record. */
int run_mount(const struct run_config *cfg, struct run_state *st,
	      struct diag *d);

/* --show -N: DIR (or NULL) must be absolute; enter the mount namespace
 * @mntns (if any), with *@self our /proc/self opened before.  An exit
 * code. */
int run_enter_for_show(const char *mntns, const char *dir, int *self,
		       struct diag *d);

/*
 * util-linux 2.39 and later, given X-mount.idmap (on their command line or
 * in the fstab entry), idmap DIR themselves after the helper has run, even
 * after it failed or mounted nothing: DIR onto itself, detaching what was
 * there.  Only a helper that could not be executed (exit 126) stops them.
 * True when @st is such a run, and a failure (or nothing mounted) must
 * exit EXIT_NOT_RUN: unless DIR is an idmapped mount, which that step
 * cannot change.
 */
bool run_mount8_idmaps_after(const struct run_config *cfg,
			     const struct run_state *st);

#endif
