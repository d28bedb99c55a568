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
#include "json.h"
#include "keys.h"
#include "log.h"
#include "resolve.h"
#include "state.h"

static void report_change(struct json *j, const char *what, const struct ig_entry *t)
{
	const char *kind = t->tree ? "dir" : "file";
	char dev[32];

	key__dev_str(&t->keys[0], dev, sizeof(dev));
	if (!j) {
		printf("%s %s %s (%s, dev %s ino %llu)\n", what, kind, t->path,
		       level__name(t->level), dev, (unsigned long long)t->keys[0].ino);
		return;
	}
	json__begin_object(j);
	json__kv_str(j, "action", what);
	json__kv_str(j, "path", t->path);
	json__kv_str(j, "kind", kind);
	json__kv_str(j, "level", level__name(t->level));
	json__kv_str(j, "dev", dev);
	json__kv_uint(j, "ino", t->keys[0].ino);
	json__end_object(j);
}

static void report_removed(struct json *j, const struct ig_entry *t, size_t inodes)
{
	if (!j) {
		printf("unprotected %s (%zu inode%s released)\n", t->path, inodes,
		       inodes == 1 ? "" : "s");
		return;
	}
	json__begin_object(j);
	json__kv_str(j, "action", "unprotected");
	json__kv_str(j, "path", t->path);
	json__kv_uint(j, "inodes_released", inodes);
	json__end_object(j);
}

