// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Notify stage: one datagram to the service manager, as sd_notify(3) sends
 * it. The protocol is a single sendto(), so the daemon does not link
 * libsystemd for it and runs the same where there is no systemd. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "notify.h"

int notify__send(const char *state)
{
	const char *sock = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	socklen_t len;
	ssize_t sent;
	int fd, err = 0;

	if (!sock)
		return 0;
	if ((sock[0] != '/' && sock[0] != '@') || strlen(sock) >= sizeof(sa.sun_path))
		return -EINVAL;
	memcpy(sa.sun_path, sock, strlen(sock));
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0'; /* abstract namespace */
	len = offsetof(struct sockaddr_un, sun_path) + strlen(sock);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	sent = sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&sa, len);
	if (sent < 0)
		err = -errno;
	close(fd);
	return err;
}
