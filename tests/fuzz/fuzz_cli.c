// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Fuzz target: the option parsers of run, protect and unprotect, as the
 * commands call them. The input is NUL-separated arguments; its first
 * byte picks the command. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "fuzz_common.h"

#define MAX_ARGS 64

static const char *const commands[] = { "run", "protect", "unprotect" };

/* -c reads the file it names. Devices and kernel files could block or
 * never end (/dev/zero, /proc/kmsg), which is a hang of the fuzzer's
 * making, not of the parser: those inputs are skipped. */
static int reads_special_file(char *const *argv, int argc)
{
	static const char *const roots[] = { "/dev", "/proc", "/sys", "/run" };
	size_t r;
	int i;

	for (i = 1; i < argc; i++)
		for (r = 0; r < sizeof(roots) / sizeof(roots[0]); r++)
			if (strstr(argv[i], roots[r]))
				return 1;
	return 0;
}

static void parse_once(const uint8_t *data, size_t size)
{
	char *buf, *argv[MAX_ARGS + 2], *s, *end;
	struct run_opts o = {};
	struct ig_policy p = {};
	struct ig_allows allow = {};
	unsigned int cmd;
	int argc = 1;

	fuzz__sandbox();
	cmd = data[0] % 3;
	/* A copy that ends in NUL, split at each NUL: getopt permutes argv
	 * and the parsers keep pointers into it, as with a real argv. */
	buf = malloc(size);
	if (!buf)
		return;
	memcpy(buf, data + 1, size - 1);
	buf[size - 1] = '\0';
	argv[0] = (char *)commands[cmd];
	for (s = buf, end = buf + size - 1; s < end && argc <= MAX_ARGS; s += strlen(s) + 1)
		argv[argc++] = s;
	argv[argc] = NULL;
	if (reads_special_file(argv, argc))
		goto out;
	if (cmd == 0) {
		run__parse_args(argc, argv, &o);
		policy__free(&o.policy);
		allow__free(&o.allow);
	} else {
		live__parse_paths(argc, argv, cmd == 1, &p, &allow);
		policy__free(&p);
		allow__free(&allow);
	}
out:
	fuzz__log_reset();
	free(buf);
}

/* Twice, each on its own copy freed after it: a parse must start afresh,
 * whatever the one before stopped inside (glibc's getopt keeps its place
 * in a short-option cluster unless told optind = 0). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	parse_once(data, size);
	parse_once(data, size);
	return 0;
}
