/* open()+close() microbenchmark: prints the ns/op of each repetition, one per line. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* setresuid, sched_setaffinity */
#endif
#include <fcntl.h>

#include "bench.h"

static void usage(void)
{
	fprintf(stderr,
		"usage: open_close [-n ITERS] [-r REPS] [-w WARMUP] [-u UID] [-C CPU] PATH\n"
		"  Opens (O_RDONLY) and closes PATH ITERS times per rep; prints ns/op per rep.\n");
	exit(2);
}

/* n opens and closes of path; a failing open would time the error path,
 * so it is reported and ends the run instead. */
static int open_close_n(const char *path, long n)
{
	for (long i = 0; i < n; i++) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);

		if (fd < 0) {
			fprintf(stderr, "open %s: %s\n", path, strerror(errno));
			return -1;
		}
		close(fd);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct bench_loop l = { .iters = 200000, .reps = 5, .warmup = 10000, .uid = -1, .cpu = -1 };
	const char *path;

	optind = bench_parse_loop(argc, argv, &l, usage);
	if (optind != argc - 1)
		usage();
	path = argv[optind];
	/* The warm-up fills the dentry cache and trains the branch predictors. */
	return bench_time_reps(&l, open_close_n, path);
}
