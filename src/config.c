// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Parsing stage: levels, CLI entries and config files. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
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

/* The length of path's directory part: up to its last slash (0 for the
 * root's children), or -EINVAL for a path with no slash. */
static int dir_len(const char *path, size_t *len)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return -EINVAL;
	*len = (size_t)(slash - path);
	return 0;
}

/* A record for the directory of dlen bytes at path whose entries' names
 * are in *names; or, with name, one made for one entry, whose name it
 * holds after its path. */
static struct ig_dir *dir_new(const char *path, size_t dlen, const char *origin,
			      char *const *names, const char *name)
{
	size_t nlen = name ? strlen(name) + 1 : 0;
	struct ig_dir *d = calloc(1, sizeof(*d) + dlen + 1 + nlen);

	if (!d)
		return NULL;
	memcpy(d->path, path, dlen);
	d->origin = origin;
	d->names = names;
	if (name) {
		d->own_name = d->path + dlen + 1;
		memcpy(d->own_name, name, nlen);
		d->names = &d->own_name;
		d->owned = true;
	}
	return d;
}

static void dir_free(struct ig_dir *d)
{
	if (d) {
		free(d->more);
		free(d);
	}
}

/* FNV-1a over the path, as names are hashed, seeded with the origin. */
static size_t dir_hash(const char *path, size_t dlen, const char *origin)
{
	__u64 h = IG_NAME_HASH_SEED ^ (uintptr_t)origin;
	size_t i;

	for (i = 0; i < dlen; i++)
		h = ig_name_hash_step(h, (unsigned char)path[i]);
	return (size_t)(h ^ (h >> 29));
}

static bool dir_is(const struct ig_dir *d, const char *path, size_t dlen, const char *origin)
{
	return d->origin == origin && strncmp(d->path, path, dlen) == 0 && !d->path[dlen];
}

/* A new record of p's for the directory of dlen bytes at path, appended
 * to its records; NULL when out of memory. */
static struct ig_dir *dirs_append(struct ig_policy *p, const char *path, size_t dlen,
				  const char *origin)
{
	struct ig_dir *d;

	if (array__grow((void **)&p->dirs, &p->dirs_cap, p->ndirs, sizeof(*p->dirs)))
		return NULL;
	d = dir_new(path, dlen, origin, &p->names->buf, NULL);
	if (d)
		p->dirs[p->ndirs++] = d;
	return d;
}

