// SPDX-License-Identifier: Apache-2.0
/*
 * options.c: option names and option strings -> struct idmap_request.
 * Pure code, no privilege needed.
 */
#include "testlib.h"
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "caller.h"
#include "options.h"
#include "remount.h"

/* Exact attribute words. */
#define CHECK_ATTR(req, set, clr)                                          \
	do {                                                               \
		ATF_CHECK_EQ_MSG((uint64_t)(set), (req)->attr_set,         \
				 "attr_set 0x%llx",                        \
				 (unsigned long long)(req)->attr_set);     \
		ATF_CHECK_EQ_MSG((uint64_t)(clr), (req)->attr_clr,         \
				 "attr_clr 0x%llx",                        \
				 (unsigned long long)(req)->attr_clr);     \
	} while (0)

/* A request on the heap (it holds two full maps), initialised. */
static struct idmap_request *new_req(void)
{
	struct idmap_request *req = malloc(sizeof(*req));

	ATF_REQUIRE(req != NULL);
	options_init(req);
	return req;
}

static void free_req(struct idmap_request *req)
{
	options_free(req);
	ATF_CHECK(req->userns == NULL);
	free(req);
}

/* Parse @optstr into a fresh request; it must succeed. */
static struct idmap_request *parse_ok(const char *optstr)
{
	struct idmap_request *req = new_req();
	struct diag d = { "" };

	ATF_REQUIRE_EQ_MSG(0, options_parse(req, optstr, &d),
			   "options \"%s\": %s", optstr, d.msg);
	return req;
}

struct fail_row {
	const char *opts;
	int err;		/* options_parse() fails with it */
	const char *has[3];	/* and a message containing these */
};

/* Each row, parsed into a fresh request, fails as it says. */
static void check_fails(const struct fail_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct fail_row *r = &rows[i];
		struct idmap_request *req = new_req();
		struct diag d = { "" };
		char row[256];

		snprintf(row, sizeof(row), "options \"%s\"", r->opts);
		ATF_CHECK_EQ_MSG(-r->err, options_parse(req, r->opts, &d),
				 "%s: %s", row, d.msg);
		CHECK_ROW_MSG_HAS_ALL(row, &d, r->has);
		free_req(req);
	}
}

#define CHECK_FAILS(rows) check_fails(rows, N_ROWS(rows))

/* What options_parse() makes of @opts, in full. */
struct req_row {
	const char *opts;
	uint64_t set, clr;	/* attr_set, attr_clr */
	bool recursive;
	struct want_map uid, gid;
	const char *userns;
	bool complete;		/* and options_check() accepts it */
};

static void check_parses(const struct req_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct req_row *r = &rows[i];
		struct idmap_request *req = new_req();
		struct diag d = { "" };
		char row[256];

		snprintf(row, sizeof(row), "options \"%s\"", r->opts);
		ATF_CHECK_EQ_MSG(0, options_parse(req, r->opts, &d), "%s: %s",
				 row, d.msg);
		ATF_CHECK_EQ_MSG(r->set, req->attr_set, "%s: attr_set 0x%llx",
				 row, (unsigned long long)req->attr_set);
		ATF_CHECK_EQ_MSG(r->clr, req->attr_clr, "%s: attr_clr 0x%llx",
				 row, (unsigned long long)req->attr_clr);
		ATF_CHECK_EQ_MSG(r->set & MOUNT_ATTR__ATIME,
				 req->attr_set & MOUNT_ATTR__ATIME,
				 "%s: the atime field", row);
		ATF_CHECK_EQ_MSG(r->recursive, req->recursive, "%s: recursive",
				 row);
		check_map(row, "uid", &req->uid, &r->uid);
		check_map(row, "gid", &req->gid, &r->gid);
		if (r->userns)
			ATF_CHECK_MSG(req->userns &&
				      strcmp(r->userns, req->userns) == 0,
				      "%s: userns \"%s\"", row,
				      req->userns ? req->userns : "(none)");
		else
			ATF_CHECK_MSG(req->userns == NULL, "%s: userns \"%s\"",
				      row, req->userns);
		if (r->complete) {
			ATF_CHECK_MSG(options_have_mapping(req),
				      "%s: no mapping", row);
			ATF_CHECK_EQ_MSG(0, options_check(req, &d), "%s: %s",
					 row, d.msg);
		}
		free_req(req);
	}
}

#define CHECK_PARSES(rows) check_parses(rows, N_ROWS(rows))

/* Each row, parsed, has a whole mapping (@mapping) or not, and
 * options_check() then fails with @err (or 0) and a message holding @has. */
struct check_row {
	const char *opts;
	bool mapping;
	int err;
	const char *has[4];
};

static void check_checks(const struct check_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct check_row *r = &rows[i];
		struct idmap_request *req = new_req();
		struct diag d = { "" };
		char row[256];

		snprintf(row, sizeof(row), "options \"%s\"", r->opts);
		ATF_REQUIRE_EQ_MSG(0, options_parse(req, r->opts, &d),
				   "%s: %s", row, d.msg);
		ATF_CHECK_EQ_MSG(r->mapping, options_have_mapping(req),
				 "%s: options_have_mapping", row);
		ATF_CHECK_EQ_MSG(-r->err, options_check(req, &d), "%s: %s",
				 row, d.msg);
		CHECK_ROW_MSG_HAS_ALL(row, &d, r->has);
		free_req(req);
	}
}

#define CHECK_CHECKS(rows) check_checks(rows, N_ROWS(rows))

/* ----------------------------------------------------- options_classify */

