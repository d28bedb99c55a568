// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Scan stage: at start, every non-exempt process that holds a protected
 * inode through a descriptor or a mapping, or holds an io_uring instance,
 * found through /proc and reported; killed or refused where the backend
 * cannot stop what it does next. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include "array.h"
#include "log.h"
#include "quote.h"
#include "scan.h"
#include "state.h"

/* One protected inode as the hooks key it, without the generation: a
 * descriptor's stat() does not give it, and a live inode with that number
 * on that device is the protected one or its successor, both worth a line. */
struct held_key {
	__u32 dev;
	__u64 ino;
	unsigned int level;
	bool granted; /* every rule on it has an allow set */
};

/* stat()'s device of a learned entry and the device the kernel keyed it
 * by (they differ on btrfs and overlayfs). */
struct dev_pair {
	dev_t st_dev;
	__u32 kdev;
};

/* The inodes processes hold, as (kernel dev, i_ino): the protected keys
 * are checked against them, so a million keys need no sorted copy. An
 * open-addressing set; (0, 0) marks a free slot (no file has inode 0). */
struct held_set {
	struct held_inode {
		__u32 dev;
		__u64 ino;
	} *v;
	size_t n, mask;
};

struct scan {
	/* The first walk over /proc fills held; the second judges. */
	bool collecting;
	struct held_set held;
	struct held_key *keys;
	size_t nkeys, keycap;
	struct dev_pair *devs;
	size_t ndevs, devcap;
	const struct scan_opts *opts;
	size_t holders, killed, remaining, rings;
	/* Processes whose descriptors and mappings the kernel would not
	 * show us: another user's, without CAP_DAC_READ_SEARCH and
	 * CAP_SYS_PTRACE. */
	size_t hidden;
	int hidden_err;
	bool nomem;
};

static size_t held_slot(const struct held_set *h, __u32 dev, __u64 ino)
{
	__u64 x = (ino ^ (__u64)dev << 40) * 0x9E3779B97F4A7C15ULL;
	size_t i;

	for (i = (size_t)(x >> 32) & h->mask; h->v[i].dev || h->v[i].ino; i = (i + 1) & h->mask)
		if (h->v[i].dev == dev && h->v[i].ino == ino)
			break;
	return i;
}

static bool held_has(const struct held_set *h, __u32 dev, __u64 ino)
{
	size_t i;

	if (!h->n)
		return false;
	i = held_slot(h, dev, ino);
	return h->v[i].dev || h->v[i].ino;
}

static int held_add(struct held_set *h, __u32 dev, __u64 ino)
{
	struct held_set bigger;
	size_t i;

	if (!h->v || (h->n + 1) * 2 > h->mask + 1) {
		bigger.mask = h->v ? h->mask * 2 + 1 : 1023;
		bigger.v = calloc(bigger.mask + 1, sizeof(*bigger.v));
		if (!bigger.v)
			return -ENOMEM;
		for (i = 0; h->v && i <= h->mask; i++)
			if (h->v[i].dev || h->v[i].ino)
				bigger.v[held_slot(&bigger, h->v[i].dev, h->v[i].ino)] = h->v[i];
		bigger.n = h->n;
		free(h->v);
		*h = bigger;
	}
	i = held_slot(h, dev, ino);
	if (!h->v[i].dev && !h->v[i].ino) {
		h->v[i].dev = dev;
		h->v[i].ino = ino;
		h->n++;
	}
	return 0;
}

/* The protected keys of the inodes some process holds, read in batches
 * and kept only when held: no path index is needed here, and no copy of
 * a million keys. */
static int pick_held(const struct ig_key *keys, const struct ig_rule *rules, __u32 n, void *ctx)
{
	struct scan *s = ctx;
	__u32 i;

	for (i = 0; i < n; i++) {
		if (!held_has(&s->held, keys[i].dev, keys[i].ino))
			continue;
		if (array__grow((void **)&s->keys, &s->keycap, s->nkeys, sizeof(*s->keys)))
			return -ENOMEM;
		s->keys[s->nkeys].dev = keys[i].dev;
		s->keys[s->nkeys].ino = keys[i].ino;
		s->keys[s->nkeys].level = rules[i].level;
		s->keys[s->nkeys++].granted = rules[i].grants != 0;
	}
	return 0;
}

