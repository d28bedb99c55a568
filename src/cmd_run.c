// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* `run`: parse, resolve, choose a backend and load (taking over what an
 * earlier instance left pinned), learn keys, pin, drop privileges, then
 * serve events until SIGINT or SIGTERM. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "adopt.h"
#include "backend.h"
#include "cli.h"
#include "config.h"
#include "events.h"
#include "grants.h"
#include "keys.h"
#include "kinds.h"
#include "loader.h"
#include "log.h"
#include "pins.h"
#include "privs.h"
#include "quote.h"
#include "resolve.h"
#include "state.h"

static volatile sig_atomic_t exiting, hangups;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		hangups++;
	else
		exiting = 1;
}

int run__parse_args(int argc, char **argv, struct run_opts *o)
{
	enum { OPT_BACKEND = CLI_OPT_OWN, OPT_ENFORCE_ROOT, OPT_STRICT, OPT_CAPACITY, OPT_FORCE,
	       OPT_ALLOW, OPT_PERSIST };
	static const struct option longopts[] = {
		CLI_LEVEL_LONGOPTS(required_argument),
		{ "config", required_argument, NULL, 'c' },
		{ "backend", required_argument, NULL, OPT_BACKEND },
		{ "enforce-root", no_argument, NULL, OPT_ENFORCE_ROOT },
		{ "strict", no_argument, NULL, OPT_STRICT },
		{ "capacity", required_argument, NULL, OPT_CAPACITY },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "allow", required_argument, NULL, OPT_ALLOW },
		{ "persist", no_argument, NULL, OPT_PERSIST },
		CLI_COMMON_LONGOPTS,
		{},
	};
	char cwd[PATH_MAX], *end, q[QUOTE_BUF];
	unsigned long cap;
	int opt, err, bad = 0;

	if (!getcwd(cwd, sizeof(cwd))) {
		err = -errno;
		p_err("cannot read the current directory: %s", strerror(-err));
		return err;
	}
	o->backend = IG_BACKEND_AUTO;
	o->load.capacity = IG_DEFAULT_CAPACITY;
	/* 0, not 1: glibc then also forgets a short-option cluster a previous
	 * parse stopped inside, which would point into a freed argv. */
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "c:jv", longopts, NULL)) != -1) {
		if (cli__common_opt(opt))
			continue;
		switch (opt) {
		case CLI_OPT_AUDIT:
		case CLI_OPT_DENY:
		case CLI_OPT_KILL:
			if (policy__add(&o->policy, optarg, cwd, opt - CLI_OPT_AUDIT, "command line"))
				return -ENOMEM;
			break;
		case 'c':
			err = policy__load_file(&o->policy, optarg);
			if (err == -ENOMEM)
				return err;
			bad += err != 0;
			break;
		case OPT_BACKEND:
			if (backend__parse(optarg, &o->backend)) {
				p_err("unknown backend '%s' (lsm, fmodret, tracepoint or auto)",
				      quote__str(optarg, q));
				bad++;
			}
			break;
		case OPT_ENFORCE_ROOT:
			o->load.enforce_root = true;
			break;
		case OPT_FORCE:
			o->policy.force = true;
			break;
		case OPT_ALLOW:
			if (allow__parse_arg(&o->allow, optarg, "--allow"))
				bad++;
			break;
		case OPT_STRICT:
			o->strict = true;
			break;
		case OPT_PERSIST:
			o->persist = true;
			break;
		case OPT_CAPACITY:
			errno = 0;
			cap = strtoul(optarg, &end, 10);
			if (*end || errno || cap == 0 || cap > UINT32_MAX) {
				p_err("--capacity: '%s' is not a positive number", quote__str(optarg, q));
				bad++;
			}
			o->load.capacity = cap;
			o->capacity_given = true;
			break;
		default:
			cli__bad_option(opt, argv, "run [--audit|--deny|--kill PATH]... [-c FILE] [--allow KIND=VALUE]... [--backend NAME] [--enforce-root] [--strict] [--capacity N] [--force] [--persist]");
			return -EINVAL;
		}
	}
	/* Bare paths are protected at deny, the usual intent. */
	for (; optind < argc; optind++)
		if (policy__add(&o->policy, argv[optind], cwd, IG_LEVEL_DENY, "command line"))
			return -ENOMEM;
	return bad ? -EINVAL : 0;
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

/* The tracepoint backend runs after the open succeeded: say exactly what
 * that means for each deny entry, or refuse with --strict. */
static int warn_kill_only(const struct run_opts *o, const struct ig_policy *policy,
			  enum ig_backend b)
{
	size_t i, denies = 0;

