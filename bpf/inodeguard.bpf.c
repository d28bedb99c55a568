// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* All inodeguard programs. One object, one map layout; the loader turns on
 * the programs of one backend by their section prefix:
 *   lsm/                 BPF LSM hooks            (backend "lsm")
 *   fmod_ret/, fentry/   security_* functions     (backend "fmodret")
 *   tracepoint/          open-family and execve exit (backend "tracepoint", kill only)
 * Every program reduces its arguments to an inode and where it sits, and
 * calls the one verdict, ig_decide_at() (verdict.bpf.h). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "inodeguard.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Set by the loader before load; the verifier prunes what they disable. */
const volatile bool enforce_root = false;
/* The tracepoint backend runs after the syscall: it cannot fail it, only kill. */
const volatile bool kill_only = false;

/* The protected inodes: the one map layout every backend shares.
 * max_entries is resized by the loader (--capacity). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct ig_key);
	__type(value, struct ig_rule);
} protected SEC(".maps");

/* The name part of file entries: (directory key, name) to rule. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct ig_name_key);
	__type(value, struct ig_rule);
} names SEC(".maps");

/* Room to read a name into: too large for the BPF stack beside the rest. */
struct ig_name_buf {
	char name[IG_NAME_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ig_name_buf);
} name_scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ig_rule_kinds);
} rule_kinds SEC(".maps");

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
	__uint(max_entries, IG_FILTER_WORDS + 1);
	__type(key, __u32);
	__type(value, __u64);
} filter SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

/* ---- who may pass: allow sets and what they name ---- */

/* (allow set, kind, value): present when the set grants that subject. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct ig_grant_key);
	__type(value, __u32);
} grants SEC(".maps");

/* Allowed executables by inode key, and by name (directory key, name
 * hash) so an upgraded binary keeps its grant. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct ig_key);
	__type(value, struct ig_subject);
} exes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct ig_name_key);
	__type(value, struct ig_subject);
} exe_names SEC(".maps");

/* Allowed cgroups: by path hash, and each live cgroup id at that path. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct ig_subject);
} cgroup_paths SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct ig_subject);
} cgroups SEC(".maps");

/* Marked processes by tgid (subject.bpf.h). Full, no grant passes. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, struct ig_mark_val);
} marks SEC(".maps");

/* ---- the seal (run --seal; seal.bpf.h) ---- */

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ig_seal);
} seal SEC(".maps");

/* This instance's maps, programs and links, which no process but the
 * sealed daemon may open by id or by pin. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct ig_seal_id);
	__type(value, __u8);
} sealed_ids SEC(".maps");

struct ig_counters counters = {};
/* CLOCK_BOOTTIME from which the watchers run, set by user space once they
 * are attached: processes started earlier are unseen. */
__u64 watch_since = 0;
/* CLOCK_BOOTTIME at which the first instance of these maps started, set by
 * user space; an adopter shares or copies it, so uptime spans adoptions. */
__u64 instance_since = 0;
/* Set by user space when it releases the instance (a clean stop): every
 * verdict allows from then on. Detaching a link waits for a grace period
 * on 6.x kernels, about 0.1 s per program, so the release takes effect at
 * once through this, and the kernel detaches the programs afterwards.
 * Cleared by whoever serves the maps, which an adopter may share. 64
 * bits, so .bss stays the size of the skeleton's struct. */
__u64 released = 0;

#include "key.bpf.h"
#include "match.bpf.h"
#include "subject.bpf.h"
#include "verdict.bpf.h"

/*
 * ---- lsm and fmodret ----
 * An LSM program's nonzero return denies; an fmod_ret program's nonzero
 * return skips security_*() and becomes its result. Both receive the
 * verdict of earlier programs as ret, which follows the last argument, so
 * every argument must be declared even when only one is read.
 *
 * IG_HOOK(hook, verdict, args...) emits both programs for a hook whose LSM
 * hook and security_ function take the same arguments. Hooks whose
 * arguments differ between the two are written out below the table.
 */
