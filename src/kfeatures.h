/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Kernel probes: every fact of the running kernel that run and check ask. */
#ifndef IG_KFEATURES_H
#define IG_KFEATURES_H

/* Not named features.h: with -Isrc that would shadow glibc's <features.h>. */

struct kconfig;

enum feature_state {
	FEATURE_UNKNOWN = 0,	/* could not tell; detail says why */
	FEATURE_NO,
	FEATURE_YES,
};

struct feature {
	enum feature_state state;
	/* Machine-readable value where there is one, else "": the lockdown
	 * word, a sysctl number, the tracefs mount point. */
	char value[128];
	long num;		/* the sysctl value; -1 when not a number */
	char detail[256];	/* one line of plain words, no trailing newline */
};

/* Each probe fills @f and returns 0 when it could decide (yes or no), or
 * -errno when the state is FEATURE_UNKNOWN (detail still says why).
 * Functions taking @kc accept NULL when no kernel config could be found. */

/* /sys/kernel/btf/vmlinux present and readable. */
int features__btf(struct feature *f);

/* BPF LSM compiled in: CONFIG_BPF_LSM, or else the bpf_lsm_file_open stub in
 * the kernel BTF. */
int features__bpf_lsm_built(const struct kconfig *kc, struct feature *f);

/* "bpf" in /sys/kernel/security/lsm, read once per process; f->value holds
 * the list. Mounts securityfs if it is not mounted (needs CAP_SYS_ADMIN). */
int features__bpf_lsm_active(const struct kconfig *kc, struct feature *f);

/* CONFIG_BPF_KPROBE_OVERRIDE and CONFIG_KPROBES. */
int features__kprobe_override(const struct kconfig *kc, struct feature *f);

/* The tracefs directory in *@dir: /sys/kernel/tracing or
 * /sys/kernel/debug/tracing, whichever is tracefs, else tracefs mounted at
 * /sys/kernel/tracing. Found once per process. 0, or -errno (-ENODEV: the
 * kernel has no tracefs). */
int features__tracefs(const char **dir);

/* tracefs has events/syscalls/sys_exit_openat; f->value holds the tracefs
 * directory when one was found. */
int features__syscall_tracepoints(const struct kconfig *kc, struct feature *f);

/* The bracketed word of /sys/kernel/security/lockdown in f->value: "none",
 * "integrity" or "confidentiality". FEATURE_YES means lockdown is enforcing. */
int features__lockdown(struct feature *f);

/* /proc/sys/kernel/unprivileged_bpf_disabled in f->num. FEATURE_YES means
 * unprivileged BPF is disabled (1 or 2). */
int features__unprivileged_bpf_disabled(struct feature *f);

/* /proc/sys/kernel/perf_event_paranoid in f->num. FEATURE_YES means it is
 * above 0, so perf-based tracepoint attach needs CAP_PERFMON, or above 2
 * (Debian's level 3), CAP_SYS_ADMIN. */
int features__perf_event_paranoid(struct feature *f);

struct features {
	struct feature btf;
	struct feature bpf_lsm_built;
	struct feature bpf_lsm_active;
	struct feature kprobe_override;
	struct feature syscall_tracepoints;
	struct feature lockdown;
	struct feature unprivileged_bpf_disabled;
	struct feature perf_event_paranoid;
};

struct btf;

/* Whether the kernel has the BPF helper @name ("BPF_FUNC_loop"): its uapi
 * enum bpf_func_id, as the kernel's BTF carries it, names every helper
 * the kernel has. */
bool features__btf_has_helper(const struct btf *btf, const char *name);

/* bpf_loop (5.17), without which the loader takes the legacy build; true
 * when the kernel BTF cannot be read, since then nothing loads at all. */
bool features__bpf_loop(void);

/* The kernel preempts kernel code: the model debugfs names as current,
 * else "preempt=full|lazy" on its command line, else PREEMPT_LAZY or
 * PREEMPT as the config's default; true when none of them can be read. */
bool features__preempts_kernel_code(void);

/* Runs every probe above. Individual failures are recorded in their entry;
 * this returns 0 unless @out is NULL. */
int features__probe_all(const struct kconfig *kc, struct features *out);

const char *feature_state__str(enum feature_state state);

#endif