	if (!backend__kill_only(b))
		return 0;
	for (i = 0; i < policy->n; i++)
		denies += policy->v[i].level == IG_LEVEL_DENY;
	if (o->strict && denies) {
		p_err("backend %s cannot deny, only kill after the open, and --strict was given; refusing to start",
		      backend__name(b));
		return -EOPNOTSUPP;
	}
	p_warn("backend %s can only kill: it acts after an open succeeds (see 'inodeguard check')",
	       backend__name(b));
	for (i = 0; i < policy->n; i++)
		if (policy->v[i].level == IG_LEVEL_DENY)
			p_warn("%s: deny will be enforced by SIGKILL after the open", policy->v[i].path);
	return 0;
}

static bool has_allow_rules(const struct run_opts *o)
{
	size_t i;

	if (o->allow.n)
		return true;
	for (i = 0; i < o->policy.n; i++)
		if (o->policy.v[i].allow.n)
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

/* Learns every key an entry needs: its inode(s), and the directory's
 * for a file entry's name part. */
static int learn_entry(struct ig_learner *l, struct ig_entry *e, enum ig_backend b)
{
	char why[256];
	int err;

	if (e->overlay && backend__refuses_overlay(b)) {
		p_err("%s: %s: on overlayfs, whose backing file the %s backend cannot see; refusing rather than protecting only the overlay name",
		      e->origin, e->path, backend__name(b));
		return -EINVAL;
	}
	err = keys__learn(l, e, why, sizeof(why));
	if (!err && !e->tree)
		err = keys__learn_parent(l, e, why, sizeof(why));
	if (err)
		p_err("%s: %s: %s", e->origin, e->path, why);
	return err;
}

/* Trees first get their directory's rule, then every file already below
 * them is keyed: a file created meanwhile is found by the walk. */
static int store_trees(const struct ig_maps *maps, struct ig_learner *l,
		       const struct ig_policy *policy)
{
	size_t i, trees = 0;
	int err = 0, bad = 0;

	for (i = 0; i < policy->n; i++)
		trees += policy->v[i].tree;
	if (!trees)
		return 0;
	err = kinds__count(maps, KIND_TREES, (int)trees);
	for (i = 0; !err && i < policy->n; i++)
		if (policy->v[i].tree)
			err = state__add_tree_files(maps, l, &policy->v[i], &bad);
	return err ? err : bad ? -EINVAL : 0;
}

/* Resolves the global allow rules and every entry's own. */
static int resolve_allows(struct run_opts *o)
{
	size_t i;
	int bad = 0;

	bad += allow__resolve(&o->allow) != 0;
	for (i = 0; i < o->policy.n; i++)
		bad += allow__resolve(&o->policy.v[i].allow) != 0;
	return bad ? -EINVAL : 0;
}

/*
 * Every entry's allow set: its own lines and the global --allow rules.
 * Entries with no lines of their own share the global set, so a million
 * of them register one set, not a million.
 */
static int register_grants(const struct ig_maps *maps, struct ig_learner *l,
			   struct ig_policy *policy, const struct ig_allows *global)
{
	struct ig_allows both = {};
	__u32 global_set;
	size_t i;
	int err;

	err = grants__register(maps, l, global, &global_set);
	for (i = 0; !err && i < policy->n; i++) {
		struct ig_entry *e = &policy->v[i];

		e->grants = global_set;
		if (!e->allow.n)
			continue;
		err = allow__append(&both, &e->allow);
		if (!err)
			err = allow__append(&both, global);
		if (!err)
			err = grants__register(maps, l, &both, &e->grants);
		allow__free(&both);
	}
	return err;
}

/* Learns and stores the entries of policy that have no id yet: all of
 * them on a fresh start, the new ones when adopting. The learn lock is
 * the caller's. */
static int learn_and_store(const struct ig_instance *inst, enum ig_backend b,
			   struct ig_policy *policy, const struct ig_allows *global)
{
	struct ig_policy fresh = {};
	struct ig_maps maps;
	struct ig_learner learner = {};
	__u32 first_id = 0, cap;
	int err, bad = 0;
	size_t i, k;

	for (i = 0; i < policy->n; i++)
		fresh.n += !policy->v[i].id;
	if (!fresh.n)
		return 0;
	/* Shallow copies: the paths stay the policy's. */
	fresh.v = calloc(fresh.n, sizeof(*fresh.v));
	if (!fresh.v)
		return -ENOMEM;
	for (i = 0, k = 0; i < policy->n; i++)
		if (!policy->v[i].id)
			fresh.v[k++] = policy->v[i];
	loader__maps(inst, &maps);
	err = keys__learner_open(&learner, maps.learn_fd);
	if (err) {
		p_err("cannot arm the learn map: %s", strerror(-err));
		goto cleanup;
	}
	/* Every entry's id at once: one mapping of rule_kinds, not a million. */
	err = kinds__new_entry_ids(&maps, (__u32)fresh.n, &first_id);
	if (err) {
		p_err("cannot map the rule_kinds map: %s", strerror(-err));
		goto cleanup;
	}
	for (i = 0; i < fresh.n; i++) {
		fresh.v[i].id = first_id + (__u32)i;
		bad += learn_entry(&learner, &fresh.v[i], b) != 0;
	}
	if (!bad)
		bad = register_grants(&maps, &learner, &fresh, global) != 0;
	if (!bad) {
		err = state__add_all(&maps, &fresh);
		if (!err)
			err = state__add_names(&maps, fresh.v, fresh.n);
		if (err == -E2BIG && state__capacity(&maps, &cap) == 0)
			p_err("cannot fill the protected maps: they are full at %u keys (give a larger --capacity)",
			      cap);
		else if (err)
			p_err("cannot fill the protected maps: %s", strerror(-err));
		else
			err = state__paths_append(fresh.v, fresh.n);
		if (!err)
			err = store_trees(&maps, &learner, &fresh);
	}
	for (i = 0, k = 0; i < policy->n; i++)
		if (!policy->v[i].id)
			policy->v[i].id = fresh.v[k++].id;
cleanup:
	keys__learner_close(&learner);
	free(fresh.v);
	return bad ? -EINVAL : err;
}

/* systemd Type=notify, without linking libsystemd. */
static void notify_ready(enum ig_backend b, size_t n)
{
	const char *sock = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char msg[128];
	socklen_t len;
	int fd;

	if (!sock || (sock[0] != '/' && sock[0] != '@') || strlen(sock) >= sizeof(sa.sun_path))
		return;
	strncpy(sa.sun_path, sock, sizeof(sa.sun_path) - 1);
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0'; /* abstract namespace */
	len = offsetof(struct sockaddr_un, sun_path) + strlen(sock);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	snprintf(msg, sizeof(msg), "READY=1\nSTATUS=protecting %zu files (backend %s)",
		 n, backend__name(b));
	sendto(fd, msg, strlen(msg), 0, (struct sockaddr *)&sa, len);
	close(fd);
}

static int serve(struct ig_instance *inst)
{
	struct ig_events *ev = NULL;
	sig_atomic_t hups_seen = 0;
	int err;

	err = events__open(&ev, loader__events_fd(inst), loader__counters(inst));
	if (err)
		return err;
	while (!exiting) {
		err = events__poll(ev, 250);
		if (hangups != hups_seen) {
			hups_seen = hangups;
			p_info("inodeguard: SIGHUP: reload is not implemented yet; still running");
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
	events__poll(ev, 0);
	events__close(ev);
	return err;
}

/* The kernel's OOM killer must not be what ends protection. Lowering the
 * score needs CAP_SYS_RESOURCE; without it the pins still hold. */
static void protect_from_oom(void)
{
	int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);

	if (fd < 0 || write(fd, "-1000", 5) != 5)
		p_warn("cannot set oom_score_adj to -1000: %s (the pinned protection outlives an OOM kill anyway)",
		       strerror(errno));
	if (fd >= 0)
		close(fd);
}

static void install_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal }, ign = { .sa_handler = SIG_IGN };

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	/* A reader of stdout going away must not end protection: a failed
	 * write is counted instead (events.c). */
	sigaction(SIGPIPE, &ign, NULL);
}

