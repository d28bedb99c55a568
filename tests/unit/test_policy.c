// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* test_policy: levels, config parsing, path resolution and key helpers. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include "config.h"
#include "json.h"
#include "keys.h"
#include "log.h"
#include "quote.h"
#include "resolve.h"
#include "unit.h"

static char scratch[PATH_MAX];

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Every run makes a new one: it goes when the tests end. */
static void scratch_remove(void)
{
	nftw(scratch, remove_one, 8, FTW_DEPTH | FTW_PHYS);
}

static const char *scratch_dir(void)
{
	if (!scratch[0]) {
		snprintf(scratch, sizeof(scratch), "/tmp/ig-unit.XXXXXX");
		if (mkdtemp(scratch))
			atexit(scratch_remove);
		else
			scratch[0] = '\0';
	}
	return scratch;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

/* resolve__path() into t, freed first, as an entry of its own at path. */
static int resolve_alone(const char *path, struct ig_entry *t, char *why, size_t len)
{
	int err;

	entry__free(t);
	err = entry__init(t, path, "t");
	return err ? err : resolve__path(path, t, why, len);
}

/* 1 with the reason if the scratch directory's filesystem is one resolve
 * refuses: the one environment where resolving there cannot succeed. */
static int scratch_unsupported(char *why, size_t len)
{
	char path[PATH_MAX + 16];
	struct ig_entry e = {};

	snprintf(path, sizeof(path), "%s/probe", scratch_dir());
	write_file(path, "x");
	if (resolve_alone(path, &e, why, len) == -EOPNOTSUPP)
		return 1;
	entry__free(&e);
	return 0;
}

UNIT_TEST(test_level_names_and_numbers)
{
	enum ig_level l;

	ASSERT_EQ_INT(level__parse("audit", &l), 0);
	ASSERT_EQ_INT(l, IG_LEVEL_AUDIT);
	ASSERT_EQ_INT(level__parse("DENY", &l), 0);
	ASSERT_EQ_INT(l, IG_LEVEL_DENY);
	ASSERT_EQ_INT(level__parse("kill", &l), 0);
	ASSERT_EQ_INT(l, IG_LEVEL_KILL);
	/* As in the classic experiment: 1 is EACCES, 2 or more is SIGKILL. */
	ASSERT_EQ_INT(level__parse("0", &l), 0);
	ASSERT_EQ_INT(l, IG_LEVEL_AUDIT);
	ASSERT_EQ_INT(level__parse("1", &l), 0);
	ASSERT_EQ_INT(l, IG_LEVEL_DENY);
	ASSERT_EQ_INT(level__parse("7", &l), 0);
	ASSERT_EQ_INT(l, IG_LEVEL_KILL);
	ASSERT_EQ_INT(level__parse("-1", &l), -EINVAL);
	ASSERT_EQ_INT(level__parse("2x", &l), -EINVAL);
	ASSERT_EQ_INT(level__parse("block", &l), -EINVAL);
	ASSERT_STREQ(level__name(IG_LEVEL_DENY), "deny");
}

UNIT_TEST(test_config_lines_comments_spaces_relative)
{
	struct ig_policy p = {};
	char conf[PATH_MAX], want[PATH_MAX + 16], where[IG_ORIGIN_BUF], buf[PATH_MAX];

	log__init(false, 0);
	snprintf(conf, sizeof(conf), "%s/ig.conf", scratch_dir());
	write_file(conf, "# header\n\n  deny  keys/my secret.key  # why\nkill /abs/path#1\n2 other\naudit a\tb\n");
	ASSERT_EQ_INT(policy__load_file(&p, conf), 0);
	ASSERT_EQ_INT((int)p.n, 4);
	snprintf(want, sizeof(want), "%s/keys/my secret.key", scratch_dir());
	ASSERT_STREQ(entry__path(&p.v[0], buf), want);
	ASSERT_EQ_INT(p.v[0].level, IG_LEVEL_DENY);
	ASSERT_STREQ(entry__path(&p.v[1], buf), "/abs/path#1");
	ASSERT_EQ_INT(p.v[2].level, IG_LEVEL_KILL);
	snprintf(want, sizeof(want), "%s:5", conf);
	ASSERT_STREQ(entry__origin(&p.v[2], where, sizeof(where)), want);
	snprintf(want, sizeof(want), "%s/a\tb", scratch_dir());
	ASSERT_STREQ(entry__path(&p.v[3], buf), want);
	policy__free(&p);
}

/* A config that is a FIFO nobody writes to reads as empty at once: a
 * start or a reload must not hang on it (found by fuzz_cli). */
UNIT_TEST(test_config_fifo_without_writer_does_not_block)
{
	struct ig_policy p = {};
	char fifo[PATH_MAX + 16];

	snprintf(fifo, sizeof(fifo), "%s/config-fifo", scratch_dir());
	if (mkfifo(fifo, 0600))
		UNIT_SKIP("mkfifo %s: %s", fifo, strerror(errno));
	alarm(10);
	ASSERT_EQ_INT(policy__load_file(&p, fifo), 0);
	alarm(0);
	ASSERT_EQ_INT((int)p.n, 0);
	policy__free(&p);
}

UNIT_TEST(test_config_errors_are_reported_per_line)
{
	struct ig_policy p = {};
	char conf[PATH_MAX];

	log__init(false, 0);
	snprintf(conf, sizeof(conf), "%s/bad.conf", scratch_dir());
	write_file(conf, "deny ok\nnope x\nkill\n");
	ASSERT_EQ_INT(policy__load_file(&p, conf), -EINVAL);
	ASSERT_EQ_INT((int)p.n, 1);
	policy__free(&p);
	ASSERT_EQ_INT(policy__load_file(&p, "/nonexistent/ig.conf"), -ENOENT);
}

UNIT_TEST(test_resolve_rejects_what_cannot_be_keyed)
{
	struct ig_entry t = {};
	char dir[PATH_MAX], path[PATH_MAX + 16], why[256];

	snprintf(dir, sizeof(dir), "%s/r", scratch_dir());
	mkdir(dir, 0755);
	snprintf(path, sizeof(path), "%s/missing", dir);
	ASSERT_EQ_INT(resolve_alone(path, &t, why, sizeof(why)), -ENOENT);
	ASSERT_STREQ(why, "no such file");
	/* A directory is a tree entry; / and kernel filesystems never are. */
	ASSERT_EQ_INT(resolve_alone(dir, &t, why, sizeof(why)), 0);
	ASSERT_TRUE(t.tree);
	ASSERT_EQ_INT(resolve_alone("/", &t, why, sizeof(why)), -EINVAL);
	ASSERT_STREQ(why, "refusing to protect the whole filesystem");
	ASSERT_EQ_INT(resolve_alone("/proc", &t, why, sizeof(why)), -EINVAL);
	ASSERT_TRUE(strstr(why, "kernel filesystem (proc)") != NULL);
	snprintf(path, sizeof(path), "%s/loop", dir);
	symlink("loop", path);
	ASSERT_EQ_INT(resolve_alone(path, &t, why, sizeof(why)), -ELOOP);
	ASSERT_STREQ(why, "symlink loop");
	ASSERT_EQ_INT(resolve_alone("/dev/null", &t, why, sizeof(why)), -EINVAL);
	ASSERT_EQ_INT(resolve_alone("/proc/version", &t, why, sizeof(why)), -EOPNOTSUPP);
	ASSERT_TRUE(strstr(why, "proc") != NULL);
	entry__free(&t);
}

UNIT_TEST(test_resolve_canonicalises_and_merges_aliases)
{
	struct ig_policy p = {};
	char dir[PATH_MAX], file[PATH_MAX + 16], lnk[PATH_MAX + 16], hard[PATH_MAX + 16], why[256];
	char buf[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s/m", scratch_dir());
	mkdir(dir, 0755);
	snprintf(file, sizeof(file), "%s/secret", dir);
	snprintf(lnk, sizeof(lnk), "%s/link", dir);
	snprintf(hard, sizeof(hard), "%s/hard", dir);
	write_file(file, "x");
	symlink("secret", lnk);
	if (link(file, hard) != 0)
		UNIT_SKIP("cannot hard-link in %s", dir);
	ASSERT_EQ_INT(policy__add(&p, lnk, "/", IG_LEVEL_AUDIT, "t", 1), 0);
	ASSERT_EQ_INT(policy__add(&p, "m/hard", scratch_dir(), IG_LEVEL_KILL, "t", 2), 0);
	ASSERT_EQ_INT(policy__add(&p, file, "/", IG_LEVEL_DENY, "t", 3), 0);
	/* Only a scratch filesystem we refuse (say, a 9p root) is a reason
	 * to skip; an entry rejected anywhere else is a regression. */
	if (scratch_unsupported(why, sizeof(why)))
		UNIT_SKIP("%s: %s", scratch_dir(), why);
	ASSERT_EQ_INT(resolve__policy(&p), 0);
	ASSERT_EQ_INT(resolve__merge_same_files(&p), 0);
	ASSERT_EQ_INT((int)p.n, 1);
	ASSERT_STREQ(entry__path(&p.v[0], buf), file);
	ASSERT_EQ_INT((int)p.v[0].level, IG_LEVEL_KILL);
	/* The hard link is another name, to be guarded as the entry's; the
	 * symlink and the file's own path are the entry's name. */
	ASSERT_EQ_INT((int)p.naliases, 1);
	ASSERT_STREQ(entry__path(&p.aliases[0].name, buf), hard);
	ASSERT_EQ_INT((int)p.aliases[0].of, 0);
	policy__free(&p);
}

/* entry i of p gets an "allow uid N" line for each N in uids, resolved. */
static int give_uids(struct ig_policy *p, size_t i, const char *const *uids, size_t n)
{
	size_t k;

	struct ig_allows *allow = entry__allow_new(&p->v[i]);

	if (!allow)
		return -ENOMEM;
	for (k = 0; k < n; k++)
		if (allow__parse(allow, "uid", uids[k], "t"))
			return -EINVAL;
	return allow__resolve(allow);
}

/* Two names of one file with different allow lines: the merged entry lets
 * pass only whom both let pass, in either order, as the kernel does where
 * two rules meet on one inode. An entry without lines lets no one pass. */
UNIT_TEST(test_merge_keeps_only_common_allow_rules)
{
	static const char *const first[] = { "4242", "65534" }, *const second[] = { "65534", "7" };
	char file[PATH_MAX + 16], hard[PATH_MAX + 16], why[256];
	struct ig_policy p = {};

	snprintf(file, sizeof(file), "%s/allow-merge", scratch_dir());
	snprintf(hard, sizeof(hard), "%s/allow-merge-link", scratch_dir());
	write_file(file, "x");
	unlink(hard);
	if (link(file, hard) != 0)
		UNIT_SKIP("cannot hard-link in %s", scratch_dir());
	if (scratch_unsupported(why, sizeof(why)))
		UNIT_SKIP("%s: %s", scratch_dir(), why);
	ASSERT_EQ_INT(policy__add(&p, file, "/", IG_LEVEL_DENY, "t", 1), 0);
	ASSERT_EQ_INT(policy__add(&p, hard, "/", IG_LEVEL_DENY, "t", 2), 0);
	ASSERT_EQ_INT(policy__add(&p, hard, "/", IG_LEVEL_AUDIT, "t", 3), 0);
	ASSERT_EQ_INT(resolve__policy(&p), 0);
	ASSERT_EQ_INT(give_uids(&p, 0, first, 2), 0);
	ASSERT_EQ_INT(give_uids(&p, 1, second, 2), 0);
	ASSERT_EQ_INT(give_uids(&p, 2, second, 1), 0);
	ASSERT_EQ_INT(resolve__merge_same_files(&p), 0);
	ASSERT_EQ_INT((int)p.n, 1);
	ASSERT_TRUE(entry__allow(&p.v[0]) != NULL);
	ASSERT_EQ_INT((int)entry__allow(&p.v[0])->n, 1);
	ASSERT_EQ_INT((int)entry__allow(&p.v[0])->v[0].num, 65534);
	policy__free(&p);

	/* The first listed with lines, a later one without: none remain. */
	memset(&p, 0, sizeof(p));
	ASSERT_EQ_INT(policy__add(&p, file, "/", IG_LEVEL_DENY, "t", 1), 0);
	ASSERT_EQ_INT(policy__add(&p, hard, "/", IG_LEVEL_DENY, "t", 2), 0);
	ASSERT_EQ_INT(resolve__policy(&p), 0);
	ASSERT_EQ_INT(give_uids(&p, 0, first, 2), 0);
	ASSERT_EQ_INT(resolve__merge_same_files(&p), 0);
	ASSERT_EQ_INT((int)p.n, 1);
	ASSERT_EQ_INT((int)entry__allow(&p.v[0])->n, 0);
	policy__free(&p);
	unlink(hard);
	unlink(file);
}

struct exchanger {
	char a[PATH_MAX + 16], b[PATH_MAX + 16];
	atomic_bool stop;
	int err;
};

static void *exchange_loop(void *arg)
{
	struct exchanger *x = arg;

	while (!atomic_load(&x->stop))
		if (renameat2(AT_FDCWD, x->a, AT_FDCWD, x->b, RENAME_EXCHANGE)) {
			x->err = errno;
			break;
		}
	return NULL;
}

/* One round: resolves what names lists (the whole directory, so its
 * names are read at once, or key alone); 1 if key kept its name. */
static int resolve_round(char (*names)[PATH_MAX + 16], size_t n, size_t first)
{
	struct ig_policy p = {};
	char buf[PATH_MAX];
	const char *got;
	size_t i;
	int ok = 0;

	for (i = first; i < n; i++)
		if (policy__add(&p, names[i], "/", IG_LEVEL_KILL, "t", (int)i + 1))
			goto out;
	if (resolve__policy(&p) || !p.n)
		goto out;
	got = entry__path(&p.v[p.n - 1], buf);
	ok = strcmp(got, names[n - 1]) == 0;
	if (!ok)
		fprintf(stderr, "resolved %s as %s\n", names[n - 1], got);
out:
	policy__free(&p);
	return ok;
}

/* A name exchanged with another while the policy resolves keeps the name
 * it was given: the name rule goes on that name, never on the name its
 * inode moved to (an exchange between reading the directory and taking
 * the handle, or between the open and reading its name back). */
UNIT_TEST(test_resolve_keeps_names_through_exchanges)
{
	static char names[201][PATH_MAX + 16];
	struct exchanger x = {};
	struct timespec t0, t;
	char dir[PATH_MAX], why[256];
	pthread_t th;
	int rounds = 0, bad = 0;
	size_t i;

	snprintf(dir, sizeof(dir), "%s/swap", scratch_dir());
	mkdir(dir, 0755);
	/* Enough names that the directory is read whole, as it is for a
	 * policy listing most of it (a 4 KiB ext4 directory block or more). */
	for (i = 0; i < 200; i++) {
		snprintf(names[i], sizeof(names[i]), "%s/f%zu", dir, i);
		write_file(names[i], "x");
	}
	snprintf(names[200], sizeof(names[200]), "%s/key", dir);
	snprintf(x.a, sizeof(x.a), "%s", names[200]);
	snprintf(x.b, sizeof(x.b), "%s/decoy", dir);
	write_file(x.a, "k");
	write_file(x.b, "d");
	if (scratch_unsupported(why, sizeof(why)))
		UNIT_SKIP("%s: %s", scratch_dir(), why);
	if (renameat2(AT_FDCWD, x.a, AT_FDCWD, x.b, RENAME_EXCHANGE))
		UNIT_SKIP("%s: no RENAME_EXCHANGE here: %s", dir, strerror(errno));
	ASSERT_EQ_INT(pthread_create(&th, NULL, exchange_loop, &x), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		/* Odd rounds: the directory listed whole; even: key alone. */
		bad += !resolve_round(names, 201, rounds % 2 ? 0 : 200);
		rounds++;
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (t.tv_sec - t0.tv_sec < 2 && !bad);
	atomic_store(&x.stop, true);
	pthread_join(th, NULL);
	ASSERT_EQ_INT(x.err, 0);
	if (bad)
		fprintf(stderr, "%d of %d rounds resolved key under another name\n", bad, rounds);
	ASSERT_EQ_INT(bad, 0);
}

/* The per-directory fast path must name every file exactly as a full
 * resolution does, through .., a symlinked directory and a symlinked file. */
UNIT_TEST(test_resolve_by_directory_matches_full_resolution)
{
	static const char *const rel[] = { "d/a", "d/sub/../b", "dl/c", "d/cl" };
	char path[4][PATH_MAX + 32], base[PATH_MAX + 16], why[256], a[PATH_MAX], b[PATH_MAX];
	struct ig_policy p = {};
	struct ig_entry t = {};
	size_t i, j, found;

	snprintf(base, sizeof(base), "%s/fast", scratch_dir());
	mkdir(base, 0755);
	snprintf(path[0], sizeof(path[0]), "%s/d", base);
	mkdir(path[0], 0755);
	snprintf(path[0], sizeof(path[0]), "%s/d/sub", base);
	mkdir(path[0], 0755);
	snprintf(path[0], sizeof(path[0]), "%s/dl", base);
	symlink("d", path[0]);
	for (i = 0; i < 3; i++) {
		snprintf(path[0], sizeof(path[0]), "%s/d/%c", base, (char)('a' + i));
		write_file(path[0], "x");
	}
	snprintf(path[0], sizeof(path[0]), "%s/d/cl", base);
	symlink("c", path[0]);
	for (i = 0; i < 4; i++) {
		snprintf(path[i], sizeof(path[i]), "%s/%s", base, rel[i]);
		ASSERT_EQ_INT(policy__add(&p, path[i], "/", IG_LEVEL_AUDIT, "t", 1), 0);
	}
	if (scratch_unsupported(why, sizeof(why)))
		UNIT_SKIP("%s: %s", scratch_dir(), why);
	ASSERT_EQ_INT(resolve__policy(&p), 0);
	ASSERT_EQ_INT(resolve__merge_same_files(&p), 0);
	ASSERT_EQ_INT((int)p.n, 3);
	for (i = 0; i < 4; i++) {
		ASSERT_EQ_INT(resolve_alone(path[i], &t, why, sizeof(why)), 0);
		for (j = 0, found = 0; j < p.n; j++)
			found += strcmp(entry__path(&p.v[j], a), entry__path(&t, b)) == 0 &&
				 p.v[j].st_ino == t.st_ino && p.v[j].st_dev == t.st_dev;
		ASSERT_EQ_INT((int)found, 1);
		entry__free(&t);
	}
	policy__free(&p);
}

UNIT_TEST(test_key_order_and_dev_encoding)
{
	struct ig_key a = { .dev = (8u << 20) | 1, .ino = 10, .gen = 1 };
	struct ig_key b = a;
	char dev[32];

	ASSERT_EQ_INT(key__cmp(&a, &b), 0);
	b.gen = 2; /* a recycled inode number is another file */
	ASSERT_TRUE(key__cmp(&a, &b) < 0);
	b = a;
	b.ino = 11;
	ASSERT_TRUE(key__cmp(&a, &b) < 0);
	key__dev_str(&a, dev, sizeof(dev));
	ASSERT_STREQ(dev, "8:1");
	a.dev = (0u << 20) | 45;
	key__dev_str(&a, dev, sizeof(dev));
	ASSERT_STREQ(dev, "0:45");
}

UNIT_TEST(test_quote_escapes_and_cuts)
{
	char q[QUOTE_BUF], longer[QUOTE_MAX + 10];

	ASSERT_STREQ(quote__str("plain /a b", q), "plain /a b");
	ASSERT_STREQ(quote__str("\x1b[2J\t\\'\"\n", q), "\\x1b[2J\\t\\\\\\'\\\"\\n");
	ASSERT_STREQ(quote__str("caf\xc3\xa9\x7f\x9b", q), "caf\\xc3\\xa9\\x7f\\x9b");
	memset(longer, 'a', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	quote__str(longer, q);
	ASSERT_EQ_INT((int)strlen(q), QUOTE_MAX + 3);
	ASSERT_STREQ(q + QUOTE_MAX, "...");
	memset(longer, '\x01', sizeof(longer) - 1);
	ASSERT_EQ_INT((int)strlen(quote__str(longer, q)), QUOTE_BUF - 1);
}

/* A binary file as -c: its bytes never reach stderr raw, a NUL ends no
 * line silently, and only the first ten bad lines are shown. */
UNIT_TEST(test_config_binary_input_is_escaped_and_bounded)
{
	struct ig_policy p = {};
	char conf[PATH_MAX], out[PATH_MAX], text[4096];
	int saved, fd;
	FILE *f;
	size_t n;

	snprintf(conf, sizeof(conf), "%s/binary.conf", scratch_dir());
	snprintf(out, sizeof(out), "%s/binary.err", scratch_dir());
	f = fopen(conf, "w");
	ASSERT_TRUE(f != NULL);
	fwrite("\x1b]0;owned\x07 x\ndeny /a\0/b\n", 1, 25, f);
	for (n = 0; n < 20; n++)
		fprintf(f, "bogus%zu x\n", n);
	fclose(f);
	log__init(false, 0);
	fflush(stderr);
	saved = dup(2);
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ASSERT_TRUE(saved >= 0 && fd >= 0);
	dup2(fd, 2);
	close(fd);
	ASSERT_EQ_INT(policy__load_file(&p, conf), -EINVAL);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	ASSERT_EQ_INT((int)p.n, 0);
	f = fopen(out, "r");
	ASSERT_TRUE(f != NULL);
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	ASSERT_TRUE(strchr(text, '\x1b') == NULL && strchr(text, '\x07') == NULL);
	ASSERT_TRUE(strstr(text, "unknown level '\\x1b]0;owned\\a'") != NULL);
	ASSERT_TRUE(strstr(text, ":2: a NUL byte in the line") != NULL);
	ASSERT_TRUE(strstr(text, "bogus7") != NULL && strstr(text, "bogus8") == NULL);
	ASSERT_TRUE(strstr(text, "binary.conf: 12 more bad lines not shown") != NULL);
}

/* A file name need not be UTF-8; the JSON text must be. */
UNIT_TEST(test_json_strings_stay_valid_utf8)
{
	char *text = NULL;
	size_t len = 0;
	struct json *j;
	FILE *f = open_memstream(&text, &len);

	ASSERT_TRUE(f != NULL);
	j = json__new(f);
	ASSERT_TRUE(j != NULL);
	json__str(j, "caf\xc3\xa9 \xff\xc0\xaf\xed\xa0\x80 \xf0\x9f\x94\x92\x1b");
	json__free(j);
	fclose(f);
	ASSERT_STREQ(text, "\"caf\xc3\xa9 \\u00ff\\u00c0\\u00af\\u00ed\\u00a0\\u0080 \xf0\x9f\x94\x92\\u001b\"\n");
	free(text);
}

/* README, docs/design.md and bench/report.py give an entry's size: a
 * million entries are most of a large start's memory, and the goal is
 * under 100 bytes a file. A change to struct ig_entry updates them too,
 * and this. */
UNIT_TEST(test_entry_size_is_the_documented_one)
{
	ASSERT_EQ_INT((int)sizeof(struct ig_entry), 64);
}
