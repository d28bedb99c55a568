// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Key stage: learn each target's kernel-side key through the hooks. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
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

static int learn_arm(int learn_fd, __u32 tgid)
{
	struct ig_learn l = { .tgid = tgid };
	__u32 zero = 0;

	return bpf_map_update_elem(learn_fd, &zero, &l, BPF_ANY) ? -errno : 0;
}

/* Opens path with the hooks recording; returns the fd or -errno. */
static int learn_open(int learn_fd, const char *path, struct ig_learn *seen)
{
	__u32 zero = 0;
	int fd, err;

	err = learn_arm(learn_fd, getpid());
	if (err)
		return err;
	/* Not O_PATH: file_open is not called for O_PATH opens. */
	fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	err = fd < 0 ? -errno : 0;
	if (bpf_map_lookup_elem(learn_fd, &zero, seen))
		memset(seen, 0, sizeof(*seen));
	learn_arm(learn_fd, 0);
	return err ? err : fd;
}

static int add_unique(struct ig_target *t, const struct ig_key *k)
{
	int i;

	for (i = 0; i < t->nkeys; i++)
		if (key__cmp(&t->keys[i], k) == 0)
			return 0;
	if (t->nkeys == IG_LEARN_SLOTS)
		return -E2BIG;
	t->keys[t->nkeys++] = *k;
	return 0;
}

int keys__learn(int learn_fd, struct ig_target *t, char *why, size_t len)
{
	struct ig_learn seen;
	struct stat st;
	__u32 i, n;
	int fd, err = 0;

	fd = learn_open(learn_fd, t->path, &seen);
	if (fd < 0) {
		snprintf(why, len, "cannot open it to learn its kernel identity: %s%s",
			 strerror(-fd),
			 fd == -EACCES ? " (needs read access, or CAP_DAC_READ_SEARCH)" : "");
		return fd;
	}
	if (fstat(fd, &st) || st.st_dev != t->st_dev || st.st_ino != t->st_ino) {
		snprintf(why, len, "it was replaced while being protected");
		err = -ESTALE;
		goto cleanup;
	}
	if (seen.count == 0) {
		snprintf(why, len, "no hook saw it being opened");
		err = -ENOTRECOVERABLE;
		goto cleanup;
	}
	t->nkeys = 0;
	n = seen.count < IG_LEARN_SLOTS ? seen.count : IG_LEARN_SLOTS;
	for (i = 0; i < n && !err; i++)
		err = add_unique(t, &seen.keys[i]);
cleanup:
	close(fd);
	return err;
}

int keys__prove_live(int learn_fd, char *why, size_t len)
{
	struct ig_learn seen;
	int fd;

	fd = learn_open(learn_fd, "/proc/self/exe", &seen);
	if (fd < 0) {
		snprintf(why, len, "cannot open /proc/self/exe: %s", strerror(-fd));
		return fd;
	}
	close(fd);
	if (seen.count == 0) {
		snprintf(why, len, "its programs attached but never ran");
		return -ENOTRECOVERABLE;
	}
	return 0;
}
