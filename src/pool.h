/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Bulk memory for a large policy: its strings stored end to end in large
 * blocks and freed with the policy, not one allocation per string (a
 * million entries made three million, and freeing them alone took
 * seconds); and arrays that grow by remapping, not copying. Both ask for
 * transparent huge pages: on some virtual machines a page fault costs
 * microseconds, and 2 MiB pages take 512 times fewer. */
#ifndef IG_POOL_H
#define IG_POOL_H

#include <stddef.h>

struct pool_block;

struct strpool {
	struct pool_block *blocks;
	char *next;   /* free space in the newest block */
	size_t left;
};

/* A copy of the len bytes at s, NUL-terminated, or NULL when out of memory. */
char *strpool__dup(struct strpool *p, const char *s, size_t len);
/* Moves every block of from into to (from is left empty). */
void strpool__merge(struct strpool *to, struct strpool *from);
void strpool__free(struct strpool *p);

/* Makes room for element n of *v (elem bytes each), doubling *cap; small
 * arrays live on the heap, large ones in their own mapping. 0 or -ENOMEM
 * with *v and *cap unchanged. Free with bigarray__free(*v, *cap, elem). */
int bigarray__grow(void **v, size_t *cap, size_t n, size_t elem);
void bigarray__free(void *v, size_t cap, size_t elem);

#endif
