/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Grants: allow sets registered in the maps, shared by content, and the
 * registry that names their executables and cgroups for `list` and events.
 * Registering is serialised by the learn lock (state__learn_lock). */
#ifndef IG_GRANTS_H
#define IG_GRANTS_H

#include <stddef.h>
#include <linux/types.h>
#include "allow.h"
#include "loader.h"

/* Beside the paths file (state.h): "exe ID PATH", "cgroup ID PATH" and
 * "set ID KIND:VALUE..." lines, appended as they are registered. */
#define IG_GRANTS_FILE "/run/inodeguard/grants"

struct ig_learner;

/* Empties the registry (a new instance). */
int grants__reset(void);
/* The allow set for the resolved rules l, registered where new (an
 * executable's keys are learned through learner); 0 for no rules. */
int grants__register(const struct ig_maps *m, struct ig_learner *learner,
		     const struct ig_allows *l, __u32 *set);
/* The set of what both a and b grant, registered where new; 0 if none. */
int grants__intersect(const struct ig_maps *m, __u32 a, __u32 b, __u32 *out);
/* "exe=/usr/sbin/nginx,uid=33"; "" for set 0, "set N" if unknown. */
void grants__describe(__u32 set, char *buf, size_t len);

#endif
