// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target for the whole pure parsing path: option string ->
 * libmount iteration -> extent parsing -> validation -> map formatting.
 *
 * The first byte picks the entry point (the option string, a bare
 * uidmap= value, or a bare util-linux idmap= value), -s, whether names
 * resolve (through a made-up, deterministic table) and whether a missing
 * map becomes the identity; the rest is the text.
 * On success it checks the invariants: every map is valid, formats under
 * a page, and parses back to the same extents, and the option text that
 * utab and --show print parses back to the same request.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "idmap.h"
#include "options.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define require(cond)                                                   \
	do {                                                            \
		if (!(cond)) {                                          \
			fprintf(stderr, "invariant failed: %s (%s:%d)\n", \
				#cond, __FILE__, __LINE__);             \
			abort();                                        \
		}                                                       \
	} while (0)

/* Names resolve to a hash of themselves; names starting with 'x' are
 * unknown, and subordinate ranges are one to three, from the hash. */
static uint32_t hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

static int fuzz_id(void *ctx, enum idmap_which side, const char *name,
		   uint32_t *id)
{
	(void)ctx;
	if (name[0] == 'x')
		return -ENOENT;
	*id = (hash(name) + (uint32_t)side) % 70000;
	return 0;
}

static int fuzz_subid(void *ctx, enum idmap_which side, const char *owner,
		      struct idmap_range *r, size_t max)
{
	uint32_t h = hash(owner) + (uint32_t)side;
	size_t n = h % 4;

	(void)ctx;
	for (size_t i = 0; i < n && i < max; i++)
		r[i] = (struct idmap_range){ 100000 + (uint32_t)i * 200000 + h % 1000,
					     1 + (h >> 8) % 65536 };
	return (int)n;
}

static const char *fuzz_source(void *ctx, enum idmap_which side)
{
	(void)ctx;
	return side == IDMAP_UID ? "/etc/subuid" : "/etc/subgid";
}

static const struct idmap_resolver fuzz_names = {
	.id = fuzz_id,
	.subid = fuzz_subid,
	.subid_source = fuzz_source,
};

static bool same_map(const struct idmap_map *a, const struct idmap_map *b)
{
	return a->n == b->n &&
	       memcmp(a->ext, b->ext, a->n * sizeof(a->ext[0])) == 0;
}

/* A valid map formats under a page and reads back the same. */
static void check_map(const struct idmap_map *map, const char *name)
{
	static struct idmap_map back, norm;
	char text[IDMAP_MAX_TEXT + 1];
	struct diag d;
	int len;

	require(idmap_validate(map, name, &d) == 0);
	len = idmap_format(map, text, sizeof(text));
	require(len >= 0 && len <= IDMAP_MAX_TEXT);
	back.n = 0;
	for (char *line = text, *nl; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		require(nl);
		*nl = '\0';
		require(idmap_parse_kernel_line(line, &back, &d) == 0);
	}
	require(same_map(map, &back));

	/* Its normal form (what a remount compares) is valid, no longer,
	 * and maps every id alike. */
	norm = *map;
	idmap_normalize(&norm);
	require(norm.n <= map->n);
	require(idmap_validate(&norm, name, &d) == 0);
	require(idmap_same(map, &norm));
}

static void check_request(const struct idmap_request *req)
{
	static struct idmap_request back;
	struct diag d;
	char *text;

	if (req->userns)
		return;
	check_map(&req->uid, "uid");
	check_map(&req->gid, "gid");

	/* What utab records and --show prints parses back the same. */
	text = options_format(req, "");
	require(text);
	options_init(&back);
	back.resolver = req->resolver;
	require(options_parse(&back, text, &d) == 0);
	options_fill_identity(&back);
	require(options_check(&back, &d) == 0);
	require(same_map(&req->uid, &back.uid));
	require(same_map(&req->gid, &back.gid));
	options_free(&back);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct idmap_request req;
	struct diag d;
	char *text;
	int r;

	if (size < 1)
		return 0;
	text = strndup((const char *)data + 1, size - 1);
	if (!text)
		return 0;

	options_init(&req);
	req.sloppy = data[0] & 0x10;
	if (data[0] & 0x20)
		req.resolver = &fuzz_names;
	switch (data[0] % 3) {
	case 0:
		r = options_parse(&req, text, &d);
		break;
	case 1:
		r = idmap_parse_list(text, "uidmap", IDMAP_UID, &req.uid, &d);
		if (r == 0)
			req.gid = req.uid;
		break;
	default:
		r = idmap_parse_ul(text, "idmap", &req.uid, &req.gid, &d);
		break;
	}
	/* Every failure explains itself. */
	if (r < 0)
		require(d.msg[0] != '\0');
	if (r == 0 && (data[0] & 0x40))
		options_fill_identity(&req);
	if (r == 0 && options_check(&req, &d) == 0)
		check_request(&req);
	options_free(&req);
	free(text);
	return 0;
}
