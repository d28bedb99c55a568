// SPDX-License-Identifier: GPL-2.0
/* test_kconfig: the kernel config parser, the gzip reader and the missing-options logic of src/kconfig.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "kconfig.h"
#include "unit.h"

/* The Makefile passes absolute paths, so the tests run from anywhere; the
 * fixture and the table are in the tree, and a missing one is a failure. */
#ifndef UNIT_FIXTURE_DIR
#define UNIT_FIXTURE_DIR "tests/unit/fixtures"
#endif
#ifndef UNIT_REQUIREMENTS_TSV
#define UNIT_REQUIREMENTS_TSV "Kconfig-check/requirements.tsv"
#endif

#define DEBIAN_61_CONFIG UNIT_FIXTURE_DIR "/config-debian-6.1"

/* Collects the names the missing-options callback reports. */
struct missing_list {
	int n;
	char names[512];
};

static void collect_missing(const char *name, const char *want, const char *why, void *ctx)
{
	struct missing_list *m = ctx;
	size_t len = strlen(m->names);

	(void)want;
	(void)why;
	m->n++;
	snprintf(m->names + len, sizeof(m->names) - len, "%s%s", len ? " " : "", name);
}

static struct kconfig *parse_str(const char *text)
{
	struct kconfig *kc = NULL;

	if (kconfig__parse(text, strlen(text), "test", &kc))
		return NULL;
	return kc;
}

/* Reads a whole file; NULL with errno set on failure. */
static char *slurp(const char *path, size_t *len)
{
	char *buf = NULL;
	FILE *f;
	long sz;

	f = fopen(path, "rb");
	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) || (sz = ftell(f)) < 0 || fseek(f, 0, SEEK_SET))
		goto out;
	buf = malloc((size_t)sz + 1);
	if (!buf)
		goto out;
	*len = fread(buf, 1, (size_t)sz, f);
	buf[*len] = '\0';
out:
	fclose(f);
	return buf;
}

UNIT_TEST(test_kconfig_parse_values)
{
	struct kconfig *kc = parse_str(
		"#\n"
		"# Automatically generated file; DO NOT EDIT.\n"
		"CONFIG_BPF=y\n"
		"CONFIG_EXT4_FS=m\n"
		"CONFIG_HZ=250\n"
		"CONFIG_LSM=\"landlock,lockdown,bpf\"\n"
		"# CONFIG_BPF_KPROBE_OVERRIDE is not set\n"
		"CONFIG_EXPLICIT_NO=n\n"
		"not a config line=y\n");

	ASSERT_TRUE(kc != NULL);
	ASSERT_STREQ(kconfig__value(kc, "CONFIG_BPF"), "y");
	ASSERT_STREQ(kconfig__value(kc, "CONFIG_EXT4_FS"), "m");
	ASSERT_STREQ(kconfig__value(kc, "CONFIG_HZ"), "250");
	ASSERT_STREQ(kconfig__value(kc, "CONFIG_LSM"), "landlock,lockdown,bpf");
	ASSERT_STREQ(kconfig__value(kc, "CONFIG_BPF_KPROBE_OVERRIDE"), NULL);
	ASSERT_STREQ(kconfig__value(kc, "CONFIG_EXPLICIT_NO"), NULL);
	ASSERT_STREQ(kconfig__value(kc, "CONFIG_NEVER_MENTIONED"), NULL);
	/* The CONFIG_ prefix is optional for lookups. */
	ASSERT_STREQ(kconfig__value(kc, "EXT4_FS"), "m");
	ASSERT_EQ_INT(kconfig__count(kc), 4);
	ASSERT_STREQ(kconfig__source(kc), "test");
	kconfig__free(kc);
}

