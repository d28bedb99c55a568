/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Storing: learn the keys of a policy's new entries and add them to the
 * maps, and register every entry's allow set. */
#ifndef IG_STORE_H
#define IG_STORE_H

#include "allow.h"
#include "backend.h"
#include "config.h"
#include "loader.h"

struct ig_learner;

/* Gives every entry of policy its allow set (its own lines and global),
 * kept entries included, then learns and stores the entries that have no
 * id yet: all of them on a fresh start, the new ones on adoption or
 * reload; then the aliases (store__aliases). Nothing is added unless
 * every new entry was learned. The learn lock is the caller's. */
int store__entries(const struct ig_maps *maps, enum ig_backend b, struct ig_policy *policy,
		   const struct ig_allows *global);
/* Only the first part: every entry's allow set registered (where new) and
 * set in its grants, so that a sealed reload can compare them with what
 * the maps hold before it changes anything. store__entries() does it
 * again, to the same sets. */
int store__register_grants(const struct ig_maps *maps, struct ig_policy *policy,
			   const struct ig_allows *global);
/* Guards the names of policy's aliases (other names of its entries' files)
 * with their entries' rules, learning each one's directory; an alias of an
 * entry without an id (refused) is passed over. Prints each failure;
 * -EINVAL if a directory could not be learned. */
int store__aliases(const struct ig_maps *maps, struct ig_learner *l, struct ig_policy *policy);

#endif
