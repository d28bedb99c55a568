// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Relay stage: a sealed daemon's control socket. Under the seal nobody but
 * the daemon may open its maps, so protect, list, stats and reload reach
 * them through it: the client sends its command line, the daemon forks a
 * worker that holds its descriptors, and the worker runs the command with
 * the client's standard output, error and directory, then sends back the
 * exit status. */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <linux/types.h>
#include "cli.h"
#include "log.h"
#include "privs.h"
#include "relay.h"

#define RELAY_MAGIC 0x69677231u /* "ig" r1: the layout below */
/* A command line longer than this is refused (a million paths would be
 * better given as a -c file to reload). */
#define RELAY_MAX_BYTES (4u << 20)
/* A worker waits this long for a client that connected and sends nothing. */
#define RELAY_TIMEOUT_S 30
/* The client's directory, standard output and standard error. */
#define RELAY_FDS 3

struct relay_request {
	__u32 magic;
	__u32 json;
	__u32 verbose;
	__u32 argc;
	__u32 bytes; /* the NUL-terminated arguments that follow */
};

struct relay_reply {
	__s32 status; /* the command's exit status, or -errno if refused */
};

static bool in_worker;

bool relay__in_worker(void)
{
	return in_worker;
}

#define RELAY_NAME_PREFIX "inodeguard-sealed-"

static socklen_t relay_addr(const char *name, struct sockaddr_un *a)
{
	size_t n = strnlen(name, sizeof(a->sun_path) - 1);

	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	/* sun_path[0] stays 0: an abstract name, which no file can shadow. */
	memcpy(a->sun_path + 1, name, n);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
}

/* To a socket: a peer gone is an error here, never a SIGPIPE. */
static int send_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len) {
		n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EPIPE;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int read_all(int fd, void *buf, size_t len)
{
	char *p = buf;
	ssize_t n;

	while (len) {
		n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -ECONNRESET;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int relay__connect(const char *name, pid_t *pid)
{
	struct sockaddr_un a;
	struct ucred cred;
	socklen_t len = relay_addr(name, &a), clen = sizeof(cred);
	int fd, err;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&a, len)) {
		err = -errno;
		close(fd);
		return err;
	}
	/* Our standard streams go to whoever listens: root's daemon only. */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) || cred.uid != 0) {
		close(fd);
		return -EACCES;
	}
	*pid = cred.pid;
	return fd;
}

/* The arguments, each with its NUL, one after the other. */
static char *pack_args(int argc, char **argv, size_t *bytes)
{
	size_t n = 0, at = 0;
	char *buf;
	int i;

	for (i = 0; i < argc; i++)
		n += strlen(argv[i]) + 1;
	if (n > RELAY_MAX_BYTES)
		return NULL;
	buf = malloc(n ? n : 1);
	for (i = 0; buf && i < argc; i++) {
		memcpy(buf + at, argv[i], strlen(argv[i]) + 1);
		at += strlen(argv[i]) + 1;
	}
	*bytes = n;
	return buf;
}

/* The header, carrying the descriptors fds[RELAY_FDS]. */
static int send_request(int fd, const struct relay_request *rq, const int *fds)
{
	char ctl[CMSG_SPACE(sizeof(int) * RELAY_FDS)] = {};
	struct iovec iov = { .iov_base = (void *)rq, .iov_len = sizeof(*rq) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = ctl, .msg_controllen = sizeof(ctl) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int) * RELAY_FDS);
	memcpy(CMSG_DATA(c), fds, sizeof(int) * RELAY_FDS);
	return sendmsg(fd, &msg, MSG_NOSIGNAL) == (ssize_t)sizeof(*rq) ? 0 : -errno;
}

int relay__forward(int fd, bool json, int verbose, int argc, char **argv)
{
	struct relay_request rq = { .magic = RELAY_MAGIC, .json = json, .verbose = (__u32)verbose,
				    .argc = (__u32)argc };
	struct relay_reply reply;
	size_t bytes = 0;
	char *args = pack_args(argc, argv, &bytes);
	int fds[RELAY_FDS] = { -1, STDOUT_FILENO, STDERR_FILENO }, err;

	if (!args) {
		close(fd);
		return bytes > RELAY_MAX_BYTES ? -E2BIG : -ENOMEM;
	}
	rq.bytes = (__u32)bytes;
	/* Relative paths are the client's: the worker works in this
	 * directory, through a descriptor, whatever its name there. */
	fds[0] = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fds[0] < 0)
		fds[0] = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	/* What we printed so far must come before what the worker prints. */
	fflush(stdout);
	fflush(stderr);
	err = fds[0] < 0 ? -errno : send_request(fd, &rq, fds);
	if (!err)
		err = send_all(fd, args, bytes);
	/* A refusal (not root, too many requests) comes before the daemon
	 * reads anything, so our writes may fail while its answer waits. */
	if (!err || err == -EPIPE || err == -ECONNRESET)
		err = read_all(fd, &reply, sizeof(reply));
	if (fds[0] >= 0)
		close(fds[0]);
	free(args);
	close(fd);
	if (err)
		return err == -ECONNRESET ? -EPIPE : err;
	return reply.status;
}

