/* Shared helpers for the inodeguard microbenchmarks: clock, argument parsing, privilege drop. */
#ifndef IG_BENCH_H
#define IG_BENCH_H

#include <errno.h>
#include <grp.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* CLOCK_MONOTONIC goes through the vDSO, so reading it costs tens of ns, not a syscall. */
static inline uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline long bench_parse_long(const char *s, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 0);
	if (errno || *s == '\0' || *end != '\0' || v < 0) {
		fprintf(stderr, "bad %s: %s\n", what, s);
		exit(2);
	}
	return v;
}

/*
 * The daemon exempts root by default, so a measurement of a protected file is
 * only meaningful from another uid. Dropping here (rather than with setpriv)
 * keeps the benchmarks usable in minimal VM guests without util-linux.
 */
static inline void bench_drop_to(long uid)
{
	if (uid < 0)
		return;
	if (setgroups(0, NULL) || setresgid((gid_t)uid, (gid_t)uid, (gid_t)uid) ||
	    setresuid((uid_t)uid, (uid_t)uid, (uid_t)uid)) {
		fprintf(stderr, "cannot drop to uid %ld: %s\n", uid, strerror(errno));
		exit(1);
	}
}

/* Pinning avoids migrations between the two cores in the middle of a rep. */
static inline void bench_pin_cpu(long cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET((int)cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		fprintf(stderr, "warning: cannot pin to cpu %ld: %s\n", cpu, strerror(errno));
}

/* The loop knobs every microbenchmark takes. */
struct bench_loop {
	long iters, reps, warmup, uid, cpu;
};

/* Parses -n -r -w -u -C; returns optind, or calls usage() on anything else. */
static inline int bench_parse_loop(int argc, char **argv, struct bench_loop *l,
				   void (*usage)(void))
{
	int opt;

	while ((opt = getopt(argc, argv, "n:r:w:u:C:h")) != -1) {
		switch (opt) {
		case 'n': l->iters = bench_parse_long(optarg, "iterations"); break;
		case 'r': l->reps = bench_parse_long(optarg, "reps"); break;
		case 'w': l->warmup = bench_parse_long(optarg, "warmup"); break;
		case 'u': l->uid = bench_parse_long(optarg, "uid"); break;
		case 'C': l->cpu = bench_parse_long(optarg, "cpu"); break;
		default: usage();
		}
	}
	if (l->iters == 0)
		usage();
	return optind;
}

/*
 * Pins, drops to the measuring uid, warms up, then prints the ns per
 * operation of each rep, one per line. run_n does n operations on arg and
 * returns nonzero once one fails, which ends the run: a failing operation
 * would time the error path. Returns main()'s exit status.
 */
static inline int bench_time_reps(const struct bench_loop *l,
				  int (*run_n)(const char *arg, long n), const char *arg)
{
	bench_pin_cpu(l->cpu);
	bench_drop_to(l->uid);
	if (run_n(arg, l->warmup))
		return 1;
	for (long r = 0; r < l->reps; r++) {
		uint64_t t0 = bench_now_ns(), t1;

		if (run_n(arg, l->iters))
			return 1;
		t1 = bench_now_ns();
		printf("%.1f\n", (double)(t1 - t0) / (double)l->iters);
	}
	return 0;
}

#endif /* IG_BENCH_H */
