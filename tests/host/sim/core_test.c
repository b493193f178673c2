// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the policy core (kmod/policy/), built in user space with
 * ASan/UBSan: memory per slot, pins, policy switch, the write that races
 * a promotion, lfu aging, coarse score maps.
 */
#include "kselftest_harness.h"
#include "aatts_cache.h"
#include "aatts_core.h"

static struct aatts_cache *make(u32 slots, u64 blocks,
				enum aatts_policy_id id)
{
	struct aatts_cache_params p = {
		.nr_slots = slots, .nr_blocks = blocks, .policy = id,
	};

	return aatts_cache_create(&p);
}

/* A read that completes any promotion at once; true on a hit. */
static bool read_now(struct aatts_cache *c, u64 block)
{
	struct aatts_promotion p;
	bool promote;
	u32 slot = aatts_cache_read(c, block, &p, &promote);

	if (promote)
		aatts_cache_fill_done(c, p.slot, true);
	return slot != AATTS_NO_SLOT;
}

/* A cache of slots slots over 1000 blocks, filled with blocks 0.. */
static struct aatts_cache *make_full(u32 slots, enum aatts_policy_id id)
{
	struct aatts_cache *c = make(slots, 1000, id);
	u64 b;

	for (b = 0; c && b < slots; b++)
		read_now(c, b);
	return c;
}

static bool resident(struct aatts_cache *c, u64 block)
{
	return aatts_cache_lookup(c, block) != AATTS_NO_SLOT;
}

TEST(bytes_per_slot_at_most_64)
{
	static const u32 sizes[] = { 1, 2, 3, 5, 17, 1000, 1025, 65537 };
	unsigned int i;
	int id;

	for (id = 0; id < AATTS_POLICY_NR; id++) {
		for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			struct aatts_cache *c = make(sizes[i], 1 << 20, id);

			ASSERT_NE(NULL, c);
			EXPECT_GE(64U, aatts_cache_bytes_per_slot(c))
				TH_LOG("%s, %u slots: %u bytes per slot",
				       aatts_policy_name(id), sizes[i],
				       aatts_cache_bytes_per_slot(c));
			aatts_cache_destroy(c);
		}
	}
}

TEST(bad_params_refused)
{
	EXPECT_EQ(NULL, make(0, 10, AATTS_POLICY_LRU));
	EXPECT_EQ(NULL, make(4, 0, AATTS_POLICY_LRU));
	EXPECT_EQ(NULL, make(4, 10, AATTS_POLICY_NR));
	EXPECT_EQ(-EINVAL, aatts_policy_lookup("nope"));
	EXPECT_EQ(AATTS_POLICY_ISA, aatts_policy_lookup("isa"));
}

/* Every policy: a pinned block survives a flood of other reads. */
TEST(pinned_never_evicted)
{
	struct aatts_promotion p;
	struct aatts_cache_stats s;
	bool promote;
	u64 b;
	int id;

	for (id = 0; id < AATTS_POLICY_NR; id++) {
		struct aatts_cache *c = make_full(4, id);

		ASSERT_NE(NULL, c);
		ASSERT_EQ(0, aatts_cache_pin(c, 2, 2, true));
		EXPECT_TRUE(aatts_cache_pinned(c, 2));
		for (b = 10; b < 500; b++)
			read_now(c, b % 50 + 10);
		EXPECT_TRUE(resident(c, 2)) TH_LOG("%s", aatts_policy_name(id));
		aatts_cache_get_stats(c, &s);
		EXPECT_EQ(1U, s.nr_pinned);
		aatts_cache_destroy(c);
	}

	/* All pinned: a miss is rejected, a forced promote finds no room. */
	{
		struct aatts_cache *c = make_full(2, AATTS_POLICY_LRU);

		ASSERT_EQ(0, aatts_cache_pin(c, 0, 1, true));
		aatts_cache_read(c, 5, &p, &promote);
		EXPECT_FALSE(promote);
		EXPECT_EQ(-ENOSPC, aatts_cache_promote(c, 5, true, &p));
		aatts_cache_get_stats(c, &s);
		EXPECT_EQ(1ULL, s.rejections);
		/* Unpinned, block 0 is the lru victim again. */
		ASSERT_EQ(0, aatts_cache_pin(c, 0, 0, false));
		EXPECT_EQ(0, aatts_cache_promote(c, 5, true, &p));
		EXPECT_TRUE(p.evicted);
		EXPECT_EQ(0ULL, p.victim);
		aatts_cache_destroy(c);
	}
}