/* Parses "[LEVEL flags] PATH..." into a policy relative to the cwd. */
int live__parse_paths(int argc, char **argv, bool with_level, struct ig_policy *p)
{
	enum { OPT_LEVEL = CLI_OPT_OWN, OPT_FORCE };
	static const struct option longopts[] = {
		CLI_LEVEL_LONGOPTS(no_argument),
		{ "level", required_argument, NULL, OPT_LEVEL },
		{ "force", no_argument, NULL, OPT_FORCE },
		CLI_COMMON_LONGOPTS,
		{},
	};
	enum ig_level level = IG_LEVEL_DENY;
	char cwd[PATH_MAX];
	int opt;

	if (!getcwd(cwd, sizeof(cwd)))
		return -errno;
	/* 0, not 1: glibc then also forgets a short-option cluster a previous
	 * parse stopped inside, which would point into a freed argv. */
	optind = 0;
	while ((opt = getopt_long(argc, argv, "jv", longopts, NULL)) != -1) {
		if (cli__common_opt(opt))
			continue;
		if (with_level && opt >= CLI_OPT_AUDIT && opt <= CLI_OPT_KILL) {
			level = opt - CLI_OPT_AUDIT;
			continue;
		}
		if (with_level && opt == OPT_LEVEL && level__parse(optarg, &level) == 0)
			continue;
		if (with_level && opt == OPT_FORCE) {
			p->force = true;
			continue;
		}
		p_err("usage: inodeguard %s%s PATH...", argv[0],
		      with_level ? " [--audit|--deny|--kill|--level L] [--force]" : "");
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

#define LIVE_INIT { .maps = IG_MAPS_CLOSED, .lock = -1 }

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

/*
 * Registers one resolved entry with the running instance, in the order
 * that leaves no window: its keys and name first, then for a tree the
 * rule that the hooks walk to, then the files already below it.
 */
static int protect_one(struct live *l, struct ig_entry *t)
{
	char why[256];
	int err, bad = 0;

	if (state__entry_of_path(t->path, &t->id) &&
	    (err = state__new_entry_id(&l->maps, &t->id))) {
		p_err("%s: cannot take an entry id: %s", t->path, strerror(-err));
		return err;
	}
	err = keys__learn(&l->learner, t, why, sizeof(why));
	if (!err && !t->tree)
		err = keys__learn_parent(&l->learner, t, why, sizeof(why));
	if (err) {
		p_err("%s: %s", t->path, why);
		return err;
	}
	err = state__add(&l->maps, t);
	if (!err)
		err = state__add_names(&l->maps, t, 1);
	if (!err)
		err = state__paths_append(t, 1);
	if (!err && t->tree) {
		err = state__count_trees(&l->maps, 1);
		if (!err)
			err = state__add_tree_files(&l->maps, &l->learner, t, &bad);
	}
	if (err)
		p_err("%s: cannot add it: %s", t->path, strerror(-err));
	return err ? err : bad ? -EINVAL : 0;
}

int cmd_protect(int argc, char **argv)
{
	struct ig_policy p = {};
	struct live live = LIVE_INIT;
	enum ig_backend backend = IG_BACKEND_AUTO;
	struct json *j = log__json();
	char name[32];
	int status = IG_EXIT_USAGE, bad = 0;
	pid_t pid;
	size_t i;

	if (live__parse_paths(argc, argv, true, &p) || resolve__policy(&p))
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
		if (protect_one(&live, t)) {
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

	memset(t, 0, sizeof(*t));
	if (resolve__path(path, t, why, len) == 0) {
		snprintf(canon, sizeof(canon), "%s", t->path);
		if (state__entry_of_path(canon, &t->id) == 0)
			return 0;
		err = keys__learn(&l->learner, t, why, len);
		if (err)
			return err;
		if (state__rule_of(&l->maps, &t->keys[0], &rule) == 0 && rule.entry) {
			t->id = rule.entry;
			return 0;
		}
		snprintf(why, len, "no entry protects it");
		return -ENOENT;
	}
	if (resolve__name(path, canon, sizeof(canon)) == 0 &&
	    state__entry_of_path(canon, &t->id) == 0) {
		t->path = strdup(canon);
		return t->path ? 0 : -ENOMEM;
	}
	snprintf(why + strlen(why), len - strlen(why), ", and no entry was registered under that path");
	return -ENOENT;
}

int cmd_unprotect(int argc, char **argv)
{
	struct ig_policy p = {};
	struct live live = LIVE_INIT;
	struct json *j = log__json();
	struct ig_entry t;
	char why[256];
	int status = IG_EXIT_USAGE, bad = 0, unknown = 0, err;
	size_t i, removed;

	if (live__parse_paths(argc, argv, false, &p))
		goto cleanup;
	status = IG_EXIT_FAIL;
	if (live__open(&live))
		goto cleanup;
	for (i = 0; i < p.n; i++) {
		why[0] = '\0';
		err = entry_of(&live, p.v[i].path, &t, why, sizeof(why));
		if (err) {
			p_err("%s: %s", p.v[i].path, why[0] ? why : strerror(-err));
			unknown += err == -ENOENT;
			bad++;
			free(t.path);
			continue;
		}
		err = state__remove_entry(&live.maps, t.id, &removed);
		if (err) {
			p_err("%s: cannot remove its entry: %s", t.path, strerror(-err));
			bad++;
		} else {
			report_removed(j, &t, removed);
		}
		free(t.path);
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

static int list_one(const struct ig_entry_view *v, void *ctx)
{
	struct json *j = ctx;
	bool present, replaced = entry_replaced(v, &present);
	const char *path = v->path ? v->path : "?";
	char dev[32];
	size_t k;

	if (!j) {
		printf("%-5s %-4s %s (%zu inode%s%s)\n", level__name(v->level),
		       v->tree ? "dir" : "file", path, v->n, v->n == 1 ? "" : "s",
		       !present ? "; the name is gone" : replaced ? "; the name now holds a new inode" : "");
		return 0;
	}
	json__begin_object(j);
	json__kv_str(j, "level", level__name(v->level));
	json__kv_str(j, "path", path);
	json__kv_str(j, "kind", v->tree ? "dir" : "file");
	json__kv_bool(j, "replaced", replaced);
	json__kv_bool(j, "present", present);
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
	while ((opt = getopt(argc, argv, "jv")) != -1) {
		if (!cli__common_opt(opt)) {
			p_err("usage: inodeguard list [-j]");
			return IG_EXIT_USAGE;
		}
	}
	if (state__open_pinned(&maps))
		return IG_EXIT_FAIL;
	err = state__for_each_entry(&maps, list_one, j);
	state__close(&maps);
	return err ? IG_EXIT_FAIL : IG_EXIT_OK;
}
