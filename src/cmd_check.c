// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* `check`: what this kernel can enforce and why, from feature probes, the
 * kernel config requirements table, and real load/attach attempts. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include "backend.h"
#include "cli.h"
#include "json.h"
#include "kconfig.h"
#include "kfeatures.h"
#include "loader.h"
#include "log.h"
#include "privs.h"
#include "uring.h"
#include "state.h"

struct backend_probe {
	bool works;
	bool watches; /* exec, fork and ptrace, which allow rules need */
	char why[512];
	int missing_config; /* -1: no kernel config to compare with */
};

static void probe_backend(enum ig_backend b, struct backend_probe *p)
{
	/* Only whether it works: a tiny map, unloaded again. */
	struct ig_load_opts o = { .capacity = 16 };
	struct ig_instance inst = {};

	p->works = backend__probe(b, &o, &inst, p->why, sizeof(p->why)) == 0;
	if (!p->works)
		return;
	p->watches = loader__watching(&inst);
	loader__unload(&inst);
	snprintf(p->why, sizeof(p->why), "loads, attaches and runs; allow rules: %s",
		 p->watches ? "yes" : "no (exec, fork or ptrace cannot be watched)");
}

static void count_missing(const char *name, const char *want, const char *why, void *ctx)
{
	(void)name;
	(void)want;
	(void)why;
	(*(int *)ctx)++;
}

static void print_feature_text(const char *label, const struct feature *f)
{
	printf("  %-22s %-8s %s\n", label, feature_state__str(f->state), f->detail);
}

static void print_feature_json(struct json *j, const char *key, const struct feature *f)
{
	json__key(j, key);
	json__begin_object(j);
	json__kv_str(j, "state", feature_state__str(f->state));
	if (f->value[0])
		json__kv_str(j, "value", f->value);
	json__kv_str(j, "detail", f->detail);
	json__end_object(j);
}

/* Whether protection is in force now, and who serves it. */
static void print_instance_text(void)
{
	struct ig_instance_status st;

	state__status(&st);
	if (st.state == IG_INSTANCE_SERVED)
		printf("instance: %sserved by pid %d (backend %s, %d links pinned)\n",
		       st.sealed ? "sealed until reboot, " : "", (int)st.pid, st.backend, st.links);
	else if (st.sealed)
		printf("instance: sealed until reboot, %d links pinned; its daemon is gone, and nothing can change or release it before a reboot\n",
		       st.links);
	else if (st.state == IG_INSTANCE_UNSERVED)
		printf("instance: %d links pinned; %s\n", st.links, IG_UNSERVED_NOTE);
	else
		printf("instance: none\n");
}

static void print_instance_json(struct json *j)
{
	struct ig_instance_status st;

	state__status(&st);
	json__key(j, "instance");
	json__begin_object(j);
	json__kv_str(j, "state", instance_state__str(st.state));
	json__kv_bool(j, "sealed", st.sealed);
	json__kv_int(j, "links", st.links);
	if (st.state == IG_INSTANCE_SERVED) {
		json__kv_int(j, "pid", st.pid);
		json__kv_str(j, "backend", st.backend);
	}
	if (st.state == IG_INSTANCE_UNSERVED)
		json__kv_str(j, "detail", IG_UNSERVED_NOTE);
	json__end_object(j);
}

/* What the tracepoint backend's --strict makes of io_uring here. */
static const char *uring_detail(void)
{
	return uring__sysctl_exists() ?
		"run --strict on a kill-only backend sets it to 2 while protection lasts" :
		"kernel.io_uring_disabled is missing (6.6+): run --strict on a kill-only backend refuses to start";
}

static void print_text(const struct utsname *u, const struct features *f,
		       const struct backend_probe *bp, const char *config_src, int pick)
{
	const struct ig_backend_info *info;
	const char *const *gap, *kernel_gap, *build_gap;
	int b;

	printf("inodeguard check: kernel %s (%s)\n", u->release, u->machine);
	print_feature_text("BTF", &f->btf);
	print_feature_text("BPF LSM built", &f->bpf_lsm_built);
	print_feature_text("BPF LSM active", &f->bpf_lsm_active);
	printf("  %-22s %-8s %s\n", "trampolines loadable", bp[IG_BACKEND_FMODRET].works ? "yes" : "no",
	       bp[IG_BACKEND_FMODRET].why);
	print_feature_text("kprobe override", &f->kprobe_override);
	print_feature_text("syscall tracepoints", &f->syscall_tracepoints);
	print_feature_text("lockdown", &f->lockdown);
	print_feature_text("unprivileged BPF off", &f->unprivileged_bpf_disabled);
	print_feature_text("perf events paranoid", &f->perf_event_paranoid);
	printf("  %-22s %-8s %s\n", "io_uring_disabled", uring__sysctl_exists() ? "yes" : "no",
	       uring_detail());
	printf("backends (proven by loading, attaching and one observed open):\n");
	for (b = 0; b < IG_BACKEND_COUNT; b++) {
		printf("  %-11s %-4s %s\n", backend__name(b), bp[b].works ? "yes" : "no", bp[b].why);
		if (bp[b].missing_config > 0)
			printf("  %-11s      kernel config lacks %d option(s): run Kconfig-check/kconfig-check.sh --backend %s\n",
			       "", bp[b].missing_config, backend__name(b));
	}
	printf("kernel config: %s\n", config_src ? config_src : "not found (/proc/config.gz, /boot/config-*)");
	print_instance_text();
	if (pick < 0) {
		printf("auto picks: none; nothing can be enforced on this kernel\n");
		return;
	}
	info = backend__info(pick);
	printf("auto picks: %s; levels honoured: %s\n", info->name, info->levels);
	kernel_gap = backend__kernel_gap(pick);
	build_gap = backend__build_gap();
	if (info->gaps[0] || kernel_gap || build_gap)
		printf("%s backend gaps:\n", info->name);
	for (gap = info->gaps; *gap; gap++)
		printf("  - %s\n", *gap);
	if (kernel_gap)
		printf("  - %s\n", kernel_gap);
	if (build_gap)
		printf("  - %s\n", build_gap);
}

