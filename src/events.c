// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Serve stage: consume the ring buffer and print events. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <poll.h>
#include <bpf/libbpf.h>
#include <unistd.h>
#include "events.h"
#include "grants.h"
#include "json.h"
#include "keys.h"
#include "log.h"
#include "state.h"

struct ig_events {
	struct ring_buffer *rb;
	const volatile struct ig_counters *counters;
	__u64 lost_reported;
	long long lost_reported_ns; /* CLOCK_MONOTONIC */
	__u64 unwritten; /* events stdout no longer took */
	long long boot_to_real_ns;
	struct paths_index paths; /* loaded at the first event without a kernel path */
	unsigned int batch; /* events handled in this poll */
};

/*
 * libbpf's ring_buffer__poll() goes on while new records keep arriving,
 * so a flood (any user opening a protected file in a loop) would keep it
 * from returning, and the serve loop from seeing a signal, a reload or a
 * lost count, for as long as the flood lasts. A poll handles at most a
 * batch: the callback's negative return makes libbpf stop right after
 * the record it consumed, and the next poll finds the rest.
 */
#define IG_EVENTS_BATCH 4096
#define IG_BATCH_DONE (-EAGAIN)
/* What stopping drains at most, so that it ends under a flood too. */
#define IG_DRAIN_MS 1000

static const char *const op_names[IG_OP_MAX] = {
	[IG_OP_OPEN] = "open", [IG_OP_READ] = "read", [IG_OP_WRITE] = "write",
	[IG_OP_MMAP] = "mmap", [IG_OP_RECEIVE] = "receive",
	[IG_OP_UNLINK] = "unlink", [IG_OP_RENAME] = "rename",
	[IG_OP_LINK] = "link", [IG_OP_SETATTR] = "setattr",
	[IG_OP_TRUNCATE] = "truncate", [IG_OP_SETXATTR] = "setxattr",
	[IG_OP_REMOVEXATTR] = "removexattr", [IG_OP_EXEC] = "exec",
	[IG_OP_CREATE] = "create", [IG_OP_RMDIR] = "rmdir",
};

const char *op__name(unsigned int op)
{
	return op < IG_OP_MAX ? op_names[op] : "?";
}

const char *action__name(unsigned int action)
{
	static const char *const names[] = { "audit", "deny", "kill" };

	return action < 3 ? names[action] : "?";
}

