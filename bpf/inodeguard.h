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
/* A directory entry's name, NAME_MAX and its NUL. */
#define IG_NAME_LEN 256
/*
 * How many ancestors an open looks at for a protected tree. Real trees are
 * a few dozen levels deep; an open deeper than this while any tree rule
 * exists is denied (killed on tracepoint), never allowed: a walk that runs
 * out must not fail open.
 */
#define IG_WALK_DEPTH 256

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
	IG_OP_CREATE,    /* create, mkdir, mknod or symlink at a protected name or in a tree */
	IG_OP_RMDIR,
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
 * and generation and the hash lookup. It holds the name bits too (below);
 * 2^24 bits (2 MiB) keep false positives near 6 % at a million inodes,
 * 11 to 16 % with a name part for each. Both sides use these hashes.
 */
#define IG_FILTER_BITS_LOG2 24
#define IG_FILTER_WORDS (1u << (IG_FILTER_BITS_LOG2 - 6))

/*
 * One word after the bits: nonzero once every name part in the names map
 * has its name bits, which user space says after a fresh start has stored
 * the policy. Until then the hooks hash every name in full. Maps carried
 * over from an instance that did not keep name bits copy the bits word by
 * word (same hash, same places) and leave this word 0.
 */
#define IG_FILTER_NAMES_WORD IG_FILTER_WORDS

static inline __u32 ig_filter_bit(__u64 ino)
{
	return (__u32)((ino * 0x9E3779B97F4A7C15ULL) >> (64 - IG_FILTER_BITS_LOG2));
}

/*
 * A name part's two bits: one from the directory's inode number and the
 * name's length, which the dentry holds, and one from those and the name's
 * first eight bytes (fewer, zero-padded, for a shorter name), read in the
 * CPU's order by both sides. Only user space sets them, when it adds a
 * name part, so a clear bit proves that no file entry has that name in
 * that directory: an open beside a protected file skips hashing its whole
 * name and the names lookup, and most skip reading the name at all.
 */
#define IG_NAME_HEAD 8

static inline __u32 ig_name_len_bit(__u64 dir_ino, __u32 len)
{
	__u64 h = (dir_ino * 0x9E3779B97F4A7C15ULL) ^ ((__u64)len << 32 | 0x5bd1e995);

	return (__u32)((h * 0xFF51AFD7ED558CCDULL) >> (64 - IG_FILTER_BITS_LOG2));
}

static inline __u32 ig_name_head_bit(__u64 dir_ino, __u32 len, __u64 head)
{
	__u64 h = (dir_ino * 0x9E3779B97F4A7C15ULL) ^ (head * 0xC2B2AE3D27D4EB4FULL) ^ len;

	return (__u32)((h * 0xFF51AFD7ED558CCDULL) >> (64 - IG_FILTER_BITS_LOG2));
}

#ifndef __VMLINUX_H__
/* User space's head of a name of len bytes, as the BPF side reads it from
 * the dentry: the first IG_NAME_HEAD bytes, zero-padded. */
static inline __u64 ig_name_head_of(const char *name, __u32 len)
{
	__u64 head = 0;

	__builtin_memcpy(&head, name, len < IG_NAME_HEAD ? len : IG_NAME_HEAD);
	return head;
}
#endif

enum ig_rule_flags {
	/* A directory: every non-directory below it at any depth, and the
	 * tree's shape (create, unlink, rename, link, rmdir in it). */
	IG_RULE_TREE = 1 << 0,
	/* Added by the BPF side when a name or tree rule reached an inode
	 * (a replacement, a move, a first open); reclaimed when it dies. */
	IG_RULE_LEARNED = 1 << 1,
};

/* What made a rule apply to an inode; events carry it. */
enum ig_match {
	IG_MATCH_INODE = 0, /* the inode itself is keyed */
	IG_MATCH_NAME,      /* it sits at a protected file's name */
	IG_MATCH_TREE,      /* it sits below a protected directory */
	IG_MATCH_DEPTH,     /* deeper than IG_WALK_DEPTH while trees exist */
};

struct ig_rule {
	__u32 level; /* enum ig_level */
	__u32 flags; /* enum ig_rule_flags */
	__u32 entry; /* the registered entry it came from (paths index id) */
	__u32 origin; /* a learned key: the enum ig_match that brought it */
	__u32 grants; /* the allow set that may pass it; 0: none */
};

