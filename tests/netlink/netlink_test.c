// SPDX-License-Identifier: GPL-2.0-only
/*
 * The aatts generic netlink family against include/uapi/linux/aatts.h:
 * every command round-trips and its effect is checked independently
 * (dmsetup status and table, sysfs, data read through the device);
 * malformed requests are refused with the documented errno and an extended
 * ACK message pointing at the attribute at fault; without CAP_NET_ADMIN
 * every command is EPERM, the reading ones answer members of the module's
 * read_group too; events reach a subscriber with CAP_NET_ADMIN.
 *
 * Needs (tests/dm/suite sets them up): aatts.ko loaded, /dev/ram0 and
 * /dev/ram1 (brd, 512 MiB each).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
/* lifetime_race's suspend/reload loop takes more than 30 s under TCG. */
#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT 300
#include "dmtest.h"
#include "aanl.h"

#define SLOW "/dev/ram0"
#define FAST "/dev/ram1"
#define DEV "aatts_t_nl"
#define ERRDEV "aatts_t_nl_err"
#define ERRFAST "aatts_t_nl_efast"
#define BS 4096ULL		/* block size: 8 sectors */

/* ---------------------------------------------------------------- */
/* Helpers                                                           */

static int disk_of(const char *name, char *disk, size_t size, uint32_t *devt)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), "dmsetup mknodes %s", name);
	if (system(path))	/* no udev in the guest */
		return -1;
	snprintf(path, sizeof(path), "/dev/mapper/%s", name);
	if (stat(path, &st))
		return -1;
	snprintf(disk, size, "dm-%u", minor(st.st_rdev));
	/* new_encode_dev() == makedev() for majors below 4096 */
	*devt = (uint32_t)st.st_rdev;
	return 0;
}

static int64_t sysfs_u64(const char *disk, const char *file)
{
	char path[256], buf[64];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/kernel/aatts/%s/%s", disk, file);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	return buf[0] ? strtoll(buf, NULL, 10) : -1;
}

/* Field i (from 0) of dmsetup status. */
static void status_field(const char *name, int i, char *out, size_t n)
{
	char buf[1024], *tok, *save = NULL;

	out[0] = '\0';
	if (dmt_params(name, 0, buf, sizeof(buf)))
		return;
	for (tok = strtok_r(buf, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save))
		if (!i--) {
			snprintf(out, n, "%s", tok);
			return;
		}
}

#define READ_GROUP "/sys/module/aatts/parameters/read_group"
#define TEST_GID 4242		/* a group nobody is in */
#define NOBODY 65534

/* Writes read_group; 0 or -errno. */
static int set_read_group(const char *val)
{
	int fd = open(READ_GROUP, O_WRONLY), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/* Waits until no promotion is queued or being copied. */
static int mig_idle(const char *disk)
{
	int i;

	for (i = 0; i < 1000; i++) {
		if (!sysfs_u64(disk, "queued_migrations") &&
		    !sysfs_u64(disk, "inflight_migrations"))
			return 1;
		usleep(10000);
	}
	return 0;
}

/* What a reply carried, copied out. */
struct reply {
	int n;			/* messages */
	char name[128], disk[32], slow[32], fast[32], mode[32], state[32];
	char policy[32];
	uint32_t devt, block_size;
	uint64_t size, count;
	int has_count;
	uint64_t stats[AATTS_STAT_A_MAX + 1];
	int nstats;
	uint64_t params[AATTS_PARAMS_A_MAX + 1];
	char keys[8][32];
	uint64_t values[8];
	int nkv;
};

static void copy_str(char *dst, size_t n, struct nlattr *a)
{
	if (a)
		snprintf(dst, n, "%s", nla_get_string(a));
}

static int reply_cb(struct nlattr **tb, uint8_t cmd, void *arg)
{
	struct reply *r = arg;
	struct nlattr *a, *kv[AATTS_KV_A_MAX + 1];
	int rem;

	(void)cmd;
	r->n++;
	copy_str(r->name, sizeof(r->name), tb[AATTS_DEV_A_NAME]);
	copy_str(r->disk, sizeof(r->disk), tb[AATTS_DEV_A_DISK]);
	copy_str(r->slow, sizeof(r->slow), tb[AATTS_DEV_A_SLOW]);
	copy_str(r->fast, sizeof(r->fast), tb[AATTS_DEV_A_FAST]);
	copy_str(r->mode, sizeof(r->mode), tb[AATTS_DEV_A_MODE]);
	copy_str(r->state, sizeof(r->state), tb[AATTS_DEV_A_STATE]);
	copy_str(r->policy, sizeof(r->policy), tb[AATTS_DEV_A_POLICY]);
	if (tb[AATTS_DEV_A_DEVT])
		r->devt = nla_get_u32(tb[AATTS_DEV_A_DEVT]);
	if (tb[AATTS_DEV_A_BLOCK_SIZE])
		r->block_size = nla_get_u32(tb[AATTS_DEV_A_BLOCK_SIZE]);
	if (tb[AATTS_DEV_A_SIZE])
		r->size = nla_get_u64(tb[AATTS_DEV_A_SIZE]);
	if (tb[AATTS_DEV_A_COUNT]) {
		r->count = nla_get_u64(tb[AATTS_DEV_A_COUNT]);
		r->has_count = 1;
	}
	if (tb[AATTS_DEV_A_STATS]) {
		r->nstats = 0;
		nla_for_each_nested(a, tb[AATTS_DEV_A_STATS], rem) {
			if (nla_type(a) <= AATTS_STAT_A_MAX &&
			    nla_type(a) != AATTS_STAT_A_PAD) {
				r->stats[nla_type(a)] = nla_get_u64(a);
				r->nstats++;
			}
		}
	}
	if (tb[AATTS_DEV_A_PARAMS]) {
		nla_for_each_nested(a, tb[AATTS_DEV_A_PARAMS], rem) {
			if (nla_type(a) == AATTS_PARAMS_A_MIGRATION_INFLIGHT ||
			    nla_type(a) == AATTS_PARAMS_A_MIGRATION_BANDWIDTH)
				r->params[nla_type(a)] = nla_get_u64(a);
			else if (nla_type(a) <= AATTS_PARAMS_A_MAX)
				r->params[nla_type(a)] = nla_get_u32(a);
		}
	}
	if (tb[AATTS_DEV_A_POLICY_PARAMS]) {
		r->nkv = 0;
		nla_for_each_nested(a, tb[AATTS_DEV_A_POLICY_PARAMS], rem) {
			if (r->nkv == 8 ||
			    nla_parse_nested(kv, AATTS_KV_A_MAX, a, NULL) ||
			    !kv[AATTS_KV_A_KEY] || !kv[AATTS_KV_A_VALUE])
				continue;
			copy_str(r->keys[r->nkv], 32, kv[AATTS_KV_A_KEY]);
			r->values[r->nkv++] = nla_get_u64(kv[AATTS_KV_A_VALUE]);
		}
	}
	return 0;
}

static uint64_t kv_value(const struct reply *r, const char *key)
{
	int i;

	for (i = 0; i < r->nkv; i++)
		if (!strcmp(r->keys[i], key))
			return r->values[i];
	return UINT64_MAX;
}

/* A request with ranges: n ranges of (off[i], len[i]). */
static struct nl_msg *ranges_msg(struct aanl *a, uint8_t cmd, const char *dev,
				 const uint64_t *off, const uint64_t *len,
				 int n, int score, uint32_t flags)
{
	struct nl_msg *m = aanl_new(a, cmd, 0, dev);
	struct nlattr *rs;
	int i;

	if (!m)
		return NULL;
	if (flags && nla_put_u32(m, AATTS_DEV_A_FLAGS, flags))
		goto bad;
	rs = nla_nest_start(m, AATTS_DEV_A_RANGES);
	if (!rs)
		goto bad;
	for (i = 0; i < n; i++)
		if (!aanl_range(m, off[i], len[i], score, -1))
			goto bad;
	nla_nest_end(m, rs);
	return m;
bad:
	nlmsg_free(m);
	return NULL;
}

static int one_range(struct aanl *a, uint8_t cmd, const char *dev,
		     uint64_t off, uint64_t len, uint32_t flags,
		     struct reply *r)
{
	return aanl_request(a, ranges_msg(a, cmd, dev, &off, &len, 1, -1,
					  flags),
			    reply_cb, r);
}

/* Residency: fragments collected into a bitmap of the device's blocks. */
struct residency {
	uint64_t nr_blocks;
	uint8_t *bits;		/* one byte per block */
	uint64_t expect_next;	/* the next FIRST_BLOCK expected */
	int fragments;
	int gaps;		/* fragments out of order or overlapping */
	uint32_t block_size;
	int block_size_msgs;
};

static int residency_cb(struct nlattr **tb, uint8_t cmd, void *arg)
{
	struct residency *res = arg;
	struct nlattr *t[AATTS_RES_A_MAX + 1];
	const uint64_t *w;
	uint64_t first, i;
	uint32_t nr;

	(void)cmd;
	if (tb[AATTS_DEV_A_BLOCK_SIZE]) {
		res->block_size = nla_get_u32(tb[AATTS_DEV_A_BLOCK_SIZE]);
		res->block_size_msgs++;
	}
	if (!tb[AATTS_DEV_A_RESIDENCY] ||
	    nla_parse_nested(t, AATTS_RES_A_MAX, tb[AATTS_DEV_A_RESIDENCY],
			     NULL) ||
	    !t[AATTS_RES_A_FIRST_BLOCK] || !t[AATTS_RES_A_NR_BLOCKS] ||
	    !t[AATTS_RES_A_BITMAP]) {
		res->gaps++;
		return 0;
	}
	first = nla_get_u64(t[AATTS_RES_A_FIRST_BLOCK]);
	nr = nla_get_u32(t[AATTS_RES_A_NR_BLOCKS]);
	if (first != res->expect_next ||
	    (uint64_t)nla_len(t[AATTS_RES_A_BITMAP]) != (nr + 63ULL) / 64 * 8 ||
	    first + nr > res->nr_blocks) {
		res->gaps++;
		return 0;
	}
	w = nla_data(t[AATTS_RES_A_BITMAP]);
	for (i = 0; i < nr; i++)
		res->bits[first + i] = (w[i / 64] >> (i % 64)) & 1;
	res->expect_next = first + nr;
	res->fragments++;
	return 0;
}

static int residency_get(struct aanl *a, const char *dev, int with_range,
			 uint64_t off, uint64_t len, struct residency *res)
{
	struct nl_msg *m = aanl_new(a, AATTS_CMD_RESIDENCY_GET, 1, dev);
	struct nlattr *rs;

	if (m && with_range) {
		rs = nla_nest_start(m, AATTS_DEV_A_RANGES);
		aanl_range(m, off, len, -1, -1);
		nla_nest_end(m, rs);
	}
	return aanl_request(a, m, residency_cb, res);
}

/* ---------------------------------------------------------------- */
/* The fixture: one aatts device over two RAM disks, 4 KiB blocks    */

FIXTURE(nl) {
	struct aanl a;
	char disk[32];
	uint32_t devt;
	uint64_t sectors;
};

FIXTURE_SETUP(nl)
{
	char params[128];

	dmt_init();
	dmt_remove(DEV);
	self->sectors = dev_sectors(SLOW);
	ASSERT_LT(0ULL, self->sectors);
	snprintf(params, sizeof(params), "%s %s 8", SLOW, FAST);
	ASSERT_EQ(0, dmt_create(DEV, self->sectors, "aatts", params))
		TH_LOG("create: %s", dmt_last_error());
	ASSERT_EQ(0, disk_of(DEV, self->disk, sizeof(self->disk), &self->devt));
	ASSERT_EQ(0, aanl_open(&self->a));
}

FIXTURE_TEARDOWN(nl)
{
	set_read_group("-1");
	aanl_close(&self->a);
	dmt_remove(DEV);
}

/* Refused with err, an extack message and, if offs, pointing there. */
#define ASSERT_REFUSED(_a, _ret, _err, _offs) do {			\
	ASSERT_EQ(-(_err), (_ret)) TH_LOG("msg: %s", (_a)->msg);	\
	ASSERT_NE('\0', (_a)->msg[0]) TH_LOG("no extack message");	\
	if (_offs) {							\
		ASSERT_TRUE((_a)->has_offs) TH_LOG("msg: %s", (_a)->msg); \
		ASSERT_EQ((uint32_t)(_offs), (_a)->offs)		\
			TH_LOG("msg: %s", (_a)->msg);			\
	}								\
} while (0)

