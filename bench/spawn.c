/* fork()+execve()+waitpid() microbenchmark: prints the ns per spawn of each repetition, one per line. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* setresuid, sched_setaffinity */
#endif
#include <sys/wait.h>

#include "bench.h"

extern char **environ;

static void usage(void)
{
	fprintf(stderr,
		"usage: spawn [-n ITERS] [-r REPS] [-w WARMUP] [-u UID] [-C CPU] PROGRAM\n"
		"  Forks, runs PROGRAM (no arguments, this environment) and waits for it\n"
		"  ITERS times per rep; prints ns/spawn per rep. PROGRAM must exit 0.\n");
	exit(2);
}

/* n spawns of prog; a child that fails would time the error path, so it
 * is reported and ends the run instead. */
static int spawn_n(const char *prog, long n)
{
	char *const argv[] = { (char *)prog, NULL };

	for (long i = 0; i < n; i++) {
		int status;
		pid_t pid = fork();

		if (pid < 0) {
			fprintf(stderr, "fork: %s\n", strerror(errno));
			return -1;
		}
		if (pid == 0) {
			execve(prog, argv, environ);
			_exit(127);
		}
		if (waitpid(pid, &status, 0) < 0) {
			fprintf(stderr, "waitpid: %s\n", strerror(errno));
			return -1;
		}
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			fprintf(stderr, "%s: exit status %#x (127: exec failed)\n", prog, status);
			return -1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct bench_loop l = { .iters = 1000, .reps = 5, .warmup = 50, .uid = -1, .cpu = -1 };
	const char *prog;

	optind = bench_parse_loop(argc, argv, &l, usage);
	if (optind != argc - 1)
		usage();
	prog = argv[optind];
	/* The warm-up brings the program into the page cache. */
	return bench_time_reps(&l, spawn_n, prog);
}
