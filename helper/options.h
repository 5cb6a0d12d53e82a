/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The option string -> struct idmap_request.  Options are iterated by
 * libmount, so quoting follows mount(8)'s rules; VFS option names come from
 * libmount's own flag map.
 */
#ifndef MOUNT_IDMAP_OPTIONS_H
#define MOUNT_IDMAP_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#include "diag.h"
#include "idmap.h"

/* One filesystem parameter for fsconfig(): a flag when value is NULL. */
struct fs_param {
	char *key;
	char *value;
};

struct idmap_request {
	struct idmap_map uid;
	struct idmap_map gid;
	char *userns;		/* userns=PATH or idmap=/PATH */
	uint64_t attr_set;	/* MOUNT_ATTR_* to set ... */
	uint64_t attr_clr;	/* ... and to clear, beside MOUNT_ATTR_IDMAP */
	bool recursive;		/* rbind: idmap the whole tree */
	bool sloppy;		/* -s: ignore unknown options */
	/* -t idmap.FSTYPE: FSTYPE (borrowed), set before parsing; NULL for
	 * a bind */
	const char *fstype;
	bool remount;		/* remount: new attributes, same idmap */
	bool nofail;		/* nofail: a missing SRC is no failure */
	/* remount with idmapped: mount(8) merged the mount's own options
	 * with the new ones, so a flag left out is to be cleared. */
	bool whole_set;
	/* fstype: options for fsconfig(); remount: the filesystem options
	 * given, which must be those the mount has. */
	struct fs_param *params;
	size_t nparams;
	int fstab;		/* -1: not read, 0: no entry, 1: entry used */
	bool mapping_from_fstab;	/* that entry gave a map */
	/* X-mount.idmap was among the options that mount(8) dropped */
	bool x_mount_idmap;
	char *fstab_options;	/* that entry's whole option string */
	/* The fstab files that mount(8) was given (-T, --fstab), in order;
	 * none: libmount's own, LIBMOUNT_FSTAB or /etc/fstab.  Borrowed. */
	const char *const *fstab_files;
	size_t nfstab_files;
	/* Turns user, group and subid: names into numbers; NULL: numbers
	 * only. */
	const struct idmap_resolver *resolver;
};

/* How options_classify() sees one option name. */
enum option_kind {
	OPT_UIDMAP,		/* uidmap=, X-idmap.uidmap= */
	OPT_GIDMAP,		/* gidmap=, X-idmap.gidmap= */
	OPT_IDMAP,		/* idmap=, X-mount.idmap= (util-linux syntax
				 * or a path) */
	OPT_USERNS,		/* userns=, X-idmap.userns= */
	OPT_VFS,		/* a per-mount attribute: ro, nosuid, ... */
	OPT_BIND,		/* bind, rbind */
	OPT_REMOUNT,		/* remount: change the attributes only */
	OPT_IDMAPPED,		/* idmapped: how findmnt shows an idmapped
				 * mount; mount(8) passes it back on remount */
	OPT_INERT,		/* accepted, grants nothing: user, defaults... */
	OPT_FS,			/* a filesystem option (sync, mand...) */
	OPT_REFUSED,		/* meaningless here: loop=, propagation... */
	OPT_UNKNOWN,
};

enum option_kind options_classify(const char *name, size_t len);

void options_init(struct idmap_request *req);
void options_free(struct idmap_request *req);

/* Parse one option string into @req.  May be called several times. */
int options_parse(struct idmap_request *req, const char *optstr,
		  struct diag *d);

/* True when @req carries a complete mapping: both maps, or a user
 * namespace. */
bool options_have_mapping(const struct idmap_request *req);

/*
 * The fstab entry of type idmap or idmap.FSTYPE for @source on @target,
 * in @req's fstab files: *@fsp, in the table *@tbp (the caller unrefs
 * it), or *@fsp NULL when there is none.  Returns 0, -ENOMEM, or the
 * negative errno with which libmount could not parse the files (a
 * missing /etc/fstab: -EINVAL), which holds no entry for mount(8) either.
 */
struct libmnt_table;
struct libmnt_fs;
int options_fstab_entry(const struct idmap_request *req, const char *source,
			const char *target, struct libmnt_table **tbp,
			struct libmnt_fs **fsp);

/* The fstab file to name in a message: the first of @req's, or
 * libmount's. */
const char *options_fstab_name(const struct idmap_request *req);

/*
 * mount(8) drops X-* options before it runs a helper.  Fill in what argv
 * lacks from those options of @optstr: X-idmap.uidmap=, X-idmap.gidmap=,
 * X-idmap.userns= (or x-idmap.*) and util-linux's X-mount.idmap=.  Maps
 * already given win, map by map; a user namespace already given wins over
 * every map.  Returns 1 if @optstr gave any, else 0.
 */
int options_fill_dropped(struct idmap_request *req, const char *optstr,
			 struct diag *d);

/*
 * The same from the fstab entry of @source on @target (in @req's fstab
 * files).  Returns 1 if an entry was found, 0 if none matched.
 */
int options_from_fstab(struct idmap_request *req, const char *source,
		       const char *target, struct diag *d);

/*
 * The mapping of @req as option text, each name prefixed with @prefix:
 * "PREFIXuidmap=0:1:1,PREFIXgidmap=\"0:1:1,5:6:1\"" (a list is quoted) or
 * "PREFIXuserns=PATH".  Returns a malloc'ed string, or NULL on ENOMEM.
 */
char *options_format(const struct idmap_request *req, const char *prefix);

/* One map is enough: a side that was not given maps every id to itself.
 * Call once every source of options is parsed. */
void options_fill_identity(struct idmap_request *req);

/* Cross-option rules, once every source is parsed. */
int options_check(const struct idmap_request *req, struct diag *d);

/* Does the option @name (of @len bytes) name an overlayfs layer
 * (lowerdir, lowerdir+, datadir+, upperdir, workdir)? */
bool options_is_layer(const char *name, size_t len);

#endif
