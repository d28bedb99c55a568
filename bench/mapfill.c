/* Adds or deletes N synthetic keys in inodeguard's pinned protected map and prints the time taken. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* setresuid, sched_setaffinity */
#endif
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/types.h>

#include "bench.h"
#include "../bpf/inodeguard.h"

/*
 * Synthetic keys use device major 4095 (the top of the 12-bit major space in
 * the kernel's MKDEV encoding, major << 20 | minor), which no block or
 * anonymous device uses, so they can never match a real file; the inode and
 * generation are pseudo-random so the hash buckets fill as with real keys.
 */
#define SYNTH_DEV_MAJOR 4095u

static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void make_key(uint64_t seed, long i, struct ig_key *k)
{
	uint64_t s = seed ^ ((uint64_t)i * 0xd1342543de82ef95ull);
	uint64_t a = splitmix64(&s), b = splitmix64(&s);

	k->dev = (SYNTH_DEV_MAJOR << 20) | (uint32_t)(a & 0xfffff);
	k->gen = (uint32_t)(a >> 32);
	k->ino = b;
}

/*
 * -x PATH: the filter bits that an open of PATH, or a read of it, tests:
 * its inode's, its directory's, and its name's two in that directory. No
 * synthetic key may set one, so the measured files stay the common case,
 * a file whose bits are clear. Left to chance, whether a measured file's
 * bit was set changed with the seed, and with it whether its opens and
 * reads paid the hash lookup: the figures moved between runs.
 */
#define MAX_KEPT_CLEAR 64

static __u32 kept_clear[MAX_KEPT_CLEAR];
static int n_kept_clear;

static void keep_bit_clear(__u32 bit)
{
	if (n_kept_clear == MAX_KEPT_CLEAR) {
		fprintf(stderr, "mapfill: more than %d bits to keep clear\n", MAX_KEPT_CLEAR);
		exit(2);
	}
	kept_clear[n_kept_clear++] = bit;
}

static void keep_clear_for(const char *path)
{
	char dir_path[4096];
	const char *slash = strrchr(path, '/'), *name = slash ? slash + 1 : path;
	struct stat file, dir;
	__u32 len;

	snprintf(dir_path, sizeof(dir_path), "%.*s", slash ? (int)(slash - path) + 1 : 1,
		 slash ? path : ".");
	if (stat(path, &file) || stat(dir_path, &dir)) {
		fprintf(stderr, "mapfill: -x %s: %s\n", path, strerror(errno));
		exit(2);
	}
	len = (__u32)strlen(name);
	keep_bit_clear(ig_filter_bit(file.st_ino));
	keep_bit_clear(ig_filter_bit(dir.st_ino));
	keep_bit_clear(ig_name_len_bit(dir.st_ino, len));
	keep_bit_clear(ig_name_head_bit(dir.st_ino, len, ig_name_head_of(name, len)));
}

static bool sets_kept_bit(const struct ig_key *k)
{
	__u32 bit = ig_filter_bit(k->ino);

	for (int i = 0; i < n_kept_clear; i++)
		if (kept_clear[i] == bit)
			return true;
	return false;
}

/* Key i for seed, redrawn until it sets no kept bit: the same -x paths
 * give the same keys, so delete finds what add put in. */
static void make_key_keeping_clear(uint64_t seed, long i, struct ig_key *k)
{
	uint64_t draw = 0;

	do
		make_key(seed + draw++ * 0x632be59bd9b4e019ull, i, k);
	while (sets_kept_bit(k));
}

/*
 * Synthetic entries must load the inode-number filter as real ones do, or
 * the benchmark would measure a filter that rejects everything. The filter
 * is pinned beside the map; timing covers only the map updates.
 */