static long long clock_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void format_time(const struct ig_events *ev, __u64 boot_ns, char *buf, size_t len)
{
	long long real = (long long)boot_ns + ev->boot_to_real_ns;
	time_t secs = real / 1000000000LL;
	struct tm tm;
	size_t n;

	gmtime_r(&secs, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%03lldZ", (real % 1000000000LL) / 1000000);
}

static void event_file(struct ig_events *ev, const struct ig_event *e,
		       char *file, size_t len)
{
	const char *path;

	if (e->path[0]) {
		snprintf(file, len, "%.*s", IG_PATH_LEN, e->path);
		return;
	}
	/* Not every hook may ask the kernel for a path: use the one the
	 * file was registered under. One stat() tells whether a protect
	 * from another shell appended since; only that tail is read. */
	state__paths_load(&ev->paths);
	path = paths_index__path_of(&ev->paths, &e->key);
	snprintf(file, len, "%s", path ? path : "?");
}

const char *match__name(unsigned int match)
{
	static const char *const names[] = {
		[IG_MATCH_INODE] = "inode", [IG_MATCH_NAME] = "name",
		[IG_MATCH_TREE] = "tree", [IG_MATCH_DEPTH] = "depth",
	};

	return match <= IG_MATCH_DEPTH ? names[match] : "?";
}

/* The registered entry whose rule matched; "-" for the depth bound. */
static void event_entry(struct ig_events *ev, const struct ig_event *e,
			char *entry, size_t len)
{
	struct ig_event by_id = { .key = entry__key(e->entry) };

	if (!e->entry) {
		snprintf(entry, len, "-");
		return;
	}
	event_file(ev, &by_id, entry, len);
}

/* Why a subject passed no grant (enum ig_mark). A process that ran
 * execve since the watch began (IG_MARK_CLEAN) has its grants looked at
 * like one never marked. */
const char *mark__name(unsigned int mark)
{
	static const char *const names[] = {
		[IG_MARK_ENV] = "loader-env", [IG_MARK_TRACED] = "traced",
		[IG_MARK_UNSEEN] = "started-before-watch",
	};

	if (mark == IG_MARK_NONE || mark == IG_MARK_CLEAN)
		return NULL;
	return mark < IG_MARK_CLEAN ? names[mark] : "?";
}

/* The subject's executable: its path while the process is there to ask
 * (a killed one may be gone), else its key. */
static void event_exe(const struct ig_event *e, char *buf, size_t len)
{
	char link[64], dev[32];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/%u/exe", e->pid);
	n = readlink(link, buf, len - 1);
	if (n > 0) {
		buf[n] = '\0';
		return;
	}
	if (!e->exe.ino) {
		snprintf(buf, len, "-");
		return;
	}
	key__dev_str(&e->exe, dev, sizeof(dev));
	snprintf(buf, len, "dev=%s,ino=%llu", dev, (unsigned long long)e->exe.ino);
}

/*
 * SIGPIPE is ignored (cmd_run.c), so a reader of stdout that went away
 * shows as a failed write. Protection goes on; the event is counted as
 * lost, and that is said once, on stderr: in JSON mode the logger's
 * document is stdout itself, which is what failed.
 */
static void count_unwritten(struct ig_events *ev)
{
	int err = errno;

	if (fflush(stdout) == 0 && !ferror(stdout))
		return;
	clearerr(stdout);
	if (!ev->unwritten++)
		fprintf(stderr, "inodeguard: warning: cannot write events to stdout (%s); protection goes on, and events are counted as lost\n",
			strerror(err));
}

/* Why the kernel refused a rename or link that it would otherwise have
 * allowed, or "" for any other event. */
static const char *event_refused(__u32 flags)
{
	if (flags & IG_EVENT_REFUSED_MAPPED)
		return "mapped";
	if (flags & IG_EVENT_REFUSED_DIRECTORY)
		return "directory";
	if (flags & IG_EVENT_REFUSED_FULL)
		return "full";
	return "";
}

static void print_event(struct ig_events *ev, const void *data, size_t size)
{
	const struct ig_event *e = data;
	char when[64], file[4096], entry[4096], comm[IG_COMM_LEN + 1], dev[32];
	char exe[4096], allow[1024];
	struct json *j = log__json();
	const char *mark, *refused;
	bool caught;

	if (size < sizeof(*e))
		return;
	caught = e->flags & IG_EVENT_CAUGHT_AT_EXIT;
	refused = event_refused(e->flags);
	format_time(ev, e->ts_ns, when, sizeof(when));
	event_file(ev, e, file, sizeof(file));
	event_entry(ev, e, entry, sizeof(entry));
	/* An entry's own inode, or a new one at its name, is known by the
	 * entry's path; a file below a tree only by the kernel's. */
	if ((e->match == IG_MATCH_INODE || e->match == IG_MATCH_NAME) && e->entry &&
	    strcmp(file, "?") == 0)
		snprintf(file, sizeof(file), "%s", entry);
	snprintf(comm, sizeof(comm), "%.*s", IG_COMM_LEN, e->comm);
	key__dev_str(&e->key, dev, sizeof(dev));
	event_exe(e, exe, sizeof(exe));
	grants__describe(e->grants, allow, sizeof(allow));
	mark = mark__name(e->mark);
	if (!j) {
		printf("%s %s %s pid=%u uid=%u comm=%s exe=%s file=%s dev=%s ino=%llu rule=%s entry=%s%s%s%s%s%s%s%s\n",
		       when, action__name(e->action), op__name(e->op), e->pid, e->uid,
		       comm, exe, file, dev, (unsigned long long)e->key.ino,
		       match__name(e->match), entry, *allow ? " unmatched=" : "", allow,
		       mark ? " mark=" : "", mark ? mark : "", caught ? " caught=exit" : "",
		       *refused ? " refused=" : "", refused);
		count_unwritten(ev);
		return;
	}
	/* One line per event, in the command's one writer; docs/events.md
	 * documents each member, in this order. */
	json__begin_object(j);
	json__kv_uint(j, "schema", IG_EVENT_SCHEMA);
	json__kv_str(j, "time", when);
	json__kv_str(j, "action", action__name(e->action));
	json__kv_str(j, "op", op__name(e->op));
	json__kv_uint(j, "pid", e->pid);
	json__kv_uint(j, "tid", e->tid);
	json__kv_uint(j, "uid", e->uid);
	json__kv_str(j, "comm", comm);
	json__kv_str(j, "file", file);
	json__kv_str(j, "dev", dev);
	json__kv_uint(j, "ino", e->key.ino);
	json__kv_uint(j, "gen", e->key.gen);
	json__kv_str(j, "rule", match__name(e->match));
	json__kv_str(j, "entry", entry);
	json__kv_str(j, "exe", exe);
	json__kv_str(j, "unmatched", allow);
	json__kv_str(j, "mark", mark ? mark : "");
	json__kv_str(j, "caught", caught ? "exit" : "");
	json__kv_str(j, "refused", refused);
	json__end_object(j);
	json__newline(j);
	count_unwritten(ev);
}

static int handle_event(void *ctx, void *data, size_t size)
{
	struct ig_events *ev = ctx;

	print_event(ev, data, size);
	return ++ev->batch < IG_EVENTS_BATCH ? 0 : IG_BATCH_DONE;
}

int events__open(struct ig_events **out, int ringbuf_fd,
		 const volatile struct ig_counters *counters)
{
	struct ig_events *ev;
	int err;

	ev = calloc(1, sizeof(*ev));
	if (!ev)
		return -ENOMEM;
	ev->counters = counters;
	ev->boot_to_real_ns = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_BOOTTIME);
	ev->rb = ring_buffer__new(ringbuf_fd, handle_event, ev, NULL);
	if (!ev->rb) {
		err = -errno;
		p_err("cannot open the event ring buffer: %s", strerror(-err));
		goto cleanup;
	}
	*out = ev;
	return 0;
cleanup:
	events__close(ev);
	return err;
}

