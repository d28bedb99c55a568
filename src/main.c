// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Command-line entry: global flags, then one subcommand from a table. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "json.h"
#include "log.h"
#include "quote.h"
#include "relay.h"
#include "seal.h"

#ifndef IG_VERSION
#define IG_VERSION "0.1.0"
#endif

static int cmd_help(int argc, char **argv);
static int cmd_version(int argc, char **argv)
{
	struct json *j = log__json();

	(void)argc;
	(void)argv;
	if (j)
		json__kv_str(j, "version", IG_VERSION);
	else
		printf("inodeguard %s\n", IG_VERSION);
	return IG_EXIT_OK;
}

/* What a command does while a sealed daemon runs (run --seal): nothing
 * but the daemon may open its maps, so the ones that need them are run by
 * the daemon's worker (relay.c), and the ones that would shrink or end the
 * instance are refused; the others run here. */
enum cmd_sealed {
	SEALED_HERE,
	SEALED_RELAY,
	SEALED_REFUSE,
};

/* doc: the shape of the command's -j output. */
static const struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	enum log_doc doc;
	enum cmd_sealed sealed;
	const char *synopsis;
} cmds[] = {
	{ "run", cmd_run, LOG_DOC_LINES, SEALED_REFUSE, "run [--audit|--deny|--kill PATH]... [-c FILE] [--allow KIND=VALUE]... [--backend NAME] [--enforce-root] [--strict] [--capacity N] [--force] [--persist] [--seal]" },
	{ "protect", cmd_protect, LOG_DOC_ARRAY, SEALED_RELAY, "protect [--audit|--deny|--kill|--level L] [--force] [--allow KIND=VALUE]... PATH...   add to the running instance" },
	{ "unprotect", cmd_unprotect, LOG_DOC_ARRAY, SEALED_REFUSE, "unprotect PATH...                          remove from the running instance" },
	{ "reload", cmd_reload, LOG_DOC_OBJECT, SEALED_RELAY, "reload [-c FILE]                           read the running daemon's configuration again" },
	{ "stop", cmd_stop, LOG_DOC_ARRAY, SEALED_REFUSE, "stop                                       stop the daemon and release what it pinned" },
	{ "list", cmd_list, LOG_DOC_ARRAY, SEALED_RELAY, "list [-j]                                  what the running instance protects" },
	{ "stats", cmd_stats, LOG_DOC_OBJECT, SEALED_RELAY, "stats [-j]                                 counts since the first start, capacity, backend" },
	{ "check", cmd_check, LOG_DOC_OBJECT, SEALED_HERE, "check [-j]                                 what this kernel can enforce, and why" },
	{ "version", cmd_version, LOG_DOC_OBJECT, SEALED_HERE, "version" },
	{ "help", cmd_help, LOG_DOC_OBJECT, SEALED_HERE, "help" },
};

static int cmd_help(int argc, char **argv)
{
	struct json *j = log__json();
	size_t i;

	(void)argc;
	(void)argv;
	if (j) {
		json__key(j, "usage");
		json__begin_array(j);
		for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
			json__str(j, cmds[i].synopsis);
		json__end_array(j);
		return IG_EXIT_OK;
	}
	printf("Usage: inodeguard [-j] [-v] COMMAND [ARGS]\n\n"
	       "Protects files by their inode, so no path alias reaches them.\n\n");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		printf("  inodeguard %s\n", cmds[i].synopsis);
	printf("\nPATH is a file (its inode, and whatever later appears at its name) or a\n"
	       "directory (every file below it, now and later; --force to cover /usr,\n"
	       "/lib, /bin, /sbin or /etc as a whole).\n"
	       "Levels: audit (0) logs, deny (1) fails with EACCES, kill (2+) denies and\n"
	       "sends SIGKILL; protect --level L takes a name or number. uid 0 is exempt\n"
	       "unless --enforce-root.\n"
	       "--capacity N: the keys the maps hold (inodes and names); by default 65536,\n"
	       "or a quarter more than the policy needs if that is larger.\n"
	       "--allow KIND=VALUE lets a subject pass: exe=PATH, uid=N|NAME, gid=N|NAME,\n"
	       "cgroup=PATH (cgroup v2); a process started with LD_PRELOAD, LD_AUDIT or\n"
	       "LD_LIBRARY_PATH, or ever traced, passes none.\n"
	       "Protection is pinned: it outlives the daemon, and the next run adopts it.\n"
	       "SIGINT or SIGTERM releases it, unless run --persist; 'stop' always does.\n"
	       "SIGHUP to run, or 'reload', applies a changed configuration with no window.\n"
	       "  -j  JSON output (errors included)\n  -v  verbose; -vv adds libbpf's debug log\n");
	return IG_EXIT_OK;
}

