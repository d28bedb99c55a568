/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* io_uring: kernel.io_uring_disabled held at 2 for an instance that asks
 * for it, and the value it replaced given back when the instance goes. */
#ifndef IG_URING_H
#define IG_URING_H

#include <stdbool.h>

#define IG_URING_SYSCTL "/proc/sys/kernel/io_uring_disabled"

/* Whether this kernel has the sysctl (6.6+). */
bool uring__sysctl_exists(void);
/* Sets the sysctl to 2 (no new rings for anyone), recording the value it
 * had unless the instance recorded one already (adoption). */
int uring__disable(void);
/* Gives back the recorded value and forgets it; 0 when none is recorded. */
int uring__restore(void);

#endif