UNIT_TEST(test_kconfig_parse_edge_cases)
{
	/* CRLF line ends, no final newline, a repeated option (the later
	 * line wins, as in the kernel's own parser), an empty value.
	 */
	struct kconfig *kc = parse_str(
		"CONFIG_A=m\r\n"
		"CONFIG_B=y\r\n"
		"CONFIG_A=y\r\n"
		"CONFIG_EMPTY=\n"
		"CONFIG_=y\n"
		"CONFIG_LAST=y");

	ASSERT_TRUE(kc != NULL);
	ASSERT_STREQ(kconfig__value(kc, "CONFIG_A"), "y");
	ASSERT_STREQ(kconfig__value(kc, "CONFIG_B"), "y");
	ASSERT_STREQ(kconfig__value(kc, "CONFIG_EMPTY"), "");
	ASSERT_STREQ(kconfig__value(kc, "CONFIG_LAST"), "y");
	ASSERT_EQ_INT(kconfig__count(kc), 4);
	kconfig__free(kc);

	kc = parse_str("");
	ASSERT_TRUE(kc != NULL);
	ASSERT_EQ_INT(kconfig__count(kc), 0);
	ASSERT_STREQ(kconfig__value(kc, "CONFIG_BPF"), NULL);
	kconfig__free(kc);

	ASSERT_EQ_INT(kconfig__parse(NULL, 1, "x", &kc), -EINVAL);
	ASSERT_STREQ(kconfig__value(NULL, "CONFIG_BPF"), NULL);
	kconfig__free(NULL);
}

UNIT_TEST(test_kconfig_load_plain_file)
{
	struct kconfig *kc = NULL;
	int err;

	ASSERT_EQ_INT(access(DEBIAN_61_CONFIG, R_OK), 0);
	err = kconfig__load_file(DEBIAN_61_CONFIG, &kc);
	ASSERT_EQ_INT(err, 0);
	ASSERT_STREQ(kconfig__source(kc), DEBIAN_61_CONFIG);
	ASSERT_STREQ(kconfig__value(kc, "CONFIG_BPF_LSM"), "y");
	ASSERT_STREQ(kconfig__value(kc, "CONFIG_FUNCTION_ERROR_INJECTION"), NULL);
	ASSERT_STREQ(kconfig__value(kc, "CONFIG_BTRFS_FS"), "m");
	kconfig__free(kc);
}

UNIT_TEST(test_kconfig_load_gzip_file)
{
	char path[] = "/tmp/inodeguard-kconfig-XXXXXX";
	const char *text = "CONFIG_BPF=y\n# CONFIG_KPROBES is not set\nCONFIG_EXT4_FS=m\n";
	struct kconfig *kc = NULL;
	gzFile gz;
	int fd, err;

	fd = mkstemp(path);
	ASSERT_TRUE(fd >= 0);
	gz = gzdopen(fd, "wb");
	if (!gz) {
		close(fd);
		unlink(path);
	}
	ASSERT_TRUE(gz != NULL);
	ASSERT_EQ_INT(gzwrite(gz, text, (unsigned int)strlen(text)), (int)strlen(text));
	ASSERT_EQ_INT(gzclose(gz), Z_OK);

	err = kconfig__load_file(path, &kc);
	unlink(path);
	ASSERT_EQ_INT(err, 0);
	ASSERT_STREQ(kconfig__value(kc, "CONFIG_BPF"), "y");
	ASSERT_STREQ(kconfig__value(kc, "CONFIG_KPROBES"), NULL);
	ASSERT_STREQ(kconfig__value(kc, "CONFIG_EXT4_FS"), "m");
	ASSERT_EQ_INT(kconfig__count(kc), 2);
	kconfig__free(kc);
}

UNIT_TEST(test_kconfig_load_missing_file)
{
	struct kconfig *kc = (struct kconfig *)1;

	ASSERT_EQ_INT(kconfig__load_file("/nonexistent/inodeguard/config", &kc), -ENOENT);
	ASSERT_TRUE(kc == NULL);
}

UNIT_TEST(test_kconfig_load_running_kernel)
{
	struct kconfig *kc = NULL;
	int err;

	err = kconfig__load(&kc);
	if (err == -ENOENT)
		UNIT_SKIP("this host has neither /proc/config.gz nor /boot/config-$(uname -r)");
	ASSERT_EQ_INT(err, 0);
	ASSERT_TRUE(kconfig__count(kc) > 100);
	ASSERT_TRUE(kconfig__value(kc, "CONFIG_BPF") != NULL);
	kconfig__free(kc);
}

