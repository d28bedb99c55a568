// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Serve-stage state: instance lock, pinned maps, entry add/remove/list. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include "loader.h"
#include "log.h"
#include "state.h"

static int ensure_run_dir(void)
{
	if (mkdir(IG_RUN_DIR, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

int state__lock_instance(int *lock_fd)
{
	pid_t pid;
	char backend[32];
	int fd, err;

	err = ensure_run_dir();
	if (err) {
		p_err("cannot create %s: %s", IG_RUN_DIR, strerror(-err));
		return err;
	}
	fd = open(IG_INSTANCE_FILE, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		err = -errno;
		p_err("cannot open %s: %s", IG_INSTANCE_FILE, strerror(-err));
		return err;
	}
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		close(fd);
		if (state__running(&pid, backend, sizeof(backend)) == 0)
			p_err("another inodeguard run is active (pid %d, backend %s); stop it first",
			      (int)pid, backend);
		else
			p_err("another inodeguard run is active");
		return -EBUSY;
	}
	/* We own the lock: any pins are leftovers of a killed instance. */
	loader__unpin();
	*lock_fd = fd;
	return 0;
}

int state__publish_instance(int lock_fd, const char *backend)
{
	char buf[64];
	int n;

	n = snprintf(buf, sizeof(buf), "%d %s\n", (int)getpid(), backend);
	if (ftruncate(lock_fd, 0) || pwrite(lock_fd, buf, n, 0) != n)
		return -errno;
	return 0;
}

int state__running(pid_t *pid, char *backend, size_t len)
{
	char buf[64], name[32];
	int fd, p, err = -ESRCH;
	ssize_t n;

	fd = open(IG_INSTANCE_FILE, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -ESRCH;
	/* A shared lock we can take means nobody holds the exclusive one. */
	if (flock(fd, LOCK_SH | LOCK_NB) == 0)
		goto cleanup;
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		goto cleanup;
	buf[n] = '\0';
	if (sscanf(buf, "%d %31s", &p, name) != 2)
		goto cleanup;
	*pid = p;
	snprintf(backend, len, "%s", name);
	err = 0;
cleanup:
	close(fd);
	return err;
}

int state__open_pinned(struct ig_maps *m)
{
	pid_t pid;
	char backend[32];

	m->protected_fd = m->learn_fd = m->paths_fd = -1;
	if (state__running(&pid, backend, sizeof(backend))) {
		p_err("no running inodeguard instance (start one with 'inodeguard run')");
		return -ESRCH;
	}
	m->protected_fd = bpf_obj_get(IG_PIN_PROTECTED);
	m->learn_fd = bpf_obj_get(IG_PIN_LEARN);
	m->paths_fd = bpf_obj_get(IG_PIN_PATHS);
	if (m->protected_fd < 0 || m->learn_fd < 0 || m->paths_fd < 0) {
		int err = -errno;

		p_err("cannot open the running instance's maps under %s: %s",
		      IG_PIN_DIR, strerror(-err));
		state__close(m);
		return err;
	}
	return 0;
}

void state__close(struct ig_maps *m)
{
	if (m->protected_fd >= 0)
		close(m->protected_fd);
	if (m->learn_fd >= 0)
		close(m->learn_fd);
	if (m->paths_fd >= 0)
		close(m->paths_fd);
	m->protected_fd = m->learn_fd = m->paths_fd = -1;
}

int state__learn_lock(void)
{
	int fd, err;

	err = ensure_run_dir();
	if (err)
		return err;
	fd = open(IG_LEARN_LOCK, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX)) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

int state__add(const struct ig_maps *m, const struct ig_target *t)
{
	char path[IG_PATH_LEN] = {};
	struct ig_rule rule, old;
	int i;

	snprintf(path, sizeof(path), "%s", t->path);
	for (i = 0; i < t->nkeys; i++) {
		rule.level = t->level;
		rule.flags = 0;
		if (bpf_map_lookup_elem(m->protected_fd, &t->keys[i], &old) == 0 &&
		    old.level > rule.level)
			rule.level = old.level;
		if (bpf_map_update_elem(m->protected_fd, &t->keys[i], &rule, BPF_ANY))
			return -errno;
		/* The index only serves names to events and list; losing it
		 * must not lose the protection. */
		if (m->paths_fd >= 0)
			bpf_map_update_elem(m->paths_fd, &t->keys[i], path, BPF_ANY);
	}
	return 0;
}

int state__remove(const struct ig_maps *m, const struct ig_key *k)
{
	int err = 0;

	if (bpf_map_delete_elem(m->protected_fd, k))
		err = -errno;
	if (m->paths_fd >= 0)
		bpf_map_delete_elem(m->paths_fd, k);
	return err;
}

void state__path_of(int paths_fd, const struct ig_key *k, char *path, size_t len)
{
	char buf[IG_PATH_LEN];

	path[0] = '\0';
	if (paths_fd >= 0 && bpf_map_lookup_elem(paths_fd, k, buf) == 0)
		snprintf(path, len, "%.*s", IG_PATH_LEN - 1, buf);
}

int state__for_each(const struct ig_maps *m, state__entry_fn fn, void *ctx)
{
	struct ig_key key, next, *prev = NULL;
	struct ig_rule rule;
	char path[IG_PATH_LEN];
	int err;

	while (bpf_map_get_next_key(m->protected_fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(m->protected_fd, &key, &rule))
			continue; /* removed meanwhile */
		state__path_of(m->paths_fd, &key, path, sizeof(path));
		err = fn(&key, &rule, path, ctx);
		if (err)
			return err;
	}
	return 0;
}
