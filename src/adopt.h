/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Adoption: what a new `run` keeps, adds and releases of the pinned
 * instance it takes over. */
#ifndef IG_ADOPT_H
#define IG_ADOPT_H

#include <stddef.h>
#include "config.h"
#include "loader.h"
#include "state.h"

struct adopt_plan {
	/* Entries both policies name whose level changed. */
	struct ig_entry_level *relevel;
	size_t nrelevel;
	/* Entries the old policy registered and the new one does not. */
	__u32 *release;
	size_t nrelease;
	size_t kept, added;
};

/* Gives every entry of policy that is registered already its id (it is
 * kept, not learned again) and plans the rest. Entries `protect` added
 * are neither in the old policy nor released. */
int adopt__plan(struct ig_policy *policy, struct adopt_plan *plan);
/* Releases what plan says the new policy dropped; *inodes counts keys. */
int adopt__release(const struct ig_maps *m, const struct adopt_plan *plan, size_t *inodes);
void adopt__free(struct adopt_plan *plan);

#endif