static long set_filter_bits(const char *pin, const struct ig_key *keys, long n)
{
	char path[4096], *slash;
	size_t len = (size_t)IG_FILTER_WORDS * sizeof(__u64);
	__u64 *words;
	long set = -1;
	int fd;

	snprintf(path, sizeof(path), "%s", pin);
	slash = strrchr(path, '/');
	snprintf(slash ? slash + 1 : path, sizeof(path) - (slash ? (size_t)(slash + 1 - path) : 0), "filter");
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -1;
	words = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (words != MAP_FAILED) {
		for (long i = 0; i < n; i++) {
			__u32 bit = ig_filter_bit(keys[i].ino);

			__atomic_fetch_or(&words[bit >> 6], 1ULL << (bit & 63), __ATOMIC_RELAXED);
		}
		set = 0;
		for (__u32 w = 0; w < IG_FILTER_WORDS; w++)
			set += __builtin_popcountll(words[w]);
		munmap(words, len);
	}
	close(fd);
	return set;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: mapfill [-p PIN] [-s SEED] [-o FIRST] [-b BATCH] [-l LEVEL] [-1] [-x PATH]... add|delete N\n"
		"  add N     inserts N synthetic keys, numbered FIRST..FIRST+N-1 for SEED\n"
		"  delete N  removes the same N keys again (give the same -x paths)\n"
		"  -1        per-element updates even where batch ops exist\n"
		"  -x PATH   no key sets a filter bit that an open or read of PATH tests\n"
		"Prints: TOTAL_NS COUNT METHOD FILTER_BITS_SET (-1 for delete)\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *pin = "/sys/fs/bpf/inodeguard/protected";
	long n, batch = 65536, level = 0, first = 0;
	uint64_t seed = 0x1a2b3c4d5e6f7788ull, t0, t1;
	struct ig_key *keys = NULL;
	struct ig_rule *vals = NULL;
	long bits_set = -1;
	int opt, fd, del, single = 0, err = 0;
	const char *method = "batch";

	while ((opt = getopt(argc, argv, "p:s:b:l:o:x:1h")) != -1) {
		switch (opt) {
		case 'p': pin = optarg; break;
		case 's': seed = (uint64_t)bench_parse_long(optarg, "seed"); break;
		case 'b': batch = bench_parse_long(optarg, "batch"); break;
		case 'l': level = bench_parse_long(optarg, "level"); break;
		case 'o': first = bench_parse_long(optarg, "offset"); break;
		case '1': single = 1; break;
		case 'x': keep_clear_for(optarg); break;
		default: usage();
		}
	}
	if (optind != argc - 2 || batch == 0)
		usage();
	if (!strcmp(argv[optind], "add"))
		del = 0;
	else if (!strcmp(argv[optind], "delete"))
		del = 1;
	else
		usage();
	n = bench_parse_long(argv[optind + 1], "count");

	fd = bpf_obj_get(pin);
	if (fd < 0) {
		fprintf(stderr, "bpf_obj_get %s: %s\n", pin, strerror(errno));
		return 1;
	}
	/* Keys are generated before timing: only the kernel side is measured. */
	keys = calloc(n ? (size_t)n : 1, sizeof(*keys));
	vals = calloc(n ? (size_t)n : 1, sizeof(*vals));
	if (!keys || !vals) {
		fprintf(stderr, "out of memory\n");
		return 1;
	}
	for (long i = 0; i < n; i++) {
		make_key_keeping_clear(seed, first + i, &keys[i]);
		vals[i].level = (uint32_t)level;
	}

	t0 = bench_now_ns();
	for (long off = 0; off < n && !single;) {
		__u32 cnt = (__u32)(n - off < batch ? n - off : batch);
		LIBBPF_OPTS(bpf_map_batch_opts, o, .elem_flags = BPF_ANY);

		err = del ? bpf_map_delete_batch(fd, &keys[off], &cnt, &o)
			  : bpf_map_update_batch(fd, &keys[off], &vals[off], &cnt, &o);
		if (err) {
			err = -errno;
			/* Batch ops arrived in 5.6; older kernels say EINVAL or ENOTSUPP (524). */
			if (off == 0 && (err == -EINVAL || err == -524 ||
					 err == -EOPNOTSUPP)) {
				single = 1;
				err = 0;
				t0 = bench_now_ns();
				break;
			}
			fprintf(stderr, "%s batch at %ld: %s\n", del ? "delete" : "update", off,
				strerror(-err));
			return 1;
		}
		off += cnt;
	}
	if (single) {
		method = "single";
		for (long i = 0; i < n; i++) {
			err = del ? bpf_map_delete_elem(fd, &keys[i])
				  : bpf_map_update_elem(fd, &keys[i], &vals[i], BPF_ANY);
			/* A duplicate pseudo-random key was already deleted: not an error. */
			if (err && !(del && errno == ENOENT)) {
				fprintf(stderr, "%s elem %ld: %s\n", del ? "delete" : "update", i,
					strerror(errno));
				return 1;
			}
		}
	}
	t1 = bench_now_ns();
	if (!del)
		bits_set = set_filter_bits(pin, keys, n);
	printf("%llu %ld %s %ld\n", (unsigned long long)(t1 - t0), n, method, bits_set);
	free(keys);
	free(vals);
	close(fd);
	return 0;
}
