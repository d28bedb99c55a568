// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* ig-otherbpf: another BPF user, as systemd or a networking agent would
 * be: it makes a map (updates, looks up, deletes, pins it under DIR and
 * opens the pin and the id again), loads a socket filter and attaches it,
 * and, given a cgroup v2 directory, links a program there, opens the link
 * by its id and detaches it. One line per step; exit 0 only if every step
 * worked, else the errno of the first that failed. The seal suite runs it
 * beside a sealed instance, whose objects must be the only ones refused.
 * Usage: ig-otherbpf PIN_DIR [CGROUP_DIR] */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include "helpers.h"

const char *helper_name = "ig-otherbpf";

static int step(const char *what, int ok)
{
	if (!ok)
		return fail(what);
	printf("ok %s\n", what);
	return 0;
}

/* r0 = 1 (socket filter: keep the packet; cgroup skb: allow); exit. */
static int load_prog(enum bpf_prog_type type, enum bpf_attach_type expected)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 1 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = expected);

	return bpf_prog_load(type, "ig_other", "GPL", insns, 2, &opts);
}

static int maps(const char *dir)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info), key = 7, value = 42, got = 0;
	char pin[512];
	int fd, again, err;

	fd = bpf_map_create(BPF_MAP_TYPE_HASH, "ig_other", sizeof(key), sizeof(value), 8, NULL);
	if ((err = step("map create", fd >= 0)))
		return err;
	if ((err = step("map update", !bpf_map_update_elem(fd, &key, &value, BPF_ANY))) ||
	    (err = step("map lookup", !bpf_map_lookup_elem(fd, &key, &got) && got == value)) ||
	    (err = step("map delete", !bpf_map_delete_elem(fd, &key))))
		return err;
	snprintf(pin, sizeof(pin), "%s/ig-other-%d", dir, (int)getpid());
	if ((err = step("map pin", !bpf_obj_pin(fd, pin))))
		return err;
	again = bpf_obj_get(pin);
	err = step("map open by pin", again >= 0);
	if (again >= 0)
		close(again);
	if (!err)
		err = step("map unpin", !unlink(pin));
	if (!err)
		err = step("map info", !bpf_obj_get_info_by_fd(fd, &info, &len));
	if (!err) {
		again = bpf_map_get_fd_by_id(info.id);
		err = step("map open by id", again >= 0);
		if (again >= 0)
			close(again);
	}
	close(fd);
	return err;
}

static int socket_filter(void)
{
	int prog = load_prog(BPF_PROG_TYPE_SOCKET_FILTER, 0), sock, err;

	if ((err = step("socket filter load", prog >= 0)))
		return err;
	sock = socket(AF_UNIX, SOCK_DGRAM, 0);
	err = step("socket filter attach",
		   sock >= 0 && !setsockopt(sock, SOL_SOCKET, SO_ATTACH_BPF, &prog, sizeof(prog)));
	if (sock >= 0)
		close(sock);
	close(prog);
	return err;
}

static int cgroup_link(const char *cgroup)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);
	int prog, cg, link = -1, again, err;

	prog = load_prog(BPF_PROG_TYPE_CGROUP_SKB, BPF_CGROUP_INET_EGRESS);
	if ((err = step("cgroup program load", prog >= 0)))
		return err;
	cg = open(cgroup, O_RDONLY | O_DIRECTORY);
	err = step("cgroup open", cg >= 0);
	if (!err) {
		link = bpf_link_create(prog, cg, BPF_CGROUP_INET_EGRESS, NULL);
		err = step("link create", link >= 0);
	}
	if (!err)
		err = step("link info", !bpf_obj_get_info_by_fd(link, &info, &len));
	if (!err) {
		again = bpf_link_get_fd_by_id(info.id);
		err = step("link open by id", again >= 0);
		if (!err)
			err = step("link detach", !bpf_link_detach(again));
		if (again >= 0)
			close(again);
	}
	if (link >= 0)
		close(link);
	if (cg >= 0)
		close(cg);
	close(prog);
	return err;
}

int main(int argc, char **argv)
{
	int err;

	if (argc < 2) {
		fprintf(stderr, "usage: %s PIN_DIR [CGROUP_DIR]\n", argv[0]);
		return 2;
	}
	err = maps(argv[1]);
	if (!err)
		err = socket_filter();
	if (!err && argc > 2)
		err = cgroup_link(argv[2]);
	return err;
}
