/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Events: the ring buffer to one text or JSON line per audit, deny, kill. */
#ifndef IG_EVENTS_H
#define IG_EVENTS_H

#include <stdbool.h>
#include "inodeguard.h"
#include "resolve.h"

struct ig_events;

/* The version of the JSON event line (docs/events.md): members are only
 * added within a version; a change to an existing one takes a new one. */
#define IG_EVENT_SCHEMA 1

/* counters points into the object's mmapped .bss, so reading the lost
 * count needs no syscall (and no capability). With -j, events are lines
 * of the command's writer (log__json()). */
int events__open(struct ig_events **out, int ringbuf_fd,
		 const volatile struct ig_counters *counters);
/* Handles what is there, up to a batch, waiting up to timeout_ms;
 * -EINTR on a signal. */
int events__poll(struct ig_events *ev, int timeout_ms);
/* The same, waiting also for fd to be readable (a sealed daemon's control
 * socket): *fd_ready says whether it is. */
int events__poll_with(struct ig_events *ev, int fd, int timeout_ms, bool *fd_ready);
/* Handles what is left before stopping, for a second at most. */
void events__drain(struct ig_events *ev);
void events__close(struct ig_events *ev);

const char *op__name(unsigned int op);
const char *action__name(unsigned int action);
/* What made a rule apply: inode, name, tree or depth (enum ig_match). */
const char *match__name(unsigned int match);
/* Why a subject's grants were not looked at; NULL when they were. */
const char *mark__name(unsigned int mark);

#endif