TEST_F(nl, dev_get)
{
	struct reply r = {}, r2 = {};
	struct nl_msg *m;
	char slow[32], fast[32], buf[64];
	struct stat st;

	ASSERT_EQ(0, aanl_request(&self->a,
				  aanl_new(&self->a, AATTS_CMD_DEV_GET, 0, DEV),
				  reply_cb, &r));
	ASSERT_EQ(1, r.n);
	EXPECT_STREQ(DEV, r.name);
	EXPECT_STREQ(self->disk, r.disk);
	EXPECT_EQ(self->devt, r.devt);
	ASSERT_EQ(0, stat(SLOW, &st));
	snprintf(slow, sizeof(slow), "%u:%u", major(st.st_rdev), minor(st.st_rdev));
	ASSERT_EQ(0, stat(FAST, &st));
	snprintf(fast, sizeof(fast), "%u:%u", major(st.st_rdev), minor(st.st_rdev));
	EXPECT_STREQ(slow, r.slow);
	EXPECT_STREQ(fast, r.fast);
	EXPECT_EQ(self->sectors * 512, r.size);
	EXPECT_EQ(BS, r.block_size);
	status_field(DEV, 1, buf, sizeof(buf));
	EXPECT_STREQ(buf, r.state);
	status_field(DEV, 2, buf, sizeof(buf));
	EXPECT_STREQ(buf, r.policy);
	status_field(DEV, 3, buf, sizeof(buf));
	EXPECT_STREQ(buf, r.mode);
	EXPECT_EQ(AATTS_STAT_A_MAX - 1, r.nstats);
	EXPECT_EQ((uint64_t)sysfs_u64(self->disk, "fast_blocks_total"),
		  r.stats[AATTS_STAT_A_FAST_BLOCKS_TOTAL]);
	EXPECT_EQ((uint64_t)sysfs_u64(self->disk, "bytes_per_slot"),
		  r.stats[AATTS_STAT_A_BYTES_PER_SLOT]);
	EXPECT_EQ(64ULL << 20, r.params[AATTS_PARAMS_A_MIGRATION_INFLIGHT]);
	EXPECT_EQ(16ULL, r.params[AATTS_PARAMS_A_ERROR_THRESHOLD]);
	EXPECT_LT(0, r.nkv);

	/* By dev_t only, then by both. */
	m = aanl_new(&self->a, AATTS_CMD_DEV_GET, 0, NULL);
	ASSERT_EQ(0, nla_put_u32(m, AATTS_DEV_A_DEVT, self->devt));
	ASSERT_EQ(0, aanl_request(&self->a, m, reply_cb, &r2));
	EXPECT_STREQ(DEV, r2.name);
	m = aanl_new(&self->a, AATTS_CMD_DEV_GET, 0, DEV);
	ASSERT_EQ(0, nla_put_u32(m, AATTS_DEV_A_DEVT, self->devt));
	ASSERT_EQ(0, aanl_request(&self->a, m, reply_cb, &r2));
	EXPECT_EQ(2, r2.n);
}

static int count_dev(struct nlattr **tb, uint8_t cmd, void *arg)
{
	int *n = arg;

	(void)cmd;
	if (tb[AATTS_DEV_A_NAME] &&
	    !strcmp(nla_get_string(tb[AATTS_DEV_A_NAME]), DEV))
		(*n)++;
	return 0;
}

TEST_F(nl, dev_get_dump_and_module_files)
{
	char buf[64];
	FILE *f;
	int n = 0;

	ASSERT_EQ(0, aanl_request(&self->a,
				  aanl_new(&self->a, AATTS_CMD_DEV_GET, 1, NULL),
				  count_dev, &n));
	EXPECT_EQ(1, n);
	f = fopen("/sys/kernel/aatts/version", "r");
	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(buf, sizeof(buf), f));
	fclose(f);
	EXPECT_STREQ("1.6.0\n", buf);
	f = fopen("/sys/kernel/aatts/devices", "r");
	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(buf, sizeof(buf), f));
	fclose(f);
	EXPECT_LE(1, atoi(buf));
}

TEST_F(nl, stats_get)
{
	static const struct { int attr; const char *file; } names[] = {
		{ AATTS_STAT_A_READ_MISSES, "read_misses" },
		{ AATTS_STAT_A_READ_HITS, "read_hits" },
		{ AATTS_STAT_A_FAST_BLOCKS_USED, "fast_blocks_used" },
		{ AATTS_STAT_A_FAST_BLOCKS_TOTAL, "fast_blocks_total" },
		{ AATTS_STAT_A_HINTS, "hints" },
		{ AATTS_STAT_A_EPOCHS, "epochs" },
		{ AATTS_STAT_A_PINNED_BLOCKS, "pinned_blocks" },
	};
	struct reply r = {};
	char path[128], buf[8192];
	unsigned int i;
	int fd;

	/* Some reads, so that the counters are not all 0. */
	snprintf(path, sizeof(path), "/dev/mapper/%s", DEV);
	fd = open(path, O_RDONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ((ssize_t)sizeof(buf), pread(fd, buf, sizeof(buf), 1 << 20));
	close(fd);
	/* The read's fills may still be on their way: counters settle first. */
	ASSERT_TRUE(mig_idle(self->disk));
	ASSERT_EQ(0, aanl_request(&self->a,
				  aanl_new(&self->a, AATTS_CMD_STATS_GET, 0, DEV),
				  reply_cb, &r));
	EXPECT_STREQ(DEV, r.name);
	EXPECT_EQ(self->devt, r.devt);
	EXPECT_EQ(AATTS_STAT_A_MAX - 1, r.nstats);
	EXPECT_LT(0ULL, r.stats[AATTS_STAT_A_READ_MISSES]);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const char *file = names[i].file;
		uint64_t want = (uint64_t)sysfs_u64(self->disk, file);

		EXPECT_EQ(want, r.stats[names[i].attr]) TH_LOG("%s", file);
	}
}

static struct nl_msg *policy_msg(struct aanl *a, const char *dev,
				 const char *policy, const char *key,
				 uint64_t value, struct nlattr **kv_at)
{
	struct nl_msg *m = aanl_new(a, AATTS_CMD_POLICY_SET, 0, dev);
	struct nlattr *ps, *kv;

	if (policy)
		nla_put_string(m, AATTS_DEV_A_POLICY, policy);
	if (key) {
		ps = nla_nest_start(m, AATTS_DEV_A_POLICY_PARAMS);
		kv = nla_nest_start(m, AATTS_PARAM_A_KV);
		nla_put_string(m, AATTS_KV_A_KEY, key);
		nla_put_u64(m, AATTS_KV_A_VALUE, value);
		nla_nest_end(m, kv);
		nla_nest_end(m, ps);
		if (kv_at)
			*kv_at = kv;
	}
	return m;
}