UNIT_TEST(test_kconfig_missing_debian_61)
{
	struct missing_list m = { 0 };
	struct kconfig *kc = NULL;

	ASSERT_EQ_INT(access(DEBIAN_61_CONFIG, R_OK), 0);
	ASSERT_EQ_INT(kconfig__load_file(DEBIAN_61_CONFIG, &kc), 0);

	ASSERT_EQ_INT(kconfig__missing(kc, "common", NULL, NULL), 0);
	ASSERT_EQ_INT(kconfig__missing(kc, "lsm", NULL, NULL), 0);
	ASSERT_EQ_INT(kconfig__missing(kc, "fmodret", NULL, NULL), 0);
	ASSERT_EQ_INT(kconfig__missing(kc, "tracepoint", NULL, NULL), 0);
	/* Debian 12 ships no error injection, so no kprobe override. */
	ASSERT_EQ_INT(kconfig__missing(kc, "kprobe-override", collect_missing, &m), 2);
	ASSERT_EQ_INT(m.n, 2);
	ASSERT_STREQ(m.names, "CONFIG_FUNCTION_ERROR_INJECTION CONFIG_BPF_KPROBE_OVERRIDE");
	ASSERT_EQ_INT(kconfig__missing(kc, "no-such-backend", NULL, NULL), -ENOENT);
	kconfig__free(kc);
}

UNIT_TEST(test_kconfig_missing_per_backend)
{
	struct missing_list m = { 0 };
	/* BPF LSM off and the direct-call trampoline support a module-less
	 * "m" (impossible for a bool, but it must not count as "y").
	 */
	struct kconfig *kc = parse_str(
		"CONFIG_BPF=y\nCONFIG_BPF_SYSCALL=y\nCONFIG_DEBUG_INFO_BTF=y\n"
		"CONFIG_BPF_EVENTS=y\nCONFIG_SECURITY=y\nCONFIG_SECURITYFS=y\n"
		"# CONFIG_BPF_LSM is not set\nCONFIG_BPF_JIT=y\n"
		"CONFIG_FUNCTION_TRACER=y\nCONFIG_DYNAMIC_FTRACE=y\n"
		"CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS=m\n"
		"CONFIG_PERF_EVENTS=y\nCONFIG_TRACEPOINTS=y\nCONFIG_FTRACE_SYSCALLS=y\n");

	ASSERT_TRUE(kc != NULL);
	ASSERT_EQ_INT(kconfig__missing(kc, "lsm", collect_missing, &m), 2);
	ASSERT_STREQ(m.names, "CONFIG_BPF_LSM CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS");
	memset(&m, 0, sizeof(m));
	ASSERT_EQ_INT(kconfig__missing(kc, "fmodret", collect_missing, &m), 1);
	ASSERT_STREQ(m.names, "CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS");
	ASSERT_EQ_INT(kconfig__missing(kc, "tracepoint", NULL, NULL), 0);
	kconfig__free(kc);

	/* A common option missing counts against every backend. */
	kc = parse_str("CONFIG_BPF=y\nCONFIG_BPF_SYSCALL=y\nCONFIG_BPF_EVENTS=y\n"
		       "CONFIG_PERF_EVENTS=y\nCONFIG_TRACEPOINTS=y\nCONFIG_FTRACE_SYSCALLS=y\n");
	ASSERT_TRUE(kc != NULL);
	memset(&m, 0, sizeof(m));
	ASSERT_EQ_INT(kconfig__missing(kc, "tracepoint", collect_missing, &m), 1);
	ASSERT_STREQ(m.names, "CONFIG_DEBUG_INFO_BTF");
	ASSERT_EQ_INT(kconfig__missing(kc, "common", NULL, NULL), 1);
	kconfig__free(kc);
}

