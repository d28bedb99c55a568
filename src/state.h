/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* State: the running instance (lock, pins) and live map operations shared
 * by `run` and by `protect`, `unprotect` and `list` from other shells. */
#ifndef IG_STATE_H
#define IG_STATE_H

#include <stddef.h>
#include <sys/types.h>
#include "index.h"
#include "inodeguard.h"
#include "loader.h"
#include "resolve.h"

#define IG_RUN_DIR "/run/inodeguard"
#define IG_INSTANCE_FILE IG_RUN_DIR "/instance"
#define IG_LEARN_LOCK IG_RUN_DIR "/learn.lock"
/* Registered paths, "DEV GEN INO<TAB>PATH" per key. A file on /run rather
 * than a map: a million 256-byte map values would cost half a gigabyte of
 * kernel memory, and neither the BPF side nor the hot path needs them. */
#define IG_PATHS_FILE IG_RUN_DIR "/paths"
/* The entries `run` registered from its policy, "ID LEVEL<TAB>PATH": an
 * adopter tells them from entries `protect` added, which it keeps. */
#define IG_POLICY_FILE IG_RUN_DIR "/policy"
/* The configuration `run` was started with, for reload (state__config_*). */
#define IG_CONFIG_FILE IG_RUN_DIR "/config"
/* What list, check, protect and unprotect say of pins nobody serves. */
#define IG_UNSERVED_NOTE \
	"protection is in force with no daemon serving it (pinned under " IG_PIN_DIR \
	"; events wait until 'inodeguard run' adopts it, 'inodeguard stop' removes it)"

/* Takes the single-instance lock; a lock left by a killed instance is
 * free again, since the kernel drops flocks with the process. What that
 * instance pinned stays, for the caller to adopt or clear. */
int state__lock_instance(int *lock_fd);
/* Removes the instance file and lets the lock go (-1: nothing held). No
 * adopter reads the file: the pins and the policy file are what it takes. */
void state__unlock_instance(int lock_fd);
int state__publish_instance(int lock_fd, const char *backend);
/* 0 and the pid and backend of the live instance, or -ESRCH. */
int state__running(pid_t *pid, char *backend, size_t len);
/* Whether protection is in force, and whether a daemon serves it. */
enum ig_instance_state {
	IG_INSTANCE_NONE,     /* nothing pinned, no daemon */
	IG_INSTANCE_SERVED,   /* a daemon runs */
	IG_INSTANCE_UNSERVED, /* links are pinned and no daemon serves them */
};
struct ig_instance_status {
	enum ig_instance_state state;
	bool sealed; /* run --seal pinned it: it lasts until reboot */
	pid_t pid;
	char backend[32];
	int links;
};
void state__status(struct ig_instance_status *st);
const char *instance_state__str(enum ig_instance_state s);
int state__open_pinned(struct ig_maps *m);
void state__close(struct ig_maps *m);
/* Serialises key learning between `run` and concurrent `protect`s. */
int state__learn_lock(void);

/* Adds every key of t; an existing entry keeps the stricter level. */
int state__add(const struct ig_maps *m, const struct ig_entry *t);
/* Adds a whole start-up set with batched map updates; duplicates merge
 * to the strictest level. */
int state__add_all(const struct ig_maps *m, const struct ig_policy *policy);
int state__remove(const struct ig_maps *m, const struct ig_key *k);
/* The rule the protected map holds for k: 0, or -ENOENT. */
int state__rule_of(const struct ig_maps *m, const struct ig_key *k, struct ig_rule *r);

/* The name part of file entries (their dir_keys and base name), each
 * counted in rule_kinds so the hooks start looking at names. It may run
 * beside state__add_all() on another thread. */
int state__add_names(const struct ig_maps *m, const struct ig_entry *e, size_t n);
/* The name part of e, another name of a registered entry whose id, level
 * and grants e carries; not counted again. */
int state__add_alias_names(const struct ig_maps *m, const struct ig_entry *e);
/* Says, in the filter, that every name part in the names map has its
 * name bits (maps this instance created and filled itself), so the hooks
 * may skip a name whose bits are clear. */
int state__filter_names_complete(const struct ig_maps *m);
/* Keys every regular file already below tree entry e, so hard links made
 * elsewhere and descriptors opened before are judged by key too. Prints
 * one line per file it cannot learn and counts them in *bad. */
struct ig_learner;
int state__add_tree_files(const struct ig_maps *m, struct ig_learner *l,
			  const struct ig_entry *e, int *bad);

