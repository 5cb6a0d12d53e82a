// SPDX-License-Identifier: Apache-2.0
/*
 * idmap.c: parsing, validation, formatting and description of uid/gid
 * maps.  Pure code, no privilege needed.
 */
#include "testlib.h"
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "idmap.h"

static struct idmap_map *new_map(void)
{
	struct idmap_map *m = calloc(1, sizeof(*m));

	ATF_REQUIRE(m != NULL);
	return m;
}

static void add(struct idmap_map *m, uint32_t in, uint32_t out, uint32_t count)
{
	ATF_REQUIRE(m->n < IDMAP_MAX_EXTENTS);
	m->ext[m->n++] = (struct idmap_extent){ in, out, count };
}

/* "0:0:1,1:1:1,...": @n extents i:i:1, separated by @sep. */
static char *many_extents(size_t n, const char *sep)
{
	size_t size = n * 24 + 1, off = 0;
	char *s = malloc(size);

	ATF_REQUIRE(s != NULL);
	s[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		int w = snprintf(s + off, size - off, "%s%zu:%zu:1",
				 i ? sep : "", i, i);

		ATF_REQUIRE(w > 0 && (size_t)w < size - off);
		off += (size_t)w;
	}
	return s;
}

/* ------------------------------------------------------- idmap_parse_u32 */

#define WHOLE (-1)	/* read all of the row's string */

struct u32_row {
	const char *s;
	int len;	/* bytes of @s to read, or WHOLE */
	int err;	/* idmap_parse_u32 fails with it, or 0 */
	uint32_t v;	/* the value, when @err is 0 */
};

static void check_u32(const struct u32_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct u32_row *r = &rows[i];
		size_t len = r->len == WHOLE ? strlen(r->s) : (size_t)r->len;
		uint32_t v = 7;

		ATF_CHECK_EQ_MSG(-r->err, idmap_parse_u32(r->s, len, &v),
				 "\"%s\" (%zu bytes)", r->s, len);
		if (r->err == 0)
			ATF_CHECK_EQ_MSG(r->v, v, "\"%s\" (%zu bytes)", r->s,
					 len);
	}
}

ATF_TC_WITHOUT_HEAD(parse_u32_valid);
ATF_TC_BODY(parse_u32_valid, tc)
{
	static const struct u32_row rows[] = {
		{ "0", WHOLE, 0, 0 },
		{ "4294967295", WHOLE, 0, 4294967295u },
		{ "100000", WHOLE, 0, 100000 },
		{ "65536", WHOLE, 0, 65536 },
		/* Only [s, s+len) is read. */
		{ "12x", 2, 0, 12 },
		{ "1:2", 1, 0, 1 },
	};

	(void)tc;
	check_u32(rows, N_ROWS(rows));
}

ATF_TC_WITHOUT_HEAD(parse_u32_out_of_range);
ATF_TC_BODY(parse_u32_out_of_range, tc)
{
	static const struct u32_row rows[] = {
		{ "4294967296", WHOLE, ERANGE, 0 },
		{ "4294967300", WHOLE, ERANGE, 0 },
		{ "99999999999999999999", WHOLE, ERANGE, 0 },
		{ "18446744073709551616", WHOLE, ERANGE, 0 },
	};

	(void)tc;
	check_u32(rows, N_ROWS(rows));
}

ATF_TC_WITHOUT_HEAD(parse_u32_not_decimal);
ATF_TC_BODY(parse_u32_not_decimal, tc)
{
	static const struct u32_row rows[] = {
		{ "-1", WHOLE, EINVAL, 0 }, { "+1", WHOLE, EINVAL, 0 },
		{ " 1", WHOLE, EINVAL, 0 }, { "1 ", WHOLE, EINVAL, 0 },
		{ "1x", WHOLE, EINVAL, 0 }, { "", WHOLE, EINVAL, 0 },
		{ "0x10", WHOLE, EINVAL, 0 }, { "x", WHOLE, EINVAL, 0 },
		{ "1.0", WHOLE, EINVAL, 0 }, { "\t1", WHOLE, EINVAL, 0 },
		{ "1\n", WHOLE, EINVAL, 0 }, { "-0", WHOLE, EINVAL, 0 },
		/* len 0 is empty even when the string goes on. */
		{ "1", 0, EINVAL, 0 },
	};

	(void)tc;
	check_u32(rows, N_ROWS(rows));
}

/* ------------------------------------------------------ idmap_parse_list */

struct list_row {
	const char *value;	/* of uidmap= */
	int err;		/* 0: it parses to the one extent @ext */
	const char *quoted;	/* else: the message quotes this token, */
	const char *rule;	/* names this rule, and the option */
	struct idmap_extent ext;
};

#define FAILS(e, q, r) .err = (e), .quoted = (q), .rule = (r)

static void check_list(const struct list_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct list_row *r = &rows[i];
		struct idmap_map *m = new_map();
		struct diag d = { "" };
		char row[256], q[256];

		snprintf(row, sizeof(row), "value \"%s\"", r->value);
		ATF_CHECK_EQ_MSG(-r->err, idmap_parse_list(r->value, "uidmap",
							   IDMAP_UID, m, &d),
				 "%s: %s", row, d.msg);
		if (r->err) {
			snprintf(q, sizeof(q), "\"%s\"", r->quoted);
			CHECK_ROW_MSG_HAS(row, &d, q);
			CHECK_ROW_MSG_HAS(row, &d, r->rule);
			CHECK_ROW_MSG_HAS(row, &d, "uidmap");
		} else {
			ATF_CHECK_EQ_MSG((size_t)1, m->n, "%s", row);
			CHECK_ROW_EXT(row, m, 0, r->ext.inner, r->ext.outer,
				      r->ext.count);
		}
		free(m);
	}
}

