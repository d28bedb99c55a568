/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Command handlers and the flags every command shares. */
#ifndef IG_CLI_H
#define IG_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include "backend.h"
#include "config.h"
#include "loader.h"

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
int cmd_stop(int argc, char **argv);
int cmd_reload(int argc, char **argv);
int cmd_stats(int argc, char **argv);

/* Long options every command that takes levels shares: --audit, --deny
 * and --kill (with has_arg a PATH for run, none for protect) return
 * CLI_OPT_AUDIT + level; a command's own options start at CLI_OPT_OWN. */
enum { CLI_OPT_AUDIT = 256, CLI_OPT_DENY, CLI_OPT_KILL, CLI_OPT_OWN };
#define CLI_LEVEL_LONGOPTS(has_arg)				\
	{ "audit", has_arg, NULL, CLI_OPT_AUDIT },		\
	{ "deny", has_arg, NULL, CLI_OPT_DENY },		\
	{ "kill", has_arg, NULL, CLI_OPT_KILL }
#define CLI_COMMON_LONGOPTS					\
	{ "json", no_argument, NULL, 'j' },			\
	{ "verbose", no_argument, NULL, 'v' }

/* For commands with no options of their own: long options, so that an
 * unknown "--word" is named whole. */
static const struct option common_longopts[] = { CLI_COMMON_LONGOPTS, {} };

/* The command table's dispatcher, which main registers: a sealed
 * daemon's worker (relay.c) runs a client's command through it, with the
 * client's -j and -v, as main would have. argv[0] is the command. */
typedef int (*cli__dispatch_fn)(int argc, char **argv);
void cli__set_dispatch(cli__dispatch_fn fn);
int cli__run(bool json, int verbose, int argc, char **argv);

/* Handles -j/-v given after the command name too; returns 1 if consumed. */
int cli__common_opt(int opt);
/* The one line for an option getopt refused (opt '?') or the command does
 * not take: it names the option as given and the command's usage. The
 * parsers set opterr = 0, so getopt prints no line of its own. */
void cli__bad_option(int opt, char **argv, const char *usage);

/* What `run` was asked to do, before anything is resolved or loaded. */
struct run_opts {
	struct ig_policy policy;
	/* --allow: rules for every entry, config entries included. */
	struct ig_allows allow;
	enum ig_backend backend;
	struct ig_load_opts load;
	bool capacity_given; /* --capacity: else the maps are sized from the policy */
	bool strict;
	/* A clean exit leaves protection pinned (the service's mode). */
	bool persist;
	/* --seal: until reboot nobody, root included, reaches the instance
	 * (o->load.seal, which implies persist and enforce_root). */
	bool seal;
	/* reload: this file replaces every -c FILE given (NULL: none). */
	const char *config_override;
};

/* The option parsers of run and of protect/unprotect. They touch nothing
 * but the options (and read -c files), so the fuzz targets call them as
 * they are; each failure is printed once, and the caller frees the policy. */
int run__parse_args(int argc, char **argv, struct run_opts *o);
/* Resolves the policy's paths and the allow rules; each failure printed. */
int run__resolve(struct run_opts *o);
/* Warns for each deny entry a kill-only backend enforces by SIGKILL, or
 * refuses them under --strict (-EOPNOTSUPP). */
int run__warn_kill_only(const struct run_opts *o, const struct ig_policy *policy,
			enum ig_backend b);
struct ig_allows;
int live__parse_paths(int argc, char **argv, bool with_level, struct ig_policy *p,
		      struct ig_allows *allow);

#endif
