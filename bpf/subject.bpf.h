/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* The subject side of a verdict: who passes an allow set, and the marks
 * that take every grant away from a process whose code may not be its
 * executable's. Included by inodeguard.bpf.c after key.bpf.h and
 * match.bpf.h; nothing here runs until a rule has matched, except the
 * watchers at exec, fork, exit and cgroup creation. */
#ifndef IG_SUBJECT_BPF_H
#define IG_SUBJECT_BPF_H

#define IG_PTRACE_MODE_ATTACH 0x02

static __always_inline struct ig_rule_kinds *ig_kinds(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&rule_kinds, &zero);
}

static __always_inline __u32 ig_current_tgid(void)
{
	return (__u32)(bpf_get_current_pid_tgid() >> 32);
}

/* When the task's process started: marks are per process, since every
 * thread runs the code of one address space. */
static __always_inline __u64 ig_leader_start(struct task_struct *task)
{
	struct task_struct *leader = IG_CUR(task, group_leader);

	return IG_CUR(leader, start_boottime);
}

/* A sticky mark stays for the life of the process, across execve. */
static __always_inline bool ig_mark_sticky(__u32 mark)
{
	return mark == IG_MARK_ENV || mark == IG_MARK_TRACED;
}

/*
 * What the current process is marked with. A mark older than the process
 * belongs to a dead one that had its pid; a process the watch never saw
 * start (it began before the programs were attached, or watch_since is not
 * set yet) is unseen until it runs execve.
 */
static __always_inline __u32 ig_current_mark(void)
{
	struct task_struct *task = ig_current_task();
	__u64 start = ig_leader_start(task);
	__u32 tgid = ig_current_tgid(), tid;
	struct ig_mark_val *m;

	if (IG_CUR(task, ptrace))
		return IG_MARK_TRACED;
	if (counters.marks_full)
		return IG_MARK_UNSEEN;
	m = bpf_map_lookup_elem(&marks, &tgid);
	if (m && start <= m->since_ns)
		return m->mark == IG_MARK_CLEAN ? IG_MARK_NONE : m->mark;
	/* The tracepoint backend can only mark the thread a tracer named. */
	tid = (__u32)bpf_get_current_pid_tgid();
	m = tid != tgid ? bpf_map_lookup_elem(&marks, &tid) : NULL;
	if (m && IG_CUR(task, start_boottime) <= m->since_ns && ig_mark_sticky(m->mark))
		return m->mark;
	if (!watch_since || start < watch_since)
		return IG_MARK_UNSEEN;
	return IG_MARK_NONE;
}

static __always_inline void ig_mark_tgid(__u32 tgid, __u32 mark)
{
	struct ig_mark_val v = { .since_ns = bpf_ktime_get_boot_ns(), .mark = mark };

	if (bpf_map_update_elem(&marks, &tgid, &v, BPF_ANY))
		__sync_fetch_and_add(&counters.marks_full, 1);
}

static __always_inline bool ig_grant(__u32 set, __u32 kind, __u64 value)
{
	struct ig_grant_key g = { .set = set, .kind = kind, .value = value };

	return bpf_map_lookup_elem(&grants, &g) != NULL;
}

/* The egid, then the supplementary groups; more than IG_GROUPS_MAX of them
 * are not looked at. */
static __always_inline bool ig_grant_gid(__u32 set, const struct cred *cred)
{
	struct group_info *gi = IG_CUR(cred, group_info);
	int i, n;

	if (ig_grant(set, IG_ALLOW_GID, IG_CUR(cred, egid.val)))
		return true;
	if (!gi)
		return false;
	n = IG_CUR(gi, ngroups);
#pragma clang loop unroll(disable)
	for (i = 0; i < IG_GROUPS_MAX && i < n; i++) {
		kgid_t g;

		if (bpf_probe_read_kernel(&g, sizeof(g), &gi->gid[i]))
			return false;
		if (ig_grant(set, IG_ALLOW_GID, g.val))
			return true;
	}
	return false;
}

/*
 * The executable's grant: by its inode, or by the name it sits at, so a
 * binary replaced by an upgrade is still the allowed program. An inode
 * reached by name is keyed, so the old binary, still running, keeps its
 * grant after the upgrade renames it away.
 */
static __always_inline bool ig_grant_exe(__u32 set, struct ig_key *exe_key)
{
	struct mm_struct *mm = IG_CUR(ig_current_task(), mm);
	struct ig_rule_kinds *kinds;
	struct ig_subject *s, learned = { .flags = IG_RULE_LEARNED };
	struct ig_name_key nk;
	struct dentry *d, *parent;
	struct inode *inode, *dir;
	struct file *exe;

	if (!mm)
		return false;
	exe = IG_CUR(mm, exe_file);
	if (!exe)
		return false;
	inode = IG_CUR(exe, f_inode);
	ig_key_of_inode(inode, exe_key, IG_TASK_BTF);
	s = bpf_map_lookup_elem(&exes, exe_key);
	if (s)
		return ig_grant(set, IG_ALLOW_EXE, s->id);
	kinds = ig_kinds();
	if (!kinds || !kinds->exe_names)
		return false;
	d = IG_CUR(exe, f_path.dentry);
	parent = IG_CUR(d, d_parent);
	dir = parent ? IG_CUR(parent, d_inode) : NULL;
	if (!dir)
		return false;
	ig_key_of_inode(dir, &nk.dir, IG_TASK_BTF);
	if (!ig_name_hash(d, IG_TASK_BTF, &nk.hash))
		return false;
	s = bpf_map_lookup_elem(&exe_names, &nk);
	if (!s)
		return false;
	learned.id = s->id;
	ig_filter_set(exe_key->ino);
	bpf_map_update_elem(&exes, exe_key, &learned, BPF_NOEXIST);
	return ig_grant(set, IG_ALLOW_EXE, s->id);
}

