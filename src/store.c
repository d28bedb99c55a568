// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Storing stage: learn the keys of a policy's new entries and add them,
 * in the order that leaves no window; register every entry's allow set. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "grants.h"
#include "keys.h"
#include "kinds.h"
#include "log.h"
#include "state.h"
#include "store.h"

/* Learns every key an entry needs that no confirmed handle gave: its
 * inode(s), and the directory's for a file entry's name part. */
static int learn_entry(struct ig_learner *l, struct ig_entry *e, enum ig_backend b)
{
	char why[256], where[IG_ORIGIN_BUF], path[PATH_MAX];
	int err = 0;

	if (e->overlay && backend__refuses_overlay(b)) {
		p_err("%s: %s: on overlayfs, whose backing file the %s backend cannot see; refusing rather than protecting only the overlay name",
		      entry__origin(e, where, sizeof(where)), entry__path(e, path), backend__name(b));
		return -EINVAL;
	}
	if (!e->nkeys)
		err = keys__learn(l, e, why, sizeof(why));
	if (!err && !e->tree && !e->dir->nkeys)
		err = keys__learn_parent(l, e, why, sizeof(why));
	if (err)
		p_err("%s: %s: %s", entry__origin(e, where, sizeof(where)), entry__path(e, path), why);
	return err;
}

/* What the kernel said of a layout group of computed keys. */
enum group_verdict {
	GROUP_UNTRIED = 0,
	GROUP_CONFIRMED,
	GROUP_REFUSED,
};

struct confirm {
	struct ig_learner *learner;
	const struct fhandle_group *groups;
	enum group_verdict *verdict;
	size_t computed;
};

/* Keeps e's computed key (its directory's when dir) if its group is
 * confirmed, trying e itself when the group is untried; else forgets it,
 * so that it is learned by opening. A file that cannot be learned does
 * not decide for its group: the next one is tried. */
static void confirm_key(struct confirm *c, struct ig_entry *e, bool dir)
{
	__u16 g = dir ? e->dir->group : e->key_group;
	enum group_verdict *v = &c->verdict[g - 1];
	char why[256], dev[32], path[PATH_MAX];
	struct ig_key k;
	int err;

	if (*v == GROUP_UNTRIED) {
		err = keys__confirm(c->learner, e, dir, why, sizeof(why));
		if (err == -EPROTO) {
			k.dev = fhandle__kernel_dev(c->groups[g - 1].st_dev);
			key__dev_str(&k, dev, sizeof(dev));
			p_warn("%s: file handles (type %d, %u bytes) on dev %s do not give the kernel's keys (%s): every file there is learned by opening it",
			       entry__path(e, path), c->groups[g - 1].type, c->groups[g - 1].bytes, dev, why);
		}
		*v = err == 0 ? GROUP_CONFIRMED : err == -EPROTO ? GROUP_REFUSED : GROUP_UNTRIED;
	}
	if (*v == GROUP_CONFIRMED) {
		c->computed += !dir;
		return;
	}
	/* One key each: nothing to free, and no allocation to fail. The
	 * directory's is forgotten for every file in it, which shares one
	 * group. */
	if (dir) {
		e->dir->nkeys = 0;
		e->dir->group = 0;
	} else {
		e->nkeys = 0;
		e->key_group = 0;
	}
}

/*
 * Keys computed from file handles are used only where the kernel keyed
 * one file of the same layout on the same superblock just so, learned by
 * opening it as any key is learned; the others are forgotten here and
 * learned by opening their files.
 */
static int confirm_computed(struct ig_learner *l, struct ig_policy *fresh,
			    const struct ig_policy *policy)
{
	struct confirm c = { .learner = l, .groups = policy->groups };
	size_t i;

	c.verdict = calloc(policy->ngroups ? policy->ngroups : 1, sizeof(*c.verdict));
	if (!c.verdict)
		return -ENOMEM;
	for (i = 0; i < fresh->n; i++) {
		struct ig_entry *e = &fresh->v[i];

		if (e->key_group)
			confirm_key(&c, e, false);
		if (e->dir->group)
			confirm_key(&c, e, true);
	}
	free(c.verdict);
	p_debug("keys: %zu computed from file handles and confirmed by the kernel, %zu to learn by opening the file",
		c.computed, fresh->n - c.computed);
	return 0;
}

