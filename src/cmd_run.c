// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* `run`: parse, resolve, choose a backend and load (taking over what an
 * earlier instance left pinned), seal if asked, learn keys, pin, drop
 * privileges, then serve events until SIGINT or SIGTERM, reloading on
 * SIGHUP; a sealed daemon serves until reboot, and its control socket. */
#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "adopt.h"
#include "backend.h"
#include "cli.h"
#include "config.h"
#include "events.h"
#include "grants.h"
#include "kfeatures.h"
#include "keys.h"
#include "loader.h"
#include "log.h"
#include "notify.h"
#include "pins.h"
#include "privs.h"
#include "relay.h"
#include "reload.h"
#include "scan.h"
#include "seal.h"
#include "state.h"
#include "store.h"
#include "uring.h"

static volatile sig_atomic_t exiting, hangups, reloads;

/* VmRSS and VmHWM in KiB, from /proc/self/status; 0 where unreadable. */
static void memory_kib(unsigned long *rss, unsigned long *hwm)
{
	char line[128];
	FILE *f = fopen("/proc/self/status", "re");

	*rss = *hwm = 0;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "VmRSS: %lu", rss) == 1)
			continue;
		sscanf(line, "VmHWM: %lu", hwm);
	}
	fclose(f);
}

/* -v: how long each stage of the start took and the memory held after it,
 * so a slow or large start says where its time and bytes went (a million
 * entries make every per-entry cost visible). */
static void stage_done(const char *stage)
{
	static struct timespec last, last_cpu;
	struct timespec now, cpu;
	unsigned long rss, hwm;

	/* The clocks are read even before -v is known: the first stage is
	 * the one that parses it. */
	clock_gettime(CLOCK_MONOTONIC, &now);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu);
	if (log_verbose && (last.tv_sec || last.tv_nsec)) {
		memory_kib(&rss, &hwm);
		p_debug("start: %s took %.3f s (CPU %.3f s), RSS %.1f MiB (peak %.1f MiB)", stage,
			(double)(now.tv_sec - last.tv_sec) + (now.tv_nsec - last.tv_nsec) / 1e9,
			(double)(cpu.tv_sec - last_cpu.tv_sec) + (cpu.tv_nsec - last_cpu.tv_nsec) / 1e9,
			rss / 1024.0, hwm / 1024.0);
	}
	last = now;
	last_cpu = cpu;
}

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		hangups++;
	else if (sig == SIGUSR1)
		reloads++;
	else
		exiting = 1;
}

/* The keys the policy needs in each map: one per inode, and on overlayfs
 * a second for the backing file. Files below trees are found later, by
 * the walk, so they count against the headroom. */
static size_t policy_keys(const struct ig_policy *p)
{
	size_t i, n = 0;

	for (i = 0; i < p->n; i++)
		n += p->v[i].overlay ? 2 : 1;
	return n;
}

/* Sizes the maps from the policy, before anything is loaded: a quarter
 * more than it needs (for live protects and the keys the kernel learns
 * for names), never below the default; a --capacity too small for it is
 * refused here rather than after the whole load. */
static int size_maps(struct run_opts *o)
{
	size_t need = policy_keys(&o->policy), want = need + need / 4;

	if (o->capacity_given) {
		if (need <= o->load.capacity)
			return 0;
		p_err("--capacity %u is too small: the policy needs %zu keys (give --capacity %zu or more, or leave it out to size the maps from the policy)",
		      o->load.capacity, need, want);
		return -EINVAL;
	}
	if (want > UINT32_MAX) {
		p_err("the policy needs %zu keys, more than a map can hold", need);
		return -EINVAL;
	}
	if (want > o->load.capacity)
		o->load.capacity = (__u32)want;
	p_debug("maps sized for %u keys (the policy needs %zu)", o->load.capacity, need);
	return 0;
}

