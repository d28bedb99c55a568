// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* io_uring stage: the tracepoint backend never sees io_uring's opens or
 * reads, so under --strict no ring may be made while the instance lives. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "log.h"
#include "state.h"
#include "uring.h"

/* The value the instance replaced. Its presence says the instance holds
 * the setting, so `stop`, or a later `run` that finds the instance gone
 * after a crash, can give it back. */
#define URING_SAVED IG_RUN_DIR "/io_uring_disabled"

bool uring__sysctl_exists(void)
{
	return access(IG_URING_SYSCTL, F_OK) == 0;
}

static int read_value(const char *path, int *value)
{
	char buf[16] = "";
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0 || sscanf(buf, "%d", value) != 1)
		return -EIO;
	return 0;
}

static int write_value(const char *path, int value, int flags)
{
	char buf[16];
	int fd = open(path, O_WRONLY | O_CLOEXEC | flags, 0600), err = 0, len;

	if (fd < 0)
		return -errno;
	len = snprintf(buf, sizeof(buf), "%d\n", value);
	if (write(fd, buf, (size_t)len) != len)
		err = errno ? -errno : -EIO;
	if (close(fd) && !err)
		err = -errno;
	return err;
}

int uring__disable(void)
{
	int old, err;

	err = read_value(IG_URING_SYSCTL, &old);
	if (err) {
		p_err("cannot read %s: %s", IG_URING_SYSCTL, strerror(-err));
		return err;
	}
	/* A record kept from the instance we adopted holds the real old value;
	 * ours would be its 2. Written before the change, so a crash between
	 * the two still gives the old value back. */
	if (access(URING_SAVED, F_OK) != 0) {
		err = write_value(URING_SAVED, old, O_CREAT | O_EXCL);
		if (err) {
			p_err("cannot record io_uring_disabled in %s: %s", URING_SAVED, strerror(-err));
			return err;
		}
	}
	if (old == 2)
		return 0;
	err = write_value(IG_URING_SYSCTL, 2, 0);
	if (err)
		p_err("cannot set %s to 2: %s", IG_URING_SYSCTL, strerror(-err));
	return err;
}

int uring__restore(void)
{
	int old, err;

	err = read_value(URING_SAVED, &old);
	if (err == -ENOENT)
		return 0;
	if (!err)
		err = write_value(IG_URING_SYSCTL, old, 0);
	if (err) {
		p_err("cannot give %s back its value from %s: %s", IG_URING_SYSCTL, URING_SAVED,
		      strerror(-err));
		return err;
	}
	unlink(URING_SAVED);
	p_info("inodeguard: %s is %d again", IG_URING_SYSCTL, old);
	return 0;
}
