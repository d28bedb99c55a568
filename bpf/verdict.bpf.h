/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* The one verdict for (subject, inode, where it sits), its event, and the
 * keys the kernel side adds and reclaims. Included by inodeguard.bpf.c. */
#ifndef IG_VERDICT_BPF_H
#define IG_VERDICT_BPF_H

#define EACCES 13
#define EXDEV 18
#define ENOSPC 28
#define SIGKILL 9

/*
 * The subject is judged by its objective credentials (real_cred): overlayfs
 * opens the backing file under the mounter's overridden subjective creds,
 * which would otherwise make every overlay read look like root's.
 * kuid values are global, so root inside a user namespace is not 0 here.
 */
static __always_inline __u32 ig_subject_euid(void)
{
	const struct cred *cred = IG_CUR(ig_current_task(), real_cred);

	return IG_CUR(cred, euid.val);
}

/* Who was refused: their euid, executable, and the allow set and mark
 * that refused them. */
struct ig_refused {
	__u32 euid;
	__u32 grants;
	__u32 mark;
	struct ig_key exe;
};

/* One flat index, checked after a barrier: clang otherwise folds the
 * bound into the callers' clamping, which the verifier does not track. */
static __always_inline void ig_count_verdict(__u32 action, __u32 op)
{
	__u32 i = action * IG_OP_MAX + op;

	barrier_var(i);
	if (i < (IG_ACTION_KILL + 1) * IG_OP_MAX)
		__sync_fetch_and_add(&counters.verdicts[0][0] + i, 1);
}

static __always_inline void ig_emit(const struct ig_key *key, __u32 action, __u32 op,
				    __u32 match, __u32 entry, const struct ig_refused *who,
				    const struct path *path, bool with_path, __u32 flags)
{
	struct ig_event *e;
	__u64 id = bpf_get_current_pid_tgid();

	ig_count_verdict(action, op);
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		__sync_fetch_and_add(&counters.events_lost, 1);
		return;
	}
	e->ts_ns = bpf_ktime_get_boot_ns();
	e->pid = id >> 32;
	e->tid = (__u32)id;
	e->uid = who->euid;
	e->action = action;
	e->op = op;
	e->match = match;
	e->entry = entry;
	e->grants = who->grants;
	e->mark = who->mark;
	e->flags = flags;
	e->key = *key;
	e->exe = who->exe;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	e->path[0] = '\0';
	/* Only hooks on the kernel's d_path allowlist may call it; the others
	 * pass a constant false and the call is compiled out. */
	if (with_path && path)
		bpf_d_path((struct path *)path, e->path, sizeof(e->path));
	bpf_ringbuf_submit(e, 0);
}

/*
 * A rule applies: 0 to allow, -EACCES to deny. Kill also denies, so the
 * operation fails even before the signal lands. The root exemption is an
 * implicit grant to uid 0 that no mark takes away: root, when trusted, can
 * end the policy anyway. Subjects are judged only here, after an inode
 * matched, so unprotected operations never pay for them.
 *
 * at_exit: the backstop (backstop.bpf.h) judges an operation that already
 * succeeded, which a deny or kill rule means a check was skipped. It only
 * kills: an audit was reported by the check, or was skipped with it.
 */
static __always_inline int ig_judge(const struct ig_key *k, const struct ig_rule *rule,
				    __u32 match, __u32 op, const struct path *path,
				    bool with_path, bool at_exit)
{
	struct ig_refused who = { .euid = ig_subject_euid(), .grants = rule->grants };
	__u32 action;

	if (released || (at_exit && rule->level == IG_LEVEL_AUDIT))
		return 0;
	if (who.euid == 0 && !enforce_root)
		return 0;
	if (ig_subject_passes(rule->grants, &who.mark, &who.exe))
		return 0;
	if (!who.exe.ino)
		ig_current_exe_key(&who.exe);
	action = rule->level;
	if (action > IG_ACTION_KILL)
		action = IG_ACTION_KILL;
	if ((kill_only || at_exit) && action == IG_ACTION_DENY)
		action = IG_ACTION_KILL;
	if (at_exit)
		__sync_fetch_and_add(&counters.caught_at_exit, 1);
	ig_emit(k, action, op, match, rule->entry, &who, path, with_path,
		at_exit ? IG_EVENT_CAUGHT_AT_EXIT : 0);
	if (action == IG_ACTION_KILL)
		bpf_send_signal(SIGKILL);
	return action == IG_ACTION_AUDIT ? 0 : -EACCES;
}

/* Operations that only look at a directory: opening it, listing it. A tree
 * rule on a directory guards what is below it and its shape, not these. */
static __always_inline bool ig_op_reads(__u32 op)
{
	return op == IG_OP_OPEN || op == IG_OP_READ || op == IG_OP_MMAP ||
	       op == IG_OP_RECEIVE || op == IG_OP_EXEC;
}

