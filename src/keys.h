/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Keys: the kernel tells us the (dev, ino, generation) it sees for a file,
 * so user space and BPF agree on every filesystem by construction. */
#ifndef IG_KEYS_H
#define IG_KEYS_H

#include <stddef.h>
#include "resolve.h"

/* The keys one open showed. */
struct ig_keyset {
	int n;
	struct ig_key keys[IG_TARGET_KEYS];
};

/* The learn map, mmapped and armed with our tgid. */
struct ig_learner {
	volatile struct ig_learn *view;
	size_t len;
	/* keys__learn_parent()'s last directory: its stat() and keys. */
	dev_t last_dir_dev;
	ino_t last_dir_ino;
	struct ig_keyset last_dir;
};

int keys__learner_open(struct ig_learner *l, int learn_fd);
void keys__learner_close(struct ig_learner *l);
/* Opens t->path once while the hooks record what they compute for this
 * process; fills t->keys. Fails if the file changed since it was resolved
 * or if no hook saw the open. */
int keys__learn(struct ig_learner *l, struct ig_entry *t, char *why, size_t len);
/* Learns the key(s) of the directory holding e's file: its name part. */
int keys__learn_parent(struct ig_learner *l, struct ig_entry *e, char *why, size_t len);
/*
 * Whether the kernel keys e's file (its directory when dir) exactly as the
 * key computed from its handle says: 0, -EPROTO with why saying both keys
 * when it does not, or -errno when the file could not be learned.
 */
int keys__confirm(struct ig_learner *l, const struct ig_entry *e, bool dir, char *why,
		  size_t len);
/* Proves the attached programs really run (an LSM can attach and never be
 * called): one learning open of our own executable must be seen. */
int keys__prove_live(int learn_fd, char *why, size_t len);

int key__cmp(const struct ig_key *a, const struct ig_key *b);
/* The names-map key of name in the directory whose key is dir; the hash
 * is the one the BPF side computes (inodeguard.h). */
void name__key(const struct ig_key *dir, const char *name, struct ig_name_key *out);
/* The reserved key under which the paths index records entry id's path. */
static inline struct ig_key entry__key(__u32 id)
{
	struct ig_key k = { .dev = 0, .gen = 0, .ino = id };

	return k;
}
/* "major:minor" of the kernel's dev encoding (major << 20 | minor). */
void key__dev_str(const struct ig_key *k, char *buf, size_t len);

#endif
