// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* `stop`: ends the running daemon, whatever its flags, and removes every
 * pin a daemon left, so that protection is released in every case. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cli.h"
#include "json.h"
#include "loader.h"
#include "log.h"
#include "pins.h"
#include "seal.h"
#include "state.h"
#include "uring.h"

/* How long a daemon may take to leave after SIGTERM. */
#define STOP_WAIT_MS 10000

struct removed {
	struct json *j;
	int links, maps;
};

static void report_removed(const char *path, bool link, void *ctx)
{
	struct removed *r = ctx;

	if (link)
		r->links++;
	else
		r->maps++;
	if (!r->j) {
		printf("removed %s %s\n", link ? "link" : "pin", path);
		return;
	}
	json__begin_object(r->j);
	json__kv_str(r->j, "action", "removed");
	json__kv_str(r->j, "kind", link ? "link" : "pin");
	json__kv_str(r->j, "path", path);
	json__end_object(r->j);
}

/* SIGTERM, then waits until the daemon has let go of the instance lock. */
static int stop_daemon(pid_t pid)
{
	struct timespec nap = { 0, 100 * 1000000L };
	char backend[32];
	pid_t still;
	int waited;

	if (kill(pid, SIGTERM) && errno != ESRCH) {
		int err = -errno;

		p_err("cannot signal the daemon (pid %d): %s", (int)pid, strerror(-err));
		return err;
	}
	for (waited = 0; waited < STOP_WAIT_MS; waited += 100) {
		if (state__running(&still, backend, sizeof(backend)))
			return 0;
		nanosleep(&nap, NULL);
	}
	p_err("the daemon (pid %d) did not exit within %d s of SIGTERM", (int)pid, STOP_WAIT_MS / 1000);
	return -ETIMEDOUT;
}

/* The kernel detaches a link whose last pin goes from a work item,
 * seconds later, so the programs are told to allow first. Not a
 * sealed instance's: it stays in force until reboot. Without the flag
 * (nothing pinned, another release's layout) the detach still releases. */
static bool release_at_once(void)
{
	pid_t sealer;
	int err;

	if (seal__marked(&sealer, NULL, 0) == 0)
		return false;
	err = loader__release_pinned();
	if (err && err != -ENOENT)
		p_debug("the pinned instance was not told to allow before its pins go: %s",
			strerror(-err));
	return err == 0;
}

static void report_stopped(struct json *j, pid_t pid, const struct removed *r)
{
	if (!j) {
		if (pid)
			printf("stopped the daemon (pid %d)\n", (int)pid);
		if (r->links || r->maps)
			printf("released %d link%s and %d other pin%s: nothing is protected now\n",
			       r->links, r->links == 1 ? "" : "s", r->maps, r->maps == 1 ? "" : "s");
		else if (!pid)
			printf("nothing to stop: no daemon runs and nothing is pinned\n");
		return;
	}
	if (pid) {
		json__begin_object(j);
		json__kv_str(j, "action", "stopped");
		json__kv_int(j, "pid", pid);
		json__end_object(j);
	}
}

int cmd_stop(int argc, char **argv)
{
	struct removed r = { .j = log__json() };
	char backend[32];
	pid_t pid = 0;
	int opt, lock_fd = -1, status = IG_EXIT_FAIL;

	optind = 1;
	while ((opt = getopt(argc, argv, "jv")) != -1) {
		if (!cli__common_opt(opt)) {
			p_err("usage: inodeguard stop [-j]");
			return IG_EXIT_USAGE;
		}
	}
	if (state__running(&pid, backend, sizeof(backend)))
		pid = 0;
	if (pid && stop_daemon(pid))
		return IG_EXIT_FAIL;
	/* Held while removing, so no new run adopts half of it. */
	if (state__lock_instance(&lock_fd))
		return IG_EXIT_FAIL;
	if (pins__remove_all(report_removed, &r, release_at_once()) < 0) {
		p_err("cannot remove %s: %s", IG_PIN_DIR, strerror(errno));
		goto cleanup;
	}
	/* What could not be removed stays in force: never "released". */
	if (access(IG_PIN_DIR, F_OK) == 0) {
		pid_t sealer;

		if (seal__marked(&sealer, NULL, 0) == 0)
			p_err("cannot remove %s: the instance is sealed until reboot (its daemon, pid %d, is gone); only a reboot releases it",
			      IG_PIN_DIR, (int)sealer);
		else
			p_err("cannot remove everything under %s", IG_PIN_DIR);
		goto cleanup;
	}
	state__files_remove();
	/* Whatever the daemon's end, the setting was the instance's. */
	if (uring__restore())
		goto cleanup;
	report_stopped(r.j, pid, &r);
	status = IG_EXIT_OK;
cleanup:
	state__unlock_instance(lock_fd);
	return status;
}
