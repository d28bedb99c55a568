/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Loading: open the object, keep one backend's programs, load, attach,
 * pin the maps. */
#ifndef IG_LOADER_H
#define IG_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "backend.h"

#define IG_PIN_DIR "/sys/fs/bpf/inodeguard"
#define IG_PIN_PROTECTED IG_PIN_DIR "/protected"
#define IG_PIN_LEARN IG_PIN_DIR "/learn"
#define IG_PIN_FILTER IG_PIN_DIR "/filter"
#define IG_DEFAULT_CAPACITY 65536

struct inodeguard_bpf;
struct bpf_link;

struct ig_load_opts {
	bool enforce_root;
	__u32 capacity;
};

struct ig_instance {
	struct inodeguard_bpf *skel;
	enum ig_backend backend;
	struct bpf_link **links;
	size_t nlinks;
	bool pinned;
};

int loader__load(enum ig_backend b, const struct ig_load_opts *o,
		 struct ig_instance *inst, char *why, size_t len);
int loader__protected_fd(const struct ig_instance *inst);
int loader__learn_fd(const struct ig_instance *inst);
int loader__filter_fd(const struct ig_instance *inst);
int loader__pin(struct ig_instance *inst);
/* Removes the pins; also used to clear what a killed instance left. */
void loader__unpin(void);
void loader__unload(struct ig_instance *inst);
/* Mounts bpffs at /sys/fs/bpf when it is not there yet. */
int loader__ensure_bpffs(void);

#endif
