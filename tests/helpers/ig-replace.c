// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* ig-replace: root replaces a protected file over and over the way editors,
 * sed -i and package managers do (write a new file, rename it over the
 * name, move the old one aside), while a reader as another user tries
 * every name the versions pass through. The same happens to an unprotected
 * neighbour, which the reader must be able to read: the positive control.
 *
 * usage: ig-replace DIR NAME NEIGHBOUR ROUNDS
 * The reader's routes: NAME, NAME~ (moved aside), .NAME.new (the
 * temporary), NAME relative to DIR, and a descriptor of the temporary
 * opened before the rename.
 * Bytes the reader got from the protected file's names go to stdout, so
 * the suite fails if a secret marker shows up there. The last line on
 * stderr counts the reader's attempts and its reads of the neighbour.
 * Rounds alternate two ways to make a version:
 *   odd:  a 0600 temporary (mkstemp style) is written, renamed over the
 *         name, then made world-readable through the name;
 *   even: an empty 0644 temporary, which the reader opens and holds, is
 *         renamed over the name and then filled: a descriptor opened
 *         before the rename must yield nothing after it. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "helpers.h"

const char *helper_name = "ig-replace";

#define NOBODY 65534

/* Shared between root's replacer and the reader. */
struct board {
	volatile int round;      /* rounds completed */
	volatile int tmp_ready;  /* an even round's empty temporary exists */
	volatile int tmp_held;   /* the reader holds it open */
	volatile int done;
	volatile long tries;
	volatile long neighbour_reads;
};

struct names {
	char name[4096], aside[4096], tmp[4096];
};

static void names_of(struct names *n, const char *dir, const char *base)
{
	snprintf(n->name, sizeof(n->name), "%s/%s", dir, base);
	snprintf(n->aside, sizeof(n->aside), "%s/%s~", dir, base);
	snprintf(n->tmp, sizeof(n->tmp), "%s/.%s.new", dir, base);
}

/* One read attempt in a child, so a SIGKILL (kill level, tracepoint)
 * ends only the attempt. Returns the bytes it got. */
static ssize_t attempt(const char *path, int held, char *buf, size_t len)
{
	int pipefd[2], status;
	ssize_t n, got = 0;
	pid_t pid;

	if (pipe(pipefd))
		return 0;
	pid = fork();
	if (pid == 0) {
		int fd = held >= 0 ? held : open(path, O_RDONLY);

		close(pipefd[0]);
		if (fd < 0)
			_exit(1);
		while ((n = read(fd, buf, len)) > 0)
			if (write(pipefd[1], buf, n) != n)
				_exit(1);
		_exit(0);
	}
	close(pipefd[1]);
	while (pid > 0 && (size_t)got < len && (n = read(pipefd[0], buf + got, len - got)) > 0)
		got += n;
	close(pipefd[0]);
	if (pid > 0)
		waitpid(pid, &status, 0);
	return got;
}

static void reader(struct board *b, const struct names *p, const struct names *nb,
		   const char *dir)
{
	char buf[4096], rel[4096];
	const char *routes[4];
	int held = -1, held_round = -1;
	ssize_t n;
	size_t i;

	snprintf(rel, sizeof(rel), "%s", strrchr(p->name, '/') + 1);
	if (chdir(dir))
		return;
	routes[0] = p->name;
	routes[1] = p->aside;
	routes[2] = p->tmp;
	routes[3] = rel;   /* relative to the directory */
	while (!b->done) {
		if (held < 0 && b->tmp_ready) {
			held = open(p->tmp, O_RDONLY);
			held_round = b->round;
			b->tmp_held = 1;
		}
		for (i = 0; i < 4; i++) {
			n = attempt(routes[i], -1, buf, sizeof(buf));
			if (n > 0 && write(STDOUT_FILENO, buf, n) != n)
				return;
		}
		/* Once renamed over the name and filled, the held descriptor
		 * is a descriptor of a protected inode. */
		if (held >= 0 && b->round > held_round) {
			n = attempt(NULL, held, buf, sizeof(buf));
			if (n > 0 && write(STDOUT_FILENO, buf, n) != n)
				return;
			close(held);
			held = -1;
		}
		if (attempt(nb->name, -1, buf, sizeof(buf)) > 0)
			b->neighbour_reads++;
		b->tries++;
	}
}

static int put(int fd, const char *base, int round)
{
	char text[128];
	int n = snprintf(text, sizeof(text), "IG-SECRET-%s-v%d\n", base, round);

	return write(fd, text, n) == n ? 0 : -1;
}

/* One new version of dir/base, as the comment at the top says. */
static int replace_once(struct board *b, const struct names *n, const char *base,
			int round, bool wait_held)
{
	int fd, i;

	unlink(n->tmp);
	if (round & 1) {
		fd = open(n->tmp, O_CREAT | O_EXCL | O_WRONLY, 0600);
		if (fd < 0 || put(fd, base, round))
			return fail("write temporary");
		close(fd);
		if (rename(n->name, n->aside) || rename(n->tmp, n->name))
			return fail("rename");
		return chmod(n->name, 0644) ? fail("chmod") : 0;
	}
	fd = open(n->tmp, O_CREAT | O_EXCL | O_WRONLY, 0644);
	if (fd < 0)
		return fail("create temporary");
	if (wait_held) {
		b->tmp_held = 0;
		b->tmp_ready = 1;
		for (i = 0; i < 200 && !b->tmp_held; i++)
			usleep(5000);
		b->tmp_ready = 0;
	}
	if (rename(n->name, n->aside) || rename(n->tmp, n->name))
		return fail("rename");
	if (put(fd, base, round))
		return fail("fill");
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	struct names p, nb;
	struct board *b;
	int rounds, i, status, err = 0;
	pid_t pid;

	if (argc != 5) {
		fprintf(stderr, "usage: ig-replace DIR NAME NEIGHBOUR ROUNDS\n");
		return 2;
	}
	rounds = atoi(argv[4]);
	names_of(&p, argv[1], argv[2]);
	names_of(&nb, argv[1], argv[3]);
	b = mmap(NULL, sizeof(*b), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (b == MAP_FAILED)
		return fail("mmap");
	memset(b, 0, sizeof(*b));
	pid = fork();
	if (pid < 0)
		return fail("fork");
	if (pid == 0) {
		if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
		    setresuid(NOBODY, NOBODY, NOBODY))
			_exit(fail("drop to nobody"));
		reader(b, &p, &nb, argv[1]);
		_exit(0);
	}
	for (i = 1; i <= rounds && !err; i++) {
		err = replace_once(b, &p, argv[2], i, true) ||
		      replace_once(b, &nb, argv[3], i, false);
		b->round = i;
		/* Let the reader see each version. */
		usleep(2000);
	}
	/* A last look at the final version, then stop the reader. */
	for (i = 0; i < 100 && b->tries < rounds; i++)
		usleep(10000);
	b->done = 1;
	waitpid(pid, &status, 0);
	fprintf(stderr, "ig-replace: %d rounds, reader tries %ld, neighbour reads %ld%s\n",
		rounds, b->tries, b->neighbour_reads,
		WIFSIGNALED(status) ? " (reader killed)" : "");
	return err ? 1 : 0;
}
