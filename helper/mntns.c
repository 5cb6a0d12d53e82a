// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "cleanup.h"
#include "idmap.h"
#include "mntns.h"

int mntns_open(const char *spec, struct diag *d)
{
	_cleanup_close_ int fd = -1;
	char path[64];
	uint32_t pid;

	if (idmap_parse_u32(spec, strlen(spec), &pid) == 0) {
		snprintf(path, sizeof(path), "/proc/%" PRIu32 "/ns/mnt", pid);
		spec = path;
	}
	fd = open(spec, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return diag_fail(d, errno, "mount namespace \"%s\": %s", spec,
				 strerror(errno));
	if (ioctl(fd, NS_GET_NSTYPE) != CLONE_NEWNS)
		return diag_fail(d, EINVAL,
			"\"%s\" is not a mount namespace: give a PID or a path such as /proc/PID/ns/mnt",
			spec);
	return take_fd(&fd);
}

int mntns_enter(int fd, const char *spec, struct diag *d)
{
	if (setns(fd, CLONE_NEWNS) < 0)
		return diag_fail(d, errno,
				 "cannot enter mount namespace \"%s\": %s",
				 spec, strerror(errno));
	return 0;
}
