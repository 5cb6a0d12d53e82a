// SPDX-License-Identifier: Apache-2.0
/*
 * Parsing, validation and formatting of uid/gid maps.  Pure code: every
 * function here can run unprivileged, in a unit test or under a fuzzer.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "idmap.h"

/* The kernel treats (u32)-1 as "no id": no extent may reach it. */
#define IDMAP_ID_LIMIT UINT32_MAX

int idmap_parse_u32(const char *s, size_t len, uint32_t *out)
{
	uint64_t v = 0;

	if (len == 0)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (uint64_t)(s[i] - '0');
		if (v > UINT32_MAX)
			return -ERANGE;
	}
	*out = (uint32_t)v;
	return 0;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

static bool is_sep(char c)
{
	return c == ',' || is_blank(c);
}

/*
 * Split "A:B:C" into three numbers.  @tok is not NUL-terminated; messages
 * quote it whole.
 */
static int parse_triple(const char *tok, size_t len, const char *opt,
			struct idmap_extent *e, struct diag *d)
{
	static const char *const field[] = { "INNER", "OUTER", "COUNT" };
	uint32_t v[3];
	const char *p = tok, *end = tok + len;

	for (int i = 0; i < 3; i++) {
		const char *colon = memchr(p, ':', (size_t)(end - p));
		const char *stop = (i < 2) ? colon : end;
		int r;

		if (!stop || (i == 2 && colon))
			return diag_fail(d, EINVAL,
				"%s: bad extent \"%.*s\": expected INNER:OUTER:COUNT, three decimal numbers",
				opt, (int)len, tok);
		r = idmap_parse_u32(p, (size_t)(stop - p), &v[i]);
		if (r < 0)
			return diag_fail(d, EINVAL,
				"%s: %s \"%.*s\" in extent \"%.*s\" is not a plain decimal number from 0 to 4294967295",
				opt, field[i], (int)(stop - p), p, (int)len, tok);
		p = stop + 1;
	}

	e->inner = v[0];
	e->outer = v[1];
	e->count = v[2];
	if (e->count == 0)
		return diag_fail(d, EINVAL,
			"%s: extent \"%.*s\": COUNT must be at least 1",
			opt, (int)len, tok);
	if (e->count > IDMAP_ID_LIMIT - e->inner ||
	    e->count > IDMAP_ID_LIMIT - e->outer)
		return diag_fail(d, ERANGE,
			"%s: extent \"%.*s\" runs past id 4294967294: INNER+COUNT and OUTER+COUNT must not exceed 4294967295 (the kernel reserves (uid_t)-1)",
			opt, (int)len, tok);
	return 0;
}

static int append(struct idmap_map *map, const struct idmap_extent *e,
		  const char *opt, const char *name, struct diag *d)
{
	if (map->n >= IDMAP_MAX_EXTENTS)
		return diag_fail(d, E2BIG,
			"%s: the %s map has more than %d extents, the kernel's limit",
			opt, name, IDMAP_MAX_EXTENTS);
	map->ext[map->n++] = *e;
	return 0;
}

/*
 * Walk the extents of @value.  Extents are separated by one comma or by
 * blanks (blanks may surround the comma).  An empty extent (",," or a comma
 * at either end) is an error rather than something to skip silently.
 * With @ul, each extent may carry a u:, g: or b: prefix.
 */
static int parse_extents(const char *value, const char *opt, bool ul,
			 enum idmap_which dflt, struct idmap_map *uid,
			 struct idmap_map *gid, struct diag *d)
{
	const char *p = value;
	bool any = false, comma = true;

