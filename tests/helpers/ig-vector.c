// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* ig-vector: the bypass catalogue's attack routes that need more than one
 * open: io_uring, descriptors obtained before or around protection, chroot,
 * and the tampering calls. Content it reaches goes to stdout; the suite
 * fails the vector if the secret's marker shows up or the file changed.
 * Exit status: 0 the route worked, else the errno of the call that failed
 * (13 is EACCES, 1 EPERM); a killed process shows as 128+9. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <liburing.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include "helpers.h"

const char *helper_name = "ig-vector";

#define NOBODY 65534

static int become_nobody(void)
{
	if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
	    setresuid(NOBODY, NOBODY, NOBODY))
		return fail("drop to nobody");
	return 0;
}

/* Waits for the suite to protect the file: it creates PATH.go. */
static void wait_for_go(const char *sync)
{
	char ready[4096], go[4096];
	int i;

	snprintf(ready, sizeof(ready), "%s.ready", sync);
	snprintf(go, sizeof(go), "%s.go", sync);
	close(open(ready, O_CREAT | O_WRONLY, 0666));
	for (i = 0; i < 6000 && access(go, F_OK); i++)
		usleep(10000);
}

static int uring_read(const char *path)
{
	struct io_uring ring;
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	int fd, err;

	err = io_uring_queue_init(4, &ring, 0);
	if (err)
		return errno = -err, fail("io_uring_queue_init");
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_openat(sqe, AT_FDCWD, path, O_RDONLY, 0);
	io_uring_submit(&ring);
	err = io_uring_wait_cqe(&ring, &cqe);
	if (err)
		return errno = -err, fail("io_uring_wait_cqe");
	fd = cqe->res;
	io_uring_cqe_seen(&ring, cqe);
	if (fd < 0)
		return errno = -fd, fail("IORING_OP_OPENAT");
	return dump_fd(fd);
}

/* Reads an already-open fd by one of the kernel's copy paths. */
static int read_by(const char *how, int fd)
{
	int p[2];
	ssize_t n;
	struct stat st;
	void *m;

	if (!strcmp(how, "read"))
		return dump_fd(fd);
	if (!strcmp(how, "mmap")) {
		if (fstat(fd, &st))
			return fail("fstat");
		m = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (m == MAP_FAILED)
			return fail("mmap");
		return write(1, m, st.st_size) == st.st_size ? 0 : fail("write");
	}
	if (!strcmp(how, "sendfile")) {
		n = sendfile(STDOUT_FILENO, fd, NULL, 4096);
		return n < 0 ? fail("sendfile") : 0;
	}
	if (!strcmp(how, "splice")) {
		if (pipe(p))
			return fail("pipe");
		n = splice(fd, NULL, p[1], NULL, 4096, 0);
		if (n < 0)
			return fail("splice");
		close(p[1]);
		return dump_fd(p[0]);
	}
	if (!strcmp(how, "copy_file_range")) {
		/* The destination sits beside the source: copy_file_range
		 * between different filesystems may refuse for that alone. */
		char tmp[] = "cfr.XXXXXX";
		int out = mkstemp(tmp);

		if (out < 0)
			return fail("mkstemp");
		unlink(tmp);
		n = copy_file_range(fd, NULL, out, NULL, 4096, 0);
		if (n < 0)
			return fail("copy_file_range");
		lseek(out, 0, SEEK_SET);
		return dump_fd(out);
	}
	if (!strcmp(how, "fork")) {
		pid_t pid = fork();
		int status;

		if (pid == 0)
			_exit(dump_fd(fd));
		waitpid(pid, &status, 0);
		if (WIFSIGNALED(status))
			return 128 + WTERMSIG(status);
		return WEXITSTATUS(status);
	}
	fprintf(stderr, "ig-vector: unknown read method %s\n", how);
	return 2;
}

/* Maps the file and closes it before protection starts: only the mapping
 * holds it then. Once the suite says go, writes the mapped bytes. */
static int premapped(int fd, const char *sync)
{
	struct stat st;
	void *m;

	if (fstat(fd, &st))
		return fail("fstat");
	m = mmap(NULL, st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		return fail("mmap");
	close(fd);
	wait_for_go(sync);
	return write(1, m, st.st_size) == st.st_size ? 0 : fail("write");
}

/* Open before protection starts, then read once the suite says go.
 * HOW "mapped": map it and hold only the mapping. */
static int preopened(const char *how, const char *path, const char *sync)
{
	char dir[4096], *slash;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return fail("open");
	if (!strcmp(how, "mapped"))
		return premapped(fd, sync);
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (chdir(dir))
			return fail("chdir");
	}
	wait_for_go(sync);
	return read_by(how, fd);
}