/* The registered-path index. */
int state__paths_reset(void);
int state__paths_append(const struct ig_entry *t, size_t n);
int state__paths_forget(const struct ig_key *keys, size_t n);
/* Brings ix up to date with the paths file: reads only what was appended
 * since the last call, or all of it again after a forget rewrote it. */
int state__paths_load(struct paths_index *ix);

/* One registered entry as the maps hold it now: every key whose rule
 * carries its id, the rules' strictest level, and whether it is a tree. */
struct keyed_rule {
	struct ig_key key;
	struct ig_rule rule;
};

struct ig_entry_view {
	__u32 id;
	const char *path;        /* as registered; NULL if the index lacks it */
	bool tree;
	unsigned int level;
	size_t n;
	const struct keyed_rule *rules;
};

/* Every key of the protected map and its rule, in batches; *v is the
 * caller's to free. */
int state__read_rules(const struct ig_maps *m, struct keyed_rule **v, size_t *n);
/* Calls fn with each batch of the protected map's (key, rule) pairs, in
 * no order, holding none of them after: a million need no copy. A nonzero
 * return of fn stops it and is returned. */
typedef int (*state__rules_fn)(const struct ig_key *keys, const struct ig_rule *rules,
			       __u32 n, void *ctx);
int state__for_each_rule(const struct ig_maps *m, state__rules_fn fn, void *ctx);
typedef int (*state__entry_fn)(const struct ig_entry_view *v, void *ctx);
int state__for_each_entry(const struct ig_maps *m, state__entry_fn fn, void *ctx);
/* The id of the entry registered under canonical path canon, or -ENOENT. */
int state__entry_of_path(const char *canon, __u32 *id);
/* The number of keys the protected map (and the names map) can hold. */
int state__capacity(const struct ig_maps *m, __u32 *cap);
/* The path entry id is registered under, or -ENOENT. */
int state__path_of_entry(__u32 id, char *buf, size_t len);
/* Removes entry id whole: every key and name whose rule it owns (keys the
 * kernel adopted for it included), its count in rule_kinds, its record in
 * the paths index. *removed counts the inode keys dropped, *level is the
 * level they had. */
int state__remove_entry(const struct ig_maps *m, __u32 id, size_t *removed,
			unsigned int *level);
/* Sets every rule of entry id (its keys, learned ones included, and its
 * names) to exactly level, lower or higher, and allow set grants; *old is
 * the strictest level they had. -ENOENT if the entry has no rule. */
int state__set_entry_rule(const struct ig_maps *m, __u32 id, unsigned int level, __u32 grants,
			  unsigned int *old);

/* Sets v[i].id to the entry registered under v[i].path, or 0; one read of
 * the paths index for all of them. */
int state__find_entries(struct ig_entry *v, size_t n);
/* The same for n paths: ids[i] for paths[i]. */
int state__find_paths(const char *const *paths, __u32 *ids, size_t n);
/* Gives every rule of each listed entry exactly its level and allow set,
 * in one walk of the maps. */
struct ig_entry_rule {
	__u32 id;
	unsigned int level;
	__u32 grants;
};
int state__set_rules(const struct ig_maps *m, struct ig_entry_rule *set, size_t n);
/* qsort and bsearch order of struct ig_entry_rule: by id. */
int entry_rule__cmp(const void *a, const void *b);
/* What each listed entry has now, in one walk of the protected map: the
 * strictest level of its rules and the allow set of its own key (0 and 0
 * for an entry with no rule). Sorts set by id. */
int state__entry_rules(const struct ig_maps *m, struct ig_entry_rule *set, size_t n);

/* The policy record (IG_POLICY_FILE). */
struct ig_policy_record {
	__u32 id;
	unsigned int level;
	char *path;
};
int state__policy_write(const struct ig_entry *v, size_t n);
int state__policy_read(struct ig_policy_record **out, size_t *n);
void state__policy_free(struct ig_policy_record *v, size_t n);
/* What `run` was started with (IG_CONFIG_FILE), so that a reload reads
 * its configuration again: the directory relative paths start from, the
 * file that replaces its -c files since a `reload -c` ("" for none), and
 * its arguments, each string NUL-terminated. */
struct ig_config_record {
	char *buf;
	const char *cwd;
	const char *config;
	int argc;
	char **argv; /* into buf */
};
int state__config_write(const char *cwd, const char *config, int argc, char **argv);
int state__config_read(struct ig_config_record *r);
void state__config_free(struct ig_config_record *r);
/* Removes the paths index and the policy and config records. */
void state__files_remove(void);

#endif
