// SPDX-License-Identifier: GPL-2.0
/* test_log: sd-daemon priority prefixes only when stderr is the journal. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "log.h"
#include "unit.h"

enum stream { NO_ENV, THIS_STDERR, OTHER_INODE, GARBAGE };

/* What one warning and one error print on stderr when JOURNAL_STREAM is
 * as given; stderr is restored before any assertion can return. */
static int capture(enum stream how, char *out, size_t len)
{
	char path[] = "/tmp/ig-test-log.XXXXXX", env[64];
	int fd, saved, err = 0;
	struct stat st;
	ssize_t n;

	fd = mkstemp(path);
	if (fd < 0)
		return -errno;
	unlink(path);
	fstat(fd, &st);
	snprintf(env, sizeof(env), "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino + (how == OTHER_INODE));
	if (how == NO_ENV)
		unsetenv("JOURNAL_STREAM");
	else
		setenv("JOURNAL_STREAM", how == GARBAGE ? "8:x" : env, 1);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	log__init(false, 0);
	p_warn("w %d", 1);
	p_err("e %d", 2);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	unsetenv("JOURNAL_STREAM");
	log__init(false, 0);
	n = pread(fd, out, len - 1, 0);
	if (n < 0)
		err = -errno;
	out[n < 0 ? 0 : n] = '\0';
	close(fd);
	return err;
}

UNIT_TEST(test_log_journal_prefixes)
{
	char out[256];

	ASSERT_EQ_INT(capture(THIS_STDERR, out, sizeof(out)), 0);
	ASSERT_STREQ(out, "<4>inodeguard: warning: w 1\n<3>inodeguard: e 2\n");
}

UNIT_TEST(test_log_no_prefix_off_journal)
{
	char out[256];

	ASSERT_EQ_INT(capture(NO_ENV, out, sizeof(out)), 0);
	ASSERT_STREQ(out, "inodeguard: warning: w 1\ninodeguard: e 2\n");
	/* Inherited by a child whose stderr went elsewhere. */
	ASSERT_EQ_INT(capture(OTHER_INODE, out, sizeof(out)), 0);
	ASSERT_STREQ(out, "inodeguard: warning: w 1\ninodeguard: e 2\n");
	ASSERT_EQ_INT(capture(GARBAGE, out, sizeof(out)), 0);
	ASSERT_STREQ(out, "inodeguard: warning: w 1\ninodeguard: e 2\n");
}
