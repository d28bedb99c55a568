// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* test_fhandle: handle layouts decoded per filesystem, the kernel's dev
 * encoding, and handles of real files against stat(). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include "config.h"
#include "fhandle.h"
#include "unit.h"

#ifndef XFS_SUPER_MAGIC
#define XFS_SUPER_MAGIC 0x58465342
#endif

/* Words in the CPU's order, as the kernel writes a handle. */
static void put32(unsigned char *b, unsigned int off, __u32 v)
{
	memcpy(b + off, &v, sizeof(v));
}

UNIT_TEST(test_fhandle_layouts_by_filesystem_type_and_length)
{
	unsigned char raw[16];
	__u64 ino, big = 0x0000000512345678ULL;
	__u32 gen;

	/* ext4: { ino, gen } */
	put32(raw, 0, 1234567);
	put32(raw, 4, 0xdeadbeef);
	ASSERT_EQ_INT(fhandle__decode(EXT4_SUPER_MAGIC, 1, raw, 8, &ino, &gen), 0);
	ASSERT_EQ_INT(ino, 1234567);
	ASSERT_EQ_INT(gen, 0xdeadbeef);
	/* xfs, 32-bit inode numbers: the same */
	ASSERT_EQ_INT(fhandle__decode(XFS_SUPER_MAGIC, 1, raw, 8, &ino, &gen), 0);
	ASSERT_EQ_INT(ino, 1234567);
	ASSERT_EQ_INT(gen, 0xdeadbeef);
	/* xfs, 64-bit: packed { u64 ino, u32 gen }, type 0x81 */
	memcpy(raw, &big, sizeof(big));
	put32(raw, 8, 77);
	ASSERT_EQ_INT(fhandle__decode(XFS_SUPER_MAGIC, 0x81, raw, 12, &ino, &gen), 0);
	ASSERT_TRUE(ino == big);
	ASSERT_EQ_INT(gen, 77);
	/* tmpfs: type 1 as ext4's, but { gen, ino low, ino high } */
	put32(raw, 0, 99);
	put32(raw, 4, 0x12345678);
	put32(raw, 8, 5);
	ASSERT_EQ_INT(fhandle__decode(TMPFS_MAGIC, 1, raw, 12, &ino, &gen), 0);
	ASSERT_TRUE(ino == big);
	ASSERT_EQ_INT(gen, 99);
}

/* Every other combination is refused, so that file is learned instead:
 * reading one layout as another would key the wrong inode. */
UNIT_TEST(test_fhandle_unknown_layouts_are_refused)
{
	unsigned char raw[32] = {};
	__u64 ino;
	__u32 gen;

	/* ext4's type with tmpfs's length, tmpfs's type with ext4's. */
	ASSERT_EQ_INT(fhandle__decode(EXT4_SUPER_MAGIC, 1, raw, 12, &ino, &gen), -EOPNOTSUPP);
	ASSERT_EQ_INT(fhandle__decode(TMPFS_MAGIC, 1, raw, 8, &ino, &gen), -EOPNOTSUPP);
	/* A handle with the parent encoded (type 2), on any of them. */
	ASSERT_EQ_INT(fhandle__decode(EXT4_SUPER_MAGIC, 2, raw, 16, &ino, &gen), -EOPNOTSUPP);
	ASSERT_EQ_INT(fhandle__decode(XFS_SUPER_MAGIC, 0x82, raw, 24, &ino, &gen), -EOPNOTSUPP);
	/* xfs's 64-bit type with the 32-bit length. */
	ASSERT_EQ_INT(fhandle__decode(XFS_SUPER_MAGIC, 0x81, raw, 8, &ino, &gen), -EOPNOTSUPP);
	/* btrfs and overlayfs: stat() and the kernel disagree there. */
	ASSERT_EQ_INT(fhandle__decode(BTRFS_SUPER_MAGIC, 0x4d, raw, 20, &ino, &gen), -EOPNOTSUPP);
	ASSERT_EQ_INT(fhandle__decode(OVERLAYFS_SUPER_MAGIC, 0xf8, raw, 32, &ino, &gen),
		      -EOPNOTSUPP);
	ASSERT_TRUE(!fhandle__known_fs(BTRFS_SUPER_MAGIC));
	ASSERT_TRUE(!fhandle__known_fs(OVERLAYFS_SUPER_MAGIC));
	ASSERT_TRUE(fhandle__known_fs(TMPFS_MAGIC));
}

