// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of aattsd's FIEMAP cache (daemon/fmap.c), built with
 * ASan/UBSan, on real files in $FMAP_DIR (default: build/, on the host's
 * file system; the tests skip where it has no FIEMAP, as tmpfs):
 * a dense file's extents hold its bytes on the device (read back from the
 * block device when it can be opened), holes, unwritten and delayed
 * extents, the cache's hits, revalidation and change detection, a file
 * gone or replaced, generations, eviction.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <linux/fiemap.h>
#include <linux/fs.h>

#include "kselftest_harness.h"
#include "fmap.h"

#define SEC 1000000000ull

FIXTURE(files) {
	char dir[256];
	struct fmap_cache *c;
};

FIXTURE_SETUP(files)
{
	const char *base = getenv("FMAP_DIR") ? getenv("FMAP_DIR") : "build";
	struct fiemap fm = { .fm_length = 1 };
	char probe[300];
	int fd;

	snprintf(self->dir, sizeof(self->dir), "%s/fmap_test.XXXXXX", base);
	ASSERT_NE(NULL, mkdtemp(self->dir));
	self->c = fmap_cache_new(16, SEC);
	ASSERT_NE(NULL, self->c);
	snprintf(probe, sizeof(probe), "%s/probe", self->dir);
	fd = open(probe, O_CREAT | O_RDWR, 0600);
	ASSERT_LE(0, fd);
	if (ioctl(fd, FS_IOC_FIEMAP, &fm)) {
		close(fd);
		SKIP(return, "%s: no FIEMAP (%s)", base, strerror(errno));
	}
	close(fd);
}

FIXTURE_TEARDOWN(files)
{
	char cmd[300];

	fmap_cache_free(self->c);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", self->dir);
	if (system(cmd))
		TH_LOG("could not remove %s", self->dir);
}

static int make(const char *dir, const char *name, char *path, size_t len)
{
	snprintf(path, len, "%s/%s", dir, name);
	return open(path, O_CREAT | O_TRUNC | O_RDWR | O_CLOEXEC, 0600);
}

static struct fmap_key key_of(int fd)
{
	struct fmap_key k = { 0 };
	struct stat st;
	int gen = 0;

	if (!fstat(fd, &st)) {
		k.dev = st.st_dev;
		k.ino = st.st_ino;
	}
	if (!ioctl(fd, FS_IOC_GETVERSION, &gen))
		k.gen = (uint32_t)gen;
	return k;
}

/* /dev/NAME of a block device number, by its uevent in sysfs. */
static void dev_node(uint64_t dev, char *buf, size_t len)
{
	char path[64], line[128];
	FILE *f;

	snprintf(buf, len, "/dev/block/%u:%u", major(dev), minor(dev));
	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/uevent", major(dev),
		 minor(dev));
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "DEVNAME=", 8)) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(buf, len, "/dev/%.40s", line + 8);
		}
	if (f)
		fclose(f);
}

static void fill(char *buf, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = (char)(seed * 131 + i * 7 + i / 4096);
}

