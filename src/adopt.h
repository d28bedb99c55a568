/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Policy difference: what a new policy keeps, adds and releases of the
 * instance it replaces, whether a new `run` adopts the pinned instance or
 * the running one reloads. */
#ifndef IG_ADOPT_H
#define IG_ADOPT_H

#include <stdbool.h>
#include <stddef.h>
#include "allow.h"
#include "backend.h"
#include "config.h"
#include "loader.h"
#include "state.h"

struct adopt_plan {
	/* Entries the old policy registered and the new one does not. */
	__u32 *release;
	size_t nrelease;
	size_t kept, added;
	size_t released_inodes;
};

/* Runs between the new rules and the release (adoption pins its links
 * and retires the old ones there); nonzero stops before anything is
 * released, the failure printed. */
typedef int (*adopt__step_fn)(void *ctx);

/*
 * Applies policy to the instance whose maps m are, in the order that
 * leaves no window: entries registered already are kept (never removed
 * and added again), new ones are learned and added, every kept entry
 * gets exactly the level and allow set policy gives it, then step runs
 * (if not NULL), and last the entries the old policy alone registered
 * are released. Entries `protect` added are kept unless named with other
 * rules. Nothing is added unless every new entry could be learned. The
 * learn lock is the caller's; every failure is printed once. plan says
 * what was done; adopt__free() it in every case. grow_only (a sealed
 * instance) refuses, changing nothing, a policy that would release an
 * entry or give a kept one a lower level or other allow rules: -EPERM.
 */
int adopt__apply(const struct ig_maps *m, enum ig_backend b, struct ig_policy *policy,
		 const struct ig_allows *global, bool grow_only, adopt__step_fn step, void *ctx,
		 struct adopt_plan *plan);
void adopt__free(struct adopt_plan *plan);

#endif