/*
 * Who may pass a rule: an allow set is a list of grants, and a subject
 * that any one of them names passes. Sets are shared by content, so two
 * entries with the same allow lines share one set; user space computes
 * the intersection where entries meet on one inode.
 */
enum ig_allow_kind {
	IG_ALLOW_UID = 1,    /* value: global euid */
	IG_ALLOW_GID = 2,    /* value: global egid or a supplementary group */
	IG_ALLOW_EXE = 3,    /* value: the id of an allowed executable (exes map) */
	IG_ALLOW_CGROUP = 4, /* value: the id of an allowed cgroup path (cgroups map) */
};

struct ig_grant_key {
	__u32 set;
	__u32 kind; /* enum ig_allow_kind */
	__u64 value;
};

/* What an executable's inode or name, or a cgroup, stands for in grants. */
struct ig_subject {
	__u32 id;
	__u32 flags; /* IG_RULE_LEARNED: keyed by the kernel, reclaimed with the inode */
};

/* How many cgroup levels, and supplementary groups, a grant check looks
 * at; beyond them it does not grant (fails closed). */
#define IG_CGROUP_DEPTH 32
#define IG_GROUPS_MAX 64

/*
 * A process whose code may not be its executable's: a grant means "this
 * program", so such a process passes no grant for the rest of its life.
 */
enum ig_mark {
	IG_MARK_NONE = 0,
	IG_MARK_ENV = 1,    /* started with LD_PRELOAD, LD_AUDIT or LD_LIBRARY_PATH */
	IG_MARK_TRACED = 2, /* traced, or its memory opened for writing, now or once */
	IG_MARK_UNSEEN = 3, /* started, or forked from an image started, before the watch */
	IG_MARK_CLEAN = 4,  /* started before the watch, but has run execve since */
};

/* marks map value, keyed by tgid. since_ns (CLOCK_BOOTTIME) is when the
 * mark was made: a process started after it merely reuses the pid. */
struct ig_mark_val {
	__u64 since_ns;
	__u32 mark; /* enum ig_mark */
	__u32 reserved;
};

/*
 * The name part of a file entry: the key of the directory that holds it
 * and a 64-bit FNV-1a hash of its name there. Whatever inode appears at
 * that name is covered from its first open. A hash rather than the name
 * keeps a million entries near 100 MB of kernel memory instead of 350;
 * two names colliding in one directory would protect both, never neither.
 */
struct ig_name_key {
	struct ig_key dir;
	__u64 hash;
};

#define IG_NAME_HASH_SEED 0xcbf29ce484222325ULL
#define IG_NAME_HASH_PRIME 0x100000001b3ULL

static inline __u64 ig_name_hash_step(__u64 h, unsigned char c)
{
	return (h ^ c) * IG_NAME_HASH_PRIME;
}

/* Counts of rule kinds, so an open pays for the name and tree checks only
 * while such rules exist, and the next entry id. Written by user space
 * through the mmap; it lives as long as the maps do. */
struct ig_rule_kinds {
	__u32 trees;
	__u32 names;
	__u32 next_entry; /* entry ids start at 1; 0 names no entry */
	__u32 next_id;    /* allow sets, executables and cgroup paths; from 1 */
	__u32 exe_names;  /* executables allowed by name, not only by inode */
	__u32 cgroup_paths;
};

/*
 * Key learning: user space writes its tgid here, opens the file, and reads
 * the key(s) the hooks computed for that open from the ring: the entries
 * between the count before and after the open. The one-entry array map is
 * mmapped, so learning costs no bpf() syscall per file.
 *
 * The slot is pinned and outlives a learner that crashes, so the tgid alone
 * would exempt whatever process reuses that pid. The learner also writes its
 * start time in clock ticks since boot (/proc/PID/stat field 22) and the
 * tick's length; the hooks compare them with the thread group leader's
 * start_boottime. A process that reuses the pid starts after the learner
 * died, and the learner writes the slot only once a tick has passed since
 * its own start, so the reuser's tick is always a later one.
 *
 * The tgid is the one the learner's own pid namespace gives it (getpid()),
 * which (pidns_dev, pidns_ino) name: a learner in a container, or under a
 * service manager in its own pid namespace, is found as well.
 */
