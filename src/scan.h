/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Start-up scan: processes that already hold a protected inode (a
 * descriptor or a mapping made before protection) or an io_uring
 * instance, which no open hook will ever see. */
#ifndef IG_SCAN_H
#define IG_SCAN_H

#include <stdbool.h>
#include "backend.h"
#include "config.h"
#include "loader.h"

struct scan_opts {
	/* The backend cannot stop reads on an earlier descriptor: holders of
	 * deny and kill entries are killed rather than only reported. (A
	 * mapping of a kill entry is killed on every backend: no hook sees
	 * its pages read.) */
	bool kill_holders;
	/* Anything the backend cannot stop and that was not killed refuses
	 * the start (--strict on a kill-only backend). */
	bool refuse;
	/* Like the hooks: root is a subject only under --enforce-root. */
	bool enforce_root;
	/* For messages: the command that scans ("run", "protect", "reload")
	 * and what its scan is called ("start-up scan"). */
	const char *command, *title;
};

/* Runs once the policy is in force, so no new holder can appear unseen.
 * Prints one line per holder (pid, comm, path); -EPERM when opts->refuse
 * and some remain, after listing them all. The policy's entries carry the
 * stat() device they were learned under, which is how a descriptor's
 * stat() is turned into the kernel's key where the two differ. */
int scan__holders(const struct ig_maps *m, const struct ig_policy *policy,
		  const struct scan_opts *opts);
/* The same scan after a live change (protect, reload) brought entries of
 * policy under the running instance's protection: a descriptor or mapping
 * from before the change is handled as one from before its start. Reads
 * the instance's --enforce-root from its pins. */
int scan__after_change(const struct ig_maps *m, const struct ig_policy *policy,
		       enum ig_backend b, const char *command);

#endif
