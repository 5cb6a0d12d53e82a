/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What main() parsed of argv (the mount(8) helper contract), as the job
 * (run.c) and the utab record (utab.c) take it.
 */
#ifndef MOUNT_IDMAP_CONFIG_H
#define MOUNT_IDMAP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

struct run_config {
	const char *source;
	const char *target;
	const char *fstype;	/* -t idmap.FSTYPE: FSTYPE, else NULL */
	const char *mntns;	/* -N */
	char **opts;		/* every -o, in order */
	size_t nopts;
	bool dry_run;		/* -f: check, write and attach nothing */
	bool nomtab;		/* -n */
	bool sloppy;		/* -s */
	int rw;			/* -r: 1, -w: 0, neither: -1 */
};

#endif
