// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Storing stage: learn the keys of a policy's new entries and add them,
 * in the order that leaves no window; register every entry's allow set. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "grants.h"
#include "keys.h"
#include "kinds.h"
#include "log.h"
#include "state.h"
#include "store.h"

/* Learns every key an entry needs: its inode(s), and the directory's
 * for a file entry's name part. */
static int learn_entry(struct ig_learner *l, struct ig_entry *e, enum ig_backend b)
{
	char why[256];
	int err;

	if (e->overlay && backend__refuses_overlay(b)) {
		p_err("%s: %s: on overlayfs, whose backing file the %s backend cannot see; refusing rather than protecting only the overlay name",
		      e->origin, e->path, backend__name(b));
		return -EINVAL;
	}
	err = keys__learn(l, e, why, sizeof(why));
	if (!err && !e->tree)
		err = keys__learn_parent(l, e, why, sizeof(why));
	if (err)
		p_err("%s: %s: %s", e->origin, e->path, why);
	return err;
}

/* Trees first get their directory's rule, then every file already below
 * them is keyed: a file created meanwhile is found by the walk. */
static int store_trees(const struct ig_maps *maps, struct ig_learner *l,
		       const struct ig_policy *policy)
{
	size_t i, trees = 0;
	int err = 0, bad = 0;

	for (i = 0; i < policy->n; i++)
		trees += policy->v[i].tree;
	if (!trees)
		return 0;
	err = kinds__count(maps, KIND_TREES, (int)trees);
	for (i = 0; !err && i < policy->n; i++)
		if (policy->v[i].tree)
			err = state__add_tree_files(maps, l, &policy->v[i], &bad);
	return err ? err : bad ? -EINVAL : 0;
}

/*
 * Every entry's allow set: its own lines and the global --allow rules.
 * Entries with no lines of their own share the global set, so a million
 * of them register one set, not a million.
 */
static int register_grants(const struct ig_maps *maps, struct ig_learner *l,
			   struct ig_policy *policy, const struct ig_allows *global)
{
	struct ig_allows both = {};
	__u32 global_set;
	size_t i;
	int err;

	err = grants__register(maps, l, global, &global_set);
	for (i = 0; !err && i < policy->n; i++) {
		struct ig_entry *e = &policy->v[i];

		e->grants = global_set;
		if (!e->allow.n)
			continue;
		err = allow__append(&both, &e->allow);
		if (!err)
			err = allow__append(&both, global);
		if (!err)
			err = grants__register(maps, l, &both, &e->grants);
		allow__free(&both);
	}
	return err;
}

int store__register_grants(const struct ig_maps *maps, struct ig_policy *policy,
			   const struct ig_allows *global)
{
	struct ig_learner learner = {};
	int err;

	err = keys__learner_open(&learner, maps->learn_fd);
	if (err) {
		p_err("cannot arm the learn map: %s", strerror(-err));
		return err;
	}
	err = register_grants(maps, &learner, policy, global);
	keys__learner_close(&learner);
	return err ? -EINVAL : 0;
}

/* Learns and stores fresh, the entries of the policy without an id. */
static int store_fresh(const struct ig_maps *maps, struct ig_learner *learner, enum ig_backend b,
		       struct ig_policy *fresh)
{
	__u32 first_id = 0, cap;
	int err, bad = 0;
	size_t i;

	/* Every entry's id at once: one mapping of rule_kinds, not a million. */
	err = kinds__new_entry_ids(maps, (__u32)fresh->n, &first_id);
	if (err) {
		p_err("cannot map the rule_kinds map: %s", strerror(-err));
		return err;
	}
	for (i = 0; i < fresh->n; i++) {
		fresh->v[i].id = first_id + (__u32)i;
		bad += learn_entry(learner, &fresh->v[i], b) != 0;
	}
	if (bad)
		return -EINVAL;
	err = state__add_all(maps, fresh);
	if (!err)
		err = state__add_names(maps, fresh->v, fresh->n);
	if (err == -E2BIG && state__capacity(maps, &cap) == 0)
		p_err("cannot fill the protected maps: they are full at %u keys (give a larger --capacity)",
		      cap);
	else if (err)
		p_err("cannot fill the protected maps: %s", strerror(-err));
	else
		err = state__paths_append(fresh->v, fresh->n);
	return err ? err : store_trees(maps, learner, fresh);
}

int store__entries(const struct ig_maps *maps, enum ig_backend b, struct ig_policy *policy,
		   const struct ig_allows *global)
{
	struct ig_policy fresh = {};
	struct ig_learner learner = {};
	int err;
	size_t i, k;

	err = keys__learner_open(&learner, maps->learn_fd);
	if (err) {
		p_err("cannot arm the learn map: %s", strerror(-err));
		return err;
	}
	/* Kept entries too: their allow rules may have changed. */
	err = register_grants(maps, &learner, policy, global);
	if (err) {
		err = -EINVAL;
		goto cleanup;
	}
	for (i = 0; i < policy->n; i++)
		fresh.n += !policy->v[i].id;
	if (!fresh.n)
		goto cleanup;
	/* Shallow copies: the paths stay the policy's. */
	fresh.v = calloc(fresh.n, sizeof(*fresh.v));
	if (!fresh.v) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (i = 0, k = 0; i < policy->n; i++)
		if (!policy->v[i].id)
			fresh.v[k++] = policy->v[i];
	err = store_fresh(maps, &learner, b, &fresh);
	for (i = 0, k = 0; !err && i < policy->n; i++)
		if (!policy->v[i].id)
			policy->v[i].id = fresh.v[k++].id;
cleanup:
	keys__learner_close(&learner);
	free(fresh.v);
	return err;
}
