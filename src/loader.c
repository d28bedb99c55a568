// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Load stage: one backend's programs loaded and attached, sharing the
 * pinned maps of an earlier instance where the layout allows. */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "inodeguard.h"
#include "inodeguard.skel.h"
/* Only for its ELF bytes: the same programs, maps and globals, so the one
 * skeleton above describes it too. */
#include "inodeguard_probe.skel.h"
#include "inodeguard_legacy.skel.h"
#include "kfeatures.h"
#include "loader.h"
#include "log.h"

static bool has_prefix(const char *s, const char *prefix)
{
	return prefix && strncmp(s, prefix, strlen(prefix)) == 0;
}

/* A tracepoint like the tracepoint backend's, but kept only when asked
 * for, whatever the backend. */
#define BACKSTOP_SECTION "tracepoint/raw_syscalls/sys_exit"

/* The seal's programs (lsm_seal_*, fmr_seal_*, btf_seal_*): loaded only
 * under run --seal, since they cost a call on hot hooks (inode_permission,
 * file_permission) that only a sealed instance needs. */
static bool is_seal_program(const struct bpf_program *prog)
{
	return strstr(bpf_program__name(prog), "_seal_") != NULL;
}

static bool prog_in_sections(const struct bpf_program *prog, const struct ig_load_opts *o)
{
	const char *sec = bpf_program__section_name(prog);

	if (strcmp(sec, BACKSTOP_SECTION) == 0)
		return o->backstop;
	if (is_seal_program(prog) && !o->seal)
		return false;
	return has_prefix(sec, o->section_prefix) || has_prefix(sec, o->void_section_prefix) ||
	       has_prefix(sec, o->watch_section_prefix);
}

/* The number of parameters of a kernel function, -1 if BTF lacks it. */
static int btf_func_params(const struct btf *btf, const char *func)
{
	const struct btf_type *t;
	int id;

	id = btf__find_by_name_kind(btf, func, BTF_KIND_FUNC);
	if (id < 0)
		return -1;
	t = btf__type_by_id(btf, id);
	t = t ? btf__type_by_id(btf, t->type) : NULL;
	return t ? btf_vlen(t) : -1;
}

static bool kernel_has_rdonly_cast(const struct btf *btf)
{
	return btf__find_by_name_kind(btf, "bpf_rdonly_cast", BTF_KIND_FUNC) >= 0;
}

/*
 * Hooks that come in more than one signature, each variant a program of
 * its own (lsm_HOOK, fmr_HOOK): the parameter count of the kernel function
 * each variant fits. inode_setattr gained an idmap first argument in
 * security_inode_setattr and, in 6.8, in the LSM hook; the xattr hooks
 * gained a user namespace first argument in 5.12. security_bpf() gained a
 * last argument, kernel, in 6.14. The seal's programs have the same.
 */
static const struct {
	const char *hook;
	int params;
} hook_variants[] = {
	{ "inode_setattr", 2 },
	{ "inode_setattr_idmap", 3 },
	{ "inode_setxattr", 6 },
	{ "inode_setxattr_nons", 5 },
	{ "inode_removexattr", 3 },
	{ "inode_removexattr_nons", 2 },
	{ "seal_inode_setattr", 2 },
	{ "seal_inode_setattr_idmap", 3 },
	{ "seal_inode_setxattr", 6 },
	{ "seal_inode_setxattr_nons", 5 },
	{ "seal_inode_removexattr", 3 },
	{ "seal_inode_removexattr_nons", 2 },
	{ "seal_bpf", 3 },
	{ "seal_bpf_kernel", 4 },
};

/* The parameter count the program's variant fits, -1 for any. */
static int variant_params(const char *name)
{
	const char *hook = strchr(name, '_');
	size_t i;

	for (i = 0; hook && i < sizeof(hook_variants) / sizeof(hook_variants[0]); i++)
		if (strcmp(hook + 1, hook_variants[i].hook) == 0)
			return hook_variants[i].params;
	return -1;
}

/*
 * Whether the running kernel has what this program hooks. Programs for
 * hooks the kernel lacks are not loaded (file_truncate appeared in 6.2),
 * nor variants for another signature (hook_variants).
 */