TEST_F(files, dense_file_extents_hold_its_bytes_on_the_device)
{
	static char buf[256 * 1024], dbuf[4096] __attribute__((aligned(4096)));
	char path[300], bdev[64];
	struct fmap_key k;
	struct fmap *m;
	bool changed;
	uint64_t sum = 0;
	uint32_t i;
	int fd, dfd;

	fd = make(self->dir, "dense", path, sizeof(path));
	ASSERT_LE(0, fd);
	fill(buf, sizeof(buf), 1);
	ASSERT_EQ((ssize_t)sizeof(buf), write(fd, buf, sizeof(buf)));
	ASSERT_EQ(0, fsync(fd));
	k = key_of(fd);
	ASSERT_EQ(NULL, fmap_lookup(self->c, &k, 0));
	ASSERT_EQ(0, fmap_refresh(self->c, &k, fd, 0, &m, &changed));
	EXPECT_TRUE(changed);
	EXPECT_EQ(1U, m->fid);
	EXPECT_EQ(1U, m->version);
	EXPECT_EQ(sizeof(buf), m->mapped);
	EXPECT_EQ(0U, m->unknown + m->unwritten + m->inlined);
	ASSERT_LE(1U, m->nr);
	EXPECT_EQ(0U, m->ext[0].logical);
	for (i = 0; i < m->nr; i++) {
		sum += m->ext[i].length;
		if (i)	/* file order, no overlap */
			EXPECT_LE(m->ext[i - 1].logical + m->ext[i - 1].length,
				  m->ext[i].logical);
	}
	EXPECT_EQ(sizeof(buf), sum);
	/* The bytes at each extent's device offset are the file's. */
	dev_node(k.dev, bdev, sizeof(bdev));
	dfd = open(bdev, O_RDONLY | O_DIRECT | O_CLOEXEC);
	if (dfd < 0) {
		TH_LOG("%s: %s: device contents not checked", bdev,
		       strerror(errno));
		/* FMAP_EXPECT_DEVICE=1: they must be (the VM test). */
		EXPECT_EQ(NULL, getenv("FMAP_EXPECT_DEVICE"));
	} else {
		for (i = 0; i < m->nr; i++) {
			uint64_t off = m->ext[i].length - 4096;

			ASSERT_EQ(4096, pread(dfd, dbuf, 4096,
					      (off_t)(m->ext[i].physical + off)));
			EXPECT_EQ(0, memcmp(dbuf, buf + m->ext[i].logical + off,
					    4096));
		}
		close(dfd);
	}
	close(fd);
}

TEST_F(files, holes_are_in_no_extent)
{
	char path[300], b[4096];
	const struct fmap_extent *e;
	struct fmap_key k;
	struct fmap *m;
	bool changed;
	int fd;

	fd = make(self->dir, "sparse", path, sizeof(path));
	ASSERT_LE(0, fd);
	fill(b, sizeof(b), 2);
	ASSERT_EQ(4096, pwrite(fd, b, 4096, 0));
	ASSERT_EQ(4096, pwrite(fd, b, 4096, 1 << 20));
	ASSERT_EQ(0, ftruncate(fd, 2 << 20));
	ASSERT_EQ(0, fsync(fd));
	k = key_of(fd);
	ASSERT_EQ(0, fmap_refresh(self->c, &k, fd, 0, &m, &changed));
	EXPECT_EQ(8192U, m->mapped);
	EXPECT_EQ(2U << 20, m->size);
	ASSERT_EQ(2U, m->nr);
	EXPECT_EQ(0U, m->ext[0].logical);
	EXPECT_EQ(1U << 20, m->ext[1].logical);
	e = fmap_find(m, 4096);		/* in the hole: the next extent */
	ASSERT_NE(NULL, e);
	EXPECT_EQ(1U << 20, e->logical);
	e = fmap_find(m, 4095);
	ASSERT_NE(NULL, e);
	EXPECT_EQ(0U, e->logical);
	EXPECT_EQ(NULL, fmap_find(m, (1 << 20) + 4096));
	close(fd);
}

TEST_F(files, unwritten_extents_are_counted_not_mapped)
{
	char path[300];
	struct fmap_key k;
	struct fmap *m;
	bool changed;
	int fd;

	fd = make(self->dir, "prealloc", path, sizeof(path));
	ASSERT_LE(0, fd);
	if (fallocate(fd, 0, 0, 65536))
		SKIP(return, "fallocate: %s", strerror(errno));
	k = key_of(fd);
	ASSERT_EQ(0, fmap_refresh(self->c, &k, fd, 0, &m, &changed));
	EXPECT_EQ(65536U, m->unwritten);
	EXPECT_EQ(0U, m->mapped);
	EXPECT_EQ(0U, m->nr);
	close(fd);
}

