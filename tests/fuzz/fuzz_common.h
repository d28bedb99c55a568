/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* What the fuzz targets share: a scratch tree to resolve paths in, and
 * resetting the log between inputs. */
#ifndef IG_FUZZ_COMMON_H
#define IG_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

/* Makes (once) and enters a scratch directory holding a file, a hard
 * link, symlinks (one to a file, a loop), a directory, a FIFO, and
 * a.conf/b.conf config files; returns its path. Aborts if it cannot. */
const char *fuzz__sandbox(void);
/* Ends whatever log document an input started (with -j, messages are
 * held for it) and goes back to plain text, as a fresh process would be. */
void fuzz__log_reset(void);

#endif