/* Each of @values parses to @want. */
static void check_lists_give(const char *const *values, size_t n,
			     const struct want_map *want)
{
	for (size_t i = 0; i < n; i++) {
		struct idmap_map *m = new_map();
		struct diag d = { "" };
		char row[256];

		snprintf(row, sizeof(row), "value \"%s\"", values[i]);
		ATF_CHECK_EQ_MSG(0, idmap_parse_list(values[i], "uidmap",
						     IDMAP_UID, m, &d),
				 "%s: %s", row, d.msg);
		check_map(row, "uid", m, want);
		free(m);
	}
}

ATF_TC_WITHOUT_HEAD(list_single);
ATF_TC_BODY(list_single, tc)
{
	static const struct list_row rows[] = {
		{ "0:100000:65536", .ext = { 0, 100000, 65536 } },
		{ "1000:0:1", .ext = { 1000, 0, 1 } },
	};

	(void)tc;
	check_list(rows, N_ROWS(rows));
}

ATF_TC_WITHOUT_HEAD(list_commas);
ATF_TC_BODY(list_commas, tc)
{
	struct idmap_map *m = new_map();
	struct diag d = { "" };

	(void)tc;
	ATF_REQUIRE_EQ_MSG(0, idmap_parse_list("0:1000:1,1:100001:65535,70000:200000:10",
					       "uidmap", IDMAP_UID, m, &d), "%s", d.msg);
	ATF_REQUIRE_EQ((size_t)3, m->n);
	CHECK_EXT(m, 0, 0, 1000, 1);
	CHECK_EXT(m, 1, 1, 100001, 65535);
	CHECK_EXT(m, 2, 70000, 200000, 10);
	free(m);
}

/* Three extents, however the blanks fall. */
static const struct want_map three = {
	3, { { 0, 10, 1 }, { 2, 20, 3 }, { 7, 70, 2 } },
};

ATF_TC_WITHOUT_HEAD(list_blanks);
ATF_TC_BODY(list_blanks, tc)
{
	static const char *const values[] = {
		"0:10:1 2:20:3\t7:70:2",
		"0:10:1  2:20:3 \t 7:70:2",
		"0:10:1\t\t2:20:3 7:70:2",
	};

	(void)tc;
	check_lists_give(values, N_ROWS(values), &three);
}

ATF_TC_WITHOUT_HEAD(list_blanks_around_commas);
ATF_TC_BODY(list_blanks_around_commas, tc)
{
	static const char *const values[] = {
		"0:10:1 , 2:20:3\t,\t7:70:2",
		"0:10:1 ,2:20:3,  7:70:2",
		"0:10:1, 2:20:3 ,7:70:2",
	};

	(void)tc;
	check_lists_give(values, N_ROWS(values), &three);
}

ATF_TC_WITHOUT_HEAD(list_accumulates);
ATF_TC_BODY(list_accumulates, tc)
{
	struct idmap_map *m = new_map();
	struct diag d = { "" };

	(void)tc;
	ATF_REQUIRE_EQ(0, idmap_parse_list("0:1:1", "uidmap", IDMAP_UID, m, &d));
	ATF_REQUIRE_EQ(0, idmap_parse_list("5:6:2,9:9:1", "uidmap", IDMAP_UID, m, &d));
	ATF_REQUIRE_EQ((size_t)3, m->n);
	CHECK_EXT(m, 0, 0, 1, 1);
	CHECK_EXT(m, 1, 5, 6, 2);
	CHECK_EXT(m, 2, 9, 9, 1);
	free(m);
}

ATF_TC_WITHOUT_HEAD(list_empty_value);
ATF_TC_BODY(list_empty_value, tc)
{
	struct idmap_map *m = new_map();
	struct diag d = { "" };

	(void)tc;
	ATF_CHECK_EQ(-EINVAL, idmap_parse_list("", "uidmap", IDMAP_UID, m, &d));
	CHECK_MSG_HAS(&d, "uidmap");
	CHECK_MSG_HAS(&d, "no extent");
	CHECK_MSG_HAS(&d, "INNER:OUTER:COUNT");
	ATF_CHECK_EQ((size_t)0, m->n);

	memset(&d, 0, sizeof(d));
	ATF_CHECK_EQ(-EINVAL, idmap_parse_list(" \t ", "gidmap", IDMAP_GID, m, &d));
	CHECK_MSG_HAS(&d, "gidmap");
	CHECK_MSG_HAS(&d, "no extent");
	ATF_CHECK_EQ((size_t)0, m->n);
	free(m);
}

ATF_TC_WITHOUT_HEAD(list_empty_extent);
ATF_TC_BODY(list_empty_extent, tc)
{
	static const char *const bad[] = {
		",0:1:1", "0:1:1,", "0:1:1,,2:3:1", "0:1:1, ,2:3:1",
		"0:1:1 , ", ",",
	};

	(void)tc;
	/* The message quotes the whole value. */
	for (size_t i = 0; i < N_ROWS(bad); i++)
		check_list(&(struct list_row){ bad[i], FAILS(EINVAL, bad[i],
							      "empty extent") },
			   1);
}

