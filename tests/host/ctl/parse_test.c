// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of aattsctl's parsers (tools/ctl/parse.c), built with
 * ASan/UBSan: numbers, sizes with suffixes, OFF:LEN ranges, KEY=VALUE,
 * hints files (a bad line is reported by its number) and range merging.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kselftest_harness.h"
#include "ctl.h"

TEST(sizes)
{
	static const struct {
		const char *s;
		uint64_t v;
	} good[] = {
		{ "0", 0 }, { "4096", 4096 }, { "4K", 4096 }, { "4k", 4096 },
		{ "64KiB", 65536 }, { "1M", 1 << 20 }, { "3m", 3 << 20 },
		{ "2G", 2ULL << 30 }, { "1T", 1ULL << 40 }, { "5MB", 5 << 20 },
		{ "16777215T", 16777215ULL << 40 },
		{ "18446744073709551615", UINT64_MAX },
	};
	static const char *const bad[] = {
		"", "K", "-1", "+1", " 1", "1 ", "1X", "1KK", "1.5M", "0x10",
		"1Ki", "1kib", "4K:", "1e3",
	};
	uint64_t v;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		v = 12345;
		EXPECT_EQ(0, parse_size(good[i].s, &v)) TH_LOG("%s", good[i].s);
		EXPECT_EQ(good[i].v, v) TH_LOG("%s", good[i].s);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		EXPECT_EQ(-EINVAL, parse_size(bad[i], &v))
			TH_LOG("'%s'", bad[i] ? bad[i] : "");
	EXPECT_EQ(-ERANGE, parse_size("16777216T", &v));
	EXPECT_EQ(-ERANGE, parse_size("18446744073709551616", &v));
	EXPECT_EQ(-EINVAL, parse_size(NULL, &v));
}

TEST(numbers)
{
	uint64_t v;

	EXPECT_EQ(0, parse_u64("42", &v));
	EXPECT_EQ(42U, v);
	EXPECT_EQ(-EINVAL, parse_u64("42K", &v));
	EXPECT_EQ(-EINVAL, parse_u64("-1", &v));
	EXPECT_EQ(-EINVAL, parse_u64("", &v));
	EXPECT_EQ(-ERANGE, parse_u64("99999999999999999999", &v));
}

TEST(ranges)
{
	uint64_t off, len;

	ASSERT_EQ(0, parse_range("1M:64K", &off, &len));
	EXPECT_EQ(1U << 20, off);
	EXPECT_EQ(65536U, len);
	ASSERT_EQ(0, parse_range("0:1", &off, &len));
	EXPECT_EQ(0U, off);
	EXPECT_EQ(1U, len);
	EXPECT_EQ(-EINVAL, parse_range("4K", &off, &len));
	EXPECT_EQ(-EINVAL, parse_range("4K:0", &off, &len));
	EXPECT_EQ(-EINVAL, parse_range(":4K", &off, &len));
	EXPECT_EQ(-EINVAL, parse_range("4K:", &off, &len));
	EXPECT_EQ(-EINVAL, parse_range("1:2:3", &off, &len));
	EXPECT_EQ(-ERANGE, parse_range("16777215T:1T", &off, &len));
}

TEST(key_values)
{
	char key[AATTS_KEY_MAX];
	char longkey[AATTS_KEY_MAX + 8];
	uint64_t v;

	ASSERT_EQ(0, parse_kv("aging=5", key, &v));
	EXPECT_STREQ("aging", key);
	EXPECT_EQ(5U, v);
	EXPECT_EQ(-EINVAL, parse_kv("aging", key, &v));
	EXPECT_EQ(-EINVAL, parse_kv("=5", key, &v));
	EXPECT_EQ(-EINVAL, parse_kv("aging=", key, &v));
	EXPECT_EQ(-EINVAL, parse_kv("aging=5K", key, &v));
	memset(longkey, 'k', AATTS_KEY_MAX);
	strcpy(longkey + AATTS_KEY_MAX, "=1");
	EXPECT_EQ(0, parse_kv(longkey + 1, key, &v));	/* 31 characters */
	EXPECT_EQ((size_t)AATTS_KEY_MAX - 1, strlen(key));
	EXPECT_EQ(-ERANGE, parse_kv(longkey, key, &v));	/* 32: no room for NUL */
}

/* hints_parse over text; returns its result, the message in msg. */
static int hints(const char *text, struct hint **h, size_t *nr, char *msg)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int r;

	if (!f)
		return -2;
	r = hints_parse(f, h, nr, msg, 128);
	fclose(f);
	return r;
}

