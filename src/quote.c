// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Quoting user text for messages: a binary file given as -c, or a file
 * name holding an escape sequence, must not reach the terminal raw. */
#include <string.h>
#include "quote.h"

static char escape_letter(unsigned char c)
{
	switch (c) {
	case '\a': return 'a';
	case '\b': return 'b';
	case '\t': return 't';
	case '\n': return 'n';
	case '\v': return 'v';
	case '\f': return 'f';
	case '\r': return 'r';
	case '\\': return '\\';
	case '\'': return '\'';
	case '"': return '"';
	default: return 0;
	}
}

const char *quote__str(const char *s, char buf[QUOTE_BUF])
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	char *o = buf, letter;
	size_t i;

	/* Every byte of 0x80 and above is escaped too, as cescape does:
	 * a C1 control (0x9b is CSI) acts on a terminal like ESC does. */
	for (i = 0; p[i] && i < QUOTE_MAX; i++) {
		letter = escape_letter(p[i]);
		if (letter) {
			*o++ = '\\';
			*o++ = letter;
		} else if (p[i] < 0x20 || p[i] >= 0x7f) {
			*o++ = '\\';
			*o++ = 'x';
			*o++ = hex[p[i] >> 4];
			*o++ = hex[p[i] & 15];
		} else {
			*o++ = (char)p[i];
		}
	}
	if (p[i]) {
		memcpy(o, "...", 3);
		o += 3;
	}
	*o = '\0';
	return buf;
}
