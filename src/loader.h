/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Loading: open the object, keep one backend's programs, load, attach,
 * pin the maps. The only user of the skeleton. */
#ifndef IG_LOADER_H
#define IG_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "pins.h"
#define IG_DEFAULT_CAPACITY 65536

struct inodeguard_bpf;
struct bpf_link;
struct ig_counters;

/* Everything the load needs, backend facts included: the loader never asks
 * the module that chose the backend. */
struct ig_load_opts {
	/* The programs to keep: those whose section starts with this. */
	const char *section_prefix;
	/* And those with this one, if not NULL (fentry for void hooks). */
	const char *void_section_prefix;
	/* And those with this one, if not NULL (the allow-rule watchers). */
	const char *watch_section_prefix;
	/* The programs cannot fail the operation, so a deny verdict kills. */
	bool kill_only;
	/* Also the syscall-exit backstop, which kills what a check the kernel
	 * skipped let through (bpf/backstop.bpf.h). */
	bool backstop;
	bool enforce_root;
	__u32 capacity;
	/* Take over the pinned maps when their layout is ours. */
	bool adopt;
	/* Load the seal's programs too (run --seal); they stay inert until
	 * seal__arm() arms them. */
	bool seal;
};

struct ig_instance {
	struct inodeguard_bpf *skel;
	struct bpf_link **links;
	size_t nlinks;
	__u64 layout;   /* pins__layout() of this object */
	bool reused;    /* the maps are the pinned ones of an earlier instance */
	bool pinned;
};

int loader__load(const struct ig_load_opts *o, struct ig_instance *inst,
		 char *why, size_t len);
/* The descriptors of the maps that live operations use: the loaded
 * instance's (loader__maps), or the pinned ones (state__open_pinned). */
struct ig_maps {
	int protected_fd;
	int learn_fd;
	int filter_fd;
	int names_fd;
	int kinds_fd;
	/* allow rules */
	int grants_fd;
	int exes_fd;
	int exe_names_fd;
	int cgroups_fd;
	int cgroup_paths_fd;
};

#define IG_MAPS_CLOSED { -1, -1, -1, -1, -1, -1, -1, -1, -1, -1 }

void loader__maps(const struct ig_instance *inst, struct ig_maps *m);
int loader__events_fd(const struct ig_instance *inst);
/* The lost-event counters in the object's mmapped .bss: readable after
 * privileges are dropped, without a bpf() call. */
const volatile struct ig_counters *loader__counters(const struct ig_instance *inst);
/* The counters and first start (CLOCK_BOOTTIME ns) the pinned .bss holds,
 * for another process: 0, -ENOENT, or -EMEDIUMTYPE when the pinned object
 * has another layout. */
int loader__pinned_counters(struct ig_counters *c, __u64 *since_ns);
/* Whether the running instance judges root too (run --enforce-root), from
 * its pinned configuration: 0, or -errno. */
int loader__pinned_enforce_root(bool *on);
/* Makes the pinned instance allow everything, before its pins are
 * removed (their detach finishes later): 0, or -errno. */
int loader__release_pinned(void);
/* Pins every map and link; protection now outlives the process. */
int loader__pin(struct ig_instance *inst);
/* Whether exec, fork and ptrace are watched, which allow rules need. */
bool loader__watching(const struct ig_instance *inst);
/* How many times the kernel skipped one of this instance's programs
 * because it was already running on that CPU (bpf_prog_info's
 * recursion_misses, summed). A skipped fmod_ret check allows. */
__u64 loader__skipped_checks(const struct ig_instance *inst);
/* The pinned maps of a running instance (IG_PIN_DIR/NAME): 0, or -errno
 * with every descriptor closed again. */
int loader__open_pinned(struct ig_maps *m);
void loader__close_maps(struct ig_maps *m);
/* For an adopted instance whose maps could not be shared (the layout
 * differs): copies the pinned maps' entries into ours. */
int loader__carry_over(struct ig_instance *inst);
/* Removes every pin; also used to clear what a killed instance left.
 * released: the programs allow already, so the links may detach later. */
void loader__unpin(bool released);
/* Releases: the programs allow, our links go, then the pins. */
void loader__unload(struct ig_instance *inst);
/* Closes our handles and leaves the pinned links and maps in force. */
void loader__leave(struct ig_instance *inst);
/* Mounts bpffs at /sys/fs/bpf when it is not there yet. */
int loader__ensure_bpffs(void);
/* The seal slot and the sealed ids map of a loaded instance. */
int loader__seal_maps(const struct ig_instance *inst, int *seal_fd, int *ids_fd);
/* Calls fn with the descriptor of every map, program and link the
 * instance holds, and its kind (enum ig_seal_kind); stops at the first
 * nonzero return. */
int loader__for_each_object(const struct ig_instance *inst,
			    int (*fn)(__u32 kind, int fd, void *ctx), void *ctx);
/* From now on loader__open_pinned() and loader__pinned_counters() give
 * copies of inst's descriptors and its counters instead of opening pins:
 * a sealed daemon's request worker, which no pin may be opened for. */
void loader__serve_from(const struct ig_instance *inst);
bool loader__serving(void);

#endif