TEST_F(files, delayed_extents_are_mapped_again_until_written_out)
{
	char path[300], b[16384];
	struct fmap_key k;
	struct fmap *m;
	bool changed;
	int fd;

	fd = make(self->dir, "delalloc", path, sizeof(path));
	ASSERT_LE(0, fd);
	fill(b, sizeof(b), 3);
	ASSERT_EQ((ssize_t)sizeof(b), write(fd, b, sizeof(b)));
	k = key_of(fd);
	ASSERT_EQ(0, fmap_refresh(self->c, &k, fd, 0, &m, &changed));
	if (!m->unknown)
		SKIP(return, "no delayed allocation here (written out already)");
	EXPECT_EQ(0U, m->mapped);
	/* Not trusted even right away: its location is not known yet. */
	EXPECT_EQ(NULL, fmap_lookup(self->c, &k, 0));
	ASSERT_EQ(0, fsync(fd));
	ASSERT_EQ(0, fmap_refresh(self->c, &k, fd, 1, &m, &changed));
	EXPECT_TRUE(changed);
	EXPECT_EQ(0U, m->unknown);
	EXPECT_EQ(sizeof(b), m->mapped);
	EXPECT_EQ(m, fmap_lookup(self->c, &k, 2));
	close(fd);
}

/*
 * A tiny file: inline data where the file system keeps it in the inode
 * (ext4 -O inline_data; FMAP_EXPECT_INLINE=1 says it must be), else one
 * block.
 */
TEST_F(files, tiny_file_inline_or_one_block)
{
	const char *want = getenv("FMAP_EXPECT_INLINE");
	char path[300];
	struct fmap_key k;
	struct fmap *m;
	bool changed;
	int fd;

	fd = make(self->dir, "tiny", path, sizeof(path));
	ASSERT_LE(0, fd);
	ASSERT_EQ(60, write(fd, "sixty bytes of a small tensor header, say, and no more.....\n", 60));
	ASSERT_EQ(0, fsync(fd));
	k = key_of(fd);
	ASSERT_EQ(0, fmap_refresh(self->c, &k, fd, 0, &m, &changed));
	TH_LOG("tiny file: mapped %llu, inline %llu, extents %u",
	       (unsigned long long)m->mapped, (unsigned long long)m->inlined,
	       m->nr);
	if (m->inlined || (want && !strcmp(want, "1"))) {
		EXPECT_EQ(60U, m->inlined);
		EXPECT_EQ(0U, m->mapped);
		EXPECT_EQ(0U, m->nr);
	} else {
		EXPECT_EQ(1U, m->nr);
		EXPECT_LE(60U, m->mapped);
	}
	close(fd);
}

TEST_F(files, cache_hits_revalidation_and_changes)
{
	char path[300], b[8192];
	struct fmap_stats st;
	struct fmap_key k;
	struct fmap *m, *m2;
	bool changed;
	uint32_t fid;
	int fd;

	fd = make(self->dir, "changing", path, sizeof(path));
	ASSERT_LE(0, fd);
	fill(b, sizeof(b), 4);
	ASSERT_EQ(4096, write(fd, b, 4096));
	ASSERT_EQ(0, fsync(fd));
	k = key_of(fd);
	ASSERT_EQ(0, fmap_refresh(self->c, &k, fd, 10 * SEC, &m, &changed));
	fid = m->fid;
	/* Fresh within a second of the check, stale after. */
	EXPECT_EQ(m, fmap_lookup(self->c, &k, 11 * SEC - 1));
	EXPECT_EQ(NULL, fmap_lookup(self->c, &k, 11 * SEC + 1));
	/* Unchanged: not mapped again, not to be declared again. */
	ASSERT_EQ(0, fmap_refresh(self->c, &k, fd, 12 * SEC, &m2, &changed));
	EXPECT_EQ(m, m2);
	EXPECT_FALSE(changed);
	EXPECT_EQ(1U, m->version);
	/* Appended to: mapped again under the same fid. */
	ASSERT_EQ(4096, pwrite(fd, b + 4096, 4096, 4096));
	ASSERT_EQ(0, fsync(fd));
	ASSERT_EQ(0, fmap_refresh(self->c, &k, fd, 13 * SEC, &m2, &changed));
	EXPECT_TRUE(changed);
	EXPECT_EQ(fid, m2->fid);
	EXPECT_EQ(2U, m2->version);
	EXPECT_EQ(8192U, m2->mapped);
	fmap_get_stats(self->c, &st);
	EXPECT_EQ(1U, st.hits);
	EXPECT_EQ(2U, st.maps);
	EXPECT_EQ(1U, st.unchanged);
	close(fd);
}