ATF_TC_WITHOUT_HEAD(list_bad_shape);
ATF_TC_BODY(list_bad_shape, tc)
{
	static const struct list_row rows[] = {
		{ "0:1", FAILS(EINVAL, "0:1", "INNER:OUTER:COUNT") },
		{ "0", FAILS(EINVAL, "0", "INNER:OUTER:COUNT") },
		{ "0:1:1:1", FAILS(EINVAL, "0:1:1:1", "INNER:OUTER:COUNT") },
		{ "0:1:1,2:3", FAILS(EINVAL, "2:3", "INNER:OUTER:COUNT") },
		/* A bad number: the message names the field and quotes it. */
		{ "a:1:1", FAILS(EINVAL, "a:1:1", "decimal") },
		{ "a:1:1", FAILS(EINVAL, "a", "INNER") },
		{ "0:b:1", FAILS(EINVAL, "b", "OUTER") },
		{ "0:1:c", FAILS(EINVAL, "c", "COUNT") },
		{ "0::1", FAILS(EINVAL, "0::1", "OUTER") },
		{ "-1:0:1", FAILS(EINVAL, "-1", "decimal") },
		{ "0x10:0:1", FAILS(EINVAL, "0x10", "decimal") },
		{ "4294967296:0:1", FAILS(EINVAL, "4294967296", "4294967295") },
	};

	(void)tc;
	check_list(rows, N_ROWS(rows));
}

ATF_TC_WITHOUT_HEAD(list_count_zero);
ATF_TC_BODY(list_count_zero, tc)
{
	static const struct list_row rows[] = {
		{ "0:1:0", FAILS(EINVAL, "0:1:0", "COUNT must be at least 1") },
		{ "5:5:1,0:1:0", FAILS(EINVAL, "0:1:0", "at least 1") },
	};

	(void)tc;
	check_list(rows, N_ROWS(rows));
}

/*
 * The kernel reserves (u32)-1: INNER+COUNT and OUTER+COUNT may be at most
 * 4294967295, so the last id an extent covers is 4294967294.
 */
ATF_TC_WITHOUT_HEAD(list_range_limit);
ATF_TC_BODY(list_range_limit, tc)
{
	static const struct list_row rows[] = {
		{ "4294967295:0:1",
		  FAILS(ERANGE, "4294967295:0:1", "4294967295") },
		{ "0:4294967295:1",
		  FAILS(ERANGE, "0:4294967295:1", "4294967295") },
		{ "4294967294:0:1", .ext = { 4294967294u, 0, 1 } },
		{ "0:4294967294:1", .ext = { 0, 4294967294u, 1 } },
		/* 4294967200 + 95 = 4294967295: the last id is 4294967294. */
		{ "0:4294967200:95", .ext = { 0, 4294967200u, 95 } },
		{ "0:4294967200:96",
		  FAILS(ERANGE, "0:4294967200:96", "must not exceed") },
		{ "0:4294967200:97",
		  FAILS(ERANGE, "0:4294967200:97", "must not exceed") },
		{ "4294967200:0:95", .ext = { 4294967200u, 0, 95 } },
		{ "4294967200:0:96",
		  FAILS(ERANGE, "4294967200:0:96", "must not exceed") },
		/* The whole id space but (u32)-1. */
		{ "0:0:4294967295", .ext = { 0, 0, 4294967295u } },
		{ "1:0:4294967295",
		  FAILS(ERANGE, "1:0:4294967295", "4294967295") },
		{ "0:1:4294967295",
		  FAILS(ERANGE, "0:1:4294967295", "4294967295") },
	};

	(void)tc;
	check_list(rows, N_ROWS(rows));
}

ATF_TC_WITHOUT_HEAD(list_max_extents);
ATF_TC_BODY(list_max_extents, tc)
{
	struct idmap_map *m = new_map();
	struct diag d = { "" };
	char *s340 = many_extents(IDMAP_MAX_EXTENTS, ",");
	char *s341 = many_extents(IDMAP_MAX_EXTENTS + 1, " ");

	(void)tc;
	ATF_CHECK_EQ_MSG(0, idmap_parse_list(s340, "uidmap", IDMAP_UID, m, &d), "%s", d.msg);
	ATF_CHECK_EQ((size_t)IDMAP_MAX_EXTENTS, m->n);
	CHECK_EXT(m, 0, 0, 0, 1);
	CHECK_EXT(m, 339, 339, 339, 1);

	/* One more, in a second call. */
	ATF_CHECK_EQ(-E2BIG, idmap_parse_list("1000:1000:1", "uidmap", IDMAP_UID, m, &d));
	CHECK_MSG_HAS(&d, "340");
	CHECK_MSG_HAS(&d, "uidmap");
	ATF_CHECK_EQ((size_t)IDMAP_MAX_EXTENTS, m->n);

	memset(m, 0, sizeof(*m));
	memset(&d, 0, sizeof(d));
	ATF_CHECK_EQ(-E2BIG, idmap_parse_list(s341, "uidmap", IDMAP_UID, m, &d));
	CHECK_MSG_HAS(&d, "340");
	CHECK_MSG_HAS(&d, "uidmap");
	CHECK_MSG_HAS(&d, "limit");
	ATF_CHECK_EQ((size_t)IDMAP_MAX_EXTENTS, m->n);
	free(s340);
	free(s341);
	free(m);
}

/* -------------------------------------------------------- idmap_parse_ul */

struct ul_row {
	const char *value;	/* of idmap= */
	struct want_map uid, gid;
};

ATF_TC_WITHOUT_HEAD(ul_prefixes);
ATF_TC_BODY(ul_prefixes, tc)
{
	static const struct ul_row rows[] = {
		{ "b:0:100000:65536", .uid = { 1, { { 0, 100000, 65536 } } },
		  .gid = { 1, { { 0, 100000, 65536 } } } },
		{ "u:0:100000:65536", .uid = { 1, { { 0, 100000, 65536 } } } },
		{ "g:5:200000:10", .gid = { 1, { { 5, 200000, 10 } } } },
		/* No prefix: both maps. */
		{ "0:100000:65536", .uid = { 1, { { 0, 100000, 65536 } } },
		  .gid = { 1, { { 0, 100000, 65536 } } } },
	};

	(void)tc;
	for (size_t i = 0; i < N_ROWS(rows); i++) {
		struct idmap_map *uid = new_map(), *gid = new_map();
		struct diag d = { "" };
		char row[256];

		snprintf(row, sizeof(row), "value \"%s\"", rows[i].value);
		ATF_CHECK_EQ_MSG(0, idmap_parse_ul(rows[i].value, "idmap", uid,
						   gid, &d),
				 "%s: %s", row, d.msg);
		check_map(row, "uid", uid, &rows[i].uid);
		check_map(row, "gid", gid, &rows[i].gid);
		free(uid);
		free(gid);
	}
}

