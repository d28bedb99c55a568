/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* The seal (run --seal): until reboot nobody but the daemon that armed it
 * reaches inodeguard's own objects, kills, traces or limits the daemon, or
 * changes an executable an allow rule names; root included. Every check
 * starts with the seal slot, so none costs more than a map lookup (or a
 * mask test before it) until a daemon arms it. Included by
 * inodeguard.bpf.c after verdict.bpf.h; loaded only by run --seal. */
#ifndef IG_SEAL_BPF_H
#define IG_SEAL_BPF_H

#define EPERM 1
#define SIGHUP 1
/* include/linux/fs.h: what inode_permission() and file_permission() ask. */
#define IG_MAY_WRITE 0x2
#define IG_MAY_READ 0x4
#define IG_MAY_APPEND 0x8
/* include/uapi/linux/magic.h */
#define IG_PROC_SUPER_MAGIC 0x9fa0
#define IG_CGROUP2_SUPER_MAGIC 0x63677270

/* The seal slot once a daemon has armed it, else NULL. */
static __always_inline struct ig_seal *ig_seal_armed(void)
{
	__u32 zero = 0;
	struct ig_seal *s = bpf_map_lookup_elem(&seal, &zero);

	return s && s->armed ? s : NULL;
}

/* Task t belongs to the sealed daemon: its tgid, started when the daemon
 * did, so a process that reuses the pid after a crash is not it. Probe
 * reads: t is a hook's argument or the current task, typed or not. */
static __always_inline bool ig_seal_daemon(const struct ig_seal *s, struct task_struct *t)
{
	return t && BPF_CORE_READ(t, tgid) == s->tgid &&
	       BPF_CORE_READ(t, group_leader, start_boottime) == s->start_ns;
}

/* The daemon, or a request worker it forked (relay.c), which holds the
 * daemon's descriptors and so must be as untouchable while it works. */
static __always_inline bool ig_seal_task(const struct ig_seal *s, struct task_struct *t)
{
	return ig_seal_daemon(s, t) || (t && ig_seal_daemon(s, BPF_CORE_READ(t, real_parent)));
}

/* The verdict where a sealed object is reached: only the daemon and its
 * workers pass. */
static __always_inline int ig_seal_refuse(const struct ig_seal *s)
{
	return ig_seal_task(s, (struct task_struct *)bpf_get_current_task()) ? 0 : -EPERM;
}

/* The cgroups the daemon is in, from cg up to the root: what cgroup.kill
 * and cgroup.freeze must not be written to. */
static __always_inline void ig_seal_note_cgroups(struct ig_seal *s, struct cgroup *cg)
{
	int i;

#pragma clang loop unroll(disable)
	for (i = 0; i < IG_CGROUP_DEPTH; i++) {
		s->cgroups[i & (IG_CGROUP_DEPTH - 1)] = cg ? BPF_CORE_READ(cg, kn, id) : 0;
		if (cg)
			cg = (struct cgroup *)BPF_CORE_READ(cg, self.parent);
	}
}

/*
 * setrlimit(2) and prlimit(2) on a process: the limits behind SIGXCPU,
 * SIGXFSZ and a failed allocation would end the daemon without a signal
 * anyone sends. While the seal is being armed, the daemon's own setrlimit
 * is how it shows the hooks run: its start time and cgroups are recorded
 * here, as the kernel sees them.
 */
static __always_inline int ig_seal_setrlimit(struct task_struct *p)
{
	struct task_struct *cur = (struct task_struct *)bpf_get_current_task();
	__u32 zero = 0;
	struct ig_seal *s = bpf_map_lookup_elem(&seal, &zero);

	if (!s || !s->tgid)
		return 0;
	if (s->armed)
		return ig_seal_task(s, p) ? ig_seal_refuse(s) : 0;
	if (BPF_CORE_READ(cur, tgid) == s->tgid && BPF_CORE_READ(p, tgid) == s->tgid) {
		s->start_ns = BPF_CORE_READ(cur, group_leader, start_boottime);
		ig_seal_note_cgroups(s, BPF_CORE_READ(cur, cgroups, dfl_cgrp));
	}
	return 0;
}

/* The daemon moved to another cgroup: cgroup migration has no LSM hook,
 * but the tracepoint after it says where, so the cgroups whose kill file
 * is refused follow it. */
static __always_inline void ig_seal_moved(struct cgroup *dst, struct task_struct *task)
{
	struct ig_seal *s = ig_seal_armed();

	if (s && ig_seal_daemon(s, task))
		ig_seal_note_cgroups(s, dst);
}

/* A signal from anyone else, SIGHUP (reload) and signal 0 (is it there?)
 * excepted. Kernel-made signals (a terminal's, cgroup.kill's, the OOM
 * killer's) do not pass this hook: see ig_seal_file_write and run's own
 * hardening. */
static __always_inline int ig_seal_kill(struct task_struct *p, int sig)
{
	struct ig_seal *s = ig_seal_armed();

	if (!s || !sig || sig == SIGHUP || !ig_seal_daemon(s, p))
		return 0;
	return ig_seal_refuse(s);
}

