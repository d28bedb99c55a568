// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* All inodeguard programs. One object, one map layout; the loader turns on
 * the programs of one backend by their section prefix:
 *   lsm/        BPF LSM hooks            (backend "lsm")
 *   fmod_ret/   security_* functions     (backend "fmodret")
 *   tracepoint/ open-family and execve exit (backend "tracepoint", kill only)
 * Every program reduces its arguments to an inode and calls ig_decide(). */
#include "inodeguard.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* ---- lsm: a hook's nonzero return denies; ret carries earlier verdicts ---- */

SEC("lsm/file_open")
int BPF_PROG(lsm_file_open, struct file *file, int ret)
{
	if (ret)
		return ret;
	return ig_decide(file->f_inode, IG_OP_OPEN, &file->f_path, true);
}

/* Reads and writes through descriptors opened before protection began. */
SEC("lsm/file_permission")
int BPF_PROG(lsm_file_permission, struct file *file, int mask, int ret)
{
	if (ret)
		return ret;
	return ig_decide(file->f_inode, (mask & 2) ? IG_OP_WRITE : IG_OP_READ,
			 NULL, false);
}

SEC("lsm/mmap_file")
int BPF_PROG(lsm_mmap_file, struct file *file, unsigned long reqprot,
	     unsigned long prot, unsigned long flags, int ret)
{
	if (ret || !file)
		return ret;
	return ig_decide(file->f_inode, IG_OP_MMAP, NULL, false);
}

/* Descriptors passed over unix sockets and taken with pidfd_getfd. */
SEC("lsm/file_receive")
int BPF_PROG(lsm_file_receive, struct file *file, int ret)
{
	if (ret)
		return ret;
	return ig_decide(file->f_inode, IG_OP_RECEIVE, NULL, false);
}

SEC("lsm/inode_unlink")
int BPF_PROG(lsm_inode_unlink, struct inode *dir, struct dentry *dentry, int ret)
{
	if (ret)
		return ret;
	return ig_decide(ig_dentry_inode(dentry), IG_OP_UNLINK, NULL, false);
}

/* Both ends: renaming the file away and renaming another file over it.
 * RENAME_EXCHANGE calls the hook twice with the ends swapped. */
SEC("lsm/inode_rename")
int BPF_PROG(lsm_inode_rename, struct inode *old_dir, struct dentry *old_dentry,
	     struct inode *new_dir, struct dentry *new_dentry, int ret)
{
	if (ret)
		return ret;
	ret = ig_decide(ig_dentry_inode(old_dentry), IG_OP_RENAME, NULL, false);
	if (ret)
		return ret;
	return ig_decide(ig_dentry_inode(new_dentry), IG_OP_RENAME, NULL, false);
}

SEC("lsm/inode_link")
int BPF_PROG(lsm_inode_link, struct dentry *old_dentry, struct inode *dir,
	     struct dentry *new_dentry, int ret)
{
	if (ret)
		return ret;
	return ig_decide(ig_dentry_inode(old_dentry), IG_OP_LINK, NULL, false);
}

/* inode_setattr gained an idmap first argument in 6.8; the loader keeps
 * whichever of these two matches the running kernel's BTF. */
SEC("lsm/inode_setattr")
int BPF_PROG(lsm_inode_setattr, struct dentry *dentry, struct iattr *attr, int ret)
{
	if (ret)
		return ret;
	return ig_decide(ig_dentry_inode(dentry), IG_OP_SETATTR, NULL, false);
}

SEC("lsm/inode_setattr")
int BPF_PROG(lsm_inode_setattr_idmap, void *idmap, struct dentry *dentry,
	     struct iattr *attr, int ret)
{
	if (ret)
		return ret;
	return ig_decide(ig_dentry_inode(dentry), IG_OP_SETATTR, NULL, false);
}

SEC("lsm/path_truncate")
int BPF_PROG(lsm_path_truncate, const struct path *path, int ret)
{
	if (ret)
		return ret;
	return ig_decide(ig_dentry_inode(path->dentry), IG_OP_TRUNCATE, NULL, false);
}