static bool has_allow_rules(const struct run_opts *o)
{
	size_t i;

	if (o->allow.n)
		return true;
	for (i = 0; i < o->policy.n; i++)
		if (entry__allow(&o->policy.v[i]) && entry__allow(&o->policy.v[i])->n)
			return true;
	return false;
}

/* Allow rules trust only processes the watchers saw start; without them
 * every grant would silently fail, so refuse instead. */
static int check_watch(const struct run_opts *o, const struct ig_instance *inst,
		       enum ig_backend b)
{
	if (!has_allow_rules(o) || loader__watching(inst))
		return 0;
	p_err("allow rules need exec, fork and ptrace watched, and the %s backend cannot watch them on this kernel (-v says which is missing)",
	      backend__name(b));
	return -EOPNOTSUPP;
}

/* fmod_ret checks are skipped for other tasks on a CPU while a preempted
 * task is inside one (docs/threat-model.md): say so where that happens. */
static void warn_skippable(enum ig_backend b)
{
	const char *gap = backend__kernel_gap(b);

	if (gap)
		p_warn("backend %s: %s", backend__name(b), gap);
}

/* What the ready lines count: entries, since a tree entry is one
 * directory and everything below it, not one file. */
static const char *entries_noun(size_t n)
{
	return n == 1 ? "entry" : "entries";
}

/* Type=notify: the unit is started once the policy is in force. */
static void notify_ready(enum ig_backend b, size_t n)
{
	char msg[128];
	int err;

	snprintf(msg, sizeof(msg), "READY=1\nSTATUS=protecting %zu %s (backend %s)",
		 n, entries_noun(n), backend__name(b));
	/* Protection is in force either way; the manager only times out. */
	err = notify__send(msg);
	if (err)
		p_warn("cannot tell the service manager it is ready: %s", strerror(-err));
}

/* Says when the kernel skipped checks since the last report: where that
 * happens (an fmod_ret program preempted inside it on a kernel that
 * preempts kernel code) an access went unjudged at first, and the admin
 * must know, and how many the syscall-exit backstop caught. */
static void report_skipped_checks(const struct ig_instance *inst, __u64 *reported)
{
	__u64 now = loader__skipped_checks(inst);

	if (now == *reported)
		return;
	p_warn("the kernel skipped %llu checks so far (a program already running on that CPU); %llu processes were killed at a syscall's exit for what a skipped check let through (see docs/threat-model.md)",
	       (unsigned long long)now,
	       (unsigned long long)loader__counters(inst)->caught_at_exit);
	*reported = now;
}

/* Whether this process may call bpf() on the descriptors it holds: any
 * command needs CAP_BPF on kernels before 5.19 (with unprivileged BPF
 * disabled, the default), none since. */
static bool bpf_callable(const struct ig_maps *m)
{
	struct ig_key k = {};
	struct ig_rule r;

	return bpf_map_lookup_elem(m->protected_fd, &k, &r) == 0 || errno != EPERM;
}

/*
 * SIGHUP: the configuration read again and applied with what the daemon
 * holds, its map descriptors and no capability. It can learn only files
 * its uid may open; `inodeguard reload` does the same with privileges.
 */
static void reload_on_hangup(const struct ig_instance *inst, enum ig_backend b, bool sealed)
{
	struct adopt_plan plan;
	struct ig_maps maps;
	size_t entries;
	int err;

	loader__maps(inst, &maps);
	if (!bpf_callable(&maps)) {
		p_err("SIGHUP: this kernel lets only CAP_BPF call bpf() and the daemon holds no capability; the running policy stays (run 'inodeguard reload')");
		return;
	}
	/* Sealed, nothing else may learn into the maps: the daemon learns
	 * with the capability it kept for that, and only adds. */
	if (sealed)
		privs__learning(true);
	/* No scan: the daemon holds no capability to see other users'
	 * processes. `inodeguard reload` scans. */
	err = reload__apply(&maps, b, NULL, sealed, NULL, &plan, &entries);
	if (sealed)
		privs__learning(false);
	if (err)
		p_info("inodeguard: SIGHUP: reload failed; the running policy stays");
	else
		p_info("inodeguard: reloaded: %zu entries kept, %zu added, %zu released (%zu inode%s)",
		       plan.kept, plan.added, plan.nrelease, plan.released_inodes,
		       plan.released_inodes == 1 ? "" : "s");
	adopt__free(&plan);
	if (!err)
		notify_ready(b, entries);
}