static int keys_collect(struct scan *s, const struct ig_maps *m)
{
	return s->held.n ? state__for_each_rule(m, pick_held, s) : 0;
}

static int held_cmp(const void *a, const void *b)
{
	const struct held_key *x = a, *y = b;

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	return 0;
}

/* Sorts the keys and folds rules of one inode into its strictest. */
static void keys_fold(struct scan *s)
{
	size_t i, n = 0;

	if (!s->nkeys)
		return;
	qsort(s->keys, s->nkeys, sizeof(*s->keys), held_cmp);
	for (i = 0; i < s->nkeys; i++) {
		if (n && held_cmp(&s->keys[n - 1], &s->keys[i]) == 0) {
			if (s->keys[i].level > s->keys[n - 1].level)
				s->keys[n - 1].level = s->keys[i].level;
			s->keys[n - 1].granted &= s->keys[i].granted;
			continue;
		}
		s->keys[n++] = s->keys[i];
	}
	s->nkeys = n;
}

static bool devs_known(const struct scan *s, dev_t st_dev)
{
	size_t i;

	for (i = 0; i < s->ndevs; i++)
		if (s->devs[i].st_dev == st_dev)
			return true;
	return false;
}

/* The device pairs the learning saw, one per stat() device (a handful,
 * however many entries): the key whose inode stat() named. */
static int devs_collect(struct scan *s, const struct ig_policy *policy)
{
	size_t i;
	int k;

	for (i = 0; i < policy->n; i++) {
		const struct ig_entry *e = &policy->v[i];

		if (devs_known(s, e->st_dev))
			continue;
		for (k = 0; k < e->nkeys; k++) {
			if (entry__key_at(e, k)->ino != e->st_ino)
				continue;
			if (array__grow((void **)&s->devs, &s->devcap, s->ndevs, sizeof(*s->devs)))
				return -ENOMEM;
			s->devs[s->ndevs].st_dev = e->st_dev;
			s->devs[s->ndevs++].kdev = entry__key_at(e, k)->dev;
			break;
		}
	}
	return 0;
}

/* The kernel's device for a stat() device: as learned, or the kernel's
 * encoding of the same numbers where nothing was learned on it. */
static __u32 kernel_dev(const struct scan *s, dev_t st_dev)
{
	size_t i;

	for (i = 0; i < s->ndevs; i++)
		if (s->devs[i].st_dev == st_dev)
			return s->devs[i].kdev;
	return (__u32)(major(st_dev) << 20 | minor(st_dev));
}

/* While collecting, notes the inode and finds nothing. */
static const struct held_key *key_find(struct scan *s, __u32 dev, __u64 ino)
{
	struct held_key want = { .dev = dev, .ino = ino };

	if (s->collecting) {
		if (held_add(&s->held, dev, ino))
			s->nomem = true;
		return NULL;
	}
	if (!s->nkeys)
		return NULL;

	return bsearch(&want, s->keys, s->nkeys, sizeof(*s->keys), held_cmp);
}

/* The facts of one process the verdict needs. */
struct proc_info {
	pid_t pid;
	char comm[64];
	bool root;
	bool dead; /* killed by us: nothing more to look at */
	bool hidden; /* the kernel would not show its descriptors */
};

static int proc_read(pid_t pid, const char *file, char *buf, size_t len)
{
	char path[64];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = '\0';
	return 0;
}

/* Fails for a process that is gone, or a kernel thread (no Uid line
 * matters there, but it holds no descriptors either). */
static int proc_info_read(pid_t pid, struct proc_info *p)
{
	char status[4096], *uid, *nl;
	unsigned int ruid, euid;
	int err;

	memset(p, 0, sizeof(*p));
	p->pid = pid;
	err = proc_read(pid, "comm", p->comm, sizeof(p->comm));
	if (err)
		return err;
	nl = strchr(p->comm, '\n');
	if (nl)
		*nl = '\0';
	err = proc_read(pid, "status", status, sizeof(status));
	if (err)
		return err;
	uid = strstr(status, "\nUid:");
	if (!uid || sscanf(uid + 5, "%u %u", &ruid, &euid) != 2)
		return -EIO;
	p->root = euid == 0;
	return 0;
}

/* One protected inode held by p: a line, and the kill or refusal the
 * options ask for. */
