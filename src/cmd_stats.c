// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* `stats`: what the running instance has judged since it first started,
 * from the pinned counters, so any shell can ask and adoption keeps them. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "cli.h"
#include "events.h"
#include "inodeguard.h"
#include "json.h"
#include "loader.h"
#include "log.h"
#include "state.h"

#define ACTIONS (IG_ACTION_KILL + 1)

struct stats {
	struct ig_instance_status status;
	struct ig_counters c;
	__u64 since_ns;     /* 0: the pinned object does not record it */
	__u64 uptime_s;
	size_t entries, keys;
	__u32 capacity;
};

static int count_entry(const struct ig_entry_view *v, void *ctx)
{
	struct stats *s = ctx;

	s->entries++;
	s->keys += v->n;
	return 0;
}

static int stats__read(struct stats *s)
{
	struct ig_maps maps = IG_MAPS_CLOSED;
	struct timespec now;
	int err;

	memset(s, 0, sizeof(*s));
	if (state__open_pinned(&maps))
		return -ESRCH;
	state__status(&s->status);
	err = state__capacity(&maps, &s->capacity);
	if (!err)
		err = state__for_each_entry(&maps, count_entry, s);
	state__close(&maps);
	if (err) {
		p_err("cannot read the running instance's maps: %s", strerror(-err));
		return err;
	}
	err = loader__pinned_counters(&s->c, &s->since_ns);
	if (err) {
		p_err("cannot read the running instance's counters: %s",
		      err == -EMEDIUMTYPE ? "they were pinned by another version of inodeguard" :
		      strerror(-err));
		return err;
	}
	clock_gettime(CLOCK_BOOTTIME, &now);
	if (s->since_ns)
		s->uptime_s = ((__u64)now.tv_sec * 1000000000ull + (__u64)now.tv_nsec - s->since_ns) /
			      1000000000ull;
	return 0;
}

static __u64 action_total(const struct stats *s, unsigned int a)
{
	__u64 n = 0;
	unsigned int op;

	for (op = 0; op < IG_OP_MAX; op++)
		n += s->c.verdicts[a][op];
	return n;
}

static void print_text(const struct stats *s)
{
	unsigned int a, op;

	if (s->status.state == IG_INSTANCE_SERVED)
		printf("backend: %s (pid %d)\n", s->status.backend, (int)s->status.pid);
	else
		printf("backend: unknown (no daemon serves the pins)\n");
	if (s->since_ns)
		printf("uptime: %llud %02llu:%02llu:%02llu (since the first start; adoption keeps it)\n",
		       (unsigned long long)(s->uptime_s / 86400),
		       (unsigned long long)(s->uptime_s / 3600 % 24),
		       (unsigned long long)(s->uptime_s / 60 % 60),
		       (unsigned long long)(s->uptime_s % 60));
	else
		printf("uptime: unknown\n");
	printf("entries: %zu, %zu of %u keys in use\n", s->entries, s->keys, s->capacity);
	printf("keys learned %llu, reclaimed %llu; operations denied for a full map %llu\n",
	       (unsigned long long)s->c.keys_added, (unsigned long long)s->c.keys_reclaimed,
	       (unsigned long long)s->c.keys_full);
	printf("events lost: %llu\n", (unsigned long long)s->c.events_lost);
	printf("kills for what a skipped check let through: %llu\n",
	       (unsigned long long)s->c.caught_at_exit);
	printf("%-12s %12s %12s %12s\n", "operation", "audit", "deny", "kill");
	for (op = 0; op < IG_OP_MAX; op++) {
		__u64 row = 0;

		for (a = 0; a < ACTIONS; a++)
			row += s->c.verdicts[a][op];
		if (!row)
			continue;
		printf("%-12s %12llu %12llu %12llu\n", op__name(op),
		       (unsigned long long)s->c.verdicts[IG_ACTION_AUDIT][op],
		       (unsigned long long)s->c.verdicts[IG_ACTION_DENY][op],
		       (unsigned long long)s->c.verdicts[IG_ACTION_KILL][op]);
	}
	printf("%-12s %12llu %12llu %12llu\n", "total", (unsigned long long)action_total(s, 0),
	       (unsigned long long)action_total(s, 1), (unsigned long long)action_total(s, 2));
}

static void print_json(struct json *j, const struct stats *s)
{
	unsigned int a, op;

	json__kv_str(j, "state", instance_state__str(s->status.state));
	if (s->status.state == IG_INSTANCE_SERVED) {
		json__kv_str(j, "backend", s->status.backend);
		json__kv_int(j, "pid", s->status.pid);
	} else {
		json__key(j, "backend");
		json__null(j);
	}
	json__key(j, "uptime_s");
	if (s->since_ns)
		json__uint(j, s->uptime_s);
	else
		json__null(j);
	json__kv_uint(j, "entries", s->entries);
	json__kv_uint(j, "keys", s->keys);
	json__kv_uint(j, "capacity", s->capacity);
	json__kv_uint(j, "keys_learned", s->c.keys_added);
	json__kv_uint(j, "keys_reclaimed", s->c.keys_reclaimed);
	json__kv_uint(j, "keys_full", s->c.keys_full);
	json__kv_uint(j, "events_lost", s->c.events_lost);
	json__kv_uint(j, "caught_at_exit", s->c.caught_at_exit);
	json__key(j, "verdicts");
	json__begin_object(j);
	for (a = 0; a < ACTIONS; a++) {
		json__key(j, action__name(a));
		json__begin_object(j);
		for (op = 0; op < IG_OP_MAX; op++)
			json__kv_uint(j, op__name(op), s->c.verdicts[a][op]);
		json__end_object(j);
	}
	json__end_object(j);
	json__key(j, "totals");
	json__begin_object(j);
	for (a = 0; a < ACTIONS; a++)
		json__kv_uint(j, action__name(a), action_total(s, a));
	json__end_object(j);
}

int cmd_stats(int argc, char **argv)
{
	struct json *j = log__json();
	struct stats s;
	int opt;

	/* 0, not 1: glibc then also forgets a short-option cluster a previous
	 * parse stopped inside, which would point into a freed argv. */
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "jv", common_longopts, NULL)) != -1) {
		if (!cli__common_opt(opt)) {
			cli__bad_option(opt, argv, "stats [-j]");
			return IG_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		p_err("stats: takes no arguments (see 'inodeguard help')");
		return IG_EXIT_USAGE;
	}
	if (stats__read(&s))
		return IG_EXIT_FAIL;
	if (j)
		print_json(j, &s);
	else
		print_text(&s);
	return IG_EXIT_OK;
}
