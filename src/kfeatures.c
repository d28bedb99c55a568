// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Kernel probes: every fact of the running kernel that run and check ask. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <bpf/btf.h>
#include "kconfig.h"
#include "kfeatures.h"

#define SECURITYFS_DIR "/sys/kernel/security"
#define TRACEFS_DIR "/sys/kernel/tracing"
#define DEBUGFS_TRACING_DIR "/sys/kernel/debug/tracing"
#define BTF_VMLINUX_PATH "/sys/kernel/btf/vmlinux"
#define SYSCALL_TP "events/syscalls/sys_exit_openat"

/* Older uapi headers lack these; values from include/uapi/linux/magic.h. */
#ifndef SECURITYFS_MAGIC
#define SECURITYFS_MAGIC 0x73636673
#endif
#ifndef TRACEFS_MAGIC
#define TRACEFS_MAGIC 0x74726163
#endif

const char *feature_state__str(enum feature_state state)
{
	switch (state) {
	case FEATURE_YES:
		return "yes";
	case FEATURE_NO:
		return "no";
	default:
		return "unknown";
	}
}

static void feature_vsay(struct feature *f, enum feature_state state,
			 const char *fmt, va_list ap)
{
	f->state = state;
	vsnprintf(f->detail, sizeof(f->detail), fmt, ap);
}

/* Sets the state and the detail, keeping the value. */
__attribute__((format(printf, 3, 4)))
static void feature_say(struct feature *f, enum feature_state state, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	feature_vsay(f, state, fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 4, 5)))
static void feature_set(struct feature *f, enum feature_state state,
			const char *value, const char *fmt, ...)
{
	va_list ap;

	snprintf(f->value, sizeof(f->value), "%s", value ? value : "");
	va_start(ap, fmt);
	feature_vsay(f, state, fmt, ap);
	va_end(ap);
}

static void feature_init(struct feature *f)
{
	memset(f, 0, sizeof(*f));
	f->num = -1;
}

static bool config_is_y(const struct kconfig *kc, const char *name)
{
	const char *v = kconfig__value(kc, name);

	return v && strcmp(v, "y") == 0;
}

/* Reads a small pseudo-file into @buf, NUL-terminated, trailing newline
 * dropped. Returns the length or -errno. */
static int read_small_file(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	err = n < 0 ? -errno : 0;
	close(fd);
	if (err)
		return err;
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return (int)n;
}

static int read_long_file(const char *path, long *out)
{
	char buf[32], *end;
	long v;
	int n;

	n = read_small_file(path, buf, sizeof(buf));
	if (n < 0)
		return n;
	errno = 0;
	v = strtol(buf, &end, 10);
	if (errno || end == buf)
		return -EINVAL;
	*out = v;
	return 0;
}

static bool fs_is(const char *dir, long magic)
{
	struct statfs st;

	return statfs(dir, &st) == 0 && (long)st.f_type == magic;
}

/* Mounts @type at @dir unless it is there already. 0 or -errno: -EPERM
 * without CAP_SYS_ADMIN, -ENODEV if the kernel lacks the filesystem. */
static int fs_ensure(const char *type, const char *dir, long magic)
{
	if (fs_is(dir, magic))
		return 0;
	if (mount(type, dir, type, MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) == 0)
		return 0;
	/* EBUSY: someone else mounted it in the meantime. */
	return errno == EBUSY ? 0 : -errno;
}

static const char *securityfs_why(int err)
{
	switch (err) {
	case -EPERM:
	case -EACCES:
		return "securityfs not mounted, and mounting it needs CAP_SYS_ADMIN";
	case -ENODEV:
		return "securityfs not mounted, and this kernel has no securityfs (CONFIG_SECURITYFS)";
	case -ENOENT:
		return "securityfs not mounted, and " SECURITYFS_DIR " does not exist";
	default:
		return "securityfs not mounted, and mounting it failed";
	}
}