UNIT_TEST(test_kconfig_missing_custom_table)
{
	const char *table =
		"# a comment\n"
		"\n"
		"common\tCONFIG_CORE\ty\tthe core\n"
		"alpha\tCONFIG_MOD_OK\ty|m\ta module will do\n"
		"alpha\tCONFIG_MUST_Y\ty\tbuilt in only\n"
		"beta\tCONFIG_ABSENT_OK\ty|n\tabsent is fine\n"
		"malformed line without tabs\n";
	struct missing_list m = { 0 };
	struct kconfig *kc = parse_str("CONFIG_CORE=y\nCONFIG_MOD_OK=m\nCONFIG_MUST_Y=m\n");

	ASSERT_TRUE(kc != NULL);
	ASSERT_EQ_INT(kconfig__missing_in(table, kc, "alpha", collect_missing, &m), 1);
	ASSERT_STREQ(m.names, "CONFIG_MUST_Y");
	ASSERT_EQ_INT(kconfig__missing_in(table, kc, "beta", NULL, NULL), 0);
	ASSERT_EQ_INT(kconfig__missing_in(table, kc, "common", NULL, NULL), 0);
	ASSERT_EQ_INT(kconfig__missing_in(table, kc, "gamma", NULL, NULL), -ENOENT);
	ASSERT_EQ_INT(kconfig__missing_in(table, NULL, "alpha", NULL, NULL), -EINVAL);
	kconfig__free(kc);

	kc = parse_str("CONFIG_MOD_OK=y\nCONFIG_MUST_Y=y\n");
	ASSERT_TRUE(kc != NULL);
	memset(&m, 0, sizeof(m));
	ASSERT_EQ_INT(kconfig__missing_in(table, kc, "alpha", collect_missing, &m), 1);
	ASSERT_STREQ(m.names, "CONFIG_CORE");
	kconfig__free(kc);
}

struct req_stats {
	int lines, bad, common, lsm, fmodret, tracepoint, kprobe_override;
};

static void count_requirement(const char *backend, const char *name, const char *want,
			      const char *why, void *ctx)
{
	struct req_stats *s = ctx;

	s->lines++;
	if (strncmp(name, "CONFIG_", 7) != 0 || !*why ||
	    (strcmp(want, "y") != 0 && strcmp(want, "y|m") != 0))
		s->bad++;
	if (!strcmp(backend, "common"))
		s->common++;
	else if (!strcmp(backend, "lsm"))
		s->lsm++;
	else if (!strcmp(backend, "fmodret"))
		s->fmodret++;
	else if (!strcmp(backend, "tracepoint"))
		s->tracepoint++;
	else if (!strcmp(backend, "kprobe-override"))
		s->kprobe_override++;
	else
		s->bad++;
}

UNIT_TEST(test_kconfig_embedded_table)
{
	struct req_stats all = { 0 }, lsm = { 0 };

	ASSERT_TRUE(kconfig__requirements(NULL, count_requirement, &all) > 0);
	ASSERT_EQ_INT(all.bad, 0);
	ASSERT_TRUE(all.common > 0 && all.lsm > 0 && all.fmodret > 0 &&
		    all.tracepoint > 0 && all.kprobe_override > 0);

	/* A backend's walk includes the common lines and nothing else. */
	ASSERT_EQ_INT(kconfig__requirements("lsm", count_requirement, &lsm), all.common + all.lsm);
	ASSERT_EQ_INT(lsm.fmodret + lsm.tracepoint + lsm.kprobe_override, 0);
	ASSERT_EQ_INT(kconfig__requirements("nope", NULL, NULL), -ENOENT);
}

/* The binary must carry exactly the requirements.tsv in the tree: a stale
 * generated header would make `check` and kconfig-check.sh disagree.
 */
UNIT_TEST(test_kconfig_embedded_matches_tsv)
{
	const char *embedded = kconfig__requirements_tsv();
	char *text, *line, *save = NULL, *stripped;
	size_t len = 0, used = 0;

	text = slurp(UNIT_REQUIREMENTS_TSV, &len);
	ASSERT_TRUE(text != NULL);
	stripped = calloc(1, len + 2);
	if (!stripped)
		free(text);
	ASSERT_TRUE(stripped != NULL);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		const char *p = line + strspn(line, " \t");

		if (*p == '#' || *p == '\0')
			continue;
		used += (size_t)sprintf(stripped + used, "%s\n", line);
	}
	free(text);
	if (strcmp(stripped, embedded) != 0) {
		free(stripped);
		ASSERT_TRUE(!"embedded requirements differ from " UNIT_REQUIREMENTS_TSV
			    ": rebuild build/kconfig_requirements.h");
	}
	free(stripped);
}
