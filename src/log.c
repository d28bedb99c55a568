// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Logging and the libbpf print hook. */
#include <stdio.h>
#include <bpf/libbpf.h>
#include "log.h"
#include "json.h"

bool log_json;
int log_verbose;

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	/* libbpf explains every failure at length; users get our one line,
	 * the dump only when they ask with -v (-vv for libbpf's debug). */
	if (log_verbose < 1 || (level == LIBBPF_DEBUG && log_verbose < 2))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

void log__init(bool json, int verbose)
{
	log_json = json;
	log_verbose = verbose;
	libbpf_set_print(libbpf_print);
}

static void vlog(const char *kind, const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_json) {
		/* Keep stdout parseable: errors become a JSON object there. */
		struct json *j = json__new(stdout);

		json__begin_object(j);
		json__kv_str(j, kind, msg);
		json__end_object(j);
		json__free(j);
		return;
	}
	if (kind[0] == 'e')
		fprintf(stderr, "inodeguard: %s\n", msg);
	else
		fprintf(stderr, "inodeguard: %s: %s\n", kind, msg);
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
