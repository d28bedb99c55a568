// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* `protect`, `unprotect`, `list`: change or read a running instance
 * through its pinned maps, from another shell. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "backend.h"
#include "cli.h"
#include "config.h"
#include "json.h"
#include "keys.h"
#include "log.h"
#include "resolve.h"
#include "state.h"

static void report_change(struct json *j, const char *what, const struct ig_entry *t)
{
	char dev[32];

	key__dev_str(&t->keys[0], dev, sizeof(dev));
	if (!j) {
		printf("%s %s (%s, dev %s ino %llu)\n", what, t->path, level__name(t->level),
		       dev, (unsigned long long)t->keys[0].ino);
		return;
	}
	json__begin_object(j);
	json__kv_str(j, "action", what);
	json__kv_str(j, "path", t->path);
	json__kv_str(j, "level", level__name(t->level));
	json__kv_str(j, "dev", dev);
	json__kv_uint(j, "ino", t->keys[0].ino);
	json__end_object(j);
}

/* Parses "[LEVEL flags] PATH..." into a policy relative to the cwd. */
static int parse_paths(int argc, char **argv, bool with_level, struct ig_policy *p)
{
	enum { OPT_LEVEL = CLI_OPT_OWN };
	static const struct option longopts[] = {
		CLI_LEVEL_LONGOPTS(no_argument),
		{ "level", required_argument, NULL, OPT_LEVEL },
		CLI_COMMON_LONGOPTS,
		{},
	};
	enum ig_level level = IG_LEVEL_DENY;
	char cwd[PATH_MAX];
	int opt;

	if (!getcwd(cwd, sizeof(cwd)))
		return -errno;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "jv", longopts, NULL)) != -1) {
		if (cli__common_opt(opt))
			continue;
		if (with_level && opt >= CLI_OPT_AUDIT && opt <= CLI_OPT_KILL) {
			level = opt - CLI_OPT_AUDIT;
			continue;
		}
		if (with_level && opt == OPT_LEVEL && level__parse(optarg, &level) == 0)
			continue;
		p_err("usage: inodeguard %s%s PATH...", argv[0],
		      with_level ? " [--audit|--deny|--kill|--level L]" : "");
		return -EINVAL;
	}
	if (optind >= argc) {
		p_err("%s: no PATH given", argv[0]);
		return -EINVAL;
	}
	for (; optind < argc; optind++)
		if (policy__add(p, argv[optind], cwd, level, "command line"))
			return -ENOMEM;
	return 0;
}

/* What protect and unprotect hold while they change the running
 * instance: its maps, the learn lock, and the learn map mapped. */
struct live {
	struct ig_maps maps;
	struct ig_learner learner;
	int lock;
};

#define LIVE_INIT { .maps = { -1, -1, -1 }, .lock = -1 }

static int live__open(struct live *l)
{
	int err;

	err = state__open_pinned(&l->maps);
	if (err)
		return err;
	l->lock = state__learn_lock();
	if (l->lock < 0) {
		p_err("cannot take %s: %s", IG_LEARN_LOCK, strerror(-l->lock));
		return l->lock;
	}
	err = keys__learner_open(&l->learner, l->maps.learn_fd);
	if (err)
		p_err("cannot map the running instance's learn map: %s", strerror(-err));
	return err;
}

static void live__close(struct live *l)
{
	keys__learner_close(&l->learner);
	if (l->lock >= 0)
		close(l->lock);
	l->lock = -1;
	state__close(&l->maps);
}

int cmd_protect(int argc, char **argv)
{
	struct ig_policy p = {};
	struct live live = LIVE_INIT;
	enum ig_backend backend = IG_BACKEND_AUTO;
	struct json *j = log__json();
	char why[256], name[32];
	int status = IG_EXIT_USAGE, bad = 0, err;
	pid_t pid;
	size_t i;

	if (parse_paths(argc, argv, true, &p) || resolve__policy(&p))
		goto cleanup;
	status = IG_EXIT_FAIL;
	if (live__open(&live))
		goto cleanup;
	if (state__running(&pid, name, sizeof(name)) == 0)
		backend__parse(name, &backend);
	for (i = 0; i < p.n; i++) {
		struct ig_entry *t = &p.v[i];

		if (t->overlay && backend__refuses_overlay(backend)) {
			p_err("%s: on overlayfs, whose backing file the tracepoint backend cannot see", t->path);
			bad++;
			continue;
		}
		if (keys__learn(&live.learner, t, why, sizeof(why))) {
			p_err("%s: %s", t->path, why);
			bad++;
			continue;
		}
		err = state__add(&live.maps, t);
		if (!err)
			err = state__paths_append(t, 1);
		if (err) {
			p_err("%s: cannot add it: %s", t->path, strerror(-err));
			bad++;
			continue;
		}
		if (t->level == IG_LEVEL_DENY && backend__kill_only(backend))
			p_warn("%s: the tracepoint backend enforces deny by SIGKILL after the open", t->path);
		report_change(j, "protected", t);
	}
	status = bad ? IG_EXIT_FAIL : IG_EXIT_OK;
cleanup:
	live__close(&live);
	policy__free(&p);
	return status;
}