static bool kernel_has_target(const struct btf *btf, const struct bpf_program *prog)
{
	const char *sec = bpf_program__section_name(prog);
	const char *target = strchr(sec, '/');
	char func[128], file[512];
	const char *tracefs;
	int params, want;

	if (!target)
		return false;
	target++;
	switch (bpf_program__type(prog)) {
	case BPF_PROG_TYPE_TRACEPOINT:
		if (features__tracefs(&tracefs))
			return false;
		snprintf(file, sizeof(file), "%s/events/%s", tracefs, target);
		return access(file, F_OK) == 0;
	case BPF_PROG_TYPE_TRACING:
		/* A BTF tracepoint's target is its btf_trace_ typedef. */
		if (has_prefix(sec, "tp_btf/")) {
			snprintf(func, sizeof(func), "btf_trace_%s", target);
			return btf__find_by_name_kind(btf, func, BTF_KIND_TYPEDEF) >= 0;
		}
		snprintf(func, sizeof(func), "%s", target);
		break;
	case BPF_PROG_TYPE_LSM:
		/* LSM programs attach to the hook's bpf_lsm_ stub. */
		snprintf(func, sizeof(func), "bpf_lsm_%s", target);
		break;
	default:
		/* fmod_ret and fentry: the kernel function itself. */
		snprintf(func, sizeof(func), "%s", target);
		break;
	}
	params = btf_func_params(btf, func);
	if (params < 0)
		return false;
	want = variant_params(bpf_program__name(prog));
	return want < 0 || params == want;
}

static int select_programs(struct inodeguard_bpf *skel, const struct ig_load_opts *o,
			   const struct btf *btf, char *why, size_t len)
{
	struct bpf_program *prog;
	const char *tracefs;
	int kept = 0;

	bpf_object__for_each_program(prog, skel->obj) {
		bool mine = prog_in_sections(prog, o), keep;

		if (mine && bpf_program__type(prog) == BPF_PROG_TYPE_TRACEPOINT &&
		    features__tracefs(&tracefs)) {
			snprintf(why, len, "tracefs is not mounted and could not be mounted");
			return -ENOENT;
		}
		keep = mine && kernel_has_target(btf, prog);
		bpf_program__set_autoload(prog, keep);
		if (keep)
			kept++;
		else if (mine)
			p_debug("%s (%s) not for this kernel, not loaded",
				bpf_program__name(prog), bpf_program__section_name(prog));
	}
	if (!kept) {
		snprintf(why, len, "this kernel has none of its hooks");
		return -ENOENT;
	}
	return 0;
}

/* Tracepoint programs attach through perf_event_open(), which Debian's
 * perf_event_paranoid level 3 keeps from all but CAP_SYS_ADMIN. */
static bool perf_events_need_sys_admin(const struct bpf_program *prog, int err)
{
	struct feature paranoid;

	if (bpf_program__type(prog) != BPF_PROG_TYPE_TRACEPOINT ||
	    (err != -EACCES && err != -EPERM))
		return false;
	return features__perf_event_paranoid(&paranoid) == 0 && paranoid.num > 2;
}

static int attach_programs(struct ig_instance *inst, char *why, size_t len)
{
	struct bpf_program *prog;
	struct bpf_link *link;
	size_t n = 0;
	int err;

	bpf_object__for_each_program(prog, inst->skel->obj)
		n += bpf_program__autoload(prog);
	inst->links = calloc(n, sizeof(*inst->links));
	if (!inst->links)
		return -ENOMEM;
	bpf_object__for_each_program(prog, inst->skel->obj) {
		if (!bpf_program__autoload(prog))
			continue;
		link = bpf_program__attach(prog);
		if (!link) {
			err = -errno;
			snprintf(why, len, "attaching %s failed: %s%s",
				 bpf_program__section_name(prog), strerror(-err),
				 perf_events_need_sys_admin(prog, err) ?
				 " (kernel.perf_event_paranoid is 3, which allows tracepoint events"
				 " only with CAP_SYS_ADMIN; grant it or set the sysctl to 2)" : "");
			return err;
		}
		inst->links[inst->nlinks++] = link;
	}
	return 0;
}