static void check_kind(enum option_kind want, const char *const *names,
		       size_t n)
{
	for (size_t i = 0; i < n; i++)
		ATF_CHECK_EQ_MSG(want, options_classify(names[i], strlen(names[i])),
				 "options_classify(\"%s\")", names[i]);
}

#define CHECK_KIND(want, ...)                                              \
	do {                                                               \
		static const char *const names_[] = { __VA_ARGS__ };       \
		check_kind(want, names_, sizeof(names_) / sizeof(names_[0])); \
	} while (0)

ATF_TC_WITHOUT_HEAD(classify_own);
ATF_TC_BODY(classify_own, tc)
{
	(void)tc;
	CHECK_KIND(OPT_UIDMAP, "uidmap", "X-idmap.uidmap", "x-idmap.uidmap");
	CHECK_KIND(OPT_GIDMAP, "gidmap", "x-idmap.gidmap", "X-idmap.gidmap");
	CHECK_KIND(OPT_IDMAP, "idmap");
	CHECK_KIND(OPT_USERNS, "userns", "X-idmap.userns", "x-idmap.userns");
}

ATF_TC_WITHOUT_HEAD(classify_vfs);
ATF_TC_BODY(classify_vfs, tc)
{
	(void)tc;
	CHECK_KIND(OPT_VFS, "ro", "rw", "nosuid", "suid", "nodev", "dev",
		   "noexec", "exec", "noatime", "atime", "relatime",
		   "strictatime", "nodiratime", "diratime", "nosymfollow",
		   "symfollow");
}

ATF_TC_WITHOUT_HEAD(classify_bind);
ATF_TC_BODY(classify_bind, tc)
{
	(void)tc;
	CHECK_KIND(OPT_BIND, "bind", "rbind");
}

ATF_TC_WITHOUT_HEAD(classify_inert);
ATF_TC_BODY(classify_inert, tc)
{
	(void)tc;
	CHECK_KIND(OPT_INERT, "user", "users", "nouser", "owner", "group",
		   "defaults", "noauto", "auto", "_netdev", "nofail",
		   "comment", "x-foo", "X-bar");
}

ATF_TC_WITHOUT_HEAD(classify_fs);
ATF_TC_BODY(classify_fs, tc)
{
	(void)tc;
	CHECK_KIND(OPT_FS, "sync", "mand", "lazytime", "iversion");
}

ATF_TC_WITHOUT_HEAD(classify_refused);
ATF_TC_BODY(classify_refused, tc)
{
	(void)tc;
	CHECK_KIND(OPT_REFUSED, "loop", "offset", "private", "shared",
		   "runbindable");
}

ATF_TC_WITHOUT_HEAD(classify_remount);
ATF_TC_BODY(classify_remount, tc)
{
	struct idmap_request *req = new_req();
	struct diag d = { "" };

	(void)tc;
	CHECK_KIND(OPT_REMOUNT, "remount");
	ATF_REQUIRE_EQ(0, options_parse(req, "remount,ro", &d));
	ATF_CHECK(req->remount);
	ATF_CHECK_EQ(req->attr_set, (uint64_t)MOUNT_ATTR_RDONLY);
	free_req(req);
}

/* What mount -t idmap -o remount,ro DIR passes (util-linux 2.38): the
 * mount's own options back, idmapped and the filesystem's among them. */
ATF_TC_WITHOUT_HEAD(remount_passed_back);
ATF_TC_BODY(remount_passed_back, tc)
{
	struct idmap_request *req;

	(void)tc;
	CHECK_KIND(OPT_IDMAPPED, "idmapped");
	req = parse_ok("ro,nosuid,relatime,remount,idmapped,discard,resuid=65534");
	ATF_CHECK(req->remount);
	ATF_CHECK(req->whole_set);
	ATF_REQUIRE_EQ(2, req->nparams);
	ATF_CHECK_STREQ("discard", req->params[0].key);
	ATF_CHECK(req->params[0].value == NULL);
	ATF_CHECK_STREQ("resuid", req->params[1].key);
	ATF_CHECK_STREQ("65534", req->params[1].value);
	free_req(req);
	/* util-linux 2.41 puts remount after idmapped. */
	req = parse_ok("ro,idmapped,sync,remount");
	ATF_CHECK(req->whole_set);
	ATF_REQUIRE_EQ(1, req->nparams);
	ATF_CHECK_STREQ("sync", req->params[0].key);
	free_req(req);
	/* -s: the filesystem's options are ignored, not compared. */
	req = new_req();
	req->sloppy = true;
	ATF_REQUIRE_EQ(0, options_parse(req, "remount,size=1m,mand", &(struct diag){ "" }));
	ATF_CHECK_EQ(0, req->nparams);
	free_req(req);
}

ATF_TC_WITHOUT_HEAD(idmapped_not_by_hand);
ATF_TC_BODY(idmapped_not_by_hand, tc)
{
	static const struct fail_row rows[] = {
		{ "idmapped,uidmap=0:1:1,gidmap=0:1:1", EINVAL,
		  { "option \"idmapped\" cannot be given",
		    "give uidmap=/gidmap=, idmap= or userns=" } },
		{ "ro,idmapped", EINVAL, { "\"idmapped\"" } },
	};

	(void)tc;
	CHECK_FAILS(rows);
}

ATF_TC_WITHOUT_HEAD(classify_unknown);
ATF_TC_BODY(classify_unknown, tc)
{
	(void)tc;
	CHECK_KIND(OPT_UNKNOWN, "foo", "uidmapx", "uidma", "UIDMAP", "",
		   "X-idmap.idmap", "x-idmap.idmap");
}