TEST(hints_good)
{
	struct hint *h;
	char msg[128];
	size_t nr;

	ASSERT_EQ(0, hints("# comment\n\n/data/a 5\n  /data/b c\t 2147483647  \n"
			   "/data/c 0", &h, &nr, msg));
	ASSERT_EQ(3U, nr);
	EXPECT_STREQ("/data/a", h[0].path);
	EXPECT_EQ(5U, h[0].score);
	EXPECT_EQ(3U, h[0].line);
	EXPECT_STREQ("/data/b c", h[1].path);	/* the score is the last word */
	EXPECT_EQ(AATTS_SCORE_MAX, h[1].score);
	EXPECT_EQ(4U, h[1].line);
	EXPECT_STREQ("/data/c", h[2].path);
	EXPECT_EQ(0U, h[2].score);
	EXPECT_EQ(5U, h[2].line);
	hints_free(h, nr);

	ASSERT_EQ(0, hints("", &h, &nr, msg));
	EXPECT_EQ(0U, nr);
	hints_free(h, nr);
}

TEST(hints_bad_lines)
{
	static const struct {
		const char *text;
		const char *msg;
	} bad[] = {
		{ "/a 1\n/b\n", "line 2: expected 'PATH SCORE'" },
		{ "/a 1\n# x\n/b x\n", "line 3: score is not a decimal number" },
		{ "/a -1\n", "line 1: score is not a decimal number" },
		{ "\n\n\n/a 2147483648\n", "line 4: score above 2147483647" },
		{ "/a 1\n5\n", "line 2: expected 'PATH SCORE'" },
		{ "/a 1\n/b 2x\n/c 3\n", "line 2: score is not a decimal number" },
	};
	struct hint *h = NULL;
	char msg[128];
	size_t nr = 0, i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		msg[0] = '\0';
		EXPECT_EQ(-1, hints(bad[i].text, &h, &nr, msg));
		EXPECT_STREQ(bad[i].msg, msg);
	}
}

/* tab_parse over text; returns its result, the message in msg. */
static int tab(const char *text, struct tab_entry **e, size_t *nr, char *msg)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int r;

	if (!f)
		return -2;
	r = tab_parse(f, e, nr, msg, 128);
	fclose(f);
	return r;
}

TEST(aattstab_good)
{
	struct tab_entry *e;
	char msg[128];
	size_t nr;

	ASSERT_EQ(0, tab("# name slow fast block policy options\n\n"
			 "a /dev/ram0 /dev/ram1\n"
			 "  b\tUUID=1234-abcd PARTUUID=0f-01 64K lfu mode=writearound # c\n"
			 "c /dev/disk/by-id/ata-X LABEL=fast - isa\n"
			 "d /dev/sdx /dev/sdy 1G - mode=writethrough\n", &e, &nr, msg))
		TH_LOG("%s", msg);
	ASSERT_EQ(4U, nr);
	EXPECT_STREQ("a", e[0].name);
	EXPECT_STREQ("/dev/ram0", e[0].slow);
	EXPECT_STREQ("/dev/ram1", e[0].fast);
	EXPECT_EQ(128U << 10, e[0].block_bytes);
	EXPECT_TRUE(!e[0].policy && !e[0].mode);
	EXPECT_EQ(3U, e[0].line);
	EXPECT_STREQ("b", e[1].name);
	EXPECT_STREQ("/dev/disk/by-uuid/1234-abcd", e[1].slow);
	EXPECT_STREQ("/dev/disk/by-partuuid/0f-01", e[1].fast);
	EXPECT_EQ(65536U, e[1].block_bytes);
	EXPECT_STREQ("lfu", e[1].policy);
	EXPECT_STREQ("writearound", e[1].mode);
	EXPECT_EQ(4U, e[1].line);
	EXPECT_STREQ("/dev/disk/by-id/ata-X", e[2].slow);
	EXPECT_STREQ("/dev/disk/by-label/fast", e[2].fast);
	EXPECT_EQ(128U << 10, e[2].block_bytes);
	EXPECT_STREQ("isa", e[2].policy);
	EXPECT_EQ(1U << 30, e[3].block_bytes);
	EXPECT_TRUE(!e[3].policy);
	EXPECT_STREQ("writethrough", e[3].mode);
	EXPECT_EQ(6U, e[3].line);
	tab_free(e, nr);

	ASSERT_EQ(0, tab("# nothing\n\n", &e, &nr, msg));
	EXPECT_EQ(0U, nr);
	tab_free(e, nr);
}

