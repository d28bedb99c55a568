/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* The rule_kinds map: counts of each rule kind, which tell the hooks what
 * to look for, and the id counters every registering process shares. */
#ifndef IG_KINDS_H
#define IG_KINDS_H

#include <linux/types.h>
#include "loader.h"

enum ig_kind_counter {
	KIND_TREES,
	KIND_NAMES,
	KIND_EXE_NAMES,
	KIND_CGROUP_PATHS,
};

/* n consecutive entry ids from *first, in one step: ids stay unique for as
 * long as the maps live, whoever registers. */
int kinds__new_entry_ids(const struct ig_maps *m, __u32 n, __u32 *first);
/* One id for an allow set, an allowed executable or an allowed cgroup. */
int kinds__new_id(const struct ig_maps *m, __u32 *id);
/* The number of entry ids handed out so far; 0 if it cannot be read. */
__u32 kinds__entries_issued(const struct ig_maps *m);
/* Counts n more (or, negative, fewer) rules of a kind; published after
 * the rules they count are in their maps. */
int kinds__count(const struct ig_maps *m, enum ig_kind_counter which, int n);

#endif
