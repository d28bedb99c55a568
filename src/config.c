// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Parsing stage: levels, CLI entries and config files. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "array.h"
#include "config.h"
#include "log.h"
#include "quote.h"

/* A binary file given as -c would otherwise print a line per "line" of
 * it: the first few bad lines are shown, the rest only counted. */
#define CONFIG_MAX_ERRORS 10

/* Bad lines of the file being read, counted for line_err(). */
static int line_errors;

#define line_err(...) \
	do { \
		if (++line_errors <= CONFIG_MAX_ERRORS) \
			p_err(__VA_ARGS__); \
	} while (0)

static const char *const level_names[] = {
	[IG_LEVEL_AUDIT] = "audit",
	[IG_LEVEL_DENY] = "deny",
	[IG_LEVEL_KILL] = "kill",
};

const char *level__name(unsigned int level)
{
	return level <= IG_LEVEL_KILL ? level_names[level] : "kill";
}

int level__parse(const char *s, enum ig_level *out)
{
	unsigned long n;
	char *end;
	size_t i;

	for (i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcasecmp(s, level_names[i]) == 0) {
			*out = i;
			return 0;
		}
	}
	if (!isdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	n = strtoul(s, &end, 10);
	if (*end || errno)
		return -EINVAL;
	*out = n >= IG_LEVEL_KILL ? IG_LEVEL_KILL : (enum ig_level)n;
	return 0;
}

int policy__add(struct ig_policy *p, const char *path, const char *base_dir,
		enum ig_level level, const char *origin, unsigned int line)
{
	const struct ig_entry where = { .origin = origin, .line = line };
	char buf[IG_ORIGIN_BUF];
	struct ig_entry *e;
	char *joined = NULL;

	if (bigarray__grow((void **)&p->v, &p->cap, p->n, sizeof(*p->v)))
		goto nomem;
	e = &p->v[p->n];
	memset(e, 0, sizeof(*e));
	if (path[0] == '/') {
		e->path = strpool__dup(&p->strings, path, strlen(path));
	} else if (asprintf(&joined, "%s/%s", base_dir, path) >= 0) {
		e->path = strpool__dup(&p->strings, joined, strlen(joined));
		free(joined);
	}
	if (!e->path)
		goto nomem;
	e->path_pooled = true;
	e->origin = origin;
	e->line = line;
	e->level = level;
	p->n++;
	return 0;
nomem:
	p_err("%s: out of memory", entry__origin(&where, buf, sizeof(buf)));
	return -ENOMEM;
}

const char *entry__origin(const struct ig_entry *e, char *buf, size_t len)
{
	if (!e->line)
		return e->origin;
	snprintf(buf, len, "%s:%u", e->origin, e->line);
	return buf;
}

static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/* '#' starts a comment at the start of a line or after white space; a '#'
 * inside a word (a path like "a#b") is kept. */
static void strip_comment(char *line)
{
	char *p;

	for (p = line; *p; p++) {
		if (*p == '#' && (p == line || isspace((unsigned char)p[-1]))) {
			*p = '\0';
			return;
		}
	}
}