int features__btf(struct feature *f)
{
	int fd, err;

	feature_init(f);
	fd = open(BTF_VMLINUX_PATH, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		close(fd);
		feature_set(f, FEATURE_YES, BTF_VMLINUX_PATH,
			    "present: " BTF_VMLINUX_PATH " is readable");
		return 0;
	}
	err = -errno;
	if (err == -ENOENT) {
		feature_set(f, FEATURE_NO, NULL,
			    "missing: no " BTF_VMLINUX_PATH " (kernel built without CONFIG_DEBUG_INFO_BTF)");
		return 0;
	}
	feature_set(f, FEATURE_UNKNOWN, NULL, "unknown: cannot open " BTF_VMLINUX_PATH ": %s",
		    strerror(-err));
	return err;
}

int features__bpf_lsm_built(const struct kconfig *kc, struct feature *f)
{
	struct btf *btf = NULL;
	const char *v;
	int id, err;

	feature_init(f);
	if (kc) {
		v = kconfig__value(kc, "CONFIG_BPF_LSM");
		if (config_is_y(kc, "CONFIG_BPF_LSM"))
			feature_set(f, FEATURE_YES, "y", "built: CONFIG_BPF_LSM=y");
		else
			feature_set(f, FEATURE_NO, v ? v : "n",
				    "not built: CONFIG_BPF_LSM is not set in %s",
				    kconfig__source(kc));
		return 0;
	}

	/* No config to read: the bpf_lsm_* stubs, the attach points of LSM
	 * programs, exist in the kernel BTF exactly when BPF LSM is built. */
	btf = btf__load_vmlinux_btf();
	if (!btf) {
		err = -errno;
		feature_set(f, FEATURE_UNKNOWN, NULL,
			    "unknown: no kernel config and no kernel BTF to look in (%s)",
			    strerror(-err));
		return err ? err : -ENOENT;
	}
	id = btf__find_by_name_kind(btf, "bpf_lsm_file_open", BTF_KIND_FUNC);
	if (id > 0)
		feature_set(f, FEATURE_YES, NULL,
			    "built: kernel BTF has bpf_lsm_file_open (no kernel config found)");
	else
		feature_set(f, FEATURE_NO, NULL,
			    "not built: kernel BTF has no bpf_lsm_file_open (no kernel config found)");
	btf__free(btf);
	return 0;
}

/* True if @list, comma-separated, holds the word @word. */
static bool list_has(const char *list, const char *word)
{
	size_t wlen = strlen(word);
	const char *p = list;

	while (p && *p) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);

		if (len == wlen && strncmp(p, word, len) == 0)
			return true;
		p = comma ? comma + 1 : NULL;
	}
	return false;
}

/* The active LSMs, read once: check reports them and then probes the lsm
 * backend, whose precheck asks again. */
static struct {
	bool read;
	int mount_err;
	int read_err;
	char list[512];
} lsm;

static void lsm_read(void)
{
	int n;

	if (lsm.read)
		return;
	lsm.read = true;
	lsm.mount_err = fs_ensure("securityfs", SECURITYFS_DIR, SECURITYFS_MAGIC);
	if (lsm.mount_err)
		return;
	n = read_small_file(SECURITYFS_DIR "/lsm", lsm.list, sizeof(lsm.list));
	lsm.read_err = n < 0 ? n : 0;
}

int features__bpf_lsm_active(const struct kconfig *kc, struct feature *f)
{
	feature_init(f);
	lsm_read();
	if (lsm.mount_err) {
		feature_set(f, FEATURE_UNKNOWN, NULL, "unknown: %s", securityfs_why(lsm.mount_err));
		return lsm.mount_err;
	}
	if (lsm.read_err) {
		feature_set(f, FEATURE_UNKNOWN, NULL,
			    "unknown: cannot read " SECURITYFS_DIR "/lsm: %s", strerror(-lsm.read_err));
		return lsm.read_err;
	}
	if (list_has(lsm.list, "bpf")) {
		feature_set(f, FEATURE_YES, lsm.list, "active: bpf is in the LSM list (%s)", lsm.list);
		return 0;
	}

	/* Say what would fix it: a kernel without BPF LSM needs another
	 * kernel; one with it only needs the boot parameter. */
	if (kc && !config_is_y(kc, "CONFIG_BPF_LSM"))
		feature_set(f, FEATURE_NO, lsm.list,
			    "not active: BPF LSM is not built into this kernel (LSM list: %s)",
			    lsm.list);
	else
		feature_set(f, FEATURE_NO, lsm.list,
			    "not active: bpf is not in the LSM list (%s); boot with lsm=%s,bpf",
			    lsm.list, lsm.list);
	return 0;
}

