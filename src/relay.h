/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Relay: a sealed daemon's control socket. Nobody else may open its maps,
 * so the commands that reach them are run by a worker the daemon forks. */
#ifndef IG_RELAY_H
#define IG_RELAY_H

#include <stdbool.h>
#include <sys/types.h>

/* Room for the control socket's name: the abstract name a sealed daemon
 * draws at random ("inodeguard-sealed-" and 16 hex digits) and records in
 * the seal file, which only root can read. An abstract name cannot be
 * unlinked or replaced while the daemon holds it, and a random one cannot
 * be taken first by a user who guessed it. */
#define IG_RELAY_NAME_MAX 64

/* How many requests a sealed daemon serves at once; more are refused. */
#define IG_RELAY_WORKERS 8

/* ---- client ---- */

/* A connection to the sealed daemon listening on name, and its pid;
 * -errno when none listens there, and -EACCES when what listens is not
 * root's (no daemon of ours). */
int relay__connect(const char *name, pid_t *pid);
/* Sends the command argv (argv[0] its name) with -j/-v, this process's
 * standard output and error and its directory over connection fd, and
 * waits for the worker's exit status, which it returns. The worker
 * prints everything; -errno (nothing printed) when the exchange failed,
 * -EPERM when the daemon refused a caller that is not root, -EBUSY when
 * it serves IG_RELAY_WORKERS requests already. Closes fd. */
int relay__forward(int fd, bool json, int verbose, int argc, char **argv);

/* ---- sealed daemon ---- */

/* The listening socket, non-blocking, under a name drawn at random into
 * name[len]; -errno, printed, if it cannot be made. */
int relay__listen(char *name, size_t len);
/* Accepts every connection waiting on listen_fd: a request from root gets
 * a worker, anyone else a refusal. *workers counts the workers alive. */
void relay__accept(int listen_fd, unsigned int *workers);
/* Reaps the workers that have ended. */
void relay__reap(unsigned int *workers);
/* Whether this process is a worker: it runs commands, it does not relay
 * them again. */
bool relay__in_worker(void);

#endif