/* Only [name, name+len) is looked at. */
ATF_TC_WITHOUT_HEAD(classify_uses_len);
ATF_TC_BODY(classify_uses_len, tc)
{
	static const struct {
		const char *name;
		size_t len;
		enum option_kind kind;
	} rows[] = {
		{ "uidmap=0:1:1", 6, OPT_UIDMAP },
		{ "ro,rw", 2, OPT_VFS },
		{ "uidmap", 5, OPT_UNKNOWN },
		{ "X-idmap.userns=/x", 14, OPT_USERNS },
	};

	(void)tc;
	for (size_t i = 0; i < N_ROWS(rows); i++)
		ATF_CHECK_EQ_MSG(rows[i].kind,
				 options_classify(rows[i].name, rows[i].len),
				 "options_classify(\"%s\", %zu)", rows[i].name,
				 rows[i].len);
}

/* ------------------------------------------------- VFS attribute options */

ATF_TC_WITHOUT_HEAD(parse_ro);
ATF_TC_BODY(parse_ro, tc)
{
	static const struct req_row rows[] = {
		{ "ro", .set = MOUNT_ATTR_RDONLY },
		{ "rw", .clr = MOUNT_ATTR_RDONLY },
	};

	(void)tc;
	CHECK_PARSES(rows);
}

ATF_TC_WITHOUT_HEAD(parse_ro_rw_last_wins);
ATF_TC_BODY(parse_ro_rw_last_wins, tc)
{
	static const struct req_row rows[] = {
		{ "ro,rw", .clr = MOUNT_ATTR_RDONLY },
		{ "rw,ro", .set = MOUNT_ATTR_RDONLY },
	};
	struct idmap_request *req;
	struct diag d = { "" };

	(void)tc;
	CHECK_PARSES(rows);

	/* Across calls too, as main() appends -r/-w last. */
	req = parse_ok("ro");
	ATF_REQUIRE_EQ(0, options_parse(req, "rw", &d));
	CHECK_ATTR(req, 0, MOUNT_ATTR_RDONLY);
	ATF_REQUIRE_EQ(0, options_parse(req, "ro", &d));
	CHECK_ATTR(req, MOUNT_ATTR_RDONLY, 0);
	free_req(req);
}

ATF_TC_WITHOUT_HEAD(parse_flag_attrs);
ATF_TC_BODY(parse_flag_attrs, tc)
{
	static const struct req_row rows[] = {
		{ "nosuid,nodev,noexec,nodiratime,nosymfollow",
		  .set = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
			 MOUNT_ATTR_NOEXEC | MOUNT_ATTR_NODIRATIME |
			 MOUNT_ATTR_NOSYMFOLLOW },
		{ "suid,dev,exec,diratime,symfollow",
		  .clr = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
			 MOUNT_ATTR_NOEXEC | MOUNT_ATTR_NODIRATIME |
			 MOUNT_ATTR_NOSYMFOLLOW },
		{ "nosuid,suid,nodev", .set = MOUNT_ATTR_NODEV,
		  .clr = MOUNT_ATTR_NOSUID },
	};

	(void)tc;
	CHECK_PARSES(rows);
}

ATF_TC_WITHOUT_HEAD(parse_nosymfollow);
ATF_TC_BODY(parse_nosymfollow, tc)
{
	static const struct req_row rows[] = {
		{ "nosymfollow", .set = MOUNT_ATTR_NOSYMFOLLOW },
		{ "nosymfollow,symfollow", .clr = MOUNT_ATTR_NOSYMFOLLOW },
	};

	(void)tc;
	CHECK_PARSES(rows);
}

ATF_TC_WITHOUT_HEAD(parse_atime_last_wins);
ATF_TC_BODY(parse_atime_last_wins, tc)
{
	static const struct req_row rows[] = {
		{ "noatime,relatime", .set = MOUNT_ATTR_RELATIME,
		  .clr = MOUNT_ATTR__ATIME },
		{ "relatime,noatime", .set = MOUNT_ATTR_NOATIME,
		  .clr = MOUNT_ATTR__ATIME },
		{ "noatime", .set = MOUNT_ATTR_NOATIME,
		  .clr = MOUNT_ATTR__ATIME },
		{ "noatime,strictatime", .set = MOUNT_ATTR_STRICTATIME,
		  .clr = MOUNT_ATTR__ATIME },
		/* "atime" undoes noatime: back to relatime, the kernel
		 * default. */
		{ "noatime,atime", .set = MOUNT_ATTR_RELATIME,
		  .clr = MOUNT_ATTR__ATIME },
		/* nodiratime is a separate bit, not part of the atime
		 * field. */
		{ "nodiratime,strictatime,noatime,ro",
		  .set = MOUNT_ATTR_NODIRATIME | MOUNT_ATTR_NOATIME |
			 MOUNT_ATTR_RDONLY,
		  .clr = MOUNT_ATTR__ATIME },
	};

	(void)tc;
	CHECK_PARSES(rows);
}

/* ----------------------------------------------------------- bind, rbind */

ATF_TC_WITHOUT_HEAD(parse_bind);
ATF_TC_BODY(parse_bind, tc)
{
	static const struct req_row rows[] = {
		{ .opts = "bind" },
		{ "rbind", .recursive = true },
		{ "bind,rbind,bind", .recursive = true },
	};

	(void)tc;
	CHECK_PARSES(rows);
}

/* ------------------------------------------------------------------ maps */

ATF_TC_WITHOUT_HEAD(parse_maps);
ATF_TC_BODY(parse_maps, tc)
{
	static const struct req_row rows[] = {
		{ "uidmap=0:100000:65536,gidmap=0:200000:10",
		  .uid = { 1, { { 0, 100000, 65536 } } },
		  .gid = { 1, { { 0, 200000, 10 } } } },
	};

	(void)tc;
	CHECK_PARSES(rows);
}