int features__kprobe_override(const struct kconfig *kc, struct feature *f)
{
	const char *names[] = { "CONFIG_KPROBES", "CONFIG_BPF_KPROBE_OVERRIDE" };
	char missing[160] = "";
	size_t i, len = 0;

	feature_init(f);
	if (!kc) {
		feature_set(f, FEATURE_UNKNOWN, NULL, "unknown: no kernel config to read");
		return -ENOENT;
	}
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (config_is_y(kc, names[i]))
			continue;
		len += snprintf(missing + len, sizeof(missing) - len, "%s%s",
				len ? " and " : "", names[i]);
		if (len >= sizeof(missing))
			break;
	}
	if (!missing[0])
		feature_set(f, FEATURE_YES, NULL,
			    "available: CONFIG_BPF_KPROBE_OVERRIDE=y and CONFIG_KPROBES=y");
	else
		feature_set(f, FEATURE_NO, NULL, "not available: %s not set", missing);
	return 0;
}

int features__tracefs(const char **dir)
{
	static const char *found;
	static int err = 1;	/* 1: not looked for yet */

	if (err > 0) {
		/* statfs on debug/tracing also triggers its tracefs automount. */
		if (fs_is(TRACEFS_DIR, TRACEFS_MAGIC))
			found = TRACEFS_DIR;
		else if (fs_is(DEBUGFS_TRACING_DIR, TRACEFS_MAGIC))
			found = DEBUGFS_TRACING_DIR;
		/* libbpf reads tracepoint ids from tracefs; mount it if nobody has. */
		else if (!(err = fs_ensure("tracefs", TRACEFS_DIR, TRACEFS_MAGIC)))
			found = TRACEFS_DIR;
		if (found)
			err = 0;
	}
	*dir = found;
	return err;
}

int features__syscall_tracepoints(const struct kconfig *kc, struct feature *f)
{
	char path[PATH_MAX];
	const char *dir;
	int err;

	feature_init(f);
	if (kc && !config_is_y(kc, "CONFIG_FTRACE_SYSCALLS")) {
		feature_set(f, FEATURE_NO, NULL, "not built: CONFIG_FTRACE_SYSCALLS is not set");
		return 0;
	}
	err = features__tracefs(&dir);
	if (err == -ENODEV) {
		feature_set(f, FEATURE_NO, NULL, "missing: this kernel has no tracefs (CONFIG_TRACING)");
		return 0;
	}
	if (err) {
		feature_set(f, FEATURE_UNKNOWN, NULL,
			    "unknown: tracefs not mounted, and mounting it at " TRACEFS_DIR
			    " failed: %s%s", strerror(-err),
			    err == -EPERM ? " (needs CAP_SYS_ADMIN)" : "");
		return err;
	}
	snprintf(path, sizeof(path), "%s/" SYSCALL_TP, dir);
	if (access(path, F_OK) == 0) {
		feature_set(f, FEATURE_YES, dir, "present: %s", path);
		return 0;
	}
	err = -errno;
	if (err == -ENOENT) {
		feature_set(f, FEATURE_NO, dir,
			    "missing: tracefs at %s has no " SYSCALL_TP " (CONFIG_FTRACE_SYSCALLS off?)",
			    dir);
		return 0;
	}
	feature_set(f, FEATURE_UNKNOWN, dir, "unknown: cannot look into tracefs at %s: %s%s",
		    dir, strerror(-err),
		    err == -EPERM ? " (lockdown=confidentiality refuses tracefs)" : "");
	return err;
}