static bool any_attached(struct bpf_object *obj, const char *const *names)
{
	const struct bpf_program *prog;

	for (; *names; names++) {
		prog = bpf_object__find_program_by_name(obj, *names);
		if (prog && bpf_program__autoload(prog))
			return true;
	}
	return false;
}

static __u64 boottime_ns(void)
{
	struct timespec now;

	clock_gettime(CLOCK_BOOTTIME, &now);
	return (__u64)now.tv_sec * 1000000000ull + (__u64)now.tv_nsec;
}

/*
 * Allow rules trust a process only if the watchers saw it start: until
 * watch_since is set, every process is "unseen" and passes no grant. So
 * it is set only when exec, fork and ptrace are all watched, and only
 * once they are attached; a process started before is unseen until it
 * runs execve.
 */
static void start_watch(struct ig_instance *inst)
{
	static const char *const exec[] = { "btf_exec", "tp_exec", NULL };
	static const char *const fork[] = { "btf_fork", "tp_fork", NULL };
	static const char *const ptrace[] = { "lsm_ptrace_access_check", "fmr_ptrace_access_check",
					      "tp_enter_ptrace", NULL };
	struct bpf_object *obj = inst->skel->obj;

	if (!any_attached(obj, exec) || !any_attached(obj, fork) || !any_attached(obj, ptrace)) {
		p_debug("exec%s, fork%s or ptrace%s is not watched here: allow rules would grant nothing",
			any_attached(obj, exec) ? "" : " (missing)", any_attached(obj, fork) ? "" : " (missing)",
			any_attached(obj, ptrace) ? "" : " (missing)");
		return;
	}
	/* An adopted instance's watchers never stopped: what they saw start
	 * is still seen, so a service started before the restart keeps its
	 * grant. */
	if (inst->skel->bss->watch_since)
		return;
	inst->skel->bss->watch_since = boottime_ns();
}

/*
 * The skeleton for this kernel: the default build's bytes; where
 * bpf_rdonly_cast is missing (before 6.2), the IG_PROBE_READS build's; and
 * where bpf_loop is missing too (before 5.17), the IG_LEGACY build's, which
 * also does without what came from 5.11 to 5.12 (see key.bpf.h). All
 * builds have the same programs, maps and globals, which is what the
 * skeleton's layout describes; only program bodies differ.
 */
static struct inodeguard_bpf *open_skeleton(const struct btf *btf)
{
	struct inodeguard_bpf *skel;
	const void *bytes;
	size_t size;
	int err;

	if (kernel_has_rdonly_cast(btf))
		return inodeguard_bpf__open();
	if (features__btf_has_helper(btf, "BPF_FUNC_loop")) {
		bytes = inodeguard_probe_bpf__elf_bytes(&size);
	} else {
		bytes = inodeguard_legacy_bpf__elf_bytes(&size);
		p_debug("no bpf_loop in this kernel: loading the legacy build");
	}
	skel = calloc(1, sizeof(*skel));
	if (!skel)
		return NULL;
	err = inodeguard_bpf__create_skeleton(skel);
	if (!err) {
		skel->skeleton->data = (void *)bytes;
		skel->skeleton->data_sz = size;
		err = bpf_object__open_skeleton(skel->skeleton, NULL);
	}
	if (err) {
		inodeguard_bpf__destroy(skel);
		errno = -err;
		return NULL;
	}
	return skel;
}

/* Old and new programs then share every state map: no entry is missing
 * from either for a moment, and what the kernel learned stays. */
static int reuse_if_same_layout(struct ig_instance *inst, char *why, size_t len)
{
	__u64 pinned;
	int err;

	if (pins__pinned_layout(&pinned) || pinned != inst->layout)
		return 0;
	err = pins__reuse_maps(inst->skel->obj, why, len);
	inst->reused = !err;
	return err;
}