ATF_TC_WITHOUT_HEAD(parse_quoted_value);
ATF_TC_BODY(parse_quoted_value, tc)
{
	static const struct req_row rows[] = {
		{ "uidmap=\"0:1:1,5:6:1\",ro", .set = MOUNT_ATTR_RDONLY,
		  .uid = { 2, { { 0, 1, 1 }, { 5, 6, 1 } } } },
		/* A blank inside quotes, util-linux syntax. */
		{ "idmap=\"u:0:1:1 g:0:2:1\"", .uid = { 1, { { 0, 1, 1 } } },
		  .gid = { 1, { { 0, 2, 1 } } } },
	};

	(void)tc;
	CHECK_PARSES(rows);
}

ATF_TC_WITHOUT_HEAD(parse_map_accumulates);
ATF_TC_BODY(parse_map_accumulates, tc)
{
	struct idmap_request *req = parse_ok("uidmap=0:1:1,uidmap=5:6:1");
	struct diag d = { "" };

	(void)tc;
	ATF_REQUIRE_EQ((size_t)2, req->uid.n);
	CHECK_EXT(&req->uid, 0, 0, 1, 1);
	CHECK_EXT(&req->uid, 1, 5, 6, 1);

	/* And across option strings. */
	ATF_REQUIRE_EQ_MSG(0, options_parse(req, "uidmap=9:9:1,gidmap=1:2:3", &d),
			   "%s", d.msg);
	ATF_REQUIRE_EQ((size_t)3, req->uid.n);
	CHECK_EXT(&req->uid, 2, 9, 9, 1);
	ATF_REQUIRE_EQ((size_t)1, req->gid.n);
	CHECK_EXT(&req->gid, 0, 1, 2, 3);
	free_req(req);
}

ATF_TC_WITHOUT_HEAD(parse_idmap_ul);
ATF_TC_BODY(parse_idmap_ul, tc)
{
	static const struct req_row rows[] = {
		{ "idmap=b:0:100000:65536",
		  .uid = { 1, { { 0, 100000, 65536 } } },
		  .gid = { 1, { { 0, 100000, 65536 } } }, .complete = true },
	};

	(void)tc;
	CHECK_PARSES(rows);
}

ATF_TC_WITHOUT_HEAD(parse_x_idmap_spellings);
ATF_TC_BODY(parse_x_idmap_spellings, tc)
{
	static const struct req_row rows[] = {
		{ "X-idmap.uidmap=0:1:1,x-idmap.gidmap=0:2:1",
		  .uid = { 1, { { 0, 1, 1 } } }, .gid = { 1, { { 0, 2, 1 } } },
		  .complete = true },
		/* X-idmap.uidmap is uidmap: it accumulates with it. */
		{ "uidmap=0:1:1,X-idmap.uidmap=5:6:1",
		  .uid = { 2, { { 0, 1, 1 }, { 5, 6, 1 } } } },
		{ "X-idmap.userns=/proc/self/ns/user",
		  .userns = "/proc/self/ns/user" },
	};

	(void)tc;
	CHECK_PARSES(rows);
}

ATF_TC_WITHOUT_HEAD(parse_map_errors);
ATF_TC_BODY(parse_map_errors, tc)
{
	static const struct fail_row rows[] = {
		{ "uidmap=0:1", EINVAL, { "uidmap", "\"0:1\"" } },
		{ "gidmap=0:1:0", EINVAL, { "gidmap", "at least 1" } },
		{ "uidmap=\"0:1:1,,2:3:1\"", EINVAL,
		  { "\"0:1:1,,2:3:1\"", "empty extent" } },
		{ "uidmap=", EINVAL, { "uidmap", "no extent" } },
		{ "uidmap=\"\"", EINVAL, { "uidmap", "no extent" } },
		{ "idmap=x:0:1:1", EINVAL, { "idmap", "\"x:0:1:1\"" } },
		{ "idmap=proc/self/ns/user", EINVAL,
		  { "idmap", "\"proc/self/ns/user\"" } },
		{ "gidmap=4294967295:0:1", ERANGE,
		  { "gidmap", "\"4294967295:0:1\"" } },
	};

	(void)tc;
	CHECK_FAILS(rows);
}

/* "0:0:1,1:1:1,..." with @n extents. */
static char *many_extents(const char *prefix, size_t n)
{
	size_t size = strlen(prefix) + n * 24 + 1, off;
	char *s = malloc(size);

	ATF_REQUIRE(s != NULL);
	off = (size_t)snprintf(s, size, "%s", prefix);
	for (size_t i = 0; i < n; i++) {
		int w = snprintf(s + off, size - off, "%s%zu:%zu:1",
				 i ? "," : "", i, i);

		ATF_REQUIRE(w > 0 && (size_t)w < size - off);
		off += (size_t)w;
	}
	return s;
}