/* ptrace, /proc/PID/mem, process_vm_*, pidfd_getfd and /proc/PID/fd
 * reopens, in every mode: the daemon and its workers hold the only
 * descriptors of the maps. */
static __always_inline int ig_seal_ptrace(struct task_struct *child)
{
	struct ig_seal *s = ig_seal_armed();

	return s && ig_seal_task(s, child) ? ig_seal_refuse(s) : 0;
}

static __always_inline int ig_seal_id(__u32 kind, __u32 id)
{
	struct ig_seal_id k = { .kind = kind, .id = id };
	struct ig_seal *s = ig_seal_armed();

	return s && bpf_map_lookup_elem(&sealed_ids, &k) ? ig_seal_refuse(s) : 0;
}

/* A new descriptor of one of our maps or programs, by pin or by id: the
 * only ways to one, since the daemon cannot be traced. */
static __always_inline int ig_seal_map(struct bpf_map *map)
{
	return ig_seal_id(IG_SEAL_MAP, BPF_CORE_READ(map, id));
}

static __always_inline int ig_seal_prog(struct bpf_prog *prog)
{
	return ig_seal_id(IG_SEAL_PROG, BPF_CORE_READ(prog, aux, id));
}

/* Links have no hook of their own: a link descriptor by id is refused
 * here, one by pin at inode_permission. Without one, a link can be
 * neither detached nor updated. The map and program ids are refused here
 * too, before the kernel looks them up. */
static __always_inline int ig_seal_bpf(int cmd, union bpf_attr *attr)
{
	__u32 kind;

	if (cmd == BPF_LINK_GET_FD_BY_ID)
		kind = IG_SEAL_LINK;
	else if (cmd == BPF_MAP_GET_FD_BY_ID)
		kind = IG_SEAL_MAP;
	else if (cmd == BPF_PROG_GET_FD_BY_ID)
		kind = IG_SEAL_PROG;
	else
		return 0;
	return ig_seal_id(kind, BPF_CORE_READ(attr, link_id));
}

/* Unmounting the bpffs that holds the pins would drop them with it. */
static __always_inline int ig_seal_umount(struct vfsmount *mnt)
{
	struct ig_seal *s = ig_seal_armed();

	return s && BPF_CORE_READ(mnt, mnt_sb, s_dev) == s->pin_dev ? ig_seal_refuse(s) : 0;
}

/* The dentry of a bpffs inode: pins and directories there have one
 * name each (bpffs makes no hard links). */
static __always_inline struct dentry *ig_seal_alias(struct inode *inode)
{
	struct hlist_node *first = BPF_CORE_READ(inode, i_dentry.first);

	if (!first)
		return NULL;
	return (struct dentry *)((void *)first - bpf_core_field_offset(struct dentry, d_u.d_alias));
}

/* A pin (or links_PID directory) under IG_PIN_DIR, or the directory
 * itself: two levels at most, since links sit in links_PID/. The bpffs is
 * shared with every other BPF user, so the directory decides. */
static __always_inline bool ig_seal_pinned(const struct ig_seal *s, struct inode *inode)
{
	struct dentry *d, *parent;

	if (BPF_CORE_READ(inode, i_ino) == s->pin_dir_ino)
		return true;
	d = ig_seal_alias(inode);
	parent = d ? BPF_CORE_READ(d, d_parent) : NULL;
	if (!parent)
		return false;
	if (BPF_CORE_READ(parent, d_inode, i_ino) == s->pin_dir_ino)
		return true;
	parent = BPF_CORE_READ(parent, d_parent);
	return parent && BPF_CORE_READ(parent, d_inode, i_ino) == s->pin_dir_ino;
}

/* A file of /proc/PID of the daemon (oom_score_adj, oom_adj, and any
 * other knob a write there turns), or /proc/sysrq-trigger, whose 'i' and
 * 'e' kill every process without a signal anyone sends. */
static __always_inline bool ig_seal_proc_target(const struct ig_seal *s, struct inode *inode)
{
	struct proc_inode *ei;
	struct pid *pid;

	if (BPF_CORE_READ(inode, i_ino) == s->sysrq_ino)
		return true;
	ei = (struct proc_inode *)((void *)inode - bpf_core_field_offset(struct proc_inode, vfs_inode));
	pid = BPF_CORE_READ(ei, pid);
	return pid && BPF_CORE_READ(pid, numbers[0].nr) == (int)s->tgid;
}

/* An executable an allow rule names, or one the kernel keyed for it at
 * its name (an upgrade run before the seal): by its inode. The filter
 * does not cover exes (ig_grant_exe looks them up directly), so neither
 * does this; it runs only for writes and name changes. */
static __always_inline bool ig_seal_exe(struct inode *inode)
{
	struct ig_key k = {};

	if (!inode)
		return false;
	ig_key_of_inode(inode, &k, false);
	return bpf_map_lookup_elem(&exes, &k) != NULL;
}

