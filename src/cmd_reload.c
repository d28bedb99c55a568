// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* `reload`: the running daemon's configuration read again and applied by
 * this privileged process through the pinned maps, as `protect` changes
 * them; then the daemon, which holds no capability, is told. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "json.h"
#include "log.h"
#include "quote.h"
#include "relay.h"
#include "reload.h"
#include "state.h"

static void report_reloaded(struct json *j, const struct adopt_plan *plan, size_t entries)
{
	if (!j) {
		printf("reloaded: %zu entries kept, %zu added, %zu released (%zu inode%s)\n",
		       plan->kept, plan->added, plan->nrelease, plan->released_inodes,
		       plan->released_inodes == 1 ? "" : "s");
		return;
	}
	json__kv_str(j, "action", "reloaded");
	json__kv_uint(j, "entries", entries);
	json__kv_uint(j, "kept", plan->kept);
	json__kv_uint(j, "added", plan->added);
	json__kv_uint(j, "released", plan->nrelease);
	json__kv_uint(j, "inodes_released", plan->released_inodes);
}

int cmd_reload(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		CLI_COMMON_LONGOPTS,
		{},
	};
	struct ig_maps maps = IG_MAPS_CLOSED;
	struct adopt_plan plan = {};
	enum ig_backend backend = IG_BACKEND_AUTO;
	char name[32], abs[PATH_MAX], q[QUOTE_BUF], *config = NULL;
	int opt, err, scan_err = 0, status = IG_EXIT_USAGE;
	size_t entries;
	pid_t pid;

	/* 0, not 1: glibc then also forgets a short-option cluster a previous
	 * parse stopped inside, which would point into a freed argv. */
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "c:jv", longopts, NULL)) != -1) {
		if (cli__common_opt(opt))
			continue;
		if (opt == 'c') {
			config = optarg;
			continue;
		}
		cli__bad_option(opt, argv, "reload [-c FILE]");
		return IG_EXIT_USAGE;
	}
	if (optind < argc) {
		p_err("reload: unexpected argument '%s' (usage: inodeguard reload [-c FILE])",
		      quote__str(argv[optind], q));
		return IG_EXIT_USAGE;
	}
	/* The daemon's directory is where its own relative paths start;
	 * ours is where a -c FILE given here does. */
	if (config && !realpath(config, abs)) {
		p_err("%s: cannot read config: %s", quote__str(config, q), strerror(errno));
		return IG_EXIT_USAGE;
	}
	status = IG_EXIT_FAIL;
	if (state__open_pinned(&maps))
		goto cleanup;
	if (state__running(&pid, name, sizeof(name))) {
		p_err("no running inodeguard instance (start one with 'inodeguard run')");
		goto cleanup;
	}
	backend__parse(name, &backend);
	/* Run by a sealed daemon's worker: the sealed policy only grows, and
	 * the worker has no capability to scan other users' processes. */
	err = reload__apply(&maps, backend, config ? abs : NULL, relay__in_worker(),
			    relay__in_worker() ? NULL : &scan_err, &plan, &entries);
	if (err) {
		/* Bad input changed nothing, as for `run`. */
		status = err == -EINVAL ? IG_EXIT_USAGE : IG_EXIT_FAIL;
		goto cleanup;
	}
	/* The maps are changed; the daemon logs it and tells systemd. */
	if (kill(pid, SIGUSR1))
		p_warn("cannot tell the daemon (pid %d): %s", (int)pid, strerror(errno));
	report_reloaded(log__json(), &plan, entries);
	/* The scan said what failed; the new policy is in force. */
	status = scan_err ? IG_EXIT_FAIL : IG_EXIT_OK;
cleanup:
	adopt__free(&plan);
	state__close(&maps);
	return status;
}
