// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzzes the aatts generic netlink family: 10,000 random messages (random
 * commands, flags and attributes: well-formed, mistyped, truncated,
 * nested garbage), bounded in size, from a seeded generator whose seed is
 * printed (AATTS_FUZZ_SEED=n repeats a run).  Afterwards the device still
 * answers and serves fio --verify=crc32c I/O correctly; the VM run fails
 * on any kernel splat.
 *
 * Needs (tests/dm/suite): aatts.ko loaded, /dev/ram2 and /dev/ram3.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "dmtest.h"
#include "aanl.h"

/*
 * 10,000 messages and 64 MiB of verified fio under an emulated guest on a
 * loaded host take more than the harness's 30 s; a hang still ends here.
 */
#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT 300

#define DEV "aatts_t_fuzz"
#define MESSAGES 10000

/*
 * AATTS_TEST_SCALE (1, 2, 4 or 8; tests/lib/devices.sh): divides the
 * messages, the fio data and the counts expected of them; the debug
 * kernel's lane sets 4 (this test took more than 300 s there).
 */
static int test_scale(void)
{
	const char *env = getenv("AATTS_TEST_SCALE");
	int s = env ? atoi(env) : 1;

	return s == 2 || s == 4 || s == 8 ? s : 1;
}

static uint64_t rng_state;

