// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Resolve stage: paths to canonical, supported, regular files. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include "log.h"
#include "quote.h"
#include "resolve.h"
#include "tree.h"

#ifndef XFS_SUPER_MAGIC
#define XFS_SUPER_MAGIC 0x58465342
#endif

/*
 * Filesystems whose (s_dev, i_ino, i_generation) names one file for its
 * lifetime. NFS and FUSE are left out on purpose: their inode numbers are
 * chosen by a server or a daemon and their devs are per mount.
 */
static const struct {
	unsigned long magic;
	const char *name;
	bool supported;
} filesystems[] = {
	{ EXT4_SUPER_MAGIC, "ext2/3/4", true },
	{ XFS_SUPER_MAGIC, "xfs", true },
	{ TMPFS_MAGIC, "tmpfs", true },
	{ BTRFS_SUPER_MAGIC, "btrfs", true },
	{ OVERLAYFS_SUPER_MAGIC, "overlayfs", true },
	{ NFS_SUPER_MAGIC, "nfs", false },
	{ 0x65735546, "fuse", false },
	{ 0x01021997, "9p", false },
	{ PROC_SUPER_MAGIC, "proc", false },
	{ SYSFS_MAGIC, "sysfs", false },
	{ RAMFS_MAGIC, "ramfs", false },
	{ MSDOS_SUPER_MAGIC, "vfat", false },
	{ 0xff534d42, "cifs", false },
	{ 0x73717368, "squashfs", false },
};

static int check_filesystem(int fd, bool *overlay, char *why, size_t len)
{
	struct statfs sfs;
	size_t i;

	if (fstatfs(fd, &sfs))
		return snprintf(why, len, "cannot stat its filesystem: %s",
				strerror(errno)), -errno;
	for (i = 0; i < sizeof(filesystems) / sizeof(filesystems[0]); i++) {
		if ((unsigned long)sfs.f_type != filesystems[i].magic)
			continue;
		if (!filesystems[i].supported) {
			snprintf(why, len, "unsupported filesystem %s: its inode identity is not stable enough to key on",
				 filesystems[i].name);
			return -EOPNOTSUPP;
		}
		*overlay = sfs.f_type == OVERLAYFS_SUPER_MAGIC;
		return 0;
	}
	snprintf(why, len, "unsupported filesystem (magic 0x%lx)",
		 (unsigned long)sfs.f_type);
	return -EOPNOTSUPP;
}

static const char *file_kind(mode_t mode)
{
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISBLK(mode))
		return "a block device";
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISSOCK(mode))
		return "a socket";
	return "not a regular file";
}

/* The canonical path of an open descriptor, as the kernel names it. */
static int fd_path(int fd, char *buf, size_t len)
{
	char link[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, buf, len - 1);
	if (n < 0)
		return -errno;
	if ((size_t)n == len - 1)
		return -ENAMETOOLONG;
	buf[n] = '\0';
	return 0;
}

/*
 * One O_PATH open walks the path once (following symlinks); the checks
 * then use the descriptor. realpath() followed by stat() and statfs()
 * walked it component by component and twice more, which dominated
 * loading a million entries.
 */
int resolve__path(const char *path, struct ig_entry *e, char *why, size_t len)
{
	char canon[PATH_MAX], *copy;
	struct stat st;
	bool overlay = false;
	int fd, err;

	fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		if (errno == ENOENT)
			snprintf(why, len, "no such file");
		else if (errno == ELOOP)
			snprintf(why, len, "symlink loop");
		else
			snprintf(why, len, "%s", strerror(errno));
		return err;
	}
	if (fstat(fd, &st)) {
		err = -errno;
		snprintf(why, len, "%s", strerror(-err));
		goto cleanup;
	}
	if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
		snprintf(why, len, "%s (only regular files and directories can be protected)",
			 file_kind(st.st_mode));
		err = -EINVAL;
		goto cleanup;
	}
	err = fd_path(fd, canon, sizeof(canon));
	if (err) {
		snprintf(why, len, "cannot name it: %s", strerror(-err));
		goto cleanup;
	}
	if (S_ISDIR(st.st_mode)) {
		err = tree__refused(canon, why, len);
		if (err)
			goto cleanup;
	}
	err = check_filesystem(fd, &overlay, why, len);
	if (err)
		goto cleanup;

	copy = strdup(canon);
	if (!copy) {
		snprintf(why, len, "%s", strerror(ENOMEM));
		err = -ENOMEM;
		goto cleanup;
	}
	e->path = copy;
	e->path_pooled = false;
	e->st_dev = st.st_dev;
	e->st_ino = st.st_ino;
	e->overlay = overlay;
	e->tree = S_ISDIR(st.st_mode);