int loader__load(const struct ig_load_opts *o, struct ig_instance *inst,
		 char *why, size_t len)
{
	struct inodeguard_bpf *skel;
	struct btf *btf;
	int err;

	memset(inst, 0, sizeof(*inst));
	btf = btf__load_vmlinux_btf();
	if (!btf) {
		err = -errno;
		snprintf(why, len, "kernel BTF unavailable (/sys/kernel/btf/vmlinux): %s",
			 strerror(-err));
		return err;
	}
	skel = open_skeleton(btf);
	if (!skel) {
		err = -errno;
		snprintf(why, len, "opening the BPF object failed: %s", strerror(-err));
		btf__free(btf);
		return err;
	}
	inst->skel = skel;
	skel->rodata->enforce_root = o->enforce_root;
	skel->rodata->kill_only = o->kill_only;
	/* Every file entry has one name: the names map holds as many. */
	err = bpf_map__set_max_entries(skel->maps.protected, o->capacity);
	if (!err)
		err = bpf_map__set_max_entries(skel->maps.names, o->capacity);
	if (err) {
		snprintf(why, len, "setting capacity %u failed: %s", o->capacity, strerror(-err));
		goto cleanup;
	}
	err = select_programs(skel, o, btf, why, len);
	btf__free(btf);
	btf = NULL;
	if (!err)
		err = pins__layout(skel->obj, &inst->layout);
	/* A sealed instance shares no map with the one it adopts: whoever
	 * held a descriptor of those would keep it past the seal. */
	if (!err && o->adopt && !o->seal)
		err = reuse_if_same_layout(inst, why, len);
	if (err)
		goto cleanup;
	err = inodeguard_bpf__load(skel);
	if (err) {
		snprintf(why, len, "loading its programs failed: %s%s", strerror(-err),
			 log_verbose ? "" : " (-v shows libbpf's log)");
		goto cleanup;
	}
	/* Shared maps may come from an instance that was being released. */
	skel->bss->released = 0;
	err = attach_programs(inst, why, len);
	if (err)
		goto cleanup;
	start_watch(inst);
	/* Shared maps keep the first instance's start (carried-over ones get
	 * it back in loader__carry_over): uptime spans adoptions. */
	if (!skel->bss->instance_since)
		skel->bss->instance_since = boottime_ns();
	return 0;
cleanup:
	btf__free(btf);
	loader__unload(inst);
	return err;
}

/* The maps live operations reach, by their name in the object; each is
 * pinned as IG_PIN_DIR/NAME. */
static const struct {
	const char *name;
	size_t fd_offset;
} live_maps[] = {
	{ "protected", offsetof(struct ig_maps, protected_fd) },
	{ "learn", offsetof(struct ig_maps, learn_fd) },
	{ "filter", offsetof(struct ig_maps, filter_fd) },
	{ "names", offsetof(struct ig_maps, names_fd) },
	{ "rule_kinds", offsetof(struct ig_maps, kinds_fd) },
	{ "grants", offsetof(struct ig_maps, grants_fd) },
	{ "exes", offsetof(struct ig_maps, exes_fd) },
	{ "exe_names", offsetof(struct ig_maps, exe_names_fd) },
	{ "cgroups", offsetof(struct ig_maps, cgroups_fd) },
	{ "cgroup_paths", offsetof(struct ig_maps, cgroup_paths_fd) },
};

#define LIVE_MAPS (sizeof(live_maps) / sizeof(live_maps[0]))

static int *live_map_fd(struct ig_maps *m, size_t i)
{
	return (int *)((char *)m + live_maps[i].fd_offset);
}

static void live_map_pin_path(size_t i, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", IG_PIN_DIR, live_maps[i].name);
}

bool loader__watching(const struct ig_instance *inst)
{
	return inst->skel && inst->skel->bss->watch_since != 0;
}

void loader__maps(const struct ig_instance *inst, struct ig_maps *m)
{
	size_t i;

	for (i = 0; i < LIVE_MAPS; i++)
		*live_map_fd(m, i) = bpf_object__find_map_fd_by_name(inst->skel->obj,
								     live_maps[i].name);
}

/* The instance a sealed daemon's request worker serves from (relay.c):
 * nobody may open the pins then, so the worker uses the daemon's own
 * descriptors, inherited across its fork. */
static const struct ig_instance *served;

void loader__serve_from(const struct ig_instance *inst)
{
	served = inst;
}

bool loader__serving(void)
{
	return served != NULL;
}

/* Copies of the served instance's map descriptors, which the caller
 * closes as it would pinned ones. */
