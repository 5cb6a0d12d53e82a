/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What mount(8), when it is our parent, was asked to do: a helper's argv
 * does not tell everything that decides what we must do.  x-* options on
 * its command line reach neither our argv nor an fstab entry, yet make it
 * write a utab record of its own (utab.c); X-mount.idmap= and the
 * X-idmap.* options there are a mapping; -T/--fstab names the fstab that
 * holds the entry; and mount -a skips what is mounted, which libmount
 * cannot tell for an idmapped bind.
 *
 * Read only from a parent that runs a program named mount with our own
 * uid in every field (SECURITY.md): its command line then tells nothing
 * that it could not have done itself.
 */
#ifndef MOUNT_IDMAP_CALLER_H
#define MOUNT_IDMAP_CALLER_H

#include <stdbool.h>
#include <stddef.h>

struct caller {
	bool parent_is_mount8;	/* our parent is mount(8) */
	bool all;		/* mount -a */
	const char **opts;	/* the -o values of its command line */
	size_t nopts;
	const char **fstabs;	/* its -T/--fstab files, in order */
	size_t nfstabs;
	char *cmdline;		/* what @opts and @fstabs point into */
};

/* Read our parent's /proc entries; before -N moves us, since the target
 * namespace may have a /proc of its own.  Returns 0 (with *@c empty when
 * the parent is not mount(8) or cannot be read) or -ENOMEM. */
int caller_read(struct caller *c);
void caller_free(struct caller *c);

/*
 * mount(8)'s command line, @len bytes of NUL-terminated arguments in
 * @c->cmdline (as /proc/PID/cmdline holds them), into @c: read with
 * mount(8)'s own option table, so that every spelling it accepts reads the
 * same here (-T F, -TF, --fstab F, --fstab=F, --fst F, -aT F, options
 * after the operands, "--").  Pure; returns 0 or -ENOMEM.
 */
int caller_parse_cmdline(struct caller *c, size_t len);

/*
 * mount -a on an entry that is mounted already: @target's top mount is an
 * idmapped mount of @source.  libmount compares the entry's source with
 * mountinfo's, which for a bind is the device, so it would mount the
 * entry again on every mount -a.  @self: our /proc/self (self.h).
 */
bool caller_already_mounted(const char *source, const char *target, int self);

#endif