TEST_F(nl, policy_set_get)
{
	struct reply r = {};
	struct nlattr *kv, *pol;
	struct nl_msg *m;
	char buf[64];
	uint32_t offs;
	int ret;

	ASSERT_EQ(0, aanl_request(&self->a,
				  policy_msg(&self->a, DEV, "lfu", "aging", 7, NULL),
				  NULL, NULL));
	status_field(DEV, 2, buf, sizeof(buf));
	EXPECT_STREQ("lfu", buf);
	ASSERT_EQ(0, aanl_request(&self->a,
				  aanl_new(&self->a, AATTS_CMD_POLICY_GET, 0, DEV),
				  reply_cb, &r));
	EXPECT_STREQ("lfu", r.policy);
	EXPECT_EQ(7ULL, kv_value(&r, "aging"));

	ASSERT_EQ(0, aanl_request(&self->a,
				  policy_msg(&self->a, DEV, "isa", "min_score", 5, NULL),
				  NULL, NULL));
	aatts_sysfs_str(self->disk, "policy", buf, sizeof(buf));
	EXPECT_STREQ("isa", buf);

	/* A key unknown to the policy: EINVAL at the key, nothing changes. */
	m = policy_msg(&self->a, DEV, "lfu", "min_score", 5, &kv);
	offs = aanl_offset(m, kv);
	ret = aanl_request(&self->a, m, NULL, NULL);
	ASSERT_REFUSED(&self->a, ret, EINVAL, offs);
	/* Out of range (aging is 1..3600). */
	m = policy_msg(&self->a, DEV, "lfu", "aging", 0, &kv);
	offs = aanl_offset(m, kv);
	ret = aanl_request(&self->a, m, NULL, NULL);
	ASSERT_REFUSED(&self->a, ret, EINVAL, offs);
	status_field(DEV, 2, buf, sizeof(buf));
	EXPECT_STREQ("isa", buf);
	/* An unknown policy. */
	m = aanl_new(&self->a, AATTS_CMD_POLICY_SET, 0, DEV);
	pol = nla_reserve(m, AATTS_DEV_A_POLICY, 5);
	memcpy(nla_data(pol), "nope", 5);
	offs = aanl_offset(m, pol);
	ret = aanl_request(&self->a, m, NULL, NULL);
	ASSERT_REFUSED(&self->a, ret, EINVAL, offs);
	/* No policy at all. */
	ret = aanl_request(&self->a, policy_msg(&self->a, DEV, NULL, NULL, 0, NULL),
			   NULL, NULL);
	ASSERT_REFUSED(&self->a, ret, EINVAL, 0);
	EXPECT_TRUE(self->a.has_miss);
	EXPECT_EQ((uint32_t)AATTS_DEV_A_POLICY, self->a.miss_type);
}

TEST_F(nl, hints_and_epochs)
{
	uint64_t off[3] = { 0, 10 * BS + 5, 1000 * BS };
	uint64_t len[3] = { 1, 3 * BS, 64 * BS };
	int64_t hints = sysfs_u64(self->disk, "hints");
	int64_t epochs = sysfs_u64(self->disk, "epochs");
	struct reply r = {};

	ASSERT_EQ(0, aanl_request(&self->a,
				  ranges_msg(&self->a, AATTS_CMD_HINTS_SET, DEV,
					     off, len, 3, 100, 0),
				  reply_cb, &r));
	EXPECT_EQ(3ULL, r.count);
	EXPECT_EQ(hints + 3, sysfs_u64(self->disk, "hints"));
	EXPECT_EQ(epochs, sysfs_u64(self->disk, "epochs"));
	ASSERT_EQ(0, aanl_request(&self->a,
				  aanl_new(&self->a, AATTS_CMD_EPOCH_COMMIT, 0, DEV),
				  NULL, NULL));
	EXPECT_EQ(epochs + 1, sysfs_u64(self->disk, "epochs"));
	/* With AATTS_F_COMMIT: staged and committed at once. */
	ASSERT_EQ(0, aanl_request(&self->a,
				  ranges_msg(&self->a, AATTS_CMD_HINTS_SET, DEV,
					     off, len, 2, 7, AATTS_F_COMMIT),
				  reply_cb, &r));
	EXPECT_EQ(2ULL, r.count);
	EXPECT_EQ(hints + 5, sysfs_u64(self->disk, "hints"));
	EXPECT_EQ(epochs + 2, sysfs_u64(self->disk, "epochs"));
}

/* Blocks promoted in the residency test, with some at fragment edges. */
static int promoted_block(uint64_t b)
{
	return b == 0 || b == 100 || b == 101 || b == 32767 || b == 32768 ||
	       b == 65541 || b % 997 == 3;
}

TEST_F(nl, prefetch_residency_demote)
{
	uint64_t nr_blocks = self->sectors * 512 / BS, b, n = 0, i;
	uint64_t *off = calloc(nr_blocks, sizeof(*off));
	uint64_t *len = calloc(nr_blocks, sizeof(*len));
	struct residency res = { .nr_blocks = nr_blocks };
	int64_t used, hits;
	struct reply r = {};
	char path[128];
	static uint8_t buf[2 * BS] __attribute__((aligned(4096)));
	int fd, mismatch = 0;

	ASSERT_NE(NULL, off);
	ASSERT_NE(NULL, len);
	res.bits = calloc(nr_blocks, 1);
	ASSERT_NE(NULL, res.bits);
	/* Data in blocks 100 and 101, written through to the slow tier. */
	snprintf(path, sizeof(path), "/dev/mapper/%s", DEV);
	fd = open(path, O_RDWR | O_DIRECT);
	ASSERT_LE(0, fd);
	for (i = 0; i < 2 * BS; i++)
		((uint8_t *)buf)[i] = (uint8_t)(i * 7 + 3);
	ASSERT_EQ((ssize_t)(2 * BS), pwrite(fd, buf, 2 * BS, 100 * BS));

	/* One range per block, unaligned bytes; 100..101 in one range. */
	for (b = 0; b < nr_blocks; b++) {
		if (!promoted_block(b) || b == 101)
			continue;
		off[n] = b * BS + (b == 100 ? BS - 10 : 17);
		len[n] = b == 100 ? 20 : 1;
		n++;
	}
	ASSERT_GT((uint64_t)AATTS_RANGES_MAX, n);
	ASSERT_EQ(0, aanl_request(&self->a,
				  ranges_msg(&self->a, AATTS_CMD_PREFETCH, DEV,
					     off, len, (int)n, -1, AATTS_F_FORCE),
				  reply_cb, &r));
	EXPECT_EQ(n + 1, r.count);
	ASSERT_TRUE(mig_idle(self->disk));
	used = sysfs_u64(self->disk, "fast_blocks_used");
	EXPECT_EQ((int64_t)n + 1, used);

	/* The whole device: several fragments, in order, no gaps. */
	ASSERT_EQ(0, residency_get(&self->a, DEV, 0, 0, 0, &res));
	EXPECT_EQ(0, res.gaps);
	EXPECT_EQ(nr_blocks, res.expect_next);
	EXPECT_LT(1, res.fragments);
	EXPECT_EQ(1, res.block_size_msgs);
	EXPECT_EQ(BS, res.block_size);
	for (b = 0; b < nr_blocks; b++)
		if (res.bits[b] != promoted_block(b))
			mismatch++;
	EXPECT_EQ(0, mismatch);
	TH_LOG("residency of %llu blocks in %d fragments",
	       (unsigned long long)nr_blocks, res.fragments);

	/* One range: blocks 32760..32779 only. */
	memset(&res, 0, offsetof(struct residency, bits));
	res.nr_blocks = nr_blocks;
	res.expect_next = 32760;
	memset(res.bits, 0, nr_blocks);
	ASSERT_EQ(0, residency_get(&self->a, DEV, 1, 32760 * BS + 1,
				   20 * BS - 1, &res));
	EXPECT_EQ(0, res.gaps);
	EXPECT_EQ(32780ULL, res.expect_next);
	EXPECT_TRUE(res.bits[32767] && res.bits[32768]);

	/* The promoted data is read from the fast tier, and is right. */
	hits = sysfs_u64(self->disk, "read_hits");
	memset(buf, 0, 2 * BS);
	ASSERT_EQ((ssize_t)(2 * BS), pread(fd, buf, 2 * BS, 100 * BS));
	for (i = 0; i < 2 * BS; i++)
		if (((uint8_t *)buf)[i] != (uint8_t)(i * 7 + 3))
			mismatch++;
	EXPECT_EQ(0, mismatch);
	EXPECT_EQ(hits + 2, sysfs_u64(self->disk, "read_hits"));
	close(fd);

	/* Demote 100..101 and block 0: 3 valid copies dropped. */
	off[0] = 100 * BS;
	len[0] = 2 * BS;
	off[1] = 0;
	len[1] = 1;
	ASSERT_EQ(0, aanl_request(&self->a,
				  ranges_msg(&self->a, AATTS_CMD_DEMOTE, DEV,
					     off, len, 2, -1, 0),
				  reply_cb, &r));
	EXPECT_EQ(3ULL, r.count);
	EXPECT_EQ(used - 3, sysfs_u64(self->disk, "fast_blocks_used"));
	memset(&res, 0, offsetof(struct residency, bits));
	res.nr_blocks = nr_blocks;
	memset(res.bits, 0, nr_blocks);
	ASSERT_EQ(0, residency_get(&self->a, DEV, 1, 0, 200 * BS, &res));
	EXPECT_EQ(0, res.bits[0]);
	EXPECT_EQ(0, res.bits[100]);
	EXPECT_EQ(0, res.bits[101]);
	free(res.bits);
	free(off);
	free(len);
}