/* Whether pins of an earlier instance are there to take over; clears
 * what is left when they are not (pins of an older release, or none). */
static bool pinned_instance(void)
{
	__u64 layout;

	if (pins__pinned_layout(&layout) == 0)
		return true;
	loader__unpin();
	state__paths_reset();
	grants__reset();
	return false;
}

/*
 * Takes over the instance an earlier run left pinned. Our programs are
 * attached already and share its maps (or hold a copy of their entries,
 * when the layout differs); now the new entries are learned and added,
 * changed levels set, our links pinned, the old links retired, and only
 * then are the entries the new policy dropped released.
 */
static int adopt_and_store(struct ig_instance *inst, enum ig_backend b, struct ig_policy *policy,
			   const struct ig_allows *global)
{
	struct ig_learner old = {};
	struct adopt_plan plan;
	struct ig_maps maps;
	size_t released = 0;
	int err, retired, old_learn = -1;

	err = loader__carry_over(inst);
	if (err)
		return err;
	err = adopt__plan(policy, &plan);
	if (err) {
		p_err("cannot read the pinned instance's entries: %s", strerror(-err));
		return err;
	}
	/* The old programs judge our learning opens too. Sharing maps, they
	 * see our slot; otherwise arm theirs, or under --enforce-root a kill
	 * entry would kill us while we learn it. */
	if (!inst->reused) {
		old_learn = pins__open_map("learn", sizeof(struct ig_learn));
		if (old_learn < 0 || keys__learner_open(&old, old_learn))
			p_warn("cannot arm the pinned learn map: the old programs judge this daemon's learning opens");
	}
	loader__maps(inst, &maps);
	err = learn_and_store(inst, b, policy, global);
	if (!err && (err = state__set_levels(&maps, plan.relevel, plan.nrelevel)))
		p_err("cannot change the levels of kept entries: %s", strerror(-err));
	if (!err)
		err = loader__pin(inst);
	if (err)
		goto cleanup;
	retired = pins__retire_other_links();
	err = adopt__release(&maps, &plan, &released);
	if (err)
		p_err("cannot release the entries the new policy dropped: %s", strerror(-err));
	p_info("inodeguard: adopted the pinned instance (%s maps; %d old link%s retired): %zu entries kept, %zu added, %zu released (%zu inode%s)",
	       inst->reused ? "shared" : "copied", retired, retired == 1 ? "" : "s",
	       plan.kept, plan.added, plan.nrelease, released, released == 1 ? "" : "s");
cleanup:
	keys__learner_close(&old);
	if (old_learn >= 0)
		close(old_learn);
	adopt__free(&plan);
	return err;
}

