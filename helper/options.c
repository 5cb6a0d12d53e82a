// SPDX-License-Identifier: Apache-2.0
/*
 * Option string -> struct idmap_request.
 *
 * libmount does the tokenising (and so the quoting rules of mount(8)) and
 * supplies the names of the kernel's mount flags; this file only decides
 * what each option means for an idmapped mount.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libmount.h>

#include "cleanup.h"
#include "mountapi.h"
#include "options.h"
#include "util.h"

void options_init(struct idmap_request *req)
{
	memset(req, 0, sizeof(*req));
	req->fstab = -1;
}

void options_free(struct idmap_request *req)
{
	free(req->userns);
	req->userns = NULL;
	free(req->fstab_options);
	req->fstab_options = NULL;
	for (size_t i = 0; i < req->nparams; i++) {
		free(req->params[i].key);
		free(req->params[i].value);
	}
	free(req->params);
	req->params = NULL;
	req->nparams = 0;
}

static bool name_is(const char *name, size_t len, const char *want)
{
	return strlen(want) == len && memcmp(name, want, len) == 0;
}

/* Our own options, with the X-idmap.* and x-idmap.* spellings that fstab
 * users write. */
static int own_option(const char *name, size_t len)
{
	static const struct {
		const char *name;
		enum option_kind kind;
	} own[] = {
		{ "uidmap", OPT_UIDMAP },
		{ "gidmap", OPT_GIDMAP },
		{ "userns", OPT_USERNS },
		{ "idmap", OPT_IDMAP },
		/* rbind under a name that mount(8) passes on: given bind or
		 * rbind, mount(8) binds by itself and never runs us. */
		{ "recursive", OPT_BIND },
	};

	/* util-linux's own, which mount(8) drops before running us. */
	if (name_is(name, len, "X-mount.idmap"))
		return OPT_IDMAP;
	if (len > 8 && (name[0] == 'X' || name[0] == 'x') &&
	    memcmp(name + 1, "-idmap.", 7) == 0) {
		name += 8;
		len -= 8;
		/* X-idmap.idmap= is not a spelling anybody uses. */
		if (name_is(name, len, "idmap") || name_is(name, len, "recursive"))
			return -1;
	}
	for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++)
		if (name_is(name, len, own[i].name))
			return (int)own[i].kind;
	return -1;
}

/*
 * Find @name in one of libmount's built-in maps.  Map names carry a
 * suffix: "=" (value required), "[=]" (value optional); MNT_PREFIX entries
 * such as "x-" match any option that starts with them.
 */
static const struct libmnt_optmap *map_lookup(int map_id, const char *name,
					      size_t len)
{
	const struct libmnt_optmap *ent = mnt_get_builtin_optmap(map_id);

	for (; ent && ent->name; ent++) {
		size_t n = strcspn(ent->name, "[=");

		if (ent->mask & MNT_PREFIX) {
			if (len > n && memcmp(name, ent->name, n) == 0)
				return ent;
		} else if (n == len && memcmp(name, ent->name, n) == 0) {
			return ent;
		}
	}
	return NULL;
}

/* MS_* flag -> the MOUNT_ATTR_* bit that mount_setattr() takes. */
static bool vfs_attr(unsigned long ms, int mask, uint64_t *attr)
{
	bool inv = mask & MNT_INVERT;

	switch (ms) {
	case MS_RDONLY:
		*attr = MOUNT_ATTR_RDONLY;
		return true;
	case MS_NOSUID:
		*attr = MOUNT_ATTR_NOSUID;
		return true;
	case MS_NODEV:
		*attr = MOUNT_ATTR_NODEV;
		return true;
	case MS_NOEXEC:
		*attr = MOUNT_ATTR_NOEXEC;
		return true;
	case MS_NODIRATIME:
		*attr = MOUNT_ATTR_NODIRATIME;
		return true;
	case MS_NOSYMFOLLOW:
		*attr = MOUNT_ATTR_NOSYMFOLLOW;
		return true;
	case MS_NOATIME:
		/* "atime" undoes noatime: back to the kernel default. */
		*attr = inv ? MOUNT_ATTR_RELATIME : MOUNT_ATTR_NOATIME;
		return true;
	case MS_RELATIME:
		*attr = MOUNT_ATTR_RELATIME;
		return !inv;
	case MS_STRICTATIME:
		*attr = MOUNT_ATTR_STRICTATIME;
		return !inv;
	default:
		return false;
	}
}