/*
 * Opening a pin (BPF_OBJ_GET reads and writes it) or writing in the pin
 * directories (unlink, rename, create); writing the daemon's /proc files,
 * /proc/sysrq-trigger, or an allowed executable (open for writing,
 * truncate). Lookups (MAY_EXEC alone) leave at the first test: this hook
 * runs for every component of every path.
 */
static __always_inline int ig_seal_inode_permission(struct inode *inode, int mask)
{
	bool write = mask & (IG_MAY_WRITE | IG_MAY_APPEND), hit;
	struct ig_seal *s;
	struct super_block *sb;

	if (!(mask & (IG_MAY_READ | IG_MAY_WRITE | IG_MAY_APPEND)))
		return 0;
	s = ig_seal_armed();
	if (!s)
		return 0;
	sb = BPF_CORE_READ(inode, i_sb);
	if (BPF_CORE_READ(sb, s_dev) == s->pin_dev)
		/* Directories may be listed. */
		hit = (write || !ig_is_dir(inode, false)) && ig_seal_pinned(s, inode);
	else if (!write)
		return 0;
	else if (BPF_CORE_READ(sb, s_magic) == IG_PROC_SUPER_MAGIC)
		hit = ig_seal_proc_target(s, inode);
	else
		hit = ig_seal_exe(inode);
	return hit ? ig_seal_refuse(s) : 0;
}

/*
 * A write to cgroup.kill (which kills without a signal anyone sends) or
 * cgroup.freeze of the daemon's cgroup or an ancestor. Checked at the
 * write, not the open: a descriptor opened on another cgroup before the
 * daemon was moved there is refused too.
 */
static __always_inline int ig_seal_file_write(struct file *file, int mask)
{
	__u64 name[2] = {};
	struct ig_seal *s;
	struct dentry *d;
	__u64 cg;
	int i;

	if (!(mask & IG_MAY_WRITE))
		return 0;
	s = ig_seal_armed();
	if (!s || BPF_CORE_READ(file, f_inode, i_sb, s_magic) != IG_CGROUP2_SUPER_MAGIC)
		return 0;
	d = BPF_CORE_READ(file, f_path.dentry);
	bpf_probe_read_kernel_str(name, sizeof(name), BPF_CORE_READ(d, d_name.name));
	/* "cgroup.kill" and "cgroup.freeze", as the words they load as. */
	if (!(name[0] == IG_W8('c', 'g', 'r', 'o', 'u', 'p', '.', 'k') &&
	      name[1] == IG_W8('i', 'l', 'l', 0, 0, 0, 0, 0)) &&
	    !(name[0] == IG_W8('c', 'g', 'r', 'o', 'u', 'p', '.', 'f') &&
	      name[1] == IG_W8('r', 'e', 'e', 'z', 'e', 0, 0, 0)))
		return 0;
	cg = BPF_CORE_READ(d, d_parent, d_inode, i_ino);
#pragma clang loop unroll(disable)
	for (i = 0; i < IG_CGROUP_DEPTH; i++)
		if (s->cgroups[i & (IG_CGROUP_DEPTH - 1)] == cg)
			return ig_seal_refuse(s);
	return 0;
}

/* An allowed executable, or the name that grants it, renamed, replaced,
 * unlinked, chmod'ed or chown'ed, or given other xattrs (file
 * capabilities): a grant must keep meaning the program it meant. */
static __always_inline int ig_seal_exe_at(struct dentry *d)
{
	struct ig_rule_kinds *kinds;
	struct ig_name_key nk = {};
	struct ig_seal *s;
	struct inode *dir;

	if (!d)
		return 0;
	s = ig_seal_armed();
	if (!s)
		return 0;
	if (ig_seal_exe(BPF_CORE_READ(d, d_inode)))
		return ig_seal_refuse(s);
	kinds = ig_kinds();
	if (!kinds || !kinds->exe_names)
		return 0;
	dir = BPF_CORE_READ(d, d_parent, d_inode);
	if (!dir)
		return 0;
	ig_key_of_inode(dir, &nk.dir, false);
	if (!ig_name_hash(d, false, &nk.hash))
		return 0;
	return bpf_map_lookup_elem(&exe_names, &nk) ? ig_seal_refuse(s) : 0;
}

/* The pin directory renamed away: the pins would stay, but nothing would
 * find them by their name, so it is refused as an unlink there is. */
static __always_inline int ig_seal_pin_dir_moved(struct dentry *d)
{
	struct ig_seal *s = ig_seal_armed();
	struct inode *inode;

	if (!s || !d)
		return 0;
	inode = BPF_CORE_READ(d, d_inode);
	if (!inode || BPF_CORE_READ(inode, i_ino) != s->pin_dir_ino ||
	    BPF_CORE_READ(inode, i_sb, s_dev) != s->pin_dev)
		return 0;
	return ig_seal_refuse(s);
}

#endif /* IG_SEAL_BPF_H */
