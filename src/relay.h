/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Relay: a sealed daemon's control socket. Nobody else may open its maps,
 * so the commands that reach them are run by a worker the daemon forks. */
#ifndef IG_RELAY_H
#define IG_RELAY_H

#include <stdbool.h>
#include <sys/types.h>

/* The abstract unix socket a sealed daemon listens on ("@" + this). An
 * abstract name cannot be unlinked or replaced while the daemon holds it. */
#define IG_RELAY_SOCKET "inodeguard-sealed"

/* How many requests a sealed daemon serves at once; more are refused. */
#define IG_RELAY_WORKERS 8

/* ---- client ---- */

/* A connection to the sealed daemon, and its pid; -errno when no sealed
 * daemon listens (-ECONNREFUSED, -ENOENT), which is the usual case. */
int relay__connect(pid_t *pid);
/* Sends the command argv (argv[0] its name) with -j/-v, this process's
 * standard output and error and its directory over connection fd, and
 * waits for the worker's exit status, which it returns. The worker
 * prints everything; -errno (nothing printed) when the exchange failed,
 * -EPERM when the daemon refused a caller that is not root, -EBUSY when
 * it serves IG_RELAY_WORKERS requests already. Closes fd. */
int relay__forward(int fd, bool json, int verbose, int argc, char **argv);

/* ---- sealed daemon ---- */

/* The listening socket, non-blocking; -errno, printed, if it cannot be
 * made (-EADDRINUSE: another process holds the name). */
int relay__listen(void);
/* Accepts every connection waiting on listen_fd: a request from root gets
 * a worker, anyone else a refusal. *workers counts the workers alive. */
void relay__accept(int listen_fd, unsigned int *workers);
/* Reaps the workers that have ended. */
void relay__reap(unsigned int *workers);
/* Whether this process is a worker: it runs commands, it does not relay
 * them again. */
bool relay__in_worker(void);

#endif