struct ig_learn {
	__u32 tgid;
	__u32 count;
	__u64 start_ticks;
	__u64 tick_ns;
	__u64 pidns_dev;  /* st_dev and st_ino of /proc/self/ns/pid */
	__u64 pidns_ino;
	struct ig_key keys[IG_LEARN_SLOTS];
};

enum ig_event_flags {
	/* Killed at the syscall's exit for what a check the kernel skipped
	 * let through (bpf/backstop.bpf.h). */
	IG_EVENT_CAUGHT_AT_EXIT = 1 << 0,
	/* A rename or link refused (EXDEV: mv copies instead) because it
	 * would have keyed an inode that some process maps, or a directory
	 * whose files below no rule covered; or refused (ENOSPC) because the
	 * map had no room for the key. */
	IG_EVENT_REFUSED_MAPPED = 1 << 1,
	IG_EVENT_REFUSED_FULL = 1 << 2,
	IG_EVENT_REFUSED_DIRECTORY = 1 << 3,
};

struct ig_event {
	__u64 ts_ns;      /* CLOCK_BOOTTIME, bpf_ktime_get_boot_ns() */
	__u32 pid;        /* thread group id */
	__u32 tid;
	__u32 uid;        /* global (init_user_ns) euid */
	__u32 action;     /* enum ig_action */
	__u32 op;         /* enum ig_op */
	__u32 match;      /* enum ig_match */
	__u32 entry;      /* the rule's registered entry */
	__u32 grants;     /* the rule's allow set, none of which matched */
	__u32 mark;       /* enum ig_mark: why the subject passed no grant */
	__u32 flags;      /* enum ig_event_flags */
	struct ig_key key;
	struct ig_key exe; /* the subject's executable; zero for kernel threads */
	char comm[IG_COMM_LEN];
	char path[IG_PATH_LEN]; /* kernel-side path, "" where it cannot be had */
};

/*
 * The seal (run --seal, bpf/seal.bpf.h): until reboot, only the daemon
 * that armed it, and the request workers it forks, may reach
 * inodeguard's own maps, programs, links and pins, signal or trace the
 * daemon, or change the executables the allow rules name. One slot,
 * written by the daemon while it arms the seal and never again.
 */
struct ig_seal {
	__u32 armed;       /* 1 once everything below is in place */
	__u32 tgid;        /* the daemon, in the initial pid namespace */
	__u64 start_ns;    /* its start (start_boottime), recorded by the hooks */
	__u64 pin_dir_ino; /* IG_PIN_DIR on the bpffs whose s_dev is pin_dev */
	__u32 pin_dev;     /* kernel encoding, major << 20 | minor */
	__u32 reserved;
	__u64 sysrq_ino;   /* /proc/sysrq-trigger: one inode number on every procfs */
	/* The cgroup v2 the daemon is in and its ancestors, by id (the
	 * directory's inode number), nearest first; 0 past the root. */
	__u64 cgroups[IG_CGROUP_DEPTH];
};

/* What an id in the sealed_ids map names: ids are per kind. */
enum ig_seal_kind {
	IG_SEAL_MAP = 1,
	IG_SEAL_PROG = 2,
	IG_SEAL_LINK = 3,
};

struct ig_seal_id {
	__u32 kind; /* enum ig_seal_kind */
	__u32 id;
};

/* Counters in the object's .bss, read by user space through the mmap. */
struct ig_counters {
	__u64 events_lost;
	__u64 keys_added;     /* keys the BPF side added (replacements, moves) */
	__u64 keys_reclaimed; /* of those, removed when their inode died */
	__u64 keys_full;      /* operations denied because the map was full */
	__u64 marks_full;     /* processes that could not be marked: grants then fail */
	/* Every verdict that was not "allow", by enum ig_action and enum
	 * ig_op, counted before its event is reserved: the sum is the events
	 * delivered plus events_lost. */
	__u64 verdicts[IG_ACTION_KILL + 1][IG_OP_MAX];
	/* Of the kills, those made at a syscall's exit because the kernel
	 * had skipped the check that should have refused the operation. */
	__u64 caught_at_exit;
};

#endif /* INODEGUARD_H */
