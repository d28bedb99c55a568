/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Resolving: each policy entry to a canonical regular file on a filesystem
 * whose inode identity we can key on. Runs before anything is loaded. */
#ifndef IG_RESOLVE_H
#define IG_RESOLVE_H

#include <stdbool.h>
#include <sys/types.h>
#include "config.h"
#include "inodeguard.h"

struct ig_target {
	char *path;        /* canonical: symlinks and .. resolved */
	char *origin;
	unsigned int level;
	dev_t st_dev;      /* from stat(), only to merge and to spot swaps */
	ino_t st_ino;
	bool overlay;      /* on overlayfs: the backing file is a second key */
	int nkeys;         /* filled by keys__learn() once programs run */
	struct ig_key keys[IG_TARGET_KEYS];
};

struct ig_targets {
	struct ig_target *v;
	size_t n, cap;
};

/* Checks one path; on failure writes the reason to why and returns -errno. */
int resolve__path(const char *path, struct ig_target *t, char *why, size_t len);
/* Resolves every entry, printing "ORIGIN: PATH: reason" per bad one, and
 * merges entries naming the same file (the highest level wins). */
int resolve__policy(const struct ig_policy *p, struct ig_targets *out);
void targets__free(struct ig_targets *t);

#endif
