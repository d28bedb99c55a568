// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Serve-stage state: instance lock, pinned maps, entry add/remove/list. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include "index.h"
#include "keys.h"
#include "loader.h"
#include "pins.h"
#include "log.h"
#include "array.h"
#include "grants.h"
#include "kinds.h"
#include "quote.h"
#include "seal.h"
#include "state.h"
#include "tree.h"

static int ensure_run_dir(void)
{
	if (mkdir(IG_RUN_DIR, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

/* Whether fd is still the file at IG_INSTANCE_FILE: the last instance
 * unlinks it while it holds the lock, so a lock taken on the old inode in
 * between guards nothing. */
static bool is_instance_file(int fd)
{
	struct stat a, b;

	return fstat(fd, &a) == 0 && stat(IG_INSTANCE_FILE, &b) == 0 &&
	       a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int state__lock_instance(int *lock_fd)
{
	pid_t pid;
	char backend[32];
	int fd, err;

	for (;;) {
		err = ensure_run_dir();
		if (err) {
			p_err("cannot create %s: %s", IG_RUN_DIR, strerror(-err));
			return err;
		}
		fd = open(IG_INSTANCE_FILE, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (fd < 0 && errno == ENOENT)
			continue; /* the directory went meanwhile */
		if (fd < 0) {
			err = -errno;
			p_err("cannot open %s: %s", IG_INSTANCE_FILE, strerror(-err));
			return err;
		}
		if (flock(fd, LOCK_EX | LOCK_NB)) {
			close(fd);
			if (state__running(&pid, backend, sizeof(backend)) == 0)
				p_err("another inodeguard run is active (pid %d, backend %s); stop it first",
				      (int)pid, backend);
			else
				p_err("another inodeguard run is active");
			return -EBUSY;
		}
		if (is_instance_file(fd))
			break;
		close(fd);
	}
	/* We own the lock: any pins are an instance nobody serves, which the
	 * caller adopts or clears. */
	*lock_fd = fd;
	return 0;
}

void state__unlock_instance(int lock_fd)
{
	if (lock_fd < 0)
		return;
	/* Unlinked while locked, so whoever opened it meanwhile sees it is
	 * not the file at the name any more, and opens the new one. */
	unlink(IG_INSTANCE_FILE);
	close(lock_fd);
}

int state__publish_instance(int lock_fd, const char *backend)
{
	char buf[64];
	int n;

	n = snprintf(buf, sizeof(buf), "%d %s\n", (int)getpid(), backend);
	if (ftruncate(lock_fd, 0) || pwrite(lock_fd, buf, n, 0) != n) {
		int err = -errno;

		p_err("cannot write %s: %s", IG_INSTANCE_FILE, strerror(-err));
		return err;
	}
	return 0;
}

int state__running(pid_t *pid, char *backend, size_t len)
{
	char buf[64], name[32];
	int fd, p, err = -ESRCH;
	ssize_t n;

	fd = open(IG_INSTANCE_FILE, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -ESRCH;
	/* A shared lock we can take means nobody holds the exclusive one. */
	if (flock(fd, LOCK_SH | LOCK_NB) == 0)
		goto cleanup;
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		goto cleanup;
	buf[n] = '\0';
	if (sscanf(buf, "%d %31s", &p, name) != 2)
		goto cleanup;
	*pid = p;
	snprintf(backend, len, "%s", name);
	err = 0;
cleanup:
	close(fd);
	return err;
}

void state__status(struct ig_instance_status *st)
{
	pid_t sealer;

	memset(st, 0, sizeof(*st));
	st->links = pins__count_links();
	if (st->links < 0)
		st->links = 0;
	st->sealed = st->links > 0 && seal__marked(&sealer, NULL, 0) == 0;
	if (state__running(&st->pid, st->backend, sizeof(st->backend)) == 0)
		st->state = IG_INSTANCE_SERVED;
	else
		st->state = st->links ? IG_INSTANCE_UNSERVED : IG_INSTANCE_NONE;
}

const char *instance_state__str(enum ig_instance_state s)
{
	static const char *const names[] = { "none", "served", "unserved" };

	return s <= IG_INSTANCE_UNSERVED ? names[s] : "?";
}

int state__open_pinned(struct ig_maps *m)
{
	pid_t pid;
	char backend[32];

	/* A sealed daemon's worker: the daemon's own descriptors. */
	if (loader__serving())
		return loader__open_pinned(m);
	/* Here, a sealed instance's daemon did not answer (main relays to a
	 * live one): nobody may open its pins, and nothing can change that. */
	if (seal__marked(&pid, NULL, 0) == 0 && pins__count_links() > 0) {
		p_err("the instance is sealed until reboot and its daemon (pid %d) is gone: nothing can open its maps before a reboot",
		      (int)pid);
		return -EACCES;
	}
	if (state__running(&pid, backend, sizeof(backend))) {
		if (pins__count_links() <= 0) {
			p_err("no running inodeguard instance (start one with 'inodeguard run')");
			return -ESRCH;
		}
		/* The kernel enforces what the pins hold; only events wait. */
		p_warn("%s", IG_UNSERVED_NOTE);
	}
	return loader__open_pinned(m);
}

void state__close(struct ig_maps *m)
{
	loader__close_maps(m);
}

int state__learn_lock(void)
{
	int fd, err;

	err = ensure_run_dir();
	if (err)
		return err;
	fd = open(IG_LEARN_LOCK, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX)) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

/* The filter map, mapped for a whole fill: every mapping faults its
 * pages in anew, which a fill done in batches would pay per batch. */
struct filter_view {
	__u64 *words;
	size_t len;
};

static int filter_map(int filter_fd, struct filter_view *f)
{
	f->len = (size_t)(IG_FILTER_WORDS + 1) * sizeof(__u64);
	f->words = mmap(NULL, f->len, PROT_READ | PROT_WRITE, MAP_SHARED, filter_fd, 0);
	if (f->words == MAP_FAILED) {
		f->words = NULL;
		return -errno;
	}
	return 0;
}

static void filter_unmap(struct filter_view *f)
{
	if (f->words)
		munmap(f->words, f->len);
	f->words = NULL;
}

static void filter_mark_bit(const struct filter_view *f, __u32 bit)
{
	__atomic_fetch_or(&f->words[bit >> 6], 1ULL << (bit & 63), __ATOMIC_RELEASE);
}

/* A bit is set before its key is added, so the filter never hides a
 * protected inode. */
static void filter_mark(const struct filter_view *f, const struct ig_key *keys, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		filter_mark_bit(f, ig_filter_bit(keys[i].ino));
}

/* The name bits of base in the directory dir, set before the name part
 * is added (ig_name_len_bit(), ig_name_head_bit()): the hooks hash a name
 * in full only where both are set. */
static void filter_mark_name(const struct filter_view *f, const struct ig_key *dir,
			     const char *base)
{
	__u32 len = (__u32)strlen(base);

	filter_mark_bit(f, ig_name_len_bit(dir->ino, len));
	filter_mark_bit(f, ig_name_head_bit(dir->ino, len, ig_name_head_of(base, len)));
}

int state__filter_names_complete(const struct ig_maps *m)
{
	struct filter_view f;
	int err = filter_map(m->filter_fd, &f);

	if (err)
		return err;
	__atomic_store_n(&f.words[IG_FILTER_NAMES_WORD], 1, __ATOMIC_RELEASE);
	filter_unmap(&f);
	return 0;
}

/* Sets the filter bits of n keys through the map's mmap. */
static int filter_set(int filter_fd, const struct ig_key *keys, size_t n)
{
	struct filter_view f;
	int err = filter_map(filter_fd, &f);

	if (err)
		return err;
	filter_mark(&f, keys, n);
	filter_unmap(&f);
	return 0;
}

static struct ig_rule rule_of(const struct ig_entry *e)
{
	struct ig_rule r = {
		.level = e->level,
		.flags = e->tree ? IG_RULE_TREE : 0,
		.entry = e->id,
		.grants = e->grants,
	};

	return r;
}

/* Two rules on one inode: the stricter level wins and keeps its entry;
 * a tree stays a tree; only what both allow sets grant may pass. */
static int rule_merge(const struct ig_maps *m, struct ig_rule *into, const struct ig_rule *r)
{
	int err = grants__intersect(m, into->grants, r->grants, &into->grants);

	into->flags |= r->flags & IG_RULE_TREE;
	if (r->level > into->level) {
		into->level = r->level;
		into->entry = r->entry;
	}
	return err;
}

/* Adds or merges rule r under key k of the map fd. */
static int rule_put(const struct ig_maps *m, int fd, const void *k, const struct ig_rule *r)
{
	struct ig_rule rule = *r, old;
	int err;

	if (bpf_map_lookup_elem(fd, k, &old) == 0) {
		rule = old;
		err = rule_merge(m, &rule, r);
		if (err)
			return err;
		/* A user's entry is no longer one the kernel may reclaim. */
		if (!(r->flags & IG_RULE_LEARNED))
			rule.flags &= ~IG_RULE_LEARNED;
	}
	return bpf_map_update_elem(fd, k, &rule, BPF_ANY) ? -errno : 0;
}

int state__add(const struct ig_maps *m, const struct ig_entry *t)
{
	struct ig_rule rule = rule_of(t);
	struct ig_key keys[IG_TARGET_KEYS];
	int i, err;

	err = filter_set(m->filter_fd, keys, entry__keys(t, false, keys));
	for (i = 0; !err && i < t->nkeys; i++)
		err = rule_put(m, m->protected_fd, &keys[i], &rule);
	return err;
}

/* What a fill does with a key the map holds already. */
typedef int (*exist_fn)(const struct ig_maps *m, int fd, const void *k,
			const struct ig_rule *r, void *ctx);

/* Adds n (key, rule) pairs to the hash map fd, a batch per system call;
 * kernels without batches for hash maps (before 5.6) take one update per
 * key. A batch update replaces what a key held: fill__add() keeps keys
 * the map may hold already out of batches. */
static int update_batch(int fd, const void *keys, size_t key_size, const struct ig_rule *rules,
			__u32 n)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	const char *k = keys;
	__u32 done = 0, count;

	while (done < n) {
		count = n - done;
		if (bpf_map_update_batch(fd, k + done * key_size, rules + done, &count, &opts))
			break;
		done += count;
	}
	for (; done < n; done++)
		if (bpf_map_update_elem(fd, k + done * key_size, &rules[done], BPF_ANY))
			return -errno;
	return 0;
}

/* The entry ids one fill registers: a rule that carries one of them was
 * added by this very fill. */
struct id_range {
	__u32 first, last;
};

/* A key this fill added already (one inode listed twice, or an overlay
 * file's backing inode listed alone) merges to the strictest rule; a key
 * an older instance keyed is this policy's now. */
static int merge_or_replace(const struct ig_maps *m, int fd, const void *k,
			    const struct ig_rule *r, void *ctx)
{
	const struct id_range *ids = ctx;
	struct ig_rule old, rule = *r;
	int err;

	if (bpf_map_lookup_elem(fd, k, &old) == 0 && old.entry >= ids->first &&
	    old.entry <= ids->last) {
		rule = old;
		err = rule_merge(m, &rule, r);
		if (err)
			return err;
	}
	return bpf_map_update_elem(fd, k, &rule, BPF_ANY) ? -errno : 0;
}

/* A name part already there: merged, as protect merges it (rule_put). */
static int merge_into(const struct ig_maps *m, int fd, const void *k, const struct ig_rule *r,
		      void *ctx)
{
	(void)ctx;
	return rule_put(m, fd, k, r);
}

/* Keys and their rules gathered for the next batch. */
#define FILL_BATCH 4096

/*
 * The keys the map may hold already: two bits per key (from its hash) in
 * one 64-bit word of a bitmap of 32 bits per key, set for every key the
 * map held when the fill began and every key the fill queued. A key whose
 * two bits are set is looked up (a few in a thousand are by chance) and,
 * when there, settled by the fill's on_exist; two entries on one inode
 * merge instead of the later replacing the earlier. One word per key is
 * one cache miss, where two random bits were two.
 */
struct seen {
	__u64 *words;
	__u64 mask; /* of the word index */
};

static __u64 key_hash(const void *key, size_t len)
{
	const unsigned char *b = key;
	__u64 h = 0x9E3779B97F4A7C15ULL;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return h ^ (h >> 29);
}

static bool seen__test_and_set(struct seen *s, __u64 h)
{
	__u64 *w = &s->words[(h >> 12) & s->mask];
	__u64 bits = 1ULL << (h & 63) | 1ULL << (h >> 6 & 63);
	bool both = (*w & bits) == bits;

	*w |= bits;
	return both;
}

static pthread_mutex_t fill_merge_lock = PTHREAD_MUTEX_INITIALIZER;

struct fill {
	const struct ig_maps *m;
	struct filter_view filter;
	struct seen seen;
	int fd;
	size_t key_size;
	void *keys;
	struct ig_rule *rules;
	__u32 n;
	exist_fn on_exist;
	void *ctx;
};

/* Marks every key the map holds now as seen. */
static int fill__note_existing(struct fill *f)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	__u32 in = 0, out = 0, count, i;
	bool first = true;
	int err;

	if (bpf_map_get_next_key(f->fd, NULL, f->keys))
		return errno == ENOENT ? 0 : -errno;
	for (;; first = false, in = out) {
		count = FILL_BATCH;
		err = bpf_map_lookup_batch(f->fd, first ? NULL : &in, &out, f->keys, f->rules,
					   &count, &opts) ? -errno : 0;
		if (err && err != -ENOENT)
			break;
		for (i = 0; i < count; i++)
			seen__test_and_set(&f->seen, key_hash((char *)f->keys + i * f->key_size,
							      f->key_size));
		if (err)
			return 0;
	}
	if (!first)
		return err;
	/* No batches for this map here (before 5.6): key by key. */
	{
		char *prev = malloc(f->key_size), *next = malloc(f->key_size);
		bool have = false;

		err = prev && next ? 0 : -ENOMEM;
		while (!err && bpf_map_get_next_key(f->fd, have ? prev : NULL, next) == 0) {
			seen__test_and_set(&f->seen, key_hash(next, f->key_size));
			memcpy(prev, next, f->key_size);
			have = true;
		}
		free(prev);
		free(next);
	}
	return err;
}

/* distinct: no two of the nkeys keys to come are equal, so a map empty
 * now needs no seen set (which costs a cache miss per key). */
static int fill__open(struct fill *f, const struct ig_maps *m, int fd, size_t key_size,
		      size_t nkeys, bool distinct, exist_fn on_exist, void *ctx)
{
	size_t nwords = 1024;
	int err;

	memset(f, 0, sizeof(*f));
	f->m = m;
	f->fd = fd;
	f->key_size = key_size;
	f->on_exist = on_exist;
	f->ctx = ctx;
	f->keys = malloc(FILL_BATCH * key_size);
	f->rules = malloc(FILL_BATCH * sizeof(*f->rules));
	if (!f->keys || !f->rules)
		return -ENOMEM;
	err = filter_map(m->filter_fd, &f->filter);
	if (err)
		return err;
	if (distinct && bpf_map_get_next_key(fd, NULL, f->keys) && errno == ENOENT)
		return 0;
	while (nwords * 2 < nkeys)
		nwords *= 2;
	f->seen.mask = nwords - 1;
	f->seen.words = calloc(nwords, sizeof(__u64));
	return f->seen.words ? fill__note_existing(f) : -ENOMEM;
}

static int fill__flush(struct fill *f)
{
	int err = f->n ? update_batch(f->fd, f->keys, f->key_size, f->rules, f->n) : 0;

	f->n = 0;
	return err;
}

/* Queues (key, rule); filter bits for the inodes in filter_keys are set
 * now, before any batch holding their key can reach the map. */
static int fill__add(struct fill *f, const void *key, const struct ig_rule *rule,
		     const struct ig_key *filter_keys, size_t nfilter)
{
	struct ig_rule old;
	int err;

	filter_mark(&f->filter, filter_keys, nfilter);
	if (f->seen.words && seen__test_and_set(&f->seen, key_hash(key, f->key_size))) {
		/* What the map holds must include every key queued before. */
		err = fill__flush(f);
		if (err)
			return err;
		if (bpf_map_lookup_elem(f->fd, key, &old) == 0) {
			/* Merging may register an allow set (grants.c), which
			 * two fills running at once must not do together. */
			pthread_mutex_lock(&fill_merge_lock);
			err = f->on_exist(f->m, f->fd, key, rule, f->ctx);
			pthread_mutex_unlock(&fill_merge_lock);
			return err;
		}
	}
	memcpy((char *)f->keys + f->n * f->key_size, key, f->key_size);
	f->rules[f->n++] = *rule;
	return f->n == FILL_BATCH ? fill__flush(f) : 0;
}

static void fill__close(struct fill *f)
{
	filter_unmap(&f->filter);
	free(f->seen.words);
	free(f->keys);
	free(f->rules);
}

/* A fill of a million keys holds one batch at a time: no sorted copy of
 * the whole set, which took more memory than the policy itself. */
int state__add_all(const struct ig_maps *m, const struct ig_policy *policy)
{
	struct id_range ids = { .first = UINT32_MAX, .last = 0 };
	struct ig_rule rule;
	bool distinct = true;
	struct fill f;
	size_t i, n = 0;
	int k, err;

	for (i = 0; i < policy->n; i++) {
		if (policy->v[i].id < ids.first)
			ids.first = policy->v[i].id;
		if (policy->v[i].id > ids.last)
			ids.last = policy->v[i].id;
	}
	for (i = 0; i < policy->n; i++) {
		n += policy->v[i].nkeys;
		/* Keys computed from handles are of distinct (dev, ino): the
		 * policy holds each stat() identity once. */
		distinct &= policy->v[i].nkeys == 1 && policy->v[i].key_group;
	}
	err = fill__open(&f, m, m->protected_fd, sizeof(struct ig_key), n, distinct,
			 merge_or_replace, &ids);
	for (i = 0; !err && i < policy->n; i++) {
		rule = rule_of(&policy->v[i]);
		for (k = 0; !err && k < policy->v[i].nkeys; k++)
			err = fill__add(&f, entry__key_at(&policy->v[i], k), &rule,
					entry__key_at(&policy->v[i], k), 1);
	}
	if (!err)
		err = fill__flush(&f);
	fill__close(&f);
	return err;
}

int state__rule_of(const struct ig_maps *m, const struct ig_key *k, struct ig_rule *r)
{
	return bpf_map_lookup_elem(m->protected_fd, k, r) ? -errno : 0;
}

int state__remove(const struct ig_maps *m, const struct ig_key *k)
{
	return bpf_map_delete_elem(m->protected_fd, k) ? -errno : 0;
}

/* counted: the entries are new, and the hooks count entries with names
 * (an alias's entry is counted already). */
static int add_names(const struct ig_maps *m, const struct ig_entry *e, size_t n, bool counted)
{
	const struct ig_entry *last = NULL;
	struct ig_name_key nk;
	struct ig_rule rule;
	struct fill f;
	const char *base;
	size_t i, added = 0, nnames = 0;
	int k, err;

	for (i = 0; i < n; i++)
		nnames += e[i].tree ? 0 : e[i].dir->nkeys;
	err = fill__open(&f, m, m->names_fd, sizeof(nk), nnames, false, merge_into, NULL);
	for (i = 0; i < n && !err; i++) {
		bool new_dir;

		if (e[i].tree || !e[i].dir->nkeys)
			continue;
		base = entry__name(&e[i]);
		rule = rule_of(&e[i]);
		/* A directory's bits once, not once per file in it. */
		new_dir = !last || (last->dir != e[i].dir && last->dir->nkeys != e[i].dir->nkeys);
		for (k = 0; !new_dir && last->dir != e[i].dir && k < e[i].dir->nkeys; k++)
			new_dir = key__cmp(entry__dir_key_at(last, k), entry__dir_key_at(&e[i], k)) != 0;
		last = &e[i];
		for (k = 0; !err && k < e[i].dir->nkeys; k++) {
			filter_mark_name(&f.filter, entry__dir_key_at(&e[i], k), base);
			name__key(entry__dir_key_at(&e[i], k), base, &nk);
			err = fill__add(&f, &nk, &rule, entry__dir_key_at(&e[i], k), new_dir);
		}
		added++;
	}
	if (!err)
		err = fill__flush(&f);
	fill__close(&f);
	if (!err && added && counted)
		err = kinds__count(m, KIND_NAMES, (int)added);
	return err;
}

int state__add_names(const struct ig_maps *m, const struct ig_entry *e, size_t n)
{
	return add_names(m, e, n, true);
}

int state__add_alias_names(const struct ig_maps *m, const struct ig_entry *e)
{
	return add_names(m, e, 1, false);
}

struct tree_walk {
	const struct ig_maps *maps;
	struct ig_learner *learner;
	const struct ig_entry *tree;
	int bad;
};

static int key_tree_file(const char *path, const struct stat *st, void *ctx)
{
	struct tree_walk *w = ctx;
	struct ig_key keys[IG_TARGET_KEYS];
	struct ig_rule rule;
	struct ig_entry f;
	char why[256], q[QUOTE_BUF], where[IG_ORIGIN_BUF];
	int k, err;

	err = entry__init(&f, path, w->tree->dir->origin);
	if (err) {
		snprintf(why, sizeof(why), "%s", strerror(-err));
	} else {
		f.level = w->tree->level;
		f.id = w->tree->id;
		f.grants = w->tree->grants;
		f.st_dev = st->st_dev;
		f.st_ino = st->st_ino;
		err = keys__learn(w->learner, &f, why, sizeof(why));
	}
	if (err) {
		p_err("%s: %s: %s", entry__origin(w->tree, where, sizeof(where)),
		      quote__str(path, q), why);
		entry__free(&f);
		w->bad++;
		return 0;
	}
	rule = rule_of(&f);
	/* Like the keys the kernel adds: reclaimed once the file is gone. */
	rule.flags |= IG_RULE_LEARNED;
	rule.origin = IG_MATCH_TREE;
	err = filter_set(w->maps->filter_fd, keys, entry__keys(&f, false, keys));
	for (k = 0; !err && k < f.nkeys; k++)
		err = rule_put(w->maps, w->maps->protected_fd, &keys[k], &rule);
	/* Registered under its own path; the tree is its entry. */
	f.id = 0;
	if (!err)
		err = state__paths_append(&f, 1);
	entry__free(&f);
	if (err)
		p_err("%s: %s: cannot add it: %s", entry__origin(w->tree, where, sizeof(where)),
		      quote__str(path, q),
		      err == -E2BIG ? "the protected map is full (give a larger --capacity)" : strerror(-err));
	return err;
}

int state__add_tree_files(const struct ig_maps *m, struct ig_learner *l,
			  const struct ig_entry *e, int *bad)
{
	struct tree_walk w = { .maps = m, .learner = l, .tree = e };
	char path[PATH_MAX];
	int err = tree__for_each_file(entry__path(e, path), key_tree_file, &w);

	*bad += w.bad;
	return err;
}

int state__paths_reset(void)
{
	int fd = open(IG_PATHS_FILE, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

/*
 * One "N N[ N]<TAB>PATH" line of the state files, formatted by hand: a
 * million fprintf() calls, parsing their format each time, were a visible
 * part of the start. Numbers go right to left into the end of buf.
 */
static void put_nums(FILE *f, const unsigned long long *nums, int n)
{
	char buf[3 * 21], *p = buf + sizeof(buf);
	unsigned long long v;
	int i;

	for (i = n - 1; i >= 0; i--) {
		*--p = i == n - 1 ? '\t' : ' ';
		v = nums[i];
		do
			*--p = (char)('0' + v % 10);
		while (v /= 10);
	}
	fwrite_unlocked(p, 1, (size_t)(buf + sizeof(buf) - p), f);
}

/* The numbers, then e's path: no copy of the path to make. */
static void put_entry_line(FILE *f, const unsigned long long *nums, int n,
			   const struct ig_entry *e)
{
	put_nums(f, nums, n);
	fputs_unlocked(e->dir->path, f);
	fputc_unlocked('/', f);
	fputs_unlocked(entry__name(e), f);
	fputc_unlocked('\n', f);
}

int state__paths_append(const struct ig_entry *t, size_t n)
{
	size_t i;
	FILE *f;
	int k, err = 0;

	f = fopen(IG_PATHS_FILE, "ae");
	if (!f)
		return -errno;
	for (i = 0; i < n; i++) {
		/* An entry is recorded once, under the reserved key of its id
		 * (see entry__key()): every rule it adds carries that id. A file
		 * found below a tree is recorded by its own keys. */
		if (t[i].id) {
			put_entry_line(f, (unsigned long long[]){ 0, 0, t[i].id }, 3, &t[i]);
			continue;
		}
		for (k = 0; k < t[i].nkeys; k++) {
			const struct ig_key *key = entry__key_at(&t[i], k);

			put_entry_line(f, (unsigned long long[]){ key->dev, key->gen, key->ino }, 3,
				       &t[i]);
		}
	}
	if (fclose(f))
		err = -errno;
	return err;
}

/* Parses one "DEV GEN INO<TAB>PATH" line; returns the path part or NULL.
 * strtoul rather than sscanf: a million lines are read per `list`. */
static char *parse_path_line(char *line, struct ig_key *k)
{
	char *tab = strchr(line, '\t'), *p = line;
	unsigned long long v[3];
	int i;

	if (!tab)
		return NULL;
	for (i = 0; i < 3; i++) {
		char *end;

		errno = 0;
		v[i] = strtoull(p, &end, 10);
		if (end == p || errno)
			return NULL;
		p = end;
	}
	if (p != tab)
		return NULL;
	k->dev = v[0];
	k->gen = v[1];
	k->ino = v[2];
	tab[strcspn(tab, "\n")] = '\0';
	return tab + 1;
}

int state__paths_forget(const struct ig_key *keys, size_t n)
{
	char *line = NULL, tmp[] = IG_PATHS_FILE ".XXXXXX";
	struct ig_key k;
	size_t cap = 0, i;
	FILE *in, *out;
	int fd, err = 0;
	bool drop;

	in = fopen(IG_PATHS_FILE, "re");
	if (!in)
		return errno == ENOENT ? 0 : -errno;
	fd = mkstemp(tmp);
	out = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!out) {
		err = -errno;
		fclose(in);
		return err;
	}
	while (getline(&line, &cap, in) > 0) {
		char copy[IG_PATH_LEN * 20];

		snprintf(copy, sizeof(copy), "%s", line);
		drop = false;
		if (parse_path_line(copy, &k))
			for (i = 0; i < n && !drop; i++)
				drop = key__cmp(&k, &keys[i]) == 0;
		if (!drop)
			fputs(line, out);
	}
	free(line);
	fclose(in);
	if (fclose(out) || rename(tmp, IG_PATHS_FILE))
		err = -errno;
	return err;
}

#define LOAD_BATCH 64

/* Adds the whole lines of buf (NUL-terminated at len) to ix; returns the
 * bytes they took. Keys are parsed and their slots prefetched a batch at
 * a time, so the random inserts do not wait for memory one by one. */
static size_t index_lines(struct paths_index *ix, char *buf, size_t len, int *err)
{
	struct { struct ig_key key; const char *path; } batch[LOAD_BATCH];
	char *line = buf, *nl, *end = buf + len;
	int n, i;

	*err = 0;
	for (;;) {
		for (n = 0; n < LOAD_BATCH && line < end &&
			    (nl = memchr(line, '\n', end - line)); line = nl + 1) {
			*nl = '\0';
			batch[n].path = parse_path_line(line, &batch[n].key);
			if (batch[n].path)
				paths_index__prefetch(ix, &batch[n++].key);
		}
		for (i = 0; i < n && !*err; i++)
			*err = paths_index__add(ix, &batch[i].key, batch[i].path);
		if (*err || n < LOAD_BATCH)
			return line - buf;
	}
}

int state__paths_load(struct paths_index *ix)
{
	struct stat st;
	size_t len, got = 0;
	char *buf;
	ssize_t n;
	int fd, err = 0;

	fd = open(IG_PATHS_FILE, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	if (fstat(fd, &st)) {
		err = -errno;
		goto cleanup;
	}
	/* forget rewrites the file (a new inode): read it all again. */
	if (st.st_ino != ix->file_ino || st.st_dev != ix->file_dev || st.st_size < ix->loaded)
		paths_index__free(ix);
	ix->file_dev = st.st_dev;
	ix->file_ino = st.st_ino;
	if (st.st_size == ix->loaded)
		goto cleanup;
	/* Lines run ~50 to 100 bytes ("DEV GEN INO<TAB>/PATH"); guessing low
	 * costs one rehash, guessing high zeroes tables for nothing. */
	if (!ix->n && paths_index__reserve(ix, st.st_size / 64)) {
		err = -ENOMEM;
		goto cleanup;
	}
	len = st.st_size - ix->loaded;
	buf = malloc(len + 1);
	if (!buf) {
		err = -ENOMEM;
		goto cleanup;
	}
	while (got < len && (n = pread(fd, buf + got, len - got, ix->loaded + got)) > 0)
		got += n;
	buf[got] = '\0';
	/* Only whole lines: a protect may be writing the next one now. */
	ix->loaded += index_lines(ix, buf, got, &err);
	free(buf);
cleanup:
	close(fd);
	return err;
}

#ifndef ENOTSUPP
#define ENOTSUPP 524 /* the kernel's own, for "no batch ops for this map" */
#endif

/* Hash maps give up their entries a bucket at a time; 4096 per call turns
 * a million lookups into a few hundred syscalls. */
#define FOR_EACH_BATCH 4096

/* 1 if the kernel cannot batch this map (before 5.6), else 0 or -errno. */
static int for_each_batched(int fd, state__rules_fn fn, void *ctx)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	struct ig_key *keys = calloc(FOR_EACH_BATCH, sizeof(*keys));
	struct ig_rule *rules = calloc(FOR_EACH_BATCH, sizeof(*rules));
	__u32 in = 0, out = 0, count;
	bool first = true, last = false;
	int err = -ENOMEM;

	if (!keys || !rules)
		goto cleanup;
	for (; !last; first = false, in = out) {
		count = FOR_EACH_BATCH;
		err = bpf_map_lookup_batch(fd, first ? NULL : &in, &out, keys, rules, &count, &opts);
		if (err) {
			err = -errno;
			if (err != -ENOENT) {
				if (first && (err == -EINVAL || err == -ENOTSUPP || err == -EOPNOTSUPP))
					err = 1;
				goto cleanup;
			}
			last = true; /* the final batch, perhaps empty */
		}
		err = count ? fn(keys, rules, count, ctx) : 0;
		if (err)
			break;
	}
cleanup:
	free(keys);
	free(rules);
	return err;
}

static int for_each_one_by_one(int fd, state__rules_fn fn, void *ctx)
{
	struct ig_key key, next, *prev = NULL;
	struct ig_rule rule;
	int err;

	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &rule))
			continue; /* removed meanwhile */
		err = fn(&key, &rule, 1, ctx);
		if (err)
			return err;
	}
	return 0;
}

/* The entry record among the keys registered under one path. */
static int pick_entry_key(const struct ig_key *k, void *ctx)
{
	__u32 *id = ctx;

	if (k->dev == 0 && k->gen == 0)
		*id = (__u32)k->ino;
	return 0;
}

/* Every (key, rule) of the protected map. */
struct rule_list {
	struct keyed_rule *v;
	size_t n, cap;
};

static int collect_rules(const struct ig_key *keys, const struct ig_rule *rules,
			 __u32 n, void *ctx)
{
	struct rule_list *l = ctx;
	__u32 i;

	for (i = 0; i < n; i++) {
		if (array__grow((void **)&l->v, &l->cap, l->n, sizeof(*l->v)))
			return -ENOMEM;
		l->v[l->n].key = keys[i];
		l->v[l->n++].rule = rules[i];
	}
	return 0;
}

int state__for_each_rule(const struct ig_maps *m, state__rules_fn fn, void *ctx)
{
	int err = for_each_batched(m->protected_fd, fn, ctx);

	return err == 1 ? for_each_one_by_one(m->protected_fd, fn, ctx) : err;
}

int state__read_rules(const struct ig_maps *m, struct keyed_rule **v, size_t *n)
{
	struct rule_list rules = {};
	int err = state__for_each_rule(m, collect_rules, &rules);

	if (err) {
		free(rules.v);
		return err;
	}
	*v = rules.v;
	*n = rules.n;
	return 0;
}

int state__entry_rules(const struct ig_maps *m, struct ig_entry_rule *set, size_t n)
{
	struct ig_entry_rule probe, *hit;
	struct keyed_rule *rules = NULL;
	bool *own;
	size_t nrules = 0, i;
	int err;

	if (!n)
		return 0;
	own = calloc(n, sizeof(*own));
	if (!own)
		return -ENOMEM;
	qsort(set, n, sizeof(*set), entry_rule__cmp);
	for (i = 0; i < n; i++)
		set[i].level = set[i].grants = 0;
	err = state__read_rules(m, &rules, &nrules);
	for (i = 0; !err && i < nrules; i++) {
		const struct ig_rule *r = &rules[i].rule;

		probe.id = r->entry;
		hit = bsearch(&probe, set, n, sizeof(*set), entry_rule__cmp);
		if (!hit)
			continue;
		if (r->level > hit->level)
			hit->level = r->level;
		/* A learned key may hold the narrower set of two entries that
		 * met on its inode: the entry's own key says what it grants. */
		if (!(r->flags & IG_RULE_LEARNED) || !own[hit - set]) {
			hit->grants = r->grants;
			own[hit - set] = !(r->flags & IG_RULE_LEARNED);
		}
	}
	free(rules);
	free(own);
	return err;
}

/* Entry ids are dense from 1: a counting sort groups a million rules by
 * entry in two passes, where qsort took a noticeable part of `list`. */
static int group_by_entry(struct rule_list *l, __u32 max_id, size_t **start_out)
{
	struct keyed_rule *sorted;
	size_t *start, i;
	__u32 id;

	start = calloc((size_t)max_id + 2, sizeof(*start));
	sorted = malloc((l->n ? l->n : 1) * sizeof(*sorted));
	if (!start || !sorted) {
		free(start);
		free(sorted);
		return -ENOMEM;
	}
	for (i = 0; i < l->n; i++) {
		id = l->v[i].rule.entry <= max_id ? l->v[i].rule.entry : 0;
		start[id + 1]++;
	}
	for (id = 0; id <= max_id; id++)
		start[id + 1] += start[id];
	for (i = 0; i < l->n; i++) {
		id = l->v[i].rule.entry <= max_id ? l->v[i].rule.entry : 0;
		sorted[start[id]++] = l->v[i];
	}
	/* start[id] is now where id + 1 begins: shift back by one. */
	memmove(start + 1, start, ((size_t)max_id + 1) * sizeof(*start));
	start[0] = 0;
	free(l->v);
	l->v = sorted;
	*start_out = start;
	return 0;
}

int state__for_each_entry(const struct ig_maps *m, state__entry_fn fn, void *ctx)
{
	struct rule_list rules = {};
	struct paths_index ix = {};
	struct ig_entry_view v;
	struct ig_key ek;
	size_t *start = NULL, i, k;
	__u32 max_id = kinds__entries_issued(m), id;
	int err;

	if (state__paths_load(&ix))
		p_debug("cannot read %s; listing without paths", IG_PATHS_FILE);
	err = state__for_each_rule(m, collect_rules, &rules);
	if (!err)
		err = group_by_entry(&rules, max_id, &start);
	for (id = 1; !err && id <= max_id; id++) {
		if (start[id] == start[id + 1])
			continue;
		memset(&v, 0, sizeof(v));
		v.id = id;
		ek = entry__key(id);
		v.path = paths_index__path_of(&ix, &ek);
		v.rules = &rules.v[start[id]];
		v.n = start[id + 1] - start[id];
		for (k = 0; k < v.n; k++) {
			const struct ig_rule *r = &v.rules[k].rule;

			if (r->level > v.level)
				v.level = r->level;
			if ((r->flags & IG_RULE_TREE) && !(r->flags & IG_RULE_LEARNED))
				v.tree = true;
		}
		err = fn(&v, ctx);
	}
	/* Keys of no known entry (id 0, or one issued after we looked). */
	for (i = start ? start[0] : 0; !err && start && i < start[1]; i++)
		p_debug("a key of no entry: dev %u ino %llu", rules.v[i].key.dev,
			(unsigned long long)rules.v[i].key.ino);
	free(start);
	free(rules.v);
	paths_index__free(&ix);
	return err;
}

int state__entry_of_path(const char *canon, __u32 *id)
{
	struct paths_index ix = {};
	struct { __u32 id; } found = { 0 };
	int err;

	err = state__paths_load(&ix);
	if (!err)
		err = paths_index__for_path(&ix, canon, pick_entry_key, &found);
	paths_index__free(&ix);
	if (err < 0)
		return err;
	if (!found.id)
		return -ENOENT;
	*id = found.id;
	return 0;
}

int state__capacity(const struct ig_maps *m, __u32 *cap)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(m->protected_fd, &info, &len))
		return -errno;
	*cap = info.max_entries;
	return 0;
}

