// SPDX-License-Identifier: Apache-2.0
/*
 * libsubid is loaded only when a map says subid:NAME.  It pulls in PAM,
 * audit, SELinux and semanage libraries: linked in, they would slow every
 * mount down, named or not.
 */
#include <dlfcn.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <shadow/subid.h>

#include "cleanup.h"
#include "names.h"


/* getpwnam_r() and getgrnam_r() report "no such name" as 0 with no
 * result, or as one of these, depending on the NSS module. */
static bool not_found(int r)
{
	return r == 0 || r == ENOENT || r == ESRCH || r == EBADF || r == EPERM;
}

static int lookup(enum idmap_which side, const char *name, uint32_t *id,
		  char *buf, size_t size)
{
	int r;

	if (side == IDMAP_UID) {
		struct passwd pw, *found = NULL;

		r = getpwnam_r(name, &pw, buf, size, &found);
		if (found)
			*id = (uint32_t)pw.pw_uid;
		return found ? 0 : r == ERANGE ? -ERANGE :
			not_found(r) ? -ENOENT : -r;
	} else {
		struct group gr, *found = NULL;

		r = getgrnam_r(name, &gr, buf, size, &found);
		if (found)
			*id = (uint32_t)gr.gr_gid;
		return found ? 0 : r == ERANGE ? -ERANGE :
			not_found(r) ? -ENOENT : -r;
	}
}

static int lookup_id(void *ctx, enum idmap_which side, const char *name,
		     uint32_t *id)
{
	(void)ctx;
	/* Large groups need large buffers: grow until the entry fits. */
	for (size_t size = 4096; size <= (1u << 24); size *= 4) {
		_cleanup_free_ char *buf = malloc(size);
		int r;

		if (!buf)
			return -ENOMEM;
		r = lookup(side, name, id, buf, size);
		if (r != -ERANGE)
			return r;
	}
	return -ERANGE;
}

typedef int (*get_ranges_fn)(const char *owner, struct subid_range **ranges);

static int subid_ranges(void *ctx, enum idmap_which side, const char *owner,
			struct idmap_range *out, size_t max)
{
	struct names *n = ctx;
	const char *sym = side == IDMAP_UID ? "subid_get_uid_ranges" :
					      "subid_get_gid_ranges";
	_cleanup_free_ struct subid_range *ranges = NULL;
	get_ranges_fn get;
	int count;

	if (!n->libsubid) {
		n->libsubid = dlopen(LIBSUBID_SONAME, RTLD_NOW | RTLD_LOCAL);
		if (!n->libsubid)
			return -ELIBACC;
	}
	get = (get_ranges_fn)dlsym(n->libsubid, sym);
	if (!get)
		return -ELIBBAD;
	count = get(owner, &ranges);
	if (count < 0)
		return -EIO;
	for (int i = 0; i < count && (size_t)i < max; i++) {
		if (ranges[i].start > UINT32_MAX ||
		    ranges[i].count > UINT32_MAX || ranges[i].count == 0)
			return -ERANGE;
		out[i] = (struct idmap_range){ (uint32_t)ranges[i].start,
					       (uint32_t)ranges[i].count };
	}
	return (size_t)count > max ? (int)max : count;
}

static const char *subid_source(void *ctx, enum idmap_which side)
{
	(void)ctx;
	return side == IDMAP_UID ?
		"/etc/subuid, or the subid service of nsswitch.conf" :
		"/etc/subgid, or the subid service of nsswitch.conf";
}

void names_init(struct names *n)
{
	*n = (struct names){
		.resolver = {
			.id = lookup_id,
			.subid = subid_ranges,
			.subid_source = subid_source,
			/* The one whose header we were built with. */
			.subid_library = LIBSUBID_SONAME,
			.ctx = n,
		},
	};
}

void names_close(struct names *n)
{
	if (n->libsubid)
		dlclose(n->libsubid);
	n->libsubid = NULL;
}
