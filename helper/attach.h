/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The mount itself: a detached tree (a clone of SRC, or a new filesystem),
 * idmapped with its attributes in one call, then attached at DIR.  Nothing
 * is attached unless every step succeeded, and a new filesystem is never
 * visible without its idmap.
 */
#ifndef MOUNT_IDMAP_ATTACH_H
#define MOUNT_IDMAP_ATTACH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "mountapi.h"
#include "options.h"

/*
 * The mount to make.  What the options asked (the attributes beside
 * MOUNT_ATTR_IDMAP, recursive, nofail, and for -t idmap.FSTYPE a new
 * filesystem with its parameters instead of a clone of SRC) is read from
 * the request itself; the rest is what the job opened for it.
 */
struct attach_plan {
	const struct idmap_request *req;
	const char *source;
	const char *target;
	int userns_fd;
	bool dry_run;		/* -f: check and build, write and attach nothing */
	int self;		/* our /proc/self (self.h), or -1 */
};

/*
 * The step of the mount that failed, and what it failed on: the mount
 * path records it and returns; explain.c puts it in words afterwards
 * (explain_failure()), when the job asks.  Nothing here is read back by
 * the mount path.
 */
enum attach_failed {
	FAILED_NONE,		/* none, or the sentence is in the diag */
	FAILED_SOURCE,		/* open() or open_tree() of SRC */
	FAILED_TARGET,		/* open() of DIR */
	FAILED_FS,		/* fsconfig(), fsmount(): what, said, log */
	FAILED_FS_SOURCE,	/* the filesystem would not take SRC */
	FAILED_SETATTR,		/* mount_setattr() */
	FAILED_REIDMAP,		/* open_tree_attr() of an idmapped SRC */
	FAILED_MOVE,		/* move_mount() onto DIR */
	FAILED_LAYER_CLONE,	/* overlay: open_tree() of the layer @path */
	FAILED_LAYER,		/* overlay: idmapping or opening it */
};

struct attach_failure {
	enum attach_failed step;
	int err;
	/* What the step worked on, owned, -1 when none: SRC (not for a new
	 * filesystem) and DIR, and the attributes it asked for. */
	int src_fd;
	int dst_fd;
	struct mount_attr attr;
	/* The overlay layer: its role ("lower layer"...) and its path as
	 * given (malloc'ed). */
	char role[32];
	char *path;
	/* FAILED_FS: which step or option; what the filesystem's context
	 * said (its queued messages), and the lines that FSTYPE logged to
	 * the kernel log meanwhile (overlayfs logs there).  Plain arrays:
	 * the staging child (stage.c) sends them back whole. */
	char what[1024];
	char said[512];
	char log[512];
};

#define ATTACH_FAILURE_INIT { .step = FAILED_NONE, .src_fd = -1, .dst_fd = -1 }

void attach_failure_free(struct attach_failure *f);

/* What attach_mount() did when it did not fail. */
enum attach_outcome {
	ATTACHED,		/* attached; with dry_run, everything that can
				 * be checked without writing to a device or
				 * attaching passed */
	ATTACH_NOFAIL_NO_SOURCE,	/* SRC does not exist and the plan
					 * has nofail: nothing is mounted,
					 * and that is no failure */
};

/*
 * Returns 0, with *@outcome saying what was done, or a negative errno:
 * then either @d holds the reason, or @f says what failed (f->step) for
 * explain_failure().
 */
int attach_mount(const struct attach_plan *plan, enum attach_outcome *outcome,
		 struct attach_failure *f, struct diag *d);

/* fsopen(FSTYPE) with "source", "ro" and @params set: the context fd, or
 * a negative errno.  The kernel parses each option; nothing is created. */
int attach_fs_context(const struct attach_plan *p,
		      const struct fs_param *params, size_t nparams,
		      struct attach_failure *f, struct diag *d);

/* For overlay.c: record in @f that @step failed with @err; -@err. */
int attach_fail(struct attach_failure *f, enum attach_failed step, int err);

/* The same for a step of the overlay's layer @path, in @role. */
int attach_fail_layer(struct attach_failure *f, enum attach_failed step,
		      const char *role, const char *path, int err,
		      struct diag *d);

/* A step of fsconfig() or fsmount() on @fsfd (-1: none) failed: @what,
 * what the context said, and what @fstype logged to @log_fd
 * (attach_log_open(), or -1) meanwhile. */
int attach_fail_fs(struct attach_failure *f, int fsfd, int log_fd,
		   const char *fstype, const char *what, int err);

/* The kernel log from its end on, for the lines that a filesystem logs
 * there rather than to its context (overlayfs does): an fd, or -1. */
int attach_log_open(void);

#ifdef MOUNT_IDMAP_TEST_HOOKS
/* The system calls a test may make fail. */
enum attach_step {
	ATTACH_OPEN_TREE,
	ATTACH_OPEN_TREE_ATTR,
	ATTACH_FSOPEN,
	ATTACH_FSCONFIG,
	ATTACH_FSMOUNT,
	ATTACH_MOUNT_SETATTR,
	ATTACH_MOVE_MOUNT,
	ATTACH_OVERLAY_FD,	/* a layer given to overlayfs as an fd */
	ATTACH_OVERLAY_OPEN,	/* upper or work opened in their clone */
	ATTACH_CAPS_RESTORE,	/* our capabilities back after the create */
};

/* Called before each step: a non-zero return is the errno with which the
 * step then fails, without being made.  Test builds only. */
extern int (*attach_test_fault)(enum attach_step step);

/* Fail @call with the errno that the test asks for, or make it. */
#define FAULT(step, call)                                               \
	((attach_test_fault && (errno = attach_test_fault(step)) != 0) ? \
		 -1 : (call))
#else
#define FAULT(step, call) (call)
#endif

#endif