cleanup:
	close(fd);
	return err;
}

/* "." and ".." and repeated slashes out of an absolute path, by text. */
static int normalise_text(const char *path, char *out, size_t len)
{
	const char *p = path, *seg;
	size_t o = 0, n;

	if (path[0] != '/' || len < 2)
		return -EINVAL;
	while (*p) {
		while (*p == '/')
			p++;
		seg = p;
		p += strcspn(p, "/");
		n = (size_t)(p - seg);
		if (n == 0 || (n == 1 && seg[0] == '.'))
			continue;
		if (n == 2 && seg[0] == '.' && seg[1] == '.') {
			while (o > 0 && out[--o] != '/')
				;
			continue;
		}
		if (o + 1 + n >= len)
			return -ENAMETOOLONG;
		out[o++] = '/';
		memcpy(out + o, seg, n);
		o += n;
	}
	if (o == 0)
		out[o++] = '/';
	out[o] = '\0';
	return 0;
}

int resolve__name(const char *path, char *out, size_t len)
{
	const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
	char dir[PATH_MAX], canon[PATH_MAX];
	int fd, n;

	if (slash && *base && strcmp(base, ".") && strcmp(base, "..")) {
		n = snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 : (int)(slash - path), path);
		fd = n > 0 && (size_t)n < sizeof(dir) ? open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;
		if (fd >= 0) {
			n = fd_path(fd, canon, sizeof(canon));
			close(fd);
			if (n == 0) {
				n = snprintf(out, len, "%s/%s", strcmp(canon, "/") ? canon : "", base);
				return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
			}
		}
	}
	return normalise_text(path, out, len);
}

/*
 * Large policies list many files per directory. The directory is resolved
 * once (O_PATH, its filesystem, its kernel name) and each file in it costs
 * one fstatat() relative to it, instead of a walk of the whole path, an
 * fstatfs() and a /proc lookup per file. Anything unusual (a symlink, a
 * file on another filesystem than its directory, any failure) takes
 * resolve__path(), which also writes the reasons.
 */
struct dir_cache {
	char *dir;          /* the directory as the policy spells it */
	int fd;
	dev_t st_dev;
	bool usable;        /* opened, named, and its filesystem supported */
	bool overlay;
	char canon[PATH_MAX];
};

static void dir_cache__reset(struct dir_cache *c)
{
	free(c->dir);
	c->dir = NULL;
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->usable = false;
}

