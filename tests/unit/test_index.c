// SPDX-License-Identifier: GPL-2.0
/* test_index: the registered-paths hash tables and canonical names. */
#include <stdio.h>
#include <string.h>
#include "index.h"
#include "resolve.h"
#include "unit.h"

static int count_key(const struct ig_key *k, void *ctx)
{
	(void)k;
	++*(int *)ctx;
	return 0;
}

UNIT_TEST(test_index_by_key_and_by_path)
{
	struct paths_index ix = {};
	struct ig_key k = { .dev = 1, .gen = 2 }, other = { .dev = 1, .gen = 3, .ino = 5 };
	char path[64];
	int i, n;

	/* Enough entries to grow the tables several times. */
	for (i = 0; i < 5000; i++) {
		k.ino = i;
		snprintf(path, sizeof(path), "/d/f%d", i / 2);
		ASSERT_EQ_INT(paths_index__add(&ix, &k, path), 0);
	}
	k.ino = 4999;
	ASSERT_STREQ(paths_index__path_of(&ix, &k), "/d/f2499");
	ASSERT_STREQ(paths_index__path_of(&ix, &other), NULL);
	n = 0;
	ASSERT_EQ_INT(paths_index__for_path(&ix, "/d/f7", count_key, &n), 0);
	ASSERT_EQ_INT(n, 2);
	/* A key registered again takes its later path, and leaves the old. */
	k.ino = 14;
	ASSERT_EQ_INT(paths_index__add(&ix, &k, "/e/new"), 0);
	ASSERT_STREQ(paths_index__path_of(&ix, &k), "/e/new");
	n = 0;
	paths_index__for_path(&ix, "/d/f7", count_key, &n);
	ASSERT_EQ_INT(n, 1);
	n = 0;
	paths_index__for_path(&ix, "/e/new", count_key, &n);
	ASSERT_EQ_INT(n, 1);
	ASSERT_EQ_INT((int)ix.n, 5000);
	paths_index__free(&ix);
}

UNIT_TEST(test_resolve_name_of_missing_files)
{
	char out[256];

	ASSERT_EQ_INT(resolve__name("/nonexistent-ig/a/../b/./c//d", out, sizeof(out)), 0);
	ASSERT_STREQ(out, "/nonexistent-ig/b/c/d");
	ASSERT_EQ_INT(resolve__name("/proc/self/../missing-ig", out, sizeof(out)), 0);
	ASSERT_STREQ(out, "/proc/missing-ig");
	ASSERT_EQ_INT(resolve__name("/", out, sizeof(out)), 0);
	ASSERT_STREQ(out, "/");
}
