// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Grants: allow sets in the maps, and their registry. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include "array.h"
#include "grants.h"
#include "inodeguard.h"
#include "keys.h"
#include "kinds.h"
#include "log.h"

struct grant {
	__u32 kind;
	__u64 value;
};

struct reg_subject {
	__u32 kind; /* IG_ALLOW_EXE or IG_ALLOW_CGROUP */
	__u32 id;
	char *path;
};

struct reg_set {
	__u32 id;
	size_t n;
	struct grant *g;
};

/* The registry as the file holds it; reread when the file grew. */
static struct {
	struct reg_subject *subj;
	size_t nsubj, capsubj;
	struct reg_set *sets;
	size_t nsets, capsets;
	off_t size;
} reg;

static void reg_free(void)
{
	size_t i;

	for (i = 0; i < reg.nsubj; i++)
		free(reg.subj[i].path);
	for (i = 0; i < reg.nsets; i++)
		free(reg.sets[i].g);
	free(reg.subj);
	free(reg.sets);
	memset(&reg, 0, sizeof(reg));
}

static int reg_add_subject(__u32 kind, __u32 id, const char *path)
{
	struct reg_subject *s;

	if (array__grow((void **)&reg.subj, &reg.capsubj, reg.nsubj, sizeof(*reg.subj)))
		return -ENOMEM;
	s = &reg.subj[reg.nsubj];
	s->kind = kind;
	s->id = id;
	s->path = strdup(path);
	if (!s->path)
		return -ENOMEM;
	reg.nsubj++;
	return 0;
}

static int reg_add_set(__u32 id, const struct grant *g, size_t n)
{
	struct reg_set *s;

	if (array__grow((void **)&reg.sets, &reg.capsets, reg.nsets, sizeof(*reg.sets)))
		return -ENOMEM;
	s = &reg.sets[reg.nsets];
	s->id = id;
	s->n = n;
	s->g = calloc(n ? n : 1, sizeof(*g));
	if (!s->g)
		return -ENOMEM;
	memcpy(s->g, g, n * sizeof(*g));
	reg.nsets++;
	return 0;
}

/* "set ID K:V K:V ..." */
static int parse_set_line(char *rest)
{
	struct grant g[256];
	size_t n = 0;
	unsigned long long v;
	unsigned int id, k;
	char *tok, *save = NULL;

	tok = strtok_r(rest, " \n", &save);
	if (!tok || sscanf(tok, "%u", &id) != 1)
		return 0;
	while ((tok = strtok_r(NULL, " \n", &save)) && n < 256) {
		if (sscanf(tok, "%u:%llu", &k, &v) != 2)
			return 0;
		g[n].kind = k;
		g[n++].value = v;
	}
	return reg_add_set(id, g, n);
}

static int reg_load(void)
{
	char *line = NULL, path[PATH_MAX];
	struct stat st;
	unsigned int id;
	size_t cap = 0;
	int err = 0;
	FILE *f;

	if (stat(IG_GRANTS_FILE, &st))
		st.st_size = 0;
	if (st.st_size == reg.size && (reg.nsets || reg.nsubj || !st.st_size))
		return 0;
	reg_free();
	f = fopen(IG_GRANTS_FILE, "re");
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	while (!err && getline(&line, &cap, f) >= 0) {
		if (sscanf(line, "exe %u %4095[^\n]", &id, path) == 2)
			err = reg_add_subject(IG_ALLOW_EXE, id, path);
		else if (sscanf(line, "cgroup %u %4095[^\n]", &id, path) == 2)
			err = reg_add_subject(IG_ALLOW_CGROUP, id, path);
		else if (strncmp(line, "set ", 4) == 0)
			err = parse_set_line(line + 4);
	}
	reg.size = ftello(f);
	free(line);
	fclose(f);
	return err;
}

static int reg_append(const char *text)
{
	FILE *f = fopen(IG_GRANTS_FILE, "ae");
	int err = 0;

	if (!f)
		return -errno;
	if (fputs(text, f) == EOF)
		err = -EIO;
	if (fclose(f) && !err)
		err = -errno;
	if (!err)
		reg.size += (off_t)strlen(text);
	return err;
}

