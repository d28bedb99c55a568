// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* ig-probe: tries to reach a file's content one way, and writes whatever
 * bytes it got to stdout. The suites fail a test if the secret's marker
 * shows up there. Exit status: 0 got content, errno of the failing call
 * otherwise (13 is EACCES), and a killed probe shows as 128+9. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dirent.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/openat2.h>
#include "helpers.h"

const char *helper_name = "ig-probe";

static int read_path(const char *path)
{
	int fd = open(path, O_RDONLY);

	return fd < 0 ? fail("open") : dump_fd(fd);
}

/* chdir into dir, then a relative openat. */
static int read_relative(const char *dir, const char *name)
{
	int fd;

	if (chdir(dir))
		return fail("chdir");
	fd = openat(AT_FDCWD, name, O_RDONLY);
	return fd < 0 ? fail("openat") : dump_fd(fd);
}

/* O_PATH needs no file_open; the reopen through /proc must be judged. */
static int read_opath_proc(const char *path)
{
	char proc[64];
	int fd = open(path, O_PATH);

	if (fd < 0)
		return fail("open O_PATH");
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	return read_path(proc);
}

static int read_openat2(const char *path, unsigned long long resolve)
{
	struct open_how how = { .flags = O_RDONLY, .resolve = resolve };
	int fd = syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how));

	return fd < 0 ? fail("openat2") : dump_fd(fd);
}

static int read_by_handle(const char *path)
{
	struct file_handle *fh = malloc(sizeof(*fh) + MAX_HANDLE_SZ);
	char dir[4096], *slash;
	int mount_id, mfd, fd;

	fh->handle_bytes = MAX_HANDLE_SZ;
	if (name_to_handle_at(AT_FDCWD, path, fh, &mount_id, 0))
		return fail("name_to_handle_at");
	/* Any descriptor on the same mount will do: the file's directory. */
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	mfd = open(slash && dir[0] ? dir : "/", O_RDONLY | O_DIRECTORY);
	fd = open_by_handle_at(mfd, fh, O_RDONLY);
	return fd < 0 ? fail("open_by_handle_at") : dump_fd(fd);
}

static int read_mmap(const char *path)
{
	struct stat st;
	void *p;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return fail("open");
	if (fstat(fd, &st) || !st.st_size)
		return fail("fstat");
	p = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		return fail("mmap");
	return write(STDOUT_FILENO, p, st.st_size) == st.st_size ? 0 : fail("write");
}

/* Lists a directory's names: allowed inside a protected tree. */
static int list_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;

	if (!d)
		return fail("opendir");
	errno = 0;
	while ((e = readdir(d)))
		printf("%s\n", e->d_name);
	return errno ? fail("readdir") : 0;
}

static int stat_path(const char *path)
{
	struct stat st;

	if (stat(path, &st))
		return fail("stat");
	printf("ino %llu size %lld\n", (unsigned long long)st.st_ino, (long long)st.st_size);
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: ig-probe read|relative DIR NAME|opath-proc|openat2|openat2-beneath DIR NAME|handle|mmap|list|stat PATH\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *mode;
	int used = drop_to_uid_arg(argc, argv);

	argc -= used;
	argv += used;
	if (argc < 3)
		return usage();
	mode = argv[1];
	errno = 0;
	if (!strcmp(mode, "read"))
		return read_path(argv[2]);
	if (!strcmp(mode, "relative") && argc > 3)
		return read_relative(argv[2], argv[3]);
	if (!strcmp(mode, "opath-proc"))
		return read_opath_proc(argv[2]);
	if (!strcmp(mode, "openat2"))
		return read_openat2(argv[2], 0);
	if (!strcmp(mode, "openat2-beneath") && argc > 3) {
		if (chdir(argv[2]))
			return fail("chdir");
		return read_openat2(argv[3], RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS);
	}
	if (!strcmp(mode, "handle"))
		return read_by_handle(argv[2]);
	if (!strcmp(mode, "mmap"))
		return read_mmap(argv[2]);
	if (!strcmp(mode, "list"))
		return list_dir(argv[2]);
	if (!strcmp(mode, "stat"))
		return stat_path(argv[2]);
	return usage();
}
