/* SPDX-License-Identifier: Apache-2.0 */
/*
 * -t idmap.overlay: an overlayfs assembled from idmapped layers.  The
 * kernel cannot idmap a merged overlay, so every layer (each lowerdir,
 * the upperdir and the workdir) is cloned and idmapped on its own, and the
 * overlay is built from those detached clones.  Nothing is attached until
 * attach.c moves the finished overlay to DIR.
 */
#ifndef MOUNT_IDMAP_OVERLAY_H
#define MOUNT_IDMAP_OVERLAY_H

#include <stdbool.h>

#include "attach.h"
#include "diag.h"

/* Is @fstype the one this file assembles? */
bool overlay_is(const char *fstype);

/* Does the overlayfs option @key name a layer (lowerdir, lowerdir+,
 * datadir+, upperdir, workdir)? */
bool overlay_is_layer(const char *key);

/* -N: every layer named in @params must be an absolute path, as SRC and
 * DIR must: setns() moves us to the other namespace's root. */
int overlay_check_absolute(const struct fs_param *params, size_t nparams,
			   struct diag *d);

/*
 * The overlay of @p (its params name the layers; the rest pass through to
 * overlayfs), every layer idmapped with p->userns_fd, as a detached mount:
 * returns its fd, or a negative errno with the reason in @d or what failed
 * in @f (attach.h).
 */
int overlay_make(const struct attach_plan *p, struct attach_failure *f,
		 struct diag *d);

/* -f: the same up to the creation of the filesystem, which is not made:
 * 0 once the layers, the options and the upper's owner passed. */
int overlay_check(const struct attach_plan *p, struct attach_failure *f,
		  struct diag *d);

#endif
