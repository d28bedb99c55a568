// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Policy difference stage: what a new policy changes in a running (or
 * pinned) instance, applied so that nothing both policies name is
 * unprotected for a moment and what the old one alone named goes last.
 * Adoption by a new `run` and reload both apply it here. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "adopt.h"
#include "array.h"
#include "log.h"
#include "store.h"

static bool policy_has_id(const struct ig_policy *p, __u32 id)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (p->v[i].id == id)
			return true;
	return false;
}

/* The old policy's entries that are still registered under their id and
 * that the new policy does not name. */
static int plan_release(const struct ig_policy *policy, const struct ig_policy_record *rec,
			size_t nrec, struct adopt_plan *plan)
{
	const char **paths;
	__u32 *ids = NULL;
	size_t i, cap = 0;
	int err;

	if (!nrec)
		return 0;
	paths = calloc(nrec, sizeof(*paths));
	ids = paths ? calloc(nrec, sizeof(*ids)) : NULL;
	if (!ids) {
		free(paths);
		return -ENOMEM;
	}
	for (i = 0; i < nrec; i++)
		paths[i] = rec[i].path;
	err = state__find_paths(paths, ids, nrec);
	for (i = 0; !err && i < nrec; i++) {
		if (ids[i] != rec[i].id || policy_has_id(policy, rec[i].id))
			continue;
		if (array__grow((void **)&plan->release, &cap, plan->nrelease, sizeof(__u32))) {
			err = -ENOMEM;
			break;
		}
		plan->release[plan->nrelease++] = rec[i].id;
	}
	free(ids);
	free(paths);
	return err;
}

/* Gives every entry of policy that is registered already its id (it is
 * kept, not learned again) and plans the release of the rest. */
static int adopt_plan(struct ig_policy *policy, struct adopt_plan *plan)
{
	struct ig_policy_record *rec = NULL;
	size_t nrec = 0, i;
	int err;

	memset(plan, 0, sizeof(*plan));
	err = state__find_entries(policy->v, policy->n);
	if (!err)
		err = state__policy_read(&rec, &nrec);
	for (i = 0; !err && i < policy->n; i++) {
		if (policy->v[i].id)
			plan->kept++;
		else
			plan->added++;
	}
	if (!err)
		err = plan_release(policy, rec, nrec, plan);
	state__policy_free(rec, nrec);
	if (err)
		adopt__free(plan);
	return err;
}

/* Every kept entry's rule exactly as the new policy has it: its level and
 * its allow set. An entry `protect` added has no record, and one that
 * was in the old policy may have had other rules: all are set. */
static int set_kept_rules(const struct ig_maps *m, const struct ig_policy *policy,
			  const bool *kept)
{
	struct ig_entry_rule *set;
	size_t i, n = 0;
	int err;

	set = calloc(policy->n ? policy->n : 1, sizeof(*set));
	if (!set)
		return -ENOMEM;
	for (i = 0; i < policy->n; i++) {
		if (!kept[i])
			continue;
		set[n].id = policy->v[i].id;
		set[n].level = policy->v[i].level;
		set[n++].grants = policy->v[i].grants;
	}
	err = state__set_rules(m, set, n);
	free(set);
	return err;
}

static int release(const struct ig_maps *m, const struct adopt_plan *plan, size_t *inodes)
{
	unsigned int level;
	size_t i, n;
	int err = 0;

	*inodes = 0;
	for (i = 0; !err && i < plan->nrelease; i++) {
		err = state__remove_entry(m, plan->release[i], &n, &level);
		*inodes += n;
	}
	return err;
}

/* A sealed policy only grows: every entry the plan would release, and
 * every kept entry the new policy gives a lower level or another allow
 * set than it has (fewer grants, none, is stricter and passes), is
 * named, and nothing is changed. */
static int refuse_shrinking(const struct ig_maps *m, struct ig_policy *policy,
			    const struct adopt_plan *plan, const struct ig_allows *global)
{
	struct ig_entry_rule *now = NULL, probe, *hit;
	char path[PATH_MAX];
	size_t i, n = 0;
	int err, bad = 0;

	for (i = 0; i < plan->nrelease; i++, bad++)
		p_err("%s: a sealed policy only grows: the new configuration would release this entry",
		      state__path_of_entry(plan->release[i], path, sizeof(path)) ? "?" : path);
	if (bad)
		return -EPERM;
	err = store__register_grants(m, policy, global);
	if (!err)
		now = calloc(policy->n ? policy->n : 1, sizeof(*now));
	if (!err && !now)
		err = -ENOMEM;
	for (i = 0; !err && i < policy->n; i++)
		if (policy->v[i].id)
			now[n++].id = policy->v[i].id;
	if (!err)
		err = state__entry_rules(m, now, n);
	for (i = 0; !err && i < policy->n; i++) {
		const struct ig_entry *e = &policy->v[i];

		probe.id = e->id;
		hit = e->id ? bsearch(&probe, now, n, sizeof(*now), entry_rule__cmp) : NULL;
		if (!hit || (e->level >= hit->level && (e->grants == hit->grants || !e->grants)))
			continue;
		p_err("%s: a sealed policy only grows: the new configuration gives it %s",
		      entry__path(e, path), e->level < hit->level ? "a lower level" : "other allow rules");
		bad++;
	}
	free(now);
	if (err && err != -EINVAL)
		p_err("cannot compare the new configuration with the running instance: %s",
		      strerror(-err));
	return err ? err : bad ? -EPERM : 0;
}

int adopt__apply(const struct ig_maps *m, enum ig_backend b, struct ig_policy *policy,
		 const struct ig_allows *global, bool grow_only, adopt__step_fn before_release,
		 void *ctx, struct adopt_plan *plan)
{
	bool *kept = NULL;
	size_t i;
	int err;

	err = adopt_plan(policy, plan);
	if (err) {
		p_err("cannot read the running instance's entries: %s", strerror(-err));
		return err;
	}
	if (grow_only && (err = refuse_shrinking(m, policy, plan, global)))
		return err;
	/* Which entries were registered before: storing gives the rest ids. */
	kept = calloc(policy->n ? policy->n : 1, sizeof(*kept));
	if (!kept) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (i = 0; i < policy->n; i++)
		kept[i] = policy->v[i].id != 0;
	err = store__entries(m, b, policy, global);
	if (err)
		goto cleanup;
	err = set_kept_rules(m, policy, kept);
	if (err) {
		p_err("cannot change the rules of kept entries: %s", strerror(-err));
		goto cleanup;
	}
	if (before_release && (err = before_release(ctx)))
		goto cleanup;
	err = release(m, plan, &plan->released_inodes);
	if (err)
		p_err("cannot release the entries the new policy dropped: %s", strerror(-err));
cleanup:
	free(kept);
	return err;
}
void adopt__free(struct adopt_plan *plan)
{
	free(plan->release);
	memset(plan, 0, sizeof(*plan));
}