int store__aliases(const struct ig_maps *maps, struct ig_learner *l, struct ig_policy *policy)
{
	char why[256], where[IG_ORIGIN_BUF], path[PATH_MAX];
	int err = 0, bad = 0;
	size_t i;

	for (i = 0; !err && i < policy->naliases; i++) {
		struct ig_entry *name = &policy->aliases[i].name;
		const struct ig_entry *of = &policy->v[policy->aliases[i].of];

		/* Its entry was refused: nothing to be another name of. */
		if (!of->id)
			continue;
		name->id = of->id;
		name->level = of->level;
		name->grants = of->grants;
		/* Merged without keys (keep_alias): learned here. */
		if (keys__learn_parent(l, name, why, sizeof(why))) {
			p_err("%s: %s: %s", entry__origin(name, where, sizeof(where)),
			      entry__path(name, path), why);
			bad++;
			continue;
		}
		err = state__add_alias_names(maps, name);
		if (err)
			p_err("%s: cannot guard its name: %s", entry__path(name, path),
			      strerror(-err));
	}
	return err ? err : bad ? -EINVAL : 0;
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
		if (!entry__allow(e) || !entry__allow(e)->n)
			continue;
		err = allow__append(&both, entry__allow(e));
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

/* Large policies fill the names map on a thread of its own. */
#define FILL_THREADED_MIN 65536

struct names_fill {
	const struct ig_maps *maps;
	const struct ig_policy *fresh;
	int err;
};

static void *names_fill(void *arg)
{
	struct names_fill *job = arg;

	job->err = state__add_names(job->maps, job->fresh->v, job->fresh->n);
	return NULL;
}

/* The protected and names maps: each update is the kernel's work, and one
 * map's updates need not wait for the other's, so a large policy fills
 * them at once, each on its own CPU where there are two. */
static int fill_both(const struct ig_maps *maps, const struct ig_policy *fresh)
{
	struct names_fill job = { .maps = maps, .fresh = fresh };
	bool threaded;
	pthread_t t;
	int err;

	threaded = fresh->n >= FILL_THREADED_MIN && pthread_create(&t, NULL, names_fill, &job) == 0;
	err = state__add_all(maps, fresh);
	if (threaded)
		pthread_join(t, NULL);
	else if (!err)
		names_fill(&job);
	return err ? err : job.err;
}

/* Learns and stores fresh, the entries of the policy without an id. */
static int store_fresh(const struct ig_maps *maps, struct ig_learner *learner, enum ig_backend b,
		       struct ig_policy *fresh, const struct ig_policy *policy)
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
	err = confirm_computed(learner, fresh, policy);
	if (err)
		return err;
	for (i = 0; i < fresh->n; i++) {
		fresh->v[i].id = first_id + (__u32)i;
		bad += learn_entry(learner, &fresh->v[i], b) != 0;
	}
	if (bad)
		return -EINVAL;
	err = fill_both(maps, fresh);
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
		goto aliases;
	if (fresh.n == policy->n) {
		/* A fresh start: all are new, and a million need no copy. */
		fresh.v = policy->v;
		err = store_fresh(maps, &learner, b, &fresh, policy);
		goto aliases;
	}
	/* Shallow copies: the paths stay the policy's. */
	fresh.v = calloc(fresh.n, sizeof(*fresh.v));
	if (!fresh.v) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (i = 0, k = 0; i < policy->n; i++)
		if (!policy->v[i].id)
			fresh.v[k++] = policy->v[i];
	err = store_fresh(maps, &learner, b, &fresh, policy);
	/* Back with their ids and keys (the start-up scan reads the keys),
	 * failed or not: the keys a copy learned are the policy's to free. */
	for (i = 0, k = 0; i < policy->n; i++)
		if (!policy->v[i].id)
			policy->v[i] = fresh.v[k++];
aliases:
	/* Kept entries' too: a reload may name a kept file by a new name. */
	if (!err)
		err = store__aliases(maps, &learner, policy);
cleanup:
	keys__learner_close(&learner);
	if (fresh.v != policy->v)
		free(fresh.v);
	return err;
}