int grants__reset(void)
{
	int fd = open(IG_GRANTS_FILE, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	reg_free();
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

static const struct reg_subject *find_subject(__u32 kind, const char *path, __u32 id)
{
	size_t i;

	for (i = 0; i < reg.nsubj; i++)
		if (reg.subj[i].kind == kind &&
		    (path ? strcmp(reg.subj[i].path, path) == 0 : reg.subj[i].id == id))
			return &reg.subj[i];
	return NULL;
}

static const struct reg_set *find_set(__u32 id)
{
	size_t i;

	for (i = 0; i < reg.nsets; i++)
		if (reg.sets[i].id == id)
			return &reg.sets[i];
	return NULL;
}

/* The registry's line for a subject whose maps are written (err is how
 * that went), and the one message if any step failed. */
static int record_subject(__u32 kind, __u32 id, const char *path, int err)
{
	char line[PATH_MAX + 32];

	snprintf(line, sizeof(line), "%s %u %s\n", allow__kind_name(kind), id, path);
	if (!err)
		err = reg_append(line);
	if (!err)
		err = reg_add_subject(kind, id, path);
	if (err)
		p_err("allow %s %s: cannot register it: %s", allow__kind_name(kind), path,
		      strerror(-err));
	return err;
}

/*
 * An allowed executable: its inode key(s) and, so an upgrade keeps the
 * grant, its name in its directory. The keys come from the kernel, as a
 * protected file's do.
 */
static int register_exe(const struct ig_maps *m, struct ig_learner *l, const char *path,
			__u32 *id)
{
	struct ig_entry e;
	struct ig_subject s = {};
	struct ig_name_key nk;
	char why[256];
	struct stat st;
	int k, err;

	if (stat(path, &st))
		return -errno;
	err = entry__init(&e, path, "allow exe");
	if (err) {
		p_err("allow exe %s: %s", path, strerror(-err));
		return err;
	}
	e.st_dev = st.st_dev;
	e.st_ino = st.st_ino;
	err = keys__learn(l, &e, why, sizeof(why));
	if (!err)
		err = keys__learn_parent(l, &e, why, sizeof(why));
	if (err) {
		p_err("allow exe %s: %s", path, why);
		entry__free(&e);
		return err;
	}
	err = kinds__new_id(m, &s.id);
	for (k = 0; !err && k < e.nkeys; k++)
		if (bpf_map_update_elem(m->exes_fd, entry__key_at(&e, k), &s, BPF_ANY))
			err = -errno;
	for (k = 0; !err && k < e.dir->nkeys; k++) {
		name__key(entry__dir_key_at(&e, k), entry__name(&e), &nk);
		if (bpf_map_update_elem(m->exe_names_fd, &nk, &s, BPF_ANY))
			err = -errno;
	}
	if (!err)
		err = kinds__count(m, KIND_EXE_NAMES, 1);
	entry__free(&e);
	*id = s.id;
	return record_subject(IG_ALLOW_EXE, s.id, path, err);
}

static __u64 path_hash(const char *p)
{
	__u64 h = IG_NAME_HASH_SEED;

	for (; *p; p++)
		h = ig_name_hash_step(h, (unsigned char)*p);
	return h;
}

/* A cgroup's id is its kernfs inode number, which its file handle holds. */
static int cgroup_id_of(const char *path, __u64 *id)
{
	struct {
		struct file_handle fh;
		unsigned char bytes[sizeof(__u64)];
	} h = { .fh.handle_bytes = sizeof(__u64) };
	int mount_id;

	if (name_to_handle_at(AT_FDCWD, path, &h.fh, &mount_id, 0))
		return -errno;
	if (h.fh.handle_bytes != sizeof(__u64))
		return -EINVAL;
	memcpy(id, h.fh.f_handle, sizeof(*id));
	return 0;
}

/*
 * An allowed cgroup path: its hash first, so a cgroup created from now on
 * is found by the mkdir watcher, then the id of one that exists already.
 * In that order no cgroup created meanwhile is missed.
 */
static int register_cgroup(const struct ig_maps *m, const char *path, __u32 *id)
{
	struct ig_subject s = {};
	char full[PATH_MAX];
	const char *mnt = allow__cgroup2_mount();
	__u64 h = path_hash(path), cgid;
	int err;

	err = kinds__new_id(m, &s.id);
	if (!err && bpf_map_update_elem(m->cgroup_paths_fd, &h, &s, BPF_ANY))
		err = -errno;
	if (!err)
		err = kinds__count(m, KIND_CGROUP_PATHS, 1);
	snprintf(full, sizeof(full), "%s%s", mnt ? mnt : "", path);
	if (!err && mnt && cgroup_id_of(full, &cgid) == 0 &&
	    bpf_map_update_elem(m->cgroups_fd, &cgid, &s, BPF_ANY))
		err = -errno;
	*id = s.id;
	return record_subject(IG_ALLOW_CGROUP, s.id, path, err);
}

static int grant_cmp(const void *a, const void *b)
{
	const struct grant *x = a, *y = b;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return x->value < y->value ? -1 : x->value > y->value;
}

/* Sorts and deduplicates g; returns the new count. */
static size_t grants_canonical(struct grant *g, size_t n)
{
	size_t i, u = 0;

	qsort(g, n, sizeof(*g), grant_cmp);
	for (i = 0; i < n; i++)
		if (!u || grant_cmp(&g[u - 1], &g[i]))
			g[u++] = g[i];
	return u;
}

static bool same_grants(const struct reg_set *s, const struct grant *g, size_t n)
{
	size_t i;

	if (s->n != n)
		return false;
	for (i = 0; i < n; i++)
		if (grant_cmp(&s->g[i], &g[i]))
			return false;
	return true;
}

/* The set holding exactly g (canonical), registered in the map where new. */
static int set_of(const struct ig_maps *m, const struct grant *g, size_t n, __u32 *out)
{
	struct ig_grant_key gk;
	char line[8192];
	size_t i, o;
	__u32 one = 1;
	int err;

	*out = 0;
	if (!n)
		return 0;
	for (i = 0; i < reg.nsets; i++) {
		if (same_grants(&reg.sets[i], g, n)) {
			*out = reg.sets[i].id;
			return 0;
		}
	}
	err = kinds__new_id(m, out);
	for (i = 0; !err && i < n; i++) {
		memset(&gk, 0, sizeof(gk));
		gk.set = *out;
		gk.kind = g[i].kind;
		gk.value = g[i].value;
		if (bpf_map_update_elem(m->grants_fd, &gk, &one, BPF_ANY))
			err = -errno;
	}
	o = (size_t)snprintf(line, sizeof(line), "set %u", *out);
	for (i = 0; i < n && o < sizeof(line) - 32; i++)
		o += (size_t)snprintf(line + o, sizeof(line) - o, " %u:%llu", g[i].kind,
				      (unsigned long long)g[i].value);
	snprintf(line + o, sizeof(line) - o, "\n");
	if (!err)
		err = reg_append(line);
	if (!err)
		err = reg_add_set(*out, g, n);
	if (err)
		p_err("cannot register an allow set: %s", strerror(-err));
	return err;
}

int grants__register(const struct ig_maps *m, struct ig_learner *learner,
		     const struct ig_allows *l, __u32 *set)
{
	const struct reg_subject *s;
	struct grant *g;
	__u32 id;
	size_t i;
	int err;

	*set = 0;
	if (!l->n)
		return 0;
	err = reg_load();
	if (err) {
		p_err("cannot read %s: %s", IG_GRANTS_FILE, strerror(-err));
		return err;
	}
	g = calloc(l->n, sizeof(*g));
	if (!g)
		return -ENOMEM;
	for (i = 0; !err && i < l->n; i++) {
		g[i].kind = l->v[i].kind;
		g[i].value = l->v[i].num;
		if (g[i].kind != IG_ALLOW_EXE && g[i].kind != IG_ALLOW_CGROUP)
			continue;
		s = find_subject(g[i].kind, l->v[i].value, 0);
		if (s)
			id = s->id;
		else if (g[i].kind == IG_ALLOW_EXE)
			err = register_exe(m, learner, l->v[i].value, &id);
		else
			err = register_cgroup(m, l->v[i].value, &id);
		g[i].value = id;
	}
	if (!err)
		err = set_of(m, g, grants_canonical(g, l->n), set);
	free(g);
	return err;
}

int grants__intersect(const struct ig_maps *m, __u32 a, __u32 b, __u32 *out)
{
	const struct reg_set *x, *y;
	struct grant *g;
	size_t i, j, n = 0;
	int err;

	*out = a;
	if (a == b)
		return 0;
	*out = 0;
	if (!a || !b)
		return 0;
	err = reg_load();
	x = find_set(a);
	y = find_set(b);
	if (err || !x || !y)
		return err; /* an unknown set grants nothing */
	g = calloc(x->n ? x->n : 1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	for (i = 0; i < x->n; i++)
		for (j = 0; j < y->n; j++)
			if (!grant_cmp(&x->g[i], &y->g[j]))
				g[n++] = x->g[i];
	err = set_of(m, g, n, out);
	free(g);
	return err;
}

void grants__describe(__u32 set, char *buf, size_t len)
{
	const struct reg_subject *s;
	const struct reg_set *r;
	size_t i, o = 0;

	buf[0] = '\0';
	if (!set)
		return;
	r = reg_load() ? NULL : find_set(set);
	if (!r) {
		snprintf(buf, len, "set %u", set);
		return;
	}
	for (i = 0; i < r->n && o < len; i++) {
		const char *sep = i ? "," : "";

		if (r->g[i].kind == IG_ALLOW_EXE || r->g[i].kind == IG_ALLOW_CGROUP) {
			s = find_subject(r->g[i].kind, NULL, (__u32)r->g[i].value);
			o += (size_t)snprintf(buf + o, len - o, "%s%s=%s", sep,
					      allow__kind_name(r->g[i].kind), s ? s->path : "?");
		} else {
			o += (size_t)snprintf(buf + o, len - o, "%s%s=%llu", sep,
					      allow__kind_name(r->g[i].kind),
					      (unsigned long long)r->g[i].value);
		}
	}
}
