/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Name and ancestry: which file or directory rule covers whatever sits at
 * a dentry, whichever inode that is. Included by inodeguard.bpf.c. */
#ifndef IG_MATCH_BPF_H
#define IG_MATCH_BPF_H

struct ig_hash_state {
	const struct ig_name_buf *buf;
	__u64 h;
	__u32 len; /* bytes to hash: the name without its NUL */
};

/* Bytes per bpf_loop step: each step is a call, which costs more than
 * the byte it hashes; eight a step cut an open's hash of a 20-byte name
 * from 20 calls to 3. */
#define IG_HASH_CHUNK 8

/* Bytes [i * IG_HASH_CHUNK, +IG_HASH_CHUNK) of the name, up to its end;
 * bpf_loop's callback. The mask only tells the verifier what the bounds
 * already ensure. */
static long ig_hash_chunk(__u32 i, void *ctx)
{
	struct ig_hash_state *st = ctx;
	__u32 k = i * IG_HASH_CHUNK;
	int j;

#pragma clang loop unroll(full)
	for (j = 0; j < IG_HASH_CHUNK; j++, k++) {
		if (k >= st->len)
			return 1;
		st->h = ig_name_hash_step(st->h, st->buf->name[k & (IG_NAME_LEN - 1)]);
	}
	return 0;
}

/* The 64-bit FNV-1a hash of d's name, which user space computes alike
 * (name__key); false when the name cannot be read. */
static __always_inline bool ig_name_hash(struct dentry *d, bool btf, __u64 *hash)
{
	__u32 zero = 0;
	struct ig_name_buf *buf = bpf_map_lookup_elem(&name_scratch, &zero);
	struct ig_hash_state st;
	const unsigned char *name;
	long n;

	if (!buf)
		return false;
	name = IG_LOAD(btf, d, d_name.name);
	/* n counts the NUL, which ends the name and is not hashed. */
	n = bpf_probe_read_kernel_str(buf->name, sizeof(buf->name), name);
	if (n <= 0)
		return false;
	/* Assigned, not initialised: a constant initialiser would become a
	 * read-only section that the legacy build does not have. */
	st.buf = buf;
	st.h = IG_NAME_HASH_SEED;
	st.len = n - 1;
#ifdef IG_LEGACY
	/* No bpf_loop before 5.17: a bounded loop, which the verifier walks
	 * once per chunk. */
	int i;

#pragma clang loop unroll(disable)
	for (i = 0; i < IG_NAME_LEN / IG_HASH_CHUNK; i++)
		if (ig_hash_chunk(i, &st))
			break;
#else
	/* bpf_loop: the verifier checks the step once, not once per chunk. */
	bpf_loop((n - 1 + IG_HASH_CHUNK - 1) / IG_HASH_CHUNK, ig_hash_chunk, &st, 0);
#endif
	*hash = st.h;
	return true;
}

/* False when no file entry has d's name in the directory whose inode
 * number is dir_ino (a name bit of the filter is clear); true when one
 * may, when the name cannot be read, or while the name bits are not known
 * to be complete. The length comes first: it costs no helper call. Both
 * run before the name's full hash and the lookup. */
static __always_inline bool ig_may_have_name(__u64 dir_ino, struct dentry *d, bool btf)
{
	__u32 len = IG_HOT(btf, d, d_name.len), word = IG_FILTER_NAMES_WORD;
	const unsigned char *name;
	__u64 head = 0, *complete = bpf_map_lookup_elem(&filter, &word);

	if (!complete || !*complete)
		return true;
	if (!ig_filter_has(ig_name_len_bit(dir_ino, len)))
		return false;
	name = IG_HOT(btf, d, d_name.name);
	/* Eight bytes are there to read: a short name sits in the dentry's
	 * inline array, a longer one in an allocation longer than that. */
	if (bpf_probe_read_kernel(&head, sizeof(head), name))
		return true;
	if (len < IG_NAME_HEAD)
		head &= (1ULL << (len * 8)) - 1;
	return ig_filter_has(ig_name_head_bit(dir_ino, len, head));
}

/* The rule of the name d has in the directory whose key is dir, or NULL. */
static __always_inline struct ig_rule *ig_name_rule(const struct ig_key *dir,
						    struct dentry *d, bool btf)
{
	struct ig_name_key nk = { .dir = *dir };

	if (!ig_name_hash(d, btf, &nk.hash))
		return NULL;
	return bpf_map_lookup_elem(&names, &nk);
}

struct ig_tree_walk {
	struct dentry *d;
	struct ig_rule *rule;
	bool done; /* the root or a tree rule was reached */
};