static void dir_cache__open(struct dir_cache *c, const char *dir, size_t dlen)
{
	char why[256];
	struct stat st;

	dir_cache__reset(c);
	c->dir = strndup(dir, dlen);
	if (!c->dir)
		return;
	c->fd = open(c->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (c->fd < 0 || fstat(c->fd, &st))
		return;
	c->st_dev = st.st_dev;
	c->usable = check_filesystem(c->fd, &c->overlay, why, sizeof(why)) == 0 &&
		    fd_path(c->fd, c->canon, sizeof(c->canon)) == 0;
}

/* 1 if the fast path resolved path into e, 0 if the full path must. */
static int resolve_in_dir(struct dir_cache *c, const char *path, struct ig_entry *e)
{
	const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
	const char *dir = slash ? path : ".";
	size_t dlen = slash ? (size_t)(slash == path ? 1 : slash - path) : 1;
	struct stat st;
	size_t clen;
	char *canon;

	if (!*base || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
		return 0;
	if (!c->dir || strlen(c->dir) != dlen || strncmp(c->dir, dir, dlen) != 0)
		dir_cache__open(c, dir, dlen);
	if (!c->usable)
		return 0;
	if (fstatat(c->fd, base, &st, AT_SYMLINK_NOFOLLOW) || !S_ISREG(st.st_mode) ||
	    st.st_dev != c->st_dev)
		return 0;
	clen = strlen(c->canon);
	if (clen + 1 + strlen(base) >= PATH_MAX)
		return 0;
	if (asprintf(&canon, "%s/%s", clen == 1 ? "" : c->canon, base) < 0)
		return 0;
	e->path = canon;
	e->path_pooled = false;
	e->st_dev = st.st_dev;
	e->st_ino = st.st_ino;
	e->overlay = c->overlay;
	return 1;
}

static int same_file_cmp(const void *a, const void *b)
{
	const struct ig_entry *x = a, *y = b;

	if (x->st_dev != y->st_dev)
		return x->st_dev < y->st_dev ? -1 : 1;
	if (x->st_ino != y->st_ino)
		return x->st_ino < y->st_ino ? -1 : 1;
	return 0;
}

/* Hard links and aliases of one file become one entry at the strictest
 * level. Sorting keeps this O(n log n) for a million entries. */
static void merge_same_files(struct ig_policy *p)
{
	size_t i, u = 0;

	if (p->n < 2)
		return;
	qsort(p->v, p->n, sizeof(*p->v), same_file_cmp);
	for (i = 1; i < p->n; i++) {
		if (same_file_cmp(&p->v[u], &p->v[i]) == 0) {
			if (p->v[i].level > p->v[u].level)
				p->v[u].level = p->v[i].level;
			entry__free(&p->v[i]);
			continue;
		}
		p->v[++u] = p->v[i];
	}
	p->n = u + 1;
}

/* A file below an overlay directory is opened through the layers' own
 * directories too, whose ancestry never reaches the overlay's. */
static bool tree_on_overlay(const struct ig_entry *e, char *why, size_t len)
{
	if (!e->overlay)
		return false;
	snprintf(why, len, "a directory on overlayfs cannot be a tree: protect the layers' directories instead");
	return true;
}

int resolve__policy(struct ig_policy *p)
{
	struct dir_cache dirs = { .fd = -1 };
	char why[256], *given, q[QUOTE_BUF], where[IG_ORIGIN_BUF];
	size_t i, u = 0;
	int bad = 0, err, nomem = 0;
	bool pooled;

	/* In place: a resolved entry replaces its given path with the
	 * canonical one, a bad one is reported and dropped. */
	for (i = 0; i < p->n; i++) {
		struct ig_entry *e = &p->v[i];

		given = e->path;
		pooled = e->path_pooled;
		err = resolve_in_dir(&dirs, given, e) ? 0 : resolve__path(given, e, why, sizeof(why));
		if (err) {
			p_err("%s: %s: %s", entry__origin(e, where, sizeof(where)), quote__str(given, q),
			      why);
			entry__free(e);
			nomem += err == -ENOMEM;
			bad++;
			continue;
		}
		if (e->tree && ((!p->force && tree__covers_system(e->path, why, sizeof(why))) ||
				tree_on_overlay(e, why, sizeof(why)))) {
			p_err("%s: %s: %s", entry__origin(e, where, sizeof(where)), quote__str(given, q),
			      why);
			if (!pooled)
				free(given);
			entry__free(e);
			bad++;
			continue;
		}
		if (!pooled)
			free(given);
		p->v[u++] = *e;
	}
	p->n = u;
	merge_same_files(p);
	dir_cache__reset(&dirs);
	return nomem ? -ENOMEM : bad ? -EINVAL : 0;
}
