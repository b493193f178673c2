// SPDX-License-Identifier: GPL-2.0-only
/*
 * The aatts table line: every bad line is refused with its precise
 * ti->error and leaves no device behind, good lines round-trip through
 * STATUSTYPE_TABLE, and devices can be created and removed repeatedly.
 *
 * Needs (tests/dm/suite sets them up): aatts.ko loaded, /dev/ram0 and
 * /dev/ram1 (brd) of equal size, /dev/ram2 for a tiny linear device.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "kselftest_harness.h"

/*
 * 30 s per test is too short for a debug kernel (KASAN, lockdep) under
 * TCG on a busy host: make check-debug timed out creating 100 devices.
 */
#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT 300
#include "dmtest.h"

#define SLOW "/dev/ram0"
#define FAST "/dev/ram1"
#define TINY_NAME "aatts_t_tiny"
#define DEV_NAME "aatts_t_table"
#define LEN 65536ULL
/* A length one block past the end of the slow device. */
#define LEN_PAST_SLOW UINT64_MAX

static void devno_of(const char *path, char *buf, size_t size)
{
	struct stat st;

	if (stat(path, &st))
		snprintf(buf, size, "none");
	else
		snprintf(buf, size, "%u:%u", major(st.st_rdev), minor(st.st_rdev));
}

/* Replaces @SLOW@, @FAST@ and @TINY@ by the devices' major:minor. */
static void expand(const char *in, char *out, size_t size)
{
	char slow[32], fast[32], tiny[32];
	size_t o = 0;

	devno_of(SLOW, slow, sizeof(slow));
	devno_of(FAST, fast, sizeof(fast));
	if (dmt_devno(TINY_NAME, tiny, sizeof(tiny)))
		snprintf(tiny, sizeof(tiny), "none");

	while (*in && o + 1 < size) {
		const char *rep = NULL;

		if (!strncmp(in, "@SLOW@", 6))
			rep = slow;
		else if (!strncmp(in, "@FAST@", 6))
			rep = fast;
		else if (!strncmp(in, "@TINY@", 6))
			rep = tiny;
		if (rep) {
			o += snprintf(out + o, size - o, "%s", rep);
			in += 6;
		} else {
			out[o++] = *in++;
		}
	}
	out[o < size ? o : size - 1] = '\0';
}

static int tiny_setup(void)
{
	dmt_remove(TINY_NAME);
	return dmt_create(TINY_NAME, 8, "linear", "/dev/ram2 0");
}

/* ---------------------------------------------------------------- */
/* Bad table lines                                                    */

FIXTURE(bad) {
	int kmsg;
};

FIXTURE_VARIANT(bad) {
	const char *params;
	uint64_t len;
	const char *error;
};

#define BAD(_name, _params, _error) \
	FIXTURE_VARIANT_ADD(bad, _name) { \
		.params = _params, .len = LEN, .error = _error, \
	}

BAD(no_args, "", "Not enough arguments");
BAD(one_arg, SLOW, "Not enough arguments");
BAD(two_args, SLOW " " FAST, "Not enough arguments");
BAD(trailing_arg, SLOW " " FAST " 8 0 extra", "Too many arguments");
BAD(trailing_after_feature, SLOW " " FAST " 8 1 writearound extra",
    "Too many arguments");
BAD(feature_count_not_number, SLOW " " FAST " 8 extra",
    "Invalid number of feature arguments");
BAD(feature_count_past_end, SLOW " " FAST " 8 2 writearound",
    "Invalid number of feature arguments");
BAD(feature_count_too_big,
    SLOW " " FAST " 8 14 a b c d e f g h i j k l m n",
    "Invalid number of feature arguments");
BAD(unknown_policy, SLOW " " FAST " 8 2 policy belady", "Unknown policy");
BAD(policy_without_name, SLOW " " FAST " 8 1 policy", "Feature value missing");
BAD(duplicate_policy, SLOW " " FAST " 8 4 policy lru policy lru",
    "Duplicate feature");
BAD(unknown_policy_param, SLOW " " FAST " 8 3 policy lfu min_freq=3",
    "Unknown policy parameter");
BAD(policy_param_of_lru, SLOW " " FAST " 8 3 policy lru aging=1",
    "Unknown policy parameter");
BAD(policy_param_too_big, SLOW " " FAST " 8 3 policy default min_freq=16",
    "Policy parameter out of range");
BAD(policy_param_zero, SLOW " " FAST " 8 3 policy lfu aging=0",
    "Policy parameter out of range");
BAD(policy_param_not_number, SLOW " " FAST " 8 3 policy lfu aging=x",
    "Policy parameter out of range");
BAD(policy_param_twice, SLOW " " FAST " 8 4 policy lfu aging=2 aging=3",
    "Duplicate policy parameter");
BAD(inflight_not_number, SLOW " " FAST " 8 2 migration_inflight lots",
    "Invalid migration_inflight");
BAD(inflight_below_block, SLOW " " FAST " 64 2 migration_inflight 32",
    "Migration in-flight limit smaller than one block");
