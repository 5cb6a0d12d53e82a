// SPDX-License-Identifier: Apache-2.0
/*
 * Names in maps (idmap.c with a resolver): user and group names in
 * extents, subid:NAME[:COUNT], and the rules checked once names are
 * resolved.  The resolver answers from tables, so no NSS, no /etc and no
 * privilege are involved.
 */
#include "testlib.h"
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "idmap.h"

struct entry {
	const char *name;
	uint32_t id;
};

static const struct entry users[] = {
	{ "bob", 1001 }, { "alice", 1002 }, { "_svc", 999 },
	{ "top", 4294967294u },
};
static const struct entry groups[] = {
	{ "bob", 2001 }, { "staff", 50 },
};

struct owner_ranges {
	const char *owner;
	size_t n;
	struct idmap_range r[3];
};

static const struct owner_ranges subuids[] = {
	{ "bob", 2, { { 100000, 65536 }, { 300000, 10 } } },
	{ "alice", 1, { { 200000, 1000 } } },
	{ "odd", 1, { { 1001, 5 } } },
};
static const struct owner_ranges subgids[] = {
	{ "bob", 1, { { 500000, 65536 } } },
};

static int table_id(void *ctx, enum idmap_which side, const char *name,
		    uint32_t *id)
{
	const struct entry *t = side == IDMAP_UID ? users : groups;
	size_t n = side == IDMAP_UID ? sizeof(users) / sizeof(users[0]) :
				       sizeof(groups) / sizeof(groups[0]);

	(void)ctx;
	for (size_t i = 0; i < n; i++)
		if (strcmp(t[i].name, name) == 0) {
			*id = t[i].id;
			return 0;
		}
	return -ENOENT;
}

static int table_subid(void *ctx, enum idmap_which side, const char *owner,
		       struct idmap_range *out, size_t max)
{
	const struct owner_ranges *t = side == IDMAP_UID ? subuids : subgids;
	size_t n = side == IDMAP_UID ? sizeof(subuids) / sizeof(subuids[0]) :
				       sizeof(subgids) / sizeof(subgids[0]);

	(void)ctx;
	if (strcmp(owner, "broken") == 0)
		return -EIO;
	for (size_t i = 0; i < n; i++)
		if (strcmp(t[i].owner, owner) == 0) {
			for (size_t j = 0; j < t[i].n && j < max; j++)
				out[j] = t[i].r[j];
			return (int)t[i].n;
		}
	return 0;
}

static const char *table_source(void *ctx, enum idmap_which side)
{
	(void)ctx;
	return side == IDMAP_UID ? "/etc/subuid" : "/etc/subgid";
}

static const struct idmap_resolver tables = {
	.id = table_id,
	.subid = table_subid,
	.subid_source = table_source,
};

struct maps {
	struct idmap_map uid, gid;
	struct diag d;
};

static struct maps *parse(const char *value, enum idmap_syntax syn,
			  enum idmap_which which, int want)
{
	struct maps *m = calloc(1, sizeof(*m));
	int r;

	ATF_REQUIRE(m != NULL);
	r = idmap_parse(value, syn == IDMAP_SYNTAX_UL ? "idmap" :
			which == IDMAP_UID ? "uidmap" : "gidmap", syn, which,
			&m->uid, which == IDMAP_GID && syn == IDMAP_SYNTAX_LIST ?
			&m->uid : &m->gid, &tables, &m->d);
	ATF_CHECK_EQ_MSG(want, r, "\"%s\": %d, want %d: %s", value, r, want,
			 m->d.msg);
	return m;
}

ATF_TC_WITHOUT_HEAD(user_names);
ATF_TC_BODY(user_names, tc)
{
	struct maps *m;

	(void)tc;
	m = parse("bob:alice:1", IDMAP_SYNTAX_LIST, IDMAP_UID, 0);
	ATF_REQUIRE_EQ((size_t)1, m->uid.n);
	CHECK_EXT(&m->uid, 0, 1001, 1002, 1);
	ATF_CHECK(m->uid.named);
	ATF_CHECK_STREQ("bob:alice:1", m->uid.spec);
	free(m);

	/* Names and numbers mix; "_" starts a name too. */
	m = parse("0:bob:1,_svc:5:1", IDMAP_SYNTAX_LIST, IDMAP_UID, 0);
	ATF_REQUIRE_EQ((size_t)2, m->uid.n);
	CHECK_EXT(&m->uid, 0, 0, 1001, 1);
	CHECK_EXT(&m->uid, 1, 999, 5, 1);
	ATF_CHECK_STREQ("0:bob:1,_svc:5:1", m->uid.spec);
	free(m);

	/* Numbers only: not named, the record keeps numbers. */
	m = parse("0:1000:1", IDMAP_SYNTAX_LIST, IDMAP_UID, 0);
	ATF_CHECK(!m->uid.named);
	free(m);
}

