// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The fuzz targets' scratch tree and log reset. */
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cli.h"
#include "fuzz_common.h"
#include "log.h"

static void must(int ok, const char *what)
{
	if (!ok) {
		perror(what);
		abort();
	}
}

static void write_file(const char *name, const char *text)
{
	FILE *f = fopen(name, "w");

	must(f != NULL, name);
	fputs(text, f);
	fclose(f);
}

static char dir[] = "/tmp/ig-fuzz.XXXXXX";

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* The sandbox goes when the fuzzer exits, as every run makes a new one. */
static void sandbox_remove(void)
{
	nftw(dir, remove_one, 8, FTW_DEPTH | FTW_PHYS);
}

const char *fuzz__sandbox(void)
{
	static int made;

	if (made)
		return dir;
	must(mkdtemp(dir) != NULL, "mkdtemp");
	atexit(sandbox_remove);
	must(chdir(dir) == 0, "chdir");
	write_file("file", "secret\n");
	write_file("a.conf", "deny file\naudit sub/inner\n");
	write_file("b.conf", "kill link\nfrobnicate x\n");
	must(mkdir("sub", 0755) == 0, "mkdir");
	write_file("sub/inner", "x\n");
	must(link("file", "link") == 0, "link");
	must(symlink("file", "sym") == 0, "symlink");
	must(symlink("loop2", "loop1") == 0 && symlink("loop1", "loop2") == 0, "symlink");
	must(mkfifo("fifo", 0600) == 0, "mkfifo");
	made = 1;
	return dir;
}

void fuzz__log_reset(void)
{
	log__end();
	memset(&ig_global, 0, sizeof(ig_global));
	log__init(false, 0);
}
