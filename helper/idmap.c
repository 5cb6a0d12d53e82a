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

/* One field of an extent as written: a number, or a name to resolve. */
struct field {
	const char *s;
	size_t len;
	bool name;
	uint32_t v;
};

/* One extent as written, its u:/g:/b: prefix already stripped. */
struct written {
	const char *tok;
	size_t len;
	bool subid;		/* subid:NAME[:COUNT]; f[0] NAME, f[2] COUNT */
	struct field f[3];	/* INNER, OUTER, COUNT */
};

#define SUBID_PREFIX "subid:"
#define SUBID_PREFIX_LEN (sizeof(SUBID_PREFIX) - 1)

/* A name starts with a letter or '_', so "-1", "+5" and "0x10" stay bad
 * numbers and a string of digits is always a number. */
static bool is_name_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

/* The characters of user and group names that NSS databases use, and a
 * final '$' (machine accounts); nothing that an option string quotes. */
static bool is_name(const char *s, size_t len)
{
	if (len == 0 || !is_name_start(s[0]))
		return false;
	for (size_t i = 1; i < len; i++) {
		char c = s[i];

		if (!is_name_start(c) && !(c >= '0' && c <= '9') && c != '.' &&
		    c != '-' && c != '@' && !(c == '$' && i == len - 1))
			return false;
	}
	return true;
}

static int parse_count(const char *s, size_t len, const char *opt,
		       const struct written *w, struct field *f,
		       struct diag *d)
{
	f->s = s;
	f->len = len;
	if (idmap_parse_u32(s, len, &f->v) < 0)
		return diag_fail(d, EINVAL,
			"%s: COUNT \"%.*s\" in extent \"%.*s\" is not a plain decimal number from 0 to 4294967295",
			opt, (int)len, s, (int)w->len, w->tok);
	if (f->v == 0)
		return diag_fail(d, EINVAL,
			"%s: extent \"%.*s\": COUNT must be at least 1",
			opt, (int)w->len, w->tok);
	return 0;
}

/* "subid:NAME" or "subid:NAME:COUNT". */
static int split_subid(struct written *w, const char *opt, struct diag *d)
{
	const char *name = w->tok + SUBID_PREFIX_LEN;
	const char *end = w->tok + w->len;
	const char *colon = memchr(name, ':', (size_t)(end - name));
	uint32_t uid;

	w->subid = true;
	w->f[0] = (struct field){ name, (size_t)((colon ? colon : end) - name),
				  true, 0 };
	if (w->f[0].len == 0)
		return diag_fail(d, EINVAL,
			"%s: extent \"%.*s\" names no user: expected subid:NAME or subid:NAME:COUNT",
			opt, (int)w->len, w->tok);
	if (!is_name(name, w->f[0].len) &&
	    idmap_parse_u32(name, w->f[0].len, &uid) < 0)
		return diag_fail(d, EINVAL,
			"%s: \"%.*s\" in extent \"%.*s\" is not a user name",
			opt, (int)w->f[0].len, name, (int)w->len, w->tok);
	if (!colon)
		return 0;
	if (memchr(colon + 1, ':', (size_t)(end - colon - 1)))
		return diag_fail(d, EINVAL,
			"%s: bad extent \"%.*s\": expected subid:NAME or subid:NAME:COUNT",
			opt, (int)w->len, w->tok);
	return parse_count(colon + 1, (size_t)(end - colon - 1), opt, w,
			   &w->f[2], d);
}

/*
 * Split "A:B:C" into its fields.  INNER and OUTER may be names when
 * @names; COUNT is always a number.  @w->tok is not NUL-terminated;
 * messages quote it whole.
 */
static int split(struct written *w, const char *opt, bool names,
		 struct diag *d)
{
	static const char *const field[] = { "INNER", "OUTER", "COUNT" };
	const char *p = w->tok, *end = w->tok + w->len;

