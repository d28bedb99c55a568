/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Types shared by the BPF programs and user space: keys, rules, events. */
#ifndef INODEGUARD_H
#define INODEGUARD_H

/*
 * Fixed-size types only: this header is compiled both against vmlinux.h
 * (BPF side) and against <linux/types.h> (user side).
 */
#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define IG_COMM_LEN 16
#define IG_PATH_LEN 256
/* A ring of recently learned keys; a power of two so the BPF side can mask. */
#define IG_LEARN_SLOTS 16
/* An overlay open reaches the hooks twice: the overlay inode and its backing file. */
#define IG_TARGET_KEYS 4

enum ig_level {
	IG_LEVEL_AUDIT = 0,
	IG_LEVEL_DENY = 1,
	IG_LEVEL_KILL = 2,
};

enum ig_action {
	IG_ACTION_AUDIT = 0,
	IG_ACTION_DENY = 1,
	IG_ACTION_KILL = 2,
};

/* What the subject tried to do; every hook maps to one of these. */
enum ig_op {
	IG_OP_OPEN = 0,
	IG_OP_READ,      /* file_permission on an fd opened earlier */
	IG_OP_WRITE,
	IG_OP_MMAP,
	IG_OP_RECEIVE,   /* fd passed over a unix socket */
	IG_OP_UNLINK,
	IG_OP_RENAME,
	IG_OP_LINK,
	IG_OP_SETATTR,   /* chmod, chown, utimes, truncate */
	IG_OP_TRUNCATE,
	IG_OP_SETXATTR,
	IG_OP_REMOVEXATTR,
	IG_OP_EXEC,      /* tracepoint backend: an execve that succeeded */
	IG_OP_MAX,
};

/*
 * The identity of a file as the kernel sees it: inode->i_sb->s_dev (kernel
 * MKDEV encoding, major << 20 | minor), inode->i_ino and inode->i_generation.
 * The generation keeps a recycled inode number from inheriting protection.
 * User space never computes this from stat(); it asks the kernel (learn map).
 */
struct ig_key {
	__u32 dev;
	__u32 gen;
	__u64 ino;
};

/*
 * A one-sided filter in front of the protected map: one bit per hash of
 * i_ino, set for every protected key and never cleared. A clear bit proves
 * the inode is unprotected, so almost every open skips reading the device
 * and generation and the hash lookup. 2^24 bits (2 MiB) keep false
 * positives near 6 % at a million entries. Both sides use this one hash.
 */
#define IG_FILTER_BITS_LOG2 24
#define IG_FILTER_WORDS (1u << (IG_FILTER_BITS_LOG2 - 6))

static inline __u32 ig_filter_bit(__u64 ino)
{
	return (__u32)((ino * 0x9E3779B97F4A7C15ULL) >> (64 - IG_FILTER_BITS_LOG2));
}

struct ig_rule {
	__u32 level; /* enum ig_level */
	__u32 flags; /* reserved, 0 */
};

/*
 * Key learning: user space writes its tgid here, opens the file, and reads
 * the key(s) the hooks computed for that open from the ring: the entries
 * between the count before and after the open. The one-entry array map is
 * mmapped, so learning costs no bpf() syscall per file.
 */
struct ig_learn {
	__u32 tgid;
	__u32 count;
	struct ig_key keys[IG_LEARN_SLOTS];
};

struct ig_event {
	__u64 ts_ns;      /* CLOCK_BOOTTIME, bpf_ktime_get_boot_ns() */
	__u32 pid;        /* thread group id */
	__u32 tid;
	__u32 uid;        /* global (init_user_ns) euid */
	__u32 action;     /* enum ig_action */
	__u32 op;         /* enum ig_op */
	struct ig_key key;
	char comm[IG_COMM_LEN];
	char path[IG_PATH_LEN]; /* kernel-side path, "" where it cannot be had */
};

/* Counters in the object's .bss, read by user space through the mmap. */
struct ig_counters {
	__u64 events_lost;
};

#endif /* INODEGUARD_H */
