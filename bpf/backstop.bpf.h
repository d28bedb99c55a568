/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* The fmodret backend's backstop: a check the kernel skipped, caught at the
 * exit of the syscall it let through. Included by inodeguard.bpf.c after
 * the tracepoint helpers (ig_installed_file, ig_decide_file). */
#ifndef IG_BACKSTOP_BPF_H
#define IG_BACKSTOP_BPF_H

/*
 * Why: an fmod_ret program runs behind the BPF trampoline's per-CPU
 * recursion guard (prog->active). While a task is preempted inside it, the
 * kernel skips that program for every other task on the CPU, and a skipped
 * fmod_ret check allows. Kernels that preempt kernel code (PREEMPT,
 * PREEMPT_LAZY) do that under load. A tracepoint runs its programs with
 * preemption off, so no task is ever preempted inside this one and the
 * guard never skips it for another task.
 *
 * That holds for the perf-event side of a tracepoint (a BPF_PROG_TYPE_
 * TRACEPOINT program), which perf runs with preemption off, not for BTF
 * tracepoints: from 6.13 the syscall tracepoints may fault, and their
 * tp_btf programs run preemptible behind the same per-program guard.
 * Measured on 7.3 under load: a tp_btf/sys_exit program was skipped
 * 81,524 times in 5 s.
 *
 * So on such kernels the fmodret backend also attaches this program to
 * raw_syscalls:sys_exit. For the syscalls that reach a file's bytes it
 * judges the file again, with the same verdict and subject the fmod_ret
 * hook would have used; a deny or kill rule for an operation that
 * succeeded means the check was skipped, and the process is killed before
 * it runs another instruction. Namespace changes (unlink, rename, link,
 * setattr, xattr, truncate) and writes have happened by then, and io_uring
 * passes no syscall exit: docs/threat-model.md lists what stays open.
 */

/* What a syscall did to which descriptor: up to two per call (sendfile,
 * splice and copy_file_range read one and write the other). */
struct ig_exit_call {
	long fd0, fd1;
	__u32 op0, op1;
	__u32 n;
};

static __always_inline void ig_exit_add(struct ig_exit_call *c, long fd, __u32 op)
{
	if (c->n == 0) {
		c->fd0 = fd;
		c->op0 = op;
	} else {
		c->fd1 = fd;
		c->op1 = op;
	}
	c->n++;
}

#define IG_MAP_ANONYMOUS 0x20
#define IG_X32_SYSCALL_BIT 0x40000000
#define IG_TS_COMPAT 0x0002 /* x86 thread_info.status: a 32-bit syscall */

/* The ia32 mmap(2), before mmap2, passes its arguments in memory. */
struct ig_ia32_mmap_args {
	__u32 addr, len, prot, flags, fd, offset;
};

/*
 * The syscall's registers, for its arguments: bpf_task_pt_regs (5.15).
 * The legacy build, for kernels without bpf_loop (before 5.17), cannot
 * call it and judges opens alone, whose descriptor is their result; of
 * those kernels, Debian's 5.10 does not preempt kernel code at all.
 */
static __always_inline struct pt_regs *ig_syscall_regs(void)
{
#ifdef IG_LEGACY
	return NULL;
#else
	return (struct pt_regs *)bpf_task_pt_regs(ig_current_task());
#endif
}

/*
 * The x86-64 and x32 syscalls (their arguments in di, si, dx, r10, r8):
 * the descriptors a successful call read, wrote or mapped. Opens are
 * taken from their result. The numbers are the kernel's uapi ones.
 */
static __always_inline void ig_exit_native(struct pt_regs *regs, long nr, long ret,
					   struct ig_exit_call *c)
{
	switch (nr) {
	case 2: case 85: case 257: case 304: case 437: /* open creat openat open_by_handle_at openat2 */
		ig_exit_add(c, ret, IG_OP_OPEN);
		return;
	}
	if (!regs)
		return;
	switch (nr) {
	case 0: case 17: case 19: case 295: case 327: /* read pread64 readv preadv preadv2 */
	case 515: case 534: case 546:                  /* x32 readv preadv preadv2 */
		if (ret > 0)
			ig_exit_add(c, regs->di, IG_OP_READ);
		break;
	case 1: case 18: case 20: case 296: case 328: /* write pwrite64 writev pwritev pwritev2 */
	case 516: case 535: case 547:                  /* x32 writev pwritev pwritev2 */
		if (ret > 0)
			ig_exit_add(c, regs->di, IG_OP_WRITE);
		break;
	case 40: /* sendfile(out_fd, in_fd, ...) */
		if (ret > 0) {
			ig_exit_add(c, regs->si, IG_OP_READ);
			ig_exit_add(c, regs->di, IG_OP_WRITE);
		}
		break;
	case 275: case 326: /* splice, copy_file_range(fd_in, off_in, fd_out, ...) */
		if (ret > 0) {
			ig_exit_add(c, regs->di, IG_OP_READ);
			ig_exit_add(c, regs->dx, IG_OP_WRITE);
		}
		break;
	case 9: /* mmap(addr, len, prot, flags, fd, off) */
		if (!(regs->r10 & IG_MAP_ANONYMOUS))
			ig_exit_add(c, (int)regs->r8, IG_OP_MMAP);
		break;
	}
}

