/* Microbenchmarks of syscalls other than open: stat(), read() on an open fd, getppid(), open of a file list. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* setresuid, sched_setaffinity */
#endif
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "bench.h"

static void usage(void)
{
	fprintf(stderr,
		"usage: syscalls [-n ITERS] [-r REPS] [-w WARMUP] [-u UID] [-C CPU] MODE ARG\n"
		"  stat PATH      stat(PATH) per op\n"
		"  read PATH      pread(fd, 64 bytes, offset 0) per op on a fd opened once\n"
		"  getppid -      getppid() per op (a syscall no backend hooks)\n"
		"  openlist FILE  open+close each path listed in FILE (one per line, optionally\n"
		"                 after a level word) once; prints total ns and the count\n"
		"Prints ns/op per rep, one per line (openlist: \"TOTAL_NS COUNT\").\n");
	exit(2);
}

/* One operation; returns -1 on failure so a broken setup is reported, not timed. */
static int do_op(int mode, const char *path, int fd, char *buf)
{
	struct stat st;

	switch (mode) {
	case 's': return stat(path, &st);
	case 'r': return pread(fd, buf, 64, 0) < 0 ? -1 : 0;
	/* syscall() so that no libc caching can turn this into a no-op. */
	case 'g': return syscall(SYS_getppid) < 0 ? -1 : 0;
	}
	return -1;
}

/* Opens every file of a config-style list once: the floor for any per-file key learning. */
static int openlist(const char *list)
{
	FILE *f = fopen(list, "r");
	char line[4096];
	uint64_t t0, total = 0;
	long n = 0;

	if (!f) {
		fprintf(stderr, "%s: %s\n", list, strerror(errno));
		return 1;
	}
	while (fgets(line, sizeof(line), f)) {
		char *p = line, *sp;
		int fd;

		line[strcspn(line, "\n")] = '\0';
		if (*p == '\0' || *p == '#')
			continue;
		/* Accept "LEVEL PATH" (inodeguard -c format) as well as bare paths. */
		sp = strchr(p, ' ');
		if (sp && *p != '/')
			p = sp + 1;
		t0 = bench_now_ns();
		fd = open(p, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			fprintf(stderr, "open %s: %s\n", p, strerror(errno));
			fclose(f);
			return 1;
		}
		close(fd);
		total += bench_now_ns() - t0;
		n++;
	}
	fclose(f);
	printf("%llu %ld\n", (unsigned long long)total, n);
	return 0;
}

int main(int argc, char **argv)
{
	struct bench_loop l = { .iters = 200000, .reps = 5, .warmup = 10000, .uid = -1, .cpu = -1 };
	const char *m, *path;
	char buf[64];
	int mode, fd = -1;

	optind = bench_parse_loop(argc, argv, &l, usage);
	if (optind != argc - 2)
		usage();
	m = argv[optind];
	path = argv[optind + 1];
	bench_pin_cpu(l.cpu);
	bench_drop_to(l.uid);

	if (!strcmp(m, "openlist"))
		return openlist(path);
	if (!strcmp(m, "stat")) {
		mode = 's';
	} else if (!strcmp(m, "read")) {
		mode = 'r';
		/* Opened before timing: only the per-read hooks (file_permission) are measured. */
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			fprintf(stderr, "open %s: %s\n", path, strerror(errno));
			return 1;
		}
	} else if (!strcmp(m, "getppid")) {
		mode = 'g';
	} else {
		usage();
	}

	for (long i = 0; i < l.warmup; i++) {
		if (do_op(mode, path, fd, buf)) {
			fprintf(stderr, "%s %s: %s\n", m, path, strerror(errno));
			return 1;
		}
	}
	for (long r = 0; r < l.reps; r++) {
		uint64_t t0 = bench_now_ns(), t1;

		for (long i = 0; i < l.iters; i++) {
			if (do_op(mode, path, fd, buf)) {
				fprintf(stderr, "%s %s: %s\n", m, path, strerror(errno));
				return 1;
			}
		}
		t1 = bench_now_ns();
		printf("%.1f\n", (double)(t1 - t0) / (double)l.iters);
	}
	if (fd >= 0)
		close(fd);
	return 0;
}
