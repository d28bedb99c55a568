/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* The key behind an inode, the filter in front of the protected map, and
 * key learning. Included by inodeguard.bpf.c after its maps. */
#ifndef IG_KEY_BPF_H
#define IG_KEY_BPF_H

/*
 * btf: the pointer is BTF-typed (an LSM or fmod_ret argument, or a
 * bpf_rdonly_cast result), so fields are plain loads the verifier guards;
 * otherwise (the tracepoint path of kernels before 6.2) each field needs a
 * probe-read helper. It is a constant at every call site, so only one
 * branch is compiled into each program.
 *
 * Where bpf_rdonly_cast exists (6.2, the default build), the load goes
 * through it, which marks the pointer untrusted. From 6.5 the verifier
 * asks, for every load through a trusted pointer, whether the field keeps
 * the trust, by looking up a type named after it in vmlinux BTF, one
 * linear search each time. Measured in a 6.12 guest: verifying every
 * program took 7.4 s that way and 1.8 s this way. The kernel turns the
 * call into a register move, and the load is the same exception-guarded
 * load; no value read here is handed to a helper that needs trust.
 */
#define IG_LOAD_PLAIN(btf, p, field) ((btf) ? (p)->field : BPF_CORE_READ(p, field))
#ifdef IG_PROBE_READS
#define IG_LOAD(btf, p, field) IG_LOAD_PLAIN(btf, p, field)
#else
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;
#define IG_UNTRUSTED(p) \
	((typeof(p))bpf_rdonly_cast((p), bpf_core_type_id_kernel(typeof(*(p)))))
#define IG_LOAD(btf, p, field) ((btf) ? IG_UNTRUSTED(p)->field : BPF_CORE_READ(p, field))
#endif

/*
 * IG_HOT: a load on the common path of every open, read and write, where
 * the cast costs at run time: to the compiler it is a call, around which
 * it saves and reloads the registers a call clobbers. Measured in a 6.12
 * guest, casting every load took read() of an unprotected file from
 * +17.0 % to +18.2 %. These few loads, which the verifier visits a
 * handful of times per program, stay plain.
 */
#define IG_HOT(btf, p, field) IG_LOAD_PLAIN(btf, p, field)

/*
 * The current task, and IG_CUR(p, field) for a field of it or of anything
 * reached from it. bpf_get_current_task_btf (5.11) gives a typed pointer;
 * the IG_LEGACY build, for kernels without bpf_loop (before 5.17), has
 * only the untyped bpf_get_current_task, so there each field is a probe
 * read.
 */
#ifdef IG_LEGACY
#define IG_TASK_BTF false
static __always_inline struct task_struct *ig_current_task(void)
{
	return (struct task_struct *)bpf_get_current_task();
}
#else
#define IG_TASK_BTF true
static __always_inline struct task_struct *ig_current_task(void)
{
	return bpf_get_current_task_btf();
}
#endif
#define IG_CUR(p, field) IG_LOAD(IG_TASK_BTF, p, field)

#define IG_S_IFMT 00170000
#define IG_S_IFDIR 0040000

static __always_inline void ig_key_of_inode(struct inode *inode, struct ig_key *key,
					    bool btf)
{
	struct super_block *sb = IG_LOAD(btf, inode, i_sb);

	key->dev = IG_LOAD(btf, sb, s_dev);
	key->gen = IG_LOAD(btf, inode, i_generation);
	key->ino = IG_LOAD(btf, inode, i_ino);
}

static __always_inline bool ig_is_dir(struct inode *inode, bool btf)
{
	return (IG_HOT(btf, inode, i_mode) & IG_S_IFMT) == IG_S_IFDIR;
}

/* The filter's word holding bit, and the bit's mask in it. */
static __always_inline __u64 *ig_filter_word(__u32 bit, __u64 *mask)
{
	__u32 word = bit >> 6;

	*mask = 1ULL << (bit & 63);
	return bpf_map_lookup_elem(&filter, &word);
}

/* Whether bit is set; true, the safe answer, where it cannot be read. */
static __always_inline bool ig_filter_has(__u32 bit)
{
	__u64 mask, *w = ig_filter_word(bit, &mask);

	return !w || (*w & mask);
}

/*
 * Before 5.12 BPF has no atomic OR, only add, and a plain read-modify-write
 * of a word can lose a bit that another CPU or user space sets meanwhile,
 * which would hide a protected inode. So the legacy build keeps the filter
 * out of every verdict: each inode is looked up, which costs time, never
 * protection.
 */
static __always_inline bool ig_may_be_protected(__u64 ino)
{
#ifdef IG_LEGACY
	return true;
#else
	return ig_filter_has(ig_filter_bit(ino));
#endif
}

/* Bits are set before their key is added and never cleared, so the filter
 * never hides a protected inode (user space does the same, atomically). */
static __always_inline void ig_filter_set(__u64 ino)
{
#ifndef IG_LEGACY
	__u64 mask, *w = ig_filter_word(ig_filter_bit(ino), &mask);

	if (w && !(*w & mask))
		__sync_fetch_and_or(w, mask);
#endif
}

/* The current process is the one that armed the slot, not a later one
 * with its pid (see struct ig_learn). Probe reads: every backend can. */
static __always_inline bool ig_learner_is_current(const struct ig_learn *l)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u64 tick = l->tick_ns;

	return tick && BPF_CORE_READ(task, group_leader, start_boottime) / tick == l->start_ticks;
}

/* The current process's tgid in the learner's pid namespace, or 0 when
 * it is not in that namespace. */
static __always_inline __u32 ig_tgid_in(const struct ig_learn *l)
{
	struct bpf_pidns_info ns = {};

	if (bpf_get_ns_current_pid_tgid(l->pidns_dev, l->pidns_ino, &ns, sizeof(ns)))
		return 0;
	return ns.tgid;
}

/*
 * 1 when the current process is the one that armed the learn slot, else
 * 0. A global function, so the verifier checks it once per program and
 * every hook site sees only its scalar result: inlined at each of the
 * rename hook's sites, it took 6.1's verifier past its million
 * instructions.
 */
__noinline int ig_current_is_learner(void)
{
	__u32 zero = 0;
	struct ig_learn *l = bpf_map_lookup_elem(&learn, &zero);

	if (!l || !l->tgid || l->tgid != ig_tgid_in(l))
		return 0;
	return ig_learner_is_current(l);
}

/* The learn slot when the current process is learning keys, else NULL.
 * The empty-slot test comes first: nearly always nobody is learning. */
static __always_inline struct ig_learn *ig_learner(void)
{
	__u32 zero = 0;
	struct ig_learn *l = bpf_map_lookup_elem(&learn, &zero);

	if (!l || !l->tgid || !ig_current_is_learner())
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

#endif /* IG_KEY_BPF_H */