ATF_TC_WITHOUT_HEAD(ul_mixed);
ATF_TC_BODY(ul_mixed, tc)
{
	struct idmap_map *uid = new_map(), *gid = new_map();
	struct diag d = { "" };

	(void)tc;
	ATF_REQUIRE_EQ_MSG(0, idmap_parse_ul("u:0:1:1 g:0:2:1", "idmap", uid,
					     gid, &d), "%s", d.msg);
	ATF_REQUIRE_EQ((size_t)1, uid->n);
	ATF_REQUIRE_EQ((size_t)1, gid->n);
	CHECK_EXT(uid, 0, 0, 1, 1);
	CHECK_EXT(gid, 0, 0, 2, 1);

	/* Order within each map is kept; b: and no prefix feed both. */
	ATF_REQUIRE_EQ_MSG(0, idmap_parse_ul("g:10:20:1\tb:30:40:2 u:50:60:3 70:80:4",
					     "idmap", uid, gid, &d), "%s", d.msg);
	ATF_REQUIRE_EQ((size_t)4, uid->n);
	ATF_REQUIRE_EQ((size_t)4, gid->n);
	CHECK_EXT(uid, 1, 30, 40, 2);
	CHECK_EXT(uid, 2, 50, 60, 3);
	CHECK_EXT(uid, 3, 70, 80, 4);
	CHECK_EXT(gid, 1, 10, 20, 1);
	CHECK_EXT(gid, 2, 30, 40, 2);
	CHECK_EXT(gid, 3, 70, 80, 4);
	free(uid);
	free(gid);
}

struct ul_fail_row {
	const char *value;	/* of idmap= */
	int err;
	const char *has[4];	/* what the message must contain */
};

/* Each row fails and leaves both maps empty. */
static void check_ul_fails(const struct ul_fail_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct ul_fail_row *r = &rows[i];
		struct idmap_map *uid = new_map(), *gid = new_map();
		struct diag d = { "" };
		char row[256];

		snprintf(row, sizeof(row), "value \"%s\"", r->value);
		ATF_CHECK_EQ_MSG(-r->err, idmap_parse_ul(r->value, "idmap", uid,
							 gid, &d),
				 "%s: %s", row, d.msg);
		CHECK_ROW_MSG_HAS_ALL(row, &d, r->has);
		ATF_CHECK_EQ_MSG((size_t)0, uid->n, "%s: uid map", row);
		ATF_CHECK_EQ_MSG((size_t)0, gid->n, "%s: gid map", row);
		free(uid);
		free(gid);
	}
}

ATF_TC_WITHOUT_HEAD(ul_bad_prefix);
ATF_TC_BODY(ul_bad_prefix, tc)
{
	static const struct ul_fail_row rows[] = {
		{ "x:0:1:1", EINVAL,
		  { "idmap", "\"x:0:1:1\"", "bad prefix \"x:\"",
		    "u: (uid map), g: (gid map) or b: (both)" } },
	};

	(void)tc;
	check_ul_fails(rows, N_ROWS(rows));
}

ATF_TC_WITHOUT_HEAD(ul_errors);
ATF_TC_BODY(ul_errors, tc)
{
	static const struct ul_fail_row rows[] = {
		{ "u:0:1", EINVAL, { "INNER:OUTER:COUNT" } },
		{ "b:0:1:0", EINVAL, { "at least 1" } },
		{ "g:0:4294967295:1", ERANGE, { "4294967295" } },
		{ "", EINVAL, { "no extent" } },
	};

	(void)tc;
	check_ul_fails(rows, N_ROWS(rows));
}

ATF_TC_WITHOUT_HEAD(ul_max_extents);
ATF_TC_BODY(ul_max_extents, tc)
{
	struct idmap_map *uid = new_map(), *gid = new_map();
	struct diag d = { "" };
	char *s340 = many_extents(IDMAP_MAX_EXTENTS, " ");
	char *s341 = many_extents(IDMAP_MAX_EXTENTS + 1, " ");

	(void)tc;
	ATF_CHECK_EQ_MSG(0, idmap_parse_ul(s340, "idmap", uid, gid, &d), "%s", d.msg);
	ATF_CHECK_EQ((size_t)IDMAP_MAX_EXTENTS, uid->n);
	ATF_CHECK_EQ((size_t)IDMAP_MAX_EXTENTS, gid->n);

	memset(uid, 0, sizeof(*uid));
	memset(gid, 0, sizeof(*gid));
	ATF_CHECK_EQ(-E2BIG, idmap_parse_ul(s341, "idmap", uid, gid, &d));
	CHECK_MSG_HAS(&d, "340");
	free(s340);
	free(s341);
	free(uid);
	free(gid);
}

/* -------------------------------------------------------- idmap_validate */

#define FAILS_ANYHOW 1	/* a validate_row's err: any error will do */

struct validate_row {
	size_t n;
	struct idmap_extent ext[3];	/* the map, built by hand */
	const char *name;		/* "uid" or "gid" */
	int err;			/* 0, an errno or FAILS_ANYHOW */
	const char *has[5];		/* the message contains these */
	const char *lacks;		/* and not this */
};

