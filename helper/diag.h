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
#include <string.h>

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

/*
 * Write @s to @f with each byte that could break a line or a field as an
 * octal escape, as /proc/self/mountinfo writes them: every control
 * character ("\012" for a newline, "\033" for ESC), DEL, the backslash
 * itself, and the bytes in @also (" " for a field of mountinfo).  So a
 * message stays on one line, whatever path or kernel text it quotes.
 */
static inline void diag_fputs_escaped(const char *s, const char *also,
				      FILE *f)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c == 0x7f || c == '\\' || strchr(also, c))
			fprintf(f, "\\%03o", c);
		else
			putc(c, f);
	}
}

#endif
