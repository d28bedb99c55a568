/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Pins: what outlives the daemon. Every map and link of the object under
 * IG_PIN_DIR, the layout they were made with, and taking them over. */
#ifndef IG_PINS_H
#define IG_PINS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#define IG_PIN_DIR "/sys/fs/bpf/inodeguard"
/* Each instance pins its links in a directory of its own, links_PID: an
 * adopter pins its new links beside the old ones, then retires the old.
 * (bpffs refuses dots in names.) */
#define IG_PIN_LINKS_PREFIX "links_"
/* A one-entry array holding the hash of the maps' layout (pins__layout). */
#define IG_PIN_LAYOUT IG_PIN_DIR "/layout"

struct bpf_object;
struct bpf_map;
struct bpf_link;

/* A hash of what the programs and user space agree on in every map the
 * programs may write: name, type, sizes, flags and the BTF shape of key
 * and value. Two objects with the same hash can share maps. */
int pins__layout(struct bpf_object *obj, __u64 *hash);
/* The layout the pinned maps were made with: 0, or -ENOENT when none. */
int pins__pinned_layout(__u64 *hash);
/* Maps the programs only read (.rodata): configuration of one load, never
 * shared with another. */
bool pins__is_config(const struct bpf_map *map);
/* Before load: every state map takes the pinned map of its name as its
 * own, so old and new programs judge by the same entries. */
int pins__reuse_maps(struct bpf_object *obj, char *why, size_t len);
/* After load, for a layout that differs: copies what the pinned maps hold
 * into ours where their entries have the same shape (type, sizes, BTF of
 * key and value). A map holding protection that differs is refused
 * (-EPROTO, why says so); scratch and statistics start empty. */
int pins__copy_maps(struct bpf_object *obj, char *why, size_t len);
/* The pinned map of that name, if its value has the size we expect: an
 * fd, or -errno (-EMEDIUMTYPE for another size). */
int pins__open_map(const char *name, __u32 value_size);
/* Pins every state map (replacing pins of maps not shared), the layout,
 * and the links in links_PID. */
int pins__pin(struct bpf_object *obj, bool reused, __u64 layout,
	      struct bpf_link **links, size_t nlinks);
/* Removes every links_* directory but ours: the old programs detach.
 * Returns how many links were released. */
int pins__retire_other_links(void);
/* Links pinned now, by any instance: protection is in force while > 0. */
int pins__count_links(void);
/* Removes everything under IG_PIN_DIR; calls fn with each path removed.
 * Its links are detached before it returns, unless released: their
 * programs allow everything already, and the kernel detaches them later. */
typedef void (*pins__removed_fn)(const char *path, bool link, void *ctx);
int pins__remove_all(pins__removed_fn fn, void *ctx, bool released);

#endif