enum option_kind options_classify(const char *name, size_t len)
{
	const struct libmnt_optmap *ent;
	int own = own_option(name, len);
	uint64_t attr;

	if (own >= 0)
		return (enum option_kind)own;
	if (name_is(name, len, "idmapped"))
		return OPT_IDMAPPED;
	/* A misspelt option of ours must not pass as an inert X-* comment. */
	if (len > 8 && (name[0] == 'X' || name[0] == 'x') &&
	    memcmp(name + 1, "-idmap.", 7) == 0)
		return OPT_UNKNOWN;

	ent = map_lookup(MNT_LINUX_MAP, name, len);
	if (ent) {
		unsigned long ms = (unsigned long)ent->id;

		if (vfs_attr(ms, ent->mask, &attr))
			return OPT_VFS;
		if (ms == MS_BIND || ms == (MS_BIND | MS_REC))
			return OPT_BIND;
		if (ms == MS_REMOUNT)
			return OPT_REMOUNT;
		if (ms & (MS_REMOUNT | MS_MOVE | MS_SHARED | MS_PRIVATE |
			  MS_SLAVE | MS_UNBINDABLE))
			return OPT_REFUSED;
		return OPT_FS;
	}

	ent = map_lookup(MNT_USERSPACE_MAP, name, len);
	if (ent) {
		/* loop=, offset=, encryption=, verity.*: these make mount(8)
		 * set up a device, which an idmapped bind never wants. */
		if (ent->id & (MNT_MS_LOOP | MNT_MS_OFFSET | MNT_MS_SIZELIMIT |
			       MNT_MS_ENCRYPTION | MNT_MS_HASH_DEVICE |
			       MNT_MS_ROOT_HASH | MNT_MS_HASH_OFFSET |
			       MNT_MS_ROOT_HASH_FILE | MNT_MS_FEC_DEVICE |
			       MNT_MS_FEC_OFFSET | MNT_MS_FEC_ROOTS |
			       MNT_MS_ROOT_HASH_SIG |
			       MNT_MS_VERITY_ON_CORRUPTION))
			return OPT_REFUSED;
		return OPT_INERT;
	}
	return OPT_UNKNOWN;
}

/* Apply one VFS attribute; the last one given wins. */
static void apply_vfs(struct idmap_request *req, const char *name,
		      size_t len)
{
	const struct libmnt_optmap *ent = map_lookup(MNT_LINUX_MAP, name, len);
	unsigned long ms = (unsigned long)ent->id;
	uint64_t attr = 0;

	vfs_attr(ms, ent->mask, &attr);
	if (ms == MS_NOATIME || ms == MS_RELATIME || ms == MS_STRICTATIME) {
		/* The atime mode is one field, not independent bits. */
		req->attr_set = (req->attr_set & ~(uint64_t)MOUNT_ATTR__ATIME) | attr;
		req->attr_clr |= MOUNT_ATTR__ATIME;
	} else if (ent->mask & MNT_INVERT) {
		req->attr_set &= ~attr;
		req->attr_clr |= attr;
	} else {
		req->attr_set |= attr;
		req->attr_clr &= ~attr;
	}
}

/* mount(8) may leave a value quoted: uidmap="0:1:1,5:6:1". */
static char *unquote(const char *val, size_t len)
{
	if (len >= 2 && val[0] == '"' && val[len - 1] == '"') {
		val++;
		len -= 2;
	}
	return strndup(val, len);
}

/* libmount skips an option whose quote never closes: refuse instead. */
static int check_quotes(const char *optstr, struct diag *d)
{
	size_t quotes = 0;

	for (const char *p = optstr; *p; p++)
		quotes += *p == '"';
	if (quotes % 2)
		return diag_fail(d, EINVAL,
			"unbalanced quote in options \"%s\": every \" must be closed",
			optstr);
	return 0;
}