static int send_fd(int sock, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = {}, byte = 'x';
	struct iovec iov = { &byte, 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) < 0 ? -errno : 0;
}

static int recv_fd(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = {}, byte;
	struct iovec iov = { &byte, 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c;
	int fd;

	if (recvmsg(sock, &msg, 0) < 0)
		return -errno;
	c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		return -EACCES; /* the kernel dropped the descriptor */
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

/* An exempt holder (root) passes the fd to nobody over a unix socket. */
static int scm_rights(const char *path)
{
	int sv[2], fd, status;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv))
		return fail("socketpair");
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		if (become_nobody())
			_exit(1);
		fd = recv_fd(sv[1]);
		if (fd < 0) {
			errno = -fd;
			_exit(fail("recvmsg SCM_RIGHTS"));
		}
		_exit(dump_fd(fd));
	}
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return fail("open as root");
	send_fd(sv[0], fd);
	waitpid(pid, &status, 0);
	return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

/* nobody takes a descriptor from its own process that opened the file
 * before protection started. */
static int pidfd_getfd_route(const char *path, const char *sync)
{
	int p[2], pidfd, fd, status;
	char c;
	pid_t pid;

	if (pipe(p))
		return fail("pipe");
	pid = fork();
	if (pid == 0) {
		fd = open(path, O_RDONLY);
		if (write(p[1], &fd, sizeof(fd)) != sizeof(fd))
			_exit(1);
		pause();
		_exit(0);
	}
	if (read(p[0], &fd, sizeof(fd)) != sizeof(fd) || fd < 0)
		return fail("holder open");
	wait_for_go(sync);
	pidfd = syscall(SYS_pidfd_open, pid, 0);
	fd = pidfd < 0 ? -1 : syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	status = fd < 0 ? fail("pidfd_getfd") : (lseek(fd, 0, SEEK_SET), dump_fd(fd));
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	(void)c;
	return status;
}

/* A child runs CMD, which opens a file as descriptor fd, writes a line to
 * descriptor 9 and waits on its standard input; this process, its parent
 * (which Yama's default scope lets take it), takes the descriptor with
 * pidfd_getfd and reads it. CMD may be an executable that an allow rule
 * grants: its descriptor must not serve another one. */
static int pidfd_take(int fd, char **cmd)
{
	int ready[2], hold[2], pidfd, taken, status;
	char c;
	pid_t pid;

	if (pipe(ready) || pipe(hold))
		return fail("pipe");
	pid = fork();
	if (pid < 0)
		return fail("fork");
	if (pid == 0) {
		if (dup2(ready[1], 9) < 0 || dup2(hold[0], 0) < 0)
			_exit(127);
		close(ready[0]);
		close(ready[1]);
		close(hold[1]);
		execv(cmd[0], cmd);
		_exit(127);
	}
	close(ready[1]);
	close(hold[0]);
	if (read(ready[0], &c, 1) != 1) {
		errno = ECHILD;
		status = fail("the holder's open");
		goto out;
	}
	pidfd = syscall(SYS_pidfd_open, pid, 0);
	taken = pidfd < 0 ? -1 : syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	status = taken < 0 ? fail("pidfd_getfd") : (lseek(taken, 0, SEEK_SET), dump_fd(taken));
out:
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return status;
}

static int clone_child_open(void *arg)
{
	/* If the open is allowed but the opener is killed afterwards, the fd
	 * is still in the table the parent shares. */
	return open(arg, O_RDONLY) < 0 ? errno : 0;
}

static int clone_files(const char *path)
{
	static char stack[64 * 1024];
	bool was_open[64];
	int status, fd;
	pid_t pid;

	/* Only a descriptor the child installs counts, not inherited ones. */
	for (fd = 0; fd < 64; fd++)
		was_open[fd] = fcntl(fd, F_GETFD) >= 0;
	pid = clone(clone_child_open, stack + sizeof(stack), CLONE_FILES | SIGCHLD, (void *)path);
	if (pid < 0)
		return fail("clone");
	waitpid(pid, &status, 0);
	for (fd = 3; fd < 64; fd++) {
		if (!was_open[fd] && fcntl(fd, F_GETFD) >= 0) {
			lseek(fd, 0, SEEK_SET);
			return dump_fd(fd);
		}
	}
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	errno = WEXITSTATUS(status);
	return errno ? fail("open in CLONE_FILES child") : EIO;
}