	if (names && w->len >= SUBID_PREFIX_LEN &&
	    memcmp(w->tok, SUBID_PREFIX, SUBID_PREFIX_LEN) == 0)
		return split_subid(w, opt, d);
	for (int i = 0; i < 3; i++) {
		const char *colon = memchr(p, ':', (size_t)(end - p));
		const char *stop = (i < 2) ? colon : end;
		struct field *f = &w->f[i];

		if (!stop || (i == 2 && colon))
			return diag_fail(d, EINVAL,
				"%s: bad extent \"%.*s\": expected INNER:OUTER:COUNT, three decimal numbers%s",
				opt, (int)w->len, w->tok,
				names ? " or names" : "");
		if (i == 2)
			return parse_count(p, (size_t)(stop - p), opt, w, f, d);
		*f = (struct field){ p, (size_t)(stop - p), false, 0 };
		if (names && is_name(p, f->len))
			f->name = true;
		else if (idmap_parse_u32(p, f->len, &f->v) < 0)
			return diag_fail(d, EINVAL,
				"%s: %s \"%.*s\" in extent \"%.*s\" is not a plain decimal number from 0 to 4294967295%s",
				opt, field[i], (int)f->len, p, (int)w->len,
				w->tok, names ? ", nor a name" : "");
		p = stop + 1;
	}
	return 0;
}

static const char *side_word(enum idmap_which side, bool group_word)
{
	if (side == IDMAP_UID)
		return group_word ? "user" : "uid";
	return group_word ? "group" : "gid";
}