static int set_userns(struct idmap_request *req, const char *opt,
		      const char *path, struct diag *d)
{
	if (path[0] != '/')
		return diag_fail(d, EINVAL,
			"%s: \"%s\" is not an absolute path to a user namespace (such as /proc/PID/ns/user)",
			opt, path);
	if (req->userns && strcmp(req->userns, path) != 0)
		return diag_fail(d, EINVAL,
			"%s: \"%s\" is a second user namespace, after \"%s\"; give only one",
			opt, path, req->userns);
	if (!req->userns) {
		req->userns = strdup(path);
		if (!req->userns)
			return diag_fail(d, ENOMEM, "out of memory");
	}
	return 0;
}

static int apply_value(struct idmap_request *req, enum option_kind kind,
		       const char *opt, const char *value, struct diag *d)
{
	switch (kind) {
	case OPT_UIDMAP:
		return idmap_parse(value, opt, IDMAP_SYNTAX_LIST, IDMAP_UID,
				   &req->uid, &req->uid, req->resolver, d);
	case OPT_GIDMAP:
		return idmap_parse(value, opt, IDMAP_SYNTAX_LIST, IDMAP_GID,
				   &req->gid, &req->gid, req->resolver, d);
	case OPT_USERNS:
		return set_userns(req, opt, value, d);
	case OPT_IDMAP:
		if (value[0] == '/')
			return set_userns(req, opt, value, d);
		return idmap_parse(value, opt, IDMAP_SYNTAX_UL, IDMAP_BOTH,
				   &req->uid, &req->gid, req->resolver, d);
	default:
		return 0;
	}
}

/* "5:6:1" or "g:5:6:1": the tail of a list that lost its quotes. */
static bool looks_like_extent(const char *s)
{
	size_t colons = 0;

	if ((s[0] == 'u' || s[0] == 'g' || s[0] == 'b') && s[1] == ':')
		s += 2;
	for (; *s; s++) {
		if (*s == ':')
			colons++;
		else if (*s < '0' || *s > '9')
			return false;
	}
	return colons == 2;
}

/* -t idmap.FSTYPE: keep a filesystem option for fsconfig(). */
static int add_param(struct idmap_request *req, const char *name, size_t nlen,
		     const char *val, size_t vlen, struct diag *d)
{
	struct fs_param *grown, *fp;

	grown = reallocarray(req->params, req->nparams + 1, sizeof(*grown));
	if (!grown)
		return diag_fail(d, ENOMEM, "out of memory");
	req->params = grown;
	fp = &req->params[req->nparams];
	fp->key = strndup(name, nlen);
	fp->value = val ? unquote(val, vlen) : NULL;
	if (!fp->key || (val && !fp->value)) {
		free(fp->key);
		free(fp->value);
		return diag_fail(d, ENOMEM, "out of memory");
	}
	req->nparams++;
	return 0;
}

static int apply_option(struct idmap_request *req, const char *name,
			size_t nlen, const char *val, size_t vlen,
			struct diag *d)
{
	enum option_kind kind = options_classify(name, nlen);
	_cleanup_free_ char *opt = strndup(name, nlen);
	_cleanup_free_ char *value = NULL;

	if (!opt)
		return diag_fail(d, ENOMEM, "out of memory");

