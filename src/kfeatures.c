// SPDX-License-Identifier: GPL-2.0
/* kfeatures: probes of the running kernel that need no BPF program load, for `inodeguard check`. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>

#include <bpf/btf.h>

#include "kfeatures.h"
#include "kconfig.h"

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

__attribute__((format(printf, 4, 5)))
static void feature_set(struct feature *f, enum feature_state state,
			const char *value, const char *fmt, ...)
{
	va_list ap;

	f->state = state;
	snprintf(f->value, sizeof(f->value), "%s", value ? value : "");
	va_start(ap, fmt);
	vsnprintf(f->detail, sizeof(f->detail), fmt, ap);
	va_end(ap);
}

static void feature_init(struct feature *f)
{
	memset(f, 0, sizeof(*f));
	f->num = -1;
}

/* Reads a small pseudo-file into @buf, NUL-terminated, trailing newline
 * dropped. Returns the length or -errno.
 */
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

/* Makes sure securityfs is mounted at its usual place. Returns 0 or -errno:
 * -EPERM without CAP_SYS_ADMIN, -ENODEV if the kernel has no securityfs.
 */
static int securityfs_ensure(void)
{
	if (fs_is(SECURITYFS_DIR, SECURITYFS_MAGIC))
		return 0;
	if (mount("securityfs", SECURITYFS_DIR, "securityfs",
		  MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) == 0)
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
		if (v && strcmp(v, "y") == 0)
			feature_set(f, FEATURE_YES, "y", "built: CONFIG_BPF_LSM=y");
		else
			feature_set(f, FEATURE_NO, v ? v : "n",
				    "not built: CONFIG_BPF_LSM is not set in %s",
				    kconfig__source(kc));
		return 0;
	}

	/* No config to read: the bpf_lsm_* stubs, the attach points of LSM
	 * programs, exist in the kernel BTF exactly when BPF LSM is built.
	 */
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

int features__bpf_lsm_active(const struct kconfig *kc, struct feature *f)
{
	char list[512];
	const char *v;
	int err, n;

	feature_init(f);
	err = securityfs_ensure();
	if (err) {
		feature_set(f, FEATURE_UNKNOWN, NULL, "unknown: %s", securityfs_why(err));
		return err;
	}
	n = read_small_file(SECURITYFS_DIR "/lsm", list, sizeof(list));
	if (n < 0) {
		feature_set(f, FEATURE_UNKNOWN, NULL,
			    "unknown: cannot read " SECURITYFS_DIR "/lsm: %s", strerror(-n));
		return n;
	}
	if (list_has(list, "bpf")) {
		feature_set(f, FEATURE_YES, list, "active: bpf is in the LSM list (%s)", list);
		return 0;
	}

	/* Say what would fix it: a kernel without BPF LSM needs another
	 * kernel; one with it only needs the boot parameter.
	 */
	v = kc ? kconfig__value(kc, "CONFIG_BPF_LSM") : NULL;
	if (kc && !(v && strcmp(v, "y") == 0))
		feature_set(f, FEATURE_NO, list,
			    "not active: BPF LSM is not built into this kernel (LSM list: %s)", list);
	else
		feature_set(f, FEATURE_NO, list,
			    "not active: bpf is not in the LSM list (%s); boot with lsm=%s,bpf",
			    list, list);
	return 0;
}

int features__kprobe_override(const struct kconfig *kc, struct feature *f)
{
	const char *names[] = { "CONFIG_KPROBES", "CONFIG_BPF_KPROBE_OVERRIDE" };
	char missing[160] = "";
	size_t i, len = 0;
	const char *v;

	feature_init(f);
	if (!kc) {
		feature_set(f, FEATURE_UNKNOWN, NULL, "unknown: no kernel config to read");
		return -ENOENT;
	}
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		v = kconfig__value(kc, names[i]);
		if (v && strcmp(v, "y") == 0)
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

/* 0 if @dir has the syscall exit tracepoint, else -errno from access(). */
static int tracefs_has_syscall_tp(const char *dir)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/" SYSCALL_TP, dir);
	return access(path, F_OK) ? -errno : 0;
}