/* At most once a second, as a flood makes polls return often; force
 * reports the last figure before stopping. */
static void report_lost(struct ig_events *ev, bool force)
{
	__u64 lost = ev->counters ? ev->counters->events_lost : 0;
	long long now = clock_ns(CLOCK_MONOTONIC);

	if (lost == ev->lost_reported || (!force && now - ev->lost_reported_ns < 1000000000LL))
		return;
	p_warn("%llu events lost so far (ring buffer full)", (unsigned long long)lost);
	ev->lost_reported = lost;
	ev->lost_reported_ns = now;
}

int events__poll(struct ig_events *ev, int timeout_ms)
{
	int err;

	ev->batch = 0;
	err = ring_buffer__poll(ev->rb, timeout_ms);
	report_lost(ev, false);
	return err < 0 && err != IG_BATCH_DONE ? err : 0;
}

int events__poll_with(struct ig_events *ev, int fd, int timeout_ms, bool *fd_ready)
{
	struct pollfd p[2] = {
		{ .fd = ring_buffer__epoll_fd(ev->rb), .events = POLLIN },
		{ .fd = fd, .events = POLLIN },
	};
	int n;

	*fd_ready = false;
	n = poll(p, 2, timeout_ms);
	if (n < 0)
		return errno == EINTR ? -EINTR : -errno;
	*fd_ready = p[1].revents & POLLIN;
	return events__poll(ev, 0);
}

void events__drain(struct ig_events *ev)
{
	long long until = clock_ns(CLOCK_MONOTONIC) + IG_DRAIN_MS * 1000000LL;

	do {
		if (events__poll(ev, 0))
			break;
	} while (ev->batch >= IG_EVENTS_BATCH && clock_ns(CLOCK_MONOTONIC) < until);
	report_lost(ev, true);
}

void events__close(struct ig_events *ev)
{
	if (!ev)
		return;
	if (ev->unwritten)
		fprintf(stderr, "inodeguard: %llu events lost: stdout was gone\n",
			(unsigned long long)ev->unwritten);
	ring_buffer__free(ev->rb);
	paths_index__free(&ev->paths);
	free(ev);
}
