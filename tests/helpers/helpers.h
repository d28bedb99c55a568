/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* What every test helper does the same way: report a failed call as its
 * errno, and copy whatever content it reached to stdout. */
#ifndef IG_TEST_HELPERS_H
#define IG_TEST_HELPERS_H

#include <errno.h>
#include <stdio.h>
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

#endif