int state__path_of_entry(__u32 id, char *buf, size_t len)
{
	struct paths_index ix = {};
	struct ig_key ek = entry__key(id);
	const char *path;
	int err;

	err = state__paths_load(&ix);
	path = err ? NULL : paths_index__path_of(&ix, &ek);
	if (!err && !path)
		err = -ENOENT;
	if (!err && (size_t)snprintf(buf, len, "%s", path) >= len)
		err = -ENAMETOOLONG;
	paths_index__free(&ix);
	return err;
}

/* The keys of map fd whose rule belongs to one entry, from one pass. */
struct entry_keys {
	char *v;
	size_t n, cap, key_size;
	bool tree;
	unsigned int level; /* the strictest of their rules */
};

static int entry_keys__collect(int fd, size_t key_size, __u32 id, struct entry_keys *ek)
{
	char key[sizeof(struct ig_name_key) > sizeof(struct ig_key) ?
		 sizeof(struct ig_name_key) : sizeof(struct ig_key)];
	char next[sizeof(key)];
	struct ig_rule rule;
	void *prev = NULL;

	ek->key_size = key_size;
	/* Collect first: changing the map while walking get_next_key
	 * restarts the walk. */
	while (bpf_map_get_next_key(fd, prev, next) == 0) {
		memcpy(key, next, key_size);
		prev = key;
		if (bpf_map_lookup_elem(fd, key, &rule) || rule.entry != id)
			continue;
		if ((rule.flags & IG_RULE_TREE) && !(rule.flags & IG_RULE_LEARNED))
			ek->tree = true;
		if (rule.level > ek->level)
			ek->level = rule.level;
		if (array__grow((void **)&ek->v, &ek->cap, ek->n, key_size))
			return -ENOMEM;
		memcpy(ek->v + ek->n++ * key_size, key, key_size);
	}
	return 0;
}