BAD(bandwidth_not_number, SLOW " " FAST " 8 2 migration_bandwidth -1",
    "Invalid migration_bandwidth");
BAD(bandwidth_below_block, SLOW " " FAST " 64 2 migration_bandwidth 8",
    "Migration bandwidth below one block per second");
BAD(threshold_not_number, SLOW " " FAST " 8 2 error_threshold x",
    "Invalid error_threshold");
BAD(threshold_too_big, SLOW " " FAST " 8 2 error_threshold 4294967296",
    "Invalid error_threshold");
BAD(missing_slow, "/dev/aatts-no-such-dev " FAST " 8",
    "Slow device lookup failed");
BAD(missing_fast, SLOW " /dev/aatts-no-such-dev 8",
    "Fast device lookup failed");
BAD(block_size_text, SLOW " " FAST " abc", "Invalid block size");
BAD(block_size_suffix, SLOW " " FAST " 8k", "Invalid block size");
BAD(block_size_negative, SLOW " " FAST " -8", "Invalid block size");
BAD(block_size_zero, SLOW " " FAST " 0",
    "Block size out of range 8..2097152 sectors");
BAD(block_size_too_small, SLOW " " FAST " 4",
    "Block size out of range 8..2097152 sectors");
BAD(block_size_too_big, SLOW " " FAST " 4194304",
    "Block size out of range 8..2097152 sectors");
BAD(block_size_not_pow2, SLOW " " FAST " 24",
    "Block size is not a power of two");
BAD(block_size_not_pow2_large, SLOW " " FAST " 12288",
    "Block size is not a power of two");
BAD(fast_smaller_than_block, SLOW " @TINY@ 16",
    "Fast device smaller than one block");
BAD(same_device, SLOW " " SLOW " 8", "Slow and fast device must differ");
BAD(same_device_by_number, SLOW " @SLOW@ 8",
    "Slow and fast device must differ");
BAD(unknown_feature, SLOW " " FAST " 8 1 turbo", "Unknown feature");
BAD(duplicate_feature, SLOW " " FAST " 8 2 writearound writearound",
    "Duplicate feature");
BAD(duplicate_feature_case, SLOW " " FAST " 8 2 writethrough WRITETHROUGH",
    "Duplicate feature");
BAD(conflicting_modes, SLOW " " FAST " 8 2 writethrough writearound",
    "Conflicting cache modes");

FIXTURE_VARIANT_ADD(bad, length_past_slow) {
	.params = SLOW " " FAST " 8",
	.len = LEN_PAST_SLOW,
	.error = "Slow device smaller than target length",
};

FIXTURE_SETUP(bad)
{
	dmt_init();
	dmt_remove(DEV_NAME);
	ASSERT_EQ(0, tiny_setup()) TH_LOG("%s", dmt_last_error());
	self->kmsg = kmsg_open();
	ASSERT_LE(0, self->kmsg);
}

FIXTURE_TEARDOWN(bad)
{
	close(self->kmsg);
	dmt_remove(DEV_NAME);
	dmt_remove(TINY_NAME);
}

TEST_F(bad, rejected)
{
	char params[256], needle[320];
	uint64_t len = variant->len;

	if (len == LEN_PAST_SLOW)
		len = dev_sectors(SLOW) + 8;
	expand(variant->params, params, sizeof(params));
	TH_LOG("table: 0 %llu aatts %s", (unsigned long long)len, params);

	ASSERT_NE(0, dmt_create(DEV_NAME, len, "aatts", params));
	EXPECT_FALSE(dmt_exists(DEV_NAME));
	snprintf(needle, sizeof(needle), "aatts: %s (-", variant->error);
	EXPECT_TRUE(kmsg_find(self->kmsg, needle))
		TH_LOG("kernel log lacks \"%s\"", needle);
}

/* ---------------------------------------------------------------- */
/* Good table lines                                                   */

FIXTURE(good) {
	char expect[256];
};

FIXTURE_VARIANT(good) {
	const char *params;
	const char *table;	/* what STATUSTYPE_TABLE must print */
	const char *info;	/* what STATUSTYPE_INFO must start with */
};

FIXTURE_VARIANT_ADD(good, minimal) {
	.params = SLOW " " FAST " 8",
	.table = "@SLOW@ @FAST@ 8",
	.info = "8 running default writethrough 0/",
};

FIXTURE_VARIANT_ADD(good, by_number) {
	.params = "@SLOW@ @FAST@ 256",
	.table = "@SLOW@ @FAST@ 256",
	.info = "256 running default writethrough 0/",
};

FIXTURE_VARIANT_ADD(good, no_features) {
	.params = SLOW " " FAST " 8 0",
	.table = "@SLOW@ @FAST@ 8",
	.info = "8 running default writethrough 0/",
};

FIXTURE_VARIANT_ADD(good, writethrough_is_default) {
	.params = SLOW " " FAST " 64 1 WriteThrough",
	.table = "@SLOW@ @FAST@ 64",
	.info = "64 running default writethrough 0/",
};