/* The directory that relative entries of a config file are relative to. */
static int config_dir(const char *file, char *dir, size_t len)
{
	char cwd[PATH_MAX];
	const char *slash = strrchr(file, '/');
	int n;

	if (file[0] == '/') {
		n = snprintf(dir, len, "%.*s", slash == file ? 1 : (int)(slash - file), file);
	} else {
		if (!getcwd(cwd, sizeof(cwd)))
			return -errno;
		if (slash)
			n = snprintf(dir, len, "%s/%.*s", cwd, (int)(slash - file), file);
		else
			n = snprintf(dir, len, "%s", cwd);
	}
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/*
 * "allow KIND VALUE", indented under the entry it belongs to; the value is
 * the rest of the line. first is this file's first entry in p, so an
 * allow line never attaches to an entry of another file.
 */
static int parse_allow_line(struct ig_policy *p, size_t first, char *line, bool indented,
			    const char *origin)
{
	char *kind = line + strlen("allow"), *value;
	struct ig_entry *e;

	if (!indented) {
		line_err("%s: an allow line must be indented under the entry it belongs to", origin);
		return -EINVAL;
	}
	if (p->n <= first) {
		line_err("%s: allow with no entry before it", origin);
		return -EINVAL;
	}
	kind = trim(kind);
	value = kind + strcspn(kind, " \t");
	if (*value)
		*value++ = '\0';
	e = &p->v[p->n - 1];
	if (!e->allow && !(e->allow = calloc(1, sizeof(*e->allow)))) {
		p_err("%s: out of memory", origin);
		return -ENOMEM;
	}
	return allow__parse(e->allow, kind, trim(value), origin);
}

static bool is_allow_line(const char *s)
{
	return strncmp(s, "allow", 5) == 0 && (s[5] == ' ' || s[5] == '\t' || !s[5]);
}

/* "LEVEL PATH": the path is the rest of the line, so it may hold spaces;
 * the entry's origin is file (a name the policy holds) at lineno. */
static int parse_line(struct ig_policy *p, char *line, const char *dir,
		      const char *file, unsigned int lineno)
{
	enum ig_level level;
	char *word = line, *path, q[QUOTE_BUF];

	path = word + strcspn(word, " \t");
	if (!*path) {
		line_err("%s:%u: expected 'LEVEL PATH', got '%s'", file, lineno, quote__str(word, q));
		return -EINVAL;
	}
	*path++ = '\0';
	path = trim(path);
	if (level__parse(word, &level)) {
		line_err("%s:%u: unknown level '%s' (use audit, deny, kill or 0, 1, 2)",
			 file, lineno, quote__str(word, q));
		return -EINVAL;
	}
	if (!*path) {
		line_err("%s:%u: missing path after level '%s'", file, lineno, quote__str(word, q));
		return -EINVAL;
	}
	return policy__add(p, path, dir, level, file, lineno);
}

/*
 * Opens a config for reading without waiting on it: opening a FIFO that
 * no process holds for writing blocks until one does, which at start-up
 * or on a reload would leave the daemon hung on a path that is only
 * meant to be read. Opened O_NONBLOCK, such a FIFO reads as empty; a
 * pipe with a writer (`-c <(...)`) is read as before, blocking again
 * once open.
 */
static FILE *config_open(const char *file)
{
	int fd = open(file, O_RDONLY | O_CLOEXEC | O_NONBLOCK), flags, saved;
	FILE *f;

	if (fd < 0)
		return NULL;
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0)
		goto fail;
	f = fdopen(fd, "r");
	if (f)
		return f;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return NULL;
}

int policy__load_file(struct ig_policy *p, const char *file)
{
	char dir[PATH_MAX], origin[QUOTE_BUF + 32], q[QUOTE_BUF];
	char *line = NULL, *s, *file_name;
	size_t cap = 0, first = p->n;
	ssize_t n;
	int err = 0, lineno = 0, bad = 0;
	bool indented;
	FILE *f;

	/* Origins carry the file's name into every later message. */
	quote__str(file, q);
	file_name = strpool__dup(&p->strings, q, strlen(q));
	if (!file_name) {
		p_err("%s: out of memory", q);
		return -ENOMEM;
	}
	f = config_open(file);
	if (!f) {
		err = -errno;
		p_err("%s: cannot read config: %s", q, strerror(errno));
		return err;
	}
	err = config_dir(file, dir, sizeof(dir));
	if (err) {
		p_err("%s: cannot resolve its directory: %s", q, strerror(-err));
		goto cleanup;
	}
	line_errors = 0;
	while ((n = getline(&line, &cap, f)) >= 0) {
		lineno++;
		/* What follows a NUL would be dropped unseen: no text line. */
		if (strlen(line) != (size_t)n) {
			line_err("%s:%d: a NUL byte in the line (not a text file?)", q, lineno);
			bad++;
			continue;
		}
		strip_comment(line);
		indented = line[0] == ' ' || line[0] == '\t';
		s = trim(line);
		if (!*s)
			continue;
		/* "FILE:LINE" is formatted only for the few lines that keep it;
		 * a million entries hold the file's name and their line. */
		if (is_allow_line(s)) {
			snprintf(origin, sizeof(origin), "%s:%d", q, lineno);
			err = parse_allow_line(p, first, s, indented, origin);
		} else {
			err = parse_line(p, s, dir, file_name, (unsigned int)lineno);
		}
		if (err == -ENOMEM)
			break;
		bad += err != 0;
		err = 0;
	}
	/* getline() stops short of the end on a read error or when a line
	 * finds no memory: that is no bad line, and no whole policy either. */
	if (!err && !feof(f))
		err = errno ? -errno : -EIO;
	if (err) {
		p_err("%s: cannot read config: %s", q, strerror(-err));
		goto cleanup;
	}
	if (line_errors > CONFIG_MAX_ERRORS)
		p_err("%s: %d more bad lines not shown", q, line_errors - CONFIG_MAX_ERRORS);
	err = bad ? -EINVAL : 0;
cleanup:
	free(line);
	fclose(f);
	return err;
}