TEST_F(nl, pin_unpin)
{
	struct reply r = {};

	ASSERT_EQ(0, one_range(&self->a, AATTS_CMD_PIN, DEV, 50 * BS, 4 * BS,
			       0, &r));
	ASSERT_TRUE(mig_idle(self->disk));
	EXPECT_EQ(4, sysfs_u64(self->disk, "pinned_blocks"));
	EXPECT_EQ(4, sysfs_u64(self->disk, "fast_blocks_used"));
	ASSERT_EQ(0, one_range(&self->a, AATTS_CMD_UNPIN, DEV, 50 * BS, 4 * BS,
			       0, &r));
	EXPECT_EQ(0, sysfs_u64(self->disk, "pinned_blocks"));
}

static struct nl_msg *params_msg(struct aanl *a, const char *dev, int attr,
				 uint64_t value, struct nlattr **at)
{
	struct nl_msg *m = aanl_new(a, AATTS_CMD_PARAMS_SET, 0, dev);
	struct nlattr *p = nla_nest_start(m, AATTS_DEV_A_PARAMS), *x = NULL;

	if (attr == AATTS_PARAMS_A_MIGRATION_INFLIGHT ||
	    attr == AATTS_PARAMS_A_MIGRATION_BANDWIDTH) {
		nla_put_u64(m, attr, value);
	} else if (attr == AATTS_PARAMS_A_RESTORE_FAST) {
		nla_put_flag(m, attr);
	} else if (attr) {
		nla_put_u32(m, attr, (uint32_t)value);
	}
	if (attr)
		x = (struct nlattr *)((char *)nlmsg_tail(nlmsg_hdr(m)) -
				      NLA_ALIGN(nla_attr_size(
					attr == AATTS_PARAMS_A_RESTORE_FAST ? 0 :
					attr <= AATTS_PARAMS_A_MIGRATION_BANDWIDTH ?
					8 : 4)));
	nla_nest_end(m, p);
	if (at)
		*at = x;
	return m;
}

TEST_F(nl, params_set)
{
	struct reply r = {};
	struct nlattr *at;
	struct nl_msg *m;
	char table[512];
	uint32_t offs;
	int ret;

	ASSERT_EQ(0, aanl_request(&self->a,
				  params_msg(&self->a, DEV,
					     AATTS_PARAMS_A_MIGRATION_INFLIGHT,
					     1 << 20, NULL), NULL, NULL));
	ASSERT_EQ(0, aanl_request(&self->a,
				  params_msg(&self->a, DEV,
					     AATTS_PARAMS_A_ERROR_THRESHOLD, 3,
					     NULL), NULL, NULL));
	ASSERT_EQ(0, aanl_request(&self->a,
				  params_msg(&self->a, DEV,
					     AATTS_PARAMS_A_MIGRATION_BANDWIDTH,
					     8 << 20, NULL), NULL, NULL));
	ASSERT_EQ(0, aanl_request(&self->a,
				  params_msg(&self->a, DEV,
					     AATTS_PARAMS_A_STATS_INTERVAL, 0,
					     NULL), NULL, NULL));
	ASSERT_EQ(0, dmt_params(DEV, 1, table, sizeof(table)));
	EXPECT_NE(NULL, strstr(table, "migration_inflight 2048"))
		TH_LOG("table: %s", table);
	EXPECT_NE(NULL, strstr(table, "migration_bandwidth 16384"))
		TH_LOG("table: %s", table);
	EXPECT_NE(NULL, strstr(table, "error_threshold 3"))
		TH_LOG("table: %s", table);
	ASSERT_EQ(0, aanl_request(&self->a,
				  aanl_new(&self->a, AATTS_CMD_DEV_GET, 0, DEV),
				  reply_cb, &r));
	EXPECT_EQ(1ULL << 20, r.params[AATTS_PARAMS_A_MIGRATION_INFLIGHT]);
	EXPECT_EQ(8ULL << 20, r.params[AATTS_PARAMS_A_MIGRATION_BANDWIDTH]);
	EXPECT_EQ(3ULL, r.params[AATTS_PARAMS_A_ERROR_THRESHOLD]);
	/* RESTORE_FAST on a running tier changes nothing. */
	ASSERT_EQ(0, aanl_request(&self->a,
				  params_msg(&self->a, DEV,
					     AATTS_PARAMS_A_RESTORE_FAST, 0,
					     NULL), NULL, NULL));

	/* Out of range: below one block, interval 1..99: EINVAL there. */
	m = params_msg(&self->a, DEV, AATTS_PARAMS_A_MIGRATION_INFLIGHT, 100,
		       &at);
	offs = aanl_offset(m, at);
	ret = aanl_request(&self->a, m, NULL, NULL);
	ASSERT_REFUSED(&self->a, ret, EINVAL, offs);
	m = params_msg(&self->a, DEV, AATTS_PARAMS_A_STATS_INTERVAL, 50, &at);
	offs = aanl_offset(m, at);
	ret = aanl_request(&self->a, m, NULL, NULL);
	ASSERT_REFUSED(&self->a, ret, ERANGE, offs);
	m = params_msg(&self->a, DEV, AATTS_PARAMS_A_STATS_INTERVAL, 3600001,
		       &at);
	offs = aanl_offset(m, at);
	ret = aanl_request(&self->a, m, NULL, NULL);
	ASSERT_REFUSED(&self->a, ret, ERANGE, offs);
	/* An empty set. */
	ret = aanl_request(&self->a, params_msg(&self->a, DEV, 0, 0, NULL),
			   NULL, NULL);
	ASSERT_REFUSED(&self->a, ret, EINVAL, 0);
	ASSERT_EQ(0, dmt_params(DEV, 1, table, sizeof(table)));
	EXPECT_NE(NULL, strstr(table, "migration_inflight 2048"));
}