/* The ia32 syscalls of a 32-bit process (arguments in bx, cx, dx, si, di). */
static __always_inline void ig_exit_ia32(struct pt_regs *regs, long nr, long ret,
					 struct ig_exit_call *c)
{
	struct ig_ia32_mmap_args a;

	switch (nr) {
	case 5: case 8: case 295: case 342: case 437: /* open creat openat open_by_handle_at openat2 */
		ig_exit_add(c, ret, IG_OP_OPEN);
		return;
	}
	if (!regs)
		return;
	switch (nr) {
	case 3: case 145: case 180: case 333: case 378: /* read readv pread64 preadv preadv2 */
		if (ret > 0)
			ig_exit_add(c, (int)regs->bx, IG_OP_READ);
		break;
	case 4: case 146: case 181: case 334: case 379: /* write writev pwrite64 pwritev pwritev2 */
		if (ret > 0)
			ig_exit_add(c, (int)regs->bx, IG_OP_WRITE);
		break;
	case 187: case 239: /* sendfile, sendfile64 */
		if (ret > 0) {
			ig_exit_add(c, (int)regs->cx, IG_OP_READ);
			ig_exit_add(c, (int)regs->bx, IG_OP_WRITE);
		}
		break;
	case 313: case 377: /* splice, copy_file_range */
		if (ret > 0) {
			ig_exit_add(c, (int)regs->bx, IG_OP_READ);
			ig_exit_add(c, (int)regs->dx, IG_OP_WRITE);
		}
		break;
	case 192: /* mmap2 */
		if (!(regs->si & IG_MAP_ANONYMOUS))
			ig_exit_add(c, (int)regs->di, IG_OP_MMAP);
		break;
	case 90: /* old mmap: its arguments are a struct in user memory */
		if (!bpf_probe_read_user(&a, sizeof(a), (void *)(regs->bx & 0xffffffff)) &&
		    !(a.flags & IG_MAP_ANONYMOUS))
			ig_exit_add(c, (int)a.fd, IG_OP_MMAP);
		break;
	}
}

/* A 32-bit syscall, also int 0x80 from a 64-bit process: the kernel marks
 * the thread while it runs one. */
static __always_inline bool ig_in_ia32_syscall(void)
{
	struct task_struct *task = ig_current_task();

	return IG_CUR(task, thread_info.status) & IG_TS_COMPAT;
}

/* An O_PATH descriptor reaches no file_open check and gives no bytes. */
#define IG_FMODE_PATH 0x4000

/* One descriptor of the call, judged as its fmod_ret hook judges it: an
 * open by the file and where it was opened, the rest by key. A subprogram,
 * so that a call's second descriptor reuses its instructions; nonzero
 * when the descriptor was refused. */
static __noinline int ig_exit_judge(long fd, __u32 op)
{
	struct file *file = ig_installed_file(fd);

	if (!file)
		return 0;
	if (op == IG_OP_OPEN && (IG_LOAD(IG_TYPED, file, f_mode) & IG_FMODE_PATH))
		return 0;
	return ig_decide_file(file, op, op == IG_OP_OPEN, true);
}

static __always_inline void ig_backstop(long nr, long ret)
{
	struct ig_exit_call c = {};
	struct pt_regs *regs;

	if (ret < 0 && ret >= -4095)
		return; /* failed: nothing reached anybody */
	regs = ig_syscall_regs();
	if (ig_in_ia32_syscall())
		ig_exit_ia32(regs, nr, ret, &c);
	else
		ig_exit_native(regs, nr & ~IG_X32_SYSCALL_BIT, ret, &c);
	if (!c.n)
		return;
	/* Two calls, not bpf_loop (see fmr_inode_rename): in a 7.3 guest
	 * this program's load took 5.9 s through bpf_loop and 0.6 to 0.9 s so. */
	if (!ig_exit_judge(c.fd0, c.op0) && c.n > 1)
		ig_exit_judge(c.fd1, c.op1);
}

#endif /* IG_BACKSTOP_BPF_H */