int features__lockdown(struct feature *f)
{
	char buf[128], word[32];
	char *open_br, *close_br;
	size_t len;
	int err, n;

	feature_init(f);
	err = fs_ensure("securityfs", SECURITYFS_DIR, SECURITYFS_MAGIC);
	if (err) {
		feature_set(f, FEATURE_UNKNOWN, NULL, "unknown: %s", securityfs_why(err));
		return err;
	}
	n = read_small_file(SECURITYFS_DIR "/lockdown", buf, sizeof(buf));
	if (n == -ENOENT) {
		feature_set(f, FEATURE_NO, "none",
			    "none: this kernel has no lockdown LSM (CONFIG_SECURITY_LOCKDOWN_LSM)");
		return 0;
	}
	if (n < 0) {
		feature_set(f, FEATURE_UNKNOWN, NULL,
			    "unknown: cannot read " SECURITYFS_DIR "/lockdown: %s", strerror(-n));
		return n;
	}
	/* The file reads like "none [integrity] confidentiality". */
	open_br = strchr(buf, '[');
	close_br = open_br ? strchr(open_br, ']') : NULL;
	if (!close_br || (len = (size_t)(close_br - open_br - 1)) >= sizeof(word)) {
		feature_set(f, FEATURE_UNKNOWN, NULL,
			    "unknown: cannot parse " SECURITYFS_DIR "/lockdown: \"%s\"", buf);
		return -EINVAL;
	}
	memcpy(word, open_br + 1, len);
	word[len] = '\0';

	if (strcmp(word, "none") == 0)
		feature_set(f, FEATURE_NO, word, "none: no lockdown restrictions");
	else if (strcmp(word, "integrity") == 0)
		feature_set(f, FEATURE_YES, word,
			    "integrity: kernel modification and bpf_probe_write_user are refused; inodeguard needs neither");
	else if (strcmp(word, "confidentiality") == 0)
		feature_set(f, FEATURE_YES, word,
			    "confidentiality: tracefs and bpf_probe_read_kernel are refused, so the tracepoint backend cannot work");
	else
		feature_set(f, FEATURE_YES, word, "%s: unknown lockdown level", word);
	return 0;
}

/* Reads the number in sysctl file @path into f->num and f->value; on
 * failure the entry says why. */
static int feature_sysctl(struct feature *f, const char *path)
{
	long v;
	int err;

	feature_init(f);
	err = read_long_file(path, &v);
	if (err) {
		feature_set(f, FEATURE_UNKNOWN, NULL, "unknown: cannot read %s: %s", path,
			    strerror(-err));
		return err;
	}
	f->num = v;
	snprintf(f->value, sizeof(f->value), "%ld", v);
	return 0;
}

int features__unprivileged_bpf_disabled(struct feature *f)
{
	int err = feature_sysctl(f, "/proc/sys/kernel/unprivileged_bpf_disabled");

	if (err)
		return err;
	if (f->num == 0)
		feature_say(f, FEATURE_NO, "0: unprivileged users may load some BPF programs");
	else if (f->num == 1)
		feature_say(f, FEATURE_YES, "1: unprivileged BPF is off until reboot");
	else
		feature_say(f, FEATURE_YES, "%ld: unprivileged BPF is off (root may turn it on)",
			    f->num);
	return 0;
}