static void entry_keys__free(struct entry_keys *ek)
{
	free(ek->v);
	ek->v = NULL;
	ek->n = ek->cap = 0;
}

/* Deletes from map fd every key whose rule belongs to entry id. */
static int delete_entry_keys(int fd, size_t key_size, __u32 id, struct entry_keys *ek)
{
	size_t i;
	int err = entry_keys__collect(fd, key_size, id, ek);

	for (i = 0; !err && i < ek->n; i++)
		bpf_map_delete_elem(fd, ek->v + i * key_size);
	return err;
}

/* Sets the level and the allow set of every rule of entry id in map fd. */
static int rule_entry_keys(int fd, size_t key_size, __u32 id, unsigned int level,
			   __u32 grants, struct entry_keys *ek)
{
	struct ig_rule rule;
	size_t i;
	int err = entry_keys__collect(fd, key_size, id, ek);

	for (i = 0; !err && i < ek->n; i++) {
		const void *k = ek->v + i * key_size;

		if (bpf_map_lookup_elem(fd, k, &rule) || rule.entry != id)
			continue; /* removed or taken over meanwhile */
		rule.level = level;
		rule.grants = grants;
		if (bpf_map_update_elem(fd, k, &rule, BPF_EXIST) && errno != ENOENT)
			err = -errno;
	}
	return err;
}