ATF_TC_WITHOUT_HEAD(parse_map_too_many);
ATF_TC_BODY(parse_map_too_many, tc)
{
	char *u340 = many_extents("uidmap=\"", IDMAP_MAX_EXTENTS);
	char *g341 = many_extents("gidmap=\"", IDMAP_MAX_EXTENTS + 1);
	struct idmap_request *req = new_req();
	struct diag d = { "" };
	size_t len;

	(void)tc;
	len = strlen(u340);
	u340 = realloc(u340, len + 2);
	ATF_REQUIRE(u340 != NULL);
	strcpy(u340 + len, "\"");
	len = strlen(g341);
	g341 = realloc(g341, len + 2);
	ATF_REQUIRE(g341 != NULL);
	strcpy(g341 + len, "\"");

	ATF_CHECK_EQ_MSG(0, options_parse(req, u340, &d), "%s", d.msg);
	ATF_CHECK_EQ((size_t)IDMAP_MAX_EXTENTS, req->uid.n);

	ATF_CHECK_EQ(-E2BIG, options_parse(req, g341, &d));
	CHECK_MSG_HAS(&d, "gidmap");
	CHECK_MSG_HAS(&d, "340");
	/* The full map is the gid map, not the uid map. */
	ATF_CHECK_MSG(strstr(d.msg, "uid map") == NULL,
		      "gidmap= overflow blamed on the uid map: \"%s\"", d.msg);
	free(u340);
	free(g341);
	free_req(req);
}

/* --------------------------------------------------------------- userns */

ATF_TC_WITHOUT_HEAD(parse_idmap_path);
ATF_TC_BODY(parse_idmap_path, tc)
{
	static const struct req_row rows[] = {
		{ "idmap=/proc/self/ns/user", .userns = "/proc/self/ns/user",
		  .complete = true },
	};

	(void)tc;
	CHECK_PARSES(rows);
}

ATF_TC_WITHOUT_HEAD(parse_userns);
ATF_TC_BODY(parse_userns, tc)
{
	struct idmap_request *req = parse_ok("userns=/proc/1234/ns/user");
	struct diag d = { "" };

	(void)tc;
	ATF_REQUIRE(req->userns != NULL);
	ATF_CHECK_STREQ("/proc/1234/ns/user", req->userns);
	/* The same path again is no conflict. */
	ATF_CHECK_EQ_MSG(0, options_parse(req, "idmap=/proc/1234/ns/user,userns=/proc/1234/ns/user",
					  &d), "%s", d.msg);
	ATF_CHECK_STREQ("/proc/1234/ns/user", req->userns);
	free_req(req);

	req = parse_ok("userns=\"/run/ns/a b\"");
	ATF_REQUIRE(req->userns != NULL);
	ATF_CHECK_STREQ("/run/ns/a b", req->userns);
	free_req(req);
}

ATF_TC_WITHOUT_HEAD(parse_userns_relative);
ATF_TC_BODY(parse_userns_relative, tc)
{
	static const struct fail_row rows[] = {
		{ "X-idmap.userns=ns", EINVAL, { "\"ns\"", "absolute path" } },
	};
	struct idmap_request *req = new_req();
	struct diag d = { "" };

	(void)tc;
	ATF_CHECK_EQ(-EINVAL, options_parse(req, "userns=proc/1/ns/user", &d));
	CHECK_MSG_HAS(&d, "\"proc/1/ns/user\"");
	CHECK_MSG_HAS(&d, "absolute path");
	ATF_CHECK(req->userns == NULL);
	free_req(req);

	CHECK_FAILS(rows);
}

ATF_TC_WITHOUT_HEAD(parse_userns_twice);
ATF_TC_BODY(parse_userns_twice, tc)
{
	static const struct fail_row rows[] = {
		{ "userns=/proc/1/ns/user,userns=/proc/2/ns/user", EINVAL,
		  { "\"/proc/1/ns/user\"", "\"/proc/2/ns/user\"",
		    "only one" } },
		/* idmap=/PATH is a user namespace as well. */
		{ "idmap=/a,userns=/b", EINVAL, { "only one" } },
	};

	(void)tc;
	CHECK_FAILS(rows);
}

/* ------------------------------------------------------- options_check */

ATF_TC_WITHOUT_HEAD(check_ok);
ATF_TC_BODY(check_ok, tc)
{
	static const struct check_row rows[] = {
		{ "uidmap=0:1:1,gidmap=0:1:1", true, 0, { NULL } },
		{ "userns=/proc/self/ns/user,ro", true, 0, { NULL } },
	};

	(void)tc;
	CHECK_CHECKS(rows);
}

ATF_TC_WITHOUT_HEAD(check_maps_and_userns);
ATF_TC_BODY(check_maps_and_userns, tc)
{
	static const struct check_row rows[] = {
		{ "uidmap=0:1:1,gidmap=0:1:1,userns=/proc/self/ns/user", true,
		  EINVAL, { "\"/proc/self/ns/user\"", "not both" } },
		/* One map is enough to conflict. */
		{ "idmap=/proc/self/ns/user,gidmap=0:1:1", true, EINVAL,
		  { "\"/proc/self/ns/user\"", "not both" } },
	};

	(void)tc;
	CHECK_CHECKS(rows);
}

ATF_TC_WITHOUT_HEAD(check_one_map_missing);
ATF_TC_BODY(check_one_map_missing, tc)
{
	/* One map alone is not a complete mapping. */
	static const struct check_row rows[] = {
		{ "uidmap=0:1:1", false, EINVAL,
		  { "no gid map", "gidmap=", "idmap=b:" } },
		{ "gidmap=0:1:1", false, EINVAL,
		  { "no uid map", "uidmap=", "idmap=b:" } },
		{ "idmap=u:0:1:1", false, EINVAL, { "no gid map" } },
	};

	(void)tc;
	CHECK_CHECKS(rows);
}

ATF_TC_WITHOUT_HEAD(check_no_mapping);
ATF_TC_BODY(check_no_mapping, tc)
{
	static const struct check_row rows[] = {
		{ "ro,nosuid,bind", false, EINVAL,
		  { "no mapping", "uidmap=", "X-" } },
		{ "", false, EINVAL, { "uidmap=" } },
	};

	(void)tc;
	CHECK_CHECKS(rows);
}