TEST_F(nl, malformed)
{
	uint64_t off[AATTS_RANGES_MAX + 1], len[AATTS_RANGES_MAX + 1];
	int64_t hints = sysfs_u64(self->disk, "hints");
	struct nlattr *at, *rs, *r1;
	struct nl_msg *m;
	uint64_t wide = self->devt;
	uint32_t offs;
	int ret, i;

	/* A wrong type: dev_t as 8 bytes. */
	m = aanl_new(&self->a, AATTS_CMD_DEV_GET, 0, NULL);
	at = nla_reserve(m, AATTS_DEV_A_DEVT, 8);
	memcpy(nla_data(at), &wide, 8);
	offs = aanl_offset(m, at);
	ret = aanl_request(&self->a, m, NULL, NULL);
	ASSERT_REFUSED(&self->a, ret, EINVAL, offs);

	/* An attribute the command does not take. */
	m = aanl_new(&self->a, AATTS_CMD_DEV_GET, 0, DEV);
	at = nla_reserve(m, AATTS_DEV_A_COUNT, 8);
	memset(nla_data(at), 0, 8);
	offs = aanl_offset(m, at);
	ret = aanl_request(&self->a, m, NULL, NULL);
	ASSERT_REFUSED(&self->a, ret, EINVAL, offs);

	/* No device; an unknown one; a dev_t that is not aatts. */
	ret = aanl_request(&self->a,
			   aanl_new(&self->a, AATTS_CMD_STATS_GET, 0, NULL),
			   NULL, NULL);
	ASSERT_REFUSED(&self->a, ret, EINVAL, 0);
	m = aanl_new(&self->a, AATTS_CMD_STATS_GET, 0, NULL);
	at = nla_reserve(m, AATTS_DEV_A_NAME, 9);
	memcpy(nla_data(at), "aatts_no", 9);
	offs = aanl_offset(m, at);
	ret = aanl_request(&self->a, m, NULL, NULL);
	ASSERT_REFUSED(&self->a, ret, ENODEV, offs);
	m = aanl_new(&self->a, AATTS_CMD_STATS_GET, 0, DEV);
	at = nla_reserve(m, AATTS_DEV_A_DEVT, 4);
	*(uint32_t *)nla_data(at) = makedev(1, 1);	/* /dev/ram1 */
	offs = aanl_offset(m, at);
	ret = aanl_request(&self->a, m, NULL, NULL);
	ASSERT_REFUSED(&self->a, ret, ENODEV, offs);

	/* An oversized batch: E2BIG at RANGES, nothing staged. */
	for (i = 0; i <= AATTS_RANGES_MAX; i++) {
		off[i] = i * BS;
		len[i] = 1;
	}
	m = ranges_msg(&self->a, AATTS_CMD_HINTS_SET, DEV, off, len,
		       AATTS_RANGES_MAX + 1, 1, 0);
	ASSERT_NE(NULL, m);
	rs = nla_find(genlmsg_attrdata(nlmsg_data(nlmsg_hdr(m)), 0),
		      genlmsg_attrlen(nlmsg_data(nlmsg_hdr(m)), 0),
		      AATTS_DEV_A_RANGES);
	offs = aanl_offset(m, rs);
	ret = aanl_request(&self->a, m, NULL, NULL);
	ASSERT_REFUSED(&self->a, ret, E2BIG, offs);
	/* The largest batch is fine. */
	ret = aanl_request(&self->a,
			   ranges_msg(&self->a, AATTS_CMD_HINTS_SET, DEV, off,
				      len, AATTS_RANGES_MAX, 1, 0), NULL, NULL);
	ASSERT_EQ(0, ret) TH_LOG("%s", self->a.msg);
	hints += AATTS_RANGES_MAX;
	EXPECT_EQ(hints, sysfs_u64(self->disk, "hints"));

	/* Missing ranges; an empty batch; a range without its score. */
	ret = aanl_request(&self->a,
			   aanl_new(&self->a, AATTS_CMD_HINTS_SET, 0, DEV),
			   NULL, NULL);
	ASSERT_REFUSED(&self->a, ret, EINVAL, 0);
	EXPECT_TRUE(self->a.has_miss);
	EXPECT_EQ((uint32_t)AATTS_DEV_A_RANGES, self->a.miss_type);
	m = aanl_new(&self->a, AATTS_CMD_DEMOTE, 0, DEV);
	ASSERT_EQ(0, nla_put(m, AATTS_DEV_A_RANGES, 0, NULL));	/* empty */
	rs = nla_find(genlmsg_attrdata(nlmsg_data(nlmsg_hdr(m)), 0),
		      genlmsg_attrlen(nlmsg_data(nlmsg_hdr(m)), 0),
		      AATTS_DEV_A_RANGES);
	offs = aanl_offset(m, rs);
	ret = aanl_request(&self->a, m, NULL, NULL);
	ASSERT_REFUSED(&self->a, ret, EINVAL, offs);
	m = ranges_msg(&self->a, AATTS_CMD_HINTS_SET, DEV, off, len, 1, -1, 0);
	r1 = nla_find(genlmsg_attrdata(nlmsg_data(nlmsg_hdr(m)), 0),
		      genlmsg_attrlen(nlmsg_data(nlmsg_hdr(m)), 0),
		      AATTS_DEV_A_RANGES);
	offs = aanl_offset(m, nla_data(r1));
	ret = aanl_request(&self->a, m, NULL, NULL);
	ASSERT_REFUSED(&self->a, ret, EINVAL, offs);

	/* A score out of range: at the score. */
	m = aanl_new(&self->a, AATTS_CMD_HINTS_SET, 0, DEV);
	rs = nla_nest_start(m, AATTS_DEV_A_RANGES);
	r1 = nla_nest_start(m, AATTS_RANGES_A_RANGE);
	nla_put_u64(m, AATTS_RANGE_A_OFFSET, 0);
	nla_put_u64(m, AATTS_RANGE_A_LENGTH, 1);
	at = nla_reserve(m, AATTS_RANGE_A_SCORE, 4);
	*(uint32_t *)nla_data(at) = AATTS_SCORE_MAX + 1U;
	nla_nest_end(m, r1);
	nla_nest_end(m, rs);
	offs = aanl_offset(m, at);
	ret = aanl_request(&self->a, m, NULL, NULL);
	ASSERT_REFUSED(&self->a, ret, ERANGE, offs);
	/* A flag the command does not know. */
	m = ranges_msg(&self->a, AATTS_CMD_HINTS_SET, DEV, off, len, 1, 1,
		       AATTS_F_FORCE);
	ret = aanl_request(&self->a, m, NULL, NULL);
	ASSERT_REFUSED(&self->a, ret, EINVAL, 0);

	/*
	 * Ranges past the end: ERANGE at the range at fault, and the batch
	 * is checked whole (the first, good range is not staged).
	 */
	off[0] = 0;
	len[0] = 1;
	off[1] = self->sectors * 512 - 10;
	len[1] = 11;
	m = ranges_msg(&self->a, AATTS_CMD_HINTS_SET, DEV, off, len, 2, 1, 0);
	r1 = nla_find(genlmsg_attrdata(nlmsg_data(nlmsg_hdr(m)), 0),
		      genlmsg_attrlen(nlmsg_data(nlmsg_hdr(m)), 0),
		      AATTS_DEV_A_RANGES);
	offs = aanl_offset(m, nla_next(nla_data(r1), &(int){ nla_len(r1) }));
	ret = aanl_request(&self->a, m, NULL, NULL);
	ASSERT_REFUSED(&self->a, ret, ERANGE, offs);
	EXPECT_EQ(hints, sysfs_u64(self->disk, "hints"));
	off[0] = self->sectors * 512;
	len[0] = 1;
	ret = one_range(&self->a, AATTS_CMD_PREFETCH, DEV, off[0], len[0], 0,
			&(struct reply){});
	ASSERT_REFUSED(&self->a, ret, ERANGE, 0);
	ret = one_range(&self->a, AATTS_CMD_PIN, DEV, 1, UINT64_MAX, 0,
			&(struct reply){});
	ASSERT_REFUSED(&self->a, ret, ERANGE, 0);
	/* Length 0: an empty range. */
	ret = one_range(&self->a, AATTS_CMD_DEMOTE, DEV, 0, 0, 0,
			&(struct reply){});
	ASSERT_REFUSED(&self->a, ret, ERANGE, 0);
	/* A residency dump with two ranges. */
	m = aanl_new(&self->a, AATTS_CMD_RESIDENCY_GET, 1, DEV);
	rs = nla_nest_start(m, AATTS_DEV_A_RANGES);
	aanl_range(m, 0, 1, -1, -1);
	aanl_range(m, BS, 1, -1, -1);
	nla_nest_end(m, rs);
	ret = aanl_request(&self->a, m, NULL, NULL);
	ASSERT_REFUSED(&self->a, ret, EINVAL, 0);
	/* An unknown command. */
	ret = aanl_request(&self->a, aanl_new(&self->a, 99, 0, DEV), NULL, NULL);
	EXPECT_EQ(-EOPNOTSUPP, ret);
	/* Events are not commands. */
	ret = aanl_request(&self->a,
			   aanl_new(&self->a, AATTS_CMD_POLICY_CHANGED, 0, DEV),
			   NULL, NULL);
	EXPECT_EQ(-EOPNOTSUPP, ret);
	EXPECT_EQ(hints, sysfs_u64(self->disk, "hints"));
}

/* Every command, in a valid form. */
static struct nl_msg *valid_msg(struct aanl *a, uint8_t cmd)
{
	uint64_t off = 0, len = BS;

	switch (cmd) {
	case AATTS_CMD_POLICY_SET:
		return policy_msg(a, DEV, "lru", NULL, 0, NULL);
	case AATTS_CMD_HINTS_SET:
		return ranges_msg(a, cmd, DEV, &off, &len, 1, 5, 0);
	case AATTS_CMD_PREFETCH:
	case AATTS_CMD_DEMOTE:
	case AATTS_CMD_PIN:
	case AATTS_CMD_UNPIN:
		return ranges_msg(a, cmd, DEV, &off, &len, 1, -1, 0);
	case AATTS_CMD_PARAMS_SET:
		return params_msg(a, DEV, AATTS_PARAMS_A_ERROR_THRESHOLD, 9,
				  NULL);
	case AATTS_CMD_RESIDENCY_GET:
	case AATTS_CMD_DEV_GET:
		return aanl_new(a, cmd, cmd == AATTS_CMD_RESIDENCY_GET, DEV);
	default:
		return aanl_new(a, cmd, 0, DEV);
	}
}

TEST_F(nl, unprivileged)
{
	static const uint8_t mutating[] = {
		AATTS_CMD_POLICY_SET, AATTS_CMD_HINTS_SET,
		AATTS_CMD_EPOCH_COMMIT, AATTS_CMD_PREFETCH, AATTS_CMD_DEMOTE,
		AATTS_CMD_PIN, AATTS_CMD_UNPIN, AATTS_CMD_PARAMS_SET,
	};
	static const uint8_t reading[] = {
		AATTS_CMD_DEV_GET, AATTS_CMD_POLICY_GET, AATTS_CMD_STATS_GET,
		AATTS_CMD_RESIDENCY_GET,
	};
	int64_t hints = sysfs_u64(self->disk, "hints");
	int64_t epochs = sysfs_u64(self->disk, "epochs");
	char table[512], status[512], now[512];
	int status_rc;
	pid_t pid;

	ASSERT_EQ(0, dmt_params(DEV, 1, table, sizeof(table)));
	ASSERT_EQ(0, dmt_params(DEV, 0, status, sizeof(status)));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		cap_value_t v = CAP_NET_ADMIN;
		cap_t c = cap_get_proc();
		struct aanl a;
		unsigned int i;
		int bad = 0, ret;

		if (!c || cap_set_flag(c, CAP_EFFECTIVE, 1, &v, CAP_CLEAR) ||
		    cap_set_flag(c, CAP_PERMITTED, 1, &v, CAP_CLEAR) ||
		    cap_set_flag(c, CAP_INHERITABLE, 1, &v, CAP_CLEAR) ||
		    cap_set_proc(c))
			_exit(100);
		cap_free(c);
		if (aanl_open(&a))
			_exit(101);
		for (i = 0; i < sizeof(mutating); i++) {
			ret = aanl_request(&a, valid_msg(&a, mutating[i]),
					   NULL, NULL);
			if (ret != -EPERM) {
				printf("# cmd %u: %d, not EPERM\n", mutating[i],
				       ret);
				fflush(stdout);
				bad++;
			}
		}
		/* Reading needs it too (or read_group, unset here). */
		for (i = 0; i < sizeof(reading); i++) {
			ret = aanl_request(&a, valid_msg(&a, reading[i]),
					   NULL, NULL);
			if (ret != -EPERM || !a.msg[0]) {
				printf("# cmd %u: %d (%s)\n", reading[i], ret,
				       a.msg);
				fflush(stdout);
				bad++;
			}
		}
		aanl_close(&a);
		_exit(bad);
	}
	ASSERT_EQ(pid, waitpid(pid, &status_rc, 0));
	ASSERT_TRUE(WIFEXITED(status_rc));
	EXPECT_EQ(0, WEXITSTATUS(status_rc));
	/* Nothing changed. */
	EXPECT_EQ(hints, sysfs_u64(self->disk, "hints"));
	EXPECT_EQ(epochs, sysfs_u64(self->disk, "epochs"));
	ASSERT_EQ(0, dmt_params(DEV, 1, now, sizeof(now)));
	EXPECT_STREQ(table, now);
	/* With the capability, every command works. */
	if (1) {
		static const uint8_t all[] = {
			AATTS_CMD_POLICY_SET, AATTS_CMD_HINTS_SET,
			AATTS_CMD_EPOCH_COMMIT, AATTS_CMD_PREFETCH,
			AATTS_CMD_DEMOTE, AATTS_CMD_PIN, AATTS_CMD_UNPIN,
			AATTS_CMD_PARAMS_SET, AATTS_CMD_DEV_GET,
			AATTS_CMD_POLICY_GET, AATTS_CMD_STATS_GET,
			AATTS_CMD_RESIDENCY_GET,
		};
		unsigned int i;

		for (i = 0; i < sizeof(all); i++) {
			unsigned int c = all[i];
			int rc = aanl_request(&self->a,
					      valid_msg(&self->a, (uint8_t)c),
					      NULL, NULL);

			EXPECT_EQ(0, rc) TH_LOG("cmd %u: %s", c, self->a.msg);
		}
	}
}