/* The subject's cgroup v2 or any ancestor, by the path the grant names. */
static __always_inline bool ig_grant_cgroup(__u32 set)
{
	struct task_struct *task = ig_current_task();
	struct cgroup *cg = BPF_CORE_READ(task, cgroups, dfl_cgrp);
	struct ig_subject *s;
	__u64 id;
	int i;

#pragma clang loop unroll(disable)
	for (i = 0; i < IG_CGROUP_DEPTH && cg; i++) {
		id = BPF_CORE_READ(cg, kn, id);
		s = bpf_map_lookup_elem(&cgroups, &id);
		if (s && ig_grant(set, IG_ALLOW_CGROUP, s->id))
			return true;
		/* A cgroup's css is its first member: the parent css is the
		 * parent cgroup. */
		cg = (struct cgroup *)BPF_CORE_READ(cg, self.parent);
	}
	return false;
}

/*
 * Whether the current subject passes allow set `set`. *mark says why a
 * marked process did not; *exe_key gets its executable's key for events.
 */
static __always_inline bool ig_subject_passes(__u32 set, __u32 *mark, struct ig_key *exe_key)
{
	const struct cred *cred = IG_CUR(ig_current_task(), real_cred);
	struct ig_rule_kinds *kinds;

	*mark = IG_MARK_NONE;
	if (!set)
		return false;
	*mark = ig_current_mark();
	if (*mark != IG_MARK_NONE)
		return false;
	if (ig_grant(set, IG_ALLOW_UID, IG_CUR(cred, euid.val)) || ig_grant_gid(set, cred) ||
	    ig_grant_exe(set, exe_key))
		return true;
	kinds = ig_kinds();
	return kinds && kinds->cgroup_paths && ig_grant_cgroup(set);
}

/* The executable's key alone, for events of subjects judged without a
 * grant check. */
static __always_inline void ig_current_exe_key(struct ig_key *k)
{
	struct mm_struct *mm = IG_CUR(ig_current_task(), mm);
	struct file *exe;

	if (!mm)
		return;
	exe = IG_CUR(mm, exe_file);
	if (exe)
		ig_key_of_inode(IG_CUR(exe, f_inode), k, IG_TASK_BTF);
}

/* ---- watchers: what marks a process ---- */

/* Steps of the environment scan: one variable, or IG_NAME_LEN bytes of a
 * long one. The legacy build's bounded loop leaves a pending branch per
 * step or so, and the verifier gives up beyond 8192 of them. */
#ifdef IG_LEGACY
#define IG_ENV_SCAN_MAX 1024
#else
#define IG_ENV_SCAN_MAX 4096
#endif

/* Eight characters as the little-endian word they load as. */
#define IG_W8(a, b, c, d, e, f, g, h)                                              \
	((__u64)(a) | (__u64)(b) << 8 | (__u64)(c) << 16 | (__u64)(d) << 24 |      \
	 (__u64)(e) << 32 | (__u64)(f) << 40 | (__u64)(g) << 48 | (__u64)(h) << 56)

/* Whether the variable at s makes the dynamic loader load other code:
 * LD_PRELOAD=, LD_AUDIT= or LD_LIBRARY_PATH=, compared a word at a time. */
static __always_inline bool ig_env_injects(const char *s)
{
	__u64 w0 = *(const __u64 *)s, w1 = *(const __u64 *)(s + 8);

	if (w0 == IG_W8('L', 'D', '_', 'P', 'R', 'E', 'L', 'O'))
		return (w1 & 0xffffff) == IG_W8('A', 'D', '=', 0, 0, 0, 0, 0);
	if (w0 == IG_W8('L', 'D', '_', 'A', 'U', 'D', 'I', 'T'))
		return (w1 & 0xff) == '=';
	return w0 == IG_W8('L', 'D', '_', 'L', 'I', 'B', 'R', 'A') &&
	       w1 == IG_W8('R', 'Y', '_', 'P', 'A', 'T', 'H', '=');
}

struct ig_env_scan {
	unsigned long pos, end;
	struct ig_name_buf *buf;
	bool mid;     /* pos is inside a variable longer than the buffer */
	bool injects;
	bool done;
};

/* One variable, or one buffer's worth of a long one; bpf_loop's callback,
 * or the legacy build's loop body. */
