/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The mapping model.  An extent {inner, outer, count} says that a file owned
 * by on-disk id inner+k appears as id outer+k through the idmapped mount,
 * for 0 <= k < count.  It is written to /proc/PID/uid_map as the line
 * "inner outer count".
 *
 * Everything here is pure: no syscalls, no globals.
 */
#ifndef MOUNT_IDMAP_IDMAP_H
#define MOUNT_IDMAP_IDMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"

/* The kernel's limit on extents in one uid_map or gid_map. */
#define IDMAP_MAX_EXTENTS 340
/* Each map must reach the kernel in a single write() of less than a page. */
#define IDMAP_MAX_TEXT 4095

struct idmap_extent {
	uint32_t inner;
	uint32_t outer;
	uint32_t count;
};

/* Which maps an extent list feeds. */
enum idmap_which {
	IDMAP_UID = 1 << 0,
	IDMAP_GID = 1 << 1,
	IDMAP_BOTH = IDMAP_UID | IDMAP_GID,
};

struct idmap_map {
	size_t n;
	struct idmap_extent ext[IDMAP_MAX_EXTENTS];
};


/*
 * Parse one decimal id or count: digits only, 0..4294967295, the whole of
 * [s, s+len).  Returns 0 or -EINVAL/-ERANGE.
 */
int idmap_parse_u32(const char *s, size_t len, uint32_t *out);

/*
 * containerd syntax: "INNER:OUTER:COUNT" extents separated by commas or
 * blanks.  Appends to *map, the uid or the gid map as @which says.  @opt
 * names the option in messages.
 */
int idmap_parse_list(const char *value, const char *opt,
		     enum idmap_which which, struct idmap_map *map,
		     struct diag *d);

/*
 * util-linux X-mount.idmap syntax: blank-separated
 * "[u:|g:|b:]INNER:OUTER:COUNT" extents; no prefix means both maps.
 */
int idmap_parse_ul(const char *value, const char *opt, struct idmap_map *uid,
		   struct idmap_map *gid, struct diag *d);

/*
 * Check one map against the kernel's rules: count >= 1, no range reaching
 * id 4294967295, no overlap on either side, at most 340 extents, and a
 * formatted size under a page.  @name is "uid" or "gid".
 */
int idmap_validate(const struct idmap_map *map, const char *name,
		   struct diag *d);

/*
 * Format @map as /proc/PID/uid_map text.  Returns the length written
 * (excluding the NUL), or -ENOSPC if @size is too small.
 */
int idmap_format(const struct idmap_map *map, char *buf, size_t size);

/*
 * Parse one line of the kernel's own map text, "INNER OUTER COUNT" with
 * blanks between (as /proc/PID/uid_map and statmount() give it), and
 * append it to @map.  The extent is validated like any other.
 */
int idmap_parse_kernel_line(const char *line, struct idmap_map *map,
			    struct diag *d);

/*
 * Put @map in the form in which two maps that map every id alike are
 * equal: extents sorted by INNER, and each pair that continues on both
 * sides ("0:100:5,5:105:5") merged into one ("0:100:10").  The kernel
 * keeps a map of up to 5 extents in the order written and sorts a longer
 * one, so a map read back may differ from the one written in order alone.
 */
void idmap_normalize(struct idmap_map *map);

/* Do @a and @b map every id alike, whatever the order and the split of
 * their extents? */
bool idmap_same(const struct idmap_map *a, const struct idmap_map *b);

/* Format @map in option syntax: "INNER:OUTER:COUNT,..." (no quotes). */
int idmap_format_option(const struct idmap_map *map, char *buf, size_t size);

/*
 * Describe one extent for people: "on-disk 0-65535 -> seen as
 * 100000-165535" (with a real arrow).  Returns snprintf's result.
 */
int idmap_describe(const struct idmap_extent *e, char *buf, size_t size);

#endif