	switch (kind) {
	case OPT_UIDMAP:
	case OPT_GIDMAP:
	case OPT_IDMAP:
	case OPT_USERNS:
		if (!val)
			return diag_fail(d, EINVAL,
				"option \"%s\" needs a value, as in %s=%s",
				opt, opt,
				kind == OPT_USERNS ? "/proc/PID/ns/user" :
				kind == OPT_IDMAP ? "b:INNER:OUTER:COUNT" :
				"INNER:OUTER:COUNT");
		value = unquote(val, vlen);
		if (!value)
			return diag_fail(d, ENOMEM, "out of memory");
		return apply_value(req, kind, opt, value, d);
	case OPT_VFS:
		apply_vfs(req, name, nlen);
		return 0;
	case OPT_BIND:
		if (req->fstype)
			return diag_fail(d, EINVAL,
				"option \"%s\" makes no sense with -t idmap.FSTYPE, which mounts a new filesystem; use -t idmap to bind",
				opt);
		if (!name_is(name, nlen, "bind"))
			req->recursive = true;
		return 0;
	case OPT_REMOUNT:
		/* parse() saw it first: it changes what other options mean,
		 * wherever it stands. */
		return 0;
	case OPT_IDMAPPED:
		/* On remount, a fact that run.c checks on the mount. */
		if (req->remount) {
			req->whole_set = true;
			return 0;
		}
		return diag_fail(d, EINVAL,
			"option \"%s\" cannot be given: it is how findmnt shows an idmapped mount; give uidmap=/gidmap=, idmap= or userns= to make one",
			opt);
	case OPT_INERT:
		/* As mount(8) does for a device, a SRC that does not exist
		 * is then no failure (attach.c). */
		if (name_is(name, nlen, "nofail"))
			req->nofail = true;
		return 0;
	case OPT_FS:
		if (req->fstype || (req->remount && !req->sloppy))
			return add_param(req, name, nlen, val, vlen, d);
		if (req->sloppy)
			return 0;
		return diag_fail(d, EINVAL,
			"option \"%s\" is a filesystem option; an idmapped bind mount cannot change it",
			opt);
	case OPT_REFUSED:
		if (req->sloppy)
			return 0;
		return diag_fail(d, EINVAL,
			"option \"%s\" has no meaning for an idmapped mount (propagation is set by mount(8), devices are not set up by mount.idmap)",
			opt);
	case OPT_UNKNOWN:
	default:
		if (looks_like_extent(opt))
			return diag_fail(d, EINVAL,
				"option \"%s\" is an extent standing alone: a list of extents with commas must be quoted, as in uidmap=\"0:1000:1,1:2000:9\", or separated by blanks",
				opt);
		if (opt[0] == ' ' || opt[0] == '\t')
			return diag_fail(d, EINVAL,
				"option \"%s\" starts with a blank: separate options with a comma alone, as in uidmap=0:1000:1,gidmap=0:1000:1",
				opt);
		/* The filesystem knows its own options; the kernel names
		 * any that it rejects.  On remount, mount(8) passes back
		 * those the mount has. */
		if (req->fstype || (req->remount && !req->sloppy))
			return add_param(req, name, nlen, val, vlen, d);
		if (req->sloppy)
			return 0;
		return diag_fail(d, EINVAL,
			"unknown option \"%s\": expected uidmap=, gidmap=, idmap=, userns= or a VFS option (ro, rw, nosuid, nodev, noexec, noatime, relatime, strictatime, nodiratime, nosymfollow); -s ignores unknown options",
			opt);
	}
}

/* An X-idmap.*, x-idmap.* or X-mount.idmap option: a mapping that mount(8)
 * drops before it runs us. */
static bool is_x_idmap(const char *name, size_t len)
{
	return len > 2 && (name[0] == 'X' || name[0] == 'x') &&
	       name[1] == '-' && own_option(name, len) >= 0;
}

bool options_is_layer(const char *name, size_t len)
{
	static const char *const keys[] = {
		"lowerdir", "lowerdir+", "datadir+", "upperdir", "workdir",
	};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strlen(keys[i]) == len && strncmp(name, keys[i], len) == 0)
			return true;
	return false;
}

/* Does @s end in a '\' that escapes what follows (an odd number)? */
static bool ends_escaped(const char *s, size_t len)
{
	size_t n = 0;

	while (n < len && s[len - 1 - n] == '\\')
		n++;
	return n % 2 == 1;
}

/*
 * overlayfs splits its option string at each ',' that no '\' escapes, and
 * mount -t overlay hands it the whole string: so a layer's value goes on
 * through "\,".  The length of @val that way, with *@p moved past it.
 */
static size_t through_escaped_commas(char **p, const char *val, size_t vlen)
{
	char *name, *v;
	size_t nl, vl;

	while (ends_escaped(val, vlen) &&
	       mnt_optstr_next_option(p, &name, &nl, &v, &vl) == 0)
		vlen = (size_t)((v ? v + vl : name + nl) - val);
	return vlen;
}

/* Parse @optstr into @req; with @x_only, only its X-idmap.* options. */
static int parse(struct idmap_request *req, const char *optstr, bool x_only,
		 struct diag *d)
{
	char *p = (char *)optstr;
	char *name, *val;
	size_t nlen, vlen;
	int r;