int state__set_entry_rule(const struct ig_maps *m, __u32 id, unsigned int level, __u32 grants,
			  unsigned int *old)
{
	struct entry_keys keys = {}, names = {};
	int err;

	err = rule_entry_keys(m->protected_fd, sizeof(struct ig_key), id, level, grants, &keys);
	if (!err)
		err = rule_entry_keys(m->names_fd, sizeof(struct ig_name_key), id, level, grants,
				      &names);
	if (!err && !keys.n && !names.n)
		err = -ENOENT;
	*old = keys.level > names.level ? keys.level : names.level;
	entry_keys__free(&keys);
	entry_keys__free(&names);
	return err;
}

int state__remove_entry(const struct ig_maps *m, __u32 id, size_t *removed,
			unsigned int *level)
{
	struct ig_key ek = entry__key(id);
	struct entry_keys keys = {}, names = {};
	int err;

	err = delete_entry_keys(m->protected_fd, sizeof(struct ig_key), id, &keys);
	if (!err)
		err = delete_entry_keys(m->names_fd, sizeof(struct ig_name_key), id, &names);
	*removed = keys.n;
	*level = keys.level > names.level ? keys.level : names.level;
	/* The hooks stop looking once no rule of the kind is left. */
	if (!err && names.n)
		kinds__count(m, KIND_NAMES, -1);
	if (!err && keys.tree)
		kinds__count(m, KIND_TREES, -1);
	entry_keys__free(&keys);
	entry_keys__free(&names);
	return err ? err : state__paths_forget(&ek, 1);
}

