// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Key stage: learn each target's kernel-side key through the hooks. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include "keys.h"

int key__cmp(const struct ig_key *a, const struct ig_key *b)
{
	if (a->dev != b->dev)
		return a->dev < b->dev ? -1 : 1;
	if (a->ino != b->ino)
		return a->ino < b->ino ? -1 : 1;
	if (a->gen != b->gen)
		return a->gen < b->gen ? -1 : 1;
	return 0;
}

void name__key(const struct ig_key *dir, const char *name, struct ig_name_key *out)
{
	const unsigned char *c;

	memset(out, 0, sizeof(*out));
	out->dir = *dir;
	out->hash = IG_NAME_HASH_SEED;
	for (c = (const unsigned char *)name; *c; c++)
		out->hash = ig_name_hash_step(out->hash, *c);
}

void key__dev_str(const struct ig_key *k, char *buf, size_t len)
{
	snprintf(buf, len, "%u:%u", k->dev >> 20, k->dev & 0xfffff);
}

/* Our start in clock ticks since boot: /proc/self/stat field 22. */
static int start_ticks(__u64 *ticks)
{
	char buf[1024], *p;
	ssize_t n;
	int fd, field;

	fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	/* comm may hold spaces and parentheses: count from the last ')'. */
	p = strrchr(buf, ')');
	for (field = 2; p && field < 22; field++)
		p = strchr(p + 1, ' ');
	if (!p)
		return -EIO;
	*ticks = strtoull(p + 1, NULL, 10);
	return 0;
}

/*
 * Arms the slot for this process (struct ig_learn says why the start time
 * is there). Waits until the clock has left our start tick, so a process
 * that reuses our pid after we die can never match.
 */