ATF_TC_WITHOUT_HEAD(check_validates_maps);
ATF_TC_BODY(check_validates_maps, tc)
{
	static const struct check_row rows[] = {
		{ "uidmap=\"0:1:10,5:100:1\",gidmap=0:1:1", true, EINVAL,
		  { "uid map", "\"0:1:10\"", "\"5:100:1\"", "overlap" } },
		{ "uidmap=0:1:1,gidmap=0:1:10 20:5:1", true, EINVAL,
		  { "gid map", "OUTER" } },
	};

	(void)tc;
	CHECK_CHECKS(rows);
}

/* ------------------------------------------------- rejected and ignored */

ATF_TC_WITHOUT_HEAD(parse_unknown);
ATF_TC_BODY(parse_unknown, tc)
{
	static const struct fail_row rows[] = {
		{ "ro,foo=1,nosuid", EINVAL,
		  { "unknown option \"foo\"", "-s" } },
		{ "uidmapx=0:1:1", EINVAL,
		  { "\"uidmapx\"", "unknown option" } },
		/* X-idmap.idmap= is no spelling of ours: it must not be
		 * swallowed as an inert X- comment, which would silently
		 * drop the mapping. */
		{ "X-idmap.idmap=b:0:1:1", EINVAL,
		  { "\"X-idmap.idmap\"", "unknown option" } },
	};

	(void)tc;
	CHECK_FAILS(rows);
}

/* An unquoted list: libmount splits it, the tail is a bare extent. */
ATF_TC_WITHOUT_HEAD(parse_unquoted_list);
ATF_TC_BODY(parse_unquoted_list, tc)
{
	static const struct fail_row rows[] = {
		{ "uidmap=0:1:1,5:6:1", EINVAL,
		  { "\"5:6:1\"", "must be quoted" } },
		{ "idmap=u:0:1:1,g:0:2:1", EINVAL,
		  { "\"g:0:2:1\"", "must be quoted" } },
		/* Not an extent: the plain unknown-option message. */
		{ "uidmap=0:1:1,5:6", EINVAL, { "\"5:6\"", "unknown option" } },
	};

	(void)tc;
	CHECK_FAILS(rows);
}

ATF_TC_WITHOUT_HEAD(parse_sloppy);
ATF_TC_BODY(parse_sloppy, tc)
{
	struct idmap_request *req = new_req();
	struct diag d = { "" };

	(void)tc;
	req->sloppy = true;
	ATF_CHECK_EQ_MSG(0, options_parse(req, "foo,ro,bar=baz,uidmap=0:1:1", &d),
			 "%s", d.msg);
	CHECK_ATTR(req, MOUNT_ATTR_RDONLY, 0);
	ATF_REQUIRE_EQ((size_t)1, req->uid.n);
	CHECK_EXT(&req->uid, 0, 0, 1, 1);
	/* Sloppy is about unknown names, not about bad values. */
	ATF_CHECK_EQ(-EINVAL, options_parse(req, "gidmap=0:1", &d));
	free_req(req);
}

ATF_TC_WITHOUT_HEAD(parse_fs_and_refused);
ATF_TC_BODY(parse_fs_and_refused, tc)
{
	static const struct fail_row rows[] = {
		{ "sync", EINVAL, { "\"sync\"", "filesystem option" } },
		{ "lazytime", EINVAL, { "\"lazytime\"", "filesystem option" } },
		{ "loop", EINVAL, { "\"loop\"", "no meaning" } },
		{ "offset=512", EINVAL, { "\"offset\"", "no meaning" } },
		{ "shared", EINVAL, { "\"shared\"", "no meaning" } },
	};

	(void)tc;
	CHECK_FAILS(rows);
}

ATF_TC_WITHOUT_HEAD(parse_unbalanced_quote);
ATF_TC_BODY(parse_unbalanced_quote, tc)
{
	static const struct fail_row rows[] = {
		{ "uidmap=\"0:1:1,gidmap=0:1:1", EINVAL,
		  { "\"uidmap=\"0:1:1,gidmap=0:1:1\"", "unbalanced quote" } },
		{ "ro,comment=\"x", EINVAL, { "\"ro,comment=\"x\"", "quote" } },
	};

	(void)tc;
	CHECK_FAILS(rows);
}

ATF_TC_WITHOUT_HEAD(parse_missing_value);
ATF_TC_BODY(parse_missing_value, tc)
{
	static const struct fail_row rows[] = {
		{ "uidmap", EINVAL,
		  { "\"uidmap\"", "uidmap=INNER:OUTER:COUNT" } },
		{ "ro,gidmap", EINVAL, { "\"gidmap\"", "needs a value" } },
		{ "X-idmap.uidmap", EINVAL,
		  { "\"X-idmap.uidmap\"", "needs a value" } },
		{ "userns", EINVAL,
		  { "\"userns\"", "userns=/proc/PID/ns/user" } },
		{ "idmap", EINVAL,
		  { "\"idmap\"", "idmap=b:INNER:OUTER:COUNT" } },
	};

	(void)tc;
	CHECK_FAILS(rows);
}