TEST(policy_switch_keeps_residency)
{
	u64 b;
	int id;

	for (id = 0; id < AATTS_POLICY_NR; id++) {
		struct aatts_cache *c = make_full(8, AATTS_POLICY_LRU);

		ASSERT_NE(NULL, c);
		ASSERT_EQ(0, aatts_cache_set_policy(c, id));
		EXPECT_EQ(id, (int)aatts_cache_policy(c));
		for (b = 0; b < 8; b++)
			EXPECT_TRUE(read_now(c, b))
				TH_LOG("%s: block %llu lost",
				       aatts_policy_name(id),
				       (unsigned long long)b);
		/*
		 * The adopted blocks are evictable again, except by minio;
		 * isa admits only a block scored above the victim, default
		 * takes the miss into its admission window.
		 */
		read_now(c, 50);
		EXPECT_EQ(id != AATTS_POLICY_MINIO && id != AATTS_POLICY_ISA,
			  resident(c, 50))
			TH_LOG("%s", aatts_policy_name(id));
		aatts_cache_destroy(c);
	}
}

TEST(set_policy_refuses_unknown_id)
{
	struct aatts_cache *c = make(1, 1, AATTS_POLICY_LRU);

	EXPECT_EQ(-EINVAL, aatts_cache_set_policy(c, AATTS_POLICY_NR));
	EXPECT_EQ(AATTS_POLICY_LRU, (int)aatts_cache_policy(c));
	aatts_cache_destroy(c);
}

TEST(write_racing_promotion)
{
	struct aatts_cache *c = make(4, 100, AATTS_POLICY_LRU);
	struct aatts_cache_stats s;
	struct aatts_promotion p;
	bool promote;

	ASSERT_NE(NULL, c);
	EXPECT_EQ(AATTS_NO_SLOT, aatts_cache_read(c, 7, &p, &promote));
	ASSERT_TRUE(promote);
	EXPECT_EQ(7ULL, p.block);
	/* FILLING: not a hit, and a second miss does not promote again. */
	EXPECT_EQ(AATTS_NO_SLOT, aatts_cache_read(c, 7, &p, &promote));
	EXPECT_FALSE(promote);
	EXPECT_EQ(AATTS_NO_SLOT, aatts_cache_write(c, 7));
	aatts_cache_fill_done(c, p.slot, true);
	EXPECT_FALSE(resident(c, 7));
	aatts_cache_get_stats(c, &s);
	EXPECT_EQ(1ULL, s.promotions_failed);
	EXPECT_EQ(0U, s.nr_valid);
	EXPECT_EQ(0U, s.nr_filling);
	/* Unraced, the same block becomes resident; a write hit keeps it. */
	read_now(c, 7);
	EXPECT_TRUE(resident(c, 7));
	EXPECT_EQ(aatts_cache_lookup(c, 7), aatts_cache_write(c, 7));
	EXPECT_EQ(0, aatts_cache_invalidate(c, 7));
	EXPECT_FALSE(resident(c, 7));
	EXPECT_EQ(-ENOENT, aatts_cache_invalidate(c, 7));
	aatts_cache_destroy(c);
}

TEST(failed_fill_frees_the_slot)
{
	struct aatts_cache *c = make(1, 100, AATTS_POLICY_LRU);
	struct aatts_promotion p;
	bool promote;

	aatts_cache_read(c, 3, &p, &promote);
	ASSERT_TRUE(promote);
	aatts_cache_fill_done(c, p.slot, false);
	EXPECT_FALSE(resident(c, 3));
	EXPECT_EQ(0, aatts_cache_promote(c, 4, false, &p));
	EXPECT_FALSE(p.evicted);
	EXPECT_EQ(-EEXIST, aatts_cache_promote(c, 4, false, &p));
	aatts_cache_destroy(c);
}

