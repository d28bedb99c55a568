/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Seal: run --seal's kernel side armed with what it guards, and the
 * daemon hardened against what ends a process without a signal. */
#ifndef IG_SEAL_H
#define IG_SEAL_H

#include <stdbool.h>
#include <sys/types.h>
#include "loader.h"

/* Written by a sealed daemon once it serves: "pid P", "socket NAME" (its
 * control socket's abstract name), then one line per sealed object
 * ("map ID NAME", "prog ID NAME", "link ID"). /run/inodeguard is root's
 * alone, so only root finds the socket. For clients, messages (a sealed
 * instance whose daemon is gone) and the administrator; the kernel
 * guards the objects, not this file. */
#define IG_SEAL_FILE "/run/inodeguard/sealed"

/* Whether this process may seal: the daemon must be in the initial pid
 * namespace, whose init alone could otherwise kill it (a namespace's
 * processes die with its init, by a signal no hook sees). */
int seal__check_start(void);
/*
 * Arms the seal programs of a loaded instance: its maps, programs and
 * links by id, the pin directory, /proc/sysrq-trigger, and this process
 * as the daemon, whose start time and cgroups the hooks record when it
 * sets a limit of its own (which also proves they run). From here on only
 * this process and its children reach the instance.
 */
int seal__arm(const struct ig_instance *inst);
/* Before privileges are dropped: the limits that end a process (CPU time,
 * file size, memory) lifted, the signals a terminal sends ignored, and
 * the marker file written, naming the control socket. */
int seal__harden(const char *socket);
/* What IG_SEAL_FILE says: 0, the daemon's pid and (if socket is not NULL)
 * its control socket's name ("" if none), when an instance was sealed;
 * -ENOENT if not. */
int seal__marked(pid_t *pid, char *socket, size_t len);

#endif