/* ftruncate(2) on a descriptor; the hook exists from 6.2. */
SEC("lsm/file_truncate")
int BPF_PROG(lsm_file_truncate, struct file *file, int ret)
{
	if (ret)
		return ret;
	return ig_decide(file->f_inode, IG_OP_TRUNCATE, NULL, false);
}

/* The first argument is a user_namespace before 6.3 and an idmap after;
 * only the dentry is read, so one program fits both. Every argument is
 * declared all the same: ret comes after the last one. */
SEC("lsm/inode_setxattr")
int BPF_PROG(lsm_inode_setxattr, void *ns, struct dentry *dentry, const char *name,
	     const void *value, size_t size, int flags, int ret)
{
	if (ret)
		return ret;
	return ig_decide(ig_dentry_inode(dentry), IG_OP_SETXATTR, NULL, false);
}

SEC("lsm/inode_removexattr")
int BPF_PROG(lsm_inode_removexattr, void *ns, struct dentry *dentry,
	     const char *name, int ret)
{
	if (ret)
		return ret;
	return ig_decide(ig_dentry_inode(dentry), IG_OP_REMOVEXATTR, NULL, false);
}

/* ---- fmodret: a nonzero return skips security_*() and becomes its result ---- */

SEC("fmod_ret/security_file_open")
int BPF_PROG(fmr_file_open, struct file *file, int ret)
{
	if (ret)
		return ret;
	return ig_decide(file->f_inode, IG_OP_OPEN, &file->f_path, true);
}

SEC("fmod_ret/security_file_permission")
int BPF_PROG(fmr_file_permission, struct file *file, int mask, int ret)
{
	if (ret)
		return ret;
	return ig_decide(file->f_inode, (mask & 2) ? IG_OP_WRITE : IG_OP_READ,
			 NULL, false);
}

SEC("fmod_ret/security_mmap_file")
int BPF_PROG(fmr_mmap_file, struct file *file, unsigned long prot,
	     unsigned long flags, int ret)
{
	if (ret || !file)
		return ret;
	return ig_decide(file->f_inode, IG_OP_MMAP, NULL, false);
}

SEC("fmod_ret/security_file_receive")
int BPF_PROG(fmr_file_receive, struct file *file, int ret)
{
	if (ret)
		return ret;
	return ig_decide(file->f_inode, IG_OP_RECEIVE, NULL, false);
}

SEC("fmod_ret/security_inode_unlink")
int BPF_PROG(fmr_inode_unlink, struct inode *dir, struct dentry *dentry, int ret)
{
	if (ret)
		return ret;
	return ig_decide(ig_dentry_inode(dentry), IG_OP_UNLINK, NULL, false);
}

/* security_inode_rename() is called once, even for RENAME_EXCHANGE. */
SEC("fmod_ret/security_inode_rename")
int BPF_PROG(fmr_inode_rename, struct inode *old_dir, struct dentry *old_dentry,
	     struct inode *new_dir, struct dentry *new_dentry, unsigned int flags,
	     int ret)
{
	if (ret)
		return ret;
	ret = ig_decide(ig_dentry_inode(old_dentry), IG_OP_RENAME, NULL, false);
	if (ret)
		return ret;
	return ig_decide(ig_dentry_inode(new_dentry), IG_OP_RENAME, NULL, false);
}

SEC("fmod_ret/security_inode_link")
int BPF_PROG(fmr_inode_link, struct dentry *old_dentry, struct inode *dir,
	     struct dentry *new_dentry, int ret)
{
	if (ret)
		return ret;
	return ig_decide(ig_dentry_inode(old_dentry), IG_OP_LINK, NULL, false);
}

/* security_inode_setattr() took a namespace/idmap first argument earlier
 * than the LSM hook did; the loader picks by the function's BTF. */
SEC("fmod_ret/security_inode_setattr")
int BPF_PROG(fmr_inode_setattr, struct dentry *dentry, struct iattr *attr, int ret)
{
	if (ret)
		return ret;
	return ig_decide(ig_dentry_inode(dentry), IG_OP_SETATTR, NULL, false);
}