/* ---------------------------------------------------------------- */
/* Who may read: CAP_NET_ADMIN or the module's read_group            */

/* Who the probing child becomes. */
struct who {
	int drop;		/* to uid/gid NOBODY with gid and groups below */
	gid_t gid;		/* its gid, if drop */
	gid_t group;		/* one supplementary group, if not 0 */
	int userns;		/* then unshare a user namespace, be root in it */
};

/* What the child saw. */
struct probe {
	int setup;		/* 0, or the step of the identity change that failed */
	int netadmin;		/* CAP_NET_ADMIN effective (in its own namespace) */
	int ret[5];		/* DEV_GET, DEV_GET dump, POLICY_GET, STATS_GET,
				 * RESIDENCY_GET */
	char msg[5][256];	/* their extack messages */
	int dev_named;		/* DEV_GET replied with DEV */
	int dump_n;		/* messages of the dump */
	int nstats;		/* counters in STATS_GET */
	int kv;			/* POLICY_GET parameters */
	int fragments;		/* of the residency dump */
	int resident0;		/* block 0 resident */
	int policy_set;		/* POLICY_SET, a mutating command */
	int events;		/* joining the events group: 0 or -errno */
	int proc;		/* opening /proc/aatts: 0 or -errno */
	int proc_dev;		/* a line of /proc/aatts names DEV */
	int sysfs;		/* opening .../fast_blocks_used: 0 or -errno */
	int64_t used;		/* its value */
};

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY), ret = 0;

	if (fd < 0)
		return -1;
	if (write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		ret = -1;
	close(fd);
	return ret;
}

static int become(const struct who *w, struct probe *p)
{
	cap_flag_value_t v = CAP_CLEAR;
	char map[64];
	cap_t c;

	if (w->drop) {
		if (setgroups(w->group ? 1 : 0, &w->group))
			return p->setup = 1;
		if (setresgid(w->gid, w->gid, w->gid))
			return p->setup = 2;
		if (setresuid(NOBODY, NOBODY, NOBODY))
			return p->setup = 3;
		/* Else /proc/self is root's, and so are its uid_map files. */
		if (prctl(PR_SET_DUMPABLE, 1))
			return p->setup = 11;
	}
	if (w->userns) {
		if (unshare(CLONE_NEWUSER))
			return p->setup = 4;
		snprintf(map, sizeof(map), "0 %u 1", (unsigned int)geteuid());
		if (write_file("/proc/self/uid_map", map) ||
		    write_file("/proc/self/setgroups", "deny"))
			return p->setup = 5;
		snprintf(map, sizeof(map), "0 %u 1", (unsigned int)getegid());
		if (write_file("/proc/self/gid_map", map))
			return p->setup = 6;
	}
	c = cap_get_proc();
	if (!c || cap_get_flag(c, CAP_NET_ADMIN, CAP_EFFECTIVE, &v))
		return p->setup = 7;
	cap_free(c);
	p->netadmin = v == CAP_SET;
	return 0;
}

static int probe_count(struct nlattr **tb, uint8_t cmd, void *arg)
{
	(void)tb;
	(void)cmd;
	(*(int *)arg)++;
	return 0;
}

/* fast_blocks_used of disk, -1 if unreadable (*err: 0 or -errno). */
static int64_t read_used(const char *disk, int *err)
{
	char path[128], buf[32] = "";
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/sys/kernel/aatts/%s/fast_blocks_used",
		 disk);
	fd = open(path, O_RDONLY);
	*err = fd < 0 ? -errno : 0;
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return strtoll(buf, NULL, 10);
}

/* Every read the child can try, as whoever it has become. */
static void probe_reads(struct aanl *a, const char *disk, struct probe *p)
{
	uint8_t bits[64] = {};
	struct residency res = { .nr_blocks = 64, .bits = bits };
	struct reply r = {};
	char line[512];
	int grp;
	FILE *f;

	p->ret[0] = aanl_request(a, aanl_new(a, AATTS_CMD_DEV_GET, 0, DEV),
				 reply_cb, &r);
	snprintf(p->msg[0], sizeof(p->msg[0]), "%s", a->msg);
	p->dev_named = !strcmp(r.name, DEV);
	p->ret[1] = aanl_request(a, aanl_new(a, AATTS_CMD_DEV_GET, 1, NULL),
				 probe_count, &p->dump_n);
	snprintf(p->msg[1], sizeof(p->msg[1]), "%s", a->msg);
	memset(&r, 0, sizeof(r));
	p->ret[2] = aanl_request(a, aanl_new(a, AATTS_CMD_POLICY_GET, 0, DEV),
				 reply_cb, &r);
	snprintf(p->msg[2], sizeof(p->msg[2]), "%s", a->msg);
	p->kv = r.nkv;
	memset(&r, 0, sizeof(r));
	p->ret[3] = aanl_request(a, aanl_new(a, AATTS_CMD_STATS_GET, 0, DEV),
				 reply_cb, &r);
	snprintf(p->msg[3], sizeof(p->msg[3]), "%s", a->msg);
	p->nstats = r.nstats;
	p->ret[4] = residency_get(a, DEV, 1, 0, 64 * BS, &res);
	snprintf(p->msg[4], sizeof(p->msg[4]), "%s", a->msg);
	p->fragments = res.fragments;
	p->resident0 = bits[0];
	p->policy_set = aanl_request(a, policy_msg(a, DEV, "lru", NULL, 0,
						   NULL), NULL, NULL);
	grp = a->mcgrp;
	p->events = setsockopt(nl_socket_get_fd(a->sk), SOL_NETLINK,
			       NETLINK_ADD_MEMBERSHIP, &grp, sizeof(grp)) ?
		    -errno : 0;
	f = fopen("/proc/aatts", "r");
	p->proc = f ? 0 : -errno;
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, DEV " ", strlen(DEV) + 1))
			p->proc_dev = 1;
	if (f)
		fclose(f);
	p->used = read_used(disk, &p->sysfs);
}

/* Forks a child that becomes w, probes, and sends back what it saw. */
static int probe_as(const struct who *w, const char *disk, struct probe *p)
{
	int fds[2], status;
	pid_t pid;

	memset(p, 0, sizeof(*p));
	if (pipe(fds))
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		struct probe q = {};
		struct aanl a;

		close(fds[0]);
		if (!become(w, &q)) {
			if (aanl_open(&a))
				q.setup = 8;
			else
				probe_reads(&a, disk, &q);
			aanl_close(&a);
		}
		_exit(write(fds[1], &q, sizeof(q)) == sizeof(q) ? 0 : 1);
	}
	close(fds[1]);
	if (read(fds[0], p, sizeof(*p)) != sizeof(*p))
		p->setup = 9;
	close(fds[0]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		p->setup = 10;
	return 0;
}

static const char *const probe_ops[] = {
	"DEV_GET", "DEV_GET dump", "POLICY_GET", "STATS_GET", "RESIDENCY_GET",
};

/* Prints a mismatch of one expectation of a probe; 1 if there was one. */
static int probe_bad(const char *who, const char *what, long long want,
		     long long got)
{
	if (want == got)
		return 0;
	printf("# %s: %s: %lld, expected %lld\n", who, what, got, want);
	return 1;
}

/*
 * Mismatches: every read refused with EPERM and a message saying what is
 * needed (CAP_NET_ADMIN), no data, no event subscription, no /proc/aatts.
 */