FIXTURE_VARIANT_ADD(good, writearound) {
	.params = SLOW " " FAST " 2048 1 writearound",
	.table = "@SLOW@ @FAST@ 2048 1 writearound",
	.info = "2048 running default writearound 0/",
};

FIXTURE_VARIANT_ADD(good, every_feature) {
	.params = SLOW " " FAST " 128 9 Policy isa migration_inflight 4096 "
		  "writearound migration_bandwidth 65536 error_threshold 0",
	.table = "@SLOW@ @FAST@ 128 9 writearound policy isa "
		 "migration_inflight 4096 migration_bandwidth 65536 error_threshold 0",
	.info = "128 running isa writearound 0/",
};

FIXTURE_VARIANT_ADD(good, default_values_left_out) {
	.params = SLOW " " FAST " 8 6 policy default migration_inflight 131072 "
		  "error_threshold 16",
	.table = "@SLOW@ @FAST@ 8",
	.info = "8 running default writethrough 0/",
};

FIXTURE_VARIANT_ADD(good, policy_params) {
	.params = SLOW " " FAST " 8 5 policy default idle_turnovers=4 "
		  "min_freq=5 writearound",
	.table = "@SLOW@ @FAST@ 8 4 writearound policy default min_freq=5",
	.info = "8 running default writearound 0/",
};

FIXTURE_VARIANT_ADD(good, lfu_aging) {
	.params = SLOW " " FAST " 8 3 policy lfu aging=60",
	.table = "@SLOW@ @FAST@ 8 3 policy lfu aging=60",
	.info = "8 running lfu writethrough 0/",
};

FIXTURE_VARIANT_ADD(good, fast_exactly_one_block) {
	.params = SLOW " @TINY@ 8",
	.table = "@SLOW@ @TINY@ 8",
	.info = "8 running default writethrough 0/1 ",
};

FIXTURE_SETUP(good)
{
	dmt_init();
	dmt_remove(DEV_NAME);
	ASSERT_EQ(0, tiny_setup()) TH_LOG("%s", dmt_last_error());
	expand(variant->table, self->expect, sizeof(self->expect));
}

FIXTURE_TEARDOWN(good)
{
	dmt_remove(DEV_NAME);
	dmt_remove(TINY_NAME);
}

TEST_F(good, round_trips)
{
	char params[256], out[256];

	expand(variant->params, params, sizeof(params));
	ASSERT_EQ(0, dmt_create(DEV_NAME, LEN, "aatts", params))
		TH_LOG("create '%s': %s", params, dmt_last_error());

	ASSERT_EQ(0, dmt_params(DEV_NAME, 1, out, sizeof(out)));
	ASSERT_STREQ(self->expect, out);
	ASSERT_EQ(0, dmt_params(DEV_NAME, 0, out, sizeof(out)));
	ASSERT_EQ(0, strncmp(variant->info, out, strlen(variant->info)))
		TH_LOG("status '%s' does not start with '%s'", out, variant->info);

	/* What the kernel printed loads again and prints the same. */
	ASSERT_EQ(0, dmt_reload(DEV_NAME, LEN, "aatts", self->expect))
		TH_LOG("reload: %s", dmt_last_error());
	ASSERT_EQ(0, dmt_resume(DEV_NAME));
	ASSERT_EQ(0, dmt_params(DEV_NAME, 1, out, sizeof(out)));
	ASSERT_STREQ(self->expect, out);
}

TEST_F(good, bad_reload_keeps_live_table)
{
	char params[256], out[256];

	expand(variant->params, params, sizeof(params));
	ASSERT_EQ(0, dmt_create(DEV_NAME, LEN, "aatts", params));
	ASSERT_NE(0, dmt_reload(DEV_NAME, LEN, "aatts", SLOW " " FAST " 24"));
	ASSERT_EQ(0, dmt_resume(DEV_NAME));
	ASSERT_EQ(0, dmt_params(DEV_NAME, 1, out, sizeof(out)));
	ASSERT_STREQ(self->expect, out);
}

/* ---------------------------------------------------------------- */
/* Lifetime                                                           */

TEST(create_remove_100_times)
{
	char out[256], expect[256];
	int i;

	dmt_init();
	dmt_remove(DEV_NAME);
	expand("@SLOW@ @FAST@ 128", expect, sizeof(expect));
	for (i = 0; i < 100; i++) {
		ASSERT_EQ(0, dmt_create(DEV_NAME, LEN, "aatts", SLOW " " FAST " 128"))
			TH_LOG("create #%d: %s", i, dmt_last_error());
		ASSERT_EQ(0, dmt_params(DEV_NAME, 1, out, sizeof(out)));
		ASSERT_STREQ(expect, out);
		ASSERT_EQ(0, dmt_remove(DEV_NAME))
			TH_LOG("remove #%d: %s", i, dmt_last_error());
		ASSERT_FALSE(dmt_exists(DEV_NAME));
	}
}

TEST_HARNESS_MAIN