/* One step up from w->d: 1 once the walk is done. */
static __always_inline long ig_tree_step(struct ig_tree_walk *w, bool btf)
{
	/* A local: BPF_CORE_READ would relocate w->d too, and w's type is
	 * not the kernel's. */
	struct dentry *d = w->d, *parent = IG_LOAD(btf, d, d_parent);
	struct inode *inode;
	struct ig_rule *rule;
	struct ig_key key;

	if (!parent || parent == d) {
		w->done = true;
		return 1;
	}
	w->d = parent;
	inode = IG_LOAD(btf, parent, d_inode);
	if (!inode || !ig_may_be_protected(IG_LOAD(btf, inode, i_ino)))
		return 0;
	ig_key_of_inode(inode, &key, btf);
	rule = bpf_map_lookup_elem(&protected, &key);
	if (rule && (rule->flags & IG_RULE_TREE)) {
		w->rule = rule;
		w->done = true;
		return 1;
	}
	return 0;
}

#ifndef IG_LEGACY
/* bpf_loop's callbacks, one per way of reading the dentries. */
static long ig_tree_step_btf(__u32 i, void *ctx)
{
	return ig_tree_step(ctx, true);
}

static long ig_tree_step_probe(__u32 i, void *ctx)
{
	return ig_tree_step(ctx, false);
}
#endif

/*
 * The tree rule of the nearest protected directory above d (d itself not
 * included), or NULL. d_parent stays inside one superblock up to its root,
 * so a bind mount of a subdirectory, another mount namespace or a path
 * with .. all reach the same ancestors. *deep is set when the walk gave
 * up before the root: the caller denies then.
 */
static __always_inline struct ig_rule *ig_tree_rule(struct dentry *d, bool btf, bool *deep)
{
	struct ig_tree_walk w;

	w.d = d;
	w.rule = NULL;
	w.done = false;

#ifdef IG_LEGACY
	/* No bpf_loop before 5.17: a bounded loop, which the verifier walks
	 * once per level. */
	int i;

#pragma clang loop unroll(disable)
	for (i = 0; i < IG_WALK_DEPTH; i++)
		if (ig_tree_step(&w, btf))
			break;
#else
	/* bpf_loop: the verifier checks the step once, not once per level. */
	bpf_loop(IG_WALK_DEPTH, btf ? ig_tree_step_btf : ig_tree_step_probe, &w, 0);
#endif
	if (!w.done)
		*deep = true;
	return w.rule;
}

/*
 * A protected name inside a tree: both entries cover what sits there, and
 * they meet as ig_adopt() meets two rules on one inode: the stricter level
 * wins with its entry, and a grant passes only where both give the same
 * set (user space computes what two sets share; here the stricter answer
 * is none).
 */
static __always_inline void ig_rule_meet(struct ig_rule *r, const struct ig_rule *tree)
{
	if (tree->level > r->level) {
		r->level = tree->level;
		r->entry = tree->entry;
	}
	if (tree->grants != r->grants)
		r->grants = 0;
}

/*
 * The name or tree rule covering the dentry at, copied into *r with what
 * matched in *match (a name inside a tree: the two met, except in the
 * legacy build, where the name's rule alone); false when none does. Opens
 * pay for the checks only while rules of that kind exist.
 */
static __always_inline bool ig_match_dentry(struct dentry *at, bool btf, struct ig_rule *r,
					    __u32 *match)
{
	__u32 zero = 0;
	struct ig_rule_kinds *kinds = bpf_map_lookup_elem(&rule_kinds, &zero);
	struct ig_rule *found = NULL;
	struct dentry *parent;
	struct inode *dir;
	struct ig_key key;
	bool deep = false, named = false;
	__u64 dir_ino;

	if (!kinds || !at || (!kinds->names && !kinds->trees))
		return false;
	if (kinds->names) {
		parent = IG_HOT(btf, at, d_parent);
		dir = parent ? IG_HOT(btf, parent, d_inode) : NULL;
		dir_ino = dir ? IG_HOT(btf, dir, i_ino) : 0;
		if (dir && ig_may_be_protected(dir_ino) && ig_may_have_name(dir_ino, at, btf)) {
			ig_key_of_inode(dir, &key, btf);
			found = ig_name_rule(&key, at, btf);
			if (found) {
				*r = *found;
				*match = IG_MATCH_NAME;
				named = true;
			}
		}
	}
	if (!kinds->trees)
		return named;
#ifdef IG_LEGACY
	/* 5.10's verifier walks the unrolled tree walk once per level, and
	 * a second walk after a name match took its starts past budget. */
	if (named)
		return true;
#endif
	found = ig_tree_rule(at, btf, &deep);
	if (named) {
		if (found)
			ig_rule_meet(r, found);
		return true;
	}
	if (found) {
		*r = *found;
		*match = IG_MATCH_TREE;
		return true;
	}
	if (!deep)
		return false;
	r->level = IG_LEVEL_DENY;
	r->flags = 0;
	r->entry = 0;
	r->grants = 0;
	*match = IG_MATCH_DEPTH;
	return true;
}

#endif /* IG_MATCH_BPF_H */