	if (!optstr)
		return 0;
	r = check_quotes(optstr, d);
	if (r < 0)
		return r;
	/* remount changes what idmapped and the filesystem's options
	 * mean, wherever it stands in the string. */
	if (!x_only && mnt_optstr_get_option(optstr, "remount", NULL, NULL) == 0)
		req->remount = true;

	while ((r = mnt_optstr_next_option(&p, &name, &nlen, &val, &vlen)) == 0) {
		if (x_only && !is_x_idmap(name, nlen))
			continue;
		if (val && options_is_layer(name, nlen))
			vlen = through_escaped_commas(&p, val, vlen);
		r = apply_option(req, name, nlen, val, vlen, d);
		if (r < 0)
			return r;
	}
	if (r < 0)
		return diag_fail(d, EINVAL, "cannot parse options \"%s\"",
				 optstr);
	return 0;
}

int options_parse(struct idmap_request *req, const char *optstr,
		  struct diag *d)
{
	return parse(req, optstr, false, d);
}

bool options_have_mapping(const struct idmap_request *req)
{
	return req->userns || (req->uid.n && req->gid.n);
}

static bool is_idmap_type(const char *type)
{
	return type && (strcmp(type, "idmap") == 0 ||
			strncmp(type, "idmap.", 6) == 0);
}

/* Does the fstab line @line hold @s, once libmount's \ooo escapes are
 * read as the characters they stand for? */
static bool line_holds(const char *line, const char *s)
{
	_cleanup_free_ char *plain = NULL;

	if (!strchr(line, '\\'))
		return strstr(line, s) != NULL;
	plain = mnt_unmangle(line);
	return plain && strstr(plain, s);
}

/* Append to @tb the entries of the fstab file @path whose line holds
 * @target.  false when @path is not one regular file (libmount then reads
 * a directory) or cannot be read. */
static bool add_lines_with(struct libmnt_table *tb, const char *path,
			   const char *target)
{
	_cleanup_free_ char *text = NULL, *sub = NULL;
	_cleanup_(fclosep) FILE *f = NULL;
	_cleanup_close_ int fd = -1;
	size_t len, n = 0;
	struct stat st;

	fd = path ? open(path, O_RDONLY | O_CLOEXEC) : -1;
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return false;
	text = read_whole_fd(fd, (size_t)st.st_size + 2, &len);
	/* Each line and a newline, which the last may lack, and a NUL. */
	sub = text ? malloc(len + 2) : NULL;
	if (!sub)
		return false;
	for (char *line = text, *end; line < text + len; line = end + 1) {
		end = strchrnul(line, '\n');
		*end = '\0';
		if (line_holds(line, target))
			n += (size_t)sprintf(sub + n, "%s\n", line);
	}
	if (n == 0)
		return true;
	f = fmemopen(sub, n, "r");
	return f && mnt_table_parse_stream(tb, f, path) == 0;
}

/*
 * The entries of @req's fstab files whose line holds @target, parsed by
 * libmount, in their order: every entry whose target is @target is among
 * them.  mount -a runs us once per entry, and parsing every line of a long
 * fstab each time made it quadratic.  NULL when a file is not a regular
 * one.
 */
static struct libmnt_table *fstab_lines_with(const struct idmap_request *req,
					     const char *target)
{
	_cleanup_(mnt_unref_tablep) struct libmnt_table *tb = mnt_new_table();
	const char *path = mnt_get_fstab_path();

	if (!tb)
		return NULL;
	if (req->nfstab_files == 0)
		return add_lines_with(tb, path, target) ? take_ptr(&tb) : NULL;
	for (size_t i = 0; i < req->nfstab_files; i++)
		if (!add_lines_with(tb, req->fstab_files[i], target))
			return NULL;
	return take_ptr(&tb);
}

/* Every entry of @req's fstab files, as mount(8) reads them. */
static int parse_fstabs(const struct idmap_request *req,
			struct libmnt_table *tb)
{
	int r = 0;

