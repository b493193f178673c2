// SPDX-License-Identifier: GPL-2.0-only
/*
 * Writes racing promotions of the same blocks never leave stale data on
 * the fast tier.  The slow tier delays writes (dm-delay), so a promotion
 * started by a read just after a write copies the old data while the write
 * is still on its way; and two writes to one resident block race each
 * other.  After every round, what the target returns must equal what the
 * slow tier holds.
 *
 * Needs (tests/dm/suite): aatts.ko, dm-delay, /dev/ram7 (slow) and
 * /dev/ram0 (fast).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"

/*
 * 30 s per test is too short for a debug kernel (KASAN, lockdep) under
 * TCG on a busy host: make check-debug timed out creating 100 devices.
 */
#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT 300
#include "dmtest.h"

#define BS 4096
#define NBLOCKS 4096			/* 16 MiB target, 4 KiB blocks */
#define SLOW_NAME "aatts_t_rslow"
#define DEV_NAME "aatts_t_race"
#define WRITE_DELAY_MS 20

struct writer {
	int fd;
	off_t off;
	const void *buf;
	int delay_us;
	ssize_t ret;
};

static void *write_block(void *arg)
{
	struct writer *w = arg;

	if (w->delay_us)
		usleep(w->delay_us);
	w->ret = pwrite(w->fd, w->buf, BS, w->off);
	return NULL;
}

static void fill(void *buf, unsigned int seed)
{
	unsigned int *p = buf;
	size_t i;

	for (i = 0; i < BS / sizeof(*p); i++)
		p[i] = seed * 2654435761u + i;
}

/* Reads a counter of DEV_NAME from /sys/kernel/aatts/<dm-N>/. */
static long long counter(const char *name)
{
	char path[512], buf[64];
	long long v = -1;
	struct dirent *de;
	DIR *d = opendir("/sys/kernel/aatts");
	FILE *f;

	while (d && (de = readdir(d))) {
		if (strncmp(de->d_name, "dm-", 3))
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/aatts/%s/name", de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(buf, sizeof(buf), f) && !strcmp(buf, DEV_NAME "\n")) {
			fclose(f);
			snprintf(path, sizeof(path), "/sys/kernel/aatts/%s/%s",
				 de->d_name, name);
			f = fopen(path, "r");
			if (f && fscanf(f, "%lld", &v) != 1)
				v = -1;
		}
		if (f)
			fclose(f);
	}
	if (d)
		closedir(d);
	return v;
}

static int settle(void)
{
	int i;

	for (i = 0; i < 3000; i++) {
		if (!counter("queued_migrations") && !counter("inflight_migrations"))
			return 0;
		usleep(10000);
	}
	return -1;
}

FIXTURE(race) {
	int fd;		/* the target, O_DIRECT */
	int slow;	/* the slow tier, O_DIRECT */
	void *a, *b, *rd, *sl;
};

FIXTURE_SETUP(race)
{
	char params[128];
	char dm[32];

	dmt_init();
	dmt_remove(DEV_NAME);
	dmt_remove(SLOW_NAME);
	snprintf(params, sizeof(params), "/dev/ram7 0 0 /dev/ram7 0 %d",
		 WRITE_DELAY_MS);
	ASSERT_EQ(0, dmt_create(SLOW_NAME, NBLOCKS * 8, "delay", params))
		TH_LOG("%s", dmt_last_error());
	ASSERT_EQ(0, dmt_devno(SLOW_NAME, dm, sizeof(dm)));
	snprintf(params, sizeof(params), "%s /dev/ram0 8 2 policy lru", dm);
	ASSERT_EQ(0, dmt_create(DEV_NAME, NBLOCKS * 8, "aatts", params))
		TH_LOG("%s", dmt_last_error());
	ASSERT_EQ(0, dmt_devno(DEV_NAME, dm, sizeof(dm)));
	ASSERT_EQ(0, system("dmsetup mknodes " DEV_NAME " " SLOW_NAME));
	self->fd = open("/dev/mapper/" DEV_NAME, O_RDWR | O_DIRECT);
	ASSERT_LE(0, self->fd);
	self->slow = open("/dev/mapper/" SLOW_NAME, O_RDONLY | O_DIRECT);
	ASSERT_LE(0, self->slow);
	ASSERT_EQ(0, posix_memalign(&self->a, BS, BS));
	ASSERT_EQ(0, posix_memalign(&self->b, BS, BS));
	ASSERT_EQ(0, posix_memalign(&self->rd, BS, BS));
	ASSERT_EQ(0, posix_memalign(&self->sl, BS, BS));
	srand(20261121);
}