/*
 * Keys an inode that a name or tree rule reached, so that every alias and
 * descriptor of it is judged by its key from now on, whatever happens to
 * the name. An existing key keeps the stricter level. 1 when this call
 * added the key, 0 when it was there; -ENOSPC, counted, when the map is
 * full.
 */
static __always_inline int ig_adopt(const struct ig_key *k, const struct ig_rule *from,
				    __u32 match, bool tree)
{
	struct ig_rule r = {}, *old;

	old = bpf_map_lookup_elem(&protected, k);
	if (old) {
		if (old->level < from->level)
			old->level = from->level;
		/* Only what both sets grant may pass; user space computes
		 * that set, here the stricter answer is none. */
		if (old->grants != from->grants)
			old->grants = 0;
		/* Only renames set it, and the VFS serialises renames of
		 * one inode (s_vfs_rename_mutex, the parents' locks). */
		if (tree)
			old->flags |= IG_RULE_TREE;
		return 0;
	}
	r.level = from->level;
	r.flags = IG_RULE_LEARNED | (tree ? IG_RULE_TREE : 0);
	r.entry = from->entry;
	r.origin = match;
	r.grants = from->grants;
	ig_filter_set(k->ino);
	if (bpf_map_update_elem(&protected, k, &r, BPF_NOEXIST) == 0) {
		__sync_fetch_and_add(&counters.keys_added, 1);
		return 1;
	}
	if (bpf_map_lookup_elem(&protected, k))
		return 0; /* another CPU added it meanwhile */
	__sync_fetch_and_add(&counters.keys_full, 1);
	return -ENOSPC;
}

/* The rule of the inode's own key, copied into *r with what matched in
 * *match; false when the key has none, or a directory's tree rule, which
 * leaves listing and opening the directory allowed. A key learned through
 * a name or tree says so in events. */
static __always_inline bool ig_keyed_rule(const struct ig_key *key, __u32 op, struct ig_rule *r,
					  __u32 *match)
{
	struct ig_rule *rule = bpf_map_lookup_elem(&protected, key);

	if (!rule || ((rule->flags & IG_RULE_TREE) && ig_op_reads(op)))
		return false;
	*r = *rule;
	*match = (r->flags & IG_RULE_LEARNED) ? r->origin : IG_MATCH_INODE;
	return true;
}

/*
 * The one verdict. inode may be NULL (a name about to be created); at is
 * where the operation happens, or NULL for descriptor operations judged
 * by key alone. Order:
 *  1. a learning process records the key and is not judged;
 *  2. the inode's own key;
 *  3. the name or tree rule covering at, which also keys the inode.
 * at_exit: judged again after it succeeded (ig_judge); a learner's key
 * was recorded by the check, or the check was skipped and learning
 * tries again.
 */
static __always_inline int ig_decide_at(struct inode *inode, struct dentry *at, __u32 op,
					const struct path *path, bool with_path, bool btf,
					bool at_exit)
{
	struct ig_learn *learner = ig_learner();
	struct ig_key key = {};
	struct ig_rule r;
	__u32 match;

	if (inode) {
		if (learner || ig_may_be_protected(IG_HOT(btf, inode, i_ino))) {
			ig_key_of_inode(inode, &key, btf);
			if (learner) {
				if (!at_exit)
					ig_learn_key(learner, &key);
				return 0;
			}
			if (ig_keyed_rule(&key, op, &r, &match))
				goto judge;
		}
		/* Listing and opening directories stays allowed in a tree. */
		if (ig_op_reads(op) && ig_is_dir(inode, btf))
			return 0;
	} else if (learner) {
		return 0;
	}
	if (!at || !ig_match_dentry(at, btf, &r, &match))
		return 0;
	if (inode && match != IG_MATCH_DEPTH) {
		ig_key_of_inode(inode, &key, btf);
		ig_adopt(&key, &r, match, false);
	}
	/* One call site: the verifier checks the judgement once per verdict. */
judge:
	return ig_judge(&key, &r, match, op, path, with_path, at_exit);
}

/* Whether an inode goes on to the key lookup: not for no inode, nor for
 * the common case, an inode whose filter bit no rule set. */
static __always_inline bool ig_filter_passes(struct inode *inode, bool btf)
{
	return inode && ig_may_be_protected(IG_HOT(btf, inode, i_ino));
}

/* The verdict by key of an inode the filter let through. */
static __always_inline int ig_decide_keyed(struct inode *inode, __u32 op, bool btf)
{
	struct ig_key key; /* every field is set before it is read */
	struct ig_rule r;
	__u32 match;

	ig_key_of_inode(inode, &key, btf);
	if (!ig_keyed_rule(&key, op, &r, &match))
		return 0;
	return ig_judge(&key, &r, match, op, NULL, false, false);
}

/*
 * The verdict by key alone, for reads, writes and mappings through a
 * descriptor: every inode a name or tree rule reached was keyed when it
 * was opened or moved. Learning is not asked about here: a learner opens
 * the files it learns and never reads, writes or maps them through that
 * open, and file_permission runs on every read and write on the machine,
 * where asking about the learn slot was two fifths of its common path.
 */