static void print_json(const struct utsname *u, const struct features *f,
		       const struct backend_probe *bp, const char *config_src, int pick)
{
	struct json *j = log__json();
	const char *const *gap, *kernel_gap, *build_gap;
	int b;

	json__kv_str(j, "kernel", u->release);
	json__key(j, "features");
	json__begin_object(j);
	print_feature_json(j, "btf", &f->btf);
	print_feature_json(j, "bpf_lsm_built", &f->bpf_lsm_built);
	print_feature_json(j, "bpf_lsm_active", &f->bpf_lsm_active);
	json__key(j, "trampolines");
	json__begin_object(j);
	json__kv_str(j, "state", bp[IG_BACKEND_FMODRET].works ? "yes" : "no");
	json__kv_str(j, "detail", bp[IG_BACKEND_FMODRET].why);
	json__end_object(j);
	print_feature_json(j, "kprobe_override", &f->kprobe_override);
	print_feature_json(j, "syscall_tracepoints", &f->syscall_tracepoints);
	print_feature_json(j, "lockdown", &f->lockdown);
	print_feature_json(j, "unprivileged_bpf_disabled", &f->unprivileged_bpf_disabled);
	print_feature_json(j, "perf_event_paranoid", &f->perf_event_paranoid);
	json__key(j, "io_uring_disabled");
	json__begin_object(j);
	json__kv_str(j, "state", uring__sysctl_exists() ? "yes" : "no");
	json__kv_str(j, "detail", uring_detail());
	json__end_object(j);
	json__end_object(j);
	json__key(j, "backends");
	json__begin_object(j);
	for (b = 0; b < IG_BACKEND_COUNT; b++) {
		json__key(j, backend__name(b));
		json__begin_object(j);
		json__kv_bool(j, "works", bp[b].works);
		json__kv_bool(j, "allow_rules", bp[b].watches);
		json__kv_str(j, "detail", bp[b].why);
		json__kv_str(j, "levels", backend__info(b)->levels);
		json__kv_bool(j, "can_deny", backend__info(b)->can_deny);
		json__kv_int(j, "missing_config", bp[b].missing_config);
		json__end_object(j);
	}
	json__end_object(j);
	json__key(j, "kernel_config");
	if (config_src)
		json__str(j, config_src);
	else
		json__null(j);
	print_instance_json(j);
	json__key(j, "auto");
	if (pick >= 0)
		json__str(j, backend__name(pick));
	else
		json__null(j);
	json__key(j, "gaps");
	json__begin_array(j);
	for (gap = pick >= 0 ? backend__info(pick)->gaps : NULL; gap && *gap; gap++)
		json__str(j, *gap);
	kernel_gap = pick >= 0 ? backend__kernel_gap(pick) : NULL;
	if (kernel_gap)
		json__str(j, kernel_gap);
	build_gap = pick >= 0 ? backend__build_gap() : NULL;
	if (build_gap)
		json__str(j, build_gap);
	json__end_array(j);
}

int cmd_check(int argc, char **argv)
{
	struct backend_probe bp[IG_BACKEND_COUNT] = {};
	struct kconfig *kc = NULL;
	struct features f;
	struct utsname u;
	int opt, b, pick = -1;
	bool can_load;

	/* 0, not 1: glibc then also forgets a short-option cluster a previous
	 * parse stopped inside, which would point into a freed argv. */
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "jv", common_longopts, NULL)) != -1) {
		if (!cli__common_opt(opt)) {
			cli__bad_option(opt, argv, "check [-j]");
			return IG_EXIT_USAGE;
		}
	}
	uname(&u);
	kconfig__load(&kc);
	features__probe_all(kc, &f);
	can_load = privs__require_load() == 0;
	for (b = 0; b < IG_BACKEND_COUNT; b++) {
		bp[b].missing_config = -1;
		if (kc) {
			bp[b].missing_config = 0;
			kconfig__missing(kc, backend__name(b), count_missing, &bp[b].missing_config);
		}
		if (can_load)
			probe_backend(b, &bp[b]);
		else
			snprintf(bp[b].why, sizeof(bp[b].why), "not probed: needs CAP_BPF and CAP_PERFMON");
		if (bp[b].works && pick < 0)
			pick = b;
	}
	if (ig_global.json)
		print_json(&u, &f, bp, kc ? kconfig__source(kc) : NULL, pick);
	else
		print_text(&u, &f, bp, kc ? kconfig__source(kc) : NULL, pick);
	kconfig__free(kc);
	return pick >= 0 ? IG_EXIT_OK : IG_EXIT_FAIL;
}