int relay__listen(char *name, size_t len)
{
	struct sockaddr_un a;
	unsigned long long r;
	socklen_t alen;
	int fd, err;

	if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r)) {
		err = -errno;
		p_err("cannot draw a name for the control socket: %s", strerror(-err));
		return err;
	}
	snprintf(name, len, RELAY_NAME_PREFIX "%016llx", r);
	alen = relay_addr(name, &a);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, alen) || listen(fd, 16)) {
		err = -errno;
		p_err("cannot listen on the control socket @%s: %s", name, strerror(-err));
		if (fd >= 0)
			close(fd);
		return err;
	}
	return fd;
}

static void reply_status(int conn, int status)
{
	struct relay_reply r = { .status = status };

	send_all(conn, &r, sizeof(r));
}

/* The header and the descriptors it carries; all three or none. */
static int recv_request(int conn, struct relay_request *rq, int *fds)
{
	char ctl[CMSG_SPACE(sizeof(int) * RELAY_FDS)];
	struct iovec iov = { .iov_base = rq, .iov_len = sizeof(*rq) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = ctl, .msg_controllen = sizeof(ctl) };
	struct cmsghdr *c;
	ssize_t n;

	n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
	if (n < 0)
		return -errno;
	c = CMSG_FIRSTHDR(&msg);
	if (n != (ssize_t)sizeof(*rq) || !c || c->cmsg_type != SCM_RIGHTS ||
	    c->cmsg_len != CMSG_LEN(sizeof(int) * RELAY_FDS) || (msg.msg_flags & MSG_CTRUNC)) {
		/* A short read keeps whatever descriptors came: close them. */
		if (c && c->cmsg_type == SCM_RIGHTS) {
			int *got = (int *)CMSG_DATA(c);
			size_t i, k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);

			for (i = 0; i < k; i++)
				close(got[i]);
		}
		return -EPROTO;
	}
	memcpy(fds, CMSG_DATA(c), sizeof(int) * RELAY_FDS);
	return rq->magic == RELAY_MAGIC && rq->bytes <= RELAY_MAX_BYTES ? 0 : -EPROTO;
}

/* argv from the packed arguments, checked to hold exactly argc of them. */
static char **unpack_args(char *buf, __u32 bytes, __u32 argc)
{
	char **argv;
	__u32 i, at = 0;

	if (!argc || argc > bytes)
		return NULL;
	argv = calloc(argc + 1, sizeof(*argv));
	for (i = 0; argv && i < argc; i++) {
		char *end = memchr(buf + at, '\0', bytes - at);

		if (!end) {
			free(argv);
			return NULL;
		}
		argv[i] = buf + at;
		at = (__u32)(end - buf) + 1;
	}
	if (argv && at != bytes) {
		free(argv);
		return NULL;
	}
	return argv;
}

/* The client's directory and standard streams become ours. */
static int take_fds(const int *fds)
{
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		close(null);
	}
	if (fchdir(fds[0]) || dup2(fds[1], STDOUT_FILENO) < 0 || dup2(fds[2], STDERR_FILENO) < 0)
		return -errno;
	return 0;
}

/* A forked worker: one request, then _exit. It holds the daemon's map
 * descriptors (loader__serve_from) and CAP_DAC_READ_SEARCH permitted,
 * made effective here so that it learns files as `protect` would. */
static void __attribute__((noreturn)) worker(int conn)
{
	struct timeval tv = { .tv_sec = RELAY_TIMEOUT_S };
	struct relay_request rq;
	int fds[RELAY_FDS] = { -1, -1, -1 }, status = -EPROTO, i;
	char *buf = NULL, **argv = NULL;

	in_worker = true;
	setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(conn, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (recv_request(conn, &rq, fds))
		goto done;
	buf = malloc(rq.bytes ? rq.bytes : 1);
	if (!buf || read_all(conn, buf, rq.bytes))
		goto done;
	argv = unpack_args(buf, rq.bytes, rq.argc);
	if (!argv || take_fds(fds))
		goto done;
	if (privs__learning(true))
		p_debug("CAP_DAC_READ_SEARCH not available to the worker: it learns what uid 0 may read");
	status = cli__run(rq.json, (int)rq.verbose, (int)rq.argc, argv);
	fflush(stdout);
	fflush(stderr);
done:
	reply_status(conn, status);
	for (i = 0; i < RELAY_FDS; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	_exit(status < 0 ? IG_EXIT_FAIL : status);
}

void relay__accept(int listen_fd, unsigned int *workers)
{
	struct ucred cred;
	socklen_t clen;
	pid_t pid;
	int conn;

	for (;;) {
		conn = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (conn < 0)
			return; /* EAGAIN: nothing more waits */
		clen = sizeof(cred);
		/* The peer's uid as the daemon's user namespace sees it: root
		 * in another user namespace is not 0 here. */
		if (getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &cred, &clen) || cred.uid != 0) {
			reply_status(conn, -EPERM);
		} else if (*workers >= IG_RELAY_WORKERS) {
			reply_status(conn, -EBUSY);
		} else {
			/* The child must not print what our buffers hold. */
			fflush(NULL);
			pid = fork();
			if (pid == 0) {
				close(listen_fd);
				worker(conn);
			}
			if (pid > 0)
				(*workers)++;
			else
				reply_status(conn, -errno);
		}
		close(conn);
	}
}

void relay__reap(unsigned int *workers)
{
	while (*workers && waitpid(-1, NULL, WNOHANG) > 0)
		(*workers)--;
}