	for (;;) {
		const char *tok;
		struct idmap_extent e;
		int which = dflt;
		int r;

		while (is_blank(*p))
			p++;
		if (*p == ',' || (*p == '\0' && comma && any))
			return diag_fail(d, EINVAL,
				"%s: empty extent in \"%s\": separate extents with a single comma or with blanks",
				opt, value);
		if (*p == '\0')
			break;

		tok = p;
		while (*p && !is_sep(*p))
			p++;
		if (ul && p - tok >= 2 && tok[1] == ':' &&
		    !(tok[0] >= '0' && tok[0] <= '9')) {
			if (tok[0] != 'u' && tok[0] != 'g' && tok[0] != 'b')
				return diag_fail(d, EINVAL,
					"%s: bad prefix \"%c:\" in extent \"%.*s\": expected u: (uid map), g: (gid map) or b: (both)",
					opt, tok[0], (int)(p - tok), tok);
			which = tok[0] == 'u' ? IDMAP_UID :
				tok[0] == 'g' ? IDMAP_GID : IDMAP_BOTH;
			r = parse_triple(tok + 2, (size_t)(p - tok - 2), opt,
					 &e, d);
			if (r < 0 && p - tok == 2)
				return diag_fail(d, EINVAL,
					"%s: bad extent \"%.*s\": expected %.2sINNER:OUTER:COUNT",
					opt, (int)(p - tok), tok, tok);
		} else {
			r = parse_triple(tok, (size_t)(p - tok), opt, &e, d);
		}
		if (r < 0)
			return r;
		if (which & IDMAP_UID) {
			r = append(uid, &e, opt, "uid", d);
			if (r < 0)
				return r;
		}
		if (which & IDMAP_GID) {
			r = append(gid, &e, opt, "gid", d);
			if (r < 0)
				return r;
		}
		any = true;

		while (is_blank(*p))
			p++;
		comma = *p == ',';
		if (comma)
			p++;
	}

	if (!any)
		return diag_fail(d, EINVAL,
			"%s: no extent given: expected INNER:OUTER:COUNT", opt);
	return 0;
}

int idmap_parse_list(const char *value, const char *opt,
		     enum idmap_which which, struct idmap_map *map,
		     struct diag *d)
{
	return parse_extents(value, opt, false, which, map, map, d);
}

int idmap_parse_ul(const char *value, const char *opt, struct idmap_map *uid,
		   struct idmap_map *gid, struct diag *d)
{
	return parse_extents(value, opt, true, IDMAP_BOTH, uid, gid, d);
}

int idmap_parse_kernel_line(const char *line, struct idmap_map *map,
			    struct diag *d)
{
	struct idmap_extent e;
	uint32_t v[3];
	const char *p = line;

	for (int i = 0; i < 3; i++) {
		const char *start;

		while (is_blank(*p))
			p++;
		start = p;
		while (*p >= '0' && *p <= '9')
			p++;
		if (idmap_parse_u32(start, (size_t)(p - start), &v[i]) < 0)
			return diag_fail(d, EINVAL,
				"cannot read the kernel's map line \"%s\"", line);
	}
	while (is_blank(*p))
		p++;
	if (*p)
		return diag_fail(d, EINVAL,
			"cannot read the kernel's map line \"%s\"", line);
	e = (struct idmap_extent){ v[0], v[1], v[2] };
	if (e.count == 0 || e.count > IDMAP_ID_LIMIT - e.inner ||
	    e.count > IDMAP_ID_LIMIT - e.outer)
		return diag_fail(d, ERANGE, "the kernel's map line \"%s\" is out of range",
				 line);
	return append(map, &e, "kernel map", "", d);
}

static bool overlaps(uint64_t a, uint64_t b, uint64_t count_a,
		     uint64_t count_b)
{
	return a < b + count_b && b < a + count_a;
}

int idmap_validate(const struct idmap_map *map, const char *name,
		   struct diag *d)
{
	char text[IDMAP_MAX_TEXT + 1];
	int len;

	if (map->n > IDMAP_MAX_EXTENTS)
		return diag_fail(d, E2BIG,
			"the %s map has %zu extents; the kernel takes at most %d",
			name, map->n, IDMAP_MAX_EXTENTS);

	for (size_t i = 0; i < map->n; i++) {
		const struct idmap_extent *a = &map->ext[i];

		if (a->count == 0)
			return diag_fail(d, EINVAL,
				"%s map: extent \"%" PRIu32 ":%" PRIu32 ":%" PRIu32 "\": COUNT must be at least 1",
				name, a->inner, a->outer, a->count);
		if (a->count > IDMAP_ID_LIMIT - a->inner ||
		    a->count > IDMAP_ID_LIMIT - a->outer)
			return diag_fail(d, ERANGE,
				"%s map: extent \"%" PRIu32 ":%" PRIu32 ":%" PRIu32 "\" runs past id 4294967294 (the kernel reserves (uid_t)-1)",
				name, a->inner, a->outer, a->count);
		for (size_t j = i + 1; j < map->n; j++) {
			const struct idmap_extent *b = &map->ext[j];
			const char *side;

			if (overlaps(a->inner, b->inner, a->count, b->count))
				side = "INNER (on-disk)";
			else if (overlaps(a->outer, b->outer, a->count,
					  b->count))
				side = "OUTER (seen)";
			else
				continue;
			return diag_fail(d, EINVAL,
				"%s map: extents \"%" PRIu32 ":%" PRIu32 ":%" PRIu32 "\" and \"%" PRIu32 ":%" PRIu32 ":%" PRIu32 "\" overlap on the %s side; each id may be mapped only once",
				name, a->inner, a->outer, a->count,
				b->inner, b->outer, b->count, side);
		}
	}