int features__syscall_tracepoints(const struct kconfig *kc, struct feature *f)
{
	const char *dirs[] = { TRACEFS_DIR, DEBUGFS_TRACING_DIR };
	const char *mounted = NULL;
	const char *v;
	size_t i;
	int err;

	feature_init(f);
	if (kc) {
		v = kconfig__value(kc, "CONFIG_FTRACE_SYSCALLS");
		if (!v || strcmp(v, "y") != 0) {
			feature_set(f, FEATURE_NO, NULL,
				    "not built: CONFIG_FTRACE_SYSCALLS is not set");
			return 0;
		}
	}

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		/* statfs on debug/tracing also triggers its tracefs automount. */
		if (!fs_is(dirs[i], TRACEFS_MAGIC))
			continue;
		mounted = dirs[i];
		err = tracefs_has_syscall_tp(dirs[i]);
		if (!err)
			goto found;
		if (err != -ENOENT)
			goto access_failed;
	}

	if (!mounted) {
		if (mount("tracefs", TRACEFS_DIR, "tracefs",
			  MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) && errno != EBUSY) {
			err = -errno;
			if (err == -ENODEV) {
				feature_set(f, FEATURE_NO, NULL,
					    "missing: this kernel has no tracefs (CONFIG_TRACING)");
				return 0;
			}
			feature_set(f, FEATURE_UNKNOWN, NULL,
				    "unknown: tracefs not mounted, and mounting it at " TRACEFS_DIR
				    " failed: %s%s", strerror(-err),
				    err == -EPERM ? " (needs CAP_SYS_ADMIN)" : "");
			return err;
		}
		mounted = TRACEFS_DIR;
		i = 0;
		err = tracefs_has_syscall_tp(TRACEFS_DIR);
		if (!err)
			goto found;
		if (err != -ENOENT)
			goto access_failed;
	}

	feature_set(f, FEATURE_NO, mounted,
		    "missing: tracefs at %s has no " SYSCALL_TP " (CONFIG_FTRACE_SYSCALLS off?)",
		    mounted);
	return 0;

found:
	feature_set(f, FEATURE_YES, dirs[i], "present: %s/" SYSCALL_TP, dirs[i]);
	return 0;

access_failed:
	feature_set(f, FEATURE_UNKNOWN, dirs[i], "unknown: cannot look into tracefs at %s: %s%s",
		    dirs[i], strerror(-err),
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
	err = securityfs_ensure();
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

int features__unprivileged_bpf_disabled(struct feature *f)
{
	const char *path = "/proc/sys/kernel/unprivileged_bpf_disabled";
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
	if (v == 0)
		snprintf(f->detail, sizeof(f->detail),
			 "0: unprivileged users may load some BPF programs");
	else if (v == 1)
		snprintf(f->detail, sizeof(f->detail),
			 "1: unprivileged BPF is off until reboot");
	else
		snprintf(f->detail, sizeof(f->detail),
			 "%ld: unprivileged BPF is off (root may turn it on)", v);
	f->state = v ? FEATURE_YES : FEATURE_NO;
	return 0;
}

int features__perf_event_paranoid(struct feature *f)
{
	const char *path = "/proc/sys/kernel/perf_event_paranoid";
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
	if (v > 0)
		snprintf(f->detail, sizeof(f->detail),
			 "%ld: system-wide perf events, as used to attach tracepoint programs, need CAP_PERFMON",
			 v);
	else
		snprintf(f->detail, sizeof(f->detail),
			 "%ld: system-wide perf events are open to unprivileged users", v);
	f->state = v > 0 ? FEATURE_YES : FEATURE_NO;
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