/* The entry registered under path in ix (0: none); -errno. */
static int id_of_path(struct paths_index *ix, const char *path, __u32 *id)
{
	int err;

	*id = 0;
	err = paths_index__for_path(ix, path, pick_entry_key, id);
	return err < 0 ? err : 0;
}

int state__find_entries(struct ig_entry *v, size_t n)
{
	struct paths_index ix = {};
	char path[PATH_MAX];
	size_t i;
	int err;

	err = state__paths_load(&ix);
	for (i = 0; !err && i < n; i++)
		err = id_of_path(&ix, entry__path(&v[i], path), &v[i].id);
	paths_index__free(&ix);
	return err;
}

int state__find_paths(const char *const *paths, __u32 *ids, size_t n)
{
	struct paths_index ix = {};
	size_t i;
	int err;

	err = state__paths_load(&ix);
	for (i = 0; !err && i < n; i++)
		err = id_of_path(&ix, paths[i], &ids[i]);
	paths_index__free(&ix);
	return err;
}

int entry_rule__cmp(const void *a, const void *b)
{
	__u32 x = ((const struct ig_entry_rule *)a)->id, y = ((const struct ig_entry_rule *)b)->id;

	return x < y ? -1 : x > y;
}

/* Sets the level and allow set of every rule of map fd whose entry is in
 * set[n]. */
