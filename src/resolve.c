// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Resolve stage: paths to canonical, supported, regular files. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include "array.h"
#include "fhandle.h"
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

/* 0 and the filesystem's statfs magic where it is supported. */
static int check_filesystem(int fd, unsigned long *magic, char *why, size_t len)
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
		*magic = (unsigned long)sfs.f_type;
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

/* path's last component when it names an entry of a directory, else
 * NULL ("", "." or ".."). */
static const char *entry_name(const char *path)
{
	const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;

	return *base && strcmp(base, ".") && strcmp(base, "..") ? base : NULL;
}

/* Opens (O_PATH) the directory that path spells before its last
 * component base: "." for a bare name, "/" for "/name". */
static int open_dir_of(const char *path, const char *base)
{
	char dir[PATH_MAX];
	size_t n = base == path ? 0 : (size_t)(base - 1 - path);

	if (base == path)
		return open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	n = n ? n : 1;
	if (n >= sizeof(dir)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(dir, path, n);
	dir[n] = '\0';
	return open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

/* DIR/BASE, where DIR is a directory's kernel name ("/" for the root). */
static int join_name(const char *dir, const char *base, char *out, size_t len)
{
	int n = snprintf(out, len, "%s/%s", strcmp(dir, "/") ? dir : "", base);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int open_failed(char *why, size_t len)
{
	int err = -errno;

	if (errno == ENOENT)
		snprintf(why, len, "no such file");
	else if (errno == ELOOP)
		snprintf(why, len, "symlink loop");
	else
		snprintf(why, len, "%s", strerror(errno));
	return err;
}

/*
 * Opens path (O_PATH, following symlinks) and writes the name the entry
 * keeps: its directory as the kernel names it and its last component as
 * given. The file's own name, read back through /proc, follows the inode:
 * a rename between the open and the readlink (an exchange with another
 * name) hands back the name the inode moved to, and the name rule would
 * then be laid on that name instead of the one given. A symlink names its
 * target, whose own name is all there is to keep. The descriptor in *fd
 * is -1 on failure.
 */
static int open_named(const char *path, int *fd, char *canon, size_t len, char *why,
		      size_t wlen)
{
	const char *base = entry_name(path);
	char dir[PATH_MAX];
	struct stat st;
	int dfd = -1, err;

	*fd = -1;
	if (!base)
		goto by_inode;
	dfd = open_dir_of(path, base);
	if (dfd < 0)
		return open_failed(why, wlen);
	*fd = openat(dfd, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (*fd < 0) {
		err = open_failed(why, wlen);
		goto cleanup;
	}
	if (fstat(*fd, &st) == 0 && S_ISLNK(st.st_mode)) {
		close(*fd);
		*fd = openat(dfd, base, O_PATH | O_CLOEXEC);
		if (*fd < 0) {
			err = open_failed(why, wlen);
			goto cleanup;
		}
		err = fd_path(*fd, canon, len);
		goto named;
	}
	err = fd_path(dfd, dir, sizeof(dir));
	if (!err)
		err = join_name(dir, base, canon, len);
	goto named;
by_inode:
	*fd = open(path, O_PATH | O_CLOEXEC);
	if (*fd < 0)
		return open_failed(why, wlen);
	err = fd_path(*fd, canon, len);
named:
	if (err)
		snprintf(why, wlen, "cannot name it: %s", strerror(-err));
cleanup:
	if (err && *fd >= 0) {
		close(*fd);
		*fd = -1;
	}
	if (dfd >= 0)
		close(dfd);
	return err;
}

/*
 * One O_PATH open of the file (after one of its directory) walks the path
 * once; the checks then use the descriptor. realpath() followed by stat()
 * and statfs() walked it component by component and twice more, which
 * dominated loading a million entries.
 */
int resolve__path(const char *path, struct ig_entry *e, char *why, size_t len)
{
	char canon[PATH_MAX];
	struct stat st;
	unsigned long magic = 0;
	bool overlay = false;
	int fd, err;

	err = open_named(path, &fd, canon, sizeof(canon), why, len);
	if (err)
		return err;
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
	if (S_ISDIR(st.st_mode)) {
		err = tree__refused(canon, why, len);
		if (err)
			goto cleanup;
	}
	err = check_filesystem(fd, &magic, why, len);
	if (err)
		goto cleanup;
	overlay = magic == OVERLAYFS_SUPER_MAGIC;

	if (strcmp(canon, path) != 0 && (err = entry__set_path(e, canon))) {
		snprintf(why, len, "%s", strerror(-err));
		goto cleanup;
	}
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
	const char *base = strchr(path, '/') ? entry_name(path) : NULL;
	char canon[PATH_MAX];
	int fd, err;

	if (base) {
		fd = open_dir_of(path, base);
		if (fd >= 0) {
			err = fd_path(fd, canon, sizeof(canon));
			close(fd);
			if (err == 0)
				return join_name(canon, base, out, len);
		}
	}
	return normalise_text(path, out, len);
}

/*
 * Large policies list many files per directory. The directory is resolved
 * once (O_PATH, its filesystem, its kernel name, its own handle) and each
 * file in it costs one system call: its handle, which names the inode
 * number and generation, so the file's key is computed here rather than
 * learned later by opening the file; storing has the kernel confirm one
 * key of each handle layout on each superblock before any is used. Where
 * most of a directory is listed, one read of the directory gives every
 * name's type and inode number; otherwise an fstatat() per file does.
 * Anything unusual (a symlink, another mount on top of the name, any
 * failure) takes resolve__path(), which also writes the reasons.
 */

/* A directory's names, read once: getdents64 records and a hash index. */
struct dirents {
	char *buf;
	size_t len, cap;
	__u32 *slots; /* 1 + offset of a record in buf; 0: empty */
	size_t mask;
};

struct dir_cache {
	char *dir;          /* the directory as the policy spells it */
	/* Where its entries move when it is not canonical: a record made
	 * by this cache (of the entries' origin), so only making it takes
	 * the lock, not each entry. */
	struct ig_dir *canon_dir;
	struct ig_dir *keyed; /* the record it last gave its own key to */
	int fd;
	dev_t st_dev;
	bool usable;        /* opened, named, and its filesystem supported */
	bool overlay;
	bool canonical;     /* the policy spells it as the kernel names it */
	bool handles;       /* its handles decode, and its own did */
	unsigned long fs_magic;
	struct fhandle_key self;
	__u16 self_group;
	bool have_names;
	struct dirents names;
	char canon[PATH_MAX];
};

/* What the resolving threads share. */
struct resolve_ctx {
	struct ig_policy *p;
	size_t next;          /* the next block of entries to take */
	pthread_mutex_t lock; /* p->groups, the directory records' keys */
};

/* An entry resolve__path() refused, reported in order once all are done. */
struct failure {
	size_t i;
	int err;
	char *why;
};

struct resolver {
	struct resolve_ctx *ctx;
	struct failure *fail;
	size_t nfail, cap;
	int err;              /* -ENOMEM while recording a failure */
	/* The last layout looked up: a directory's files share one. */
	struct fhandle_group last;
	__u16 last_group;
};

#define RESOLVE_BLOCK 4096

static __u64 name_hash(const char *name)
{
	__u64 h = IG_NAME_HASH_SEED;

	for (; *name; name++)
		h = ig_name_hash_step(h, (unsigned char)*name);
	return h;
}

static void dirents__free(struct dirents *d)
{
	free(d->buf);
	free(d->slots);
	memset(d, 0, sizeof(*d));
}

/* Reads every name of the directory dirfd and indexes it; -errno. */
static int dirents__read(struct dirents *d, int dirfd)
{
	struct dirent64 *r;
	size_t off, count = 0, nslots = 16, s;
	ssize_t n;
	int fd, err = 0;

	d->len = 0;
	fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		if (d->cap - d->len < 65536) {
			char *b = realloc(d->buf, d->cap * 2 + 65536);

			if (!b) {
				err = -ENOMEM;
				break;
			}
			d->buf = b;
			d->cap = d->cap * 2 + 65536;
		}
		n = getdents64(fd, d->buf + d->len, d->cap - d->len);
		if (n <= 0) {
			err = n < 0 ? -errno : 0;
			break;
		}
		d->len += (size_t)n;
	}
	close(fd);
	for (off = 0; !err && off < d->len; off += r->d_reclen, count++)
		r = (struct dirent64 *)(d->buf + off);
	while (nslots < count * 2)
		nslots *= 2;
	free(d->slots);
	d->slots = err ? NULL : calloc(nslots, sizeof(*d->slots));
	if (!err && !d->slots)
		err = -ENOMEM;
	if (err)
		return err;
	d->mask = nslots - 1;
	for (off = 0; off < d->len; off += r->d_reclen) {
		r = (struct dirent64 *)(d->buf + off);
		for (s = name_hash(r->d_name) & d->mask; d->slots[s]; s = (s + 1) & d->mask)
			;
		d->slots[s] = (__u32)off + 1;
	}
	return 0;
}

static const struct dirent64 *dirents__find(const struct dirents *d, const char *name)
{
	const struct dirent64 *r;
	size_t s;

	for (s = name_hash(name) & d->mask; d->slots[s]; s = (s + 1) & d->mask) {
		r = (const struct dirent64 *)(d->buf + d->slots[s] - 1);
		if (strcmp(r->d_name, name) == 0)
			return r;
	}
	return NULL;
}

/* 1 + the index of the layout group of k on st_dev, or 0 when there are
 * too many to number (those files are learned instead). */
static __u16 group_of(struct resolver *r, dev_t st_dev, const struct fhandle_key *k)
{
	struct ig_policy *p = r->ctx->p;
	struct fhandle_group g = { .st_dev = st_dev, .type = k->type, .bytes = k->bytes };
	__u16 found = 0;
	size_t i;

	if (r->last_group && r->last.st_dev == g.st_dev && r->last.type == g.type &&
	    r->last.bytes == g.bytes)
		return r->last_group;
	pthread_mutex_lock(&r->ctx->lock);
	for (i = 0; i < p->ngroups && !found; i++)
		if (p->groups[i].st_dev == g.st_dev && p->groups[i].type == g.type &&
		    p->groups[i].bytes == g.bytes)
			found = (__u16)(i + 1);
	if (!found && p->ngroups < UINT16_MAX) {
		struct fhandle_group *v = realloc(p->groups, (p->ngroups + 1) * sizeof(*v));

		if (v) {
			p->groups = v;
			p->groups[p->ngroups++] = g;
			found = (__u16)p->ngroups;
		}
	}
	pthread_mutex_unlock(&r->ctx->lock);
	if (found) {
		r->last = g;
		r->last_group = found;
	}
	return found;
}

static void dir_cache__reset(struct dir_cache *c)
{
	free(c->dir);
	c->dir = NULL;
	c->canon_dir = NULL;
	c->keyed = NULL;
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->usable = c->handles = c->have_names = false;
}

/*
 * Opens the directory that the next listed entries share. Reading all its
 * names pays where most of them are listed: a name costs a fraction of
 * an fstatat() there. Its size says roughly how many names it holds (at
 * least 16 bytes each on the filesystems with handles known here).
 */
static void dir_cache__open(struct resolver *r, struct dir_cache *c, const char *dir,
			    size_t dlen, size_t listed)
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
	c->usable = check_filesystem(c->fd, &c->fs_magic, why, sizeof(why)) == 0 &&
		    fd_path(c->fd, c->canon, sizeof(c->canon)) == 0;
	if (!c->usable)
		return;
	c->overlay = c->fs_magic == OVERLAYFS_SUPER_MAGIC;
	c->canonical = strcmp(c->dir, c->canon) == 0;
	c->handles = fhandle__known_fs(c->fs_magic) &&
		     fhandle__of(c->fd, "", c->fs_magic, c->st_dev, &c->self) == 0 &&
		     c->self.key.ino == st.st_ino &&
		     (c->self_group = group_of(r, c->st_dev, &c->self)) != 0;
	if (c->handles && listed >= 16 && listed * 4 >= (size_t)st.st_size / 16)
		c->have_names = dirents__read(&c->names, c->fd) == 0;
}

/* How many entries from i on (before end) name a file in the directory
 * dir, directly. */
static size_t count_in_dir(const struct ig_policy *p, size_t i, size_t end,
			   const struct ig_dir *dir)
{
	size_t n = 0;

	for (; i < end; i++, n++)
		if (p->v[i].dir != dir && strcmp(p->v[i].dir->path, dir->path) != 0)
			break;
	return n;
}

/* The file's key from its handle into e, when the handle is of the
 * directory's mount (no other mount on top of the name) and names inode
 * ino. */
static bool key_from_handle(struct resolver *r, const struct dir_cache *c, const char *base,
			    ino_t ino, struct ig_entry *e)
{
	struct fhandle_key k;

	if (!c->handles || fhandle__of(c->fd, base, c->fs_magic, c->st_dev, &k) ||
	    k.mount_id != c->self.mount_id || k.key.ino != ino)
		return false;
	e->key_group = group_of(r, c->st_dev, &k);
	if (!e->key_group)
		return false;
	e->key = k.key;
	e->nkeys = 1;
	return true;
}

/* Moves e into c's canonical directory, which is not the one it was
 * given in; 0 or -errno. */
static int move_to_canonical(struct resolver *r, struct dir_cache *c, struct ig_entry *e)
{
	const char *origin = e->dir->origin;

	if (e->dir->owned)
		return -EINVAL;
	if (strlen(c->canon) + 1 + strlen(entry__name(e)) >= PATH_MAX)
		return -ENAMETOOLONG;
	if (!c->canon_dir || c->canon_dir->origin != origin) {
		pthread_mutex_lock(&r->ctx->lock);
		c->canon_dir = policy__dir_new(r->ctx->p, strcmp(c->canon, "/") ? c->canon : "",
					       origin);
		pthread_mutex_unlock(&r->ctx->lock);
		if (!c->canon_dir)
			return -ENOMEM;
	}
	entry__move_to(e, c->canon_dir);
	return 0;
}

/* The directory's own key into the record d of its entries, once per
 * record and cache. The entries of one directory may span two threads'
 * blocks, so the first to get there writes it, under the lock. */
static void give_dir_key(struct resolver *r, struct dir_cache *c, struct ig_dir *d)
{
	pthread_mutex_lock(&r->ctx->lock);
	if (!d->nkeys) {
		d->key = c->self.key;
		d->nkeys = 1;
		d->group = c->self_group;
	}
	pthread_mutex_unlock(&r->ctx->lock);
	c->keyed = d;
}

/* 1 if the fast path resolved e (now in its canonical directory, perhaps
 * the same one), 0 if the full path must. */
static int resolve_in_dir(struct resolver *r, struct dir_cache *c, struct ig_entry *e,
			  size_t i, size_t end)
{
	const char *base = entry__name(e), *dir = e->dir->path[0] ? e->dir->path : "/";
	size_t dlen = strlen(dir);
	const struct dirent64 *d;
	struct stat st;

	if (!*base || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
		return 0;
	if (!c->dir || strlen(c->dir) != dlen || strncmp(c->dir, dir, dlen) != 0)
		dir_cache__open(r, c, dir, dlen, e->dir->path[0] ?
				count_in_dir(r->ctx->p, i, end, e->dir) : 1);
	if (!c->usable)
		return 0;
	d = c->have_names ? dirents__find(&c->names, base) : NULL;
	if (c->have_names && (!d || (d->d_type != DT_REG && d->d_type != DT_UNKNOWN)))
		return 0;
	/* A name's record gives the inode under any mount on top of it, so
	 * only a handle of the directory's own mount counts. A record and a
	 * handle that disagree (another mount, or the name renamed or
	 * exchanged since the directory was read) fall back to fstatat(),
	 * which keeps the name as given. */
	if (d && d->d_type == DT_REG && key_from_handle(r, c, base, d->d_ino, e)) {
		st.st_dev = c->st_dev;
		st.st_ino = d->d_ino;
	} else {
		/* Not read, a filesystem that leaves the type unknown, or a
		 * record that no longer names what the handle does. */
		if (fstatat(c->fd, base, &st, AT_SYMLINK_NOFOLLOW) || !S_ISREG(st.st_mode) ||
		    st.st_dev != c->st_dev)
			return 0;
		key_from_handle(r, c, base, st.st_ino, e);
	}
	if (!c->canonical && move_to_canonical(r, c, e)) {
		e->nkeys = 0;
		e->key_group = 0;
		return 0;
	}
	if (e->nkeys && c->keyed != e->dir)
		give_dir_key(r, c, e->dir);
	e->st_dev = st.st_dev;
	e->st_ino = st.st_ino;
	e->overlay = c->overlay;
	return 1;
}

static int failure_add(struct resolver *r, size_t i, int err, const char *why)
{
	struct failure *f;

	if (array__grow((void **)&r->fail, &r->cap, r->nfail, sizeof(*r->fail)))
		return -ENOMEM;
	f = &r->fail[r->nfail];
	f->why = strdup(why);
	if (!f->why)
		return -ENOMEM;
	f->i = i;
	f->err = err;
	r->nfail++;
	return 0;
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

/* Resolves blocks of entries until none is left; each block keeps its own
 * directory cache, so the threads share only the block counter and the
 * layout groups. */
static void *resolve_blocks(void *arg)
{
	struct resolver *r = arg;
	struct ig_policy *p = r->ctx->p;
	struct dir_cache dirs = { .fd = -1 };
	char why[256], path[PATH_MAX];
	struct ig_dir *given;
	size_t i, end;
	__u32 name;
	int err;

	for (;;) {
		i = __atomic_fetch_add(&r->ctx->next, RESOLVE_BLOCK, __ATOMIC_RELAXED);
		if (i >= p->n)
			break;
		end = i + RESOLVE_BLOCK < p->n ? i + RESOLVE_BLOCK : p->n;
		for (; i < end; i++) {
			struct ig_entry *e = &p->v[i];

			given = e->dir;
			name = e->name;
			err = resolve_in_dir(r, &dirs, e, i, end) ? 0 :
			      resolve__path(entry__path(e, path), e, why, sizeof(why));
			if (!err && e->tree &&
			    ((!p->force && tree__covers_system(entry__path(e, path), why, sizeof(why))) ||
			     tree_on_overlay(e, why, sizeof(why)))) {
				/* Reported under the name it was given (a
				 * policy's, so moving left it as it was). */
				if (e->dir != given && e->dir->owned)
					free(e->dir);
				e->dir = given;
				e->name = name;
				err = -EINVAL;
			}
			if (err) {
				if (!r->err)
					r->err = failure_add(r, i, err, why);
				continue;
			}
		}
	}
	dir_cache__reset(&dirs);
	dirents__free(&dirs.names);
	return NULL;
}

static int failure_cmp(const void *a, const void *b)
{
	const struct failure *x = a, *y = b;

	return x->i < y->i ? -1 : x->i > y->i;
}

/* e, another name of entry `of`, is kept as its alias; its keys are
 * learned when it is stored (its directory's handle layout need not be
 * one the kernel confirms), and its allow rules are the entry's. */
static int keep_alias(struct ig_policy *p, struct ig_entry *e, size_t of)
{
	char path[PATH_MAX];
	struct ig_alias *a;

	/* In a directory of its own: its directory's keys are learned too. */
	if (array__grow((void **)&p->aliases, &p->aliases_cap, p->naliases, sizeof(*a)) ||
	    entry__set_path(e, entry__path(e, path))) {
		entry__free(e);
		return -ENOMEM;
	}
	a = &p->aliases[p->naliases++];
	a->name = *e;
	a->of = of;
	entry__free_keys(&a->name);
	a->name.key_group = 0;
	entry__free_allow(&a->name);
	return 0;
}

/* A hash of (dev, ino) keeps this linear for a million. */
int resolve__merge_same_files(struct ig_policy *p)
{
	char path[PATH_MAX], first_path[PATH_MAX];
	size_t nslots = 16, i, s, u = 0;
	__u32 *slots;
	int err = 0;

	while (nslots < p->n * 2)
		nslots *= 2;
	slots = calloc(nslots, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	for (i = 0; i < p->n; i++) {
		struct ig_entry *e = &p->v[i], *first = NULL;
		__u64 h = ((__u64)e->st_dev * 0x9E3779B97F4A7C15ULL) ^ e->st_ino;

		h *= 0xff51afd7ed558ccdULL;
		for (s = (h >> 20) & (nslots - 1); slots[s]; s = (s + 1) & (nslots - 1)) {
			struct ig_entry *o = &p->v[slots[s] - 1];

			if (o->st_dev == e->st_dev && o->st_ino == e->st_ino) {
				first = o;
				break;
			}
		}
		if (first) {
			if (e->level > first->level)
				first->level = e->level;
			/* As where two entries meet on one inode in the
			 * kernel: only whom both let pass passes. */
			if (entry__allow(first))
				allow__keep_common(entry__allow(first), entry__allow(e));
			if (!e->tree && strcmp(entry__path(e, path), entry__path(first, first_path))) {
				if (keep_alias(p, e, slots[s] - 1))
					err = -ENOMEM;
			} else {
				entry__free(e);
			}
			continue;
		}
		if (u != i)
			p->v[u] = *e;
		slots[s] = (__u32)++u;
	}
	p->n = u;
	free(slots);
	return err;
}
/* Threads pay where a policy is large: each file is a system call. */
static unsigned int resolver_threads(size_t n)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 4 * RESOLVE_BLOCK || cpus < 2)
		return 1;
	return cpus > 4 ? 4 : (unsigned int)cpus;
}

int resolve__policy(struct ig_policy *p)
{
	struct resolve_ctx ctx = { .p = p, .lock = PTHREAD_MUTEX_INITIALIZER };
	struct resolver r[4] = {};
	pthread_t threads[4];
	unsigned int t, nthreads = resolver_threads(p->n), started = 1;
	struct failure *fail = NULL;
	char q[QUOTE_BUF], where[IG_ORIGIN_BUF], path[PATH_MAX];
	size_t i, u = 0, k = 0, nfail = 0;
	int bad = 0, nomem = 0;

	for (t = 0; t < nthreads; t++)
		r[t].ctx = &ctx;
	for (t = 1; t < nthreads; t++)
		if (pthread_create(&threads[t], NULL, resolve_blocks, &r[t]) == 0)
			started++;
		else
			break;
	resolve_blocks(&r[0]);
	for (t = 1; t < started; t++)
		pthread_join(threads[t], NULL);
	for (t = 0; t < nthreads; t++) {
		nomem += r[t].err != 0;
		for (i = 0; i < r[t].nfail; i++) {
			if (array__grow((void **)&fail, &k, nfail, sizeof(*fail)) == 0)
				fail[nfail++] = r[t].fail[i];
			else
				nomem++, free(r[t].fail[i].why);
		}
		free(r[t].fail);
	}
	if (nfail)
		qsort(fail, nfail, sizeof(*fail), failure_cmp);
	/* In place and in order: a bad entry is reported and dropped. */
	for (i = 0, k = 0; i < p->n; i++) {
		struct ig_entry *e = &p->v[i];

		if (k < nfail && fail[k].i == i) {
			p_err("%s: %s: %s", entry__origin(e, where, sizeof(where)),
			      quote__str(entry__path(e, path), q), fail[k].why);
			nomem += fail[k].err == -ENOMEM;
			free(fail[k++].why);
			entry__free(e);
			bad++;
			continue;
		}
		p->v[u++] = *e;
	}
	free(fail);
	p->n = u;
	return nomem ? -ENOMEM : bad ? -EINVAL : 0;
}
