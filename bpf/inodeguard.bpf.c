// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* All inodeguard programs. One object, one map layout; the loader turns on
 * the programs of one backend by their section prefix:
 *   lsm/        BPF LSM hooks            (backend "lsm")
 *   fmod_ret/   security_* functions     (backend "fmodret")
 *   tracepoint/ open-family and execve exit (backend "tracepoint", kill only)
 * Every program reduces its arguments to an inode and calls ig_decide(). */
#include "inodeguard.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

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

IG_HOOK(file_open,
	ig_decide(file->f_inode, IG_OP_OPEN, &file->f_path, true),
	struct file *file)

/* Reads and writes through descriptors opened before protection began. */
IG_HOOK(file_permission,
	ig_decide(file->f_inode, (mask & 2) ? IG_OP_WRITE : IG_OP_READ, NULL, false),
	struct file *file, int mask)

/* Descriptors passed over unix sockets and taken with pidfd_getfd. */
IG_HOOK(file_receive,
	ig_decide(file->f_inode, IG_OP_RECEIVE, NULL, false),
	struct file *file)

IG_HOOK(inode_unlink,
	ig_decide(ig_dentry_inode(dentry), IG_OP_UNLINK, NULL, false),
	struct inode *dir, struct dentry *dentry)

IG_HOOK(inode_link,
	ig_decide(ig_dentry_inode(old_dentry), IG_OP_LINK, NULL, false),
	struct dentry *old_dentry, struct inode *dir, struct dentry *new_dentry)

/* chmod, chown, utimes and truncate. An idmap first argument appeared in
 * security_inode_setattr() before it reached the LSM hook (6.8). */
IG_HOOK(inode_setattr,
	ig_decide(ig_dentry_inode(dentry), IG_OP_SETATTR, NULL, false),
	struct dentry *dentry, struct iattr *attr)
IG_HOOK_VARIANT(inode_setattr, idmap,
	ig_decide(ig_dentry_inode(dentry), IG_OP_SETATTR, NULL, false),
	void *idmap, struct dentry *dentry, struct iattr *attr)

IG_HOOK(path_truncate,
	ig_decide(ig_dentry_inode(path->dentry), IG_OP_TRUNCATE, NULL, false),
	const struct path *path)

/* ftruncate(2) on a descriptor; the hook exists from 6.2. */
IG_HOOK(file_truncate,
	ig_decide(file->f_inode, IG_OP_TRUNCATE, NULL, false),
	struct file *file)

/* The first argument is a user_namespace before 6.3 and an idmap after;
 * only the dentry is read, so one program fits both. */
IG_HOOK(inode_setxattr,
	ig_decide(ig_dentry_inode(dentry), IG_OP_SETXATTR, NULL, false),
	void *ns, struct dentry *dentry, const char *name, const void *value,
	size_t size, int flags)

IG_HOOK(inode_removexattr,
	ig_decide(ig_dentry_inode(dentry), IG_OP_REMOVEXATTR, NULL, false),
	void *ns, struct dentry *dentry, const char *name)

/* Both ends: renaming the file away and renaming another file over it. */
static __always_inline int ig_decide_rename(struct dentry *from, struct dentry *to)
{
	int ret = ig_decide(ig_dentry_inode(from), IG_OP_RENAME, NULL, false);

	return ret ? ret : ig_decide(ig_dentry_inode(to), IG_OP_RENAME, NULL, false);
}

/* RENAME_EXCHANGE calls the LSM hook twice, ends swapped; the security_
 * function once, with the flags. */
SEC("lsm/inode_rename")
int BPF_PROG(lsm_inode_rename, struct inode *old_dir, struct dentry *old_dentry,
	     struct inode *new_dir, struct dentry *new_dentry, int ret)
{
	return ret ? ret : ig_decide_rename(old_dentry, new_dentry);
}

SEC("fmod_ret/security_inode_rename")
int BPF_PROG(fmr_inode_rename, struct inode *old_dir, struct dentry *old_dentry,
	     struct inode *new_dir, struct dentry *new_dentry, unsigned int flags,
	     int ret)
{
	return ret ? ret : ig_decide_rename(old_dentry, new_dentry);
}

/* The LSM hook also gets reqprot; file is NULL for anonymous mappings. */
SEC("lsm/mmap_file")
int BPF_PROG(lsm_mmap_file, struct file *file, unsigned long reqprot,
	     unsigned long prot, unsigned long flags, int ret)
{
	if (ret || !file)
		return ret;
	return ig_decide(file->f_inode, IG_OP_MMAP, NULL, false);
}

SEC("fmod_ret/security_mmap_file")
int BPF_PROG(fmr_mmap_file, struct file *file, unsigned long prot,
	     unsigned long flags, int ret)
{
	if (ret || !file)
		return ret;
	return ig_decide(file->f_inode, IG_OP_MMAP, NULL, false);
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
 */
#ifndef IG_PROBE_READS
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;
#endif

/* current->files->fdt->fd[fd]. A sibling thread may close or dup2 the slot
 * meanwhile; then we judge whatever is there now, which is still a file
 * this process holds. */
static __always_inline struct file *ig_installed_file(long fd)
{
	/* BTF-typed loads up to the table: task is a typed pointer. */
	struct task_struct *task = bpf_get_current_task_btf();
	struct fdtable *fdt = task->files->fdt;
	struct file *file = NULL;

	if (fd < 0 || fd >= fdt->max_fds)
		return NULL;
#ifdef IG_PROBE_READS
	bpf_probe_read_kernel(&file, sizeof(file), &fdt->fd[fd]);
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
 * typed pointer in the default build, a raw address in the probe build. */
static __always_inline void ig_decide_file(struct file *file, __u32 op)
{
#ifdef IG_PROBE_READS
	ig_decide_untyped(BPF_CORE_READ(file, f_inode), op);
#else
	ig_decide(file->f_inode, op, NULL, false);
#endif
}

/* The binary execve just installed as the process's executable. */
static __always_inline struct file *ig_exe_file(void)
{
	struct task_struct *task = bpf_get_current_task_btf();

#ifdef IG_PROBE_READS
	return BPF_CORE_READ(task, mm, exe_file);
#else
	return task->mm->exe_file;
#endif
}

static __always_inline int ig_on_open_exit(long ret)
{
	struct file *file;

	if (ret < 0)
		return 0;
	file = ig_installed_file(ret);
	if (file)
		ig_decide_file(file, IG_OP_OPEN);
	return 0;
}

/* execve opens the binary inside the kernel, with no open-family syscall.
 * At its exit the new image has not run a single instruction, so a kill
 * here means the protected binary never executes. */
static __always_inline int ig_on_exec_exit(long ret)
{
	struct file *exe;

	if (ret < 0)
		return 0;
	exe = ig_exe_file();
	if (exe)
		ig_decide_file(exe, IG_OP_EXEC);
	return 0;
}

#define IG_TRACEPOINT(syscall, on_exit)					\
SEC("tracepoint/syscalls/sys_exit_" #syscall)				\
int tp_exit_##syscall(struct trace_event_raw_sys_exit *ctx)		\
{									\
	return on_exit(ctx->ret);					\
}

IG_TRACEPOINT(open, ig_on_open_exit)
IG_TRACEPOINT(openat, ig_on_open_exit)
IG_TRACEPOINT(openat2, ig_on_open_exit)
IG_TRACEPOINT(creat, ig_on_open_exit)
IG_TRACEPOINT(open_by_handle_at, ig_on_open_exit)
IG_TRACEPOINT(execve, ig_on_exec_exit)
IG_TRACEPOINT(execveat, ig_on_exec_exit)