static int chroot_read(const char *dir, const char *name)
{
	int fd;

	if (chroot(dir) || chdir("/"))
		return fail("chroot");
	if (become_nobody())
		return 1;
	fd = open(name, O_RDONLY);
	return fd < 0 ? fail("open in chroot") : dump_fd(fd);
}

static int tamper(const char *op, const char *path, const char *arg)
{
	int fd, r = 0;

	if (!strcmp(op, "unlink"))
		r = unlink(path);
	else if (!strcmp(op, "rename"))
		r = rename(path, arg);
	else if (!strcmp(op, "rename-over"))
		r = rename(arg, path);
	else if (!strcmp(op, "exchange"))
		r = renameat2(AT_FDCWD, arg, AT_FDCWD, path, RENAME_EXCHANGE);
	else if (!strcmp(op, "link"))
		r = link(path, arg);
	else if (!strcmp(op, "truncate"))
		r = truncate(path, 0);
	else if (!strcmp(op, "o_trunc"))
		r = open(path, O_WRONLY | O_TRUNC) < 0 ? -1 : 0;
	else if (!strcmp(op, "creat"))
		r = creat(path, 0666) < 0 ? -1 : 0;
	else if (!strcmp(op, "write")) {
		fd = open(path, O_WRONLY | O_APPEND);
		r = fd < 0 || write(fd, "X", 1) != 1 ? -1 : 0;
	} else if (!strcmp(op, "chmod"))
		r = chmod(path, 0600);
	else if (!strcmp(op, "chown"))
		r = chown(path, NOBODY, NOBODY);
	else if (!strcmp(op, "mkdir"))
		r = mkdir(path, 0777);
	else if (!strcmp(op, "rmdir"))
		r = rmdir(path);
	else if (!strcmp(op, "symlink"))
		r = symlink("/etc/hostname", path);
	else if (!strcmp(op, "mknod"))
		r = mknod(path, S_IFREG | 0666, 0);
	else if (!strcmp(op, "setxattr"))
		r = setxattr(path, "user.ig", "x", 1, 0);
	else if (!strcmp(op, "removexattr"))
		r = removexattr(path, "user.keep");
	else {
		fprintf(stderr, "ig-vector: unknown tamper op %s\n", op);
		return 2;
	}
	return r ? fail(op) : 0;
}

static int usage(void)
{
	fprintf(stderr,
		"usage: ig-vector uring PATH | preopened HOW PATH SYNC | scm PATH |\n"
		"       pidfd-getfd PATH SYNC | pidfd-take FD CMD [ARG...] |\n"
		"       clone-files PATH | chroot DIR NAME |\n"
		"       exec PATH [ARG...] | tamper OP PATH [ARG]\n");
	return 2;
}

int main(int argc, char **argv)
{
	int used = drop_to_uid_arg(argc, argv);
	const char *mode;

	argc -= used;
	argv += used;
	mode = argc > 1 ? argv[1] : "";

	errno = 0;
	if (!strcmp(mode, "uring") && argc == 3)
		return uring_read(argv[2]);
	if (!strcmp(mode, "preopened") && argc == 5)
		return preopened(argv[2], argv[3], argv[4]);
	if (!strcmp(mode, "scm") && argc == 3)
		return scm_rights(argv[2]);
	if (!strcmp(mode, "pidfd-getfd") && argc == 4)
		return pidfd_getfd_route(argv[2], argv[3]);
	if (!strcmp(mode, "pidfd-take") && argc >= 4)
		return pidfd_take(atoi(argv[2]), argv + 3);
	if (!strcmp(mode, "clone-files") && argc == 3)
		return clone_files(argv[2]);
	if (!strcmp(mode, "chroot") && argc == 4)
		return chroot_read(argv[2], argv[3]);
	if (!strcmp(mode, "exec") && argc >= 3) {
		execv(argv[2], argv + 2);
		return fail("execve");
	}
	if (!strcmp(mode, "tamper") && argc >= 4)
		return tamper(argv[2], argv[3], argc > 4 ? argv[4] : "");
	return usage();
}