	/* NULL: libmount's own choice, LIBMOUNT_FSTAB or /etc/fstab. */
	if (req->nfstab_files == 0)
		return mnt_table_parse_fstab(tb, NULL);
	for (size_t i = 0; i < req->nfstab_files && r == 0; i++)
		r = mnt_table_parse_fstab(tb, req->fstab_files[i]);
	return r;
}

const char *options_fstab_name(const struct idmap_request *req)
{
	return req->nfstab_files ? req->fstab_files[0] : mnt_get_fstab_path();
}

int options_fstab_entry(const struct idmap_request *req, const char *source,
			const char *target, struct libmnt_table **tbp,
			struct libmnt_fs **fsp)
{
	_cleanup_(mnt_unref_tablep) struct libmnt_table *tb = NULL;
	struct libmnt_cache *cache;
	struct libmnt_fs *fs;
	int r;

	*fsp = NULL;
	/* The exact match, from the lines that can hold it. */
	tb = fstab_lines_with(req, target);
	fs = tb ? mnt_table_find_pair(tb, source, target, MNT_ITER_BACKWARD) :
		  NULL;
	if (fs) {
		if (is_idmap_type(mnt_fs_get_fstype(fs))) {
			*fsp = fs;
			*tbp = take_ptr(&tb);
		}
		return 0;
	}
	mnt_unref_table(tb);
	tb = mnt_new_table();
	if (!tb)
		return -ENOMEM;
	r = parse_fstabs(req, tb);
	if (r < 0)
		return r;
	/*
	 * mount(8) passes the entry's own strings, so an exact match is the
	 * rule.  Only if there is none, compare canonical paths: that costs
	 * a readlink() per path component of every entry, which made
	 * mount -a of a long fstab quadratic.
	 */
	fs = mnt_table_find_pair(tb, source, target, MNT_ITER_BACKWARD);
	if (!fs) {
		cache = mnt_new_cache();
		if (!cache)
			return -ENOMEM;
		/* The table takes its own reference. */
		mnt_table_set_cache(tb, cache);
		mnt_unref_cache(cache);
		fs = mnt_table_find_pair(tb, source, target, MNT_ITER_BACKWARD);
	}
	if (fs && is_idmap_type(mnt_fs_get_fstype(fs))) {
		*fsp = fs;
		*tbp = take_ptr(&tb);
	}
	return 0;
}

int options_fill_dropped(struct idmap_request *req, const char *optstr,
			 struct diag *d)
{
	/* Two requests would not fit a small stack (ulimit -s 40). */
	_cleanup_free_ struct idmap_request *more = malloc(sizeof(*more));
	int r;

	if (!more)
		return diag_fail(d, ENOMEM, "out of memory");
	if (optstr &&
	    mnt_optstr_get_option(optstr, "X-mount.idmap", NULL, NULL) == 0)
		req->x_mount_idmap = true;
	options_init(more);
	more->resolver = req->resolver;
	r = parse(more, optstr, true, d);
	if (r == 0 && (more->userns || more->uid.n || more->gid.n)) {
		/* What was given wins, map by map; a user namespace given
		 * replaces every map of @more. */
		if (!req->userns && !req->uid.n && !req->gid.n) {
			req->userns = more->userns;
			more->userns = NULL;
		}
		if (!req->userns && !req->uid.n)
			req->uid = more->uid;
		if (!req->userns && !req->gid.n)
			req->gid = more->gid;
		r = 1;
	}
	options_free(more);
	return r;
}

int options_from_fstab(struct idmap_request *req, const char *source,
		       const char *target, struct diag *d)
{
	_cleanup_(mnt_unref_tablep) struct libmnt_table *tb = NULL;
	struct libmnt_fs *fs;
	int r;

	r = options_fstab_entry(req, source, target, &tb, &fs);
	if (r == -ENOMEM)
		return diag_fail(d, ENOMEM, "out of memory");
	/* Files that libmount cannot read gave mount(8) no entry either. */
	req->fstab = r == 0 && fs != NULL;
	if (!req->fstab)
		return 0;
	/* utab.c looks at the entry's x-* options too: read it once. */
	req->fstab_options = strdup(mnt_fs_get_options(fs) ?
				    mnt_fs_get_options(fs) : "");
	if (!req->fstab_options)
		return diag_fail(d, ENOMEM, "out of memory");
	r = options_fill_dropped(req, req->fstab_options, d);
	if (r < 0)
		return r;
	req->mapping_from_fstab = r == 1;
	return 1;
}