static uint64_t rnd(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

static uint64_t below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

static uint64_t size_bytes;

/* An offset or length: mostly near the device's size, sometimes wild. */
static uint64_t rnd_u64(void)
{
	switch (below(6)) {
	case 0:
		return rnd();
	case 1:
		return size_bytes - below(8192);
	case 2:
		return below(64);
	default:
		return below(size_bytes);
	}
}

static void put_garbage(struct nl_msg *m, int type)
{
	char buf[64];
	unsigned int len = (unsigned int)below(sizeof(buf));
	unsigned int i;

	for (i = 0; i < len; i++)
		buf[i] = (char)rnd();
	nla_put(m, type, (int)len, buf);
}

static void put_ranges(struct nl_msg *m)
{
	struct nlattr *rs = nla_nest_start(m, AATTS_DEV_A_RANGES), *r;
	unsigned int n = (unsigned int)(below(8) ? below(8) : below(1100));
	unsigned int i;

	for (i = 0; i < n; i++) {
		r = nla_nest_start(m, below(10) ? AATTS_RANGES_A_RANGE :
				   (int)below(4));
		if (!r)
			break;
		if (below(10))
			nla_put_u64(m, AATTS_RANGE_A_OFFSET, rnd_u64());
		if (below(10))
			nla_put_u64(m, AATTS_RANGE_A_LENGTH, rnd_u64());
		if (below(2))
			nla_put_u32(m, AATTS_RANGE_A_SCORE, (uint32_t)rnd());
		if (below(4) == 0)
			nla_put_u32(m, AATTS_RANGE_A_PRIORITY, (uint32_t)rnd());
		if (below(20) == 0)
			put_garbage(m, (int)below(8));
		nla_nest_end(m, r);
	}
	nla_nest_end(m, rs);
}

static void put_policy(struct nl_msg *m)
{
	static const char * const names[] = {
		"default", "lru", "fifo", "lfu", "minio", "isa", "x", "",
	};
	static const char * const keys[] = {
		"aging", "min_score", "min_freq", "idle_turnovers", "bogus",
	};
	struct nlattr *ps, *kv;
	unsigned int i, n;

	nla_put_string(m, AATTS_DEV_A_POLICY, names[below(8)]);
	if (below(2))
		return;
	ps = nla_nest_start(m, AATTS_DEV_A_POLICY_PARAMS);
	n = (unsigned int)below(20);
	for (i = 0; i < n; i++) {
		kv = nla_nest_start(m, below(10) ? AATTS_PARAM_A_KV : 0);
		if (below(10))
			nla_put_string(m, AATTS_KV_A_KEY, keys[below(5)]);
		if (below(10))
			nla_put_u64(m, AATTS_KV_A_VALUE, below(4) ? below(100) :
				    rnd());
		nla_nest_end(m, kv);
	}
	nla_nest_end(m, ps);
}

static void put_params(struct nl_msg *m)
{
	struct nlattr *p = nla_nest_start(m, AATTS_DEV_A_PARAMS);

	if (below(3) == 0)
		nla_put_u64(m, AATTS_PARAMS_A_MIGRATION_INFLIGHT,
			    below(2) ? (below(64) + 1) << 20 : rnd());
	if (below(3) == 0)
		nla_put_u64(m, AATTS_PARAMS_A_MIGRATION_BANDWIDTH,
			    below(2) ? 0 : rnd());
	if (below(3) == 0)
		nla_put_u32(m, AATTS_PARAMS_A_ERROR_THRESHOLD,
			    below(2) ? 16 : (uint32_t)rnd());
	if (below(4) == 0)
		nla_put_u32(m, AATTS_PARAMS_A_STATS_INTERVAL,
			    below(2) ? 0 : (uint32_t)below(4000));
	if (below(8) == 0)
		nla_put_flag(m, AATTS_PARAMS_A_RESTORE_FAST);
	if (below(10) == 0)
		put_garbage(m, (int)below(10));
	nla_nest_end(m, p);
}

static struct nl_msg *random_msg(struct aanl *a, uint32_t devt)
{
	/* Mostly the commands (1..12), sometimes events or anything. */
	uint8_t cmd = (uint8_t)(below(8) ? 1 + below(AATTS_CMD_STATS_GET) :
				below(2) ? below(AATTS_CMD_MAX + 2) : rnd());
	/* Dumps mostly where there are some. */
	int dump = cmd == AATTS_CMD_DEV_GET || cmd == AATTS_CMD_RESIDENCY_GET ?
		   (int)below(2) : below(20) == 0;
	struct nl_msg *m = aanl_new(a, cmd, dump, NULL);
	unsigned int i, n;

	if (!m)
		return NULL;
	if (below(10))
		nla_put_string(m, AATTS_DEV_A_NAME, below(20) ? DEV : "nope");
	if (below(4) == 0)
		nla_put_u32(m, AATTS_DEV_A_DEVT,
			    below(2) ? devt : (uint32_t)rnd());
	n = (unsigned int)below(4);
	for (i = 0; i < n; i++) {
		switch (below(8)) {
		case 0:
		case 1:
			put_ranges(m);
			break;
		case 2:
			put_policy(m);
			break;
		case 3:
			put_params(m);
			break;
		case 4:
			nla_put_u32(m, AATTS_DEV_A_FLAGS,
				    below(2) ? (uint32_t)below(4) :
				    (uint32_t)rnd());
			break;
		default:
			put_garbage(m, (int)below(AATTS_DEV_A_MAX + 4));
			break;
		}
	}
	/* Sometimes trailing bytes that are no attribute at all. */
	if (below(20) == 0) {
		char junk[3] = { (char)rnd(), (char)rnd(), (char)rnd() };

		nlmsg_append(m, junk, (size_t)below(4), 1);
	}
	return m;
}

/* DEV_GET's reply: the name and the state of the device. */
struct dev_reply {
	char name[64];
	char state[32];
};

static int dev_reply_cb(struct nlattr **tb, uint8_t cmd, void *arg)
{
	struct dev_reply *r = arg;

	(void)cmd;
	if (tb[AATTS_DEV_A_NAME])
		snprintf(r->name, sizeof(r->name), "%s",
			 nla_get_string(tb[AATTS_DEV_A_NAME]));
	if (tb[AATTS_DEV_A_STATE])
		snprintf(r->state, sizeof(r->state), "%s",
			 nla_get_string(tb[AATTS_DEV_A_STATE]));
	return 0;
}

/* The device's state as sysfs has it ("" when it cannot be read). */
static void sysfs_state(unsigned int minor, char *buf, size_t n)
{
	char disk[32];

	snprintf(disk, sizeof(disk), "dm-%u", minor);
	aatts_sysfs_str(disk, "state", buf, n);
}

TEST(fuzz)
{
	const char *env = getenv("AATTS_FUZZ_SEED");
	uint64_t seed = env ? strtoull(env, NULL, 0) : (uint64_t)time(NULL);
	struct timeval tv = { .tv_sec = 10 };
	int counts[256] = {}, i, ret, silent = 0, eio = 0;
	int scale = test_scale();
	struct dev_reply dev = {};
	char disk[32], path[64], cmd[512], state[32];
	struct aanl a;
	unsigned int maj, min;
	uint32_t devt;
	uint64_t sectors;
	FILE *f;

	TH_LOG("seed %llu (AATTS_FUZZ_SEED=%llu repeats this run), %d messages",
	       (unsigned long long)seed, (unsigned long long)seed,
	       MESSAGES / scale);
	rng_state = seed ? seed : 1;
	dmt_init();
	dmt_remove(DEV);
	sectors = dev_sectors("/dev/ram2");
	ASSERT_LT(0ULL, sectors);
	size_bytes = sectors * 512;
	ASSERT_EQ(0, dmt_create(DEV, sectors, "aatts", "/dev/ram2 /dev/ram3 16"))
		TH_LOG("%s", dmt_last_error());
	ASSERT_EQ(0, dmt_devno(DEV, disk, sizeof(disk)));
	ASSERT_EQ(2, sscanf(disk, "%u:%u", &maj, &min));
	/* new_encode_dev() */
	devt = (maj << 8) | (min & 0xff) | ((min & ~0xffU) << 12);
	ASSERT_EQ(0, system("dmsetup mknodes " DEV));	/* no udev */
	sysfs_state(min, state, sizeof(state));
	ASSERT_STREQ("running", state);
	ASSERT_EQ(0, aanl_open(&a));
	setsockopt(nl_socket_get_fd(a.sk), SOL_SOCKET, SO_RCVTIMEO, &tv,
		   sizeof(tv));

	for (i = 0; i < MESSAGES / scale; i++) {
		ret = aanl_request(&a, random_msg(&a, devt), NULL, NULL);
		/*
		 * -EIO is either no answer at all (aanl: nothing came back
		 * or the reply did not parse) or the kernel's own EIO, which
		 * it gives only while the fast tier is out of service, always
		 * with an extack message.  Neither may happen here.
		 */
		if (ret == -EIO && a.msg[0])
			eio++;
		else if (ret == -EIO)
			silent++;
		counts[(-ret) & 255]++;
	}
	for (i = 0; i < 256; i++)
		if (counts[i])
			TH_LOG("errno %d: %d messages", i, counts[i]);
	EXPECT_EQ(0, silent) TH_LOG("%d messages got no answer", silent);
	EXPECT_EQ(0, eio) TH_LOG("%d messages got EIO: the tier failed", eio);
	/* Some got through, some were refused for each reason. */
	EXPECT_LT(100 / scale, counts[0]);
	EXPECT_LT(100 / scale, counts[EINVAL]);
	EXPECT_LT(10 / scale, counts[ENODEV]);

	/* The device still answers, its tier still running ... */
	ret = aanl_request(&a, aanl_new(&a, AATTS_CMD_DEV_GET, 0, DEV),
			   dev_reply_cb, &dev);
	EXPECT_EQ(0, ret);
	EXPECT_STREQ(DEV, dev.name);
	EXPECT_STREQ("running", dev.state);
	sysfs_state(min, state, sizeof(state));
	EXPECT_STREQ("running", state);
	ret = aanl_request(&a, aanl_new(&a, AATTS_CMD_PARAMS_SET, 0, DEV),
			   NULL, NULL);
	EXPECT_EQ(-EINVAL, ret);
	aanl_close(&a);

	/* ... and serves I/O correctly. */
	snprintf(path, sizeof(path), "/dev/mapper/%s", DEV);
	snprintf(cmd, sizeof(cmd),
		 "fio --name=fuzzverify --filename=%s --rw=randwrite --bs=4k "
		 "--size=%dM --direct=1 --ioengine=psync --verify=crc32c "
		 "--verify_fatal=1 --do_verify=1 --randseed=%llu "
		 "--output-format=terse --minimal >/dev/null 2>&1",
		 path, 64 / scale, (unsigned long long)seed);
	ret = system(cmd);
	EXPECT_EQ(0, ret) TH_LOG("fio --verify=crc32c failed");
	snprintf(cmd, sizeof(cmd), "dmsetup status %s", DEV);
	f = popen(cmd, "r");
	ASSERT_NE(NULL, f);
	if (fgets(cmd, sizeof(cmd), f))
		TH_LOG("status after: %s", cmd);
	pclose(f);
	EXPECT_EQ(0, dmt_remove(DEV));
}

TEST_HARNESS_MAIN