static int probe_refused(const char *who, const struct probe *p)
{
	int i, bad = probe_bad(who, "setup step", 0, p->setup);

	for (i = 0; i < 5; i++) {
		bad += probe_bad(who, probe_ops[i], -EPERM, p->ret[i]);
		if (!strstr(p->msg[i], "CAP_NET_ADMIN")) {
			printf("# %s: %s: message '%s'\n", who, probe_ops[i],
			       p->msg[i]);
			bad++;
		}
	}
	bad += probe_bad(who, "DEV_GET named the device", 0, p->dev_named);
	bad += probe_bad(who, "DEV_GET dump messages", 0, p->dump_n);
	bad += probe_bad(who, "STATS_GET counters", 0, p->nstats);
	bad += probe_bad(who, "POLICY_GET parameters", 0, p->kv);
	bad += probe_bad(who, "RESIDENCY_GET fragments", 0, p->fragments);
	bad += probe_bad(who, "POLICY_SET", -EPERM, p->policy_set);
	bad += probe_bad(who, "joining events", -EPERM, p->events);
	bad += probe_bad(who, "opening /proc/aatts", -EPERM, p->proc);
	bad += probe_bad(who, "/proc/aatts names the device", 0, p->proc_dev);
	fflush(stdout);
	return bad;
}

/* Mismatches: every read answered, with the device's real data. */
static int probe_answered(const char *who, const struct probe *p,
			  int64_t used)
{
	int i, bad = probe_bad(who, "setup step", 0, p->setup);

	for (i = 0; i < 5; i++)
		if (probe_bad(who, probe_ops[i], 0, p->ret[i])) {
			printf("# %s: %s: message '%s'\n", who, probe_ops[i],
			       p->msg[i]);
			bad++;
		}
	bad += probe_bad(who, "DEV_GET named the device", 1, p->dev_named);
	bad += probe_bad(who, "DEV_GET dump messages >= 1", 1, p->dump_n >= 1);
	bad += probe_bad(who, "STATS_GET counters", AATTS_STAT_A_MAX - 1,
			 p->nstats);
	bad += probe_bad(who, "POLICY_GET parameters >= 1", 1, p->kv >= 1);
	bad += probe_bad(who, "RESIDENCY_GET fragments", 1, p->fragments);
	bad += probe_bad(who, "block 0 resident", 1, p->resident0);
	bad += probe_bad(who, "opening /proc/aatts", 0, p->proc);
	bad += probe_bad(who, "/proc/aatts names the device", 1, p->proc_dev);
	bad += probe_bad(who, "opening sysfs fast_blocks_used", 0, p->sysfs);
	bad += probe_bad(who, "sysfs fast_blocks_used", used, p->used);
	fflush(stdout);
	return bad;
}

/*
 * Residency is a mincore-like side channel (CVE-2019-5489) and the
 * counters tell what others read: without CAP_NET_ADMIN in the initial
 * user namespace, or membership of read_group, no read op, event, sysfs
 * or /proc file answers.
 */
TEST_F(nl, read_needs_privilege)
{
	struct who nobody = { .drop = 1, .gid = NOBODY };
	struct who member = { .drop = 1, .gid = NOBODY, .group = TEST_GID };
	struct who primary = { .drop = 1, .gid = TEST_GID };
	struct who nsroot = { .drop = 1, .gid = NOBODY, .userns = 1 };
	struct who root = {};
	struct reply r = {};
	char buf[32] = "";
	struct probe p;
	int64_t used;
	FILE *f;

	/* Block 0 resident: the residency a reader sees is real. */
	ASSERT_EQ(0, one_range(&self->a, AATTS_CMD_PREFETCH, DEV, 0, BS,
			       AATTS_F_FORCE, &r));
	ASSERT_TRUE(mig_idle(self->disk));
	used = sysfs_u64(self->disk, "fast_blocks_used");
	ASSERT_EQ(1, used);

	ASSERT_EQ(0, probe_as(&nobody, self->disk, &p));
	EXPECT_EQ(0, probe_refused("nobody", &p));
	EXPECT_EQ(-EACCES, p.sysfs);
	/* Root in a user namespace of its own has CAP_NET_ADMIN there only. */
	ASSERT_EQ(0, probe_as(&nsroot, self->disk, &p));
	ASSERT_EQ(0, p.setup) TH_LOG("step %d of becoming it failed", p.setup);
	ASSERT_TRUE(p.netadmin);
	EXPECT_EQ(0, probe_refused("root of a user namespace", &p));
	EXPECT_EQ(-EACCES, p.sysfs);
	/* The default: nobody's group. */
	f = fopen(READ_GROUP, "r");
	ASSERT_NE(NULL, f) TH_LOG("%s: %s", READ_GROUP, strerror(errno));
	ASSERT_NE(NULL, fgets(buf, sizeof(buf), f));
	fclose(f);
	EXPECT_STREQ("-1\n", buf);
	/* Only a gid or -1. */
	EXPECT_EQ(-EINVAL, set_read_group("-2"));
	EXPECT_EQ(-EINVAL, set_read_group("wheel"));
	EXPECT_EQ(-ERANGE, set_read_group("4294967295"));

	/* Not yet a member of anything that counts. */
	ASSERT_EQ(0, probe_as(&member, self->disk, &p));
	EXPECT_EQ(0, probe_refused("member of 4242", &p));

	/* The administrator names the group: its members read. */
	ASSERT_EQ(0, set_read_group("4242"));
	ASSERT_EQ(0, probe_as(&member, self->disk, &p));
	EXPECT_EQ(0, probe_answered("member of 4242", &p, used));
	/* ...but change nothing, and get no events (CAP_NET_ADMIN only). */
	EXPECT_EQ(-EPERM, p.policy_set);
	EXPECT_EQ(-EPERM, p.events);
	ASSERT_EQ(0, probe_as(&primary, self->disk, &p));
	EXPECT_EQ(0, probe_answered("gid 4242", &p, used));
	ASSERT_EQ(0, probe_as(&nobody, self->disk, &p));
	EXPECT_EQ(0, probe_refused("nobody", &p));
	EXPECT_EQ(-EACCES, p.sysfs);

	/* Taken back at run time: sysfs too. */
	ASSERT_EQ(0, set_read_group("-1"));
	ASSERT_EQ(0, probe_as(&member, self->disk, &p));
	EXPECT_EQ(0, probe_refused("member of 4242", &p));
	EXPECT_EQ(-EACCES, p.sysfs);

	/* Root, with CAP_NET_ADMIN, reads everything and may subscribe. */
	ASSERT_EQ(0, probe_as(&root, self->disk, &p));
	ASSERT_TRUE(p.netadmin);
	EXPECT_EQ(0, probe_answered("root", &p, used));
	EXPECT_EQ(0, p.events);
	EXPECT_EQ(0, p.policy_set);
}

/*
 * The family lives in the initial network namespace only (netnsok unset):
 * root in a network namespace of its own, with every capability, finds
 * no family there, while the initial namespace still answers.
 */
TEST_F(nl, only_initial_netns)
{
	struct reply r = {};
	int status, ret;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct aanl a;

		if (unshare(CLONE_NEWNET))
			_exit(100);
		ret = aanl_open(&a);
		aanl_close(&a);
		/* The exit status says what aanl_open() returned. */
		_exit(ret == -ENOENT ? 0 : ret ? 101 : 102);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status))
		TH_LOG("100: unshare failed, 101: another error, 102: the family answered in a new netns");
	EXPECT_EQ(0, aanl_request(&self->a,
				  aanl_new(&self->a, AATTS_CMD_DEV_GET, 0, DEV),
				  reply_cb, &r));
	EXPECT_STREQ(DEV, r.name);
}

static int event_policy(struct nlattr **tb, uint8_t cmd, void *arg)
{
	(void)cmd;
	copy_str(arg, 32, tb[AATTS_DEV_A_POLICY]);
	return 0;
}

static int event_state(struct nlattr **tb, uint8_t cmd, void *arg)
{
	(void)cmd;
	copy_str(arg, 32, tb[AATTS_DEV_A_STATE]);
	return 0;
}

static int event_stats(struct nlattr **tb, uint8_t cmd, void *arg)
{
	int *n = arg;
	struct nlattr *a;
	int rem;

	(void)cmd;
	if (tb[AATTS_DEV_A_STATS])
		nla_for_each_nested(a, tb[AATTS_DEV_A_STATS], rem)
			(*n)++;
	return 0;
}

TEST_F(nl, events)
{
	struct aanl ev;
	char policy[32] = "", cmd[256];
	int nstats = 0;

	ASSERT_EQ(0, aanl_events_open(&ev));
	ASSERT_EQ(0, aanl_request(&self->a,
				  policy_msg(&self->a, DEV, "lru", NULL, 0, NULL),
				  NULL, NULL));
	ASSERT_TRUE(aanl_event_wait(&ev, AATTS_CMD_POLICY_CHANGED, DEV, 5000,
				    event_policy, policy));
	EXPECT_STREQ("lru", policy);
	/* The dm message goes through the same API: the same event. */
	snprintf(cmd, sizeof(cmd), "dmsetup message %s 0 policy lfu aging=9",
		 DEV);
	ASSERT_EQ(0, system(cmd));
	ASSERT_TRUE(aanl_event_wait(&ev, AATTS_CMD_POLICY_CHANGED, DEV, 5000,
				    event_policy, policy));
	EXPECT_STREQ("lfu", policy);
	/* A refused POLICY_SET sends nothing. */
	EXPECT_NE(0, aanl_request(&self->a,
				  policy_msg(&self->a, DEV, "lfu", "aging", 0, NULL),
				  NULL, NULL));
	EXPECT_FALSE(aanl_event_wait(&ev, AATTS_CMD_POLICY_CHANGED, DEV, 300,
				     NULL, NULL));
	/* STATS every 100 ms. */
	ASSERT_EQ(0, aanl_request(&self->a,
				  params_msg(&self->a, DEV,
					     AATTS_PARAMS_A_STATS_INTERVAL, 100,
					     NULL), NULL, NULL));
	ASSERT_TRUE(aanl_event_wait(&ev, AATTS_CMD_STATS, DEV, 3000,
				    event_stats, &nstats));
	EXPECT_EQ(AATTS_STAT_A_MAX - 1, nstats);
	ASSERT_TRUE(aanl_event_wait(&ev, AATTS_CMD_STATS, DEV, 3000, NULL, NULL));
	ASSERT_EQ(0, aanl_request(&self->a,
				  params_msg(&self->a, DEV,
					     AATTS_PARAMS_A_STATS_INTERVAL, 0,
					     NULL), NULL, NULL));
	aanl_event_wait(&ev, AATTS_CMD_STATS, DEV, 300, NULL, NULL);
	EXPECT_FALSE(aanl_event_wait(&ev, AATTS_CMD_STATS, DEV, 500, NULL,
				     NULL));
	aanl_close(&ev);
}