static int rule_map(int fd, size_t key_size, const struct ig_entry_rule *set, size_t n)
{
	char key[sizeof(struct ig_name_key)], next[sizeof(key)];
	struct ig_entry_rule probe;
	const struct ig_entry_rule *hit;
	struct ig_rule rule;
	void *prev = NULL;

	while (bpf_map_get_next_key(fd, prev, next) == 0) {
		memcpy(key, next, key_size);
		prev = key;
		if (bpf_map_lookup_elem(fd, key, &rule))
			continue;
		probe.id = rule.entry;
		hit = bsearch(&probe, set, n, sizeof(*set), entry_rule__cmp);
		if (!hit || (rule.level == hit->level && rule.grants == hit->grants))
			continue;
		rule.level = hit->level;
		rule.grants = hit->grants;
		if (bpf_map_update_elem(fd, key, &rule, BPF_EXIST) && errno != ENOENT)
			return -errno;
	}
	return 0;
}

int state__set_rules(const struct ig_maps *m, struct ig_entry_rule *set, size_t n)
{
	int err;

	if (!n)
		return 0;
	qsort(set, n, sizeof(*set), entry_rule__cmp);
	err = rule_map(m->protected_fd, sizeof(struct ig_key), set, n);
	if (!err)
		err = rule_map(m->names_fd, sizeof(struct ig_name_key), set, n);
	return err;
}

