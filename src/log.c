// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Logging, the libbpf print hook, and the one JSON document of a command. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/libbpf.h>
#include "array.h"
#include "json.h"
#include "log.h"

bool log_json;
int log_verbose;
/* stderr is a journald stream: lines carry sd-daemon priority prefixes. */
static bool log_journal;

/* With -j, everything a command prints on stdout goes through this one
 * writer (bpftool's json_wtr), so whatever fails the output stays one
 * valid document. Messages that cannot be written where they happen (an
 * object is open, or no document yet) wait in held until log__end(). */
struct held_msg {
	const char *kind; /* "error" or "warning" */
	char *msg;
};

static struct {
	struct json *j;
	enum log_doc kind;
	struct held_msg *held;
	size_t n, cap;
} doc;

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	/* libbpf explains every failure at length; users get our one line,
	 * the dump only when they ask with -v (-vv for libbpf's debug). */
	if (log_verbose < 1 || (level == LIBBPF_DEBUG && log_verbose < 2))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

/* journald sets JOURNAL_STREAM=DEV:INO for the stream it hands a unit;
 * it is stderr's only if the inode matches, since a child whose stderr was
 * redirected inherits the variable too (sd_journal_stream_fd(3)). */
static bool stderr_is_journal(void)
{
	const char *env = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	char end;

	if (!env || sscanf(env, "%llu:%llu%c", &dev, &ino, &end) != 2)
		return false;
	if (fstat(STDERR_FILENO, &st))
		return false;
	return st.st_dev == (dev_t)dev && st.st_ino == (ino_t)ino;
}

void log__init(bool json, int verbose)
{
	log_json = json;
	log_verbose = verbose;
	log_journal = stderr_is_journal();
	libbpf_set_print(libbpf_print);
}

/* One message as a value of its own: {"error":"..."}. */
static void write_msg(struct json *j, const char *kind, const char *msg)
{
	json__begin_object(j);
	json__kv_str(j, kind, msg);
	json__end_object(j);
	if (doc.kind == LOG_DOC_LINES)
		json__newline(j);
}

/* "errors":[...] and "warnings":[...] members, each only if not empty. */
static void write_held_members(struct json *j)
{
	static const char *const kinds[] = { "error", "warning" };
	static const char *const keys[] = { "errors", "warnings" };
	size_t i, k, n;

	for (k = 0; k < 2; k++) {
		for (i = 0, n = 0; i < doc.n; i++) {
			if (strcmp(doc.held[i].kind, kinds[k]))
				continue;
			if (!n++) {
				json__key(j, keys[k]);
				json__begin_array(j);
			}
			json__str(j, doc.held[i].msg);
		}
		if (n)
			json__end_array(j);
	}
}

/* The one line of an error or a warning on stderr; under journald it has
 * the sd-daemon prefix (<3> err, <4> warning), so `journalctl -p warning`
 * finds it while events on stdout stay at the unit's default, info. */
static void stderr_line(const char *kind, const char *msg)
{
	bool err = kind[0] == 'e';

	fprintf(stderr, "%sinodeguard: %s%s%s\n", log_journal ? (err ? "<3>" : "<4>") : "",
		err ? "" : kind, err ? "" : ": ", msg);
}

static void held_free(void)
{
	size_t i;

	for (i = 0; i < doc.n; i++)
		free(doc.held[i].msg);
	free(doc.held);
	doc.held = NULL;
	doc.n = doc.cap = 0;
}

static void hold(const char *kind, const char *msg)
{
	char *copy = strdup(msg);

	if (!copy || array__grow((void **)&doc.held, &doc.cap, doc.n, sizeof(*doc.held))) {
		/* Out of memory: stderr keeps the message, stdout stays valid. */
		free(copy);
		stderr_line(kind, msg);
		return;
	}
	doc.held[doc.n].kind = kind;
	doc.held[doc.n++].msg = copy;
}

struct json *log__begin(enum log_doc kind)
{
	size_t i;

	if (!log_json || doc.j)
		return doc.j;
	doc.j = json__new(stdout);
	if (!doc.j)
		return NULL;
	doc.kind = kind;
	if (kind == LOG_DOC_OBJECT) {
		json__begin_object(doc.j);
		return doc.j;
	}
	if (kind == LOG_DOC_ARRAY)
		json__begin_array(doc.j);
	for (i = 0; i < doc.n; i++)
		write_msg(doc.j, doc.held[i].kind, doc.held[i].msg);
	held_free();
	return doc.j;
}

struct json *log__json(void)
{
	return doc.j;
}

void log__forget(void)
{
	/* A forked child's copy of its parent's document: the writer and
	 * what it held are the parent's to end, not ours to print. */
	doc.j = NULL;
	held_free();
}

void log__end(void)
{
	if (!log_json)
		return;
	if (!doc.j) {
		/* Failed before any document (an unknown command or option). */
		if (!doc.n)
			return;
		log__begin(LOG_DOC_OBJECT);
		if (!doc.j)
			return;
	}
	if (doc.kind == LOG_DOC_OBJECT) {
		write_held_members(doc.j);
		json__end_object(doc.j);
	} else if (doc.kind == LOG_DOC_ARRAY) {
		json__end_array(doc.j);
	}
	json__free(doc.j);
	doc.j = NULL;
	held_free();
}

static void vlog(const char *kind, const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_json) {
		/* An array or a stream takes the message where it happens; an
		 * object gets it as a member when it ends. */
		if (doc.j && doc.kind != LOG_DOC_OBJECT)
			write_msg(doc.j, kind, msg);
		else
			hold(kind, msg);
		return;
	}
	stderr_line(kind, msg);
}

void p_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("error", fmt, ap);
	va_end(ap);
}

void p_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("warning", fmt, ap);
	va_end(ap);
}

void p_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

void p_debug(const char *fmt, ...)
{
	va_list ap;

	if (log_verbose < 1)
		return;
	va_start(ap, fmt);
	fputs("inodeguard: debug: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}