static int resolve_field(const struct field *f, const struct written *w,
			 enum idmap_which side,
			 const struct idmap_resolver *res, const char *opt,
			 uint32_t *out, struct diag *d)
{
	char name[256];
	int r;

	if (!f->name) {
		*out = f->v;
		return 0;
	}
	if (f->len >= sizeof(name))
		return diag_fail(d, EINVAL, "%s: the name in extent \"%.*s\" is too long",
				 opt, (int)w->len, w->tok);
	memcpy(name, f->s, f->len);
	name[f->len] = '\0';
	r = res->id(res->ctx, side, name, out);
	if (r == -ENOENT)
		return diag_fail(d, EINVAL,
			"%s: unknown %s \"%s\" in extent \"%.*s\": no such %s name in the %s database; give the number instead",
			opt, side_word(side, true), name, (int)w->len, w->tok,
			side_word(side, true),
			side == IDMAP_UID ? "passwd" : "group");
	if (r < 0)
		return diag_fail(d, -r, "%s: cannot look up %s \"%s\": %s", opt,
				 side_word(side, true), name, strerror(-r));
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

static bool overlaps(uint64_t a, uint64_t b, uint64_t count_a,
		     uint64_t count_b)
{
	return a < b + count_b && b < a + count_a;
}

/* Which side two extents overlap on, or NULL. */
static const char *overlap_side(const struct idmap_extent *a,
				const struct idmap_extent *b)
{
	if (overlaps(a->inner, b->inner, a->count, b->count))
		return "INNER (on-disk)";
	if (overlaps(a->outer, b->outer, a->count, b->count))
		return "OUTER (seen)";
	return NULL;
}

static bool past_limit(const struct idmap_extent *e)
{
	return e->count > IDMAP_ID_LIMIT - e->inner ||
	       e->count > IDMAP_ID_LIMIT - e->outer;
}

/*
 * Extent @j of @map as written, when that differs from its numbers:
 * "bob:0:1" for 1001:0:1.  Empty when it was written as its numbers, or
 * when @map->spec was too long to keep it.
 */
static size_t written_as(const struct idmap_map *map, size_t j,
			 const char **tok)
{
	const struct idmap_extent *e = &map->ext[j];
	const char *p = map->spec;
	char num[40];
	size_t len;
	int n;

	for (uint16_t k = 0; k < map->from[j]; k++) {
		p = strchr(p, ',');
		if (!p)
			return 0;
		p++;
	}
	len = strcspn(p, ",");
	if (len == 0)
		return 0;
	n = snprintf(num, sizeof(num), "%" PRIu32 ":%" PRIu32 ":%" PRIu32,
		     e->inner, e->outer, e->count);
	if (n > 0 && (size_t)n == len && memcmp(num, p, len) == 0)
		return 0;
	*tok = p;
	return len;
}

/*
 * The extents from @first on came from @w, in a map where a name stands:
 * check them now, against each other and the ones before, so that the
 * message can name both extents as written and what they resolved to
 * (idmap_validate() later knows only the numbers).
 */
static int check_resolved(const struct idmap_map *map, size_t first,
			  const struct written *w, bool named,
			  enum idmap_which side, const char *opt,
			  struct diag *d)
{
	for (size_t i = first; i < map->n; i++) {
		const struct idmap_extent *a = &map->ext[i];

		if (named && past_limit(a))
			return diag_fail(d, ERANGE,
				"%s: extent \"%.*s\" resolves to %" PRIu32 ":%" PRIu32 ":%" PRIu32 ", which runs past id 4294967294",
				opt, (int)w->len, w->tok, a->inner, a->outer,
				a->count);
		for (size_t j = 0; j < i; j++) {
			const struct idmap_extent *b = &map->ext[j];
			const char *sideword = overlap_side(a, b);
			const char *btok = "";
			size_t blen;
			char res[64] = "";

			if (!sideword)
				continue;
			blen = written_as(map, j, &btok);
			if (named)
				snprintf(res, sizeof(res),
					 " resolves to %" PRIu32 ":%" PRIu32 ":%" PRIu32,
					 a->inner, a->outer, a->count);
			return diag_fail(d, EINVAL,
				"%s: extent \"%.*s\"%s in the %s map%s overlaps %" PRIu32 ":%" PRIu32 ":%" PRIu32 "%s%.*s%s on the %s side; each id may be mapped only once",
				opt, (int)w->len, w->tok, res,
				side_word(side, false), named ? ", which" : "",
				b->inner, b->outer,
				b->count, blen ? " (extent \"" : "", (int)blen,
				btok, blen ? "\")" : "", sideword);
		}
	}
	return 0;
}

/* subid:NAME[:COUNT]: NAME's ranges, consecutive from on-disk id 0. */
static int resolve_subid(const struct written *w, enum idmap_which side,
			 const struct idmap_resolver *res, const char *opt,
			 struct idmap_map *map, struct diag *d)
{
	struct idmap_range ranges[IDMAP_MAX_EXTENTS + 1];
	uint64_t inner = 0, want = w->f[2].len ? w->f[2].v : UINT64_MAX;
	char owner[256];
	int n;

	if (w->f[0].len >= sizeof(owner))
		return diag_fail(d, EINVAL, "%s: the name in extent \"%.*s\" is too long",
				 opt, (int)w->len, w->tok);
	memcpy(owner, w->f[0].s, w->f[0].len);
	owner[w->f[0].len] = '\0';
	n = res->subid(res->ctx, side, owner, ranges, IDMAP_MAX_EXTENTS + 1);
	if (n == -ELIBACC)
		return diag_fail(d, -n,
			"%s: subid:%s needs shadow's libsubid (%s), which cannot be loaded: install it (Debian 12: libsubid4, Debian 13: libsubid5)",
			opt, owner, res->subid_library ? res->subid_library : "libsubid");
	if (n < 0)
		return diag_fail(d, -n,
			"%s: cannot read the subordinate %s ranges of \"%s\" (from %s)%s%s",
			opt, side_word(side, false), owner,
			res->subid_source(res->ctx, side),
			n == -EIO ? "" : ": ", n == -EIO ? "" : strerror(-n));
	if (n == 0)
		return diag_fail(d, EINVAL,
			"%s: \"%s\" has no subordinate %s ranges (read %s); add some (usermod --add-sub%ss) or give numbers",
			opt, owner, side_word(side, false),
			res->subid_source(res->ctx, side), side_word(side, false));
	if (n > IDMAP_MAX_EXTENTS)
		return diag_fail(d, E2BIG,
			"%s: \"%s\" has more than %d subordinate %s ranges, the kernel's limit of extents",
			opt, owner, IDMAP_MAX_EXTENTS, side_word(side, false));
	for (int i = 0; i < n && inner < want; i++) {
		struct idmap_extent e;
		uint64_t count = ranges[i].count;
		int r;

		if (count > want - inner)
			count = want - inner;
		if (count == 0)
			continue;
		if (inner + count > IDMAP_ID_LIMIT)
			return diag_fail(d, ERANGE,
				"%s: the subordinate %s ranges of \"%s\" add up past id 4294967294",
				opt, side_word(side, false), owner);
		e = (struct idmap_extent){ (uint32_t)inner, ranges[i].start,
					   (uint32_t)count };
		r = append(map, &e, opt, side_word(side, false), d);
		if (r < 0)
			return r;
		inner += count;
	}
	if (w->f[2].len && inner < want)
		return diag_fail(d, EINVAL,
			"%s: extent \"%.*s\" asks for %" PRIu32 " ids, but \"%s\" has only %" PRIu64 " subordinate %ss (read %s)",
			opt, (int)w->len, w->tok, w->f[2].v, owner, inner,
			side_word(side, false), res->subid_source(res->ctx, side));
	return 0;
}

/* Keep what was written, for the record and --show. */
static void add_spec(struct idmap_map *map, const struct written *w,
		     bool named)
{
	size_t off = strlen(map->spec);

	map->named |= named;
	if (map->nwritten < UINT16_MAX)
		map->nwritten++;
	if (map->spec_truncated)
		return;
	if (off + 1 + w->len >= sizeof(map->spec)) {
		map->spec_truncated = true;
		return;
	}
	if (off)
		map->spec[off++] = ',';
	memcpy(map->spec + off, w->tok, w->len);
	map->spec[off + w->len] = '\0';
}

/* Resolve @w for one side and append what it gives to @map. */
static int add_extent(const struct written *w, enum idmap_which side,
		      const struct idmap_resolver *res, const char *opt,
		      struct idmap_map *map, struct diag *d)
{
	bool named = w->subid || w->f[0].name || w->f[1].name;
	size_t first = map->n;
	struct idmap_extent e;
	int r;

	add_spec(map, w, named);
	if (w->subid) {
		r = resolve_subid(w, side, res, opt, map, d);
	} else {
		r = resolve_field(&w->f[0], w, side, res, opt, &e.inner, d);
		if (r == 0)
			r = resolve_field(&w->f[1], w, side, res, opt,
					  &e.outer, d);
		if (r < 0)
			return r;
		e.count = w->f[2].v;
		if (!named && past_limit(&e))
			return diag_fail(d, ERANGE,
				"%s: extent \"%.*s\" runs past id 4294967294: INNER+COUNT and OUTER+COUNT must not exceed 4294967295 (the kernel reserves (uid_t)-1)",
				opt, (int)w->len, w->tok);
		r = append(map, &e, opt, side_word(side, false), d);
	}
	if (r < 0)
		return r;
	for (size_t i = first; i < map->n; i++)
		map->from[i] = (uint16_t)(map->nwritten - 1);
	return map->named ? check_resolved(map, first, w, named, side, opt, d) : 0;
}

/*
 * Walk the extents of @value.  Extents are separated by one comma or by
 * blanks (blanks may surround the comma).  An empty extent (",," or a comma
 * at either end) is an error rather than something to skip silently.
 * In the util-linux syntax, each extent may carry a u:, g: or b: prefix.
 */
int idmap_parse(const char *value, const char *opt, enum idmap_syntax syn,
		enum idmap_which dflt, struct idmap_map *uid,
		struct idmap_map *gid, const struct idmap_resolver *res,
		struct diag *d)
{
	const char *p = value;
	bool any = false, comma = true;

	for (;;) {
		struct written w = { 0 };
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

		w.tok = p;
		while (*p && !is_sep(*p))
			p++;
		w.len = (size_t)(p - w.tok);
		if (syn == IDMAP_SYNTAX_UL && w.len >= 2 && w.tok[1] == ':' &&
		    !(w.tok[0] >= '0' && w.tok[0] <= '9')) {
			const char *prefix = w.tok;

			if (prefix[0] != 'u' && prefix[0] != 'g' &&
			    prefix[0] != 'b')
				return diag_fail(d, EINVAL,
					"%s: bad prefix \"%c:\" in extent \"%.*s\": expected u: (uid map), g: (gid map) or b: (both)",
					opt, prefix[0], (int)w.len, w.tok);
			which = prefix[0] == 'u' ? IDMAP_UID :
				prefix[0] == 'g' ? IDMAP_GID : IDMAP_BOTH;
			w.tok += 2;
			w.len -= 2;
			if (w.len == 0)
				return diag_fail(d, EINVAL,
					"%s: bad extent \"%.2s\": expected %.2sINNER:OUTER:COUNT",
					opt, prefix, prefix);
		}
		r = split(&w, opt, res != NULL, d);
		if (r == 0 && (which & IDMAP_UID))
			r = add_extent(&w, IDMAP_UID, res, opt, uid, d);
		if (r == 0 && (which & IDMAP_GID))
			r = add_extent(&w, IDMAP_GID, res, opt, gid, d);
		if (r < 0)
			return r;
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
	return idmap_parse(value, opt, IDMAP_SYNTAX_LIST, which, map, map,
			   NULL, d);
}

int idmap_parse_ul(const char *value, const char *opt, struct idmap_map *uid,
		   struct idmap_map *gid, struct diag *d)
{
	return idmap_parse(value, opt, IDMAP_SYNTAX_UL, IDMAP_BOTH, uid, gid,
			   NULL, d);
}

void idmap_set_identity(struct idmap_map *map)
{
	map->ext[0] = (struct idmap_extent){ 0, 0, IDMAP_ID_LIMIT };
	map->n = 1;
	map->identity = true;
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
	if (e.count == 0 || past_limit(&e))
		return diag_fail(d, ERANGE, "the kernel's map line \"%s\" is out of range",
				 line);
	return append(map, &e, "kernel map", "", d);
}

int idmap_validate(const struct idmap_map *map, const char *name,
		   struct diag *d)
{
	size_t len = 0;

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
		if (past_limit(a))
			return diag_fail(d, ERANGE,
				"%s map: extent \"%" PRIu32 ":%" PRIu32 ":%" PRIu32 "\" runs past id 4294967294 (the kernel reserves (uid_t)-1)",
				name, a->inner, a->outer, a->count);
		for (size_t j = i + 1; j < map->n; j++) {
			const struct idmap_extent *b = &map->ext[j];
			const char *side = overlap_side(a, b);

			if (!side)
				continue;
			return diag_fail(d, EINVAL,
				"%s map: extents \"%" PRIu32 ":%" PRIu32 ":%" PRIu32 "\" and \"%" PRIu32 ":%" PRIu32 ":%" PRIu32 "\" overlap on the %s side; each id may be mapped only once",
				name, a->inner, a->outer, a->count,
				b->inner, b->outer, b->count, side);
		}
	}

	/* The length that idmap_format() would write, without a 4 KiB
	 * buffer on the stack for the whole mount (bench/run, part 5). */
	for (size_t i = 0; i < map->n; i++)
		len += (size_t)snprintf(NULL, 0, "%" PRIu32 " %" PRIu32 " %" PRIu32 "\n",
					map->ext[i].inner, map->ext[i].outer,
					map->ext[i].count);
	if (len > IDMAP_MAX_TEXT)
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
