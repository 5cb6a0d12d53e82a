/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A mount namespace that lives for one step.  Before Linux 6.15 overlayfs
 * takes a layer only from a mount of the mount namespace that creates the
 * overlay, so an idmapped clone has to be attached somewhere first.  That
 * somewhere is the namespace of a short-lived child: a copy of ours, made
 * private before anything else, which nobody else enters and which goes,
 * with every mount in it, when the child exits.
 */
#ifndef MOUNT_IDMAP_STAGE_H
#define MOUNT_IDMAP_STAGE_H

#include "diag.h"

#include <stddef.h>

/*
 * Fork a child; in a mount namespace of its own, with every mount in it
 * private, it runs @fn(@arg, d), which returns an fd (a detached mount) or
 * a negative errno with its message.  The fd comes back to us (SCM_RIGHTS),
 * and so do the @size bytes at @report, which @fn may fill in (in its copy
 * of our memory: plain data, no pointer or fd of its own).  The child is
 * reaped, and its namespace is gone, before this returns the fd or the
 * negative errno with the child's message in @d.  Our own credentials,
 * namespace and fds are never touched.
 */
int stage_run(int (*fn)(void *arg, struct diag *d), void *arg,
	      void *report, size_t size, struct diag *d);

#endif
