/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Allow rules: "KIND=VALUE" from the command line or "allow KIND VALUE"
 * under a config entry, and their resolution into the values the BPF side
 * compares (uid and gid numbers, an executable's canonical path, a cgroup
 * v2 path). Registration in the maps is grants.c's. */
#ifndef IG_ALLOW_H
#define IG_ALLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

struct ig_allow {
	__u32 kind;   /* enum ig_allow_kind */
	char *value;  /* as given; after resolve, the canonical text */
	char *origin; /* "FILE:LINE" or "command line" */
	__u64 num;    /* uid or gid, after resolve */
};

struct ig_allows {
	struct ig_allow *v;
	size_t n, cap;
};

/* kind "exe", "uid", "gid" or "cgroup", and its value; prints one line
 * and returns -EINVAL for an unknown kind or an empty value. */
int allow__parse(struct ig_allows *l, const char *kind, const char *value, const char *origin);
/* "KIND=VALUE", as --allow takes it. */
int allow__parse_arg(struct ig_allows *l, const char *arg, const char *origin);
/* Appends a copy of every rule of src. */
int allow__append(struct ig_allows *dst, const struct ig_allows *src);
void allow__free(struct ig_allows *l);
/* Keeps only the rules of l that other has too (none when other is NULL):
 * two entries on one inode let pass only whom both let pass. Both must be
 * resolved (allow__resolve), so "nobody" and 65534 are one rule. */
void allow__keep_common(struct ig_allows *l, const struct ig_allows *other);

/*
 * Resolves every rule of l in place, printing one line per bad one:
 * user and group names to numbers, an executable to its canonical path (a
 * #! script is refused), a cgroup path against the cgroup2 mount (refused
 * where there is none; one that does not exist yet is a warning). -EINVAL
 * if any is bad.
 */
int allow__resolve(struct ig_allows *l);

/* "uid", "gid", "exe", "cgroup". */
const char *allow__kind_name(__u32 kind);
/* Where cgroup v2 is mounted, or NULL. */
const char *allow__cgroup2_mount(void);

#endif
