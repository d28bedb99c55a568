/* Attaches one empty BPF program (bench/null.bpf.c) on a backend's open hook until SIGTERM. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "null.skel.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

/* The one program of the skeleton this backend would use; the others stay unloaded. */
static struct bpf_program *pick(struct null_bpf *skel, const char *backend)
{
	if (strcmp(backend, "tracepoint") == 0)
		return skel->progs.null_tp;
	if (strcmp(backend, "lsm") == 0)
		return skel->progs.null_lsm;
	if (strcmp(backend, "fmodret") == 0)
		return skel->progs.null_fmr;
	return NULL;
}

int main(int argc, char **argv)
{
	struct null_bpf *skel = NULL;
	struct bpf_program *p, *want;
	struct bpf_link *link = NULL;
	int err = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: nullprog tracepoint|lsm|fmodret\n");
		return 2;
	}
	libbpf_set_print(quiet);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	skel = null_bpf__open();
	if (!skel) {
		err = -errno;
		fprintf(stderr, "nullprog: open: %s\n", strerror(-err));
		goto cleanup;
	}
	want = pick(skel, argv[1]);
	if (!want) {
		fprintf(stderr, "nullprog: unknown backend %s\n", argv[1]);
		err = -EINVAL;
		goto cleanup;
	}
	bpf_object__for_each_program(p, skel->obj)
		bpf_program__set_autoload(p, p == want);
	err = null_bpf__load(skel);
	if (err) {
		fprintf(stderr, "nullprog: load: %s\n", strerror(-err));
		goto cleanup;
	}
	link = bpf_program__attach(want);
	if (!link) {
		err = -errno;
		fprintf(stderr, "nullprog: attach: %s\n", strerror(-err));
		goto cleanup;
	}
	printf("ready\n");
	fflush(stdout);
	while (!stop)
		pause();
cleanup:
	bpf_link__destroy(link);
	null_bpf__destroy(skel);
	return err ? 1 : 0;
}