/* lfu evicts the least frequent; tick's halving lets recency decide. */
TEST(lfu_frequency_and_aging)
{
	struct aatts_cache *c = make(2, 100, AATTS_POLICY_LFU);
	int i;

	for (i = 0; i < 4; i++)
		read_now(c, 1);
	read_now(c, 2);
	read_now(c, 3);		/* evicts 2: one read against four */
	EXPECT_TRUE(resident(c, 1));
	EXPECT_FALSE(resident(c, 2));
	/* 1: 4 -> 2 -> 1 -> 0, 3: 1 -> 0: a tie, 1 is less recent. */
	aatts_cache_tick(c);
	aatts_cache_tick(c);
	aatts_cache_tick(c);
	read_now(c, 4);
	EXPECT_FALSE(resident(c, 1));
	EXPECT_TRUE(resident(c, 3));
	aatts_cache_destroy(c);
}

TEST(minio_never_evicts)
{
	struct aatts_cache *c = make(2, 100, AATTS_POLICY_MINIO);
	struct aatts_promotion p;

	read_now(c, 1);
	read_now(c, 2);
	read_now(c, 3);
	EXPECT_FALSE(resident(c, 3));
	EXPECT_EQ(-ENOSPC, aatts_cache_promote(c, 3, true, &p));
	EXPECT_TRUE(resident(c, 1));
	EXPECT_TRUE(resident(c, 2));
	aatts_cache_destroy(c);
}

/* 100 blocks, at most 16 entries: each entry covers 8 blocks. */
TEST(coarse_score_map)
{
	struct aatts_cache_params prm = {
		.nr_slots = 2, .nr_blocks = 100, .max_score_entries = 16,
		.max_staged_hints = 2, .policy = AATTS_POLICY_ISA,
	};
	struct aatts_cache *c = aatts_cache_create(&prm);
	struct aatts_promotion p;

	ASSERT_NE(NULL, c);
	EXPECT_EQ(-ERANGE, aatts_cache_hint(c, 5, 100, 1));
	EXPECT_EQ(-ERANGE, aatts_cache_hint(c, 6, 5, 1));
	EXPECT_EQ(0, aatts_cache_hint(c, 9, 9, 7));	/* entry 1 */
	EXPECT_EQ(0, aatts_cache_hint(c, 10, 11, 7));	/* merged */
	EXPECT_EQ(0, aatts_cache_hint(c, 40, 40, 3));
	EXPECT_EQ(-ENOSPC, aatts_cache_hint(c, 50, 50, 4));
	aatts_cache_epoch_commit(c);
	read_now(c, 40);	/* score 3 */
	read_now(c, 41);	/* score 3 */
	read_now(c, 60);	/* score 0: not above the minimum 3 */
	EXPECT_FALSE(resident(c, 60));
	read_now(c, 15);	/* entry 1, score 7: evicts 40 */
	EXPECT_TRUE(resident(c, 15));
	EXPECT_FALSE(resident(c, 40));
	/* Pinning block 17 pins its whole entry, 16..23. */
	EXPECT_EQ(0, aatts_cache_pin(c, 17, 17, true));
	EXPECT_TRUE(aatts_cache_pinned(c, 23));
	EXPECT_FALSE(aatts_cache_pinned(c, 24));
	EXPECT_EQ(-EPERM, aatts_cache_promote(c, 70, false, &p));
	aatts_cache_destroy(c);
}

static struct aatts_kv kv(const char *key, u64 value)
{
	struct aatts_kv p = { .value = value };

	strncpy(p.key, key, sizeof(p.key) - 1);
	return p;
}