TEST(aattstab_bad_lines)
{
	static const struct {
		const char *text;
		const char *msg;
	} bad[] = {
		{ "a /dev/x /dev/y\nb /dev/z\n",
		  "line 2: expected 'NAME SLOW FAST [BLOCK_SIZE [POLICY [OPTIONS]]]'" },
		{ "a /dev/x /dev/y 64K lru mode=writearound extra\n",
		  "line 1: too many fields (at most 6)" },
		{ "# c\n\na /dev/x /dev/y 3K\n",
		  "line 3: block size must be a power of two from 4K to 1G" },
		{ "a /dev/x /dev/y 2G\n",
		  "line 1: block size must be a power of two from 4K to 1G" },
		{ "a /dev/x /dev/y 64X\n",
		  "line 1: block size must be a power of two from 4K to 1G" },
		{ "a /dev/x /dev/y 64K nosuch\n",
		  "line 1: unknown policy (default, lru, fifo, lfu, minio, isa)" },
		{ "a /dev/x /dev/y 64K lru mode=writeback\n",
		  "line 1: mode is writethrough or writearound" },
		{ "a /dev/x /dev/y 64K lru mode=writearound,mode=writethrough\n",
		  "line 1: mode given twice" },
		{ "a /dev/x /dev/y 64K lru nofail\n",
		  "line 1: unknown option (known: mode=writethrough|writearound)" },
		{ "a /dev/x /dev/y - - ,\n", "line 1: empty options" },
		{ "a sdb /dev/y\n",
		  "line 1: a device is an absolute path, UUID=, PARTUUID=, LABEL= or PARTLABEL=" },
		{ "a 8:16 /dev/y\n",
		  "line 1: a device is an absolute path, UUID=, PARTUUID=, LABEL= or PARTLABEL=" },
		{ "a /dev/x UUID=\n",
		  "line 1: invalid UUID=, PARTUUID=, LABEL= or PARTLABEL= value" },
		{ "a /dev/x UUID=../../sda\n",
		  "line 1: invalid UUID=, PARTUUID=, LABEL= or PARTLABEL= value" },
		{ "a /dev/x /dev/x\n",
		  "line 1: the slow and the fast device are the same" },
		{ "a/b /dev/x /dev/y\n",
		  "line 1: NAME must be 1..127 characters without '/'" },
		{ "a /dev/x /dev/y\nb /dev/z /dev/w\na /dev/v /dev/u\n",
		  "line 3: a already on line 1" },
		{ "a /dev/x /dev/y\nb /dev/z /dev/x\n",
		  "line 2: a device of line 1 used again" },
		{ "a /dev/x /dev/y\nb /dev/y /dev/z\n",
		  "line 2: a device of line 1 used again" },
		{ "#a /dev/x /dev/y\nb /dev/x /dev/y # /dev/z\nc /dev/x\n",
		  "line 3: expected 'NAME SLOW FAST [BLOCK_SIZE [POLICY [OPTIONS]]]'" },
	};
	struct tab_entry *e = NULL;
	char msg[128], name[200];
	size_t nr = 0, i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		msg[0] = '\0';
		EXPECT_EQ(-1, tab(bad[i].text, &e, &nr, msg)) TH_LOG("%s", bad[i].text);
		EXPECT_STREQ(bad[i].msg, msg);
	}
	/* A name of 128 characters is one too many (DM_NAME_LEN). */
	memset(name, 'n', 128);
	strcpy(name + 128, " /dev/x /dev/y\n");
	EXPECT_EQ(-1, tab(name, &e, &nr, msg));
	EXPECT_STREQ("line 1: NAME must be 1..127 characters without '/'", msg);
	name[127] = ' ';
	EXPECT_EQ(0, tab(name, &e, &nr, msg));
	EXPECT_EQ(1U, nr);
	tab_free(e, nr);
}

TEST(range_merging)
{
	struct rangev rv = { 0 };
	int i;

	ASSERT_EQ(0, rangev_add(&rv, 0, 4096, 1));
	ASSERT_EQ(0, rangev_add(&rv, 4096, 4096, 1));	/* merges */
	ASSERT_EQ(0, rangev_add(&rv, 8192, 4096, 2));	/* other score */
	ASSERT_EQ(0, rangev_add(&rv, 16384, 4096, 2));	/* a gap */
	ASSERT_EQ(3U, rv.nr);
	EXPECT_EQ(8192U, rv.v[0].len);
	EXPECT_EQ(8192U, rv.v[1].off);
	EXPECT_EQ(16384U, rv.v[2].off);
	for (i = 0; i < 5000; i++)	/* disjoint: the vector grows */
		ASSERT_EQ(0, rangev_add(&rv, (uint64_t)(i + 1) << 30, 1, 0));
	EXPECT_EQ(3U + 5000, rv.nr);
	EXPECT_EQ(5000ULL << 30, rv.v[rv.nr - 1].off);
	rangev_free(&rv);
	EXPECT_EQ(0U, rv.nr);
}

TEST_HARNESS_MAIN