static int learner_arm(volatile struct ig_learn *slot)
{
	__u64 tick_ns = 1000000000ULL / (__u64)sysconf(_SC_CLK_TCK), start = 0, now;
	struct timespec ts;
	struct stat ns;
	int err;

	err = start_ticks(&start);
	if (err)
		return err;
	/* getpid() counts in this namespace; the hooks must compare in it. */
	if (stat("/proc/self/ns/pid", &ns))
		return -errno;
	for (;;) {
		clock_gettime(CLOCK_BOOTTIME, &ts);
		now = ((__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec) / tick_ns;
		if (now > start)
			break;
		ts.tv_sec = 0;
		ts.tv_nsec = (long)tick_ns;
		nanosleep(&ts, NULL);
	}
	slot->tgid = 0;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	slot->start_ticks = start;
	slot->tick_ns = tick_ns;
	slot->pidns_dev = ns.st_dev;
	slot->pidns_ino = ns.st_ino;
	/* The tgid last: the hooks test it first. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	slot->tgid = getpid();
	return 0;
}

int keys__learner_open(struct ig_learner *l, int learn_fd)
{
	long page = sysconf(_SC_PAGESIZE);
	void *p;
	int err;

	l->len = (sizeof(struct ig_learn) + page - 1) / page * page;
	p = mmap(NULL, l->len, PROT_READ | PROT_WRITE, MAP_SHARED, learn_fd, 0);
	if (p == MAP_FAILED) {
		l->view = NULL;
		return -errno;
	}
	l->view = p;
	memset(&l->last_dir, 0, sizeof(l->last_dir));
	err = learner_arm(l->view);
	if (err) {
		munmap(p, l->len);
		l->view = NULL;
	}
	return err;
}

void keys__learner_close(struct ig_learner *l)
{
	if (!l->view)
		return;
	l->view->tgid = 0;
	munmap((void *)l->view, l->len);
	l->view = NULL;
}

static int add_unique(struct ig_keyset *set, const volatile struct ig_key *vk)
{
	struct ig_key k = { .dev = vk->dev, .gen = vk->gen, .ino = vk->ino };
	int i;

	for (i = 0; i < set->n; i++)
		if (key__cmp(&set->keys[i], &k) == 0)
			return 0;
	if (set->n == IG_TARGET_KEYS)
		return -E2BIG;
	set->keys[set->n++] = k;
	return 0;
}

/*
 * A tracing (fmod_ret) program is skipped, not waited for, when it is
 * already running on this CPU: the trampoline's per-CPU recursion guard
 * counts a miss instead. On kernels that preempt inside the kernel
 * (PREEMPT_LAZY, the default from 6.13 on, so Debian's 7.x) a task
 * preempted inside the hook makes the next open on that CPU go unseen.
 * One learning open in thousands was seen to miss, and four at once
 * too: the preempted task holds the program until it runs again, so each
 * retry first sleeps, longer each time, to let it finish.
 */
#define IG_LEARN_TRIES 6

/* Opens path until a hook records the open; *before and *after bracket the
 * learn slot's count around the last open. Returns the descriptor or -errno. */
static int open_seen(struct ig_learner *l, const char *path, __u32 *before, __u32 *after)
{
	int fd = -1, i;

	for (i = 0; i < IG_LEARN_TRIES; i++) {
		if (fd >= 0) {
			/* 1, 4, 16, 64, 256 ms */
			struct timespec pause = { .tv_nsec = 1000000L << (2 * (i - 1)) };

			close(fd);
			nanosleep(&pause, NULL);
		}
		*before = __atomic_load_n(&l->view->count, __ATOMIC_ACQUIRE);
		/* Not O_PATH: file_open is not called for O_PATH opens. */
		fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
		*after = __atomic_load_n(&l->view->count, __ATOMIC_ACQUIRE);
		if (fd < 0)
			return -errno;
		if (*after != *before)
			break;
	}
	return fd;
}

/* The keys of the file at path, which stat() said is (dev, ino), from
 * one open the hooks record; 0 or -errno with why written. */
static int learn_path(struct ig_learner *l, const char *path, dev_t dev, ino_t ino,
		      struct ig_keyset *set, char *why, size_t len)
{
	__u32 before, after, i;
	struct stat st;
	int fd, err = 0;

	set->n = 0;
	fd = open_seen(l, path, &before, &after);
	if (fd < 0) {
		err = fd;
		snprintf(why, len, "cannot open it to learn its kernel identity: %s%s",
			 strerror(-err),
			 err == -EACCES ? " (needs read access, or CAP_DAC_READ_SEARCH)" : "");
		return err;
	}
	if (fstat(fd, &st) || st.st_dev != dev || st.st_ino != ino) {
		snprintf(why, len, "it was replaced while being protected");
		err = -ESTALE;
		goto cleanup;
	}
	if (after == before) {
		snprintf(why, len, "no hook saw it being opened (%d tries)", IG_LEARN_TRIES);
		err = -ENOTRECOVERABLE;
		goto cleanup;
	}
	if (after - before > IG_LEARN_SLOTS) {
		snprintf(why, len, "too many keys for one open");
		err = -E2BIG;
		goto cleanup;
	}
	for (i = before; i != after && !err; i++)
		err = add_unique(set, &l->view->keys[i & (IG_LEARN_SLOTS - 1)]);
	if (err)
		snprintf(why, len, "more than %d inodes behind one path", IG_TARGET_KEYS);
cleanup:
	close(fd);
	return err;
}

int keys__learn(struct ig_learner *l, struct ig_entry *t, char *why, size_t len)
{
	struct ig_keyset set = {};
	char path[PATH_MAX];
	int err;

	err = learn_path(l, entry__path(t, path), t->st_dev, t->st_ino, &set, why, len);
	if (!err && (err = entry__set_keys(t, false, set.keys, set.n)))
		snprintf(why, len, "%s", strerror(-err));
	return err;
}

/* The keys of the directory holding path; 0 or -errno with why written. */
static int learn_dir_of(struct ig_learner *l, const char *file, struct ig_keyset *out,
			char *why, size_t len)
{
	struct ig_keyset *last = &l->last_dir;
	char path[PATH_MAX], *slash;
	struct stat st;
	int err;

	snprintf(path, sizeof(path), "%s", file);
	slash = strrchr(path, '/');
	if (!slash)
		return -EINVAL;
	slash[slash == path ? 1 : 0] = '\0';
	if (stat(path, &st)) {
		err = -errno;
		snprintf(why, len, "cannot reach its directory %s: %s", path, strerror(-err));
		return err;
	}
	/* Large policies hold many files per directory: a stat() tells that
	 * it is the directory learned last, without another learning open. */
	if (!last->n || st.st_dev != l->last_dir_dev || st.st_ino != l->last_dir_ino) {
		err = learn_path(l, path, st.st_dev, st.st_ino, last, why, len);
		if (err) {
			last->n = 0;
			return err;
		}
		l->last_dir_dev = st.st_dev;
		l->last_dir_ino = st.st_ino;
	}
	*out = *last;
	return 0;
}

int keys__learn_parent(struct ig_learner *l, struct ig_entry *e, char *why, size_t len)
{
	struct ig_keyset set;
	char path[PATH_MAX];
	int err;

	err = learn_dir_of(l, entry__path(e, path), &set, why, len);
	return err ? err : entry__set_keys(e, true, set.keys, set.n);
}

static void key_str(const struct ig_key *k, char *buf, size_t len)
{
	char dev[32];

	key__dev_str(k, dev, sizeof(dev));
	snprintf(buf, len, "dev %s ino %llu gen %u", dev, (unsigned long long)k->ino, k->gen);
}

int keys__confirm(struct ig_learner *l, const struct ig_entry *e, bool dir, char *why,
		  size_t len)
{
	const struct ig_key *want = dir ? entry__dir_key_at(e, 0) : &e->key;
	struct ig_keyset got = {};
	char a[96], b[96], path[PATH_MAX];
	int err;

	entry__path(e, path);
	err = dir ? learn_dir_of(l, path, &got, why, len) :
		    learn_path(l, path, e->st_dev, e->st_ino, &got, why, len);
	if (err)
		return err;
	if (got.n == 1 && key__cmp(got.keys, want) == 0)
		return 0;
	key_str(got.keys, a, sizeof(a));
	key_str(want, b, sizeof(b));
	snprintf(why, len, "the kernel keys %s %s%s, its handle says %s",
		 dir ? "its directory" : "it", a, got.n > 1 ? " and more" : "", b);
	return -EPROTO;
}

int keys__prove_live(int learn_fd, char *why, size_t len)
{
	const char *self = "/proc/self/exe";
	struct ig_keyset set;
	struct ig_learner l;
	struct stat st = {};
	int err;

	err = keys__learner_open(&l, learn_fd);
	if (err) {
		snprintf(why, len, "cannot map the learn map: %s", strerror(-err));
		return err;
	}
	stat(self, &st);
	err = learn_path(&l, self, st.st_dev, st.st_ino, &set, why, len);
	keys__learner_close(&l);
	if (err == -ENOTRECOVERABLE)
		snprintf(why, len, "its programs attached but never ran");
	return err;
}