FIXTURE_TEARDOWN(race)
{
	close(self->fd);
	close(self->slow);
	free(self->a);
	free(self->b);
	free(self->rd);
	free(self->sl);
	dmt_remove(DEV_NAME);
	dmt_remove(SLOW_NAME);
}

/* What the target returns for block n equals what the slow tier holds. */
static int coherent(struct __test_metadata *_metadata, FIXTURE_DATA(race) *self,
		    unsigned int n, const void *expect)
{
	off_t off = (off_t)n * BS;
	int i;

	for (i = 0; i < 2; i++) {	/* a miss, then (promoted) a hit */
		if (pread(self->fd, self->rd, BS, off) != BS)
			return 0;
		if (settle())
			return 0;
	}
	if (pread(self->fd, self->rd, BS, off) != BS ||
	    pread(self->slow, self->sl, BS, off) != BS)
		return 0;
	if (memcmp(self->rd, self->sl, BS)) {
		TH_LOG("block %u: the target and the slow tier differ", n);
		return 0;
	}
	if (expect && memcmp(self->sl, expect, BS)) {
		TH_LOG("block %u: the slow tier lacks the last write", n);
		return 0;
	}
	return 1;
}

TEST_F_TIMEOUT(race, write_then_promoting_read, 300)
{
	unsigned int n, bad = 0, rounds = 150;
	struct writer w = { .fd = self->fd, .buf = self->a };
	long long hits0 = counter("read_hits");
	pthread_t t;

	for (n = 0; n < rounds; n++) {
		fill(self->a, n + 1);
		w.off = (off_t)n * BS;
		w.delay_us = 0;
		ASSERT_EQ(0, pthread_create(&t, NULL, write_block, &w));
		/* The read misses and promotes while the write is delayed. */
		usleep(1000 + rand() % (WRITE_DELAY_MS * 1000));
		ASSERT_EQ(BS, pread(self->fd, self->rd, BS, w.off));
		pthread_join(t, NULL);
		ASSERT_EQ(BS, w.ret);
		bad += !coherent(_metadata, self, n, self->a);
	}
	EXPECT_EQ(0U, bad);
	EXPECT_LT(hits0 + rounds, counter("read_hits"))
		TH_LOG("the rounds were expected to hit on the fast tier");
	TH_LOG("%u rounds, %lld promotions, %lld write hits", rounds,
	       counter("promotions"), counter("write_hits"));
}

TEST_F_TIMEOUT(race, two_writes_to_a_resident_block, 300)
{
	struct writer w1 = { .fd = self->fd, .buf = self->a };
	struct writer w2 = { .fd = self->fd, .buf = self->b };
	unsigned int n, bad = 0, rounds = 100;
	pthread_t t1, t2;

	for (n = 0; n < rounds; n++) {
		off_t off = (off_t)(1000 + n) * BS;

		/* Make the block resident first. */
		ASSERT_EQ(BS, pread(self->fd, self->rd, BS, off));
		ASSERT_EQ(0, settle());
		fill(self->a, 2 * n + 1);
		fill(self->b, 2 * n + 2);
		w1.off = w2.off = off;
		w1.delay_us = 0;
		w2.delay_us = rand() % 5000;
		ASSERT_EQ(0, pthread_create(&t1, NULL, write_block, &w1));
		ASSERT_EQ(0, pthread_create(&t2, NULL, write_block, &w2));
		pthread_join(t1, NULL);
		pthread_join(t2, NULL);
		ASSERT_EQ(BS, w1.ret);
		ASSERT_EQ(BS, w2.ret);
		bad += !coherent(_metadata, self, 1000 + n, NULL);
	}
	EXPECT_EQ(0U, bad);
}

TEST_F_TIMEOUT(race, promoting_read_then_write, 300)
{
	struct writer w = { .fd = self->fd, .buf = self->a };
	unsigned int n, bad = 0, rounds = 100;
	pthread_t t;

	for (n = 0; n < rounds; n++) {
		fill(self->a, 7 * n + 3);
		w.off = (off_t)(2000 + n) * BS;
		w.delay_us = rand() % 3000;
		ASSERT_EQ(0, pthread_create(&t, NULL, write_block, &w));
		ASSERT_EQ(BS, pread(self->fd, self->rd, BS, w.off));
		pthread_join(t, NULL);
		ASSERT_EQ(BS, w.ret);
		bad += !coherent(_metadata, self, 2000 + n, self->a);
	}
	EXPECT_EQ(0U, bad);
}

TEST_HARNESS_MAIN
