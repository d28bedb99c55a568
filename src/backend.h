/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Backends: each one's facts in one table, and choosing one by proof. */
#ifndef IG_BACKEND_H
#define IG_BACKEND_H

#include <stdbool.h>
#include <stddef.h>

enum ig_backend {
	IG_BACKEND_LSM,
	IG_BACKEND_FMODRET,
	IG_BACKEND_TRACEPOINT,
	IG_BACKEND_COUNT,
	IG_BACKEND_AUTO = -1,
};

struct ig_instance;
struct ig_load_opts;

/* What a backend is and can enforce: one row per backend in backend.c, and
 * every other file asks the row. */
struct ig_backend_info {
	const char *name;
	/* Its programs in the one BPF object are the sections with this prefix,
	 * and, for hooks that return nothing (which fmod_ret cannot attach
	 * to), the second one where it has one. */
	const char *section_prefix;
	const char *void_section_prefix;
	/* The watchers that allow rules need (exec, fork, cgroups), where they
	 * are not under section_prefix. */
	const char *watch_section_prefix;
	/* It fails the operation; otherwise it can only kill after it. */
	bool can_deny;
	/* Its hooks see the backing file of an overlayfs open too, so a file
	 * on overlayfs can be protected under both keys. */
	bool sees_overlay;
	/* Its programs sit behind the BPF trampoline's per-CPU recursion
	 * guard, which skips a check (and so allows) for other tasks while a
	 * preempted task is inside it. On kernels that preempt kernel code it
	 * then adds the syscall-exit backstop: docs/threat-model.md. */
	bool skipped_when_preempted;
	/* Its hooks can refuse signals, bpf() commands, unmounts and opens
	 * of pins, which run --seal needs. */
	bool can_seal;
	/* The levels it honours, in words for `check`. */
	const char *levels;
	/* What it cannot see or stop, NULL-terminated. */
	const char *const *gaps;
	/* Reasons it cannot work that no load attempt would reveal; NULL when
	 * loading tells everything. */
	int (*precheck)(char *why, size_t len);
};

/* The row of @b; NULL for IG_BACKEND_AUTO or a value out of range. */
const struct ig_backend_info *backend__info(enum ig_backend b);
const char *backend__name(enum ig_backend b);
int backend__parse(const char *s, enum ig_backend *out);
/* @b is known and cannot deny, only kill after the operation. False for
 * AUTO: with the backend unknown there is nothing to warn about. */
bool backend__kill_only(enum ig_backend b);
/* @b is known and cannot see overlayfs backing files. False for AUTO. */
bool backend__refuses_overlay(enum ig_backend b);
/* @b needs the syscall-exit backstop on this kernel. */
bool backend__needs_backstop(enum ig_backend b);
/* @b can seal (run --seal); true for AUTO, which then tries only those. */
bool backend__can_seal(enum ig_backend b);
/* A gap @b has on this kernel beyond its fixed ones, or NULL: fmod_ret
 * checks that the kernel skips while a preempted task is inside one, of
 * which the backstop catches what reaches a file's bytes. */
const char *backend__kernel_gap(enum ig_backend b);
/* A gap of the BPF build this kernel loads, whichever the backend, or
 * NULL: the legacy build (no bpf_loop, before 5.17) judges a protected
 * name inside a tree by the name's rule alone. */
const char *backend__build_gap(void);
/* Prechecks, loads with @o, attaches and proves @b live: 0 or -errno with
 * the reason in @why. With @keep the working instance is left there for the
 * caller; without, it is unloaded again (`check` only asks whether it works). */
int backend__probe(enum ig_backend b, const struct ig_load_opts *o,
		   struct ig_instance *keep, char *why, size_t len);
/* Probes and keeps the requested backend, or with AUTO the best one that
 * works, logging each fallback and its reason; *@chosen says which. With
 * o->seal only backends that can seal are tried, and -EOPNOTSUPP says
 * none of them works here. */
int backend__select(enum ig_backend want, const struct ig_load_opts *o,
		    struct ig_instance *inst, enum ig_backend *chosen);

#endif
