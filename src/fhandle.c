// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Handle stage: a file's inode number and generation from its handle. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <linux/magic.h>
#include "fhandle.h"

#ifndef XFS_SUPER_MAGIC
#define XFS_SUPER_MAGIC 0x58465342
#endif

/* include/linux/exportfs.h: (u32 ino, u32 gen), and xfs's flag for its
 * 64-bit form (fs/xfs/xfs_export.h). */
#define FILEID_INO32_GEN 1
#define XFS_FILEID_TYPE_64FLAG 0x80

enum ino_form {
	INO_U32,      /* one 32-bit word */
	INO_U32_PAIR, /* low word, then high word */
	INO_U64,      /* one 64-bit value in the CPU's order */
};

/*
 * Every layout known, as the kernel writes it (in the CPU's byte order).
 * The type alone does not say it: tmpfs returns type 1, as ext4 does, for
 * another layout, so a layout is the filesystem, the type and the length
 * together, and anything else is learned by opening the file.
 */
static const struct layout {
	unsigned long magic;
	int type;
	unsigned int bytes;
	enum ino_form form;
	unsigned int ino_off, ino_hi_off, gen_off;
} layouts[] = {
	/* ext2/3/4: generic_encode_ino32_fh(), struct fid's i32 { ino, gen }. */
	{ EXT4_SUPER_MAGIC, FILEID_INO32_GEN, 8, INO_U32, 0, 0, 4 },
	/* xfs with 32-bit inode numbers: the same i32 layout. */
	{ XFS_SUPER_MAGIC, FILEID_INO32_GEN, 8, INO_U32, 0, 0, 4 },
	/* xfs where inode numbers may need 64 bits: the packed struct
	 * xfs_fid64 { u64 ino; u32 gen; } (xfs_fs_encode_fh()). */
	{ XFS_SUPER_MAGIC, FILEID_INO32_GEN | XFS_FILEID_TYPE_64FLAG, 12, INO_U64, 0, 0, 8 },
	/* tmpfs: shmem_encode_fh() writes { gen, ino low 32, ino high 32 }. */
	{ TMPFS_MAGIC, FILEID_INO32_GEN, 12, INO_U32_PAIR, 4, 8, 0 },
};

#define NLAYOUTS (sizeof(layouts) / sizeof(layouts[0]))

bool fhandle__known_fs(unsigned long fs_magic)
{
	size_t i;

	for (i = 0; i < NLAYOUTS; i++)
		if (layouts[i].magic == fs_magic)
			return true;
	return false;
}

static __u32 word_at(const unsigned char *raw, unsigned int off)
{
	__u32 w;

	memcpy(&w, raw + off, sizeof(w));
	return w;
}

int fhandle__decode(unsigned long fs_magic, int type, const void *raw, unsigned int bytes,
		    __u64 *ino, __u32 *gen)
{
	const unsigned char *b = raw;
	const struct layout *l;
	size_t i;

	for (i = 0; i < NLAYOUTS; i++) {
		l = &layouts[i];
		if (l->magic != fs_magic || l->type != type || l->bytes != bytes)
			continue;
		switch (l->form) {
		case INO_U32:
			*ino = word_at(b, l->ino_off);
			break;
		case INO_U32_PAIR:
			*ino = (__u64)word_at(b, l->ino_hi_off) << 32 | word_at(b, l->ino_off);
			break;
		case INO_U64:
			memcpy(ino, b + l->ino_off, sizeof(*ino));
			break;
		}
		*gen = word_at(b, l->gen_off);
		return 0;
	}
	return -EOPNOTSUPP;
}

__u32 fhandle__kernel_dev(dev_t st_dev)
{
	return (__u32)(major(st_dev) << 20 | minor(st_dev));
}

int fhandle__of(int dirfd, const char *name, unsigned long fs_magic, dev_t st_dev,
		struct fhandle_key *out)
{
	struct {
		struct file_handle fh;
		unsigned char raw[MAX_HANDLE_SZ];
	} h;
	int err;

	h.fh.handle_bytes = MAX_HANDLE_SZ;
	/* Never AT_HANDLE_FID: a handle the filesystem cannot decode may use
	 * a generic layout of its own, not the one the table knows. */
	if (name_to_handle_at(dirfd, name, &h.fh, &out->mount_id, name[0] ? 0 : AT_EMPTY_PATH))
		return -errno;
	err = fhandle__decode(fs_magic, h.fh.handle_type, h.fh.f_handle, h.fh.handle_bytes,
			      &out->key.ino, &out->key.gen);
	if (err)
		return err;
	out->type = h.fh.handle_type;
	out->bytes = h.fh.handle_bytes;
	out->key.dev = fhandle__kernel_dev(st_dev);
	return 0;
}
