/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* A small streaming JSON writer: commas and escaping in one place. */
#ifndef IG_JSON_H
#define IG_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct json;

struct json *json__new(FILE *out);
/* Ends the current line, if anything is on it, and flushes; at the top
 * level the next value starts a new document (JSON lines). */
void json__newline(struct json *j);
/* Ends the current line and frees. */
void json__free(struct json *j);

void json__begin_object(struct json *j);
void json__end_object(struct json *j);
void json__begin_array(struct json *j);
void json__end_array(struct json *j);
void json__key(struct json *j, const char *key);
void json__str(struct json *j, const char *s);
void json__uint(struct json *j, uint64_t v);
void json__int(struct json *j, int64_t v);
void json__bool(struct json *j, bool v);
void json__null(struct json *j);

void json__kv_str(struct json *j, const char *key, const char *s);
void json__kv_uint(struct json *j, const char *key, uint64_t v);
void json__kv_int(struct json *j, const char *key, int64_t v);
void json__kv_bool(struct json *j, const char *key, bool v);

#endif