SEC("fmod_ret/security_inode_setattr")
int BPF_PROG(fmr_inode_setattr_idmap, void *idmap, struct dentry *dentry,
	     struct iattr *attr, int ret)
{
	if (ret)
		return ret;
	return ig_decide(ig_dentry_inode(dentry), IG_OP_SETATTR, NULL, false);
}

SEC("fmod_ret/security_path_truncate")
int BPF_PROG(fmr_path_truncate, const struct path *path, int ret)
{
	if (ret)
		return ret;
	return ig_decide(ig_dentry_inode(path->dentry), IG_OP_TRUNCATE, NULL, false);
}

SEC("fmod_ret/security_file_truncate")
int BPF_PROG(fmr_file_truncate, struct file *file, int ret)
{
	if (ret)
		return ret;
	return ig_decide(file->f_inode, IG_OP_TRUNCATE, NULL, false);
}

SEC("fmod_ret/security_inode_setxattr")
int BPF_PROG(fmr_inode_setxattr, void *ns, struct dentry *dentry, const char *name,
	     const void *value, size_t size, int flags, int ret)
{
	if (ret)
		return ret;
	return ig_decide(ig_dentry_inode(dentry), IG_OP_SETXATTR, NULL, false);
}

SEC("fmod_ret/security_inode_removexattr")
int BPF_PROG(fmr_inode_removexattr, void *ns, struct dentry *dentry,
	     const char *name, int ret)
{
	if (ret)
		return ret;
	return ig_decide(ig_dentry_inode(dentry), IG_OP_REMOVEXATTR, NULL, false);
}

/* ---- tracepoint: judge the file the syscall just installed ---- */

/* current->files->fdt->fd[fd]. A sibling thread may close or dup2 the slot
 * meanwhile; then we judge whatever is there now, which is still a file
 * this process holds. */
static __always_inline struct file *ig_installed_file(long fd)
{
	/* BTF-typed loads are plain loads with an exception fixup, far
	 * cheaper than a probe-read helper call per field. */
	struct task_struct *task = bpf_get_current_task_btf();
	struct fdtable *fdt = task->files->fdt;
	struct file *file = NULL;

	if (fd < 0 || fd >= fdt->max_fds)
		return NULL;
	bpf_probe_read_kernel(&file, sizeof(file), &fdt->fd[fd]);
	return file;
}

static __always_inline int ig_on_open_exit(long ret)
{
	struct file *file;

	if (ret < 0)
		return 0;
	file = ig_installed_file(ret);
	if (!file)
		return 0;
	ig_decide_untyped(BPF_CORE_READ(file, f_inode), IG_OP_OPEN);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_open")
int tp_exit_open(struct trace_event_raw_sys_exit *ctx)
{
	return ig_on_open_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_openat")
int tp_exit_openat(struct trace_event_raw_sys_exit *ctx)
{
	return ig_on_open_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_openat2")
int tp_exit_openat2(struct trace_event_raw_sys_exit *ctx)
{
	return ig_on_open_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_creat")
int tp_exit_creat(struct trace_event_raw_sys_exit *ctx)
{
	return ig_on_open_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_open_by_handle_at")
int tp_exit_open_by_handle_at(struct trace_event_raw_sys_exit *ctx)
{
	return ig_on_open_exit(ctx->ret);
}

/* execve opens the binary inside the kernel, with no open-family syscall.
 * At its exit the new image has not run a single instruction, so a kill
 * here means the protected binary never executes. */
static __always_inline int ig_on_exec_exit(long ret)
{
	struct task_struct *task = bpf_get_current_task_btf();

	if (ret < 0)
		return 0;
	ig_decide_untyped(BPF_CORE_READ(task, mm, exe_file, f_inode), IG_OP_EXEC);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_execve")
int tp_exit_execve(struct trace_event_raw_sys_exit *ctx)
{
	return ig_on_exec_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_execveat")
int tp_exit_execveat(struct trace_event_raw_sys_exit *ctx)
{
	return ig_on_exec_exit(ctx->ret);
}
