/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Parsing: levels, command-line entries and the config file into a policy
 * of entries (absolute path, level, origin). Nothing here touches the files. */
#ifndef IG_CONFIG_H
#define IG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "allow.h"
#include "fhandle.h"
#include "inodeguard.h"
#include "pool.h"
#include "quote.h"

/* One entry from parse to keys: config fills path, origin and level;
 * resolve makes path canonical and fills the file's identity; keys
 * learns the kernel's keys. */
struct ig_entry {
	char *path;        /* absolute; canonical once resolved */
	/* Where it was given, for error messages: a config file's name (held
	 * by the policy) and line, or "command line" and 0; entry__origin(). */
	const char *origin;
	/* Who may pass it: its own allow lines (NULL: none), then the global
	 * --allow rules; grants is the registered set (grants.c), 0 for none. */
	struct ig_allows *allow;
	/*
	 * Its keys, filled by keys__learn() once programs run, or computed
	 * from the file's handle while resolving (key_group says which
	 * layout, to be verified against the kernel before it is used); and
	 * for a file entry's name part the key(s) of the directory holding
	 * it, dir_group as key_group. The first of each is here, which is
	 * all but overlayfs needs (two there); further ones are in more, the
	 * file's first. entry__key_at() and entry__set_keys() read and write them.
	 */
	struct ig_key key, dir_key;
	struct ig_key *more;
	ino_t st_ino;      /* from stat(), only to merge and to spot swaps */
	/* stat()'s device: a Linux device number has 12 major and 20 minor
	 * bits, which glibc's encoding keeps within the low 32 bits. Narrow
	 * fields keep the entry at 96 bytes: a million of them are most of
	 * a large policy's peak memory. */
	__u32 st_dev;
	unsigned int line;
	__u32 id;          /* the registered entry; rules and events carry it */
	__u32 grants;
	__u16 key_group, dir_group; /* 1 + index in ig_policy.groups; 0: none */
	__u8 nkeys, ndir_keys;
	__u8 level;        /* enum ig_level */
	bool path_pooled : 1; /* path is in the policy's pool, not allocated alone */
	bool overlay : 1;  /* on overlayfs: the backing file is a second key */
	bool tree : 1;     /* a directory: every file below it, now and later */
};

/* Another name of the file of entry `of` (a hard link, or its path
 * through another mount), merged into that entry: the name is guarded
 * with the entry's rule too, so a file moved over it later is protected
 * as one moved over the entry's own path. */
struct ig_alias {
	struct ig_entry name;
	size_t of;
};

struct ig_policy {
	struct ig_entry *v;
	size_t n, cap;
	struct ig_alias *aliases;
	size_t naliases, aliases_cap;
	/* The handle layouts of the keys computed while resolving. */
	struct fhandle_group *groups;
	size_t ngroups;
	/* Entries' paths and the config files' names. */
	struct strpool strings;
	/* --force: a tree may cover a whole system directory. */
	bool force;
};

/* "audit", "deny", "kill", or a number as in the classic experiment:
 * 0 audit, 1 deny (EACCES), 2 or more kill (SIGKILL). */
int level__parse(const char *s, enum ig_level *out);
const char *level__name(unsigned int level);

/* A relative path is taken relative to base_dir; origin (a literal, or a
 * name the policy holds) and line say where it was given. -ENOMEM is
 * printed. */
int policy__add(struct ig_policy *p, const char *path, const char *base_dir,
		enum ig_level level, const char *origin, unsigned int line);
/* "FILE:LINE", or the origin alone when it has no line. */
const char *entry__origin(const struct ig_entry *e, char *buf, size_t len);
#define IG_ORIGIN_BUF (QUOTE_BUF + 16)
/* Prints "FILE:LINE: reason" for the first bad lines and how many more
 * there were; -EINVAL if any. -ENOMEM or a read error (-errno) stops it,
 * with one line saying so. An
 * indented "allow KIND VALUE" line belongs to the entry above it. */
int policy__load_file(struct ig_policy *p, const char *file);
/* Key i (below nkeys) of e's file, or (below ndir_keys) of its directory. */
const struct ig_key *entry__key_at(const struct ig_entry *e, int i);
const struct ig_key *entry__dir_key_at(const struct ig_entry *e, int i);
/* Copies the file's keys (dir: its directory's) into out; how many. */
int entry__keys(const struct ig_entry *e, bool dir, struct ig_key out[IG_TARGET_KEYS]);
/* Sets the file's keys (dir: its directory's) to the n (at most
 * IG_TARGET_KEYS) at k; 0 or -ENOMEM. */
int entry__set_keys(struct ig_entry *e, bool dir, const struct ig_key *k, int n);
/* Drops every key of e (an entry that never goes through entry__free()
 * must, when it may have had more than one). */
void entry__free_keys(struct ig_entry *e);
/* Its own allow lines, freed: it has none after. */
void entry__free_allow(struct ig_entry *e);
/* Frees what an entry owns (its path unless pooled, its allow lines, its
 * keys). */
void entry__free(struct ig_entry *e);
void policy__free(struct ig_policy *p);

#endif