TEST(policy_params_checked_whole)
{
	struct aatts_cache *c = make(8, 1000, AATTS_POLICY_LRU);
	struct aatts_kv got[AATTS_POLICY_PARAMS_NR];
	struct aatts_kv good[] = { kv("idle_turnovers", 8), kv("min_freq", 3) };
	struct aatts_kv unknown[] = { kv("min_freq", 3), kv("nope", 1) };
	struct aatts_kv twice[] = { kv("min_freq", 3), kv("min_freq", 4) };
	struct aatts_kv high[] = { kv("min_freq", 16) };
	struct aatts_kv low[] = { kv("aging", 0) };
	u32 bad = 99, n;

	ASSERT_NE(NULL, c);
	EXPECT_EQ(-EINVAL, aatts_cache_set_policy_kv(c, AATTS_POLICY_DEFAULT,
						     unknown, 2, &bad));
	EXPECT_EQ(1U, bad);
	EXPECT_EQ(-EINVAL, aatts_cache_set_policy_kv(c, AATTS_POLICY_DEFAULT,
						     twice, 2, &bad));
	EXPECT_EQ(1U, bad);
	EXPECT_EQ(-EINVAL, aatts_cache_set_policy_kv(c, AATTS_POLICY_DEFAULT,
						     high, 1, &bad));
	EXPECT_EQ(0U, bad);
	EXPECT_EQ(-EINVAL, aatts_cache_set_policy_kv(c, AATTS_POLICY_LFU,
						     low, 1, &bad));
	/* A key of another policy is unknown to this one. */
	EXPECT_EQ(-EINVAL, aatts_cache_set_policy_kv(c, AATTS_POLICY_LRU,
						     good, 1, &bad));
	EXPECT_EQ(-EINVAL, aatts_cache_set_policy_kv(c, AATTS_POLICY_NR,
						     NULL, 0, &bad));
	/* Nothing changed by the refusals. */
	EXPECT_EQ(AATTS_POLICY_LRU, (int)aatts_cache_policy(c));
	EXPECT_EQ(0U, aatts_cache_policy_params(c, got, AATTS_POLICY_PARAMS_NR));

	EXPECT_EQ(0, aatts_cache_set_policy_kv(c, AATTS_POLICY_DEFAULT, good,
					       2, &bad));
	n = aatts_cache_policy_params(c, got, AATTS_POLICY_PARAMS_NR);
	ASSERT_EQ(2U, n);
	EXPECT_STREQ("min_freq", got[0].key);
	EXPECT_EQ(3ULL, got[0].value);
	EXPECT_STREQ("idle_turnovers", got[1].key);
	EXPECT_EQ(8ULL, got[1].value);
	/* Unnamed parameters take their defaults again. */
	EXPECT_EQ(0, aatts_cache_set_policy(c, AATTS_POLICY_DEFAULT));
	aatts_cache_policy_params(c, got, AATTS_POLICY_PARAMS_NR);
	EXPECT_EQ(2ULL, got[0].value);
	EXPECT_EQ(4ULL, got[1].value);
	aatts_cache_destroy(c);
}

/*
 * Block 0 read 8 times, block 1 twice, two ticks, block 1 three times
 * more; then a miss.  Aged on every tick, 0 holds 2 and 1 holds 3: 0 is
 * the victim.  Aged every third tick only, 0 holds 8 and 1 holds 5: 1 is.
 */
static bool lfu_evicts_hot_block(u64 aging)
{
	struct aatts_cache *c = make_full(2, AATTS_POLICY_LRU);
	struct aatts_kv p[] = { kv("aging", aging) };
	bool evicted;
	int i;

	if (!c || aatts_cache_set_policy_kv(c, AATTS_POLICY_LFU, p, 1, NULL))
		abort();
	for (i = 0; i < 8; i++)
		read_now(c, 0);
	read_now(c, 1);
	read_now(c, 1);
	aatts_cache_tick(c);
	aatts_cache_tick(c);
	for (i = 0; i < 3; i++)
		read_now(c, 1);
	read_now(c, 7);
	evicted = !resident(c, 0);
	if (evicted == !resident(c, 1) || !resident(c, 7))
		abort();
	aatts_cache_destroy(c);
	return evicted;
}