int state__policy_write(const struct ig_entry *v, size_t n)
{
	char tmp[] = IG_POLICY_FILE ".XXXXXX";
	size_t i;
	FILE *f;
	int fd, err = 0;

	fd = mkstemp(tmp);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f)
		return -errno;
	for (i = 0; i < n; i++)
		put_entry_line(f, (unsigned long long[]){ v[i].id, v[i].level }, 2, &v[i]);
	if (fclose(f) || rename(tmp, IG_POLICY_FILE))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

int state__policy_read(struct ig_policy_record **out, size_t *n)
{
	struct ig_policy_record *v = NULL;
	char *line = NULL, *tab;
	size_t cap = 0, lcap = 0;
	unsigned int id, level;
	FILE *f;
	int err = 0;

	*out = NULL;
	*n = 0;
	f = fopen(IG_POLICY_FILE, "re");
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	while (getline(&line, &lcap, f) > 0) {
		tab = strchr(line, '\t');
		if (!tab || sscanf(line, "%u %u", &id, &level) != 2)
			continue;
		tab[strcspn(tab, "\n")] = '\0';
		if (array__grow((void **)&v, &cap, *n, sizeof(*v)) ||
		    !(v[*n].path = strdup(tab + 1))) {
			err = -ENOMEM;
			break;
		}
		v[*n].id = id;
		v[(*n)++].level = level;
	}
	free(line);
	fclose(f);
	*out = v;
	return err;
}

