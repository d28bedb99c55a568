/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Parsing: levels, command-line entries and the config file into a policy
 * of entries (directory, name, level, origin), each directory held once.
 * Nothing here touches the files. */
#ifndef IG_CONFIG_H
#define IG_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "allow.h"
#include "fhandle.h"
#include "inodeguard.h"
#include "pool.h"
#include "quote.h"

/*
 * A directory as one source (a config file, or the command line) names
 * it: what all of its entries share, held once. A million entries are a
 * few thousand directories, and their paths and directory keys, repeated
 * in each entry, were a third of a large policy's peak memory.
 */
struct ig_dir {
	/* Where its entries were given, for error messages: a config file's
	 * name (held by the policy) or "command line"; entry__origin(). */
	const char *origin;
	/* Where its entries' names are, each NUL-terminated, end to end (an
	 * entry holds the offset of its own): the policy's, which all its
	 * records share, or own_name. */
	char *const *names;
	char *own_name;
	/* Its keys, for the name part of its file entries: filled while
	 * resolving (from the directory's handle, group says which layout,
	 * 1 + index in ig_policy.groups, 0: none) or learned by keys.c. The
	 * first is here, further ones (overlayfs has two) in more;
	 * entry__dir_key_at() reads them. */
	struct ig_key key;
	struct ig_key *more;
	__u16 group;
	__u8 nkeys;
	/* Made for one entry and freed with it (an entry outside a policy, or
	 * one whose canonical path leaves the directory it was given in),
	 * not shared through the policy. */
	bool owned;
	char path[]; /* without the trailing slash: "" for the root */
};

/* What few entries have: their own allow lines, more keys than one. */
struct ig_entry_rare {
	/* Who may pass it: its own allow lines (NULL: none), then the global
	 * --allow rules. */
	struct ig_allows *allow;
	struct ig_key more[IG_TARGET_KEYS - 1]; /* keys 1 and on of the file */
};

/*
 * One entry from parse to keys: config fills its directory, name, line
 * and level; resolve makes its path canonical (another directory, perhaps)
 * and fills the file's identity; keys learns the kernel's keys. Its path
 * is its directory's, a slash and its name: entry__path().
 */