static long ig_env_step(__u32 i, void *ctx)
{
	struct ig_env_scan *sc = ctx;
	long n;

	if (sc->pos >= sc->end) {
		sc->done = true;
		return 1;
	}
	n = bpf_probe_read_user_str(sc->buf->name, sizeof(sc->buf->name), (const void *)sc->pos);
	if (n <= 0) {
		sc->injects = true; /* unreadable: fail closed */
		return 1;
	}
	if (!sc->mid && ig_env_injects(sc->buf->name)) {
		sc->injects = true;
		return 1;
	}
	/* n counts the NUL; a full buffer means the variable goes on. */
	sc->mid = n == sizeof(sc->buf->name);
	sc->pos += sc->mid ? n - 1 : n;
	return 0;
}

/*
 * Whether the new image's environment asks the dynamic loader to load
 * other code. An environment too large to scan counts as asking.
 */
static __always_inline bool ig_env_asks_injection(void)
{
	struct mm_struct *mm = IG_CUR(ig_current_task(), mm);
	__u32 zero = 0;
	struct ig_env_scan sc = {};

	sc.buf = bpf_map_lookup_elem(&name_scratch, &zero);
	if (!sc.buf || !mm)
		return false;
	sc.pos = IG_CUR(mm, env_start);
	sc.end = IG_CUR(mm, env_end);
#ifdef IG_LEGACY
	/* No bpf_loop before 5.17: the same steps in a bounded loop, which
	 * the verifier walks once per iteration. */
	__u32 i;

#pragma clang loop unroll(disable)
	for (i = 0; i < IG_ENV_SCAN_MAX; i++)
		if (ig_env_step(i, &sc))
			break;
#else
	bpf_loop(IG_ENV_SCAN_MAX, ig_env_step, &sc, 0);
#endif
	return sc.injects || !sc.done;
}

/* After a successful execve, before the new image runs: a fresh image
 * ends an unseen or clean mark; its environment or a tracer still
 * attached marks it. */
static __always_inline void ig_watch_exec(void)
{
	struct task_struct *task = ig_current_task();
	__u32 tgid = ig_current_tgid();
	struct ig_mark_val *m = bpf_map_lookup_elem(&marks, &tgid);
	__u64 start = ig_leader_start(task);

	if (m && start <= m->since_ns && ig_mark_sticky(m->mark))
		return;
	if (IG_CUR(task, ptrace))
		ig_mark_tgid(tgid, IG_MARK_TRACED);
	else if (ig_env_asks_injection())
		ig_mark_tgid(tgid, IG_MARK_ENV);
	else if (!watch_since || start < watch_since)
		ig_mark_tgid(tgid, IG_MARK_CLEAN);
	else if (m)
		bpf_map_delete_elem(&marks, &tgid);
}

/* A child shares its parent's memory image until it runs execve. */
static __always_inline void ig_watch_fork(__u32 child_tgid)
{
	__u32 mark;

	if (child_tgid == ig_current_tgid())
		return; /* a new thread of a marked process is marked already */
	mark = ig_current_mark();
	if (mark != IG_MARK_NONE)
		ig_mark_tgid(child_tgid, mark);
}

/* The last thread of a process has gone: its mark is no longer needed
 * (a pid reused later is told apart by its start time anyway). */
static __always_inline void ig_watch_exit(void)
{
	struct signal_struct *sig = IG_CUR(ig_current_task(), signal);
	__u32 tgid = ig_current_tgid();

	if (IG_CUR(sig, live.counter) == 0)
		bpf_map_delete_elem(&marks, &tgid);
}

/* Another process is about to read or write this one's memory or to trace
 * it: it may run code that is not its executable's from now on. */
static __always_inline int ig_watch_ptrace(__u32 target_tgid, unsigned int mode)
{
	if (mode & IG_PTRACE_MODE_ATTACH)
		ig_mark_tgid(target_tgid, IG_MARK_TRACED);
	return 0;
}

/* A cgroup whose path an allow rule names gets that rule's id the moment
 * it is created (or renamed there), before any process can join it. */
static __always_inline void ig_watch_cgroup(__u64 id, const char *path, int hierarchy)
{
	__u32 zero = 0;
	struct ig_name_buf *buf;
	struct ig_subject *s;
	__u64 h = IG_NAME_HASH_SEED;
	int i;

	/* cgroup v2 is hierarchy 0 ("0::/path" in /proc/PID/cgroup). */
	if (hierarchy != 0)
		return;
	bpf_map_delete_elem(&cgroups, &id);
	buf = bpf_map_lookup_elem(&name_scratch, &zero);
	if (!buf || bpf_probe_read_kernel_str(buf->name, sizeof(buf->name), path) <= 0)
		return;
#pragma clang loop unroll(disable)
	for (i = 0; i < IG_NAME_LEN; i++) {
		if (!buf->name[i])
			break;
		h = ig_name_hash_step(h, buf->name[i]);
	}
	if (i == IG_NAME_LEN)
		return; /* longer than any path an allow rule may name */
	s = bpf_map_lookup_elem(&cgroup_paths, &h);
	if (s)
		bpf_map_update_elem(&cgroups, &id, s, BPF_ANY);
}

#endif /* IG_SUBJECT_BPF_H */