ATF_TC_WITHOUT_HEAD(parse_inert_grants_nothing);
ATF_TC_BODY(parse_inert_grants_nothing, tc)
{
	static const struct req_row rows[] = {
		{ .opts = "user" }, { .opts = "user=joe" }, { .opts = "users" },
		{ .opts = "nouser" }, { .opts = "owner" }, { .opts = "group" },
		{ .opts = "defaults" }, { .opts = "noauto" },
		{ .opts = "auto" }, { .opts = "_netdev" }, { .opts = "nofail" },
		{ .opts = "comment=fstab" }, { .opts = "x-foo" },
		{ .opts = "X-bar=1" },
		{ .opts = "user,owner,group,users,defaults,nofail" },
		/* Nor do they undo what other options set. */
		{ "ro,nosuid,user,owner,group",
		  .set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID },
	};

	(void)tc;
	CHECK_PARSES(rows);
}

/* util-linux's X-mount.idmap= is idmap=: its syntax, or a path. */
ATF_TC_WITHOUT_HEAD(parse_x_mount_idmap);
ATF_TC_BODY(parse_x_mount_idmap, tc)
{
	static const struct req_row rows[] = {
		{ "X-mount.idmap=u:1000:0:1 g:1000:5:1 0:100:1",
		  .uid = { 2, { { 1000, 0, 1 }, { 0, 100, 1 } } },
		  .gid = { 2, { { 1000, 5, 1 }, { 0, 100, 1 } } } },
		{ "X-mount.idmap=/proc/self/ns/user",
		  .userns = "/proc/self/ns/user" },
	};
	/* Stricter than util-linux: trailing junk is refused. */
	static const struct fail_row junk[] = {
		{ "X-mount.idmap=b:1000:0:1x", EINVAL, { "X-mount.idmap" } },
	};

	(void)tc;
	ATF_CHECK_EQ(OPT_IDMAP, options_classify("X-mount.idmap", 13));
	CHECK_PARSES(rows);
	CHECK_FAILS(junk);
}

/* What mount(8) dropped fills only what is missing; a user namespace
 * given wins over every map. */
ATF_TC_WITHOUT_HEAD(fill_dropped);
ATF_TC_BODY(fill_dropped, tc)
{
	struct idmap_request *req = parse_ok("uidmap=1:2:3");
	struct diag d = { "" };

	(void)tc;
	ATF_CHECK_EQ(1, options_fill_dropped(req,
		"rw,X-mount.idmap=b:7:8:9,nosuid,X-foo=1", &d));
	ATF_CHECK(req->x_mount_idmap);
	CHECK_EXT(&req->uid, 0, 1, 2, 3);
	CHECK_EXT(&req->gid, 0, 7, 8, 9);
	free_req(req);

	req = parse_ok("userns=/proc/self/ns/user");
	ATF_CHECK_EQ(1, options_fill_dropped(req, "X-idmap.uidmap=1:2:3", &d));
	ATF_CHECK_EQ((size_t)0, req->uid.n);
	free_req(req);

	/* Only X-* mapping options count; the rest was passed on. */
	req = new_req();
	ATF_CHECK_EQ(0, options_fill_dropped(req, "uidmap=1:2:3,ro", &d));
	ATF_CHECK_EQ((size_t)0, req->uid.n);
	ATF_CHECK(!req->x_mount_idmap);
	free_req(req);
}

/* Parse a command line given as words into a fresh struct caller. */
static void cmdline(struct caller *c, const char *const *words)
{
	size_t len = 0;
	char *p;

	for (size_t i = 0; words[i]; i++)
		len += strlen(words[i]) + 1;
	*c = (struct caller){ 0 };
	c->cmdline = malloc(len);
	ATF_REQUIRE(c->cmdline != NULL);
	p = c->cmdline;
	for (size_t i = 0; words[i]; i++)
		p = stpcpy(p, words[i]) + 1;
	ATF_REQUIRE_EQ(0, caller_parse_cmdline(c, len));
}

#define CMDLINE(c, ...) cmdline((c), (const char *const[]){ __VA_ARGS__, NULL })

/* Every spelling of -T, -o and -a that mount(8) accepts. */
ATF_TC_WITHOUT_HEAD(caller_cmdline);
ATF_TC_BODY(caller_cmdline, tc)
{
	static const char *const spellings[][4] = {
		{ "-T", "/f", "/d", NULL },
		{ "-T/f", "/d", NULL },
		{ "--fstab", "/f", "/d", NULL },
		{ "--fstab=/f", "/d", NULL },
		{ "--fst", "/f", "/d", NULL },
		{ "/d", "-T", "/f", NULL },
		{ "-vT", "/f", "/d", NULL },
	};
	struct caller c;

	(void)tc;
	for (size_t i = 0; i < sizeof(spellings) / sizeof(spellings[0]); i++) {
		const char *w[6] = { "mount" };

		memcpy(w + 1, spellings[i], sizeof(spellings[i]));
		cmdline(&c, w);
		ATF_CHECK_EQ_MSG((size_t)1, c.nfstabs, "spelling %zu", i);
		if (c.nfstabs == 1)
			ATF_CHECK_STREQ("/f", c.fstabs[0]);
		ATF_CHECK(!c.all);
		caller_free(&c);
	}

	CMDLINE(&c, "mount", "-aT", "/f", "-o", "X-mount.idmap=b:1:2:3",
		"--options=ro", "-t", "idmap", "--fstab", "/g", "-oX-a");
	ATF_CHECK(c.all);
	ATF_REQUIRE_EQ((size_t)2, c.nfstabs);
	ATF_CHECK_STREQ("/g", c.fstabs[1]);
	ATF_REQUIRE_EQ((size_t)3, c.nopts);
	ATF_CHECK_STREQ("X-mount.idmap=b:1:2:3", c.opts[0]);
	ATF_CHECK_STREQ("ro", c.opts[1]);
	ATF_CHECK_STREQ("X-a", c.opts[2]);
	caller_free(&c);

	/* Arguments of other options are no options; "--" ends them. */
	CMDLINE(&c, "mount", "-L", "-T", "--source", "-a", "-o", "ro", "--",
		"-T", "/f");
	ATF_CHECK(!c.all);
	ATF_CHECK_EQ((size_t)0, c.nfstabs);
	ATF_CHECK_EQ((size_t)1, c.nopts);
	caller_free(&c);
}

