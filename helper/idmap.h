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
/* The extents as written, kept when they hold names: room for any that a
 * person writes, small enough for the helper's stack (ulimit -s 40). */
#define IDMAP_SPEC_MAX 1024

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
	/* The extents as the user wrote them, comma-separated: kept for the
	 * utab record and --show when a name stands in them (@named), so
	 * that what is shown reads as what was written; @spec_truncated
	 * when they did not fit. */
	char spec[IDMAP_SPEC_MAX];
	bool named;
	bool spec_truncated;
	/* While parsing: how many extents were written for this map, and
	 * for each extent of @ext, which of them it came from (its place in
	 * @spec), so that an overlap names both extents as written. */
	uint16_t nwritten;
	uint16_t from[IDMAP_MAX_EXTENTS];
	/* The side was not given and maps every id to itself. */
	bool identity;
};

/* A subordinate id range, as /etc/subuid and /etc/subgid list them. */
struct idmap_range {
	uint32_t start;
	uint32_t count;
};

/*
 * What turns names into numbers.  The parser calls it and stays pure;
 * names.c answers through NSS and libsubid, tests answer from tables.
 */
struct idmap_resolver {
	/* A user (@side IDMAP_UID) or group (IDMAP_GID) name -> its id:
	 * 0, -ENOENT when there is no such name, or another -errno. */
	int (*id)(void *ctx, enum idmap_which side, const char *name,
		  uint32_t *id);
	/* The subordinate uid (or gid) ranges of user @owner, in the order
	 * listed: their number (0 for none), or -errno.  At most @max. */
	int (*subid)(void *ctx, enum idmap_which side, const char *owner,
		     struct idmap_range *ranges, size_t max);
	/* For messages: where @subid looks. */
	const char *(*subid_source)(void *ctx, enum idmap_which side);
	/* For messages: the library that @subid loads (-ELIBACC: it could
	 * not be loaded). */
	const char *subid_library;
	void *ctx;
};

/* The two syntaxes of an extent list. */
enum idmap_syntax {
	IDMAP_SYNTAX_LIST,	/* containerd: INNER:OUTER:COUNT[,...] */
	IDMAP_SYNTAX_UL,	/* util-linux: [u:|g:|b:]INNER:OUTER:COUNT[ ...] */
};


/*
 * Parse one decimal id or count: digits only, 0..4294967295, the whole of
 * [s, s+len).  Returns 0 or -EINVAL/-ERANGE.
 */
int idmap_parse_u32(const char *s, size_t len, uint32_t *out);

/*
 * Parse @value in syntax @syn into @uid and/or @gid (@which: the maps that
 * an extent without a u:/g:/b: prefix feeds).  With a resolver, INNER and
 * OUTER may be user names (uid map) or group names (gid map), and an
 * extent may be "subid:NAME[:COUNT]": NAME's subordinate ranges, mapped
 * from on-disk id 0 up.  A string of digits is always a number; a name
 * starts with a letter or '_'.  Rules that involve a name are checked as
 * the name is resolved, so that the message names it.
 */
int idmap_parse(const char *value, const char *opt, enum idmap_syntax syn,
		enum idmap_which which, struct idmap_map *uid,
		struct idmap_map *gid, const struct idmap_resolver *res,
		struct diag *d);

/* Fill an empty map with the identity, 0:0:4294967295. */
void idmap_set_identity(struct idmap_map *map);

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
