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
#include <sys/stat.h>
#include "backend.h"
#include "cli.h"
#include "config.h"
#include "grants.h"
#include "json.h"
#include "keys.h"
#include "kinds.h"
#include "log.h"
#include "quote.h"
#include "relay.h"
#include "resolve.h"
#include "scan.h"
#include "state.h"
#include "store.h"

/* What a live protect did to one entry, for its reply. */
struct protect_result {
	const char *path;      /* the entry's registered path */
	const char *alias;     /* the name given, when another name of it */
	char given[PATH_MAX];  /* the entry's own path */
	bool existed;          /* the entry was there: old_level is its level */
	unsigned int old_level;
};

/* "protected file PATH (kill -> audit, ...)": what is in force now, and
 * what was before when the entry already existed. */
static void report_protected(struct json *j, const struct ig_entry *t,
			     const struct protect_result *r)
{
	const char *kind = t->tree ? "dir" : "file";
	char dev[32], q[QUOTE_BUF], qa[QUOTE_BUF], was[32] = "", allow[1024];

	key__dev_str(&t->key, dev, sizeof(dev));
	grants__describe(t->grants, allow, sizeof(allow));
	if (!j) {
		if (r->existed)
			snprintf(was, sizeof(was), "%s -> ", level__name(r->old_level));
		printf("protected %s %s (%s%s, dev %s ino %llu%s%s%s%s%s)\n", kind,
		       quote__str(r->path, q), was, level__name(t->level), dev,
		       (unsigned long long)t->key.ino, *allow ? ", allow " : "", allow,
		       r->alias ? "; " : "", r->alias ? quote__str(r->alias, qa) : "",
		       r->alias ? " is another name of it" : "");
		return;
	}
	json__begin_object(j);
	json__kv_str(j, "action", "protected");
	json__kv_str(j, "path", r->path);
	json__kv_str(j, "kind", kind);
	json__kv_str(j, "level", level__name(t->level));
	if (r->existed)
		json__kv_str(j, "old_level", level__name(r->old_level));
	if (r->alias)
		json__kv_str(j, "name", r->alias);
	json__kv_str(j, "dev", dev);
	json__kv_uint(j, "ino", t->key.ino);
	json__kv_str(j, "allow", allow);
	json__end_object(j);
}

static void report_removed(struct json *j, const struct ig_entry *t, size_t inodes,
			   unsigned int level)
{
	char q[QUOTE_BUF], path[PATH_MAX];

	entry__path(t, path);
	if (!j) {
		printf("unprotected %s (was %s; %zu inode%s released)\n", quote__str(path, q),
		       level__name(level), inodes, inodes == 1 ? "" : "s");
		return;
	}
	json__begin_object(j);
	json__kv_str(j, "action", "unprotected");
	json__kv_str(j, "path", path);
	json__kv_str(j, "level", level__name(level));
	json__kv_uint(j, "inodes_released", inodes);
	json__end_object(j);
}

/* Parses "[LEVEL flags] [--allow KIND=VALUE]... PATH..." into a policy
 * relative to the cwd; allow may be NULL where no allow rules apply. */
