/* Attaches the empty BPF programs of one backend (bench/null.bpf.c) until SIGTERM. */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "null.skel.h"

#define MAX_LINKS 8

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

/* The section prefix of a backend's programs; the others stay unloaded. */
static const char *backend_prefix(const char *backend)
{
	if (strcmp(backend, "tracepoint") == 0)
		return "tracepoint/";
	if (strcmp(backend, "lsm") == 0)
		return "lsm/";
	if (strcmp(backend, "fmodret") == 0)
		return "fmod_ret/";
	return NULL;
}

static bool has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Whether a program belongs to the backend: its own hooks, and on lsm and
 * fmodret the BTF tracepoints their process watchers use. */
static bool backend_wants(const char *backend, const char *prefix, const char *sec)
{
	return has_prefix(sec, prefix) ||
	       (strcmp(backend, "tracepoint") != 0 && has_prefix(sec, "tp_btf/"));
}

int main(int argc, char **argv)
{
	struct null_bpf *skel = NULL;
	struct bpf_link *links[MAX_LINKS] = {};
	struct bpf_program *p;
	const char *prefix;
	int err = 0, nlinks = 0, i;

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
	prefix = backend_prefix(argv[1]);
	if (!prefix) {
		fprintf(stderr, "nullprog: unknown backend %s\n", argv[1]);
		err = -EINVAL;
		goto cleanup;
	}
	bpf_object__for_each_program(p, skel->obj)
		bpf_program__set_autoload(p, backend_wants(argv[1], prefix,
							   bpf_program__section_name(p)));
	err = null_bpf__load(skel);
	if (err) {
		fprintf(stderr, "nullprog: load: %s\n", strerror(-err));
		goto cleanup;
	}
	bpf_object__for_each_program(p, skel->obj) {
		if (!bpf_program__autoload(p))
			continue;
		if (nlinks == MAX_LINKS)
			break;
		links[nlinks] = bpf_program__attach(p);
		if (!links[nlinks]) {
			err = -errno;
			fprintf(stderr, "nullprog: attach %s: %s\n", bpf_program__name(p), strerror(-err));
			goto cleanup;
		}
		nlinks++;
	}
	printf("ready\n");
	fflush(stdout);
	while (!stop)
		pause();
cleanup:
	for (i = 0; i < nlinks; i++)
		bpf_link__destroy(links[i]);
	null_bpf__destroy(skel);
	return err ? 1 : 0;
}
