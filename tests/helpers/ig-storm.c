// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* ig-storm: protection under load, for tests/stress.sh.
 *
 * storm SECONDS DIR IG [--no-uring]
 *   DIR holds p/secret0..3 (protected), p/public (not), their aliases
 *   sym/NAME (symlink), hard/NAME (hard link), bind/ (a bind mount of p/),
 *   stage/ (root's, 0700) and toggle/t0..3. For SECONDS, at once:
 *   - 4 readers as nobody open the secrets through every route below;
 *   - a control reader as nobody reads p/public by the same routes and
 *     must get its bytes every time;
 *   - a toggler, root, runs `IG protect` and `IG unprotect` on toggle/tN
 *     and checks as nobody that each reply is in force;
 *   - a replacer, root, writes a new secret0 in stage/ and renames it
 *     onto p/secret0, as mv does;
 *   - a reloader, root, runs `IG reload -c` with a configuration that
 *     names toggle/r and one that does not, in turn, and checks as nobody
 *     that each is in force (the caller's command-line entries, the
 *     secrets, must stay protected throughout).
 *   Every reader attempt runs in a child that does a batch of attempts
 *   and records which one it is on, so a SIGKILL (the tracepoint
 *   backend's deny) ends the batch, counts as a denial, and the next
 *   child goes on after it.
 * flood COUNT PATH UID
 *   As UID, opens PATH COUNT times as fast as one process can.
 * preempt SECONDS DIR IG LOADERS [--no-held]
 *   Checks under preemption. DIR/p holds secret (protected by the caller),
 *   held and public. It opens held and public, then protects held with
 *   `IG protect --deny`, so a descriptor from before protection is held.
 *   Then, all pinned to one CPU for SECONDS: LOADERS processes as nobody
 *   open and read public in a loop, so that checks run all the time and
 *   the scheduler preempts tasks inside them; a reader as nobody opens
 *   and reads secret, and reads held through the earlier descriptor; a
 *   control reader does the same with public. --no-held leaves the held
 *   route out (a backend that sees no reads through earlier
 *   descriptors). A killed attempt counts as refused, as in storm.
 * swap NAME DECOY STAGE USECS
 *   Root, until killed: every USECS, exchanges NAME and DECOY (rename
 *   with RENAME_EXCHANGE), then makes a new NAME: written as STAGE/new
 *   and renamed onto it; with STAGE "-", only the exchanges, so NAME
 *   holds its first inode half the time. The races in tests/stress.sh run
 *   it against `run` and `protect` learning NAME's key.
 *
 * Bytes read from a secret go to stdout. The last stderr line is the
 * summary that tests/stress.sh parses. Exit 0 if nothing leaked and every
 * control, toggle and replacement did what it should, else 1. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <liburing.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "helpers.h"

const char *helper_name = "ig-storm";

#define NOBODY 65534
#define READERS 4
#define SECRETS 4
#define BATCH 256

enum route { R_ABS, R_REL, R_SYM, R_HARD, R_BIND, R_PROCFD, R_URING, R_MAX };
static const char *const route_names[R_MAX] = {
	"abs", "rel", "sym", "hard", "bind", "procfd", "uring",
};

/* One process's tally, in memory all of them share. */
struct tally {
	volatile long next;         /* the attempt a new child starts at */
	volatile long cur;          /* the attempt a child is making now */
	volatile long tries[R_MAX];
	volatile long denied;       /* EACCES or EPERM */
	volatile long killed;       /* attempts that ended in SIGKILL */
	volatile long other;        /* another errno */
	volatile long leaked;       /* attempts that got a secret byte */
	volatile long ok;           /* control reads that got the content */
	volatile int last_errno;
};

struct board {
	volatile int stop;
	struct tally readers[READERS];
	struct tally control;
	volatile long toggles, toggle_failed, replaced, replace_failed;
	volatile long loads; /* preempt's loaders' opens, roughly (not atomic) */
	volatile long reloads, reload_checks, reload_failed;
	char reload_why[4200];
	char toggle_why[4200];
};

static struct board *board;
static const char *dir;
static bool use_uring = true;
static int nroutes = R_MAX;
/* What attempt a of a reader does: the storm's routes, or preempt's. */
static ssize_t (*attempt_nr)(long a, bool control, struct io_uring *ring);

static int become_nobody(void)
{
	if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
	    setresuid(NOBODY, NOBODY, NOBODY))
		return fail("drop to nobody");
	return 0;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

/* io_uring's openat, which never passes the openat tracepoints. */
static int uring_open(struct io_uring *ring, const char *path)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
	struct io_uring_cqe *cqe;
	int err, fd;

	if (!sqe)
		return -EBUSY;
	io_uring_prep_openat(sqe, AT_FDCWD, path, O_RDONLY, 0);
	io_uring_submit(ring);
	err = io_uring_wait_cqe(ring, &cqe);
	if (err)
		return err;
	fd = cqe->res;
	io_uring_cqe_seen(ring, cqe);
	return fd;
}

/* Where each plain route finds NAME below DIR; "" is relative. */
static const char *const route_dirs[R_MAX] = {
	[R_ABS] = "p", [R_REL] = "", [R_SYM] = "sym", [R_HARD] = "hard", [R_BIND] = "bind",
	[R_PROCFD] = "p", [R_URING] = "p",
};

/* Opens NAME by route r; a descriptor, or -errno. */
static int open_by(enum route r, const char *name, struct io_uring *ring)
{
	char path[4096], proc[64];
	int fd, pfd;

	if (!route_dirs[r][0])
		snprintf(path, sizeof(path), "%s", name); /* the child's cwd is DIR/p */
	else
		snprintf(path, sizeof(path), "%s/%s/%s", dir, route_dirs[r], name);
	if (r == R_URING)
		return uring_open(ring, path);
	if (r == R_PROCFD) {
		/* O_PATH passes no open hook; the reopen through /proc must. */
		pfd = open(path, O_PATH | O_CLOEXEC);
		if (pfd < 0)
			return -errno;
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pfd);
		fd = open(proc, O_RDONLY | O_CLOEXEC);
		fd = fd < 0 ? -errno : fd;
		close(pfd);
		return fd;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* One attempt; returns the bytes read (copied to stdout for a secret),
 * or -errno of the open or the read. */
static ssize_t attempt(enum route r, const char *name, bool secret, struct io_uring *ring)
{
	char buf[4096];
	ssize_t n, got = 0;
	int fd = open_by(r, name, ring);

	if (fd < 0)
		return fd;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		got += n;
		if (secret && write(STDOUT_FILENO, buf, n) != n)
			break;
	}
	if (n < 0 && !got)
		got = -errno;
	close(fd);
	return got;
}

/* The storm's attempt a: route a % nroutes, the secrets in turn. */
static ssize_t storm_attempt(long a, bool control, struct io_uring *ring)
{
	char name[32];

	if (control)
		snprintf(name, sizeof(name), "public");
	else
		snprintf(name, sizeof(name), "secret%ld", (a / nroutes) % SECRETS);
	return attempt((enum route)(a % nroutes), name, !control, ring);
}

/* A child's batch: attempts t->next onwards, recording each in t->cur
 * before it starts, so that a kill is charged to the right one. */
static void batch(struct tally *t, bool control)
{
	struct io_uring ring;
	long a, end;
	ssize_t n;

	if (chdir(dir) || chdir("p"))
		_exit(fail("chdir"));
	if (use_uring && io_uring_queue_init(2, &ring, 0))
		_exit(fail("io_uring_queue_init"));
	for (a = t->next, end = a + BATCH; a < end && !board->stop; a++) {
		t->cur = a;
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		t->tries[a % nroutes]++;
		n = attempt_nr(a, control, &ring);
		if (control) {
			if (n > 0)
				t->ok++;
			else
				t->other++, t->last_errno = n < 0 ? (int)-n : 0;
		} else if (n > 0) {
			t->leaked++;
		} else if (n == -EACCES || n == -EPERM) {
			t->denied++;
		} else {
			t->other++;
			t->last_errno = n < 0 ? (int)-n : 0;
		}
	}
	t->next = a;
	_exit(0);
}

/* A reader: as nobody, child after child until told to stop. */
static void reader(struct tally *t, bool control)
{
	int status;
	pid_t pid;

	if (become_nobody())
		_exit(1);
	while (!board->stop) {
		pid = fork();
		if (pid < 0)
			_exit(fail("fork"));
		if (pid == 0)
			batch(t, control);
		if (waitpid(pid, &status, 0) < 0)
			_exit(fail("waitpid"));
		if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) {
			/* The attempt it was on was killed: a denial for a
			 * secret, a failure for the control. */
			if (control)
				t->other++, t->last_errno = EINTR;
			else
				t->killed++;
			t->next = t->cur + 1;
		} else if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			_exit(1);
		}
	}
	_exit(0);
}