TEST_F(files, a_file_gone_or_replaced_is_forgotten)
{
	char path[300], b[4096];
	struct fmap_key ka, kb;
	struct fmap *m;
	bool changed;
	int a, b2;

	a = make(self->dir, "a", path, sizeof(path));
	ASSERT_LE(0, a);
	fill(b, sizeof(b), 5);
	ASSERT_EQ(4096, write(a, b, 4096));
	ASSERT_EQ(0, fsync(a));
	ka = key_of(a);
	ASSERT_EQ(0, fmap_refresh(self->c, &ka, a, 0, &m, &changed));
	EXPECT_EQ(1U, fmap_count(self->c));
	/* Replaced: "a" is now another inode (the old one held open by a). */
	ASSERT_EQ(0, unlink(path));
	b2 = make(self->dir, "a", path, sizeof(path));
	ASSERT_LE(0, b2);
	kb = key_of(b2);
	ASSERT_NE(ka.ino, kb.ino);
	EXPECT_EQ(-ESTALE, fmap_refresh(self->c, &ka, b2, 5 * SEC, &m, &changed));
	EXPECT_EQ(0U, fmap_count(self->c));
	EXPECT_EQ(NULL, fmap_lookup(self->c, &ka, 0));
	/* Another generation of the same inode is another file. */
	ASSERT_EQ(0, fmap_refresh(self->c, &kb, b2, 0, &m, &changed));
	kb.gen++;
	EXPECT_EQ(NULL, fmap_lookup(self->c, &kb, 0));
	kb.gen--;
	EXPECT_EQ(m, fmap_lookup(self->c, &kb, 0));
	fmap_forget(self->c, &kb);
	EXPECT_EQ(0U, fmap_count(self->c));
	close(a);
	close(b2);
}

TEST_F(files, at_most_max_files_least_recently_used_first)
{
	struct fmap_key k[20];
	struct fmap_stats st;
	struct fmap *m;
	char path[300], name[16];
	bool changed;
	int i, fd;

	for (i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		fd = make(self->dir, name, path, sizeof(path));
		ASSERT_LE(0, fd);
		ASSERT_EQ(1, write(fd, "x", 1));
		ASSERT_EQ(0, fsync(fd));
		k[i] = key_of(fd);
		ASSERT_EQ(0, fmap_refresh(self->c, &k[i], fd, 0, &m, &changed));
		EXPECT_EQ((uint32_t)i + 1, m->fid);
		close(fd);
		if (i == 10)	/* f0 used again: f1..f4 go first */
			EXPECT_NE(NULL, fmap_lookup(self->c, &k[0], 0));
	}
	EXPECT_EQ(16U, fmap_count(self->c));
	EXPECT_NE(NULL, fmap_lookup(self->c, &k[0], 0));
	for (i = 1; i <= 4; i++)
		EXPECT_EQ(NULL, fmap_lookup(self->c, &k[i], 0));
	for (i = 5; i < 20; i++)
		EXPECT_NE(NULL, fmap_lookup(self->c, &k[i], 0));
	fmap_get_stats(self->c, &st);
	EXPECT_EQ(4U, st.evictions);
}

TEST_HARNESS_MAIN
