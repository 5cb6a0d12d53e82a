/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A failure report: a negative errno travels back through the return value,
 * the sentence that explains it travels in a struct diag.  Only main() ever
 * prints one.
 */
#ifndef MOUNT_IDMAP_DIAG_H
#define MOUNT_IDMAP_DIAG_H

#include <stdarg.h>
#include <stdio.h>

struct diag {
	char msg[1024];
};

/* Record a message and return -err, so a caller can write
 * "return diag_fail(d, EINVAL, ...);". */
static inline int __attribute__((format(printf, 3, 4)))
diag_fail(struct diag *d, int err, const char *fmt, ...)
{
	va_list ap;

	if (d) {
		va_start(ap, fmt);
		vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
		va_end(ap);
	}
	return -err;
}

#endif