/* A fast tier that fails every write: FAST_FAILED, then FAST_RESTORED. */
TEST(fast_failed_restored)
{
	struct aanl a, ev;
	char params[128], state[32] = "", disk[32];
	uint32_t devt;
	uint64_t off = 0, len = BS;
	int i;

	dmt_init();
	dmt_remove(ERRDEV);
	dmt_remove(ERRFAST);
	ASSERT_EQ(0, dmt_create(ERRFAST, 8192, "error", ""));
	ASSERT_EQ(0, dmt_devno(ERRFAST, state, sizeof(state)));
	snprintf(params, sizeof(params), "%s %s 8 2 error_threshold 1", SLOW,
		 state);
	ASSERT_EQ(0, dmt_create(ERRDEV, 65536, "aatts", params))
		TH_LOG("%s", dmt_last_error());
	ASSERT_EQ(0, disk_of(ERRDEV, disk, sizeof(disk), &devt));
	ASSERT_EQ(0, aanl_open(&a));
	ASSERT_EQ(0, aanl_events_open(&ev));
	ASSERT_EQ(0, aanl_request(&a, ranges_msg(&a, AATTS_CMD_PREFETCH, ERRDEV,
						 &off, &len, 1, -1,
						 AATTS_F_FORCE), NULL, NULL));
	ASSERT_TRUE(aanl_event_wait(&ev, AATTS_CMD_FAST_FAILED, ERRDEV, 5000,
				    event_state, state));
	EXPECT_STREQ("failed", state);
	aatts_sysfs_str(disk, "state", params, sizeof(params));
	EXPECT_STREQ("failed", params);
	/* While failed, a prefetch is EIO. */
	i = aanl_request(&a, ranges_msg(&a, AATTS_CMD_PREFETCH, ERRDEV, &off,
					&len, 1, -1, 0), NULL, NULL);
	ASSERT_REFUSED(&a, i, EIO, 0);
	ASSERT_EQ(0, aanl_request(&a, params_msg(&a, ERRDEV,
						 AATTS_PARAMS_A_RESTORE_FAST,
						 0, NULL), NULL, NULL));
	ASSERT_TRUE(aanl_event_wait(&ev, AATTS_CMD_FAST_RESTORED, ERRDEV, 5000,
				    event_state, state));
	EXPECT_STREQ("running", state);
	aatts_sysfs_str(disk, "state", params, sizeof(params));
	EXPECT_STREQ("running", params);
	aanl_close(&ev);
	aanl_close(&a);
	/* Removal while nothing holds it; then it is gone for netlink too. */
	ASSERT_EQ(0, dmt_remove(ERRDEV));
	ASSERT_EQ(0, aanl_open(&a));
	i = aanl_request(&a, aanl_new(&a, AATTS_CMD_DEV_GET, 0, ERRDEV), NULL,
			 NULL);
	EXPECT_EQ(-ENODEV, i);
	aanl_close(&a);
	dmt_remove(ERRFAST);
}

/* Every op works on a suspended device; promotions start on resume. */
TEST_F(nl, suspended)
{
	struct reply r = {};
	struct residency res = { .nr_blocks = 64 };
	uint8_t bits[64] = {};
	char cmd[128];

	res.bits = bits;
	snprintf(cmd, sizeof(cmd), "dmsetup suspend %s", DEV);
	ASSERT_EQ(0, system(cmd));
	ASSERT_EQ(0, aanl_request(&self->a,
				  aanl_new(&self->a, AATTS_CMD_DEV_GET, 0, DEV),
				  reply_cb, &r));
	EXPECT_STREQ(DEV, r.name);
	ASSERT_EQ(0, one_range(&self->a, AATTS_CMD_PREFETCH, DEV, 0, 8 * BS,
			       AATTS_F_FORCE, &r));
	EXPECT_EQ(8ULL, r.count);
	ASSERT_EQ(0, one_range(&self->a, AATTS_CMD_DEMOTE, DEV, 0, BS, 0, &r));
	ASSERT_EQ(0, aanl_request(&self->a,
				  policy_msg(&self->a, DEV, "fifo", NULL, 0, NULL),
				  NULL, NULL));
	ASSERT_EQ(0, aanl_request(&self->a,
				  params_msg(&self->a, DEV,
					     AATTS_PARAMS_A_STATS_INTERVAL, 100,
					     NULL), NULL, NULL));
	ASSERT_EQ(0, residency_get(&self->a, DEV, 1, 0, 64 * BS, &res));
	snprintf(cmd, sizeof(cmd), "dmsetup resume %s", DEV);
	ASSERT_EQ(0, system(cmd));
	ASSERT_EQ(0, system("dmsetup mknodes " DEV));
	ASSERT_TRUE(mig_idle(self->disk));
	/* The queued promotions ran after the resume (the demoted one not). */
	EXPECT_EQ(7, sysfs_u64(self->disk, "fast_blocks_used"));
}

/* True once the other end of the pipe is closed (or written). */
static bool pipe_closed(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) > 0;
}

/*
 * Netlink ops in one process while another suspends, resumes, reloads,
 * removes and creates the device: no op may find a destroyed device, and
 * nothing may deadlock (the run has a timeout) or splat.  The ops go on
 * for as long as the cycles do (the parent closes a pipe after them), not
 * for a fixed time: on the debug kernel under a loaded host 8 s made 41
 * ops, below the floor, while the cycles were still running.
 */
TEST(lifetime_race)
{
	char params[128], cmd[256];
	uint64_t sectors = dev_sectors(SLOW);
	pid_t pid;
	int i, status, ops = 0, done[2];

	dmt_init();
	dmt_remove(DEV);
	snprintf(params, sizeof(params), "%s %s 8", SLOW, FAST);
	ASSERT_EQ(0, dmt_create(DEV, sectors, "aatts", params));
	ASSERT_EQ(0, pipe(done));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct aanl a;
		uint64_t off = 0, len = 64 * BS;
		uint8_t bits[64];
		struct residency res = { .nr_blocks = 64, .bits = bits };
		/* A bound should the parent die without closing the pipe. */
		time_t end = time(NULL) + 600;
		int bad = 0, ret;

		close(done[1]);
		if (aanl_open(&a))
			_exit(100);
		while (time(NULL) < end && !pipe_closed(done[0])) {
			static const uint8_t cmds[] = {
				AATTS_CMD_DEV_GET, AATTS_CMD_PREFETCH,
				AATTS_CMD_HINTS_SET, AATTS_CMD_STATS_GET,
				AATTS_CMD_PARAMS_SET, AATTS_CMD_RESIDENCY_GET,
				AATTS_CMD_DEMOTE, AATTS_CMD_POLICY_SET,
			};
			uint8_t c = cmds[ops++ % sizeof(cmds)];
			struct nl_msg *m;

			if (c == AATTS_CMD_RESIDENCY_GET) {
				res.expect_next = 0;
				ret = residency_get(&a, DEV, 1, 0, 64 * BS, &res);
			} else {
				if (c == AATTS_CMD_PREFETCH)
					m = ranges_msg(&a, c, DEV, &off, &len,
						       1, -1, AATTS_F_FORCE);
				else
					m = valid_msg(&a, c);
				ret = aanl_request(&a, m, NULL, NULL);
			}
			/*
			 * Gone (a dump that loses its device ends with
			 * ENODEV too): fine.  Not -EIO: the tier never fails
			 * here, so it would be no answer at all (aanl).
			 */
			if (ret && ret != -ENODEV) {
				printf("# cmd %u: %d %s\n", c, ret, a.msg);
				fflush(stdout);
				bad++;
			}
		}
		aanl_close(&a);
		printf("# %d netlink ops during the cycles\n", ops);
		fflush(stdout);
		/* At least three of each kind. */
		_exit(bad || ops < 24 ? 1 : 0);
	}
	close(done[0]);
	for (i = 0; i < 12; i++) {
		snprintf(cmd, sizeof(cmd), "dmsetup suspend %s && dmsetup resume %s",
			 DEV, DEV);
		EXPECT_EQ(0, system(cmd));
		snprintf(params, sizeof(params), "%s %s %d", SLOW, FAST,
			 i % 2 ? 8 : 16);
		EXPECT_EQ(0, dmt_reload(DEV, sectors, "aatts", params));
		EXPECT_EQ(0, dmt_resume(DEV));
		EXPECT_EQ(0, dmt_remove(DEV));
		snprintf(params, sizeof(params), "%s %s 8", SLOW, FAST);
		EXPECT_EQ(0, dmt_create(DEV, sectors, "aatts", params));
	}
	close(done[1]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
	EXPECT_EQ(0, dmt_remove(DEV));
}

TEST_HARNESS_MAIN