static int dup_served(struct ig_maps *m)
{
	struct ig_maps own;
	size_t i;
	int err;

	loader__maps(served, &own);
	for (i = 0; i < LIVE_MAPS; i++) {
		*live_map_fd(m, i) = fcntl(*live_map_fd(&own, i), F_DUPFD_CLOEXEC, 0);
		if (*live_map_fd(m, i) < 0) {
			err = -errno;
			p_err("cannot copy the daemon's descriptor of map %s: %s", live_maps[i].name,
			      strerror(-err));
			loader__close_maps(m);
			return err;
		}
	}
	return 0;
}

int loader__open_pinned(struct ig_maps *m)
{
	char path[256];
	size_t i;
	int err;

	for (i = 0; i < LIVE_MAPS; i++)
		*live_map_fd(m, i) = -1;
	if (served)
		return dup_served(m);
	for (i = 0; i < LIVE_MAPS; i++) {
		live_map_pin_path(i, path, sizeof(path));
		*live_map_fd(m, i) = bpf_obj_get(path);
		if (*live_map_fd(m, i) < 0) {
			err = -errno;
			p_err("cannot open the running instance's map %s: %s", path, strerror(-err));
			loader__close_maps(m);
			return err;
		}
	}
	return 0;
}

void loader__close_maps(struct ig_maps *m)
{
	size_t i;

	for (i = 0; i < LIVE_MAPS; i++) {
		if (*live_map_fd(m, i) >= 0)
			close(*live_map_fd(m, i));
		*live_map_fd(m, i) = -1;
	}
}

__u64 loader__skipped_checks(const struct ig_instance *inst)
{
	struct bpf_program *prog;
	__u64 sum = 0;

	bpf_object__for_each_program(prog, inst->skel->obj) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(prog);

		if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len))
			sum += info.recursion_misses;
	}
	return sum;
}

int loader__events_fd(const struct ig_instance *inst)
{
	return bpf_map__fd(inst->skel->maps.events);
}

const volatile struct ig_counters *loader__counters(const struct ig_instance *inst)
{
	return &inst->skel->bss->counters;
}

/* libbpf names the .bss map after the object's first eight characters
 * ("inodegua.bss"); bpffs takes no dot, so pins.c pins it with "_". */
#define BSS_PIN_NAME "inodegua_bss"

/* The value of the pinned global-data map pin (one entry of size bytes):
 * 0, or -errno (-EMEDIUMTYPE for another size). */
static int pinned_global(const char *pin, void *value, size_t size)
{
	__u32 zero = 0;
	int fd, err = 0;

	fd = pins__open_map(pin, (__u32)size);
	if (fd < 0)
		return fd;
	if (bpf_map_lookup_elem(fd, &zero, value))
		err = -errno;
	close(fd);
	return err;
}

int loader__pinned_counters(struct ig_counters *c, __u64 *since_ns)
{
	struct inodeguard_bpf__bss bss;
	int err;

	if (served) {
		memcpy(c, (const void *)&served->skel->bss->counters, sizeof(*c));
		*since_ns = served->skel->bss->instance_since;
		return 0;
	}
	err = pinned_global(BSS_PIN_NAME, &bss, sizeof(bss));
	if (err)
		return err;
	memcpy(c, (const void *)&bss.counters, sizeof(*c));
	*since_ns = bss.instance_since;
	return 0;
}

/* Sets the pinned instance's released flag (see loader__unload), so its
 * programs allow before its pins go. One store into the mapped .bss (the
 * map is mmapable, as libbpf makes every global data map), not a lookup
 * and an update of the whole value, which would write back counters the
 * programs bumped in between. 0, or -errno. */
int loader__release_pinned(void)
{
	long page = sysconf(_SC_PAGESIZE);
	struct inodeguard_bpf__bss *bss;
	size_t len = (sizeof(*bss) + page - 1) / page * page;
	int fd, err = 0;

	fd = pins__open_map(BSS_PIN_NAME, sizeof(*bss));
	if (fd < 0)
		return fd;
	bss = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (bss == MAP_FAILED) {
		err = -errno;
		goto out;
	}
	__atomic_store_n(&bss->released, 1, __ATOMIC_SEQ_CST);
	munmap(bss, len);
out:
	close(fd);
	return err;
}

/* The configuration map, pinned like .bss ("inodegua.rodata"). */
#define RODATA_PIN_NAME "inodegua_rodata"

