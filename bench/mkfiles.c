/* Creates N empty files under DIR (1000 per subdirectory) and writes an inodeguard config listing them. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* setresuid, sched_setaffinity */
#endif
#include <fcntl.h>
#include <sys/stat.h>

#include "bench.h"

int main(int argc, char **argv)
{
	const char *dir, *conf, *level = "audit";
	char path[4096];
	long n;
	FILE *out;

	if (argc < 4 || argc > 5) {
		fprintf(stderr, "usage: mkfiles DIR N CONF [LEVEL]\n");
		return 2;
	}
	dir = argv[1];
	n = bench_parse_long(argv[2], "count");
	conf = argv[3];
	if (argc == 5)
		level = argv[4];
	out = fopen(conf, "w");
	if (!out) {
		fprintf(stderr, "%s: %s\n", conf, strerror(errno));
		return 1;
	}
	/* Subdirectories keep directories at a realistic size; a flat 1M-entry dir is not. */
	for (long i = 0; i < n; i++) {
		int fd;

		if (i % 1000 == 0) {
			snprintf(path, sizeof(path), "%s/d%04ld", dir, i / 1000);
			if (mkdir(path, 0755) && errno != EEXIST) {
				fprintf(stderr, "mkdir %s: %s\n", path, strerror(errno));
				return 1;
			}
		}
		snprintf(path, sizeof(path), "%s/d%04ld/f%07ld", dir, i / 1000, i);
		fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0) {
			fprintf(stderr, "create %s: %s\n", path, strerror(errno));
			return 1;
		}
		close(fd);
		fprintf(out, "%s %s\n", level, path);
	}
	if (fclose(out)) {
		fprintf(stderr, "%s: %s\n", conf, strerror(errno));
		return 1;
	}
	return 0;
}