/* IG VERB [--deny for protect, -c for reload] PATH, quietly: its exit
 * status. */
static int run_tool(const char *ig, const char *verb, const char *path)
{
	int status, null;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		null = open("/dev/null", O_WRONLY);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		if (!strcmp(verb, "protect"))
			execl(ig, ig, verb, "--deny", path, (char *)NULL);
		else if (!strcmp(verb, "reload"))
			execl(ig, ig, verb, "-c", path, (char *)NULL);
		else
			execl(ig, ig, verb, path, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Whether nobody can read path now: 1 yes, 0 denied or killed. */
static int nobody_reads(const char *path)
{
	char buf[64];
	int status, fd;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (become_nobody())
			_exit(2);
		fd = open(path, O_RDONLY);
		_exit(fd >= 0 && read(fd, buf, sizeof(buf)) > 0 ? 0 : 1);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static void toggle_failed(const char *what, const char *path, int rc)
{
	board->toggle_failed++;
	if (!board->toggle_why[0])
		snprintf(board->toggle_why, sizeof(board->toggle_why), "%s %s (%d)", what, path, rc);
}

/* Root: protect, check, unprotect, check, on toggle/t0..3 in turn. */
static void toggler(const char *ig)
{
	char path[4096];
	int i, rc;

	for (i = 0; !board->stop; i = (i + 1) % 4) {
		snprintf(path, sizeof(path), "%s/toggle/t%d", dir, i);
		rc = run_tool(ig, "protect", path);
		if (rc)
			toggle_failed("protect exited nonzero:", path, rc);
		else if (nobody_reads(path))
			toggle_failed("readable after protect said yes:", path, 0);
		rc = run_tool(ig, "unprotect", path);
		if (rc)
			toggle_failed("unprotect exited nonzero:", path, rc);
		else if (nobody_reads(path) != 1)
			toggle_failed("unreadable after unprotect said yes:", path, 0);
		board->toggles++;
	}
	_exit(0);
}

static void reload_failed(const char *what, const char *path, int rc)
{
	board->reload_failed++;
	if (!board->reload_why[0])
		snprintf(board->reload_why, sizeof(board->reload_why), "%s %s (%d)", what, path, rc);
}

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(text, f) < 0 || fclose(f))
		return fail(path);
	return 0;
}

/* Root: reloads with toggle/r in the configuration, then without, each
 * checked as nobody once it returned. */
static void reloader(const char *ig)
{
	char on[4096], off[4096], path[4096], line[4200];

	snprintf(on, sizeof(on), "%s/stage/reload-on.conf", dir);
	snprintf(off, sizeof(off), "%s/stage/reload-off.conf", dir);
	snprintf(path, sizeof(path), "%s/toggle/r", dir);
	snprintf(line, sizeof(line), "deny %s\n", path);
	if (write_file(on, line) || write_file(off, "# toggle/r released\n") ||
	    write_file(path, "toggle r\n"))
		_exit(1);
	while (!board->stop) {
		int rc = run_tool(ig, "reload", on);

		if (rc) {
			reload_failed("reload with it exited nonzero:", path, rc);
		} else {
			board->reload_checks++;
			if (nobody_reads(path))
				reload_failed("readable after a reload that names it:", path, 0);
		}
		rc = run_tool(ig, "reload", off);
		if (rc)
			reload_failed("reload without it exited nonzero:", path, rc);
		else if (nobody_reads(path) != 1)
			reload_failed("unreadable after a reload that drops it:", path, 0);
		board->reloads++;
	}
	_exit(0);
}

/* Root: a new version in stage/ (0700, so its bytes are out of reach
 * before the rename), then renamed onto the protected name. */
static void replacer(void)
{
	char tmp[4096], name[4096], text[64];
	long v;
	int fd, n;

	snprintf(tmp, sizeof(tmp), "%s/stage/new", dir);
	snprintf(name, sizeof(name), "%s/p/secret0", dir);
	for (v = 1; !board->stop; v++) {
		n = snprintf(text, sizeof(text), "IG-SECRET-secret0-v%ld\n", v);
		fd = open(tmp, O_CREAT | O_TRUNC | O_WRONLY, 0644);
		if (fd < 0 || write(fd, text, n) != n || fchmod(fd, 0644) || close(fd) ||
		    rename(tmp, name)) {
			fail("replace secret0");
			board->replace_failed++;
			break;
		}
		board->replaced++;
		/* A few hundred versions a second: enough to race the readers,
		 * few enough that learned keys stay well inside the map. */
		usleep(3000);
	}
	_exit(0);
}

static pid_t spawn(void (*fn)(struct tally *, bool), struct tally *t, bool control)
{
	pid_t pid = fork();

	if (pid == 0)
		fn(t, control);
	return pid;
}

static long sum(long (*f)(const struct tally *))
{
	long s = 0;
	int i;

	for (i = 0; i < READERS; i++)
		s += f(&board->readers[i]);
	return s;
}

static long f_denied(const struct tally *t) { return t->denied; }
static long f_killed(const struct tally *t) { return t->killed; }
static long f_other(const struct tally *t) { return t->other; }
static long f_leaked(const struct tally *t) { return t->leaked; }

/* Lets the n workers started at t0 run until SECONDS have passed (or
 * one failed to start), stops them and reaps them: 1 if any failed. */
static int run_workers(const pid_t *pids, int n, long t0, int seconds)
{
	int i, status, bad = 0;

	for (i = 0; i < n; i++)
		if (pids[i] < 0)
			board->stop = 1, bad = 1;
	while (!board->stop && now_ms() - t0 < seconds * 1000L)
		usleep(100000);
	board->stop = 1;
	for (i = 0; i < n; i++)
		if (pids[i] > 0 && (waitpid(pids[i], &status, 0) < 0 ||
				    !WIFEXITED(status) || WEXITSTATUS(status)))
			bad = 1;
	return bad;
}

static int storm(int seconds, const char *ig)
{
	pid_t pids[READERS + 4];
	int i, n = 0, bad, other_errno = 0;
	long t0, tries[R_MAX] = {}, total = 0, leaked;
	struct io_uring ring;

	if (use_uring && io_uring_queue_init(2, &ring, 0)) {
		fprintf(stderr, "ig-storm: io_uring unavailable here: its route is left out\n");
		use_uring = false;
	} else if (use_uring) {
		io_uring_queue_exit(&ring);
	}
	nroutes = use_uring ? R_MAX : R_URING;
	attempt_nr = storm_attempt;
	t0 = now_ms();
	for (i = 0; i < READERS; i++)
		pids[n++] = spawn(reader, &board->readers[i], false);
	pids[n++] = spawn(reader, &board->control, true);
	if ((pids[n++] = fork()) == 0)
		toggler(ig);
	if ((pids[n++] = fork()) == 0)
		replacer();
	if ((pids[n++] = fork()) == 0)
		reloader(ig);
	bad = run_workers(pids, n, t0, seconds);
	for (i = 0; i < READERS; i++) {
		for (int r = 0; r < nroutes; r++)
			tries[r] += board->readers[i].tries[r];
		if (board->readers[i].other)
			other_errno = board->readers[i].last_errno;
	}
	for (i = 0; i < nroutes; i++)
		total += tries[i];
	leaked = sum(f_leaked);
	fprintf(stderr, "ig-storm: %.1f s; reads %ld (", (now_ms() - t0) / 1000.0, total);
	for (i = 0; i < nroutes; i++)
		fprintf(stderr, "%s%s %ld", i ? ", " : "", route_names[i], tries[i]);
	fprintf(stderr, "): denied %ld, killed %ld, other %ld%s%s, leaked %ld; "
		"control ok %ld failed %ld%s%s; toggles %ld failed %ld%s%s; replaced %ld failed %ld; "
		"reloads %ld checked %ld failed %ld%s%s%s\n",
		sum(f_denied), sum(f_killed), sum(f_other),
		other_errno ? " last " : "", other_errno ? strerror(other_errno) : "", leaked,
		board->control.ok, board->control.other,
		board->control.other ? " last " : "",
		board->control.other ? strerror(board->control.last_errno) : "",
		board->toggles, board->toggle_failed,
		board->toggle_why[0] ? " first: " : "", board->toggle_why,
		board->replaced, board->replace_failed,
		board->reloads, board->reload_checks, board->reload_failed,
		board->reload_why[0] ? " first: " : "", board->reload_why,
		bad ? "; a worker failed" : "");
	return bad || leaked || sum(f_other) || board->control.other || !board->control.ok ||
	       board->toggle_failed || board->replace_failed || !board->replaced ||
	       board->reload_failed || !board->reloads;
}

/* ---- preempt ---- */

static int held_secret = -1, held_public = -1;

/* Even attempts open the file by name, odd ones read the descriptor held
 * from before protection (from the start, for the control). */
static ssize_t preempt_attempt(long a, bool control, struct io_uring *ring)
{
	char buf[4096];
	ssize_t n;

	if (a % nroutes == 0)
		return attempt(R_REL, control ? "public" : "secret", !control, ring);
	n = pread(control ? held_public : held_secret, buf, sizeof(buf), 0);
	if (n < 0)
		return -errno;
	if (n > 0 && !control && write(STDOUT_FILENO, buf, n) != n)
		return -EIO;
	return n;
}

/* As nobody: open, read and close public until told to stop. */
static void loader(void)
{
	char buf[256], path[4096];
	int fd;

	if (become_nobody())
		_exit(1);
	snprintf(path, sizeof(path), "%s/p/public", dir);
	while (!board->stop) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			_exit(fail("loader open"));
		if (read(fd, buf, sizeof(buf)) <= 0)
			_exit(fail("loader read"));
		close(fd);
		board->loads++;
	}
	_exit(0);
}

