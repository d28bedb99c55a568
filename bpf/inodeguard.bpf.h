/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* BPF-side helpers shared by every hook and backend: the key behind an
 * inode, who is exempt, and the verdict with its event. */
#ifndef INODEGUARD_BPF_H
#define INODEGUARD_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "inodeguard.h"

#define EACCES 13
#define SIGKILL 9

/* Set by the loader before load; the verifier prunes what they disable. */
const volatile bool enforce_root = false;
/* The tracepoint backend runs after the syscall: it cannot fail it, only kill. */
const volatile bool kill_only = false;

/* The protected set: the one map layout every backend shares. max_entries is
 * resized by the loader (--capacity). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct ig_key);
	__type(value, struct ig_rule);
} protected SEC(".maps");

/* One slot: the tgid that is learning keys and what the hooks saw for it. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ig_learn);
} learn SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, IG_FILTER_WORDS);
	__type(key, __u32);
	__type(value, __u64);
} filter SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

struct ig_counters counters = {};

/*
 * btf: inode is a BTF-typed pointer (an LSM or fmod_ret argument), so its
 * fields are plain loads the verifier guards; otherwise (the tracepoint
 * path found it in the fd table) each field needs a probe-read helper.
 * The argument is a constant at every call site, so only one branch is
 * compiled into each program.
 */
static __always_inline void ig_key_of_inode(struct inode *inode, struct ig_key *key,
					    bool btf)
{
	if (btf) {
		key->dev = inode->i_sb->s_dev;
		key->gen = inode->i_generation;
		key->ino = inode->i_ino;
		return;
	}
	key->dev = BPF_CORE_READ(inode, i_sb, s_dev);
	key->gen = BPF_CORE_READ(inode, i_generation);
	key->ino = BPF_CORE_READ(inode, i_ino);
}

static __always_inline bool ig_may_be_protected(__u64 ino)
{
	__u32 bit = ig_filter_bit(ino), word = bit >> 6;
	__u64 *w = bpf_map_lookup_elem(&filter, &word);

	return w && (*w & (1ULL << (bit & 63)));
}

/* The learn slot when the current process is learning keys, else NULL.
 * The tgid test comes first: nearly always nobody is learning. */
static __always_inline struct ig_learn *ig_learner(void)
{
	__u32 zero = 0;
	struct ig_learn *l = bpf_map_lookup_elem(&learn, &zero);

	if (!l || !l->tgid || l->tgid != (__u32)(bpf_get_current_pid_tgid() >> 32))
		return NULL;
	return l;
}

/*
 * While user space learns a key it opens the file itself; the hook records
 * what it computed for that open instead of judging it. An overlay open
 * reaches here twice (overlay inode, then the backing file), hence several
 * slots.
 */
static __always_inline void ig_learn_key(struct ig_learn *l, const struct ig_key *key)
{
	/* Only the learning thread writes here; count is published last. */
	__u32 slot = l->count;

	l->keys[slot & (IG_LEARN_SLOTS - 1)] = *key;
	l->count = slot + 1;
}

/*
 * The subject is judged by its objective credentials (real_cred): overlayfs
 * opens the backing file under the mounter's overridden subjective creds,
 * which would otherwise make every overlay read look like root's.
 * kuid values are global, so root inside a user namespace is not 0 here.
 */
static __always_inline __u32 ig_subject_euid(void)
{
	return bpf_get_current_task_btf()->real_cred->euid.val;
}

static __always_inline void ig_emit(const struct ig_key *key, __u32 action,
				    __u32 op, __u32 euid,
				    const struct path *path, bool with_path)
{
	struct ig_event *e;
	__u64 id = bpf_get_current_pid_tgid();

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		__sync_fetch_and_add(&counters.events_lost, 1);
		return;
	}
	e->ts_ns = bpf_ktime_get_boot_ns();
	e->pid = id >> 32;
	e->tid = (__u32)id;
	e->uid = euid;
	e->action = action;
	e->op = op;
	e->key = *key;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	e->path[0] = '\0';
	/* Only hooks on the kernel's d_path allowlist may call it; the others
	 * pass a constant false and the call is compiled out. */
	if (with_path && path)
		bpf_d_path((struct path *)path, e->path, sizeof(e->path));
	bpf_ringbuf_submit(e, 0);
}

/*
 * The one verdict for (subject, inode): 0 to allow, -EACCES to deny.
 * Kill also denies, so the operation fails even before the signal lands.
 */
static __always_inline int ig_decide_key(const struct ig_key *k, struct ig_learn *learner,
					 __u32 op, const struct path *path, bool with_path)
{
	struct ig_rule *rule;
	__u32 action, euid;

	if (learner) {
		ig_learn_key(learner, k);
		return 0;
	}
	rule = bpf_map_lookup_elem(&protected, k);
	if (!rule)
		return 0;
	euid = ig_subject_euid();
	if (euid == 0 && !enforce_root)
		return 0;

	action = rule->level;
	if (action > IG_ACTION_KILL)
		action = IG_ACTION_KILL;
	if (kill_only && action == IG_ACTION_DENY)
		action = IG_ACTION_KILL;
	ig_emit(k, action, op, euid, path, with_path);
	if (action == IG_ACTION_KILL)
		bpf_send_signal(SIGKILL);
	return action == IG_ACTION_AUDIT ? 0 : -EACCES;
}

/* ig_decide for a BTF-typed inode (LSM and fmod_ret arguments). */
static __always_inline int ig_decide(struct inode *inode, __u32 op,
				     const struct path *path, bool with_path)
{
	struct ig_learn *learner;
	struct ig_key key;

	if (!inode)
		return 0;
	learner = ig_learner();
	if (!learner && !ig_may_be_protected(inode->i_ino))
		return 0;
	ig_key_of_inode(inode, &key, true);
	return ig_decide_key(&key, learner, op, path, with_path);
}

/* ig_decide for an inode pointer read out of kernel memory. */
static __always_inline int ig_decide_untyped(struct inode *inode, __u32 op)
{
	struct ig_learn *learner;
	struct ig_key key;

	if (!inode)
		return 0;
	learner = ig_learner();
	if (!learner && !ig_may_be_protected(BPF_CORE_READ(inode, i_ino)))
		return 0;
	ig_key_of_inode(inode, &key, false);
	return ig_decide_key(&key, learner, op, NULL, false);
}

static __always_inline struct inode *ig_dentry_inode(struct dentry *dentry)
{
	return dentry ? dentry->d_inode : NULL;
}

#endif /* INODEGUARD_BPF_H */
