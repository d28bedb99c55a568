// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Backend stage: each backend's facts, and proving and choosing the best. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "backend.h"
#include "keys.h"
#include "kfeatures.h"
#include "loader.h"
#include "log.h"

/* LSM programs attach fine when bpf is not an active LSM, and then never
 * run; the list is the only up-front signal. If it cannot be read, the
 * liveness proof after attaching decides. */
static int lsm_precheck(char *why, size_t len)
{
	struct feature f;

	if (features__bpf_lsm_active(NULL, &f) || f.state != FEATURE_NO)
		return 0;
	snprintf(why, len, "BPF LSM is not active (active LSMs: %s)", f.value);
	return -EOPNOTSUPP;
}

static const char *const no_gaps[] = { NULL };

/* The tracepoint backend runs after the syscall: it cannot fail an open,
 * and sees only the open family. */
static const char *const tracepoint_gaps[] = {
	"io_uring opens and reads are never seen: run --strict sets kernel.io_uring_disabled to 2 while protection lasts (6.6+; without it --strict refuses to start) and refuses to start beside rings made earlier",
	"32-bit (compat) syscalls are invisible to per-syscall tracepoints",
	"O_CREAT and O_TRUNC have already happened when it acts",
	"descriptors passed over sockets or shared through CLONE_FILES stay usable (one taken with pidfd_getfd is judged at the syscall's exit); descriptors and mappings from before `run`, a `protect` or an `inodeguard reload` are killed by their scan (deny and kill entries), but those from before a SIGHUP reload stay usable",
	"unlink, rename, link, chmod/chown, truncate and xattr changes are not seen, so a protected tree's files can be created, removed and moved by anyone with write access",
	"a protected name is judged after the open, by the name the file has then: a version renamed away meanwhile, or moved aside before any open at the name, is not keyed",
	"files on overlayfs are refused: the backing file is not visible to it",
	NULL,
};

/* Best first: AUTO tries them in this order. */
static const struct ig_backend_info backends[IG_BACKEND_COUNT] = {
	[IG_BACKEND_LSM] = {
		.name = "lsm", .section_prefix = "lsm/", .watch_section_prefix = "tp_btf/",
		.precheck = lsm_precheck,
		.can_deny = true, .sees_overlay = true, .can_seal = true,
		.levels = "audit, deny, kill", .gaps = no_gaps,
	},
	[IG_BACKEND_FMODRET] = {
		.name = "fmodret", .section_prefix = "fmod_ret/", .void_section_prefix = "fentry/",
		.watch_section_prefix = "tp_btf/",
		.can_deny = true, .sees_overlay = true, .skipped_when_preempted = true,
		.can_seal = true,
		.levels = "audit, deny, kill", .gaps = no_gaps,
	},
	[IG_BACKEND_TRACEPOINT] = {
		.name = "tracepoint", .section_prefix = "tracepoint/",
		.can_deny = false, .sees_overlay = false,
		.levels = "audit, kill (deny is enforced by SIGKILL after the open)",
		.gaps = tracepoint_gaps,
	},
};

const struct ig_backend_info *backend__info(enum ig_backend b)
{
	return b >= 0 && b < IG_BACKEND_COUNT ? &backends[b] : NULL;
}

const char *backend__name(enum ig_backend b)
{
	if (b == IG_BACKEND_AUTO)
		return "auto";
	return backend__info(b) ? backends[b].name : "?";
}

int backend__parse(const char *s, enum ig_backend *out)
{
	int b;

	if (strcmp(s, "auto") == 0) {
		*out = IG_BACKEND_AUTO;
		return 0;
	}
	for (b = 0; b < IG_BACKEND_COUNT; b++) {
		if (strcmp(s, backends[b].name) == 0) {
			*out = b;
			return 0;
		}
	}
	return -EINVAL;
}

bool backend__kill_only(enum ig_backend b)
{
	return backend__info(b) && !backends[b].can_deny;
}

bool backend__refuses_overlay(enum ig_backend b)
{
	return backend__info(b) && !backends[b].sees_overlay;
}

bool backend__needs_backstop(enum ig_backend b)
{
	return backend__info(b) && backends[b].skipped_when_preempted &&
	       features__preempts_kernel_code();
}

bool backend__can_seal(enum ig_backend b)
{
	return b == IG_BACKEND_AUTO || (backend__info(b) && backends[b].can_seal);
}

const char *backend__kernel_gap(enum ig_backend b)
{
	if (!backend__needs_backstop(b))
		return NULL;
	return "this kernel preempts kernel code: under load it skips the check of a task whose CPU holds another, preempted task inside that check; a skipped open, read, write or mmap is caught at the syscall's exit and the process killed, but a skipped unlink, rename, link, chmod/chown, truncate or xattr change, and io_uring, are not (put bpf in lsm= to use the lsm backend; docs/threat-model.md)";
}

const char *backend__build_gap(void)
{
	if (features__bpf_loop())
		return NULL;
	return "no bpf_loop in this kernel (before 5.17): a file moved over the name of a file entry inside a tree entry gets the file entry's rule alone, not the stricter of the two (give such an entry the tree's level and allow rules; README, Known limits)";
}

int backend__probe(enum ig_backend b, const struct ig_load_opts *o,
		   struct ig_instance *keep, char *why, size_t len)
{
	const struct ig_backend_info *info = backend__info(b);
	struct ig_load_opts lo = *o;
	struct ig_instance local, *inst = keep ? keep : &local;
	struct ig_maps maps;
	int err;

	if (info->precheck) {
		err = info->precheck(why, len);
		if (err)
			return err;
	}
	lo.section_prefix = info->section_prefix;
	lo.void_section_prefix = info->void_section_prefix;
	lo.watch_section_prefix = info->watch_section_prefix;
	lo.kill_only = !info->can_deny;
	lo.backstop = backend__needs_backstop(b);
	err = loader__load(&lo, inst, why, len);
	if (err)
		return err;
	loader__maps(inst, &maps);
	err = keys__prove_live(maps.learn_fd, why, len);
	if (err || !keep)
		loader__unload(inst);
	return err;
}

int backend__select(enum ig_backend want, const struct ig_load_opts *o,
		    struct ig_instance *inst, enum ig_backend *chosen)
{
	char why[512];
	int b, err = -ENODEV;

	if (want != IG_BACKEND_AUTO) {
		err = backend__probe(want, o, inst, why, sizeof(why));
		if (err)
			p_err("backend %s unavailable: %s", backend__name(want), why);
		*chosen = want;
		return err;
	}
	for (b = 0; b < IG_BACKEND_COUNT; b++) {
		bool last = b + 1 == IG_BACKEND_COUNT || (o->seal && !backends[b + 1].can_seal);

		err = backend__probe(b, o, inst, why, sizeof(why));
		if (!err) {
			*chosen = b;
			return 0;
		}
		if (!last) {
			p_info("inodeguard: backend %s unavailable: %s; trying %s",
			       backend__name(b), why, backend__name(b + 1));
			continue;
		}
		if (!o->seal) {
			p_err("no backend works on this kernel; last, %s: %s", backend__name(b), why);
			return err;
		}
		/* The table lists the backends that can seal first. */
		p_err("--seal needs the lsm or fmodret backend, and neither works on this kernel; last, %s: %s",
		      backend__name(b), why);
		return -EOPNOTSUPP;
	}
	return err;
}
