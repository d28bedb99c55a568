// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* ig-peek PID: reads one byte of another process's memory with
 * process_vm_readv, as a debugger or an injector would before writing.
 * Exit 0 when the byte was read, the errno otherwise. */
#include <sys/uio.h>
#include "helpers.h"

const char *helper_name = "ig-peek";

/* The start of the first mapping listed for pid: always readable. */
static int first_mapping(const char *pid, unsigned long *addr)
{
	char path[64];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "/proc/%s/maps", pid);
	f = fopen(path, "re");
	if (!f)
		return fail("open maps");
	ok = fscanf(f, "%lx-", addr) == 1;
	fclose(f);
	errno = EINVAL;
	return ok ? 0 : fail("parse maps");
}

int main(int argc, char **argv)
{
	struct iovec local, remote;
	unsigned long addr;
	char byte;
	int err;

	if (argc != 2) {
		fprintf(stderr, "usage: ig-peek PID\n");
		return 2;
	}
	err = first_mapping(argv[1], &addr);
	if (err)
		return err;
	local.iov_base = &byte;
	local.iov_len = 1;
	remote.iov_base = (void *)addr;
	remote.iov_len = 1;
	if (process_vm_readv((pid_t)strtol(argv[1], NULL, 10), &local, 1, &remote, 1, 0) != 1)
		return fail("process_vm_readv");
	return 0;
}
