/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* What every test helper does the same way: report a failed call as its
 * errno, and copy whatever content it reached to stdout. */
#ifndef IG_TEST_HELPERS_H
#define IG_TEST_HELPERS_H

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern const char *helper_name;

static inline int fail(const char *what)
{
	int err = errno ? errno : EIO;

	fprintf(stderr, "%s: %s: %s\n", helper_name, what, strerror(err));
	return err;
}

static inline int dump_fd(int fd)
{
	char buf[4096];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (write(STDOUT_FILENO, buf, n) != n)
			return fail("write");
	return n < 0 ? fail("read") : 0;
}

/*
 * "-u UID" as the first arguments: become UID (and gid UID, no groups)
 * before doing anything. From root this clears every capability, like
 * setpriv, and saves the test suites one exec per probe, which matters
 * under software emulation. Returns how many arguments were used.
 */
static inline int drop_to_uid_arg(int argc, char **argv)
{
	uid_t uid;

	if (argc < 3 || strcmp(argv[1], "-u") != 0)
		return 0;
	uid = (uid_t)strtoul(argv[2], NULL, 10);
	if (setgroups(0, NULL) || setresgid(uid, uid, uid) || setresuid(uid, uid, uid)) {
		fail("drop privileges");
		exit(1);
	}
	return 2;
}

#endif