static void holder_judge(struct scan *s, struct proc_info *p, const struct held_key *k,
			 const char *how, const char *path, bool mapping)
{
	char q[QUOTE_BUF];
	bool stoppable = k->level != IG_LEVEL_AUDIT && !k->granted;

	s->holders++;
	/* No hook runs when mapped pages are read: on every backend only a
	 * kill entry's kill stops a mapping made before protection. */
	if (stoppable && (s->opts->kill_holders || (mapping && k->level == IG_LEVEL_KILL))) {
		if (kill(p->pid, SIGKILL) == 0 || errno == ESRCH) {
			p->dead = true;
			s->killed++;
			p_warn("pid %d (%s) held protected %s through %s before protection: killed",
			       (int)p->pid, quote__str(p->comm, q), path, how);
			return;
		}
		p_warn("pid %d (%s) holds protected %s through %s: cannot kill it: %s",
		       (int)p->pid, quote__str(p->comm, q), path, how, strerror(errno));
		s->remaining++;
		return;
	}
	p_warn("pid %d (%s) holds protected %s through %s, opened before protection%s",
	       (int)p->pid, quote__str(p->comm, q), path, how,
	       k->granted ? " (its entry has allow rules, so it may be allowed)" :
	       k->level == IG_LEVEL_AUDIT ? " (audit entry)" :
	       mapping ? " (its mapped pages stay readable; a kill entry would kill it)" :
	       " (this backend stops its reads)");
}

static void ring_judge(struct scan *s, const struct proc_info *p, int fd)
{
	char q[QUOTE_BUF];

	s->rings++;
	p_warn("pid %d (%s) holds an io_uring instance (descriptor %d) made before protection: its reads are not seen%s",
	       (int)p->pid, quote__str(p->comm, q), fd,
	       s->opts->refuse ? "" : " (run --strict closes new rings and refuses to start beside old ones)");
}

/* Whether err is the kernel refusing to show p's descriptors or mappings
 * (DAC on /proc/PID/fd, ptrace on its links and on maps), which is then
 * counted once for p; false for a process or descriptor that is gone. */
static bool note_hidden(struct scan *s, struct proc_info *p, int err)
{
	if (err != EACCES && err != EPERM)
		return false;
	if (!p->hidden) {
		p->hidden = true;
		s->hidden++;
		s->hidden_err = err;
	}
	return true;
}

static void scan_fds(struct scan *s, struct proc_info *p)
{
	char dir[64], link[PATH_MAX + 32], target[PATH_MAX], how[48];
	const struct held_key *k;
	struct dirent *d;
	struct stat st;
	ssize_t n;
	DIR *dh;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)p->pid);
	dh = opendir(dir);
	if (!dh) {
		/* Gone, or a kernel thread, unless the kernel refused. */
		note_hidden(s, p, errno);
		return;
	}
	while (!p->dead && (d = readdir(dh))) {
		if (!isdigit((unsigned char)d->d_name[0]))
			continue;
		snprintf(link, sizeof(link), "%s/%s", dir, d->d_name);
		n = readlink(link, target, sizeof(target) - 1);
		if (n < 0) {
			/* The directory is DAC's; each link is ptrace's. */
			if (note_hidden(s, p, errno))
				break;
			continue;
		}
		target[n] = '\0';
		if (strcmp(target, "anon_inode:[io_uring]") == 0) {
			if (!s->collecting && (s->opts->refuse || s->opts->kill_holders))
				ring_judge(s, p, atoi(d->d_name));
			continue;
		}
		/* Sockets, pipes and other anonymous inodes are no files. */
		if (target[0] != '/' || stat(link, &st) || !S_ISREG(st.st_mode))
			continue;
		k = key_find(s, kernel_dev(s, st.st_dev), st.st_ino);
		if (!k)
			continue;
		snprintf(how, sizeof(how), "descriptor %d", atoi(d->d_name));
		holder_judge(s, p, k, how, target, false);
	}
	closedir(dh);
}

