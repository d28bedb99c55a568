/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Logging: one clear line per problem on stderr (or JSON on stdout with -j),
 * and libbpf's own messages only with -v. */
#ifndef IG_LOG_H
#define IG_LOG_H

#include <stdarg.h>
#include <stdbool.h>

extern bool log_json;
extern int log_verbose;

void log__init(bool json, int verbose);
void p_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void p_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void p_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void p_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