/* One CPU for everything: the tasks that are preempted inside a check
 * and the ones that come to it next must share it. */
static int pin_to_one_cpu(int *cpu)
{
	cpu_set_t set;
	int c;

	if (sched_getaffinity(0, sizeof(set), &set))
		return fail("sched_getaffinity");
	for (c = 0; c < CPU_SETSIZE && !CPU_ISSET(c, &set); c++)
		;
	CPU_ZERO(&set);
	CPU_SET(c, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		return fail("sched_setaffinity");
	*cpu = c;
	return 0;
}

static int preempt(int seconds, const char *ig, int loaders, bool held)
{
	pid_t pids[64 + 2];
	int i, n = 0, cpu = -1, bad, rc;
	char path[4096];
	long t0;
	struct tally *t = &board->readers[0];

	use_uring = false;
	nroutes = held ? 2 : 1;
	attempt_nr = preempt_attempt;
	if (loaders > 64)
		loaders = 64;
	snprintf(path, sizeof(path), "%s/p/held", dir);
	held_secret = open(path, O_RDONLY | O_CLOEXEC);
	snprintf(path, sizeof(path), "%s/p/public", dir);
	held_public = open(path, O_RDONLY | O_CLOEXEC);
	if (held_secret < 0 || held_public < 0)
		return fail("open held or public");
	snprintf(path, sizeof(path), "%s/p/held", dir);
	rc = run_tool(ig, "protect", path);
	if (rc) {
		fprintf(stderr, "ig-storm: protect --deny %s exited %d\n", path, rc);
		return 1;
	}
	if (nobody_reads(path)) {
		fprintf(stderr, "ig-storm: %s is readable after protect\n", path);
		return 1;
	}
	if (pin_to_one_cpu(&cpu))
		return 1;
	t0 = now_ms();
	for (i = 0; i < loaders; i++)
		if ((pids[n++] = fork()) == 0)
			loader();
	pids[n++] = spawn(reader, t, false);
	pids[n++] = spawn(reader, &board->control, true);
	bad = run_workers(pids, n, t0, seconds);
	fprintf(stderr, "ig-storm: preempt %.1f s on cpu %d with %d loaders (%ld opens); reads %ld (open %ld, held %ld): "
		"denied %ld, killed %ld, other %ld%s%s, leaked %ld; control ok %ld failed %ld%s%s%s\n",
		(now_ms() - t0) / 1000.0, cpu, loaders, board->loads, t->tries[0] + t->tries[1],
		t->tries[0], t->tries[1], t->denied, t->killed, t->other,
		t->other ? " last " : "", t->other ? strerror(t->last_errno) : "", t->leaked,
		board->control.ok, board->control.other, board->control.other ? " last " : "",
		board->control.other ? strerror(board->control.last_errno) : "",
		bad ? "; a worker failed" : "");
	return bad || t->leaked || t->other || board->control.other || !board->control.ok;
}

static int flood(long count, const char *path)
{
	long i, denied = 0, opened = 0, other = 0, t0 = now_ms(), ms;
	int fd, last = 0;

	for (i = 0; i < count; i++) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0)
			opened++, close(fd);
		else if (errno == EACCES)
			denied++;
		else
			other++, last = errno;
	}
	ms = now_ms() - t0;
	fprintf(stderr, "ig-storm: flood %ld opens in %.2f s (%.0f/s): denied %ld, opened %ld, other %ld%s%s\n",
		count, ms / 1000.0, ms ? count * 1000.0 / ms : 0.0, denied, opened, other,
		other ? " last " : "", other ? strerror(last) : "");
	return other ? 1 : 0;
}

