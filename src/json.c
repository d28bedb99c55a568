// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* JSON writer used by every command's -j output. */
#include <inttypes.h>
#include <stdlib.h>
#include "json.h"

#define JSON_MAX_DEPTH 16

struct json {
	FILE *out;
	int depth;
	bool need_comma[JSON_MAX_DEPTH];
	bool after_key;
	bool line_open; /* written since the last newline */
};

struct json *json__new(FILE *out)
{
	struct json *j = calloc(1, sizeof(*j));

	if (j)
		j->out = out;
	return j;
}

void json__newline(struct json *j)
{
	if (j->line_open)
		fputc('\n', j->out);
	fflush(j->out);
	j->line_open = false;
	/* The next top-level value starts a line of its own, no comma. */
	if (j->depth == 0)
		j->need_comma[0] = false;
}

void json__free(struct json *j)
{
	if (!j)
		return;
	json__newline(j);
	free(j);
}

/* Every value or key is preceded by a comma unless it is the first in its
 * container or the value that follows a key. */
static void json_sep(struct json *j)
{
	j->line_open = true;
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (j->need_comma[j->depth])
		fputc(',', j->out);
	j->need_comma[j->depth] = true;
}

static void json_open(struct json *j, char c)
{
	json_sep(j);
	fputc(c, j->out);
	if (j->depth < JSON_MAX_DEPTH - 1)
		j->depth++;
	j->need_comma[j->depth] = false;
}

static void json_close(struct json *j, char c)
{
	if (j->depth > 0)
		j->depth--;
	fputc(c, j->out);
}

void json__begin_object(struct json *j) { json_open(j, '{'); }
void json__end_object(struct json *j) { json_close(j, '}'); }
void json__begin_array(struct json *j) { json_open(j, '['); }
void json__end_array(struct json *j) { json_close(j, ']'); }

/* The length of the valid UTF-8 sequence at p, or 0: JSON text is UTF-8,
 * and a file name need not be (overlong forms and surrogates included). */
static size_t utf8_seq(const unsigned char *p)
{
	unsigned int c;
	size_t n, i;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2, c = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3, c = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4, c = p[0] & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	return n;
}

static void json_quoted(FILE *out, const char *s)
{
	const unsigned char *p;
	size_t n;

	fputc('"', out);
	for (p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", out); break;
		case '\\': fputs("\\\\", out); break;
		case '\n': fputs("\\n", out); break;
		case '\t': fputs("\\t", out); break;
		case '\r': fputs("\\r", out); break;
		default:
			n = utf8_seq(p);
			if (*p < 0x20 || !n) {
				/* A byte that is no UTF-8 is written as the code
				 * point of its value: the text stays valid JSON. */
				fprintf(out, "\\u%04x", *p);
			} else {
				fwrite(p, 1, n, out);
				p += n - 1;
			}
		}
	}
	fputc('"', out);
}

void json__key(struct json *j, const char *key)
{
	json_sep(j);
	json_quoted(j->out, key);
	fputc(':', j->out);
	j->after_key = true;
}

void json__str(struct json *j, const char *s)
{
	json_sep(j);
	json_quoted(j->out, s ? s : "");
}

void json__uint(struct json *j, uint64_t v)
{
	json_sep(j);
	fprintf(j->out, "%" PRIu64, v);
}

void json__int(struct json *j, int64_t v)
{
	json_sep(j);
	fprintf(j->out, "%" PRId64, v);
}

void json__bool(struct json *j, bool v)
{
	json_sep(j);
	fputs(v ? "true" : "false", j->out);
}

void json__null(struct json *j)
{
	json_sep(j);
	fputs("null", j->out);
}

void json__kv_str(struct json *j, const char *key, const char *s)
{
	json__key(j, key);
	json__str(j, s);
}

void json__kv_uint(struct json *j, const char *key, uint64_t v)
{
	json__key(j, key);
	json__uint(j, v);
}

void json__kv_int(struct json *j, const char *key, int64_t v)
{
	json__key(j, key);
	json__int(j, v);
}

void json__kv_bool(struct json *j, const char *key, bool v)
{
	json__key(j, key);
	json__bool(j, v);
}
