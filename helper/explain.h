/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Why a step of the mount failed, as one sentence that names the cause and
 * what to do instead.  Called by the job after attach_mount() failed, from
 * what it returned; error paths only: this looks at the source, the mount
 * point and the mount table again, and may fail quietly.
 */
#ifndef MOUNT_IDMAP_EXPLAIN_H
#define MOUNT_IDMAP_EXPLAIN_H

#include "attach.h"
#include "diag.h"

/*
 * The mount @p failed as @f says (attach_mount()'s record of the step,
 * its errno and what it worked on): the sentence in @d, and the negative
 * errno to report, which is f->err but where another says it better.
 */
int explain_failure(const struct attach_plan *p,
		    const struct attach_failure *f, struct diag *d);

#endif
