// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Allow rules: parsing and resolution. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "allow.h"
#include "array.h"
#include "inodeguard.h"
#include "log.h"
#include "quote.h"

static const char *const kind_names[] = {
	[IG_ALLOW_UID] = "uid",
	[IG_ALLOW_GID] = "gid",
	[IG_ALLOW_EXE] = "exe",
	[IG_ALLOW_CGROUP] = "cgroup",
};

#define KINDS (sizeof(kind_names) / sizeof(kind_names[0]))

const char *allow__kind_name(__u32 kind)
{
	return kind > 0 && kind < KINDS ? kind_names[kind] : "?";
}

static int push(struct ig_allows *l, __u32 kind, const char *value, const char *origin)
{
	struct ig_allow *a;

	if (array__grow((void **)&l->v, &l->cap, l->n, sizeof(*l->v)))
		return -ENOMEM;
	a = &l->v[l->n];
	memset(a, 0, sizeof(*a));
	a->kind = kind;
	a->value = strdup(value);
	a->origin = strdup(origin);
	if (!a->value || !a->origin) {
		free(a->value);
		free(a->origin);
		return -ENOMEM;
	}
	l->n++;
	return 0;
}

int allow__parse(struct ig_allows *l, const char *kind, const char *value, const char *origin)
{
	char q[QUOTE_BUF];
	size_t k;

	for (k = 1; k < KINDS; k++)
		if (strcmp(kind, kind_names[k]) == 0)
			break;
	if (k == KINDS) {
		p_err("%s: unknown allow kind '%s' (use exe, uid, gid or cgroup)", origin,
		      quote__str(kind, q));
		return -EINVAL;
	}
	if (!*value) {
		p_err("%s: allow %s: missing value", origin, quote__str(kind, q));
		return -EINVAL;
	}
	return push(l, (__u32)k, value, origin);
}

int allow__parse_arg(struct ig_allows *l, const char *arg, const char *origin)
{
	const char *eq = strchr(arg, '=');
	char kind[16], q[QUOTE_BUF];

	if (!eq || (size_t)(eq - arg) >= sizeof(kind)) {
		p_err("%s: --allow '%s': expected KIND=VALUE (exe=PATH, uid=N|NAME, gid=N|NAME, cgroup=PATH)",
		      origin, quote__str(arg, q));
		return -EINVAL;
	}
	snprintf(kind, sizeof(kind), "%.*s", (int)(eq - arg), arg);
	return allow__parse(l, kind, eq + 1, origin);
}

int allow__append(struct ig_allows *dst, const struct ig_allows *src)
{
	size_t i;
	int err;

	for (i = 0; i < src->n; i++) {
		err = push(dst, src->v[i].kind, src->v[i].value, src->v[i].origin);
		if (err)
			return err;
		dst->v[dst->n - 1].num = src->v[i].num;
	}
	return 0;
}

/* The same rule once resolved: uid and gid by number, an executable or a
 * cgroup by its canonical path. */
static bool same_rule(const struct ig_allow *a, const struct ig_allow *b)
{
	if (a->kind != b->kind)
		return false;
	if (a->kind == IG_ALLOW_UID || a->kind == IG_ALLOW_GID)
		return a->num == b->num;
	return strcmp(a->value, b->value) == 0;
}

void allow__keep_common(struct ig_allows *l, const struct ig_allows *other)
{
	size_t i, j, kept = 0;

	for (i = 0; i < l->n; i++) {
		bool common = false;

		for (j = 0; other && !common && j < other->n; j++)
			common = same_rule(&l->v[i], &other->v[j]);
		if (common) {
			l->v[kept++] = l->v[i];
			continue;
		}
		free(l->v[i].value);
		free(l->v[i].origin);
	}
	l->n = kept;
}

void allow__free(struct ig_allows *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].value);
		free(l->v[i].origin);
	}
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

static bool parse_number(const char *s, __u64 *out)
{
	unsigned long long n;
	char *end;

	if (!isdigit((unsigned char)s[0]))
		return false;
	errno = 0;
	n = strtoull(s, &end, 10);
	if (*end || errno || n > UINT32_MAX - 1)
		return false;
	*out = n;
	return true;
}

static int resolve_id(struct ig_allow *a)
{
	char q[QUOTE_BUF];
	struct passwd *pw;
	struct group *gr;

	if (parse_number(a->value, &a->num))
		return 0;
	errno = 0;
	if (a->kind == IG_ALLOW_UID) {
		pw = getpwnam(a->value);
		if (pw) {
			a->num = pw->pw_uid;
			return 0;
		}
	} else {
		gr = getgrnam(a->value);
		if (gr) {
			a->num = gr->gr_gid;
			return 0;
		}
	}
	if (errno == ENOMEM)
		return -ENOMEM;
	p_err("%s: allow %s %s: no such %s", a->origin, allow__kind_name(a->kind),
	      quote__str(a->value, q), a->kind == IG_ALLOW_UID ? "user" : "group");
	return -EINVAL;
}

static int replace_value(struct ig_allow *a, const char *v)
{
	char *copy = strdup(v);

	if (!copy)
		return -ENOMEM;
	free(a->value);
	a->value = copy;
	return 0;
}

