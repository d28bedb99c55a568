/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Quoting: user text (config lines, arguments, file names) made safe to
 * echo in a message, in the manner of systemd's cescape(). */
#ifndef IG_QUOTE_H
#define IG_QUOTE_H

/* Bytes of the text shown before it is cut short with "...". */
#define QUOTE_MAX 160
/* Each byte takes at most 4 ("\xNN"), plus the "..." and the NUL. */
#define QUOTE_BUF (QUOTE_MAX * 4 + 4)

/* s with backslash, quotes and every byte that is not printable ASCII
 * escaped as C writes them (\n, \t, \\, \', \", \x1b), cut after
 * QUOTE_MAX bytes with "...". Returns buf, so it can be a printf argument. */
const char *quote__str(const char *s, char buf[QUOTE_BUF]);

#endif
