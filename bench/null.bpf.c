// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Empty programs on the hooks inodeguard uses most. Their run time is what
 * kernel.bpf_stats_enabled reports for doing nothing, and the open cost with
 * one of them attached is the hook's dispatch cost; both are floors that no
 * protection logic can go below, measured in the same run as inodeguard.
 */
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

SEC("tracepoint/syscalls/sys_exit_openat")
int null_tp(void *ctx)
{
	return 0;
}

SEC("lsm/file_open")
int null_lsm(__u64 *ctx)
{
	return 0;
}

/* read() and write() pass this hook; inodeguard judges it for descriptors
 * opened before protection began. */
SEC("lsm/file_permission")
int null_lsm_perm(__u64 *ctx)
{
	return 0;
}

SEC("fmod_ret/security_file_open")
int null_fmr(__u64 *ctx)
{
	return 0;
}

SEC("fmod_ret/security_file_permission")
int null_fmr_perm(__u64 *ctx)
{
	return 0;
}

/*
 * The process watchers allow rules need (exec, fork, exit). They run on
 * every spawn whatever the policy, so the spawn benchmark's floor is these
 * hooks doing nothing: plain tracepoints on the tracepoint backend, BTF
 * tracepoints (as inodeguard uses there) on lsm and fmodret.
 */
SEC("tracepoint/sched/sched_process_exec")
int null_tp_exec(void *ctx)
{
	return 0;
}

SEC("tracepoint/sched/sched_process_fork")
int null_tp_fork(void *ctx)
{
	return 0;
}

SEC("tracepoint/sched/sched_process_exit")
int null_tp_exit(void *ctx)
{
	return 0;
}

SEC("tp_btf/sched_process_exec")
int null_btf_exec(__u64 *ctx)
{
	return 0;
}

SEC("tp_btf/sched_process_fork")
int null_btf_fork(__u64 *ctx)
{
	return 0;
}

SEC("tp_btf/sched_process_exit")
int null_btf_exit(__u64 *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