/*
 * An executable is its inode, so the rule names the file the path leads
 * to. A #! script is refused: the kernel's exe_file for it is the
 * interpreter, and allowing the interpreter would allow every script.
 */
static int resolve_exe(struct ig_allow *a)
{
	char real[PATH_MAX], head[128], q[QUOTE_BUF], qh[QUOTE_BUF];
	struct stat st;
	ssize_t n;
	int fd, err;

	if (!realpath(a->value, real) || stat(real, &st)) {
		err = -errno;
		p_err("%s: allow exe %s: %s", a->origin, quote__str(a->value, q), strerror(-err));
		return err == -ENOMEM ? err : -EINVAL;
	}
	if (!S_ISREG(st.st_mode) || !(st.st_mode & 0111)) {
		p_err("%s: allow exe %s: not an executable file", a->origin, quote__str(a->value, q));
		return -EINVAL;
	}
	fd = open(real, O_RDONLY | O_CLOEXEC);
	n = fd >= 0 ? read(fd, head, sizeof(head) - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (n >= 2 && head[0] == '#' && head[1] == '!') {
		head[n] = '\0';
		head[strcspn(head, "\n")] = '\0';
		p_err("%s: allow exe %s: a '%s' script; the kernel runs its interpreter, and allowing that would allow every script it runs (allow a compiled program, or run the script under its own uid or cgroup)",
		      a->origin, quote__str(a->value, q), quote__str(head, qh));
		return -EINVAL;
	}
	return replace_value(a, real);
}

const char *allow__cgroup2_mount(void)
{
	static char mount_point[PATH_MAX];
	static int found = -1;
	char *line = NULL, *fields, *dash, point[PATH_MAX], type[64];
	size_t cap = 0;
	FILE *f;

	if (found >= 0)
		return found ? mount_point : NULL;
	found = 0;
	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return NULL;
	/* "ID PARENT MAJ:MIN ROOT POINT OPTS... - TYPE SOURCE SUPER" */
	while (getline(&line, &cap, f) >= 0) {
		dash = strstr(line, " - ");
		if (!dash || sscanf(dash + 3, "%63s", type) != 1 || strcmp(type, "cgroup2"))
			continue;
		fields = line;
		if (sscanf(fields, "%*s %*s %*s %*s %4095s", point) == 1) {
			snprintf(mount_point, sizeof(mount_point), "%s", point);
			found = 1;
			break;
		}
	}
	free(line);
	fclose(f);
	return found ? mount_point : NULL;
}

/* "/a//b/" is "/a/b"; "." and ".." are refused, since the kernel names a
 * cgroup by its path from the root and nothing else. */
static int canonical_cgroup_path(const char *in, char *out, size_t len)
{
	size_t o = 0;
	const char *p = in, *end;

	if (in[0] != '/')
		return -EINVAL;
	while (*p) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		end = p + strcspn(p, "/");
		if ((end - p == 1 && p[0] == '.') || (end - p == 2 && p[0] == '.' && p[1] == '.'))
			return -EINVAL;
		if (o + 1 + (size_t)(end - p) >= len)
			return -ENAMETOOLONG;
		out[o++] = '/';
		memcpy(out + o, p, end - p);
		o += end - p;
		p = end;
	}
	if (!o)
		out[o++] = '/';
	out[o] = '\0';
	return 0;
}

static int resolve_cgroup(struct ig_allow *a)
{
	const char *mnt = allow__cgroup2_mount();
	char canon[IG_NAME_LEN], full[PATH_MAX], q[QUOTE_BUF];
	struct stat st;
	int err;

	if (!mnt) {
		p_err("%s: allow cgroup %s: cgroup v2 is not mounted here (cgroup v1 has no single hierarchy to name a cgroup in)",
		      a->origin, quote__str(a->value, q));
		return -EINVAL;
	}
	err = canonical_cgroup_path(a->value, canon, sizeof(canon));
	if (err) {
		p_err("%s: allow cgroup %s: %s", a->origin, quote__str(a->value, q),
		      err == -ENAMETOOLONG ? "longer than 255 bytes" :
		      "expected an absolute path below the cgroup2 mount, without . or ..");
		return -EINVAL;
	}
	snprintf(full, sizeof(full), "%s%s", mnt, canon);
	if (stat(full, &st) || !S_ISDIR(st.st_mode))
		p_warn("%s: allow cgroup %s: no such cgroup yet; it is allowed from the moment it is created",
		       a->origin, quote__str(canon, q));
	return replace_value(a, canon);
}

int allow__resolve(struct ig_allows *l)
{
	int err, bad = 0;
	size_t i;

	for (i = 0; i < l->n; i++) {
		switch (l->v[i].kind) {
		case IG_ALLOW_UID:
		case IG_ALLOW_GID:
			err = resolve_id(&l->v[i]);
			break;
		case IG_ALLOW_EXE:
			err = resolve_exe(&l->v[i]);
			break;
		default:
			err = resolve_cgroup(&l->v[i]);
			break;
		}
		if (err == -ENOMEM)
			return err;
		bad += err != 0;
	}
	return bad ? -EINVAL : 0;
}
