/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Tree entries: which directories may be protected as a whole, and the
 * files already below one. */
#ifndef IG_TREE_H
#define IG_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

/* The run directory the daemon keeps its lock and paths index in. */
#define IG_TREE_STATE_DIR "/run/inodeguard"

/* Whether the canonical directory dir can never be a tree entry: /, a
 * kernel filesystem, or one covering our binary or state directory.
 * -errno and why if so. */
int tree__refused(const char *dir, char *why, size_t len);
/* -EPERM and why when dir covers /usr, /lib, /bin, /sbin or /etc as a
 * whole, which needs --force. */
int tree__covers_system(const char *dir, char *why, size_t len);

typedef int (*tree__file_fn)(const char *path, const struct stat *st, void *ctx);
/* Calls fn for every regular file below dir, on dir's filesystem only;
 * stops at fn's first nonzero return and returns it. */
int tree__for_each_file(const char *dir, tree__file_fn fn, void *ctx);

#endif
