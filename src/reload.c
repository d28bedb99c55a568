// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Reload stage: the running daemon's configuration read again, checked
 * whole, then applied as one difference. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "log.h"
#include "reload.h"
#include "scan.h"
#include "state.h"

/* The new policy, parsed and resolved as `run` would, relative to the
 * directory the daemon was started in. */
static int reload_read(const struct ig_config_record *rec, const char *config,
		       struct run_opts *o)
{
	int err;

	if (chdir(rec->cwd)) {
		err = -errno;
		p_err("cannot enter %s, where the daemon was started: %s", rec->cwd, strerror(-err));
		return err;
	}
	o->config_override = config ? config : *rec->config ? rec->config : NULL;
	err = run__parse_args(rec->argc, rec->argv, o);
	return err ? err : run__resolve(o);
}

int reload__apply(const struct ig_maps *m, enum ig_backend b, const char *config,
		  bool grow_only, int *scan_err, struct adopt_plan *plan, size_t *entries)
{
	struct ig_config_record rec;
	struct run_opts o = {};
	int err, lock = -1;

	memset(plan, 0, sizeof(*plan));
	*entries = 0;
	err = state__config_read(&rec);
	if (err) {
		p_err("cannot read %s: %s", IG_CONFIG_FILE, strerror(-err));
		return err;
	}
	err = reload_read(&rec, config, &o);
	if (!err)
		err = run__warn_kill_only(&o, &o.policy, b);
	if (err)
		goto cleanup;
	lock = state__learn_lock();
	if (lock < 0) {
		err = lock;
		p_err("cannot take %s: %s", IG_LEARN_LOCK, strerror(-err));
		goto cleanup;
	}
	err = adopt__apply(m, b, &o.policy, &o.allow, grow_only, NULL, NULL, plan);
	if (!err && (err = state__policy_write(o.policy.v, o.policy.n)))
		p_err("cannot write %s: %s", IG_POLICY_FILE, strerror(-err));
	if (!err && config && (err = state__config_write(rec.cwd, config, rec.argc, rec.argv)))
		p_err("cannot write %s: %s", IG_CONFIG_FILE, strerror(-err));
	if (!err && scan_err)
		*scan_err = scan__after_change(m, &o.policy, b, "reload");
	*entries = o.policy.n;
cleanup:
	if (lock >= 0)
		close(lock);
	policy__free(&o.policy);
	allow__free(&o.allow);
	state__config_free(&rec);
	return err;
}