static int swap(const char *name, const char *decoy, const char *stage, long usecs)
{
	char tmp[4096], text[64];
	long v;
	int fd, n;

	snprintf(tmp, sizeof(tmp), "%s/new", stage);
	for (v = 1;; v++) {
		if (renameat2(AT_FDCWD, name, AT_FDCWD, decoy, RENAME_EXCHANGE))
			return fail("rename exchange");
		usleep(usecs);
		if (!strcmp(stage, "-"))
			continue;
		n = snprintf(text, sizeof(text), "IG-SECRET-swapped-v%ld\n", v);
		fd = open(tmp, O_CREAT | O_TRUNC | O_WRONLY, 0644);
		if (fd < 0 || write(fd, text, n) != n || fchmod(fd, 0644) || close(fd) ||
		    rename(tmp, name))
			return fail("replace");
		usleep(usecs);
	}
}

static int usage(void)
{
	fprintf(stderr, "usage: ig-storm storm SECONDS DIR IG [--no-uring] | flood COUNT PATH UID |\n"
		"       preempt SECONDS DIR IG LOADERS [--no-held] | swap NAME DECOY STAGE USECS\n");
	return 2;
}

/* The board all workers share, and unbuffered output (shared by forks:
 * nothing may sit in a buffer). */
static int setup_board(void)
{
	board = mmap(NULL, sizeof(*board), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (board == MAP_FAILED)
		return fail("mmap");
	memset(board, 0, sizeof(*board));
	setvbuf(stdout, NULL, _IONBF, 0);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 5 && !strcmp(argv[1], "storm")) {
		dir = argv[3];
		use_uring = !(argc > 5 && !strcmp(argv[5], "--no-uring"));
		return setup_board() ?: storm(atoi(argv[2]), argv[4]);
	}
	if (argc >= 6 && !strcmp(argv[1], "preempt")) {
		dir = argv[3];
		return setup_board() ?: preempt(atoi(argv[2]), argv[4], atoi(argv[5]),
						!(argc > 6 && !strcmp(argv[6], "--no-held")));
	}
	if (argc == 5 && !strcmp(argv[1], "flood")) {
		uid_t uid = (uid_t)strtoul(argv[4], NULL, 10);

		if (setgroups(0, NULL) || setresgid(uid, uid, uid) || setresuid(uid, uid, uid))
			return fail("drop privileges");
		return flood(atol(argv[2]), argv[3]);
	}
	if (argc == 6 && !strcmp(argv[1], "swap"))
		return swap(argv[2], argv[3], argv[4], atol(argv[5]));
	return usage();
}
