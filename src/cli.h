/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Command handlers and the flags every command shares. */
#ifndef IG_CLI_H
#define IG_CLI_H

#include <stdbool.h>

/* Exit statuses: bad input is told apart from runtime failure. */
#define IG_EXIT_OK 0
#define IG_EXIT_FAIL 1
#define IG_EXIT_USAGE 2

struct ig_global {
	bool json;
	int verbose;
};

extern struct ig_global ig_global;

int cmd_run(int argc, char **argv);
int cmd_protect(int argc, char **argv);
int cmd_unprotect(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_check(int argc, char **argv);

/* Handles -j/-v given after the command name too; returns 1 if consumed. */
int cli__common_opt(int opt);
/* The long forms of the flags cli__common_opt() handles, for getopt_long tables. */
#define CLI_COMMON_LONGOPTS { "json", no_argument, NULL, 'j' }, { "verbose", no_argument, NULL, 'v' }

#endif