int loader__pinned_enforce_root(bool *on)
{
	struct inodeguard_bpf__rodata rodata;
	int err;

	if (served) {
		*on = served->skel->rodata->enforce_root;
		return 0;
	}
	err = pinned_global(RODATA_PIN_NAME, &rodata, sizeof(rodata));
	if (!err)
		*on = rodata.enforce_root;
	return err;
}

int loader__seal_maps(const struct ig_instance *inst, int *seal_fd, int *ids_fd)
{
	*seal_fd = bpf_map__fd(inst->skel->maps.seal);
	*ids_fd = bpf_map__fd(inst->skel->maps.sealed_ids);
	return *seal_fd < 0 || *ids_fd < 0 ? -EBADF : 0;
}

int loader__for_each_object(const struct ig_instance *inst,
			    int (*fn)(__u32 kind, int fd, void *ctx), void *ctx)
{
	struct bpf_program *prog;
	struct bpf_map *map;
	size_t i;
	int err = 0;

	bpf_object__for_each_map(map, inst->skel->obj)
		if (!err && bpf_map__fd(map) >= 0)
			err = fn(IG_SEAL_MAP, bpf_map__fd(map), ctx);
	bpf_object__for_each_program(prog, inst->skel->obj)
		if (!err && bpf_program__fd(prog) >= 0)
			err = fn(IG_SEAL_PROG, bpf_program__fd(prog), ctx);
	for (i = 0; !err && i < inst->nlinks; i++)
		err = fn(IG_SEAL_LINK, bpf_link__fd(inst->links[i]), ctx);
	return err;
}

int loader__ensure_bpffs(void)
{
	struct statfs sfs;

	if (statfs("/sys/fs/bpf", &sfs) == 0 && sfs.f_type == BPF_FS_MAGIC)
		return 0;
	if (mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700")) {
		int err = -errno;

		p_err("cannot mount bpffs at /sys/fs/bpf: %s%s", strerror(-err),
		      err == -EPERM ? " (needs CAP_SYS_ADMIN, or mount it first: mount -t bpf bpf /sys/fs/bpf)" : "");
		return err;
	}
	return 0;
}

int loader__pin(struct ig_instance *inst)
{
	int err = pins__pin(inst->skel->obj, inst->reused, inst->layout,
			    inst->links, inst->nlinks);

	if (err) {
		p_err("cannot pin under %s: %s", IG_PIN_DIR, strerror(-err));
		return err;
	}
	inst->pinned = true;
	return 0;
}

int loader__carry_over(struct ig_instance *inst)
{
	char why[512];
	int err;

	if (inst->reused)
		return 0;
	err = pins__copy_maps(inst->skel->obj, why, sizeof(why));
	if (err)
		p_err("%s", why);
	inst->skel->bss->released = 0;
	return err;
}

void loader__unpin(bool released)
{
	pins__remove_all(NULL, NULL, released);
}
/*
 * A pinned instance is released in this order: its programs allow from
 * the first step, so the release takes effect at once; our links are let
 * go while their pins still hold them, which returns at once; the pins go
 * last, and with them the kernel's last reference, whose detach the kernel
 * does from a work item. Detaching from close() instead waits for an RCU
 * grace period per program on 6.x kernels: 3 s of every stop, measured.
 */
void loader__unload(struct ig_instance *inst)
{
	size_t i;

	if (inst->pinned && inst->skel)
		inst->skel->bss->released = 1;
	for (i = 0; i < inst->nlinks; i++)
		bpf_link__destroy(inst->links[i]);
	if (inst->pinned)
		loader__unpin(inst->skel != NULL);
	free(inst->links);
	inodeguard_bpf__destroy(inst->skel);
	memset(inst, 0, sizeof(*inst));
}

void loader__leave(struct ig_instance *inst)
{
	size_t i;

	/* libbpf's detach of a tracepoint link also disables its perf event,
	 * which would stop the pinned link from running: let go of the links
	 * without detaching, and the kernel keeps them by their pins. */
	for (i = 0; i < inst->nlinks; i++) {
		bpf_link__disconnect(inst->links[i]);
		bpf_link__destroy(inst->links[i]);
	}
	inst->nlinks = 0;
	inst->pinned = false;
	loader__unload(inst);
}
