/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* The registered-paths index in memory: key to path and path to keys,
 * two open-addressing hash tables over one array of entries. */
#ifndef IG_INDEX_H
#define IG_INDEX_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "inodeguard.h"

struct paths_entry {
	struct ig_key key;
	char *path;
};

struct paths_index {
	/* Open addressing by key over the entries themselves (path NULL is
	 * an empty slot), so a lookup costs one cache miss, not two. */
	struct paths_entry *v;
	size_t n, slots;            /* slots: a power of two, at least 2n */
	/* Entry slot + 1 by path (0 is empty), built on its first use:
	 * `list` and the daemon only ever ask by key. */
	uint32_t *by_path;
	size_t path_used;           /* by_path slots taken, stale ones too */
	/* The path strings, packed in chunks: a million strdup()s and free()s
	 * were a tenth of a `list`. A replaced path stays until the free. */
	struct paths_chunk *chunks;
	/* What of the paths file is loaded, for state__paths_load(). */
	dev_t file_dev;
	ino_t file_ino;
	off_t loaded;
};

/* Makes room for n entries at once, sparing the rehashes on the way. */
int paths_index__reserve(struct paths_index *ix, size_t n);
/* Registers path for k; a key registered again takes the later path. */
int paths_index__add(struct paths_index *ix, const struct ig_key *k, const char *path);
/* The path k was registered under, or NULL. */
const char *paths_index__path_of(const struct paths_index *ix, const struct ig_key *k);
/* Asks the CPU to fetch k's slot now: a caller with many keys to look
 * up prefetches them all first, so the cache misses overlap. */
void paths_index__prefetch(const struct paths_index *ix, const struct ig_key *k);
/* Calls fn for every key registered under path; stops at fn's first
 * non-zero return and returns it. */
int paths_index__for_path(struct paths_index *ix, const char *path,
			  int (*fn)(const struct ig_key *k, void *ctx), void *ctx);
void paths_index__free(struct paths_index *ix);

#endif
