// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Fuzz target: the configuration file parser, through its public entry
 * point policy__load_file(), on a file holding the input bytes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "config.h"
#include "fuzz_common.h"
#include "log.h"

static int memfd = -1;
static char memfd_path[64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ig_policy p = {};
	char path[PATH_MAX];
	size_t i;

	if (memfd < 0) {
		fuzz__sandbox();
		memfd = memfd_create("ig-fuzz-config", MFD_CLOEXEC);
		if (memfd < 0)
			abort();
		snprintf(memfd_path, sizeof(memfd_path), "/proc/self/fd/%d", memfd);
	}
	/* A memfd named through /proc: the parser opens it by name as it
	 * would any config file, with no disk write per input. */
	if (ftruncate(memfd, 0) || pwrite(memfd, data, size, 0) != (ssize_t)size)
		abort();
	/* The first byte picks text or JSON logging, so both paths of every
	 * message (held, escaped) are run. */
	if (size && (data[0] & 1))
		log__init(true, 0);
	if (policy__load_file(&p, memfd_path) == 0) {
		/* What parsed must be whole entries: absolute paths, known levels. */
		for (i = 0; i < p.n; i++)
			if (entry__path(&p.v[i], path)[0] != '/' || p.v[i].level > IG_LEVEL_KILL ||
			    !p.v[i].dir->origin)
				abort();
	}
	policy__free(&p);
	fuzz__log_reset();
	return 0;
}
