/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Service manager notification: the sd_notify(3) datagram, so that a
 * Type=notify unit is started only once the policy is in force. */
#ifndef IG_NOTIFY_H
#define IG_NOTIFY_H

/* Sends state ("READY=1\nSTATUS=...") to $NOTIFY_SOCKET. Returns 0 when
 * it was sent or no manager asked for it, else -errno (the caller says
 * what the notification was for). */
int notify__send(const char *state);

#endif