static void check_validate(const struct validate_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct validate_row *r = &rows[i];
		struct idmap_map *m = new_map();
		struct diag d = { "" };
		char row[256];
		int off, ret;

		off = snprintf(row, sizeof(row), "%s map [", r->name);
		for (size_t k = 0; k < r->n; k++) {
			const struct idmap_extent *e = &r->ext[k];

			add(m, e->inner, e->outer, e->count);
			off += snprintf(row + off, sizeof(row) - (size_t)off,
					"%s%u:%u:%u", k ? "," : "", e->inner,
					e->outer, e->count);
		}
		snprintf(row + off, sizeof(row) - (size_t)off, "]");
		ret = idmap_validate(m, r->name, &d);
		if (r->err == FAILS_ANYHOW)
			ATF_CHECK_MSG(ret < 0, "%s validated", row);
		else
			ATF_CHECK_EQ_MSG(-r->err, ret, "%s: %s", row, d.msg);
		CHECK_ROW_MSG_HAS_ALL(row, &d, r->has);
		if (r->lacks)
			ATF_CHECK_MSG(strstr(d.msg, r->lacks) == NULL,
				      "%s: message \"%s\" contains \"%s\"",
				      row, d.msg, r->lacks);
		free(m);
	}
}

ATF_TC_WITHOUT_HEAD(validate_ok);
ATF_TC_BODY(validate_ok, tc)
{
	static const struct validate_row rows[] = {
		{ .n = 0, .name = "uid" },	/* empty */
		{ 1, { { 0, 100000, 65536 } }, .name = "uid" },
		{ 3, { { 0, 100000, 65536 }, { 65536, 0, 1 },
		       { 4294967200u, 4294967200u, 95 } }, .name = "uid" },
	};

	(void)tc;
	check_validate(rows, N_ROWS(rows));
}

ATF_TC_WITHOUT_HEAD(validate_overlap_inner);
ATF_TC_BODY(validate_overlap_inner, tc)
{
	static const struct validate_row rows[] = {
		{ 2, { { 0, 1000, 10 }, { 5, 2000, 10 } }, "uid", EINVAL,
		  { "uid map", "INNER", "\"0:1000:10\"", "\"5:2000:10\"",
		    "overlap" }, "OUTER" },
		/* The last id of one extent is the first of another. */
		{ 3, { { 100, 0, 10 }, { 300, 50, 1 }, { 109, 1000, 1 } },
		  "gid", EINVAL,
		  { "gid map", "INNER", "\"100:0:10\"", "\"109:1000:1\"" },
		  NULL },
		/* Near the top of the id space: no 32-bit wrap in the check. */
		{ 2, { { 4294967000u, 0, 295 }, { 4294967294u, 1000, 1 } },
		  "uid", EINVAL, { "INNER" }, NULL },
	};

	(void)tc;
	check_validate(rows, N_ROWS(rows));
}

ATF_TC_WITHOUT_HEAD(validate_overlap_outer);
ATF_TC_BODY(validate_overlap_outer, tc)
{
	static const struct validate_row rows[] = {
		{ 2, { { 0, 1000, 10 }, { 100, 1009, 1 } }, "gid", EINVAL,
		  { "gid map", "OUTER", "\"0:1000:10\"", "\"100:1009:1\"",
		    "overlap" }, "INNER" },
		/* A large extent swallowing a small one. */
		{ 2, { { 0, 500, 1 }, { 1, 0, 65536 } }, "uid", EINVAL,
		  { "OUTER", "\"0:500:1\"", "\"1:0:65536\"" }, NULL },
	};

	(void)tc;
	check_validate(rows, N_ROWS(rows));
}

ATF_TC_WITHOUT_HEAD(validate_adjacent);
ATF_TC_BODY(validate_adjacent, tc)
{
	static const struct validate_row rows[] = {
		{ 2, { { 0, 1000, 10 }, { 10, 1010, 10 } }, .name = "uid" },
		{ 3, { { 10, 1010, 10 }, { 0, 1000, 10 }, { 20, 990, 10 } },
		  .name = "uid" },
	};

	(void)tc;
	check_validate(rows, N_ROWS(rows));
}

ATF_TC_WITHOUT_HEAD(validate_identical);
ATF_TC_BODY(validate_identical, tc)
{
	static const struct validate_row rows[] = {
		{ 2, { { 5, 6, 1 }, { 5, 6, 1 } }, "uid", EINVAL,
		  { "\"5:6:1\"", "overlap" }, NULL },
	};

	(void)tc;
	check_validate(rows, N_ROWS(rows));
}

ATF_TC_WITHOUT_HEAD(validate_max_extents);
ATF_TC_BODY(validate_max_extents, tc)
{
	struct idmap_map *m = new_map();
	struct diag d = { "" };

	(void)tc;
	for (uint32_t i = 0; i < IDMAP_MAX_EXTENTS; i++)
		add(m, i, i, 1);
	ATF_CHECK_EQ_MSG(0, idmap_validate(m, "uid", &d), "%s", d.msg);

	/* A count past the limit is caught before any extent is read. */
	m->n = IDMAP_MAX_EXTENTS + 1;
	ATF_CHECK_EQ(-E2BIG, idmap_validate(m, "gid", &d));
	CHECK_MSG_HAS(&d, "gid");
	CHECK_MSG_HAS(&d, "341");
	CHECK_MSG_HAS(&d, "340");
	free(m);
}

ATF_TC_WITHOUT_HEAD(validate_text_too_long);
ATF_TC_BODY(validate_text_too_long, tc)
{
	struct idmap_map *m = new_map();
	struct diag d = { "" };

	(void)tc;
	/* 340 lines of "4000000000 4000000000 1\n": 8160 bytes. */
	for (uint32_t i = 0; i < IDMAP_MAX_EXTENTS; i++)
		add(m, 4000000000u + i, 4000000000u + i, 1);
	ATF_CHECK_EQ(-E2BIG, idmap_validate(m, "gid", &d));
	CHECK_MSG_HAS(&d, "gid map");
	CHECK_MSG_HAS(&d, "one write");
	CHECK_MSG_HAS(&d, "4095");
	free(m);
}

