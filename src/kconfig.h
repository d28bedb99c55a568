/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Kernel config: the running kernel's, read and checked against the requirements. */
#ifndef IG_KCONFIG_H
#define IG_KCONFIG_H

#include <stddef.h>

struct kconfig;

/* Called once per requirement the config does not satisfy. @want is the
 * accepted values as written in the table ("y" or "y|m"); @why is plain words. */
typedef void (*kconfig_missing_fn)(const char *name, const char *want,
				   const char *why, void *ctx);

/* Called once per requirement line of a backend (common lines included). */
typedef void (*kconfig_requirement_fn)(const char *backend, const char *name,
				       const char *want, const char *why,
				       void *ctx);

/* Finds and parses the running kernel's config: /proc/config.gz, else
 * /boot/config-$(uname -r) (the same order as kconfig-check.sh).
 * Returns 0, -ENOENT if neither exists, or another -errno. */
int kconfig__load(struct kconfig **out);

/* Parses one config file, gzip-compressed or plain. Returns 0 or -errno. */
int kconfig__load_file(const char *path, struct kconfig **out);

/* Parses config text held in memory (@len bytes, need not end in NUL). */
int kconfig__parse(const char *text, size_t len, const char *source,
		   struct kconfig **out);

/* Where the config came from: a path, or the @source given to parse. */
const char *kconfig__source(const struct kconfig *kc);

/* The value of CONFIG_@name ("y", "m", a number, or a string without its
 * quotes), or NULL when it is absent or "is not set". @name may be given
 * with or without the CONFIG_ prefix. */
const char *kconfig__value(const struct kconfig *kc, const char *name);

/* Number of options set in the config (for tests and diagnostics). */
size_t kconfig__count(const struct kconfig *kc);

/* Checks @backend's requirements, plus the "common" ones unless @backend is
 * "common" itself, against the table embedded at build time. Calls @cb (may
 * be NULL) for each one not satisfied. Returns the number missing, or
 * -ENOENT for a backend the table does not know, or -EINVAL. */
int kconfig__missing(const struct kconfig *kc, const char *backend,
		     kconfig_missing_fn cb, void *ctx);

/* Same, against a table given as TSV text (tests use their own tables). */
int kconfig__missing_in(const char *table, const struct kconfig *kc,
			const char *backend, kconfig_missing_fn cb, void *ctx);

/* Walks the embedded requirements of @backend (common lines included unless
 * @backend is "common"), or of every backend if @backend is NULL. Returns the
 * number of lines visited, or -ENOENT for an unknown backend. */
int kconfig__requirements(const char *backend, kconfig_requirement_fn cb,
			  void *ctx);

/* The embedded requirements table, as TSV text without comments. */
const char *kconfig__requirements_tsv(void);

void kconfig__free(struct kconfig *kc);

#endif
