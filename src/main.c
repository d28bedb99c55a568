// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Command-line entry: global flags, then one subcommand from a table. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include "cli.h"
#include "log.h"

#ifndef IG_VERSION
#define IG_VERSION "0.1.0"
#endif

struct ig_global ig_global;

static int cmd_help(int argc, char **argv);
static int cmd_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("inodeguard %s\n", IG_VERSION);
	return IG_EXIT_OK;
}

static const struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *synopsis;
} cmds[] = {
	{ "run", cmd_run, "run [--audit|--deny|--kill PATH]... [-c FILE] [--backend NAME] [--enforce-root] [--strict] [--capacity N]" },
	{ "protect", cmd_protect, "protect [--audit|--deny|--kill] PATH...   add to the running instance" },
	{ "unprotect", cmd_unprotect, "unprotect PATH...                          remove from the running instance" },
	{ "list", cmd_list, "list [-j]                                  what the running instance protects" },
	{ "check", cmd_check, "check [-j]                                 what this kernel can enforce, and why" },
	{ "version", cmd_version, "version" },
	{ "help", cmd_help, "help" },
};

static int cmd_help(int argc, char **argv)
{
	size_t i;

	(void)argc;
	(void)argv;
	printf("Usage: inodeguard [-j] [-v] COMMAND [ARGS]\n\n"
	       "Protects files by their inode, so no path alias reaches them.\n\n");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		printf("  inodeguard %s\n", cmds[i].synopsis);
	printf("\nLevels: audit (0) logs, deny (1) fails with EACCES, kill (2+) denies and\n"
	       "sends SIGKILL. uid 0 is exempt unless --enforce-root.\n"
	       "  -j  JSON output (errors included)\n  -v  verbose; -vv adds libbpf's debug log\n");
	return IG_EXIT_OK;
}

int cli__common_opt(int opt)
{
	switch (opt) {
	case 'j':
		ig_global.json = true;
		break;
	case 'v':
		ig_global.verbose++;
		break;
	default:
		return 0;
	}
	log__init(ig_global.json, ig_global.verbose);
	return 1;
}

int main(int argc, char **argv)
{
	int i = 1;
	size_t c;

	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return cmd_help(0, NULL);
		if (strcmp(argv[i], "--version") == 0)
			return cmd_version(0, NULL);
		for (const char *f = argv[i] + 1; *f; f++) {
			if (!cli__common_opt(*f)) {
				log__init(ig_global.json, ig_global.verbose);
				p_err("unknown option '-%c' (see 'inodeguard help')", *f);
				return IG_EXIT_USAGE;
			}
		}
	}
	log__init(ig_global.json, ig_global.verbose);
	if (i >= argc) {
		cmd_help(0, NULL);
		return IG_EXIT_USAGE;
	}
	for (c = 0; c < sizeof(cmds) / sizeof(cmds[0]); c++) {
		if (strcmp(argv[i], cmds[c].name) == 0) {
			/* The handler sees its own name as argv[0], as getopt expects. */
			return cmds[c].fn(argc - i, argv + i);
		}
	}
	p_err("unknown command '%s' (see 'inodeguard help')", argv[i]);
	return IG_EXIT_USAGE;
}