/* Doubles the hash of p's directories, so it stays at most half full. */
static int dir_slots_grow(struct ig_policy *p)
{
	size_t nslots = p->dir_nslots ? p->dir_nslots * 2 : 64, i, s;
	__u32 *slots = calloc(nslots, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (i = 0; i < p->ndirs; i++) {
		const struct ig_dir *d = p->dirs[i];

		s = dir_hash(d->path, strlen(d->path), d->origin) & (nslots - 1);
		while (slots[s])
			s = (s + 1) & (nslots - 1);
		slots[s] = (__u32)i + 1;
	}
	free(p->dir_slots);
	p->dir_slots = slots;
	p->dir_nslots = nslots;
	return 0;
}

/* p's record of the directory of dlen bytes at path as origin names it,
 * made when it has none; NULL when out of memory. Files of one directory
 * usually follow each other, so the last one found is tried first. */
static struct ig_dir *policy_dir(struct ig_policy *p, const char *path, size_t dlen,
				 const char *origin)
{
	struct ig_dir *d;
	size_t s;

	if (p->ndirs && dir_is(p->dirs[p->ndirs - 1], path, dlen, origin))
		return p->dirs[p->ndirs - 1];
	if ((p->ndirs + 1) * 2 > p->dir_nslots && dir_slots_grow(p))
		return NULL;
	s = dir_hash(path, dlen, origin) & (p->dir_nslots - 1);
	for (; p->dir_slots[s]; s = (s + 1) & (p->dir_nslots - 1)) {
		d = p->dirs[p->dir_slots[s] - 1];
		if (dir_is(d, path, dlen, origin))
			return d;
	}
	d = dirs_append(p, path, dlen, origin);
	if (d)
		p->dir_slots[s] = (__u32)p->ndirs;
	return d;
}

/* Appends name to p's names; its offset, or -ENOMEM. */
static int64_t policy_add_name(struct ig_policy *p, const char *name)
{
	struct ig_names *n = p->names;
	size_t len = strlen(name) + 1, off = n->len;

	if (len > UINT32_MAX - off)
		return -ENOMEM;
	while (off + len > n->cap)
		if (bigarray__grow((void **)&n->buf, &n->cap, n->cap, 1))
			return -ENOMEM;
	memcpy(n->buf + off, name, len);
	n->len += len;
	return (int64_t)off;
}

struct ig_dir *policy__dir_new(struct ig_policy *p, const char *path, const char *origin)
{
	return dirs_append(p, path, strlen(path), origin);
}

void entry__move_to(struct ig_entry *e, struct ig_dir *d)
{
	e->dir = d;
}

int policy__add(struct ig_policy *p, const char *path, const char *base_dir,
		enum ig_level level, const char *origin, unsigned int line)
{
	/* Where it is given, formatted only for an error. */
	struct ig_dir at = { .origin = origin };
	const struct ig_entry where = { .dir = &at, .line = line };
	char joined[PATH_MAX], buf[IG_ORIGIN_BUF], q[QUOTE_BUF];
	struct ig_entry *e;
	struct ig_dir *d;
	int64_t name;
	size_t dlen = 0;
	int n;

	if (path[0] != '/') {
		n = snprintf(joined, sizeof(joined), "%s/%s", base_dir, path);
		if (n < 0 || (size_t)n >= sizeof(joined))
			goto too_long;
		path = joined;
	} else if (strlen(path) >= PATH_MAX) {
		goto too_long;
	}
	dir_len(path, &dlen);
	if (bigarray__grow((void **)&p->v, &p->cap, p->n, sizeof(*p->v)))
		goto nomem;
	if (!p->names && !(p->names = calloc(1, sizeof(*p->names))))
		goto nomem;
	d = policy_dir(p, path, dlen, origin);
	if (!d || (name = policy_add_name(p, path + dlen + 1)) < 0)
		goto nomem;
	e = &p->v[p->n];
	memset(e, 0, sizeof(*e));
	e->dir = d;
	e->name = (__u32)name;
	e->line = line;
	e->level = level;
	p->n++;
	return 0;
too_long:
	p_err("%s: %s: %s", entry__origin(&where, buf, sizeof(buf)), quote__str(path, q),
	      strerror(ENAMETOOLONG));
	return -ENAMETOOLONG;
nomem:
	p_err("%s: out of memory", entry__origin(&where, buf, sizeof(buf)));
	return -ENOMEM;
}

const char *entry__origin(const struct ig_entry *e, char *buf, size_t len)
{
	if (!e->line)
		return e->dir->origin;
	snprintf(buf, len, "%s:%u", e->dir->origin, e->line);
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
	struct ig_allows *allow;

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
	allow = entry__allow_new(&p->v[p->n - 1]);
	if (!allow) {
		p_err("%s: out of memory", origin);
		return -ENOMEM;
	}
	return allow__parse(allow, kind, trim(value), origin);
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

/* A record of its own for the entry at the absolute path; 0, -EINVAL or
 * -ENOMEM. */
static int own_dir(const char *path, const char *origin, struct ig_dir **d)
{
	size_t dlen;

	if (dir_len(path, &dlen) || strlen(path) >= PATH_MAX)
		return -EINVAL;
	*d = dir_new(path, dlen, origin, NULL, path + dlen + 1);
	return *d ? 0 : -ENOMEM;
}

int entry__init(struct ig_entry *e, const char *path, const char *origin)
{
	memset(e, 0, sizeof(*e));
	return own_dir(path, origin, &e->dir);
}

int entry__set_path(struct ig_entry *e, const char *path)
{
	struct ig_dir *d;
	int err;

	err = own_dir(path, e->dir->origin, &d);
	if (err)
		return err;
	if (e->dir->owned)
		dir_free(e->dir);
	e->dir = d;
	e->name = 0;
	return 0;
}

const char *entry__name(const struct ig_entry *e)
{
	return *e->dir->names + e->name;
}

const char *entry__path(const struct ig_entry *e, char buf[PATH_MAX])
{
	/* Both were made shorter than PATH_MAX together. */
	snprintf(buf, PATH_MAX, "%s/%s", e->dir->path, entry__name(e));
	return buf;
}

struct ig_allows *entry__allow(const struct ig_entry *e)
{
	return e->rare ? e->rare->allow : NULL;
}

struct ig_allows *entry__allow_new(struct ig_entry *e)
{
	if (!e->rare && !(e->rare = calloc(1, sizeof(*e->rare))))
		return NULL;
	if (!e->rare->allow)
		e->rare->allow = calloc(1, sizeof(*e->rare->allow));
	return e->rare->allow;
}

const struct ig_key *entry__key_at(const struct ig_entry *e, int i)
{
	return i ? &e->rare->more[i - 1] : &e->key;
}

const struct ig_key *entry__dir_key_at(const struct ig_entry *e, int i)
{
	return i ? &e->dir->more[i - 1] : &e->dir->key;
}

int entry__keys(const struct ig_entry *e, bool dir, struct ig_key out[IG_TARGET_KEYS])
{
	int i, n = dir ? e->dir->nkeys : e->nkeys;

	for (i = 0; i < n; i++)
		out[i] = *(dir ? entry__dir_key_at(e, i) : entry__key_at(e, i));
	return n;
}

/* Sets d's keys to the n at k; 0 or -ENOMEM. */
static int dir_set_keys(struct ig_dir *d, const struct ig_key *k, int n)
{
	struct ig_key *more = NULL;

	if (n > 1) {
		more = malloc((size_t)(n - 1) * sizeof(*more));
		if (!more)
			return -ENOMEM;
		memcpy(more, k + 1, (size_t)(n - 1) * sizeof(*more));
	}
	free(d->more);
	d->more = more;
	if (n)
		d->key = k[0];
	d->nkeys = (__u8)n;
	return 0;
}

int entry__set_keys(struct ig_entry *e, bool dir, const struct ig_key *k, int n)
{
	if (dir)
		return dir_set_keys(e->dir, k, n);
	if (n > 1 && !e->rare && !(e->rare = calloc(1, sizeof(*e->rare))))
		return -ENOMEM;
	if (n > 1)
		memcpy(e->rare->more, k + 1, (size_t)(n - 1) * sizeof(*k));
	if (n)
		e->key = k[0];
	e->nkeys = (unsigned int)n;
	return 0;
}

/* Drops rare when it holds nothing. */
static void rare_trim(struct ig_entry *e)
{
	if (e->rare && !e->rare->allow && e->nkeys <= 1) {
		free(e->rare);
		e->rare = NULL;
	}
}

void entry__free_keys(struct ig_entry *e)
{
	e->nkeys = 0;
	if (e->dir && e->dir->owned)
		dir_set_keys(e->dir, NULL, 0);
	rare_trim(e);
}

void entry__free_allow(struct ig_entry *e)
{
	if (e->rare && e->rare->allow) {
		allow__free(e->rare->allow);
		free(e->rare->allow);
		e->rare->allow = NULL;
	}
	rare_trim(e);
}

void entry__free(struct ig_entry *e)
{
	entry__free_allow(e);
	free(e->rare);
	e->rare = NULL;
	e->nkeys = 0;
	if (e->dir && e->dir->owned)
		dir_free(e->dir);
	e->dir = NULL;
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
	for (i = 0; i < p->ndirs; i++)
		dir_free(p->dirs[i]);
	free(p->dirs);
	if (p->names)
		bigarray__free(p->names->buf, p->names->cap, 1);
	free(p->names);
	p->names = NULL;
	free(p->dir_slots);
	p->dirs = NULL;
	p->dir_slots = NULL;
	p->ndirs = p->dirs_cap = p->dir_nslots = 0;
	free(p->groups);
	p->groups = NULL;
	p->ngroups = 0;
	strpool__free(&p->strings);
}
