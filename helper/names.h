/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Names in maps: user and group names through NSS, subordinate ranges
 * (subid:NAME) through shadow's libsubid.  The resolver that idmap.c's
 * parser calls.
 */
#ifndef MOUNT_IDMAP_NAMES_H
#define MOUNT_IDMAP_NAMES_H

#include "idmap.h"

/* Owns libsubid once a map asks for subordinate ranges. */
struct names {
	struct idmap_resolver resolver;
	void *libsubid;
};

void names_init(struct names *n);
void names_close(struct names *n);

#endif
