// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Fuzz target: path resolution without BPF. Each input line is a path,
 * resolved in a scratch tree of files, links, loops, a FIFO and a
 * directory: resolve__name() on its own, then all of them together
 * through resolve__policy(), as run and protect do. */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "config.h"
#include "fuzz_common.h"
#include "resolve.h"

#define MAX_PATHS 16

/* A canonical name is absolute, with no empty, "." or ".." component. */
static void check_name(const char *name)
{
	const char *p = name;
	size_t n;

	if (name[0] != '/')
		abort();
	if (!strcmp(name, "/"))
		return;
	while (*p == '/') {
		p++;
		n = strcspn(p, "/");
		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			abort();
		p += n;
	}
	if (*p)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ig_policy p = {};
	char *buf, *line, *save = NULL, canon[PATH_MAX], path[PATH_MAX];
	const char *dir;
	size_t i;

	if (size < 1)
		return 0;
	dir = fuzz__sandbox();
	buf = strndup((const char *)data + 1, size - 1);
	if (!buf)
		return 0;
	p.force = data[0] & 1;
	for (line = strtok_r(buf, "\n", &save); line && p.n < MAX_PATHS;
	     line = strtok_r(NULL, "\n", &save))
		if (policy__add(&p, line, dir, data[0] >> 1 & 3, "fuzz", 0))
			break;
	for (i = 0; i < p.n; i++)
		if (resolve__name(entry__path(&p.v[i], path), canon, sizeof(canon)) == 0)
			check_name(canon);
	if (resolve__policy(&p) == 0 && resolve__merge_same_files(&p) == 0)
		for (i = 0; i < p.n; i++)
			if (entry__path(&p.v[i], path)[0] != '/')
				abort();
	policy__free(&p);
	fuzz__log_reset();
	free(buf);
	return 0;
}
