/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Name and ancestry: which file or directory rule covers whatever sits at
 * a dentry, whichever inode that is. Included by inodeguard.bpf.c. */
#ifndef IG_MATCH_BPF_H
#define IG_MATCH_BPF_H

/* The 64-bit FNV-1a hash of d's name, which user space computes alike
 * (name__key); false when the name cannot be read. */
static __always_inline bool ig_name_hash(struct dentry *d, bool btf, __u64 *hash)
{
	__u32 zero = 0;
	struct ig_name_buf *buf = bpf_map_lookup_elem(&name_scratch, &zero);
	const unsigned char *name;
	__u64 h = IG_NAME_HASH_SEED;
	unsigned char c;
	int i;

	if (!buf)
		return false;
	name = IG_LOAD(btf, d, d_name.name);
	if (bpf_probe_read_kernel_str(buf->name, sizeof(buf->name), name) <= 0)
		return false;
#pragma clang loop unroll(disable)
	for (i = 0; i < IG_NAME_LEN; i++) {
		c = buf->name[i];
		if (!c)
			break;
		h = ig_name_hash_step(h, c);
	}
	*hash = h;
	return true;
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

/*
 * The tree rule of the nearest protected directory above d (d itself not
 * included), or NULL. d_parent stays inside one superblock up to its root,
 * so a bind mount of a subdirectory, another mount namespace or a path
 * with .. all reach the same ancestors. *deep is set when the walk gave
 * up before the root: the caller denies then.
 */
static __always_inline struct ig_rule *ig_tree_rule(struct dentry *d, bool btf, bool *deep)
{
	struct dentry *parent;
	struct inode *inode;
	struct ig_rule *rule;
	struct ig_key key;
	int i;

#pragma clang loop unroll(disable)
	for (i = 0; i < IG_WALK_DEPTH; i++) {
		parent = IG_LOAD(btf, d, d_parent);
		if (!parent || parent == d)
			return NULL;
		d = parent;
		inode = IG_LOAD(btf, d, d_inode);
		if (!inode || !ig_may_be_protected(IG_LOAD(btf, inode, i_ino)))
			continue;
		ig_key_of_inode(inode, &key, btf);
		rule = bpf_map_lookup_elem(&protected, &key);
		if (rule && (rule->flags & IG_RULE_TREE))
			return rule;
	}
	*deep = true;
	return NULL;
}

/*
 * The name or tree rule covering the dentry at, copied into *r with what
 * matched in *match; false when none does. Opens pay for the checks only
 * while rules of that kind exist.
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
	bool deep = false;

	if (!kinds || !at || (!kinds->names && !kinds->trees))
		return false;
	if (kinds->names) {
		parent = IG_LOAD(btf, at, d_parent);
		dir = parent ? IG_LOAD(btf, parent, d_inode) : NULL;
		if (dir && ig_may_be_protected(IG_LOAD(btf, dir, i_ino))) {
			ig_key_of_inode(dir, &key, btf);
			found = ig_name_rule(&key, at, btf);
			if (found) {
				*r = *found;
				*match = IG_MATCH_NAME;
				return true;
			}
		}
	}
	if (!kinds->trees)
		return false;
	found = ig_tree_rule(at, btf, &deep);
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
