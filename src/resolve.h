/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Resolving: each policy entry to a canonical regular file on a filesystem
 * whose inode identity we can key on. Runs before anything is loaded. */
#ifndef IG_RESOLVE_H
#define IG_RESOLVE_H

#include <stdbool.h>
#include <sys/types.h>
#include "config.h"
#include "inodeguard.h"

/* Checks one path; on success sets e's canonical path (a new string; the
 * caller keeps the old one) and identity; on failure leaves e alone, writes
 * the reason to why and returns -errno. */
int resolve__path(const char *path, struct ig_entry *e, char *why, size_t len);
/* The canonical name of a path that need not exist: its directory as the
 * kernel names it, then the last component; for a missing directory, the
 * path with ".", ".." and repeated slashes taken out by their text. */
int resolve__name(const char *path, char *out, size_t len);
/* Resolves every entry in place, printing "ORIGIN: PATH: reason" for each
 * bad one and dropping it; -EINVAL if any was bad, -ENOMEM if memory ran
 * out for one. */
int resolve__policy(struct ig_policy *p);
/* Hard links and aliases of one file become one entry, the first listed,
 * at the highest level, keeping only the allow rules all of them have;
 * the others go, the order staying the policy's, and those listed by
 * another name stay as the entry's aliases (ig_policy.aliases). Runs
 * once the entries and their allow rules are resolved. -ENOMEM. */
int resolve__merge_same_files(struct ig_policy *p);

#endif