ATF_TC_WITHOUT_HEAD(validate_text_boundary);
ATF_TC_BODY(validate_text_boundary, tc)
{
	struct idmap_map *m = new_map();
	struct diag d = { "" };
	char *buf = malloc(8192);

	(void)tc;
	ATF_REQUIRE(buf != NULL);
	/* 170 lines of 24 bytes = 4080, plus one of 15: exactly 4095. */
	for (uint32_t i = 0; i < 170; i++)
		add(m, 1000000000u + i, 1000000000u + i, 1);
	add(m, 1, 2000000000u, 1);
	ATF_REQUIRE_EQ(4095, idmap_format(m, buf, 8192));
	ATF_CHECK_EQ_MSG(0, idmap_validate(m, "uid", &d), "%s", d.msg);

	/* One byte more: 4096. */
	m->ext[170].inner = 10;
	ATF_REQUIRE_EQ(4096, idmap_format(m, buf, 8192));
	ATF_CHECK_EQ(-E2BIG, idmap_validate(m, "uid", &d));
	CHECK_MSG_HAS(&d, "uid map");
	CHECK_MSG_HAS(&d, "4095");
	free(buf);
	free(m);
}

/* The header promises these kernel rules too: count >= 1 and no range
 * reaching id 4294967295, for maps built by hand as well as parsed. */
ATF_TC_WITHOUT_HEAD(validate_count_and_range);
ATF_TC_BODY(validate_count_and_range, tc)
{
	static const struct validate_row rows[] = {
		{ 1, { { 0, 0, 0 } }, "uid", FAILS_ANYHOW,
		  { "\"0:0:0\"" }, NULL },
		{ 1, { { 4294967295u, 0, 1 } }, "uid", FAILS_ANYHOW,
		  { "\"4294967295:0:1\"" }, NULL },
		{ 1, { { 0, 4294967200u, 96 } }, "uid", FAILS_ANYHOW,
		  { "\"0:4294967200:96\"" }, NULL },
	};

	(void)tc;
	check_validate(rows, N_ROWS(rows));
}

/* ---------------------------------------------------------- idmap_format */

struct format_row {
	size_t n;		/* the map: the case's first @n extents */
	size_t size;		/* the buffer's size */
	int ret;
	const char *text;	/* what it holds, when @ret >= 0 */
};

typedef int format_fn(const struct idmap_map *map, char *buf, size_t size);

static void check_format(format_fn *format, const char *fname,
			 const struct idmap_extent *ext,
			 const struct format_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct format_row *r = &rows[i];
		struct idmap_map *m = new_map();
		char buf[128], row[64];

		ATF_REQUIRE(r->size <= sizeof(buf));
		for (size_t k = 0; k < r->n; k++)
			add(m, ext[k].inner, ext[k].outer, ext[k].count);
		snprintf(row, sizeof(row), "%s of %zu extents, size %zu", fname,
			 r->n, r->size);
		memset(buf, 'x', sizeof(buf));
		ATF_CHECK_EQ_MSG(r->ret, format(m, buf, r->size), "%s", row);
		if (r->ret >= 0)
			ATF_CHECK_STREQ_MSG(r->text, buf, "%s", row);
		free(m);
	}
}