static int extra_keys(int n)
{
	return n > 1 ? n - 1 : 0;
}

const struct ig_key *entry__key_at(const struct ig_entry *e, int i)
{
	return i ? &e->more[i - 1] : &e->key;
}

const struct ig_key *entry__dir_key_at(const struct ig_entry *e, int i)
{
	return i ? &e->more[extra_keys(e->nkeys) + i - 1] : &e->dir_key;
}

int entry__keys(const struct ig_entry *e, bool dir, struct ig_key out[IG_TARGET_KEYS])
{
	int i, n = dir ? e->ndir_keys : e->nkeys;

	for (i = 0; i < n; i++)
		out[i] = *(dir ? entry__dir_key_at(e, i) : entry__key_at(e, i));
	return n;
}

int entry__set_keys(struct ig_entry *e, bool dir, const struct ig_key *k, int n)
{
	struct ig_key file[IG_TARGET_KEYS], dirs[IG_TARGET_KEYS], *more = NULL;
	int nf = dir ? entry__keys(e, false, file) : n;
	int nd = dir ? n : entry__keys(e, true, dirs);

	memcpy(dir ? dirs : file, k, (size_t)n * sizeof(*k));
	if (extra_keys(nf) + extra_keys(nd)) {
		more = malloc((size_t)(extra_keys(nf) + extra_keys(nd)) * sizeof(*more));
		if (!more)
			return -ENOMEM;
		memcpy(more, file + 1, (size_t)extra_keys(nf) * sizeof(*more));
		memcpy(more + extra_keys(nf), dirs + 1, (size_t)extra_keys(nd) * sizeof(*more));
	}
	free(e->more);
	e->more = more;
	e->nkeys = (__u8)nf;
	e->ndir_keys = (__u8)nd;
	if (nf)
		e->key = file[0];
	if (nd)
		e->dir_key = dirs[0];
	return 0;
}

void entry__free_keys(struct ig_entry *e)
{
	free(e->more);
	e->more = NULL;
	e->nkeys = e->ndir_keys = 0;
}

void entry__free_allow(struct ig_entry *e)
{
	if (e->allow) {
		allow__free(e->allow);
		free(e->allow);
		e->allow = NULL;
	}
}

void entry__free(struct ig_entry *e)
{
	entry__free_keys(e);
	entry__free_allow(e);
	if (!e->path_pooled)
		free(e->path);
	e->path = NULL;
}

void policy__free(struct ig_policy *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		entry__free(&p->v[i]);
	bigarray__free(p->v, p->cap, sizeof(*p->v));
	p->v = NULL;
	p->n = p->cap = 0;
	for (i = 0; i < p->naliases; i++)
		entry__free(&p->aliases[i].name);
	free(p->aliases);
	p->aliases = NULL;
	p->naliases = p->aliases_cap = 0;
	free(p->groups);
	p->groups = NULL;
	p->ngroups = 0;
	strpool__free(&p->strings);
}
