/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* File handles: the inode number and generation that name_to_handle_at()
 * encodes, read without opening the file, for the filesystems whose
 * handle layout is known. A key made from one is only a candidate until
 * the kernel has shown, on that very superblock and layout, that it
 * computes the same key (store.c verifies one file per group). */
#ifndef IG_FHANDLE_H
#define IG_FHANDLE_H

#include <stdbool.h>
#include <sys/types.h>
#include "inodeguard.h"

/* What one handle said: its layout (type and length, which with the
 * filesystem fix where ino and generation sit) and the key it decodes to. */
struct fhandle_key {
	int type;
	unsigned int bytes;
	int mount_id;
	struct ig_key key;
};

/* Keys computed from handles of one layout on one superblock: the kernel
 * confirms one of them, and that stands for all (store.c). */
struct fhandle_group {
	dev_t st_dev;
	int type;
	unsigned int bytes;
};

/* Whether handles of the filesystem with this statfs magic are decoded. */
bool fhandle__known_fs(unsigned long fs_magic);
/*
 * The inode number and generation in a handle of type and length bytes,
 * as the filesystem whose magic is fs_magic encodes it; -EOPNOTSUPP for a
 * layout not known here (that file is then learned by opening it).
 */
int fhandle__decode(unsigned long fs_magic, int type, const void *raw, unsigned int bytes,
		    __u64 *ino, __u32 *gen);
/*
 * The handle of name in the directory dirfd (a final symlink is not
 * followed; "" with AT_EMPTY_PATH semantics names dirfd itself), decoded
 * into out with the kernel's dev of st_dev. -errno from the call, or
 * -EOPNOTSUPP for an unknown layout.
 */
int fhandle__of(int dirfd, const char *name, unsigned long fs_magic, dev_t st_dev,
		struct fhandle_key *out);
/* The kernel's MKDEV encoding (major << 20 | minor) of a stat() dev. */
__u32 fhandle__kernel_dev(dev_t st_dev);

#endif
