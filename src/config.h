/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Parsing: levels, command-line entries and the config file into a policy
 * of (absolute path, level, origin). Nothing here touches the files. */
#ifndef IG_CONFIG_H
#define IG_CONFIG_H

#include <stddef.h>
#include "inodeguard.h"

struct ig_entry {
	char *path;   /* absolute, not yet canonical */
	char *origin; /* "FILE:LINE" or "command line", for error messages */
	enum ig_level level;
};

struct ig_policy {
	struct ig_entry *v;
	size_t n, cap;
};

/* "audit", "deny", "kill", or a number as in the classic experiment:
 * 0 audit, 1 deny (EACCES), 2 or more kill (SIGKILL). */
int level__parse(const char *s, enum ig_level *out);
const char *level__name(unsigned int level);

/* A relative path is taken relative to base_dir. */
int policy__add(struct ig_policy *p, const char *path, const char *base_dir,
		enum ig_level level, const char *origin);
/* Prints "FILE:LINE: reason" for every bad line; -EINVAL if any. */
int policy__load_file(struct ig_policy *p, const char *file);
void policy__free(struct ig_policy *p);

#endif
