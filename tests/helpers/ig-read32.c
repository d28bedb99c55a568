// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* ig-read32: built with -m32, reads a file through the compat syscall
 * entry, which per-syscall tracepoints do not see. */
#include <fcntl.h>
#include "helpers.h"

const char *helper_name = "ig-read32";

int main(int argc, char **argv)
{
	int used = drop_to_uid_arg(argc, argv);
	int fd;

	argc -= used;
	argv += used;
	if (argc != 2)
		return 2;
	fd = open(argv[1], O_RDONLY);
	return fd < 0 ? fail("open") : dump_fd(fd);
}
