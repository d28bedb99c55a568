/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Keys: the kernel tells us the (dev, ino, generation) it sees for a file,
 * so user space and BPF agree on every filesystem by construction. */
#ifndef IG_KEYS_H
#define IG_KEYS_H

#include <stddef.h>
#include "resolve.h"

/* The learn map, mmapped and armed with our tgid. */
struct ig_learner {
	volatile struct ig_learn *view;
	size_t len;
};

int keys__learner_open(struct ig_learner *l, int learn_fd);
void keys__learner_close(struct ig_learner *l);
/* Opens t->path once while the hooks record what they compute for this
 * process; fills t->keys. Fails if the file changed since it was resolved
 * or if no hook saw the open. */
int keys__learn(struct ig_learner *l, struct ig_entry *t, char *why, size_t len);
/* Proves the attached programs really run (an LSM can attach and never be
 * called): one learning open of our own executable must be seen. */
int keys__prove_live(int learn_fd, char *why, size_t len);

int key__cmp(const struct ig_key *a, const struct ig_key *b);
/* "major:minor" of the kernel's dev encoding (major << 20 | minor). */
void key__dev_str(const struct ig_key *k, char *buf, size_t len);

#endif
