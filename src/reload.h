/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Reload: read the running daemon's configuration again and apply the
 * difference, from the daemon (SIGHUP) or from `inodeguard reload`. */
#ifndef IG_RELOAD_H
#define IG_RELOAD_H

#include "adopt.h"
#include "backend.h"
#include "loader.h"

/*
 * Parses and resolves the configuration the daemon was started with
 * (IG_CONFIG_FILE), with config, if not NULL, in place of its -c files
 * (and remembered for the next reload). A configuration with any error
 * changes nothing: -EINVAL, each bad line printed as FILE:LINE: reason.
 * Otherwise applies it to maps m under the learn lock (adopt__apply) and
 * writes the policy record. plan says what changed; *entries is the
 * policy's size. grow_only: a sealed instance, which only grows
 * (adopt__apply); a configuration that would shrink it is -EPERM.
 * scan_err: if not NULL, once applied, scan for holders from before
 * (scan__after_change, which takes the capabilities to see other users'
 * processes) and put its result there: the policy is in force either way.
 */
int reload__apply(const struct ig_maps *m, enum ig_backend b, const char *config,
		  bool grow_only, int *scan_err, struct adopt_plan *plan, size_t *entries);

#endif
