/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Logging: one clear line per problem on stderr (or, with -j, a member of
 * the command's one JSON document on stdout), and libbpf's own messages
 * only with -v. */
#ifndef IG_LOG_H
#define IG_LOG_H

#include <stdarg.h>
#include <stdbool.h>

struct json;

extern bool log_json;
extern int log_verbose;

/* The shape of a command's -j output. */
enum log_doc {
	LOG_DOC_ARRAY,  /* [results..., {"error":...}, {"warning":...}] */
	LOG_DOC_OBJECT, /* {members..., "errors":[...], "warnings":[...]} */
	LOG_DOC_LINES,  /* one object per line: events, {"error":...} */
};

void log__init(bool json, int verbose);
/* Starts the command's one document on stdout; NULL without -j, where
 * the command prints text. Main calls it once, before the command. */
struct json *log__begin(enum log_doc kind);
/* The writer log__begin() started, or NULL. */
struct json *log__json(void);
/* Ends the document, with what is held; main calls it once at the end. */
void log__end(void);
/* Drops a document inherited across fork() without writing it: a sealed
 * daemon's worker starts its own command's document (relay.c). */
void log__forget(void);
void p_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void p_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void p_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void p_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