/* The keys registered under one path: its overlay and backing keys, and
 * those of files that were replaced under that name and protected again. */
struct forget_ctx {
	struct ig_key keys[IG_TARGET_KEYS * 4];
	size_t n;
};

static int collect_key(const struct ig_key *k, void *ctx)
{
	struct forget_ctx *c = ctx;

	if (c->n == sizeof(c->keys) / sizeof(c->keys[0]))
		return -E2BIG;
	c->keys[c->n++] = *k;
	return 0;
}

/* A file that is gone can no longer be learned: fall back to the keys
 * registered under its canonical name. */
static int unprotect_missing(const struct ig_maps *maps, const char *path)
{
	struct forget_ctx c = {};
	struct paths_index ix = {};
	char canon[PATH_MAX];
	size_t i, removed = 0;
	int err;

	err = resolve__name(path, canon, sizeof(canon));
	if (!err)
		err = state__paths_load(&ix);
	if (!err)
		err = paths_index__for_path(&ix, canon, collect_key, &c);
	paths_index__free(&ix);
	if (err)
		return err;
	for (i = 0; i < c.n; i++)
		if (state__remove(maps, &c.keys[i]) == 0)
			c.keys[removed++] = c.keys[i];
	if (removed)
		state__paths_forget(c.keys, removed);
	return removed ? 0 : -ENOENT;
}

int cmd_unprotect(int argc, char **argv)
{
	struct ig_policy p = {};
	struct live live = LIVE_INIT;
	struct json *j = log__json();
	struct ig_entry t;
	char why[256];
	int status = IG_EXIT_USAGE, bad = 0, k;
	size_t i;

	if (parse_paths(argc, argv, false, &p))
		goto cleanup;
	status = IG_EXIT_FAIL;
	if (live__open(&live))
		goto cleanup;
	for (i = 0; i < p.n; i++) {
		memset(&t, 0, sizeof(t));
		if (resolve__path(p.v[i].path, &t, why, sizeof(why))) {
			if (unprotect_missing(&live.maps, p.v[i].path)) {
				p_err("%s: %s, and no entry was registered under that path", p.v[i].path, why);
				bad++;
			}
			continue;
		}
		if (keys__learn(&live.learner, &t, why, sizeof(why))) {
			p_err("%s: %s", t.path, why);
			bad++;
		} else {
			for (k = 0; k < t.nkeys; k++)
				state__remove(&live.maps, &t.keys[k]);
			state__paths_forget(t.keys, t.nkeys);
			t.level = 0;
			report_change(j, "unprotected", &t);
		}
		free(t.path);
	}
	status = bad ? IG_EXIT_FAIL : IG_EXIT_OK;
cleanup:
	live__close(&live);
	policy__free(&p);
	return status;
}

static int list_one(const struct ig_key *k, const struct ig_rule *r,
		    const char *path, void *ctx)
{
	struct json *j = ctx;
	char dev[32];

	key__dev_str(k, dev, sizeof(dev));
	if (!j) {
		printf("%-5s %s:%llu %s\n", level__name(r->level), dev,
		       (unsigned long long)k->ino, path[0] ? path : "?");
		return 0;
	}
	json__begin_object(j);
	json__kv_str(j, "level", level__name(r->level));
	json__kv_str(j, "path", path);
	json__kv_str(j, "dev", dev);
	json__kv_uint(j, "ino", k->ino);
	json__kv_uint(j, "gen", k->gen);
	json__end_object(j);
	return 0;
}

int cmd_list(int argc, char **argv)
{
	struct ig_maps maps = IG_MAPS_CLOSED;
	struct json *j = log__json();
	int opt, err;

	optind = 1;
	while ((opt = getopt(argc, argv, "jv")) != -1) {
		if (!cli__common_opt(opt)) {
			p_err("usage: inodeguard list [-j]");
			return IG_EXIT_USAGE;
		}
	}
	if (state__open_pinned(&maps))
		return IG_EXIT_FAIL;
	err = state__for_each(&maps, list_one, j);
	state__close(&maps);
	return err ? IG_EXIT_FAIL : IG_EXIT_OK;
}
