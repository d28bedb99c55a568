// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Adoption stage: the difference between the policy a pinned instance was
 * started with and the new one, so that nothing both name is unprotected
 * for a moment, and what the old one alone named goes last. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "adopt.h"
#include "array.h"

static bool policy_has_id(const struct ig_policy *p, __u32 id)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (p->v[i].id == id)
			return true;
	return false;
}

static const struct ig_policy_record *record_of(const struct ig_policy_record *r, size_t n, __u32 id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (r[i].id == id)
			return &r[i];
	return NULL;
}

/* The old policy's entries that are still registered under their id and
 * that the new policy does not name. */
static int plan_release(const struct ig_policy *policy, const struct ig_policy_record *rec,
			size_t nrec, struct adopt_plan *plan)
{
	struct ig_entry *probe;
	size_t i, cap = 0;
	int err;

	if (!nrec)
		return 0;
	probe = calloc(nrec, sizeof(*probe));
	if (!probe)
		return -ENOMEM;
	for (i = 0; i < nrec; i++)
		probe[i].path = rec[i].path;
	err = state__find_entries(probe, nrec);
	for (i = 0; !err && i < nrec; i++) {
		if (probe[i].id != rec[i].id || policy_has_id(policy, rec[i].id))
			continue;
		if (array__grow((void **)&plan->release, &cap, plan->nrelease, sizeof(__u32))) {
			err = -ENOMEM;
			break;
		}
		plan->release[plan->nrelease++] = rec[i].id;
	}
	free(probe);
	return err;
}

int adopt__plan(struct ig_policy *policy, struct adopt_plan *plan)
{
	const struct ig_policy_record *r;
	struct ig_policy_record *rec = NULL;
	size_t nrec = 0, i, cap = 0;
	int err;

	memset(plan, 0, sizeof(*plan));
	err = state__find_entries(policy->v, policy->n);
	if (!err)
		err = state__policy_read(&rec, &nrec);
	for (i = 0; !err && i < policy->n; i++) {
		struct ig_entry *e = &policy->v[i];

		if (!e->id) {
			plan->added++;
			continue;
		}
		plan->kept++;
		/* An entry `protect` added has no record: its level may differ. */
		r = record_of(rec, nrec, e->id);
		if (r && r->level == e->level)
			continue;
		if (array__grow((void **)&plan->relevel, &cap, plan->nrelevel, sizeof(*plan->relevel))) {
			err = -ENOMEM;
			break;
		}
		plan->relevel[plan->nrelevel].id = e->id;
		plan->relevel[plan->nrelevel++].level = e->level;
	}
	if (!err)
		err = plan_release(policy, rec, nrec, plan);
	state__policy_free(rec, nrec);
	if (err)
		adopt__free(plan);
	return err;
}

int adopt__release(const struct ig_maps *m, const struct adopt_plan *plan, size_t *inodes)
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

void adopt__free(struct adopt_plan *plan)
{
	free(plan->relevel);
	free(plan->release);
	memset(plan, 0, sizeof(*plan));
}