/*
 * remount: a filesystem option given must be one the mount has, as
 * mountinfo shows it.  A key may repeat there: an overlay whose layers
 * went one by one (lowerdir+=, the staged route past 255 bytes, 6.8 to
 * 6.14) shows one lowerdir+= per layer, each with its own value, and
 * mount(8) passes them all back.
 */
ATF_TC_WITHOUT_HEAD(remount_params_repeated);
ATF_TC_BODY(remount_params_repeated, tc)
{
	static const struct {
		const char *key, *value;
		bool ok;
	} rows[] = {
		{ "lowerdir+", "6", true },
		{ "lowerdir+", "7", true },	/* not the first occurrence */
		{ "lowerdir+", "155", true },
		{ "lowerdir+", "5", false },	/* none of them */
		{ "upperdir", "156", true },
		{ "workdir", "157", true },
		{ "workdir", "7", false },
		{ "index", NULL, false },	/* a flag it lacks */
		{ "xino", "off", true },
		{ "xino", "on", false },
		{ "redirect_dir", "on", false },
	};
	struct remount_target t = REMOUNT_TARGET_INIT;
	struct idmap_request *req = new_req();
	char fs[2048] = "rw,lowerdir+=6";

	(void)tc;
	for (int k = 7; k <= 155; k++)
		snprintf(fs + strlen(fs), sizeof(fs) - strlen(fs),
			 ",lowerdir+=%d", k);
	strcat(fs, ",upperdir=156,workdir=157,xino=off,uuid=on");
	t.facts.fs_options = fs;
	t.facts.overlay = true;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct fs_param p = { (char *)rows[i].key,
				      (char *)rows[i].value };
		struct diag d = { "" };
		int r;

		req->params = &p;
		req->nparams = 1;
		r = remount_check_params(&t, req, &d);
		ATF_CHECK_MSG(rows[i].ok ? r == 0 : r == -EINVAL,
			      "%s=%s: %d %s", rows[i].key,
			      rows[i].value ? rows[i].value : "(flag)", r,
			      d.msg);
		if (!rows[i].ok)
			CHECK_MSG_HAS(&d, rows[i].key);
	}
	req->params = NULL;
	req->nparams = 0;
	free_req(req);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, classify_own);
	ATF_TP_ADD_TC(tp, remount_params_repeated);
	ATF_TP_ADD_TC(tp, classify_vfs);
	ATF_TP_ADD_TC(tp, classify_bind);
	ATF_TP_ADD_TC(tp, classify_inert);
	ATF_TP_ADD_TC(tp, classify_fs);
	ATF_TP_ADD_TC(tp, classify_refused);
	ATF_TP_ADD_TC(tp, classify_remount);
	ATF_TP_ADD_TC(tp, remount_passed_back);
	ATF_TP_ADD_TC(tp, idmapped_not_by_hand);
	ATF_TP_ADD_TC(tp, classify_unknown);
	ATF_TP_ADD_TC(tp, classify_uses_len);
	ATF_TP_ADD_TC(tp, parse_ro);
	ATF_TP_ADD_TC(tp, parse_ro_rw_last_wins);
	ATF_TP_ADD_TC(tp, parse_flag_attrs);
	ATF_TP_ADD_TC(tp, parse_nosymfollow);
	ATF_TP_ADD_TC(tp, parse_atime_last_wins);
	ATF_TP_ADD_TC(tp, parse_bind);
	ATF_TP_ADD_TC(tp, parse_maps);
	ATF_TP_ADD_TC(tp, parse_quoted_value);
	ATF_TP_ADD_TC(tp, parse_map_accumulates);
	ATF_TP_ADD_TC(tp, parse_idmap_ul);
	ATF_TP_ADD_TC(tp, parse_x_idmap_spellings);
	ATF_TP_ADD_TC(tp, parse_x_mount_idmap);
	ATF_TP_ADD_TC(tp, fill_dropped);
	ATF_TP_ADD_TC(tp, caller_cmdline);
	ATF_TP_ADD_TC(tp, parse_map_errors);
	ATF_TP_ADD_TC(tp, parse_map_too_many);
	ATF_TP_ADD_TC(tp, parse_idmap_path);
	ATF_TP_ADD_TC(tp, parse_userns);
	ATF_TP_ADD_TC(tp, parse_userns_relative);
	ATF_TP_ADD_TC(tp, parse_userns_twice);
	ATF_TP_ADD_TC(tp, check_ok);
	ATF_TP_ADD_TC(tp, check_maps_and_userns);
	ATF_TP_ADD_TC(tp, check_one_map_missing);
	ATF_TP_ADD_TC(tp, check_no_mapping);
	ATF_TP_ADD_TC(tp, check_validates_maps);
	ATF_TP_ADD_TC(tp, parse_unknown);
	ATF_TP_ADD_TC(tp, parse_unquoted_list);
	ATF_TP_ADD_TC(tp, parse_sloppy);
	ATF_TP_ADD_TC(tp, parse_fs_and_refused);
	ATF_TP_ADD_TC(tp, parse_unbalanced_quote);
	ATF_TP_ADD_TC(tp, parse_missing_value);
	ATF_TP_ADD_TC(tp, parse_inert_grants_nothing);
	return atf_no_error();
}
