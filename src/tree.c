// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Tree entries: which directories may be protected as a whole, and the
 * files already below one, whose keys are taken at start. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include "tree.h"

/* Directories that hold the system itself: protecting one as a whole
 * denies every non-exempt program its libraries or configuration. */
static const char *const system_dirs[] = { "/usr", "/lib", "/bin", "/sbin", "/etc" };

/* Whether the tree at dir contains path (or is it). */
static bool tree_covers(const char *dir, const char *path)
{
	size_t n = strlen(dir);

	if (strcmp(dir, "/") == 0)
		return true;
	return strncmp(dir, path, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

static bool kernel_fs(const char *dir, char *why, size_t len)
{
	static const struct {
		long magic;
		const char *name;
	} kinds[] = {
		{ PROC_SUPER_MAGIC, "proc" },
		{ SYSFS_MAGIC, "sysfs" },
		{ BPF_FS_MAGIC, "the BPF filesystem, which holds inodeguard's own pins" },
		{ CGROUP2_SUPER_MAGIC, "cgroup2" },
		{ CGROUP_SUPER_MAGIC, "cgroup" },
	};
	struct statfs sfs;
	size_t i;

	if (statfs(dir, &sfs))
		return false;
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if ((long)sfs.f_type == kinds[i].magic) {
			snprintf(why, len, "a kernel filesystem (%s) cannot be protected as a tree",
				 kinds[i].name);
			return true;
		}
	}
	return false;
}

int tree__refused(const char *dir, char *why, size_t len)
{
	char self[PATH_MAX];
	ssize_t n;

	if (strcmp(dir, "/") == 0) {
		snprintf(why, len, "refusing to protect the whole filesystem");
		return -EINVAL;
	}
	if (kernel_fs(dir, why, len))
		return -EINVAL;
	if (tree_covers("/proc", dir) || tree_covers("/sys", dir)) {
		snprintf(why, len, "a kernel filesystem cannot be protected as a tree");
		return -EINVAL;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		if (tree_covers(dir, self)) {
			snprintf(why, len, "covers inodeguard's own binary %s", self);
			return -EINVAL;
		}
	}
	if (tree_covers(dir, IG_TREE_STATE_DIR)) {
		snprintf(why, len, "covers inodeguard's state directory %s", IG_TREE_STATE_DIR);
		return -EINVAL;
	}
	return 0;
}

int tree__covers_system(const char *dir, char *why, size_t len)
{
	char real[PATH_MAX];
	size_t i;

	for (i = 0; i < sizeof(system_dirs) / sizeof(system_dirs[0]); i++) {
		/* /bin is /usr/bin on merged-/usr systems: compare real paths. */
		if (!realpath(system_dirs[i], real))
			continue;
		if (tree_covers(dir, real)) {
			snprintf(why, len, "covers a system directory as a whole (%s); give --force if that is meant",
				 system_dirs[i]);
			return -EPERM;
		}
	}
	return 0;
}

/* nftw has no context argument: one walk at a time. */
static struct {
	tree__file_fn fn;
	void *ctx;
	int err;
} walk;

static int visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)ftw;
	if (type != FTW_F || !S_ISREG(st->st_mode))
		return 0;
	walk.err = walk.fn(path, st, walk.ctx);
	return walk.err ? 1 : 0;
}

int tree__for_each_file(const char *dir, tree__file_fn fn, void *ctx)
{
	int ret;

	walk.fn = fn;
	walk.ctx = ctx;
	walk.err = 0;
	/* FTW_MOUNT: a filesystem mounted inside the tree is another
	 * superblock, whose dentries never lead up to the tree. */
	ret = nftw(dir, visit, 32, FTW_PHYS | FTW_MOUNT);
	if (ret < 0)
		return -errno;
	return walk.err;
}