/* SIGUSR1: `inodeguard reload` changed the maps and the records. */
static void note_reloaded(enum ig_backend b)
{
	struct ig_policy_record *rec = NULL;
	size_t n = 0;

	if (state__policy_read(&rec, &n))
		n = 0;
	state__policy_free(rec, n);
	p_info("inodeguard: the policy was reloaded by 'inodeguard reload' (%zu entries)", n);
	notify_ready(b, n);
}

/* control: a sealed daemon's listening socket, -1 otherwise; a sealed
 * daemon serves until reboot, whatever signal arrives. */
static int serve(struct ig_instance *inst, enum ig_backend b, int control)
{
	struct ig_events *ev = NULL;
	sig_atomic_t hups_seen = 0, usr1_seen = 0;
	unsigned int workers = 0;
	__u64 skipped = 0;
	time_t checked = 0;
	bool request;
	int err;

	err = events__open(&ev, loader__events_fd(inst), loader__counters(inst));
	if (err)
		return err;
	while (!exiting || control >= 0) {
		time_t now;

		if (control >= 0) {
			err = events__poll_with(ev, control, 250, &request);
			if (request)
				relay__accept(control, &workers);
			relay__reap(&workers);
		} else {
			err = events__poll(ev, 250);
		}
		/* Once a second, however often a flood makes polls return. */
		now = time(NULL);
		if (now != checked) {
			checked = now;
			report_skipped_checks(inst, &skipped);
		}
		if (hangups != hups_seen) {
			hups_seen = hangups;
			reload_on_hangup(inst, b, control >= 0);
		}
		if (reloads != usr1_seen) {
			usr1_seen = reloads;
			note_reloaded(b);
		}
		if (err == -EINTR) {
			err = 0;
			continue;
		}
		if (err) {
			p_err("reading events failed: %s", strerror(-err));
			break;
		}
	}
	events__drain(ev);
	events__close(ev);
	return err;
}

/* The kernel's OOM killer must not be what ends protection. Lowering the
 * score needs CAP_SYS_RESOURCE; without it the pins still hold, but a
 * sealed daemon, which nothing else may end, refuses to start. */
static int protect_from_oom(bool sealed)
{
	int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC), err = 0;

	if (fd < 0 || write(fd, "-1000", 5) != 5)
		err = -errno;
	if (fd >= 0)
		close(fd);
	if (err && sealed)
		p_err("--seal: cannot set oom_score_adj to -1000: %s (needs CAP_SYS_RESOURCE; the OOM killer would be one way to end the sealed daemon)",
		      strerror(-err));
	else if (err)
		p_warn("cannot set oom_score_adj to -1000: %s (the pinned protection outlives an OOM kill anyway)",
		       strerror(-err));
	return sealed ? err : 0;
}

static void install_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal }, ign = { .sa_handler = SIG_IGN };

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	/* A reader of stdout going away must not end protection: a failed
	 * write is counted instead (events.c). */
	sigaction(SIGPIPE, &ign, NULL);
}

/* Whether pins of an earlier instance are there to take over; clears
 * what is left when they are not (pins of an older release, or none). */
