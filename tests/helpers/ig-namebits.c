// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* ig-namebits: changes the running instance's filter as an instance of an
 * older release would have left it, to prove the hooks' fallback.
 *   ig-namebits clear DIR NAME   clears NAME's two name bits in DIR
 *   ig-namebits complete 0|1     says the name bits are (not) complete
 * Before the name bits, releases added name parts without them and never
 * set the word that says they are complete; maps adopted from such a
 * release keep it clear, and the hooks must then hash every name. Exit 0,
 * or the errno of the step that failed. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <linux/types.h>
#include <bpf/bpf.h>
#include "helpers.h"
#include "inodeguard.h"

const char *helper_name = "ig-namebits";

#define FILTER_PIN "/sys/fs/bpf/inodeguard/filter"

static int word_update(int fd, __u32 word, __u64 clear, __u64 set)
{
	__u64 v;

	if (bpf_map_lookup_elem(fd, &word, &v))
		return fail("look up a filter word");
	v = (v & ~clear) | set;
	if (bpf_map_update_elem(fd, &word, &v, BPF_ANY))
		return fail("update a filter word");
	return 0;
}

static int clear_bit(int fd, __u32 bit)
{
	return word_update(fd, bit >> 6, 1ULL << (bit & 63), 0);
}

/* The bits filter_mark_name() (src/state.c) sets for NAME in DIR. */
static int clear_name(int fd, const char *dir, const char *name)
{
	__u32 len = (__u32)strlen(name);
	struct stat st;

	if (stat(dir, &st))
		return fail(dir);
	return clear_bit(fd, ig_name_len_bit(st.st_ino, len)) ?:
	       clear_bit(fd, ig_name_head_bit(st.st_ino, len, ig_name_head_of(name, len)));
}

int main(int argc, char **argv)
{
	int fd, err;

	if (!(argc == 4 && !strcmp(argv[1], "clear")) &&
	    !(argc == 3 && !strcmp(argv[1], "complete") && strchr("01", argv[2][0]) && !argv[2][1])) {
		fprintf(stderr, "usage: ig-namebits clear DIR NAME | complete 0|1\n");
		return 2;
	}
	fd = bpf_obj_get(FILTER_PIN);
	if (fd < 0)
		return fail(FILTER_PIN);
	if (argc == 4)
		err = clear_name(fd, argv[2], argv[3]);
	else
		err = word_update(fd, IG_FILTER_NAMES_WORD, ~0ULL, argv[2][0] == '1');
	close(fd);
	return err;
}
