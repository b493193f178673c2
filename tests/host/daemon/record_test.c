// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of aattsd's recorder (daemon/record.c), built with ASan/UBSan:
 * ranges such as the observers deliver, of a real file in build/ (the
 * host's file system; needs root for open_by_handle_at, else skipped),
 * become an aatts-events 1 file: F and X once, R per read that reached
 * the device, none for page-cache hits, F and X again after the file
 * changed, nothing for a file gone (another generation); aatts-trace
 * converts it to the device offsets FIEMAP gives.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <linux/fs.h>

#include "kselftest_harness.h"
#include "aattsd.h"
#include "fmap.h"
#include "record.h"

static char *slurp(const char *path)
{
	static char buf[65536];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static int count(const char *text, const char *prefix)
{
	const char *p = text;
	int n = 0;

	while (p && *p) {
		if (!strncmp(p, prefix, strlen(prefix)))
			n++;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return n;
}

TEST(ranges_become_aatts_events)
{
	static char buf[65536];
	char dir[] = "build/record_test.XXXXXX", path[64], ev[64], cmd[256];
	char line[128];
	struct aatts_read_range rr = { 0 };
	struct record_stats rs;
	struct fmap_stats fs;
	struct aattsd d = { 0 };
	struct {
		struct file_handle fh;
		uint32_t v[2];
	} h = { .fh = { .handle_bytes = 8, .handle_type = 1 } };
	struct stat st;
	size_t files;
	char *text;
	int fd, gen = 0, mfd, t;
	FILE *p;

	ASSERT_NE(NULL, mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/tensor", dir);
	snprintf(ev, sizeof(ev), "%s/events", dir);
	fd = open(path, O_CREAT | O_RDWR, 0600);
	ASSERT_LE(0, fd);
	memset(buf, 'w', sizeof(buf));
	ASSERT_EQ((ssize_t)sizeof(buf), write(fd, buf, sizeof(buf)));
	ASSERT_EQ(0, fsync(fd));
	ASSERT_EQ(0, fstat(fd, &st));
	if (ioctl(fd, FS_IOC_GETVERSION, &gen))
		gen = 0;
	/* Can this process open by handle here at all? */
	h.v[0] = (uint32_t)st.st_ino;
	h.v[1] = (uint32_t)gen;
	mfd = open(dir, O_RDONLY | O_DIRECTORY);
	ASSERT_LE(0, mfd);
	t = open_by_handle_at(mfd, &h.fh, O_RDONLY);
	close(mfd);
	if (t < 0) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd))
			TH_LOG("could not remove %s", dir);
		SKIP(return, "open_by_handle_at: %s", strerror(errno));
	}
	close(t);

	log_init(true);
	log_set_level(LOG_LVL_ERR);
	config_defaults(&d.cfg);
	d.cfg.fmap_revalidate_ms = 0;	/* check the file on every range */
	d.record_path = ev;
	ASSERT_EQ(0, record_open(&d));

	rr.ino = st.st_ino;
	rr.generation = (uint32_t)gen;
	rr.dev_major = major(st.st_dev);
	rr.dev_minor = minor(st.st_dev);
	rr.tgid = rr.tid = 42;
	rr.time_ns = 1000;
	rr.offset = 0;
	rr.length = 8192;
	rr.flags = AATTS_RANGE_MISSED;
	record_range(&d, &rr);
	rr.time_ns = 2000;
	rr.offset = 8192;
	rr.length = 4096;
	record_range(&d, &rr);
	/* Served by the page cache: never reached the device. */
	rr.time_ns = 3000;
	rr.flags = AATTS_RANGE_CACHED;
	record_range(&d, &rr);
	/* Another generation of the inode: a file that is gone. */
	rr.generation++;
	rr.flags = AATTS_RANGE_MISSED;
	record_range(&d, &rr);
	rr.generation--;
	/* The file grows: declared again, with its new extents. */
	ASSERT_EQ(4096, pwrite(fd, buf, 4096, sizeof(buf)));
	ASSERT_EQ(0, fsync(fd));
	rr.time_ns = 4000;
	rr.offset = sizeof(buf);
	rr.length = 4096;
	record_range(&d, &rr);
	record_get_stats(&d, &rs, &fs, &files);
	EXPECT_EQ(5U, rs.ranges);
	EXPECT_EQ(1U, rs.cached);
	EXPECT_EQ(3U, rs.recorded);
	EXPECT_EQ(2U, rs.declared);
	EXPECT_EQ(1U, rs.gone);
	EXPECT_EQ(0U, rs.errors);
	EXPECT_EQ(1U, files);
	record_close(&d);
	close(fd);

	text = slurp(ev);
	ASSERT_NE(NULL, text);
	TH_LOG("%s", text);
	EXPECT_EQ(0, strncmp(text, "aatts-events 1\n", 15));
	snprintf(line, sizeof(line), "F 1 %u:%u %llu %u\n", major(st.st_dev),
		 minor(st.st_dev), (unsigned long long)st.st_ino, gen);
	EXPECT_EQ(2, count(text, line));
	EXPECT_NE(NULL, strstr(text, "R 1000 42 1 0 8192\n"));
	EXPECT_NE(NULL, strstr(text, "R 2000 42 1 8192 4096\n"));
	EXPECT_NE(NULL, strstr(text, "R 4000 42 1 65536 4096\n"));
	EXPECT_EQ(3, count(text, "R "));
	EXPECT_LE(2, count(text, "X 1 "));

	/* aatts-trace takes it: 8192 + 4096 + 4096 bytes, none dropped. */
	snprintf(cmd, sizeof(cmd),
		 "build/bin/aatts-trace events %s | awk '$1 == \"R\" { n += $3 } / 0 bytes in no extent dropped/ { ok = 1 } END { print (ok ? n : \"dropped\") }'",
		 ev);
	p = popen(cmd, "r");
	ASSERT_NE(NULL, p);
	ASSERT_NE(NULL, fgets(line, sizeof(line), p));
	EXPECT_STREQ("16384\n", line);
	EXPECT_EQ(0, pclose(p));
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	EXPECT_EQ(0, system(cmd));
}

TEST_HARNESS_MAIN