void state__policy_free(struct ig_policy_record *v, size_t n)
{
	size_t i;

	for (i = 0; v && i < n; i++)
		free(v[i].path);
	free(v);
}

int state__config_write(const char *cwd, const char *config, int argc, char **argv)
{
	char tmp[] = IG_CONFIG_FILE ".XXXXXX";
	FILE *f;
	int fd, i, err = 0;

	fd = mkstemp(tmp);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f)
		return -errno;
	fprintf(f, "%s%c%s%c", cwd, 0, config ? config : "", 0);
	for (i = 0; i < argc; i++)
		fprintf(f, "%s%c", argv[i], 0);
	if (fclose(f) || rename(tmp, IG_CONFIG_FILE))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

int state__config_read(struct ig_config_record *r)
{
	size_t len = 0, cap = 0, off, n = 0;
	char *p;
	FILE *f;
	int err = 0;

	memset(r, 0, sizeof(*r));
	f = fopen(IG_CONFIG_FILE, "re");
	if (!f)
		return -errno;
	/* The whole file, NUL-terminated once more so the last string ends. */
	for (;;) {
		if (len + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			p = realloc(r->buf, cap);
			if (!p) {
				err = -ENOMEM;
				goto cleanup;
			}
			r->buf = p;
		}
		n = fread(r->buf + len, 1, 4096, f);
		len += n;
		if (n < 4096)
			break;
	}
	if (ferror(f)) {
		err = -EIO;
		goto cleanup;
	}
	r->buf[len] = '\0';
	for (off = 0, n = 0; off < len; off += strlen(r->buf + off) + 1)
		n++;
	if (n < 3) {
		err = -EBADMSG;
		goto cleanup;
	}
	r->argv = calloc(n - 1, sizeof(*r->argv));
	if (!r->argv) {
		err = -ENOMEM;
		goto cleanup;
	}
	r->cwd = r->buf;
	r->config = r->cwd + strlen(r->cwd) + 1;
	for (off = r->config + strlen(r->config) + 1 - r->buf; off < len;
	     off += strlen(r->buf + off) + 1)
		r->argv[r->argc++] = r->buf + off;
cleanup:
	fclose(f);
	if (err)
		state__config_free(r);
	return err;
}

void state__config_free(struct ig_config_record *r)
{
	free(r->argv);
	free(r->buf);
	memset(r, 0, sizeof(*r));
}

void state__files_remove(void)
{
	unlink(IG_PATHS_FILE);
	unlink(IG_POLICY_FILE);
	unlink(IG_CONFIG_FILE);
	unlink(IG_GRANTS_FILE);
	/* A sealed start that failed released what it made: its marker too. */
	unlink(IG_SEAL_FILE);
}