TEST(lfu_aging_every_nth_tick)
{
	EXPECT_TRUE(lfu_evicts_hot_block(1));
	EXPECT_FALSE(lfu_evicts_hot_block(3));
}

TEST(isa_min_score_keeps_unscored_blocks_out)
{
	struct aatts_cache *c = make(4, 1000, AATTS_POLICY_LRU);
	struct aatts_kv min[] = { kv("min_score", 10) };
	struct aatts_promotion p;

	ASSERT_NE(NULL, c);
	ASSERT_EQ(0, aatts_cache_set_policy_kv(c, AATTS_POLICY_ISA, min, 1,
					       NULL));
	ASSERT_EQ(0, aatts_cache_hint(c, 5, 5, 10));
	aatts_cache_epoch_commit(c);
	/* Free slots, yet a block scored below 10 is not promoted. */
	read_now(c, 4);
	EXPECT_FALSE(resident(c, 4));
	read_now(c, 5);
	EXPECT_TRUE(resident(c, 5));
	/* A forced promote ignores the policy. */
	EXPECT_EQ(0, aatts_cache_promote(c, 4, true, &p));
	aatts_cache_destroy(c);
}

/*
 * Overlapping hints: after a commit every hinted block holds the highest
 * score among the ranges touching it, every other block keeps its score
 * from the epoch before.  Checked against a plain model, seeded.
 */
/* A switch to lru orders the adopted blocks by their last read. */
TEST(switch_to_lru_orders_by_last_read)
{
	static const u64 order[] = { 1, 3, 2, 0 };
	struct aatts_cache *c = make_full(4, AATTS_POLICY_FIFO);
	struct aatts_promotion p;
	unsigned int i;

	ASSERT_NE(NULL, c);
	read_now(c, 2);
	read_now(c, 0);
	ASSERT_EQ(0, aatts_cache_set_policy(c, AATTS_POLICY_LRU));
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, aatts_cache_promote(c, 100 + i, false, &p));
		EXPECT_TRUE(p.evicted);
		EXPECT_EQ(order[i], p.victim);
		aatts_cache_fill_done(c, p.slot, true);
	}
	aatts_cache_destroy(c);
}

static void hints_against_model(struct __test_metadata *_metadata,
				u32 long_len)
{
	enum { BLOCKS = 1000, RANGES = 300 };
	static u32 model[BLOCKS], touched[BLOCKS];
	struct aatts_cache *c = make(8, BLOCKS, AATTS_POLICY_ISA);
	u64 state = 12345;
	int epoch, i, b;

	ASSERT_NE(NULL, c);
	for (epoch = 0; epoch < 3; epoch++) {
		memset(touched, 0, sizeof(touched));
		for (i = 0; i < RANGES; i++) {
			u32 first, len, score;

			state = state * 6364136223846793005ULL + 1442695040888963407ULL;
			first = (state >> 33) % BLOCKS;
			len = 1 + (state >> 20) % (i % 10 ? 8 : long_len);
			score = (state >> 8) % 50;
			if (first + len > BLOCKS)
				len = BLOCKS - first;
			ASSERT_EQ(0, aatts_cache_hint(c, first, first + len - 1,
						      score));
			for (b = first; b < (int)(first + len); b++) {
				if (!touched[b] || model[b] < score)
					model[b] = score;
				touched[b] = 1;
			}
		}
		aatts_cache_epoch_commit(c);
		for (b = 0; b < BLOCKS; b++)
			ASSERT_EQ(model[b], aatts_score(&c->scores, b))
				TH_LOG("epoch %d block %d", epoch, b);
	}
	aatts_cache_destroy(c);
}

/* Long, heavily overlapping ranges: the sorted sweep. */
TEST(epoch_commit_takes_max_of_overlapping_hints)
{
	hints_against_model(_metadata, 400);
}

/* Short ranges (at most 8 blocks): the two plain passes. */
TEST(epoch_commit_takes_max_of_short_hints)
{
	hints_against_model(_metadata, 8);
}

TEST_HARNESS_MAIN