ATF_TC_WITHOUT_HEAD(group_names);
ATF_TC_BODY(group_names, tc)
{
	struct maps *m;

	(void)tc;
	/* In a gid map a name is a group. */
	m = parse("bob:staff:1", IDMAP_SYNTAX_LIST, IDMAP_GID, 0);
	CHECK_EXT(&m->uid, 0, 2001, 50, 1);
	free(m);

	/* b: resolves each side in its own database. */
	m = parse("b:bob:0:1", IDMAP_SYNTAX_UL, IDMAP_BOTH, 0);
	CHECK_EXT(&m->uid, 0, 1001, 0, 1);
	CHECK_EXT(&m->gid, 0, 2001, 0, 1);
	ATF_CHECK_STREQ("bob:0:1", m->uid.spec);
	ATF_CHECK_STREQ("bob:0:1", m->gid.spec);
	free(m);
}

ATF_TC_WITHOUT_HEAD(unknown_names);
ATF_TC_BODY(unknown_names, tc)
{
	struct maps *m;

	(void)tc;
	m = parse("carol:0:1", IDMAP_SYNTAX_LIST, IDMAP_UID, -EINVAL);
	CHECK_MSG_HAS(&m->d, "unknown user \"carol\"");
	CHECK_MSG_HAS(&m->d, "\"carol:0:1\"");
	free(m);

	/* alice is a user, not a group. */
	m = parse("0:alice:1", IDMAP_SYNTAX_LIST, IDMAP_GID, -EINVAL);
	CHECK_MSG_HAS(&m->d, "unknown group \"alice\"");
	free(m);

	/* b: needs the name on both sides. */
	m = parse("b:alice:0:1", IDMAP_SYNTAX_UL, IDMAP_BOTH, -EINVAL);
	CHECK_MSG_HAS(&m->d, "unknown group \"alice\"");
	free(m);
}

ATF_TC_WITHOUT_HEAD(numbers_stay_numbers);
ATF_TC_BODY(numbers_stay_numbers, tc)
{
	struct maps *m;

	(void)tc;
	/* Not names: a sign, a digit first, hex. */
	m = parse("-1:0:1", IDMAP_SYNTAX_LIST, IDMAP_UID, -EINVAL);
	CHECK_MSG_HAS(&m->d, "not a plain decimal number");
	free(m);
	m = parse("1bob:0:1", IDMAP_SYNTAX_LIST, IDMAP_UID, -EINVAL);
	CHECK_MSG_HAS(&m->d, "not a plain decimal number");
	free(m);
	m = parse("0:0x10:1", IDMAP_SYNTAX_LIST, IDMAP_UID, -EINVAL);
	CHECK_MSG_HAS(&m->d, "not a plain decimal number");
	free(m);
	/* COUNT is never a name. */
	m = parse("bob:alice:bob", IDMAP_SYNTAX_LIST, IDMAP_UID, -EINVAL);
	CHECK_MSG_HAS(&m->d, "COUNT \"bob\"");
	free(m);
}

ATF_TC_WITHOUT_HEAD(no_resolver);
ATF_TC_BODY(no_resolver, tc)
{
	struct idmap_map *m = calloc(1, sizeof(*m));
	struct diag d = { "" };

	(void)tc;
	ATF_REQUIRE(m != NULL);
	/* Without a resolver, names are bad numbers, as they always were. */
	ATF_CHECK_EQ(-EINVAL, idmap_parse_list("bob:0:1", "uidmap", IDMAP_UID,
					       m, &d));
	CHECK_MSG_HAS(&d, "not a plain decimal number");
	free(m);
}