/* Append PREFIX+NAME=EXTENTS to *optstr, quoted when there are several:
 * the quotes keep a list's commas inside one option, as mount(8) parses
 * it. */
static int append_map(char **optstr, const char *prefix, const char *name,
		      const struct idmap_map *map)
{
	/* 340 extents of up to 33 bytes: on the heap, not a small stack. */
	const size_t size = IDMAP_MAX_EXTENTS * 34 + 3;
	_cleanup_free_ char *text = NULL;
	bool spec = map->named && !map->spec_truncated;
	bool quote;
	char key[64];
	int len;

	if (map->identity)
		return 0;
	text = malloc(size);
	if (!text)
		return -ENOMEM;
	text[0] = '"';
	if (spec)
		len = snprintf(text + 1, size - 2, "%s", map->spec);
	else
		len = idmap_format_option(map, text + 1, size - 2);
	if (len < 0)
		return len;
	quote = spec ? strchr(map->spec, ',') != NULL : map->n > 1;
	if (quote)
		memcpy(text + 1 + len, "\"", 2);
	snprintf(key, sizeof(key), "%s%s", prefix, name);
	return mnt_optstr_append_option(optstr, key, text + !quote);
}

char *options_format(const struct idmap_request *req, const char *prefix)
{
	char *optstr = NULL, key[64];
	int r;

	if (req->userns) {
		/* A comma in the path must stay inside one option; a path
		 * with quotes of its own came through as it stands. */
		bool quote = strchr(req->userns, ',') &&
			     !strchr(req->userns, '"');
		_cleanup_free_ char *val = NULL;

		snprintf(key, sizeof(key), "%suserns", prefix);
		if (asprintf(&val, quote ? "\"%s\"" : "%s", req->userns) < 0)
			return NULL;
		r = mnt_optstr_append_option(&optstr, key, val);
	} else {
		r = append_map(&optstr, prefix, "uidmap", &req->uid);
		if (r == 0)
			r = append_map(&optstr, prefix, "gidmap", &req->gid);
	}
	if (r < 0) {
		free(optstr);
		return NULL;
	}
	return optstr;
}

void options_fill_identity(struct idmap_request *req)
{
	if (req->userns || (!req->uid.n && !req->gid.n))
		return;
	if (!req->uid.n)
		idmap_set_identity(&req->uid);
	if (!req->gid.n)
		idmap_set_identity(&req->gid);
}

int options_check(const struct idmap_request *req, struct diag *d)
{
	int r;

	if (req->userns && (req->uid.n || req->gid.n))
		return diag_fail(d, EINVAL,
			"both maps and a user namespace (\"%s\") are given: use either uidmap=/gidmap= or userns=, not both",
			req->userns);
	if (req->userns)
		return 0;
	if (!req->uid.n && !req->gid.n)
		return diag_fail(d, EINVAL,
			"no mapping given: none in the options%s%s%s. Write uidmap=INNER:OUTER:COUNT,gidmap=INNER:OUTER:COUNT (or idmap=b:INNER:OUTER:COUNT, or userns=PATH) in the options, or X-idmap.uidmap=/X-idmap.gidmap= or X-mount.idmap= in the fstab entry of type idmap",
			req->fstab < 0 ? "" : ", and ",
			req->fstab < 0 ? "" : options_fstab_name(req),
			req->fstab < 0 ? "" : req->fstab ?
				" has an entry for this mount without X-idmap.* or X-mount.idmap options" :
				" has no idmap entry for this mount");
	if (!req->uid.n || !req->gid.n) {
		const char *miss = req->uid.n ? "gid" : "uid";

		return diag_fail(d, EINVAL,
			"no %s map: the kernel needs both a uid and a gid map; add %smap=INNER:OUTER:COUNT, or write idmap=b:INNER:OUTER:COUNT to give both at once",
			miss, miss);
	}
	r = idmap_validate(&req->uid, "uid", d);
	if (r < 0)
		return r;
	return idmap_validate(&req->gid, "gid", d);
}