static int fresh_store(struct ig_instance *inst, enum ig_backend b, struct ig_policy *policy,
		       const struct ig_allows *global)
{
	int err = loader__pin(inst);

	return err ? err : learn_and_store(inst, b, policy, global);
}

int cmd_run(int argc, char **argv)
{
	struct run_opts o = {};
	struct ig_instance inst = {};
	enum ig_backend backend;
	int err, lock_fd = -1, learn_lock = -1, status = IG_EXIT_FAIL;
	bool adopting = false, serving = false;
	size_t nfiles;
	bool keep_bpf;

	setvbuf(stdout, NULL, _IOLBF, 0);
	/* Stage 1-2: parse and resolve; bad input stops here, before any load.
	 * Running out of memory is no bad input. */
	err = run__parse_args(argc, argv, &o);
	if (!err)
		err = resolve__policy(&o.policy);
	if (!err)
		err = resolve_allows(&o);
	if (!err)
		err = size_maps(&o);
	if (err) {
		status = err == -ENOMEM ? IG_EXIT_FAIL : IG_EXIT_USAGE;
		goto cleanup;
	}
	if (privs__require_load())
		goto cleanup;
	/* Published at once: until then the file names the last instance's
	 * pid, which `stop` must not signal. */
	if (state__lock_instance(&lock_fd) || state__publish_instance(lock_fd, "starting") ||
	    loader__ensure_bpffs())
		goto cleanup;
	install_signals();
	adopting = pinned_instance();
	o.load.adopt = adopting;
	/* The pinned learn map is shared with `protect` from other shells. */
	learn_lock = state__learn_lock();
	if (learn_lock < 0) {
		p_err("cannot take %s: %s", IG_LEARN_LOCK, strerror(-learn_lock));
		goto cleanup;
	}
	/* Stage 3-4: choose a backend by really loading and attaching it. */
	if (backend__select(o.backend, &o.load, &inst, &backend))
		goto cleanup;
	if (warn_kill_only(&o, &o.policy, backend) || check_watch(&o, &inst, backend))
		goto cleanup;
	err = adopting ? adopt_and_store(&inst, backend, &o.policy, &o.allow)
		       : fresh_store(&inst, backend, &o.policy, &o.allow);
	if (!err && (err = state__policy_write(o.policy.v, o.policy.n)))
		p_err("cannot write %s: %s", IG_POLICY_FILE, strerror(-err));
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
	protect_from_oom();
	/* Stage 5: nothing below needs a capability, only the fds we hold;
	 * before 5.19 bpf() also wants CAP_BPF. */
	keep_bpf = privs__bpf_needs_cap(loader__events_fd(&inst));
	if (keep_bpf)
		p_debug("bpf() refuses commands without CAP_BPF here (before 5.19): keeping it");
	if (privs__drop(keep_bpf))
		goto cleanup;
	nfiles = o.policy.n;
	/* The kernel and the path index hold what serving needs. */
	policy__free(&o.policy);
	/* A million entries leave ~300 MB of freed small chunks that malloc
	 * keeps for reuse; serving never needs them, so give them back. */
	malloc_trim(0);
	fprintf(stderr, "inodeguard: ready (backend %s, %zu files)\n",
		backend__name(backend), nfiles);
	notify_ready(backend, nfiles);
	/* Stage 6: serve until told to stop. */
	serving = true;
	if (serve(&inst) == 0)
		status = IG_EXIT_OK;
cleanup:
	if (learn_lock >= 0)
		close(learn_lock);
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
	}
	if (lock_fd >= 0)
		close(lock_fd);
	policy__free(&o.policy);
	allow__free(&o.allow);
	return status;
}
