/* Runs a command as another uid (groups cleared), for macro workloads in guests without setpriv. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* setresuid, sched_setaffinity */
#endif
#include "bench.h"

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: runas UID CMD [ARG]...\n");
		return 2;
	}
	bench_drop_to(bench_parse_long(argv[1], "uid"));
	execvp(argv[2], &argv[2]);
	fprintf(stderr, "exec %s: %s\n", argv[2], strerror(errno));
	return 127;
}