int features__perf_event_paranoid(struct feature *f)
{
	int err = feature_sysctl(f, "/proc/sys/kernel/perf_event_paranoid");

	if (err)
		return err;
	/* Debian patches the sysctl to accept 3, where perf_event_open()
	 * wants CAP_SYS_ADMIN and CAP_PERFMON is not enough. */
	if (f->num > 2)
		feature_say(f, FEATURE_YES,
			    "%ld: perf events, as used to attach tracepoint programs, need CAP_SYS_ADMIN (CAP_PERFMON is not enough above 2)",
			    f->num);
	else if (f->num > 0)
		feature_say(f, FEATURE_YES,
			    "%ld: system-wide perf events, as used to attach tracepoint programs, need CAP_PERFMON",
			    f->num);
	else
		feature_say(f, FEATURE_NO,
			    "%ld: system-wide perf events are open to unprivileged users", f->num);
	return 0;
}

int features__probe_all(const struct kconfig *kc, struct features *out)
{
	if (!out)
		return -EINVAL;
	/* Each probe records its own failure in its entry; none stops the rest. */
	features__btf(&out->btf);
	features__bpf_lsm_built(kc, &out->bpf_lsm_built);
	features__bpf_lsm_active(kc, &out->bpf_lsm_active);
	features__kprobe_override(kc, &out->kprobe_override);
	features__syscall_tracepoints(kc, &out->syscall_tracepoints);
	features__lockdown(&out->lockdown);
	features__unprivileged_bpf_disabled(&out->unprivileged_bpf_disabled);
	features__perf_event_paranoid(&out->perf_event_paranoid);
	return 0;
}

/* Whether the model named at @p ("full", "lazy", "voluntary", "none")
 * preempts kernel code. */
static bool preempt_model_preempts(const char *p)
{
	return !strncmp(p, "full", 4) || !strncmp(p, "lazy", 4);
}

/* The model a PREEMPT_DYNAMIC kernel runs now, which root can change at
 * run time: debugfs lists the models with the current one in
 * parentheses. -ENOENT where debugfs or the file is not there. */
static int preempt_model_now(bool *preempts)
{
	char line[128] = "";
	const char *p;
	FILE *f = fopen("/sys/kernel/debug/sched/preempt", "re");

	if (!f)
		return -ENOENT;
	p = fgets(line, sizeof(line), f) ? strchr(line, '(') : NULL;
	fclose(f);
	if (!p)
		return -ENOENT;
	*preempts = preempt_model_preempts(p + 1);
	return 0;
}

bool features__btf_has_helper(const struct btf *btf, const char *name)
{
	int id = btf__find_by_name_kind(btf, "bpf_func_id", BTF_KIND_ENUM);
	const struct btf_type *t = id < 0 ? NULL : btf__type_by_id(btf, id);
	const struct btf_enum *e;
	int i;

	if (!t)
		return false;
	e = btf_enum(t);
	for (i = 0; i < btf_vlen(t); i++)
		if (strcmp(btf__name_by_offset(btf, e[i].name_off), name) == 0)
			return true;
	return false;
}

bool features__bpf_loop(void)
{
	struct btf *btf = btf__load_vmlinux_btf();
	bool has;

	if (!btf)
		return true;
	has = features__btf_has_helper(btf, "BPF_FUNC_loop");
	btf__free(btf);
	return has;
}

/* The preemption model the kernel runs: debugfs's current one, else
 * "preempt=" on its command line, else the config's default
 * (PREEMPT_DYNAMIC kernels take any). Unknown counts as preempting: the
 * answer decides whether fmodret needs its backstop, and a missing
 * backstop fails open. */
bool features__preempts_kernel_code(void)
{
	struct kconfig *kc = NULL;
	char cmdline[4096] = "";
	bool full = true;
	const char *p;
	FILE *f;

	if (preempt_model_now(&full) == 0)
		return full;
	f = fopen("/proc/cmdline", "re");
	if (f) {
		if (!fgets(cmdline, sizeof(cmdline), f))
			cmdline[0] = '\0';
		fclose(f);
	}
	p = strstr(cmdline, "preempt=");
	if (p)
		return preempt_model_preempts(p + 8);
	if (kconfig__load(&kc))
		return true;
	full = kconfig__value(kc, "PREEMPT_LAZY") || kconfig__value(kc, "PREEMPT");
	kconfig__free(kc);
	return full;
}