ATF_TC_WITHOUT_HEAD(subid_ranges);
ATF_TC_BODY(subid_ranges, tc)
{
	struct maps *m;

	(void)tc;
	/* Several ranges: consecutive on the on-disk side, from 0. */
	m = parse("subid:bob", IDMAP_SYNTAX_LIST, IDMAP_UID, 0);
	ATF_REQUIRE_EQ((size_t)2, m->uid.n);
	CHECK_EXT(&m->uid, 0, 0, 100000, 65536);
	CHECK_EXT(&m->uid, 1, 65536, 300000, 10);
	ATF_CHECK(m->uid.named);
	ATF_CHECK_STREQ("subid:bob", m->uid.spec);
	free(m);

	/* A count limits it, across ranges. */
	m = parse("subid:bob:65540", IDMAP_SYNTAX_LIST, IDMAP_UID, 0);
	ATF_REQUIRE_EQ((size_t)2, m->uid.n);
	CHECK_EXT(&m->uid, 1, 65536, 300000, 4);
	free(m);
	m = parse("subid:bob:10", IDMAP_SYNTAX_LIST, IDMAP_UID, 0);
	ATF_REQUIRE_EQ((size_t)1, m->uid.n);
	CHECK_EXT(&m->uid, 0, 0, 100000, 10);
	free(m);

	/* idmap=subid:bob feeds both maps from their own files. */
	m = parse("subid:bob", IDMAP_SYNTAX_UL, IDMAP_BOTH, 0);
	CHECK_EXT(&m->uid, 0, 0, 100000, 65536);
	ATF_REQUIRE_EQ((size_t)1, m->gid.n);
	CHECK_EXT(&m->gid, 0, 0, 500000, 65536);
	free(m);
	m = parse("u:subid:alice g:0:5:1", IDMAP_SYNTAX_UL, IDMAP_BOTH, 0);
	CHECK_EXT(&m->uid, 0, 0, 200000, 1000);
	CHECK_EXT(&m->gid, 0, 0, 5, 1);
	free(m);
}

ATF_TC_WITHOUT_HEAD(subid_errors);
ATF_TC_BODY(subid_errors, tc)
{
	struct maps *m;

	(void)tc;
	m = parse("subid:carol", IDMAP_SYNTAX_LIST, IDMAP_UID, -EINVAL);
	CHECK_MSG_HAS(&m->d, "\"carol\" has no subordinate uid ranges");
	CHECK_MSG_HAS(&m->d, "/etc/subuid");
	free(m);
	/* alice has uids but no gids. */
	m = parse("subid:alice", IDMAP_SYNTAX_UL, IDMAP_BOTH, -EINVAL);
	CHECK_MSG_HAS(&m->d, "no subordinate gid ranges");
	CHECK_MSG_HAS(&m->d, "/etc/subgid");
	free(m);
	m = parse("subid:bob:70000", IDMAP_SYNTAX_LIST, IDMAP_UID, -EINVAL);
	CHECK_MSG_HAS(&m->d, "has only 65546 subordinate uids");
	free(m);
	m = parse("subid:bob:0", IDMAP_SYNTAX_LIST, IDMAP_UID, -EINVAL);
	CHECK_MSG_HAS(&m->d, "COUNT must be at least 1");
	free(m);
	m = parse("subid:", IDMAP_SYNTAX_LIST, IDMAP_UID, -EINVAL);
	CHECK_MSG_HAS(&m->d, "names no user");
	free(m);
	m = parse("subid:bob:1:2", IDMAP_SYNTAX_LIST, IDMAP_UID, -EINVAL);
	CHECK_MSG_HAS(&m->d, "expected subid:NAME or subid:NAME:COUNT");
	free(m);
	m = parse("subid:b\"ob", IDMAP_SYNTAX_LIST, IDMAP_UID, -EINVAL);
	CHECK_MSG_HAS(&m->d, "is not a user name");
	free(m);
	/* Quotes and '=' are never part of a name. */
	m = parse("b=ob:0:1", IDMAP_SYNTAX_LIST, IDMAP_UID, -EINVAL);
	CHECK_MSG_HAS(&m->d, "nor a name");
	free(m);
	m = parse("subid:broken", IDMAP_SYNTAX_LIST, IDMAP_UID, -EIO);
	CHECK_MSG_HAS(&m->d, "cannot read the subordinate uid ranges of \"broken\"");
	free(m);
}