static int pinned_instance(bool *pinned)
{
	__u64 layout;
	int err = pins__pinned_layout(&layout);

	*pinned = err == 0;
	if (*pinned)
		return 0;
	/* The seal refuses every open of its pins: until reboot nothing may
	 * adopt, replace or clear them. */
	if (err == -EPERM || err == -EACCES) {
		p_err("the instance pinned under %s is sealed until reboot and its daemon is gone (%s): nothing can adopt or release it before a reboot",
		      IG_PIN_DIR, strerror(-err));
		return err;
	}
	loader__unpin(false);
	state__paths_reset();
	grants__reset();
	return 0;
}

/*
 * Takes over the instance an earlier run left pinned. Our programs are
 * attached already and share its maps (or hold a copy of their entries,
 * when the layout differs); now the new entries are learned and added,
 * changed levels set, our links pinned, the old links retired, and only
 * then are the entries the new policy dropped released.
 */
/* Adoption's step between the new rules and the release: our links are
 * pinned, then the old ones retired. */
struct pin_step {
	struct ig_instance *inst;
	int retired;
	bool pinned;
};

static int pin_and_retire(void *ctx)
{
	struct pin_step *p = ctx;
	int err = loader__pin(p->inst);

	if (err)
		return err;
	p->pinned = true;
	p->retired = pins__retire_other_links();
	return 0;
}

static int adopt_and_store(struct ig_instance *inst, enum ig_backend b, struct ig_policy *policy,
			   const struct ig_allows *global)
{
	struct ig_learner old = {};
	struct pin_step step = { .inst = inst };
	struct adopt_plan plan = {};
	struct ig_maps maps;
	int err, old_learn = -1;

	err = loader__carry_over(inst);
	if (err)
		return err;
	/* The old programs judge our learning opens too. Sharing maps, they
	 * see our slot; otherwise arm theirs, or under --enforce-root a kill
	 * entry would kill us while we learn it. */
	if (!inst->reused) {
		old_learn = pins__open_map("learn", sizeof(struct ig_learn));
		if (old_learn < 0 || keys__learner_open(&old, old_learn))
			p_warn("cannot arm the pinned learn map: the old programs judge this daemon's learning opens");
	}
	loader__maps(inst, &maps);
	err = adopt__apply(&maps, b, policy, global, false, pin_and_retire, &step, &plan);
	if (step.pinned)
		p_info("inodeguard: adopted the pinned instance (%s maps; %d old link%s retired): %zu entries kept, %zu added, %zu released (%zu inode%s)",
		       inst->reused ? "shared" : "copied", step.retired, step.retired == 1 ? "" : "s",
		       plan.kept, plan.added, plan.nrelease, plan.released_inodes,
		       plan.released_inodes == 1 ? "" : "s");
	keys__learner_close(&old);
	if (old_learn >= 0)
		close(old_learn);
	adopt__free(&plan);
	return err;
}

static int fresh_store(struct ig_instance *inst, enum ig_backend b, struct ig_policy *policy,
		       const struct ig_allows *global)
{
	struct ig_maps maps;
	int err = loader__pin(inst);

	loader__maps(inst, &maps);
	if (!err)
		err = store__entries(&maps, b, policy, global);
	/* Maps of our own, every name part stored with its bits. Adopted
	 * maps keep the word as their first instance left it. */
	if (!err && (err = state__filter_names_complete(&maps)))
		p_err("cannot map the filter map: %s", strerror(-err));
	return err;
}

/* What a reload reads again: our arguments, relative to this directory. */
static int record_config(int argc, char **argv)
{
	char cwd[PATH_MAX];

	if (!getcwd(cwd, sizeof(cwd)))
		return -errno;
	return state__config_write(cwd, NULL, argc, argv);
}

/* What the instance does about io_uring: under --strict on a backend
 * that cannot see it, no new ring while it lasts; otherwise a setting an
 * adopted instance held goes back to the value it replaced. */
static int settle_io_uring(const struct run_opts *o, enum ig_backend b)
{
	if (o->strict && backend__kill_only(b))
		return uring__disable();
	return uring__restore();
}

/* Holders from before protection: reported on every backend; killed, or
 * under --strict refused, where the backend cannot stop their reads. */
