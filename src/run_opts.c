// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* run's options: the arguments parsed into a policy and load options,
 * resolved, and checked against the backend, for `run` and for reload,
 * which reads the same arguments again. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "backend.h"
#include "cli.h"
#include "config.h"
#include "log.h"
#include "quote.h"
#include "resolve.h"
#include "uring.h"

int run__parse_args(int argc, char **argv, struct run_opts *o)
{
	enum { OPT_BACKEND = CLI_OPT_OWN, OPT_ENFORCE_ROOT, OPT_STRICT, OPT_CAPACITY, OPT_FORCE,
	       OPT_ALLOW, OPT_PERSIST, OPT_SEAL };
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
		{ "seal", no_argument, NULL, OPT_SEAL },
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
			if (policy__add(&o->policy, optarg, cwd, opt - CLI_OPT_AUDIT, "command line", 0))
				return -ENOMEM;
			break;
		case 'c':
			/* Replaced by the file a `reload -c` named. */
			if (o->config_override)
				break;
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
		case OPT_SEAL:
			/* Nothing ends a sealed instance but a reboot, and root is
			 * judged like anyone else unless an allow rule names it. */
			o->seal = o->load.seal = true;
			o->persist = o->load.enforce_root = true;
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
			cli__bad_option(opt, argv, "run [--audit|--deny|--kill PATH]... [-c FILE] [--allow KIND=VALUE]... [--backend NAME] [--enforce-root] [--strict] [--capacity N] [--force] [--persist] [--seal]");
			return -EINVAL;
		}
	}
	/* Bare paths are protected at deny, the usual intent. */
	for (; optind < argc; optind++)
		if (policy__add(&o->policy, argv[optind], cwd, IG_LEVEL_DENY, "command line", 0))
			return -ENOMEM;
	if (o->config_override) {
		err = policy__load_file(&o->policy, o->config_override);
		if (err == -ENOMEM)
			return err;
		bad += err != 0;
	}
	if (o->seal && !backend__can_seal(o->backend)) {
		p_err("--seal needs the lsm or fmodret backend: %s cannot refuse a signal, a bpf() command or an unmount, it only kills after an open",
		      backend__name(o->backend));
		bad++;
	}
	return bad ? -EINVAL : 0;
}

/* Resolves the global allow rules and every entry's own. */
static int resolve_allows(struct run_opts *o)
{
	size_t i;
	int bad = 0;

	bad += allow__resolve(&o->allow) != 0;
	for (i = 0; i < o->policy.n; i++)
		if (entry__allow(&o->policy.v[i]))
			bad += allow__resolve(entry__allow(&o->policy.v[i])) != 0;
	return bad ? -EINVAL : 0;
}

int run__resolve(struct run_opts *o)
{
	int err = resolve__policy(&o->policy);

	if (!err)
		err = resolve_allows(o);
	return err ? err : resolve__merge_same_files(&o->policy);
}

/* The tracepoint backend runs after the open succeeded: say exactly what
 * that means for each deny entry, or refuse with --strict. */
int run__warn_kill_only(const struct run_opts *o, const struct ig_policy *policy,
			enum ig_backend b)
{
	char path[PATH_MAX];
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
	if (o->strict && !uring__sysctl_exists()) {
		p_err("backend %s does not see io_uring, and this kernel has no %s (6.6+) to turn io_uring off while it runs; --strict was given: refusing to start",
		      backend__name(b), IG_URING_SYSCTL);
		return -EOPNOTSUPP;
	}
	if (o->strict)
		return 0;
	p_warn("backend %s can only kill: it acts after an open succeeds (see 'inodeguard check')",
	       backend__name(b));
	p_warn("backend %s does not see io_uring: --strict sets %s to 2 while protection lasts, and refuses to start beside rings made earlier",
	       backend__name(b), IG_URING_SYSCTL);
	for (i = 0; i < policy->n; i++)
		if (policy->v[i].level == IG_LEVEL_DENY)
			p_warn("%s: deny will be enforced by SIGKILL after the open",
			       entry__path(&policy->v[i], path));
	return 0;
}