ATF_TC_WITHOUT_HEAD(rules_name_the_name);
ATF_TC_BODY(rules_name_the_name, tc)
{
	struct maps *m;

	(void)tc;
	/* bob is 1001: it overlaps 1000:0:5 on the on-disk side. */
	m = parse("1000:0:5,bob:7:1", IDMAP_SYNTAX_LIST, IDMAP_UID, -EINVAL);
	CHECK_MSG_HAS(&m->d, "\"bob:7:1\" resolves to 1001:7:1");
	CHECK_MSG_HAS(&m->d, "overlaps 1000:0:5 on the INNER (on-disk) side");
	free(m);
	/* odd's subordinate range 1001-1005 is also seen as bob's 1001. */
	m = parse("0:bob:1,subid:odd", IDMAP_SYNTAX_LIST, IDMAP_UID, -EINVAL);
	CHECK_MSG_HAS(&m->d, "\"subid:odd\" resolves to 0:1001:5");
	free(m);
	/* A later extent, named or not, that overlaps a named one: both
	 * are named as written, with what they resolved to. */
	m = parse("bob:0:1,1001:5:1", IDMAP_SYNTAX_LIST, IDMAP_UID, -EINVAL);
	CHECK_MSG_HAS(&m->d, "uidmap: extent \"1001:5:1\" in the uid map overlaps 1001:0:1 (extent \"bob:0:1\") on the INNER (on-disk) side");
	free(m);
	m = parse("bob:0:1,1001:bob:1", IDMAP_SYNTAX_LIST, IDMAP_UID, -EINVAL);
	CHECK_MSG_HAS(&m->d, "extent \"1001:bob:1\" resolves to 1001:1001:1 in the uid map, which overlaps 1001:0:1 (extent \"bob:0:1\") on the INNER (on-disk) side");
	free(m);
	m = parse("0:staff:1 5:50:1", IDMAP_SYNTAX_LIST, IDMAP_GID, -EINVAL);
	CHECK_MSG_HAS(&m->d, "gidmap: extent \"5:50:1\" in the gid map overlaps 0:50:1 (extent \"0:staff:1\") on the OUTER (seen) side");
	free(m);
	m = parse("subid:odd,3:7:1", IDMAP_SYNTAX_LIST, IDMAP_UID, -EINVAL);
	CHECK_MSG_HAS(&m->d, "extent \"3:7:1\" in the uid map overlaps 0:1001:5 (extent \"subid:odd\") on the INNER (on-disk) side");
	free(m);
	/* util-linux syntax: the prefix is not part of the extent. */
	m = parse("b:bob:0:1 u:1001:5:1", IDMAP_SYNTAX_UL, IDMAP_BOTH, -EINVAL);
	CHECK_MSG_HAS(&m->d, "idmap: extent \"1001:5:1\" in the uid map overlaps 1001:0:1 (extent \"bob:0:1\")");
	free(m);
	/* Numbers that overlap after a name: plain numbers, as written. */
	m = parse("bob:0:1,5:6:1,5:7:1", IDMAP_SYNTAX_LIST, IDMAP_UID, -EINVAL);
	CHECK_MSG_HAS(&m->d, "extent \"5:7:1\" in the uid map overlaps 5:6:1 on the INNER (on-disk) side");
	free(m);
	/* A name whose id leaves no room for COUNT. */
	m = parse("top:0:2", IDMAP_SYNTAX_LIST, IDMAP_UID, -ERANGE);
	CHECK_MSG_HAS(&m->d, "\"top:0:2\" resolves to 4294967294:0:2");
	free(m);
}

ATF_TC_WITHOUT_HEAD(identity);
ATF_TC_BODY(identity, tc)
{
	struct idmap_map *m = calloc(1, sizeof(*m));
	struct diag d = { "" };

	(void)tc;
	ATF_REQUIRE(m != NULL);
	idmap_set_identity(m);
	ATF_CHECK(m->identity);
	ATF_REQUIRE_EQ((size_t)1, m->n);
	CHECK_EXT(m, 0, 0, 0, 4294967295u);
	/* The kernel takes it: every rule holds. */
	ATF_CHECK_EQ_MSG(0, idmap_validate(m, "uid", &d), "%s", d.msg);
	free(m);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, user_names);
	ATF_TP_ADD_TC(tp, group_names);
	ATF_TP_ADD_TC(tp, unknown_names);
	ATF_TP_ADD_TC(tp, numbers_stay_numbers);
	ATF_TP_ADD_TC(tp, no_resolver);
	ATF_TP_ADD_TC(tp, subid_ranges);
	ATF_TP_ADD_TC(tp, subid_errors);
	ATF_TP_ADD_TC(tp, rules_name_the_name);
	ATF_TP_ADD_TC(tp, identity);
	return atf_no_error();
}