static int scan_holders(const struct run_opts *o, const struct ig_instance *inst,
			enum ig_backend b)
{
	struct scan_opts so = {
		.kill_holders = backend__kill_only(b),
		.refuse = o->strict && backend__kill_only(b),
		.enforce_root = o->load.enforce_root,
		.command = "run",
		.title = "start-up scan",
	};
	struct ig_maps maps;

	loader__maps(inst, &maps);
	return scan__holders(&maps, &o->policy, &so);
}

int cmd_run(int argc, char **argv)
{
	struct run_opts o = {};
	struct ig_instance inst = {};
	enum ig_backend backend;
	int err, lock_fd = -1, learn_lock = -1, control = -1, status = IG_EXIT_FAIL;
	char control_name[IG_RELAY_NAME_MAX];
	bool adopting = false, serving = false;
	size_t nentries;
	bool keep_bpf;

	setvbuf(stdout, NULL, _IOLBF, 0);
	/* One malloc arena for every thread: a large policy is resolved and
	 * filled on threads, and what a thread's arena held stays resident
	 * after it is freed (malloc_trim() gives back the main arena's top
	 * only), 4 MiB of a daemon's steady state at a million entries. */
	mallopt(M_ARENA_MAX, 1);
	/* A fixed threshold: large blocks (the kernel BTF that the loader
	 * and libbpf each read, a resolver's directory listings) are mapped
	 * and unmapped whole. glibc's adaptive one rises with the first such
	 * free, after which the next land on the heap and stay resident
	 * beside a large policy: 6.6 MiB of a million entries' peak. */
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	stage_done(NULL);
	/* Stage 1-2: parse and resolve; bad input stops here, before any load.
	 * Running out of memory is no bad input. */
	err = run__parse_args(argc, argv, &o);
	stage_done("parsing");
	if (!err)
		err = run__resolve(&o);
	stage_done("resolving");
	if (!err)
		err = size_maps(&o);
	if (err) {
		status = err == -ENOMEM ? IG_EXIT_FAIL : IG_EXIT_USAGE;
		goto cleanup;
	}
	if (privs__require_load() || (o.seal && seal__check_start()))
		goto cleanup;
	/* Published at once: until then the file names the last instance's
	 * pid, which `stop` must not signal. */
	if (state__lock_instance(&lock_fd) || state__publish_instance(lock_fd, "starting") ||
	    loader__ensure_bpffs())
		goto cleanup;
	install_signals();
	if (pinned_instance(&adopting))
		goto cleanup;
	o.load.adopt = adopting;
	/* Nothing pinned: a setting recorded by an instance that crashed
	 * after its pins were removed is no one's now. */
	if (!adopting && uring__restore())
		goto cleanup;
	/* The pinned learn map is shared with `protect` from other shells. */
	learn_lock = state__learn_lock();
	if (learn_lock < 0) {
		p_err("cannot take %s: %s", IG_LEARN_LOCK, strerror(-learn_lock));
		goto cleanup;
	}
	/* Stage 3-4: choose a backend by really loading and attaching it. */
	err = backend__select(o.backend, &o.load, &inst, &backend);
	if (err) {
		/* --seal where only tracepoint works: what was asked cannot be. */
		status = err == -EOPNOTSUPP ? IG_EXIT_USAGE : IG_EXIT_FAIL;
		goto cleanup;
	}
	stage_done("loading the programs");
	warn_skippable(backend);
	if (run__warn_kill_only(&o, &o.policy, backend) || check_watch(&o, &inst, backend))
		goto cleanup;
	/* Sealed before anything is pinned, so no pin is ever open to anyone
	 * else; until ready, a failure still releases it all (we may). */
	if (o.seal && seal__arm(&inst))
		goto cleanup;
	err = adopting ? adopt_and_store(&inst, backend, &o.policy, &o.allow)
		       : fresh_store(&inst, backend, &o.policy, &o.allow);
	stage_done("keys and maps");
	if (!err && (err = state__policy_write(o.policy.v, o.policy.n)))
		p_err("cannot write %s: %s", IG_POLICY_FILE, strerror(-err));
	if (!err && (err = record_config(argc, argv)))
		p_err("cannot write %s: %s", IG_CONFIG_FILE, strerror(-err));
	/* With the policy in force no new holder appears unseen: rings are
	 * closed first, then the scan finds what was there before. */
	if (!err)
		err = settle_io_uring(&o, backend);
	stage_done("records");
	if (!err)
		err = scan_holders(&o, &inst, backend);
	stage_done("the holder scan");
	if (err) {
		status = err == -EINVAL ? IG_EXIT_USAGE : IG_EXIT_FAIL;
		goto cleanup;
	}
	close(learn_lock);
	learn_lock = -1;
	if (state__publish_instance(lock_fd, backend__name(backend)))
		goto cleanup;
	/* Once the policy is in force, and before dropping CAP_SYS_RESOURCE:
	 * a run refused earlier has nothing to keep alive, and says only why. */
	if (protect_from_oom(o.seal))
		goto cleanup;
	/* Sealed: the limits and terminal signals that would end us go, and
	 * the maps are reached through us alone, by our control socket. */
	if (o.seal) {
		control = relay__listen(control_name, sizeof(control_name));
		if (control < 0 || seal__harden(control_name))
			goto cleanup;
		loader__serve_from(&inst);
	}
	/* Stage 5: nothing below needs a capability, only the fds we hold;
	 * before 5.19 bpf() also wants CAP_BPF. A sealed daemon keeps
	 * CAP_DAC_READ_SEARCH permitted, for its workers' learning. */
	keep_bpf = privs__bpf_needs_cap(loader__events_fd(&inst));
	if (keep_bpf)
		p_debug("bpf() refuses commands without CAP_BPF here (before 5.19): keeping it");
	if (privs__drop(keep_bpf, o.seal))
		goto cleanup;
	nentries = o.policy.n;
	/* The kernel and the path index hold what serving needs. */
	policy__free(&o.policy);
	/* A million entries leave ~300 MB of freed small chunks that malloc
	 * keeps for reuse; serving never needs them, so give them back. */
	malloc_trim(0);
	stage_done("dropping privileges and memory");
	fprintf(stderr, "inodeguard: ready (backend %s, %zu %s)\n",
		backend__name(backend), nentries, entries_noun(nentries));
	if (o.seal)
		fprintf(stderr, "inodeguard: sealed until reboot (pid %d): protect, list, stats and reload go through its control socket (named in %s); unprotect, stop and a new run are refused\n",
			(int)getpid(), IG_SEAL_FILE);
	notify_ready(backend, nentries);
	/* Stage 6: serve until told to stop, or sealed, until reboot. */
	serving = true;
	if (serve(&inst, backend, control) == 0)
		status = IG_EXIT_OK;
cleanup:
	if (learn_lock >= 0)
		close(learn_lock);
	if (control >= 0)
		close(control);
	/* Only a deliberate stop without --persist releases a served instance;
	 * a failed adoption leaves the instance it meant to take over. */
	if (inst.pinned && (serving ? !exiting || o.persist : adopting)) {
		p_info("inodeguard: protection stays in force (pinned under %s; 'inodeguard stop' releases it)",
		       IG_PIN_DIR);
		loader__leave(&inst);
	} else {
		if (inst.pinned)
			state__files_remove();
		loader__unload(&inst);
		/* Ctrl+C in a terminal: say what ended and what that means. */
		if (serving)
			p_info("inodeguard: stopped (pid %d, backend %s): protection released, the files are readable again",
			       (int)getpid(), backend__name(backend));
		uring__restore();
	}
	state__unlock_instance(lock_fd);
	policy__free(&o.policy);
	allow__free(&o.allow);
	return status;
}