	len = idmap_format(map, text, sizeof(text));
	if (len < 0)
		return diag_fail(d, E2BIG,
			"the %s map is too long: the kernel takes one write of at most %d bytes; use fewer, larger extents",
			name, IDMAP_MAX_TEXT);
	return 0;
}

static int by_inner(const void *pa, const void *pb)
{
	const struct idmap_extent *a = pa, *b = pb;

	if (a->inner != b->inner)
		return a->inner < b->inner ? -1 : 1;
	if (a->outer != b->outer)
		return a->outer < b->outer ? -1 : 1;
	return (a->count > b->count) - (a->count < b->count);
}

void idmap_normalize(struct idmap_map *map)
{
	size_t n = 0;

	qsort(map->ext, map->n, sizeof(map->ext[0]), by_inner);
	for (size_t i = 0; i < map->n; i++) {
		struct idmap_extent *last = n ? &map->ext[n - 1] : NULL;
		const struct idmap_extent *e = &map->ext[i];

		if (last &&
		    (uint64_t)last->inner + last->count == e->inner &&
		    (uint64_t)last->outer + last->count == e->outer &&
		    (uint64_t)last->count + e->count <= UINT32_MAX) {
			last->count += e->count;
			continue;
		}
		map->ext[n++] = *e;
	}
	map->n = n;
}

bool idmap_same(const struct idmap_map *a, const struct idmap_map *b)
{
	struct idmap_map na = *a, nb = *b;

	idmap_normalize(&na);
	idmap_normalize(&nb);
	if (na.n != nb.n)
		return false;
	for (size_t i = 0; i < na.n; i++)
		if (na.ext[i].inner != nb.ext[i].inner ||
		    na.ext[i].outer != nb.ext[i].outer ||
		    na.ext[i].count != nb.ext[i].count)
			return false;
	return true;
}

/* Shared by both formatters: @fs between fields, @es after each extent
 * (after the last one too when @trailing). */
static int format(const struct idmap_map *map, char *buf, size_t size,
		  char fs, const char *es, bool trailing)
{
	size_t off = 0;

	if (size == 0)
		return -ENOSPC;
	buf[0] = '\0';
	for (size_t i = 0; i < map->n; i++) {
		const struct idmap_extent *e = &map->ext[i];
		const char *sep = (trailing || i + 1 < map->n) ? es : "";
		int w = snprintf(buf + off, size - off,
				 "%" PRIu32 "%c%" PRIu32 "%c%" PRIu32 "%s",
				 e->inner, fs, e->outer, fs, e->count, sep);

		if (w < 0 || (size_t)w >= size - off)
			return -ENOSPC;
		off += (size_t)w;
	}
	return (int)off;
}

int idmap_format(const struct idmap_map *map, char *buf, size_t size)
{
	return format(map, buf, size, ' ', "\n", true);
}

int idmap_format_option(const struct idmap_map *map, char *buf, size_t size)
{
	return format(map, buf, size, ':', ",", false);
}

static int describe_range(uint32_t first, uint32_t count, char *buf,
			  size_t size)
{
	if (count == 1)
		return snprintf(buf, size, "%" PRIu32, first);
	return snprintf(buf, size, "%" PRIu32 "-%" PRIu32, first,
			first + (count - 1));
}

int idmap_describe(const struct idmap_extent *e, char *buf, size_t size)
{
	char in[32], out[32];

	describe_range(e->inner, e->count, in, sizeof(in));
	describe_range(e->outer, e->count, out, sizeof(out));
	return snprintf(buf, size, "on-disk %s \u2192 seen as %s", in, out);
}