/* /proc/PID/maps gives the kernel's own s_dev and i_ino: no translation. */
static void scan_maps(struct scan *s, struct proc_info *p)
{
	char path[64], line[PATH_MAX + 128], *file;
	const struct held_key *k, *last = NULL;
	unsigned int maj, min;
	unsigned long long ino;
	FILE *f;
	int off;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)p->pid);
	f = fopen(path, "re");
	if (!f) {
		note_hidden(s, p, errno);
		return;
	}
	while (!p->dead && fgets(line, sizeof(line), f)) {
		off = 0;
		if (sscanf(line, "%*s %*s %*s %x:%x %llu %n", &maj, &min, &ino, &off) < 3 || !ino)
			continue;
		k = key_find(s, maj << 20 | min, ino);
		/* One line per file, not per mapped range of it. */
		if (!k || k == last)
			continue;
		last = k;
		file = line + off;
		file[strcspn(file, "\n")] = '\0';
		holder_judge(s, p, k, "a mapping", file, true);
	}
	fclose(f);
}

static void scan_process(struct scan *s, pid_t pid)
{
	struct proc_info p;

	if (pid == getpid() || proc_info_read(pid, &p))
		return;
	if (p.root && !s->opts->enforce_root)
		return;
	scan_fds(s, &p);
	if (!p.hidden)
		scan_maps(s, &p);
}

/* Every process once, through scan_process(). */
static int scan_all(struct scan *s)
{
	struct dirent *d;
	char *end;
	long pid;
	DIR *dh;
	int err;

	dh = opendir("/proc");
	if (!dh) {
		err = -errno;
		p_err("cannot scan /proc for descriptors opened before protection: %s", strerror(-err));
		return err;
	}
	while ((d = readdir(dh))) {
		pid = strtol(d->d_name, &end, 10);
		if (*end || pid <= 0)
			continue;
		scan_process(s, (pid_t)pid);
	}
	closedir(dh);
	return 0;
}

int scan__holders(const struct ig_maps *m, const struct ig_policy *policy,
		  const struct scan_opts *opts)
{
	struct scan s = { .opts = opts, .collecting = true };
	int err;

	/* First what the processes hold, then the protected keys of those
	 * inodes alone, then each holder judged. */
	err = devs_collect(&s, policy);
	if (err) {
		p_err("cannot list the protected inodes for the %s: %s", opts->title, strerror(-err));
		goto cleanup;
	}
	err = scan_all(&s);
	if (err)
		goto cleanup;
	s.collecting = false;
	s.hidden = 0;
	err = s.nomem ? -ENOMEM : keys_collect(&s, m);
	if (err) {
		p_err("cannot list the protected inodes for the %s: %s", opts->title, strerror(-err));
		goto cleanup;
	}
	keys_fold(&s);
	err = scan_all(&s);
	if (err)
		goto cleanup;
	p_debug("%s: %zu holder%s of protected inodes (%zu killed), %zu io_uring instance%s",
		opts->title, s.holders, s.holders == 1 ? "" : "s", s.killed, s.rings,
		s.rings == 1 ? "" : "s");
	if (s.hidden)
		p_warn("%s: %zu process%s of other users could not be inspected (%s; %s needs CAP_DAC_READ_SEARCH and CAP_SYS_PTRACE for that): descriptors and mappings %s took before protection are not seen",
		       opts->title, s.hidden, s.hidden == 1 ? "" : "es", strerror(s.hidden_err),
		       opts->command, s.hidden == 1 ? "it" : "they");
	if (opts->refuse && s.hidden) {
		p_err("--strict: the %s could not inspect every process; refusing to start", opts->title);
		err = -EPERM;
		goto cleanup;
	}
	if (opts->refuse && (s.remaining || s.rings)) {
		p_err("--strict: %zu descriptor%s listed above reach%s what this backend cannot stop; refusing to start",
		      s.remaining + s.rings, s.remaining + s.rings == 1 ? "" : "s",
		      s.remaining + s.rings == 1 ? "es" : "");
		err = -EPERM;
	}
cleanup:
	free(s.held.v);
	free(s.keys);
	free(s.devs);
	return err;
}

int scan__after_change(const struct ig_maps *m, const struct ig_policy *policy,
		       enum ig_backend b, const char *command)
{
	struct scan_opts so = { .kill_holders = backend__kill_only(b), .command = command };
	char title[32];
	int err = loader__pinned_enforce_root(&so.enforce_root);

	snprintf(title, sizeof(title), "%s's scan", command);
	so.title = title;
	if (err) {
		p_err("%s: cannot read the running instance's settings to scan for earlier holders: %s",
		      command, strerror(-err));
		return err;
	}
	return scan__holders(m, policy, &so);
}
