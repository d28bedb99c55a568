// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* ig-bpfopen map|prog|link ID...: tries to open each BPF object by its id,
 * as bpftool's show, dump and detach do first, and prints one line per id:
 * "refused ID: errno text" or "opened ID". Exit 0 only if every id was
 * refused, else the number opened. One exec for many ids: under software
 * emulation every exec costs a large fraction of a second. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "helpers.h"

const char *helper_name = "ig-bpfopen";

int main(int argc, char **argv)
{
	int (*open_id)(__u32 id);
	int i, fd, opened = 0;

	if (argc < 2)
		goto usage;
	if (!strcmp(argv[1], "map"))
		open_id = bpf_map_get_fd_by_id;
	else if (!strcmp(argv[1], "prog"))
		open_id = bpf_prog_get_fd_by_id;
	else if (!strcmp(argv[1], "link"))
		open_id = bpf_link_get_fd_by_id;
	else
		goto usage;
	for (i = 2; i < argc; i++) {
		fd = open_id((__u32)strtoul(argv[i], NULL, 10));
		if (fd < 0) {
			printf("refused %s: %s\n", argv[i], strerror(errno));
			continue;
		}
		printf("opened %s\n", argv[i]);
		close(fd);
		opened++;
	}
	return opened;
usage:
	fprintf(stderr, "usage: ig-bpfopen map|prog|link ID...\n");
	return 2;
}
