// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The rule_kinds map, through its mmap: atomic counters that the BPF side
 * reads on every open, without a bpf() call on ours. */
#include <errno.h>
#include <unistd.h>
#include <sys/mman.h>
#include "inodeguard.h"
#include "kinds.h"

static volatile struct ig_rule_kinds *kinds_map(const struct ig_maps *m, size_t *len)
{
	void *p;

	*len = (size_t)sysconf(_SC_PAGESIZE);
	p = mmap(NULL, *len, PROT_READ | PROT_WRITE, MAP_SHARED, m->kinds_fd, 0);
	return p == MAP_FAILED ? NULL : p;
}

static int add_to(const struct ig_maps *m, size_t offset, __u32 n, __u32 *after)
{
	volatile struct ig_rule_kinds *k;
	size_t len;

	k = kinds_map(m, &len);
	if (!k)
		return -errno;
	*after = __atomic_add_fetch((volatile __u32 *)((volatile char *)k + offset), n,
				    __ATOMIC_RELEASE);
	munmap((void *)k, len);
	return 0;
}

int kinds__new_entry_ids(const struct ig_maps *m, __u32 n, __u32 *first)
{
	__u32 after;
	int err = add_to(m, offsetof(struct ig_rule_kinds, next_entry), n, &after);

	if (!err)
		*first = after - n + 1;
	return err;
}

int kinds__new_id(const struct ig_maps *m, __u32 *id)
{
	return add_to(m, offsetof(struct ig_rule_kinds, next_id), 1, id);
}

__u32 kinds__entries_issued(const struct ig_maps *m)
{
	__u32 n;

	return add_to(m, offsetof(struct ig_rule_kinds, next_entry), 0, &n) ? 0 : n;
}

int kinds__count(const struct ig_maps *m, enum ig_kind_counter which, int n)
{
	static const size_t offsets[] = {
		[KIND_TREES] = offsetof(struct ig_rule_kinds, trees),
		[KIND_NAMES] = offsetof(struct ig_rule_kinds, names),
		[KIND_EXE_NAMES] = offsetof(struct ig_rule_kinds, exe_names),
		[KIND_CGROUP_PATHS] = offsetof(struct ig_rule_kinds, cgroup_paths),
	};
	__u32 unused;

	return n ? add_to(m, offsets[which], (__u32)n, &unused) : 0;
}
