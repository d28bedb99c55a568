/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Backends: names, what each can enforce, and choosing one by proof. */
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

const char *backend__name(enum ig_backend b);
int backend__parse(const char *s, enum ig_backend *out);
/* Whether the backend can fail the operation, or only kill afterwards. */
bool backend__can_deny(enum ig_backend b);
/* Reasons a backend cannot work that no load attempt would reveal. */
int backend__precheck(enum ig_backend b, char *why, size_t len);
/* Loads, attaches and proves live the requested backend, or with AUTO the
 * best one that works, logging each fallback and its reason. */
int backend__select(enum ig_backend want, const struct ig_load_opts *o,
		    struct ig_instance *inst);
/* Reads /sys/kernel/security/lsm; -errno if it cannot be read. */
int backend__lsm_list(char *buf, size_t len);

#endif
