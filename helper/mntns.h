/* SPDX-License-Identifier: Apache-2.0 */
/*
 * -N: do the mount inside another mount namespace.  The namespace is opened
 * first, while our own /proc still names the caller's processes (a
 * container has a /proc of its own, where the caller's PIDs do not exist),
 * and entered only when everything that needs the caller's view is done.
 */
#ifndef MOUNT_IDMAP_MNTNS_H
#define MOUNT_IDMAP_MNTNS_H

#include "diag.h"

/*
 * Open the mount namespace named by @spec: a path such as
 * /proc/PID/ns/mnt (or /proc/self/fd/N, as mount(8) passes it), or a PID.
 * Returns an O_CLOEXEC fd that is checked to be a mount namespace.
 */
int mntns_open(const char *spec, struct diag *d);

/* Move into the mount namespace @fd (from mntns_open of @spec). */
int mntns_enter(int fd, const char *spec, struct diag *d);

#endif