int live__parse_paths(int argc, char **argv, bool with_level, struct ig_policy *p,
		      struct ig_allows *allow)
{
	enum { OPT_LEVEL = CLI_OPT_OWN, OPT_FORCE, OPT_ALLOW };
	static const struct option longopts[] = {
		CLI_LEVEL_LONGOPTS(no_argument),
		{ "level", required_argument, NULL, OPT_LEVEL },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "allow", required_argument, NULL, OPT_ALLOW },
		CLI_COMMON_LONGOPTS,
		{},
	};
	enum ig_level level = IG_LEVEL_DENY;
	char cwd[PATH_MAX], q[QUOTE_BUF];
	int opt, err;

	if (!getcwd(cwd, sizeof(cwd))) {
		err = -errno;
		p_err("cannot read the current directory: %s", strerror(-err));
		return err;
	}
	/* 0, not 1: glibc then also forgets a short-option cluster a previous
	 * parse stopped inside, which would point into a freed argv. */
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "jv", longopts, NULL)) != -1) {
		if (cli__common_opt(opt))
			continue;
		if (with_level && opt >= CLI_OPT_AUDIT && opt <= CLI_OPT_KILL) {
			level = opt - CLI_OPT_AUDIT;
			continue;
		}
		if (with_level && opt == OPT_LEVEL) {
			if (level__parse(optarg, &level) == 0)
				continue;
			p_err("--level: unknown level '%s' (use audit, deny, kill or 0, 1, 2)",
			      quote__str(optarg, q));
			return -EINVAL;
		}
		if (with_level && opt == OPT_FORCE) {
			p->force = true;
			continue;
		}
		if (allow && opt == OPT_ALLOW) {
			if (allow__parse_arg(allow, optarg, "--allow"))
				return -EINVAL;
			continue;
		}
		cli__bad_option(opt, argv, with_level ?
				"protect [--audit|--deny|--kill|--level L] [--force] [--allow KIND=VALUE]... PATH..." :
				"unprotect PATH...");
		return -EINVAL;
	}
	if (optind >= argc) {
		p_err("%s: no PATH given", argv[0]);
		return -EINVAL;
	}
	for (; optind < argc; optind++)
		if (policy__add(p, argv[optind], cwd, level, "command line", 0))
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

#define LIVE_INIT { .maps = IG_MAPS_CLOSED, .lock = -1 }