#define IG_HOOK_NAMED(hook, name, verdict, ...)				\
SEC("lsm/" #hook)							\
int BPF_PROG(lsm_##name, __VA_ARGS__, int ret)				\
{									\
	return ret ? ret : (verdict);					\
}									\
SEC("fmod_ret/security_" #hook)						\
int BPF_PROG(fmr_##name, __VA_ARGS__, int ret)				\
{									\
	return ret ? ret : (verdict);					\
}

#define IG_HOOK(hook, verdict, ...) IG_HOOK_NAMED(hook, hook, verdict, __VA_ARGS__)

/* The variant of a hook whose arguments changed across kernels; the
 * loader keeps the one that matches the running kernel's BTF. */
#define IG_HOOK_VARIANT(hook, variant, verdict, ...)			\
	IG_HOOK_NAMED(hook, hook##_##variant, verdict, __VA_ARGS__)

/* The verdict for an operation on the inode at a positive dentry. */
#define IG_AT(dentry, op) \
	ig_decide_at(ig_dentry_inode(dentry), dentry, op, NULL, false, true, false)

/* The verdict for a name about to be created: there is no inode yet. */
#define IG_AT_NEW(dentry, op) \
	ig_decide_at(NULL, dentry, op, NULL, false, true, false)

/* For dentries the hook guarantees positive (unlink, rmdir, setattr, a
 * rename's or link's source). */
static __always_inline struct inode *ig_dentry_inode(struct dentry *dentry)
{
	return dentry ? dentry->d_inode : NULL;
}

/*
 * A rename's target may be negative (a new name). The verifier takes a
 * typed dentry->d_inode for non-NULL ("no negative dentries where BPF can
 * see them", 6.x) and drops the program's own NULL check, so a typed load
 * from a negative dentry oopses. Read it as a plain value instead, and
 * judge what it names with probe reads.
 */
static __always_inline struct inode *ig_maybe_inode(struct dentry *dentry)
{
	return dentry ? BPF_CORE_READ(dentry, d_inode) : NULL;
}

/* bpf_d_path is allowed in LSM programs from 5.11 and in
 * security_file_open from 5.10: the legacy build's lsm events of opens go
 * without their path. */
#ifdef IG_LEGACY
#define IG_LSM_D_PATH false
#else
#define IG_LSM_D_PATH true
#endif

SEC("lsm/file_open")
int BPF_PROG(lsm_file_open, struct file *file, int ret)
{
	return ret ? ret : ig_decide_at(file->f_inode, file->f_path.dentry, IG_OP_OPEN,
					&file->f_path, IG_LSM_D_PATH, true, false);
}

SEC("fmod_ret/security_file_open")
int BPF_PROG(fmr_file_open, struct file *file, int ret)
{
	return ret ? ret : ig_decide_at(file->f_inode, file->f_path.dentry, IG_OP_OPEN,
					&file->f_path, true, true, false);
}

/* Reads and writes through descriptors opened before protection began.
 * By key alone: this runs for every read and write on the machine. */
IG_HOOK(file_permission, ig_decide_access(file->f_inode, mask, true),
	struct file *file, int mask)

/* Descriptors passed over unix sockets and taken with pidfd_getfd. */
IG_HOOK(file_receive,
	ig_decide_at(file->f_inode, file->f_path.dentry, IG_OP_RECEIVE, NULL, false, true, false),
	struct file *file)

IG_HOOK(inode_unlink, IG_AT(dentry, IG_OP_UNLINK),
	struct inode *dir, struct dentry *dentry)

IG_HOOK(inode_rmdir, IG_AT(dentry, IG_OP_RMDIR),
	struct inode *dir, struct dentry *dentry)

/* A new name at a protected name or inside a protected tree. */
IG_HOOK(inode_create, IG_AT_NEW(dentry, IG_OP_CREATE),
	struct inode *dir, struct dentry *dentry, umode_t mode)

IG_HOOK(inode_mkdir, IG_AT_NEW(dentry, IG_OP_CREATE),
	struct inode *dir, struct dentry *dentry, umode_t mode)

IG_HOOK(inode_mknod, IG_AT_NEW(dentry, IG_OP_CREATE),
	struct inode *dir, struct dentry *dentry, umode_t mode, dev_t dev)

IG_HOOK(inode_symlink, IG_AT_NEW(dentry, IG_OP_CREATE),
	struct inode *dir, struct dentry *dentry, const char *old_name)

/* A protected inode linked anywhere, or any inode linked into a tree or
 * onto a protected name; then the inode is keyed. */
static __always_inline int ig_on_link(struct dentry *old_dentry, struct dentry *new_dentry)
{
	struct inode *inode = ig_dentry_inode(old_dentry);
	int ret = ig_decide_at(inode, old_dentry, IG_OP_LINK, NULL, false, true, false);

	if (!ret)
		ret = ig_decide_at(NULL, new_dentry, IG_OP_LINK, NULL, false, true, false);
	return ret ? ret : ig_adopt_moved(inode, old_dentry, new_dentry, IG_OP_LINK);
}

IG_HOOK(inode_link, ig_on_link(old_dentry, new_dentry),
	struct dentry *old_dentry, struct inode *dir, struct dentry *new_dentry)

/* chmod, chown, utimes and truncate. An idmap first argument appeared in
 * security_inode_setattr() before it reached the LSM hook (6.8). */
IG_HOOK(inode_setattr, IG_AT(dentry, IG_OP_SETATTR),
	struct dentry *dentry, struct iattr *attr)
IG_HOOK_VARIANT(inode_setattr, idmap, IG_AT(dentry, IG_OP_SETATTR),
	void *idmap, struct dentry *dentry, struct iattr *attr)

IG_HOOK(path_truncate, IG_AT(path->dentry, IG_OP_TRUNCATE),
	const struct path *path)

/* ftruncate(2) on a descriptor; the hook exists from 6.2. */
IG_HOOK(file_truncate,
	ig_decide_at(file->f_inode, file->f_path.dentry, IG_OP_TRUNCATE, NULL, false, true, false),
	struct file *file)

/* The first argument is a user_namespace before 6.3 and an idmap after;
 * only the dentry is read, so one program fits both. Before 5.12 there is
 * no first argument: the _nons variants. */
IG_HOOK(inode_setxattr, IG_AT(dentry, IG_OP_SETXATTR),
	void *ns, struct dentry *dentry, const char *name, const void *value,
	size_t size, int flags)
IG_HOOK_VARIANT(inode_setxattr, nons, IG_AT(dentry, IG_OP_SETXATTR),
	struct dentry *dentry, const char *name, const void *value, size_t size, int flags)

IG_HOOK(inode_removexattr, IG_AT(dentry, IG_OP_REMOVEXATTR),
	void *ns, struct dentry *dentry, const char *name)
IG_HOOK_VARIANT(inode_removexattr, nons, IG_AT(dentry, IG_OP_REMOVEXATTR),
	struct dentry *dentry, const char *name)

/*
 * Both ends of a rename: the inode leaving (a protected one, or any one
 * out of a tree or off a protected name) and the name it lands on (a
 * protected inode replaced, a tree, a protected name). What may move is
 * then keyed where it lands, so `mv -f new secret` hands the protection to
 * the new inode before the rename completes. d_instantiate does not run
 * for a rename, so this is the hook that must decide it.
 */
static __always_inline int ig_on_rename(struct dentry *from, struct dentry *to)
{
	struct inode *moving = ig_dentry_inode(from);
	int ret = ig_decide_at(moving, from, IG_OP_RENAME, NULL, false, true, false);

	if (!ret)
		ret = ig_decide_at(ig_maybe_inode(to), to, IG_OP_RENAME, NULL, false, false, false);
	return ret ? ret : ig_adopt_moved(moving, from, to, IG_OP_RENAME);
}

#define IG_RENAME_EXCHANGE 2

/* ig_on_rename as a subprogram: an exchange judges both ends through one
 * copy of its instructions. */
static __noinline int ig_rename_end(struct dentry *from, struct dentry *to)
{
	return ig_on_rename(from, to);
}

/* RENAME_EXCHANGE calls the LSM hook twice, ends swapped; the security_
 * function once, with the flags. */
SEC("lsm/inode_rename")
int BPF_PROG(lsm_inode_rename, struct inode *old_dir, struct dentry *old_dentry,
	     struct inode *new_dir, struct dentry *new_dentry, int ret)
{
	return ret ? ret : ig_on_rename(old_dentry, new_dentry);
}

SEC("fmod_ret/security_inode_rename")
int BPF_PROG(fmr_inode_rename, struct inode *old_dir, struct dentry *old_dentry,
	     struct inode *new_dir, struct dentry *new_dentry, unsigned int flags,
	     int ret)
{
	if (ret)
		return ret;
	/* Two calls, not bpf_loop(2, ...): from 6.7 the verifier walks a
	 * callback until its states converge, and ig_on_rename holds
	 * callbacks of its own. Measured in a 7.3 guest, this program's load
	 * took 4.1 s through bpf_loop and 1.0 to 1.3 s so (docs/design.md). */
	ret = ig_rename_end(old_dentry, new_dentry);
	if (!ret && (flags & IG_RENAME_EXCHANGE))
		ret = ig_rename_end(new_dentry, old_dentry);
	return ret;
}

/* The LSM hook also gets reqprot; file is NULL for anonymous mappings. */
SEC("lsm/mmap_file")
int BPF_PROG(lsm_mmap_file, struct file *file, unsigned long reqprot,
	     unsigned long prot, unsigned long flags, int ret)
{
	if (ret || !file)
		return ret;
	return ig_decide(file->f_inode, IG_OP_MMAP, true);
}

SEC("fmod_ret/security_mmap_file")
int BPF_PROG(fmr_mmap_file, struct file *file, unsigned long prot,
	     unsigned long flags, int ret)
{
	if (ret || !file)
		return ret;
	return ig_decide(file->f_inode, IG_OP_MMAP, true);
}

/* A tracer, or a reader or writer of another process's memory: the LSM
 * hook sees every route (ptrace, /proc/PID/mem, process_vm_writev). */
IG_HOOK(ptrace_access_check, ig_watch_ptrace(child->tgid, mode),
	struct task_struct *child, unsigned int mode)

IG_HOOK(ptrace_traceme, ig_watch_ptrace(ig_current_tgid(), IG_PTRACE_MODE_ATTACH),
	struct task_struct *parent)

/*
 * ---- watchers: exec, fork, exit and cgroups, for allow rules ----
 * BTF tracepoints on lsm and fmodret (no perf event, so no
 * perf_event_paranoid); plain tracepoints on the tracepoint backend.
 */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(btf_exec, struct task_struct *p)
{
	ig_watch_exec();
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(btf_fork, struct task_struct *parent, struct task_struct *child)
{
	ig_watch_fork(child->tgid);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(btf_exit, struct task_struct *p)
{
	ig_watch_exit();
	return 0;
}

SEC("tp_btf/cgroup_mkdir")
int BPF_PROG(btf_cgroup_mkdir, struct cgroup *cgrp, const char *path)
{
	ig_watch_cgroup(cgrp->kn->id, path, cgrp->root->hierarchy_id);
	return 0;
}

SEC("tp_btf/cgroup_rename")
int BPF_PROG(btf_cgroup_rename, struct cgroup *cgrp, const char *path)
{
	ig_watch_cgroup(cgrp->kn->id, path, cgrp->root->hierarchy_id);
	return 0;
}

SEC("tp_btf/cgroup_rmdir")
int BPF_PROG(btf_cgroup_rmdir, struct cgroup *cgrp, const char *path)
{
	__u64 id = cgrp->kn->id;

	bpf_map_delete_elem(&cgroups, &id);
	return 0;
}

/* Inode destruction returns nothing, so fmodret takes it with fentry. */
SEC("lsm/inode_free_security")
int BPF_PROG(lsm_inode_free_security, struct inode *inode)
{
	ig_reclaim(inode);
	return 0;
}

SEC("fentry/security_inode_free")
int BPF_PROG(fen_inode_free, struct inode *inode)
{
	ig_reclaim(inode);
	return 0;
}

/* ---- tracepoint: judge the file the syscall just installed ----
 *
 * Tracepoint arguments are not BTF-typed, so the fd-table slot, the file
 * and its inode are raw kernel addresses. bpf_rdonly_cast (6.2) makes each
 * a typed pointer whose fields are plain loads with an exception fixup;
 * before it, every field costs a probe-read helper call. Measured on the
 * host with kernel.bpf_stats_enabled: 107 ns per run against 234 ns, where
 * an empty program reports 79 ns.
 *
 * The kfunc cannot simply be a weak extern: on a kernel without it libbpf
 * then searches module BTF, which needs CAP_SYS_ADMIN, and the load fails
 * under the minimal capability set for every backend. So this file is
 * built twice, with IG_PROBE_READS for kernels before 6.2, and the loader
 * picks the build by the running kernel's BTF. Only these programs differ.
 * (A third build, IG_LEGACY, for kernels before 5.17, also reads the
 * current task untyped: see ig_current_task.)
 */
#ifdef IG_PROBE_READS
#define IG_TYPED false
#else
#define IG_TYPED true /* bpf_rdonly_cast is declared in key.bpf.h */
#endif

/* current->files->fdt->fd[fd]. A sibling thread may close or dup2 the slot
 * meanwhile; then we judge whatever is there now, which is still a file
 * this process holds. */
static __always_inline struct file *ig_installed_file(long fd)
{
	/* BTF-typed loads up to the table where the task is a typed
	 * pointer (see ig_current_task). */
	struct files_struct *files = IG_CUR(ig_current_task(), files);
	struct fdtable *fdt = IG_CUR(files, fdt);
	struct file *file = NULL;

	if (fd < 0 || fd >= IG_CUR(fdt, max_fds))
		return NULL;
#ifdef IG_PROBE_READS
	bpf_probe_read_kernel(&file, sizeof(file), IG_CUR(fdt, fd) + fd);
#else
	/* The slot is a bare struct file *; a kiocb starts with one
	 * (ki_filp, offset 0 since 2.6), which gives the cast a type to
	 * load it through. CO-RE checks that offset at load time. */
	file = ((struct kiocb *)bpf_rdonly_cast(
			(void *)((unsigned long)fdt->fd + fd * sizeof(void *)),
			bpf_core_type_id_kernel(struct kiocb)))->ki_filp;
#endif
	return file;
}

/* The verdict for a file from ig_installed_file() or ig_exe_file(): a
 * typed pointer in the default build, a raw address in the probe build.
 * by_name: also by where it was opened (an open), else by key alone (a
 * read through it). at_exit: see ig_judge. */
static __always_inline int ig_decide_file(struct file *file, __u32 op, bool by_name,
					  bool at_exit)
{
	return ig_decide_at(IG_LOAD(IG_TYPED, file, f_inode),
			    by_name ? IG_LOAD(IG_TYPED, file, f_path.dentry) : NULL,
			    op, NULL, false, IG_TYPED, at_exit);
}

/* The binary execve just installed as the process's executable. */
static __always_inline struct file *ig_exe_file(void)
{
	struct task_struct *task = ig_current_task();

#ifdef IG_PROBE_READS
	return BPF_CORE_READ(task, mm, exe_file);
#else
	return task->mm->exe_file;
#endif
}

/*
 * The verdict at a syscall's exit on the file it is about: for op
 * IG_OP_EXEC the binary execve installed (it opens it inside the kernel,
 * with no open-family syscall; at its exit the new image has not run a
 * single instruction, so a kill here means the protected binary never
 * executes), else the descriptor the syscall returned. op is a constant
 * in each program, so only one of the two is compiled in.
 */
static __always_inline int ig_on_exit(long ret, __u32 op)
{
	struct file *file;

	if (ret < 0)
		return 0;
	file = op == IG_OP_EXEC ? ig_exe_file() : ig_installed_file(ret);
	if (file)
		ig_decide_file(file, op, true, false);
	return 0;
}

#define IG_TRACEPOINT(syscall, op)					\
SEC("tracepoint/syscalls/sys_exit_" #syscall)				\
int tp_exit_##syscall(struct trace_event_raw_sys_exit *ctx)		\
{									\
	return ig_on_exit(ctx->ret, op);				\
}

IG_TRACEPOINT(open, IG_OP_OPEN)
IG_TRACEPOINT(openat, IG_OP_OPEN)
IG_TRACEPOINT(openat2, IG_OP_OPEN)
IG_TRACEPOINT(creat, IG_OP_OPEN)
IG_TRACEPOINT(open_by_handle_at, IG_OP_OPEN)
IG_TRACEPOINT(execve, IG_OP_EXEC)
IG_TRACEPOINT(execveat, IG_OP_EXEC)
/* pidfd_getfd installs a descriptor taken from another process, with no
 * open of this one's: judged as a received descriptor, as the file_receive
 * hook judges it on lsm and fmodret. The holder may be a subject an allow
 * rule grants; the taker is judged for itself. */
IG_TRACEPOINT(pidfd_getfd, IG_OP_RECEIVE)

/*
 * ---- fmodret's backstop: what a skipped check let through ----
 * Attached by the fmodret backend only, and only on kernels that preempt
 * kernel code (see backstop.bpf.h). One program on every syscall's exit
 * rather than one perf event per syscall of interest.
 */
#ifndef __TARGET_ARCH_x86
#error "the backstop's syscall table and registers are x86-64's"
#endif
#include "backstop.bpf.h"

SEC("tracepoint/raw_syscalls/sys_exit")
int backstop_sys_exit(struct trace_event_raw_sys_exit *ctx)
{
	ig_backstop(ctx->id, ctx->ret);
	return 0;
}

/* The watchers as plain tracepoints. */
SEC("tracepoint/sched/sched_process_exec")
int tp_exec(struct trace_event_raw_sched_process_exec *ctx)
{
	ig_watch_exec();
	return 0;
}

SEC("tracepoint/sched/sched_process_fork")
int tp_fork(struct trace_event_raw_sched_process_fork *ctx)
{
	ig_watch_fork(ctx->child_pid);
	return 0;
}

SEC("tracepoint/sched/sched_process_exit")
int tp_exit(void *ctx)
{
	ig_watch_exit();
	return 0;
}

static __always_inline const char *ig_cgroup_event_path(struct trace_event_raw_cgroup *ctx)
{
	return (const char *)ctx + (ctx->__data_loc_path & 0xffff);
}

SEC("tracepoint/cgroup/cgroup_mkdir")
int tp_cgroup_mkdir(struct trace_event_raw_cgroup *ctx)
{
	ig_watch_cgroup(ctx->id, ig_cgroup_event_path(ctx), ctx->root);
	return 0;
}

SEC("tracepoint/cgroup/cgroup_rename")
int tp_cgroup_rename(struct trace_event_raw_cgroup *ctx)
{
	ig_watch_cgroup(ctx->id, ig_cgroup_event_path(ctx), ctx->root);
	return 0;
}

SEC("tracepoint/cgroup/cgroup_rmdir")
int tp_cgroup_rmdir(struct trace_event_raw_cgroup *ctx)
{
	__u64 id = ctx->id;

	if (ctx->root == 0)
		bpf_map_delete_elem(&cgroups, &id);
	return 0;
}

/*
 * Without the ptrace LSM hook, the syscalls that name a process to trace
 * or whose memory to touch. Only a pid of the initial pid namespace names
 * the process here, and only that thread is marked: the gaps the backend
 * table lists.
 */
#define IG_PTRACE_TRACEME 0
#define IG_PTRACE_ATTACH 16
#define IG_PTRACE_SEIZE 0x4206

static __always_inline void ig_watch_pid_syscall(long pid)
{
	struct pid *tpid = IG_CUR(ig_current_task(), thread_pid);

	if (pid > 0 && IG_CUR(tpid, level) == 0)
		ig_mark_tgid((__u32)pid, IG_MARK_TRACED);
}

SEC("tracepoint/syscalls/sys_enter_ptrace")
int tp_enter_ptrace(struct trace_event_raw_sys_enter *ctx)
{
	long request = ctx->args[0];

	if (request == IG_PTRACE_TRACEME)
		ig_mark_tgid(ig_current_tgid(), IG_MARK_TRACED);
	else if (request == IG_PTRACE_ATTACH || request == IG_PTRACE_SEIZE)
		ig_watch_pid_syscall(ctx->args[1]);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_process_vm_writev")
int tp_enter_process_vm_writev(struct trace_event_raw_sys_enter *ctx)
{
	ig_watch_pid_syscall(ctx->args[0]);
	return 0;
}

/* A reader of another process's memory is where an injector starts. */
SEC("tracepoint/syscalls/sys_enter_process_vm_readv")
int tp_enter_process_vm_readv(struct trace_event_raw_sys_enter *ctx)
{
	ig_watch_pid_syscall(ctx->args[0]);
	return 0;
}

/*
 * ---- the seal (run --seal; seal.bpf.h) ----
 * Loaded only under --seal (the loader keeps programs named *_seal_* for
 * it), on the lsm or fmodret backend like the hooks above, and inert
 * until the daemon arms the seal slot.
 */
#include "seal.bpf.h"

IG_HOOK_NAMED(task_kill, seal_task_kill, ig_seal_kill(p, sig),
	struct task_struct *p, struct kernel_siginfo *info, int sig, const struct cred *cred)

IG_HOOK_NAMED(ptrace_access_check, seal_ptrace_access_check, ig_seal_ptrace(child),
	struct task_struct *child, unsigned int mode)

IG_HOOK_NAMED(task_setrlimit, seal_task_setrlimit, ig_seal_setrlimit(p),
	struct task_struct *p, unsigned int resource, struct rlimit *new_rlim)

IG_HOOK_NAMED(bpf_map, seal_bpf_map, ig_seal_map(map), struct bpf_map *map, fmode_t fmode)

IG_HOOK_NAMED(bpf_prog, seal_bpf_prog, ig_seal_prog(prog), struct bpf_prog *prog)

/* security_bpf() gained a last argument, kernel, in 6.14. */
IG_HOOK_NAMED(bpf, seal_bpf, ig_seal_bpf(cmd, attr),
	int cmd, union bpf_attr *attr, unsigned int size)
IG_HOOK_NAMED(bpf, seal_bpf_kernel, ig_seal_bpf(cmd, attr),
	int cmd, union bpf_attr *attr, unsigned int size, bool kernel)

IG_HOOK_NAMED(sb_umount, seal_sb_umount, ig_seal_umount(mnt), struct vfsmount *mnt, int flags)

IG_HOOK_NAMED(inode_permission, seal_inode_permission, ig_seal_inode_permission(inode, mask),
	struct inode *inode, int mask)

IG_HOOK_NAMED(file_permission, seal_file_permission, ig_seal_file_write(file, mask),
	struct file *file, int mask)

IG_HOOK_NAMED(inode_unlink, seal_inode_unlink, ig_seal_exe_at(dentry),
	struct inode *dir, struct dentry *dentry)

/* The variants as for the verdict's programs above (hook_variants in
 * loader.c picks by the kernel's parameter count). */
IG_HOOK_NAMED(inode_setattr, seal_inode_setattr, ig_seal_exe_at(dentry),
	struct dentry *dentry, struct iattr *attr)
IG_HOOK_NAMED(inode_setattr, seal_inode_setattr_idmap, ig_seal_exe_at(dentry),
	void *idmap, struct dentry *dentry, struct iattr *attr)

IG_HOOK_NAMED(inode_setxattr, seal_inode_setxattr, ig_seal_exe_at(dentry),
	void *ns, struct dentry *dentry, const char *name, const void *value,
	size_t size, int flags)
IG_HOOK_NAMED(inode_setxattr, seal_inode_setxattr_nons, ig_seal_exe_at(dentry),
	struct dentry *dentry, const char *name, const void *value, size_t size, int flags)

IG_HOOK_NAMED(inode_removexattr, seal_inode_removexattr, ig_seal_exe_at(dentry),
	void *ns, struct dentry *dentry, const char *name)
IG_HOOK_NAMED(inode_removexattr, seal_inode_removexattr_nons, ig_seal_exe_at(dentry),
	struct dentry *dentry, const char *name)

/* Either end of a rename (an exchange passes both ends here too), and the
 * pin directory itself. */
static __always_inline int ig_seal_rename(struct dentry *from, struct dentry *to)
{
	int ret = ig_seal_pin_dir_moved(from);

	if (!ret)
		ret = ig_seal_exe_at(from);
	return ret ? ret : ig_seal_exe_at(to);
}

SEC("lsm/inode_rename")
int BPF_PROG(lsm_seal_inode_rename, struct inode *old_dir, struct dentry *old_dentry,
	     struct inode *new_dir, struct dentry *new_dentry, int ret)
{
	return ret ? ret : ig_seal_rename(old_dentry, new_dentry);
}

SEC("fmod_ret/security_inode_rename")
int BPF_PROG(fmr_seal_inode_rename, struct inode *old_dir, struct dentry *old_dentry,
	     struct inode *new_dir, struct dentry *new_dentry, unsigned int flags, int ret)
{
	return ret ? ret : ig_seal_rename(old_dentry, new_dentry);
}

SEC("tp_btf/cgroup_attach_task")
int BPF_PROG(btf_seal_cgroup_attach, struct cgroup *dst_cgrp, const char *path,
	     struct task_struct *task, bool threadgroup)
{
	ig_seal_moved(dst_cgrp, task);
	return 0;
}
