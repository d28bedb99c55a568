// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* ig-read32: built with -m32, reads a file through the compat syscall
 * entry, which per-syscall tracepoints do not see. */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include <errno.h>

int main(int argc, char **argv)
{
	char buf[4096];
	ssize_t n;
	int fd;

	if (argc != 2)
		return 2;
	fd = open(argv[1], O_RDONLY);
	if (fd < 0) {
		int err = errno;

		perror("ig-read32: open");
		return err;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (write(1, buf, n) != n)
			return 1;
	return n < 0 ? errno : 0;
}