static int live__open(struct live *l)
{
	int err;

	/* The lock first: a run adopting with another layout replaces the
	 * pinned maps while it holds the lock, and maps opened before that
	 * would be the abandoned ones. */
	l->lock = state__learn_lock();
	if (l->lock < 0) {
		p_err("cannot take %s: %s", IG_LEARN_LOCK, strerror(-l->lock));
		return l->lock;
	}
	err = state__open_pinned(&l->maps);
	if (err)
		return err;
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

/*
 * Another name of a file entry already registered (a hard link, a bind
 * mount): the file entry whose own key holds t's inode. A tree's rule or
 * a key the kernel learned for a name is no such entry: t becomes one.
 */
static bool alias_of_entry(struct live *l, const struct ig_entry *t, __u32 *id)
{
	struct ig_rule rule;

	if (t->tree || !t->nkeys || state__rule_of(&l->maps, &t->key, &rule) ||
	    !rule.entry || (rule.flags & (IG_RULE_TREE | IG_RULE_LEARNED)))
		return false;
	*id = rule.entry;
	return true;
}

/* Adds t's keys and name, in the order that leaves no window: its keys
 * and name first, then for a tree the rule that the hooks walk to, then
 * the files already below it. */
static int add_entry(struct live *l, struct ig_entry *t)
{
	char q[QUOTE_BUF], path[PATH_MAX];
	int err, bad = 0;
	__u32 cap;

	err = state__add(&l->maps, t);
	if (!err)
		err = state__add_names(&l->maps, t, 1);
	if (!err)
		err = state__paths_append(t, 1);
	if (!err && t->tree) {
		err = kinds__count(&l->maps, KIND_TREES, 1);
		if (!err)
			err = state__add_tree_files(&l->maps, &l->learner, t, &bad);
	}
	if (err == -E2BIG && state__capacity(&l->maps, &cap) == 0)
		p_err("%s: cannot add it: the running instance's maps are full at %u keys (restart it with a larger --capacity)",
		      quote__str(entry__path(t, path), q), cap);
	else if (err)
		p_err("%s: cannot add it: %s", quote__str(entry__path(t, path), q), strerror(-err));
	return err ? err : bad ? -EINVAL : 0;
}

/* Run by a sealed daemon's worker (relay.c): a sealed policy only grows,
 * so an entry that exists may get a higher level, or fewer grants (none),
 * never a lower level or other allow rules. */
static int refuse_weaker(struct live *l, const struct ig_entry *t, const char *path)
{
	struct ig_entry_rule now = { .id = t->id };
	char q[QUOTE_BUF];
	int err;

	err = state__entry_rules(&l->maps, &now, 1);
	if (err) {
		p_err("%s: cannot read its rule: %s", quote__str(path, q), strerror(-err));
		return err;
	}
	if (t->level < now.level) {
		p_err("%s: a sealed policy only grows: its level is %s, and protect may raise it, not lower it",
		      quote__str(path, q), level__name(now.level));
		return -EPERM;
	}
	if (t->grants && t->grants != now.grants) {
		p_err("%s: a sealed policy only grows: protect may not give it other allow rules",
		      quote__str(path, q));
		return -EPERM;
	}
	return 0;
}

/*
 * Registers one resolved entry with the running instance. An entry that
 * exists (registered under t's path, or t names its file by another name)
 * gets exactly the level asked, lower included, and keeps the path it
 * was registered under; a new one is added.
 */
static int protect_one(struct live *l, struct ig_entry *t, const struct ig_allows *allow,
		       struct protect_result *r, char *registered, size_t len)
{
	char why[256], q[QUOTE_BUF];
	int err;

	r->path = entry__path(t, r->given);
	r->existed = state__entry_of_path(r->given, &t->id) == 0;
	err = keys__learn(&l->learner, t, why, sizeof(why));
	if (!err && !t->tree)
		err = keys__learn_parent(&l->learner, t, why, sizeof(why));
	if (err) {
		p_err("%s: %s", quote__str(r->given, q), why);
		return err;
	}
	err = grants__register(&l->maps, &l->learner, allow, &t->grants);
	if (err)
		return err;
	if (!r->existed && alias_of_entry(l, t, &t->id) &&
	    state__path_of_entry(t->id, registered, len) == 0) {
		r->alias = r->given;
		r->path = registered;
		r->existed = true;
	}
	if (r->existed && relay__in_worker() && (err = refuse_weaker(l, t, r->path)))
		return err;
	if (r->existed) {
		err = state__set_entry_rule(&l->maps, t->id, t->level, t->grants, &r->old_level);
		if (err == -ENOENT)
			r->existed = false; /* removed meanwhile: add it anew */
		else if (err) {
			p_err("%s: cannot set its level: %s", quote__str(r->path, q), strerror(-err));
			return err;
		}
		/* Its name is guarded too, as the entry's own is. */
		if (r->alias && r->existed) {
			err = state__add_alias_names(&l->maps, t);
			if (err)
				p_err("%s: cannot guard its name: %s", quote__str(r->given, q),
				      strerror(-err));
			return err;
		}
	}
	if (!t->id && (err = kinds__new_entry_ids(&l->maps, 1, &t->id))) {
		p_err("%s: cannot take an entry id: %s", quote__str(r->given, q), strerror(-err));
		return err;
	}
	return add_entry(l, t);
}

int cmd_protect(int argc, char **argv)
{
	struct ig_policy p = {};
	struct ig_allows allow = {};
	struct live live = LIVE_INIT;
	enum ig_backend backend = IG_BACKEND_AUTO;
	struct json *j = log__json();
	char name[32], registered[PATH_MAX], q[QUOTE_BUF], path[PATH_MAX];
	int status = IG_EXIT_USAGE, bad = 0, err;
	pid_t pid;
	size_t i;

	err = live__parse_paths(argc, argv, true, &p, &allow);
	if (!err)
		err = resolve__policy(&p);
	if (!err)
		err = allow__resolve(&allow);
	if (!err)
		err = resolve__merge_same_files(&p);
	if (err) {
		/* Running out of memory is no bad input. */
		status = err == -ENOMEM ? IG_EXIT_FAIL : IG_EXIT_USAGE;
		goto cleanup;
	}
	status = IG_EXIT_FAIL;
	if (live__open(&live))
		goto cleanup;
	if (state__running(&pid, name, sizeof(name)) == 0)
		backend__parse(name, &backend);
	for (i = 0; i < p.n; i++) {
		struct ig_entry *t = &p.v[i];
		struct protect_result r = {};

		if (t->overlay && backend__refuses_overlay(backend)) {
			p_err("%s: on overlayfs, whose backing file the tracepoint backend cannot see",
			      quote__str(entry__path(t, path), q));
			bad++;
			continue;
		}
		if (protect_one(&live, t, &allow, &r, registered, sizeof(registered))) {
			t->id = 0; /* so no alias is guarded as its other name */
			bad++;
			continue;
		}
		if (t->level == IG_LEVEL_DENY && backend__kill_only(backend))
			p_warn("%s: the tracepoint backend enforces deny by SIGKILL after the open",
			       quote__str(r.path, q));
		report_protected(j, t, &r);
	}
	/* Names given for a file listed already in this command. */
	bad += store__aliases(&live.maps, &live.learner, &p) != 0;
	/* Then, as run's start-up scan does, the holders from before: a
	 * mapping reads its pages with no hook at all, and a kill-only
	 * backend sees no read. Not in a sealed daemon's worker, which has
	 * no capability to see other users' processes. */
	if ((size_t)bad < p.n && !relay__in_worker() &&
	    scan__after_change(&live.maps, &p, backend, "protect"))
		bad++;
	status = bad ? IG_EXIT_FAIL : IG_EXIT_OK;
cleanup:
	live__close(&live);
	policy__free(&p);
	allow__free(&allow);
	return status;
}

/*
 * The entry unprotect means by path: the one registered under its
 * canonical name (a file that is gone still has one), or else the entry
 * whose rule now covers the inode the path names (an alias of it).
 */
static int entry_of(struct live *l, const char *path, struct ig_entry *t, char *why, size_t len)
{
	char canon[PATH_MAX];
	struct ig_rule rule;
	int err;

	err = entry__init(t, path, "command line");
	if (err) {
		snprintf(why, len, "%s", strerror(-err));
		return err;
	}
	if (resolve__path(path, t, why, len) == 0) {
		entry__path(t, canon);
		if (state__entry_of_path(canon, &t->id) == 0)
			return 0;
		err = keys__learn(&l->learner, t, why, len);
		if (err)
			return err;
		if (state__rule_of(&l->maps, &t->key, &rule) == 0 && rule.entry) {
			t->id = rule.entry;
			/* The reply names the entry removed, not the alias. */
			if (state__path_of_entry(t->id, canon, sizeof(canon)) == 0)
				return entry__set_path(t, canon);
			return 0;
		}
		snprintf(why, len, "no entry protects it");
		return -ENOENT;
	}
	if (resolve__name(path, canon, sizeof(canon)) == 0 &&
	    state__entry_of_path(canon, &t->id) == 0)
		return entry__set_path(t, canon);
	snprintf(why + strlen(why), len - strlen(why), ", and no entry was registered under that path");
	return -ENOENT;
}

int cmd_unprotect(int argc, char **argv)
{
	struct ig_policy p = {};
	struct live live = LIVE_INIT;
	struct json *j = log__json();
	struct ig_entry t;
	char why[256], q[QUOTE_BUF], path[PATH_MAX];
	int status = IG_EXIT_USAGE, bad = 0, unknown = 0, err;
	unsigned int level;
	size_t i, removed;

	err = live__parse_paths(argc, argv, false, &p, NULL);
	if (err) {
		status = err == -ENOMEM ? IG_EXIT_FAIL : IG_EXIT_USAGE;
		goto cleanup;
	}
	status = IG_EXIT_FAIL;
	if (live__open(&live))
		goto cleanup;
	for (i = 0; i < p.n; i++) {
		why[0] = '\0';
		err = entry_of(&live, entry__path(&p.v[i], path), &t, why, sizeof(why));
		if (err) {
			p_err("%s: %s", quote__str(path, q), why[0] ? why : strerror(-err));
			unknown += err == -ENOENT;
			bad++;
			entry__free(&t);
			continue;
		}
		err = state__remove_entry(&live.maps, t.id, &removed, &level);
		if (err) {
			p_err("%s: cannot remove its entry: %s",
			      quote__str(entry__path(&t, path), q), strerror(-err));
			bad++;
		} else {
			report_removed(j, &t, removed, level);
		}
		entry__free(&t);
	}
	status = !bad ? IG_EXIT_OK : unknown == bad ? IG_EXIT_USAGE : IG_EXIT_FAIL;
cleanup:
	live__close(&live);
	policy__free(&p);
	return status;
}

/* Whether the name of file entry v now holds an inode other than the one
 * first learned for it. The kernel keys what appears at a protected name
 * (a learned key of the entry), so only entries that have one need a
 * stat() to tell: a million-entry list stays one pass over the map. */
static bool entry_replaced(const struct ig_entry_view *v, bool *present)
{
	const struct ig_key *first = NULL;
	bool learned = false;
	struct stat st;
	size_t k;

	*present = true;
	for (k = 0; k < v->n; k++) {
		if (v->rules[k].rule.flags & IG_RULE_LEARNED)
			learned = true;
		else if (!first)
			first = &v->rules[k].key;
	}
	if (v->tree || !learned || !v->path)
		return false;
	if (stat(v->path, &st)) {
		*present = false;
		return true;
	}
	return !first || st.st_ino != first->ino;
}

/* The allow set of entry v: its own key's (a learned key may hold the
 * narrower set of two entries meeting on one inode). */
static __u32 entry_grants(const struct ig_entry_view *v)
{
	size_t k;

	for (k = 0; k < v->n; k++)
		if (!(v->rules[k].rule.flags & IG_RULE_LEARNED))
			return v->rules[k].rule.grants;
	return v->n ? v->rules[0].rule.grants : 0;
}

static int list_one(const struct ig_entry_view *v, void *ctx)
{
	struct json *j = ctx;
	bool present, replaced = entry_replaced(v, &present);
	const char *path = v->path ? v->path : "?";
	char dev[32], allow[1024];
	size_t k;

	grants__describe(entry_grants(v), allow, sizeof(allow));
	if (!j) {
		printf("%-5s %-4s %s (%zu inode%s%s%s%s)\n", level__name(v->level),
		       v->tree ? "dir" : "file", path, v->n, v->n == 1 ? "" : "s",
		       !present ? "; the name is gone" : replaced ? "; the name now holds a new inode" : "",
		       *allow ? "; allow " : "", allow);
		return 0;
	}
	json__begin_object(j);
	json__kv_str(j, "level", level__name(v->level));
	json__kv_str(j, "path", path);
	json__kv_str(j, "kind", v->tree ? "dir" : "file");
	json__kv_bool(j, "replaced", replaced);
	json__kv_bool(j, "present", present);
	json__kv_str(j, "allow", allow);
	json__key(j, "inodes");
	json__begin_array(j);
	for (k = 0; k < v->n; k++) {
		key__dev_str(&v->rules[k].key, dev, sizeof(dev));
		json__begin_object(j);
		json__kv_str(j, "dev", dev);
		json__kv_uint(j, "ino", v->rules[k].key.ino);
		json__kv_uint(j, "gen", v->rules[k].key.gen);
		json__kv_bool(j, "learned", v->rules[k].rule.flags & IG_RULE_LEARNED);
		json__end_object(j);
	}
	json__end_array(j);
	json__end_object(j);
	return 0;
}

int cmd_list(int argc, char **argv)
{
	struct ig_maps maps = IG_MAPS_CLOSED;
	struct json *j = log__json();
	int opt, err;

	/* 0, not 1: glibc then also forgets a short-option cluster a previous
	 * parse stopped inside, which would point into a freed argv. */
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "jv", common_longopts, NULL)) != -1) {
		if (!cli__common_opt(opt)) {
			cli__bad_option(opt, argv, "list [-j]");
			return IG_EXIT_USAGE;
		}
	}
	if (state__open_pinned(&maps))
		return IG_EXIT_FAIL;
	err = state__for_each_entry(&maps, list_one, j);
	if (err)
		p_err("cannot read the running instance's maps: %s", strerror(-err));
	state__close(&maps);
	return err ? IG_EXIT_FAIL : IG_EXIT_OK;
}