#define CHECK_FORMAT(format, ext, rows)                                    \
	check_format(format, #format, ext, rows, N_ROWS(rows))

static const struct idmap_extent three_ext[] = {
	{ 0, 1000, 1 }, { 5, 6, 7 }, { 4294967294u, 0, 1 },
};

ATF_TC_WITHOUT_HEAD(format_text);
ATF_TC_BODY(format_text, tc)
{
	static const struct format_row rows[] = {
		{ 0, 128, 0, "" },
		{ 2, 128, 15, "0 1000 1\n5 6 7\n" },
		{ 3, 128, 30, "0 1000 1\n5 6 7\n4294967294 0 1\n" },
	};

	(void)tc;
	CHECK_FORMAT(idmap_format, three_ext, rows);
}

ATF_TC_WITHOUT_HEAD(format_option);
ATF_TC_BODY(format_option, tc)
{
	static const struct format_row rows[] = {
		{ 0, 128, 0, "" },
		{ 1, 128, 8, "0:1000:1" },
		{ 2, 128, 14, "0:1000:1,5:6:7" },
	};

	(void)tc;
	CHECK_FORMAT(idmap_format_option, three_ext, rows);
}

ATF_TC_WITHOUT_HEAD(format_round_trip);
ATF_TC_BODY(format_round_trip, tc)
{
	struct idmap_map *m = new_map(), *back = new_map();
	struct diag d = { "" };
	size_t size = 16384;
	char *buf = malloc(size);
	int len;

	(void)tc;
	ATF_REQUIRE(buf != NULL);
	add(m, 0, 100000, 65536);
	add(m, 65536, 0, 1);
	add(m, 4294967294u, 4294967293u, 1);
	add(m, 70000, 4294967200u, 95);
	add(m, 123, 456, 4294967295u - 456);
	len = idmap_format_option(m, buf, size);
	ATF_REQUIRE(len > 0);
	ATF_CHECK_EQ((size_t)len, strlen(buf));
	ATF_REQUIRE_EQ_MSG(0, idmap_parse_list(buf, "uidmap", IDMAP_UID, back, &d),
			   "\"%s\": %s", buf, d.msg);
	ATF_REQUIRE_EQ(m->n, back->n);
	for (size_t i = 0; i < m->n; i++)
		CHECK_EXT(back, i, m->ext[i].inner, m->ext[i].outer,
			  m->ext[i].count);

	/* A full map of large numbers. */
	memset(m, 0, sizeof(*m));
	memset(back, 0, sizeof(*back));
	for (uint32_t i = 0; i < IDMAP_MAX_EXTENTS; i++)
		add(m, 4000000000u + 7 * i, 3000000000u + 11 * i, 7);
	len = idmap_format_option(m, buf, size);
	ATF_REQUIRE(len > 0);
	ATF_REQUIRE_EQ_MSG(0, idmap_parse_list(buf, "uidmap", IDMAP_UID, back, &d),
			   "%s", d.msg);
	ATF_REQUIRE_EQ((size_t)IDMAP_MAX_EXTENTS, back->n);
	ATF_CHECK(memcmp(m->ext, back->ext, sizeof(m->ext)) == 0);
	free(buf);
	free(back);
	free(m);
}

ATF_TC_WITHOUT_HEAD(format_enospc);
ATF_TC_BODY(format_enospc, tc)
{
	static const struct format_row text[] = {
		{ 2, 0, -ENOSPC, NULL },
		{ 2, 1, -ENOSPC, NULL },
		{ 2, 4, -ENOSPC, NULL },
		/* The whole text but no room for the NUL. */
		{ 2, 15, -ENOSPC, NULL },
		{ 2, 16, 15, "0 1000 1\n5 6 7\n" },
	};
	static const struct format_row option[] = {
		{ 2, 0, -ENOSPC, NULL },
		{ 2, 3, -ENOSPC, NULL },
		{ 2, 14, -ENOSPC, NULL },
		{ 2, 15, 14, "0:1000:1,5:6:7" },
	};

	(void)tc;
	CHECK_FORMAT(idmap_format, three_ext, text);
	CHECK_FORMAT(idmap_format_option, three_ext, option);
}

/* -------------------------------------------------------- idmap_describe */

#define ARROW "\xe2\x86\x92" /* U+2192 in UTF-8 */

ATF_TC_WITHOUT_HEAD(describe);
ATF_TC_BODY(describe, tc)
{
	static const struct {
		struct idmap_extent ext;
		size_t size;
		const char *text;	/* in full: its length is returned */
		const char *shown;	/* what fits in @size */
	} rows[] = {
		{ { 0, 100000, 65536 }, 128,
		  "on-disk 0-65535 " ARROW " seen as 100000-165535", NULL },
		{ { 1000, 0, 1 }, 128,
		  "on-disk 1000 " ARROW " seen as 0", NULL },
		{ { 0, 0, 4294967295u }, 128,
		  "on-disk 0-4294967294 " ARROW " seen as 0-4294967294", NULL },
		/* snprintf semantics: truncated, the full length returned. */
		{ { 1000, 0, 1 }, 8, "on-disk 1000 " ARROW " seen as 0",
		  "on-disk" },
	};

	(void)tc;
	for (size_t i = 0; i < N_ROWS(rows); i++) {
		const struct idmap_extent *e = &rows[i].ext;
		const char *text = rows[i].text;
		const char *shown = rows[i].shown ? rows[i].shown : text;
		char buf[128], row[64];

		snprintf(row, sizeof(row), "extent %u:%u:%u, size %zu",
			 e->inner, e->outer, e->count, rows[i].size);
		ATF_CHECK_EQ_MSG((int)strlen(text),
				 idmap_describe(e, buf, rows[i].size), "%s", row);
		ATF_CHECK_STREQ_MSG(shown, buf, "%s", row);
	}
}

ATF_TC_WITHOUT_HEAD(normalize_sorts_and_merges);
ATF_TC_BODY(normalize_sorts_and_merges, tc)
{
	struct idmap_map *m = new_map();

	(void)tc;
	add(m, 10, 110, 5);
	add(m, 5, 105, 5);	/* continues into 10:110 on both sides */
	add(m, 0, 100, 5);
	add(m, 20, 200, 1);	/* follows 15:300:5 on INNER only */
	add(m, 15, 300, 5);	/* follows 0:100:15 on INNER only */
	idmap_normalize(m);
	ATF_REQUIRE_EQ(3, m->n);
	CHECK_EXT(m, 0, 0, 100, 15);
	CHECK_EXT(m, 1, 15, 300, 5);
	CHECK_EXT(m, 2, 20, 200, 1);
	free(m);
}

ATF_TC_WITHOUT_HEAD(normalize_limits);
ATF_TC_BODY(normalize_limits, tc)
{
	struct idmap_map *m = new_map();

	(void)tc;
	/* An empty map stays empty; the last valid ids merge up to the top. */
	idmap_normalize(m);
	ATF_CHECK_EQ(0, m->n);
	add(m, 4294967290u, 4294967290u, 5);
	add(m, 0, 0, 4294967290u);
	idmap_normalize(m);
	ATF_REQUIRE_EQ(1, m->n);
	CHECK_EXT(m, 0, 0, 0, 4294967295u);
	free(m);
}

/* ------------------------------------------------------------ idmap_same */

struct same_row {
	const char *a, *b;	/* two maps, as uidmap= text */
	bool same;		/* what idmap_same() says, both ways round */
};

static void check_same(const struct same_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *a = rows[i].a, *b = rows[i].b;
		struct idmap_map *ma = new_map(), *mb = new_map();
		struct diag d = { "" };

		ATF_REQUIRE_EQ_MSG(0, idmap_parse_list(a, "uidmap", IDMAP_UID,
						       ma, &d),
				   "%s: %s", a, d.msg);
		ATF_REQUIRE_EQ_MSG(0, idmap_parse_list(b, "uidmap", IDMAP_UID,
						       mb, &d),
				   "%s: %s", b, d.msg);
		ATF_CHECK_EQ_MSG(rows[i].same, idmap_same(ma, mb),
				 "\"%s\" vs \"%s\"", a, b);
		ATF_CHECK_EQ_MSG(rows[i].same, idmap_same(mb, ma),
				 "\"%s\" vs \"%s\"", b, a);
		free(ma);
		free(mb);
	}
}