/*
 * -j may follow the command name (getopt takes it there too), but the
 * document must start before the command prints anything. Short clusters
 * are read as getopt does: only -c takes a value, which ends the cluster.
 */
static bool json_requested(int argc, char **argv)
{
	const char *f;
	int i;

	for (i = 0; i < argc && strcmp(argv[i], "--"); i++) {
		if (strcmp(argv[i], "--json") == 0)
			return true;
		if (argv[i][0] != '-' || argv[i][1] == '-')
			continue;
		for (f = argv[i] + 1; *f && *f != 'c'; f++)
			if (*f == 'j')
				return true;
	}
	return false;
}

/*
 * A sealed daemon answers on the control socket its seal file names: the
 * command goes to it, or is refused. -1 when no sealed daemon runs (the
 * usual case: no seal file), else the exit status; the worker printed
 * everything but what is printed here.
 */
static int sealed(const struct cmd *c, int argc, char **argv)
{
	char name[IG_RELAY_NAME_MAX];
	pid_t pid = 0;
	int fd, status;

	if (c->sealed == SEALED_HERE || relay__in_worker() || seal__marked(&pid, name, sizeof(name)) ||
	    !*name)
		return -1;
	/* None answers: the daemon is gone, and the command says so itself. */
	fd = relay__connect(name, &pid);
	if (fd < 0)
		return -1;
	if (c->sealed == SEALED_REFUSE) {
		close(fd);
		log__begin(c->doc);
		p_err("%s: refused: the running instance is sealed until reboot (pid %d); a sealed policy only grows and nothing ends it (see inodeguard(8), SEALED MODE)",
		      c->name, (int)pid);
		return IG_EXIT_FAIL;
	}
	status = relay__forward(fd, ig_global.json, ig_global.verbose, argc, argv);
	if (status >= 0)
		return status;
	log__begin(c->doc);
	if (status == -EPERM)
		p_err("%s: the sealed daemon (pid %d) serves only root", c->name, (int)pid);
	else if (status == -EBUSY)
		p_err("%s: the sealed daemon (pid %d) serves %d requests already; try again", c->name,
		      (int)pid, IG_RELAY_WORKERS);
	else
		p_err("%s: the sealed daemon (pid %d) did not answer: %s", c->name, (int)pid,
		      strerror(-status));
	return IG_EXIT_FAIL;
}

static int dispatch(int argc, char **argv)
{
	char q[QUOTE_BUF];
	size_t c;
	int status;

	if (json_requested(argc - 1, argv + 1))
		ig_global.json = true;
	log__init(ig_global.json, ig_global.verbose);
	for (c = 0; c < sizeof(cmds) / sizeof(cmds[0]); c++) {
		if (strcmp(argv[0], cmds[c].name) == 0) {
			status = sealed(&cmds[c], argc, argv);
			if (status >= 0)
				return status;
			log__begin(cmds[c].doc);
			/* The handler sees its own name as argv[0], as getopt expects. */
			return cmds[c].fn(argc, argv);
		}
	}
	p_err("unknown command '%s' (see 'inodeguard help')", quote__str(argv[0], q));
	return IG_EXIT_USAGE;
}

int main(int argc, char **argv)
{
	char opt[2] = "", q[QUOTE_BUF];
	int i = 1, status;

	cli__set_dispatch(dispatch);
	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		/* --help and --version are the commands of those names. */
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			argv[i] = "help";
			break;
		}
		if (strcmp(argv[i], "--version") == 0) {
			argv[i] = "version";
			break;
		}
		for (const char *f = argv[i] + 1; *f; f++) {
			if (!cli__common_opt(*f)) {
				if (json_requested(argc - i, argv + i))
					ig_global.json = true;
				log__init(ig_global.json, ig_global.verbose);
				opt[0] = *f;
				p_err("unknown option '-%s' (see 'inodeguard help')", quote__str(opt, q));
				log__end();
				return IG_EXIT_USAGE;
			}
		}
	}
	log__init(ig_global.json, ig_global.verbose);
	if (i >= argc) {
		if (ig_global.json)
			p_err("no command given (see 'inodeguard help')");
		else
			cmd_help(0, NULL);
		log__end();
		return IG_EXIT_USAGE;
	}
	status = dispatch(argc - i, argv + i);
	log__end();
	return status;
}
