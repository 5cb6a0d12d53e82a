/* SPDX-License-Identifier: Apache-2.0 */
/* -N: do the whole job inside another mount namespace. */
#ifndef MOUNT_IDMAP_MNTNS_H
#define MOUNT_IDMAP_MNTNS_H

#include "diag.h"

/*
 * Enter the mount namespace named by @spec: a path such as
 * /proc/PID/ns/mnt (or /proc/self/fd/N, as mount(8) passes it), or a PID.
 */
int mntns_enter(const char *spec, struct diag *d);

#endif