ATF_TC_WITHOUT_HEAD(same_order);
ATF_TC_BODY(same_order, tc)
{
	static const struct same_row rows[] = {
		{ "1000:0:1,0:5000:1", "0:5000:1,1000:0:1", true },
		{ "1000:0:1,0:5000:1", "1000:0:1 0:5000:1", true },
	};

	(void)tc;
	check_same(rows, N_ROWS(rows));
}

ATF_TC_WITHOUT_HEAD(same_split);
ATF_TC_BODY(same_split, tc)
{
	static const struct same_row rows[] = {
		{ "0:100:10", "0:100:5,5:105:5", true },
		{ "0:100:10", "5:105:5,0:100:3,3:103:2", true },
		{ "0:100:10,10:0:1", "10:0:1,0:100:1,1:101:9", true },
	};

	(void)tc;
	check_same(rows, N_ROWS(rows));
}

/* 7 extents, in order and shuffled: as the kernel gives back a map of 6 or
 * more, sorted by INNER. */
ATF_TC_WITHOUT_HEAD(same_many_extents);
ATF_TC_BODY(same_many_extents, tc)
{
	static const struct same_row rows[] = {
		{ "0:1000:1,1:1001:1,2:1002:1,3:1003:1,4:1004:1,5:1005:1,6:1006:1",
		  "6:1006:1,2:1002:1,0:1000:1,5:1005:1,1:1001:1,4:1004:1,3:1003:1",
		  true },
		{ "60:6:1,0:0:1,50:5:1,10:1:1,40:4:1,20:2:1,30:3:1",
		  "0:0:1,10:1:1,20:2:1,30:3:1,40:4:1,50:5:1,60:6:1", true },
		{ "0:1000:7",
		  "0:1000:1,1:1001:1,2:1002:1,3:1003:1,4:1004:1,5:1005:1,6:1006:1",
		  true },
	};

	(void)tc;
	check_same(rows, N_ROWS(rows));
}

ATF_TC_WITHOUT_HEAD(same_different);
ATF_TC_BODY(same_different, tc)
{
	static const struct same_row rows[] = {
		{ "1000:0:1", "1000:5:1", false },	/* OUTER */
		{ "1000:0:1", "1001:0:1", false },	/* INNER */
		{ "0:100:10", "0:100:9", false },	/* COUNT */
		{ "0:100:10", "0:100:5,6:106:4", false }, /* a hole */
		{ "0:100:5,5:200:5", "0:100:10", false }, /* OUTER jumps */
		{ "0:100:1,1:101:1", "0:100:1", false },
		{ "60:6:1,0:0:1,50:5:1,10:1:1,40:4:1,20:2:1,30:3:1",
		  "0:0:1,10:1:1,20:2:1,30:3:1,40:4:1,50:5:1,60:7:1", false },
	};

	(void)tc;
	check_same(rows, N_ROWS(rows));
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, parse_u32_valid);
	ATF_TP_ADD_TC(tp, parse_u32_out_of_range);
	ATF_TP_ADD_TC(tp, parse_u32_not_decimal);
	ATF_TP_ADD_TC(tp, list_single);
	ATF_TP_ADD_TC(tp, list_commas);
	ATF_TP_ADD_TC(tp, list_blanks);
	ATF_TP_ADD_TC(tp, list_blanks_around_commas);
	ATF_TP_ADD_TC(tp, list_accumulates);
	ATF_TP_ADD_TC(tp, list_empty_value);
	ATF_TP_ADD_TC(tp, list_empty_extent);
	ATF_TP_ADD_TC(tp, list_bad_shape);
	ATF_TP_ADD_TC(tp, list_count_zero);
	ATF_TP_ADD_TC(tp, list_range_limit);
	ATF_TP_ADD_TC(tp, list_max_extents);
	ATF_TP_ADD_TC(tp, ul_prefixes);
	ATF_TP_ADD_TC(tp, ul_mixed);
	ATF_TP_ADD_TC(tp, ul_bad_prefix);
	ATF_TP_ADD_TC(tp, ul_errors);
	ATF_TP_ADD_TC(tp, ul_max_extents);
	ATF_TP_ADD_TC(tp, validate_ok);
	ATF_TP_ADD_TC(tp, validate_overlap_inner);
	ATF_TP_ADD_TC(tp, validate_overlap_outer);
	ATF_TP_ADD_TC(tp, validate_adjacent);
	ATF_TP_ADD_TC(tp, validate_identical);
	ATF_TP_ADD_TC(tp, validate_max_extents);
	ATF_TP_ADD_TC(tp, validate_text_too_long);
	ATF_TP_ADD_TC(tp, validate_text_boundary);
	ATF_TP_ADD_TC(tp, validate_count_and_range);
	ATF_TP_ADD_TC(tp, format_text);
	ATF_TP_ADD_TC(tp, format_option);
	ATF_TP_ADD_TC(tp, format_round_trip);
	ATF_TP_ADD_TC(tp, format_enospc);
	ATF_TP_ADD_TC(tp, describe);
	ATF_TP_ADD_TC(tp, normalize_sorts_and_merges);
	ATF_TP_ADD_TC(tp, normalize_limits);
	ATF_TP_ADD_TC(tp, same_order);
	ATF_TP_ADD_TC(tp, same_split);
	ATF_TP_ADD_TC(tp, same_many_extents);
	ATF_TP_ADD_TC(tp, same_different);
	return atf_no_error();
}