/* The kernel's MKDEV is major << 20 | minor; user space's dev_t puts a
 * minor above 255 elsewhere (an anonymous dev of tmpfs, a partition). */
UNIT_TEST(test_fhandle_kernel_dev_encoding)
{
	ASSERT_EQ_INT(fhandle__kernel_dev(makedev(8, 1)), 8 << 20 | 1);
	ASSERT_EQ_INT(fhandle__kernel_dev(makedev(0, 300)), 300);
	ASSERT_EQ_INT(fhandle__kernel_dev(makedev(259, 70000)), 259 << 20 | 70000);
}

/* A policy entry keeps stat()'s device in 32 bits: every Linux device
 * number (12 major and 20 minor bits) comes back whole, so merging and
 * the kernel's encoding see the same device as stat() does. */
UNIT_TEST(test_entry_st_dev_keeps_every_linux_device)
{
	static const unsigned int majors[] = { 0, 8, 259, 4095 };
	static const unsigned int minors[] = { 0, 1, 255, 256, 70000, 1048575 };
	struct ig_entry e = {};
	size_t i, j;

	for (i = 0; i < sizeof(majors) / sizeof(majors[0]); i++)
		for (j = 0; j < sizeof(minors) / sizeof(minors[0]); j++) {
			dev_t d = makedev(majors[i], minors[j]);

			e.st_dev = (__u32)d;
			ASSERT_TRUE(e.st_dev == d);
			ASSERT_EQ_INT(fhandle__kernel_dev(e.st_dev), majors[i] << 20 | minors[j]);
		}
}

/* A real file's handle names the inode stat() names, on whatever known
 * filesystem the directory is (ext4 under /tmp here, tmpfs at /dev/shm). */
static void handle_matches_stat(const char *dir)
{
	char path[PATH_MAX];
	struct fhandle_key k, self;
	struct statfs sfs;
	struct stat st, dst;
	int dfd, fd;

	if (statfs(dir, &sfs) || !fhandle__known_fs((unsigned long)sfs.f_type))
		UNIT_SKIP("%s is not a filesystem whose handles are known here", dir);
	snprintf(path, sizeof(path), "%s/ig-unit-fh.XXXXXX", dir);
	fd = mkstemp(path);
	ASSERT_TRUE(fd >= 0);
	close(fd);
	dfd = open(dir, O_PATH | O_DIRECTORY);
	ASSERT_TRUE(dfd >= 0);
	ASSERT_EQ_INT(stat(path, &st), 0);
	ASSERT_EQ_INT(fstat(dfd, &dst), 0);
	ASSERT_EQ_INT(fhandle__of(dfd, strrchr(path, '/') + 1, (unsigned long)sfs.f_type,
				  st.st_dev, &k), 0);
	unlink(path);
	ASSERT_TRUE(k.key.ino == st.st_ino);
	ASSERT_EQ_INT(k.key.dev, major(st.st_dev) << 20 | minor(st.st_dev));
	/* The directory itself, through "" as AT_EMPTY_PATH. */
	ASSERT_EQ_INT(fhandle__of(dfd, "", (unsigned long)sfs.f_type, dst.st_dev, &self), 0);
	close(dfd);
	ASSERT_TRUE(self.key.ino == dst.st_ino);
	ASSERT_EQ_INT(self.mount_id, k.mount_id);
}

UNIT_TEST(test_fhandle_of_a_file_on_tmp_matches_stat)
{
	handle_matches_stat("/tmp");
}

UNIT_TEST(test_fhandle_of_a_file_on_dev_shm_matches_stat)
{
	handle_matches_stat("/dev/shm");
}
