/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Growable arrays: the one grow-by-doubling every list in src/ uses. */
#ifndef IG_ARRAY_H
#define IG_ARRAY_H

#include <errno.h>
#include <stdlib.h>

/* Makes room for element n of *v (elem bytes each), doubling *cap from
 * 16; 0, or -ENOMEM with *v and *cap unchanged. */
static inline int array__grow(void **v, size_t *cap, size_t n, size_t elem)
{
	size_t want;
	void *p;

	if (n < *cap)
		return 0;
	want = *cap ? *cap * 2 : 16;
	p = realloc(*v, want * elem);
	if (!p)
		return -ENOMEM;
	*v = p;
	*cap = want;
	return 0;
}

#endif
