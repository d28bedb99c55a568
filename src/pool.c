// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Pools: bulk memory for a large policy. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "pool.h"

/* 2 MiB: one huge page, where the kernel gives them. A pool's first
 * block is small and of small pages: most policies fit in it, and a huge
 * page would add 2 MiB to their peak. */
#define POOL_BLOCK ((size_t)2 << 20)
#define POOL_FIRST ((size_t)64 << 10)

struct pool_block {
	struct pool_block *next;
	size_t size; /* of the mapping */
	char data[];
};

/* A mapping of len bytes; when huge, it asks for huge pages as a whole:
 * advice on part of it would split it, and a split mapping can no longer
 * grow by mremap(). */
static void *map_block(size_t len, bool huge)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	if (huge)
		madvise(p, len, MADV_HUGEPAGE);
	return p;
}

static size_t round_block(size_t n)
{
	return (n + POOL_BLOCK - 1) & ~(POOL_BLOCK - 1);
}

char *strpool__dup(struct strpool *p, const char *s, size_t len)
{
	struct pool_block *b;
	size_t size;
	char *out;

	if (p->left < len + 1) {
		size = sizeof(*b) + len + 1;
		size = !p->blocks && size <= POOL_FIRST ? POOL_FIRST : round_block(size);
		b = map_block(size, size >= POOL_BLOCK);
		if (!b)
			return NULL;
		b->size = size;
		b->next = p->blocks;
		p->blocks = b;
		p->next = b->data;
		p->left = size - sizeof(*b);
	}
	out = p->next;
	memcpy(out, s, len);
	out[len] = '\0';
	p->next += len + 1;
	p->left -= len + 1;
	return out;
}

void strpool__merge(struct strpool *to, struct strpool *from)
{
	struct pool_block **tail = &from->blocks;

	if (!from->blocks)
		return;
	while (*tail)
		tail = &(*tail)->next;
	/* Behind to's newest block, which keeps filling. */
	if (to->blocks) {
		*tail = to->blocks->next;
		to->blocks->next = from->blocks;
	} else {
		*to = *from;
	}
	memset(from, 0, sizeof(*from));
}

void strpool__free(struct strpool *p)
{
	struct pool_block *b, *next;

	for (b = p->blocks; b; b = next) {
		next = b->next;
		munmap(b, b->size);
	}
	memset(p, 0, sizeof(*p));
}

/* Below this an array stays on the heap. */
#define BIGARRAY_MIN (4 * POOL_BLOCK)

int bigarray__grow(void **v, size_t *cap, size_t n, size_t elem)
{
	size_t want, old_bytes, bytes;
	void *p;

	if (n < *cap)
		return 0;
	want = *cap ? *cap * 2 : 16;
	old_bytes = *cap * elem;
	bytes = want * elem;
	if (bytes < BIGARRAY_MIN) {
		p = realloc(*v, bytes);
	} else if (old_bytes < BIGARRAY_MIN) {
		p = map_block(round_block(bytes), true);
		if (p) {
			memcpy(p, *v, old_bytes);
			free(*v);
		}
	} else {
		p = mremap(*v, round_block(old_bytes), round_block(bytes), MREMAP_MAYMOVE);
		if (p == MAP_FAILED)
			p = NULL;
	}
	if (!p)
		return -ENOMEM;
	*v = p;
	*cap = want;
	return 0;
}

void bigarray__free(void *v, size_t cap, size_t elem)
{
	if (cap * elem < BIGARRAY_MIN)
		free(v);
	else if (v)
		munmap(v, round_block(cap * elem));
}
