// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Registered-paths index: hash tables by key and by path. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "index.h"

/* The tables are a million random accesses per `list`: on huge pages
 * (where the kernel allows them on request) most of those stop missing
 * the TLB as well as the cache. Zeroed, like calloc. */
static void *table_alloc(size_t n, size_t elem)
{
	void *p = mmap(NULL, n * elem, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	madvise(p, n * elem, MADV_HUGEPAGE);
	return p;
}

static void table_free(void *p, size_t n, size_t elem)
{
	if (p)
		munmap(p, n * elem);
}

#define CHUNK_SIZE (1 << 20)

struct paths_chunk {
	struct paths_chunk *next;
	size_t used, size;
	char text[];
};

static char *text_copy(struct paths_index *ix, const char *s)
{
	size_t len = strlen(s) + 1, size;
	struct paths_chunk *c = ix->chunks;

	if (!c || c->size - c->used < len) {
		size = len > CHUNK_SIZE ? len : CHUNK_SIZE;
		c = malloc(sizeof(*c) + size);
		if (!c)
			return NULL;
		c->next = ix->chunks;
		c->used = 0;
		c->size = size;
		ix->chunks = c;
	}
	memcpy(c->text + c->used, s, len);
	c->used += len;
	return c->text + c->used - len;
}

/* hsearch allows one table per process and no growth; these are two
 * small linear-probing tables instead. */
static uint64_t mix64(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	return h ^ (h >> 33);
}

static uint64_t key_hash(const struct ig_key *k)
{
	return mix64(k->ino ^ ((uint64_t)k->dev << 32 | k->gen) * 0x9e3779b97f4a7c15ULL);
}

/* FNV-1a, then mixed: paths share long prefixes. */
static uint64_t path_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return mix64(h);
}

static bool key_eq(const struct ig_key *a, const struct ig_key *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->gen == b->gen;
}

/* The slot holding k, or the empty slot where it would go. */
static size_t key_slot(const struct paths_index *ix, const struct ig_key *k)
{
	size_t mask = ix->slots - 1, i = key_hash(k) & mask;

	while (ix->v[i].path && !key_eq(&ix->v[i].key, k))
		i = (i + 1) & mask;
	return i;
}

/* Adds slot e under its path unless that probe chain already has it. */
static void path_insert(struct paths_index *ix, uint32_t e)
{
	size_t mask = ix->slots - 1, i;

	if (!ix->by_path)
		return;
	for (i = path_hash(ix->v[e].path) & mask; ix->by_path[i]; i = (i + 1) & mask)
		if (ix->by_path[i] == e + 1)
			return;
	ix->by_path[i] = e + 1;
	ix->path_used++;
}

/* Into slots slots (the same or twice as many); every entry goes in
 * again. A key whose path changed leaves a stale path slot behind,
 * which this drops. */
static int rehash(struct paths_index *ix, size_t slots, bool with_paths)
{
	struct paths_entry *old = ix->v, *v = table_alloc(slots, sizeof(*v));
	uint32_t *by_path = with_paths ? table_alloc(slots, sizeof(*by_path)) : NULL;
	size_t i, old_slots = ix->slots;

	if (!v || (with_paths && !by_path)) {
		table_free(v, slots, sizeof(*v));
		table_free(by_path, slots, sizeof(*by_path));
		return -ENOMEM;
	}
	table_free(ix->by_path, old_slots, sizeof(*ix->by_path));
	ix->v = v;
	ix->by_path = by_path;
	ix->slots = slots;
	ix->path_used = 0;
	for (i = 0; i < old_slots; i++)
		if (old[i].path)
			v[key_slot(ix, &old[i].key)] = old[i];
	for (i = 0; with_paths && i < slots; i++)
		if (v[i].path)
			path_insert(ix, i);
	table_free(old, old_slots, sizeof(*old));
	return 0;
}

int paths_index__reserve(struct paths_index *ix, size_t n)
{
	size_t slots = ix->slots ? ix->slots : 1024;

	while (slots < 2 * n)
		slots *= 2;
	return slots == ix->slots ? 0 : rehash(ix, slots, ix->by_path != NULL);
}

int paths_index__add(struct paths_index *ix, const struct ig_key *k, const char *path)
{
	struct paths_entry *e;
	char *copy;

	/* At most half full, so probes stay short (and always end). */
	if (((ix->n > ix->path_used ? ix->n : ix->path_used) + 1) * 2 > ix->slots &&
	    rehash(ix, ix->slots ? ix->slots * 2 : 1024, ix->by_path != NULL))
		return -ENOMEM;
	copy = text_copy(ix, path);
	if (!copy)
		return -ENOMEM;
	/* A key registered again (say, after an unprotect) only takes the
	 * later path. */
	e = &ix->v[key_slot(ix, k)];
	if (!e->path) {
		e->key = *k;
		ix->n++;
	}
	e->path = copy;
	path_insert(ix, e - ix->v);
	return 0;
}

const char *paths_index__path_of(const struct paths_index *ix, const struct ig_key *k)
{
	return ix->slots ? ix->v[key_slot(ix, k)].path : NULL;
}

void paths_index__prefetch(const struct paths_index *ix, const struct ig_key *k)
{
	if (ix->slots)
		__builtin_prefetch(&ix->v[key_hash(k) & (ix->slots - 1)]);
}

int paths_index__for_path(struct paths_index *ix, const char *path,
			  int (*fn)(const struct ig_key *k, void *ctx), void *ctx)
{
	size_t mask, i;
	int err;

	if (!ix->slots)
		return 0;
	if (!ix->by_path) {
		err = rehash(ix, ix->slots, true);
		if (err)
			return err;
	}
	mask = ix->slots - 1;
	for (i = path_hash(path) & mask; ix->by_path[i]; i = (i + 1) & mask) {
		const struct paths_entry *e = &ix->v[ix->by_path[i] - 1];

		/* A slot whose entry moved to another path no longer matches. */
		if (strcmp(e->path, path) == 0) {
			err = fn(&e->key, ctx);
			if (err)
				return err;
		}
	}
	return 0;
}

void paths_index__free(struct paths_index *ix)
{
	struct paths_chunk *c, *next;

	for (c = ix->chunks; c; c = next) {
		next = c->next;
		free(c);
	}
	table_free(ix->v, ix->slots, sizeof(*ix->v));
	table_free(ix->by_path, ix->slots, sizeof(*ix->by_path));
	memset(ix, 0, sizeof(*ix));
}
