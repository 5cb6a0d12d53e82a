/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Why a step of the mount failed, as one sentence that names the cause and
 * what to do instead.  Error paths only: these look at the source, the
 * mount point and the mount table again, and may fail quietly.  Each
 * returns -err, with the sentence in @d.
 */
#ifndef MOUNT_IDMAP_EXPLAIN_H
#define MOUNT_IDMAP_EXPLAIN_H

#include <stdbool.h>

#include "attach.h"
#include "diag.h"
#include "mountapi.h"

#define KERNEL_TOO_OLD \
	"the kernel lacks the new mount API (idmapped mounts need Linux 5.12 or later)"

/* Is the mount that holds @src_fd idmapped already? */
bool explain_is_idmapped(const struct attach_plan *p, int src_fd);

/* open(SRC) or open_tree(SRC) failed. */
int explain_clone(const struct attach_plan *p, int err, struct diag *d);

/* open(DIR) failed. */
int explain_target(int err, struct diag *d);

/* mount_setattr() (or open_tree_attr()) with @attr failed on the tree of
 * @src_fd (-1 for a new filesystem). */
int explain_setattr(const struct attach_plan *p, int src_fd, int err,
		    struct mount_attr *attr, struct diag *d);

/* open_tree_attr(), which gives an idmapped source a new idmap, failed. */
int explain_reidmap(const struct attach_plan *p, int src_fd, int err,
		    struct mount_attr *attr, struct diag *d);

/* A step of fsopen() -> fsconfig() -> fsmount() failed: @what, then the
 * filesystem's own messages, read from @fsfd. */
int explain_fs(const struct attach_plan *p, int fsfd, const char *what,
	       int err, struct diag *d);

/* The filesystem would not take SRC (FSCONFIG_CMD_CREATE, or the check
 * of -f): missing, a regular file, not a block device... */
int explain_fs_source(const struct attach_plan *p, int fsfd, int err,
		      struct diag *d);

/* The kernel log from its end on, for the lines that a filesystem logs
 * there rather than to its context (overlayfs does): an fd, or -1. */
int explain_log_open(void);

/* As explain_fs(), then the lines that @p->fstype logged to @log_fd
 * ("overlayfs: ...") meanwhile, said to be maybe about another mount:
 * the kernel log does not tell whose they are.  @fsfd may be -1. */
int explain_fs_log(const struct attach_plan *p, int fsfd, int log_fd,
		   const char *what, int err, struct diag *d);

/* -t idmap.overlay: idmapping (or opening) the layer at @path failed;
 * @role says which layer ("lower layer", "upper directory"...). */
int explain_layer(const char *role, const char *path, int err,
		  struct diag *d);

/* -t idmap.overlay: cloning the layer at @path (open_tree) failed; in the
 * words of explain_clone() for a bind's source. */
int explain_layer_clone(const char *role, const char *path, int err,
			struct diag *d);

/* move_mount() of the tree of @src_fd (-1 for a new filesystem) onto
 * @dst_fd failed. */
int explain_move(const struct attach_plan *p, int src_fd, int dst_fd,
		 int err, struct diag *d);

#endif