static __always_inline int ig_decide(struct inode *inode, __u32 op, bool btf)
{
	if (!ig_filter_passes(inode, btf))
		return 0;
	return ig_decide_keyed(inode, op, btf);
}

/* A read or, with MAY_WRITE (2) in mask, a write: the operation is worked
 * out only for an inode the filter lets through, not on every read. */
static __always_inline int ig_decide_access(struct inode *inode, int mask, bool btf)
{
	if (!ig_filter_passes(inode, btf))
		return 0;
	return ig_decide_keyed(inode, (mask & 2) ? IG_OP_WRITE : IG_OP_READ, btf);
}

/* Whether some process maps the inode's pages: every file mapping, shared
 * or private, is in its mapping's i_mmap tree. */
static __always_inline bool ig_is_mapped(struct inode *inode)
{
	struct address_space *mapping = inode->i_mapping;

	return mapping && mapping->i_mmap.rb_root.rb_node;
}

/*
 * After an allowed rename or link: the inode moving to `to`, or away from
 * a tree or protected name at `from`, is keyed, so it stays covered. A
 * directory moved out of a tree keeps its subtree as a tree of its own.
 *
 * Keying the inode that arrives judges its descriptors from now on, but
 * not two things made before: a mapping of it, which reads its pages
 * with no hook, and the descriptors and mappings of files below a
 * directory, which stay unkeyed. So a rename or link that would newly key,
 * under a deny or kill rule, an inode that some process maps, or a
 * directory arriving from where no rule covered it, is refused with
 * EXDEV, and the key it added is taken back so that a retry is judged the
 * same way. EXDEV, as Landlock refuses a reparenting it cannot allow:
 * mv then copies, so the bytes written at the protected place go to new
 * inodes, and what was held before keeps only the old ones. The mapping
 * test comes after the key is in the map: an mmap checked from then on
 * meets the key in mmap_file, one linked before is seen here. An inode
 * keyed already had every mapping of it judged by key. ENOSPC when the map
 * has no room for the key.
 */
static __always_inline int ig_adopt_moved(struct inode *inode, struct dentry *from,
					  struct dentry *to, __u32 op)
{
	struct ig_rule r = {}, left = {};
	struct ig_key key = {};
	struct ig_refused who = {};
	__u32 match = 0, left_match = 0, why = 0;
	bool covered;
	int added = 0;

	if (!inode || released)
		return 0;
	covered = from && ig_match_dentry(from, true, &left, &left_match) &&
		  left_match != IG_MATCH_DEPTH;
	if (to && ig_match_dentry(to, true, &r, &match) && match != IG_MATCH_DEPTH) {
		ig_key_of_inode(inode, &key, true);
		added = ig_adopt(&key, &r, match, false);
		if (added > 0 && r.level != IG_LEVEL_AUDIT) {
			if (ig_is_mapped(inode))
				why = IG_EVENT_REFUSED_MAPPED;
			else if (!covered && ig_is_dir(inode, true))
				why = IG_EVENT_REFUSED_DIRECTORY;
			if (why) {
				if (bpf_map_delete_elem(&protected, &key) == 0)
					__sync_fetch_and_sub(&counters.keys_added, 1);
				goto refuse;
			}
		}
	}
	if (added >= 0 && covered) {
		ig_key_of_inode(inode, &key, true);
		r = left;
		match = left_match;
		added = ig_adopt(&key, &r, match, match == IG_MATCH_TREE && ig_is_dir(inode, true));
	}
	if (added >= 0)
		return 0;
	why = IG_EVENT_REFUSED_FULL;
refuse:
	who.euid = ig_subject_euid();
	ig_current_exe_key(&who.exe);
	ig_emit(&key, IG_ACTION_DENY, op, match, r.entry, &who, NULL, false, why);
	return why == IG_EVENT_REFUSED_FULL ? -ENOSPC : -EXDEV;
}

/* A dead inode's learned key is dropped: its number may come back with a
 * new generation, and the map has room for the next replacement. An
 * inode merely evicted from the cache still has links and keeps its key. */
static __always_inline void ig_reclaim(struct inode *inode)
{
	struct ig_subject *exe;
	struct ig_rule *rule;
	struct ig_key key;

	if (!inode || inode->i_nlink || !ig_may_be_protected(inode->i_ino))
		return;
	ig_key_of_inode(inode, &key, true);
	rule = bpf_map_lookup_elem(&protected, &key);
	if (rule && (rule->flags & IG_RULE_LEARNED) &&
	    bpf_map_delete_elem(&protected, &key) == 0)
		__sync_fetch_and_add(&counters.keys_reclaimed, 1);
	exe = bpf_map_lookup_elem(&exes, &key);
	if (exe && (exe->flags & IG_RULE_LEARNED))
		bpf_map_delete_elem(&exes, &key);
}

#endif /* IG_VERDICT_BPF_H */