struct ig_entry {
	struct ig_dir *dir;
	struct ig_entry_rare *rare; /* NULL while it needs none */
	/*
	 * Its first key, filled by keys__learn() once programs run, or
	 * computed from the file's handle while resolving (key_group says
	 * which layout, to be verified against the kernel before it is used);
	 * further ones (overlayfs has two) are in rare. entry__key_at() and
	 * entry__set_keys() read and write them.
	 */
	struct ig_key key;
	ino_t st_ino;      /* from stat(), only to merge and to spot swaps */
	__u32 name;        /* offset of its name in *dir->names */
	/* stat()'s device: a Linux device number has 12 major and 20 minor
	 * bits, which glibc's encoding keeps within the low 32 bits. */
	__u32 st_dev;
	unsigned int line; /* in dir->origin; 0 for none */
	__u32 id;          /* the registered entry; rules and events carry it */
	__u32 grants;      /* its registered allow set (grants.c), 0 for none */
	__u16 key_group;   /* 1 + index in ig_policy.groups; 0: none */
	/* Narrow fields keep the entry at 64 bytes: a million of them are
	 * most of a large policy's peak memory. */
	unsigned int nkeys : 3;  /* up to IG_TARGET_KEYS */
	unsigned int level : 2;  /* enum ig_level */
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

struct ig_names {
	char *buf;
	size_t len, cap;
};

struct ig_policy {
	struct ig_entry *v;
	size_t n, cap;
	struct ig_alias *aliases;
	size_t naliases, aliases_cap;
	/* The handle layouts of the keys computed while resolving. */
	struct fhandle_group *groups;
	size_t ngroups;
	/* Its entries' names, end to end, in an array that grows by
	 * remapping (pool.c), at an address of its own that its directory
	 * records point to. */
	struct ig_names *names;
	/* The directories its entries are in, each malloc()ed, and by the
	 * hash of (path, origin) (slot 1 + index, 0 empty) while adding. */
	struct ig_dir **dirs;
	size_t ndirs, dirs_cap;
	__u32 *dir_slots;
	size_t dir_nslots;
	/* The config files' names. */
	struct strpool strings;
	/* --force: a tree may cover a whole system directory. */
	bool force;
};

/* "audit", "deny", "kill", or a number as in the classic experiment:
 * 0 audit, 1 deny (EACCES), 2 or more kill (SIGKILL). */
int level__parse(const char *s, enum ig_level *out);
const char *level__name(unsigned int level);

/* A relative path is taken relative to base_dir; origin (a literal, or a
 * name the policy holds) and line say where it was given. -ENOMEM and
 * -ENAMETOOLONG are printed. */
int policy__add(struct ig_policy *p, const char *path, const char *base_dir,
		enum ig_level level, const char *origin, unsigned int line);
/* A new directory record of p's for path (as origin names it), for
 * entries that move there while resolving; NULL when out of memory. The
 * caller serialises calls on one policy. */
struct ig_dir *policy__dir_new(struct ig_policy *p, const char *path, const char *origin);
/* Moves e, in a directory record of its policy, into d, another one: its
 * name stays where it is; its directory's keys are d's. */
void entry__move_to(struct ig_entry *e, struct ig_dir *d);
/* "FILE:LINE", or the origin alone when it has no line. */
const char *entry__origin(const struct ig_entry *e, char *buf, size_t len);
#define IG_ORIGIN_BUF (QUOTE_BUF + 16)
/* Prints "FILE:LINE: reason" for the first bad lines and how many more
 * there were; -EINVAL if any. -ENOMEM or a read error (-errno) stops it,
 * with one line saying so. An
 * indented "allow KIND VALUE" line belongs to the entry above it. */
int policy__load_file(struct ig_policy *p, const char *file);

/* An entry of its own for the absolute path (shorter than PATH_MAX),
 * outside any policy; free it with entry__free(). 0, -ENOMEM, or
 * -EINVAL. */
int entry__init(struct ig_entry *e, const char *path, const char *origin);
/* Moves e to another path (its canonical one, say), in a directory of
 * its own with no keys yet; its origin stays. 0, -ENOMEM, or -EINVAL. */
int entry__set_path(struct ig_entry *e, const char *path);
/* Its absolute path, written into buf. */
const char *entry__path(const struct ig_entry *e, char buf[PATH_MAX]);
/* Its last component ("" for the root). */
const char *entry__name(const struct ig_entry *e);
/* Its own allow lines, or NULL; entry__allow_new() makes them (NULL when
 * out of memory). */
struct ig_allows *entry__allow(const struct ig_entry *e);
struct ig_allows *entry__allow_new(struct ig_entry *e);
/* Key i (below nkeys) of e's file, or (below dir->nkeys) of its directory. */
const struct ig_key *entry__key_at(const struct ig_entry *e, int i);
const struct ig_key *entry__dir_key_at(const struct ig_entry *e, int i);
/* Copies the file's keys (dir: its directory's) into out; how many. */
int entry__keys(const struct ig_entry *e, bool dir, struct ig_key out[IG_TARGET_KEYS]);
/* Sets the file's keys (dir: its directory's, for every entry in it) to
 * the n (at most IG_TARGET_KEYS) at k; 0 or -ENOMEM. */
int entry__set_keys(struct ig_entry *e, bool dir, const struct ig_key *k, int n);
/* Drops the keys of e's file, and of its directory when that is its own
 * (an entry that never goes through entry__free() must, when it may have
 * had more than one). */
void entry__free_keys(struct ig_entry *e);
/* Its own allow lines, freed: it has none after. */
void entry__free_allow(struct ig_entry *e);
/* Frees what an entry owns (its directory when its own, its allow lines,
 * its keys). */
void entry__free(struct ig_entry *e);
void policy__free(struct ig_policy *p);

#endif
