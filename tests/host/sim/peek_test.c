// SPDX-License-Identifier: GPL-2.0-only
/*
 * The policy core's lockless read-hit path (aatts_cache_peek*() and
 * aatts_cache_read_hits()), built in user space with ASan/UBSan: peeks
 * find exactly the VALID blocks, any change of the map is seen, and hits
 * applied in batches leave every policy where aatts_cache_read() would.
 */
#include "kselftest_harness.h"
#include "aatts_cache.h"

static struct aatts_cache *make(u32 slots, u64 blocks,
				enum aatts_policy_id id)
{
	struct aatts_cache_params p = {
		.nr_slots = slots, .nr_blocks = blocks, .policy = id,
	};

	return aatts_cache_create(&p);
}

static u64 rnd(u64 *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

TEST(peek_finds_valid_only)
{
	struct aatts_cache *c = make(8, 100, AATTS_POLICY_LRU);
	struct aatts_promotion p;
	bool promote;
	u32 seq;

	ASSERT_NE(NULL, c);
	ASSERT_TRUE(aatts_cache_peek_begin(c, &seq));
	EXPECT_EQ(AATTS_NO_SLOT, aatts_cache_peek(c, 5));
	aatts_cache_read(c, 5, &p, &promote);
	ASSERT_TRUE(promote);
	/* Reserving changed the map; FILLING is no hit. */
	EXPECT_FALSE(aatts_cache_peek_valid(c, seq));
	ASSERT_TRUE(aatts_cache_peek_begin(c, &seq));
	EXPECT_EQ(AATTS_NO_SLOT, aatts_cache_peek(c, 5));
	aatts_cache_fill_done(c, p.slot, true);
	EXPECT_FALSE(aatts_cache_peek_valid(c, seq));
	ASSERT_TRUE(aatts_cache_peek_begin(c, &seq));
	EXPECT_EQ(p.slot, aatts_cache_peek(c, 5));
	EXPECT_TRUE(aatts_cache_peek_valid(c, seq));
	/* A hit applied later changes the order, not the map. */
	aatts_cache_read_hits(c, &p.slot, &(u64){5}, 1);
	EXPECT_TRUE(aatts_cache_peek_valid(c, seq));
	aatts_cache_invalidate(c, 5);
	EXPECT_FALSE(aatts_cache_peek_valid(c, seq));
	ASSERT_TRUE(aatts_cache_peek_begin(c, &seq));
	EXPECT_EQ(AATTS_NO_SLOT, aatts_cache_peek(c, 5));
	aatts_cache_destroy(c);
}

/*
 * Two caches see the same accesses; one takes hits through
 * aatts_cache_read(), the other peeks and applies them in batches of up
 * to 16 before its next miss (as the kernel does per CPU).  Batches that
 * hold only hits, applied before any miss, keep the order exactly: the
 * resident sets must agree after every miss, for every policy and seed.
 */
TEST(batched_hits_match_reads)
{
	int id;
	u64 seed;

	for (id = 0; id < AATTS_POLICY_NR; id++) {
		for (seed = 1; seed <= 4; seed++) {
			struct aatts_cache *a = make(64, 512, id);
			struct aatts_cache *b = make(64, 512, id);
			struct aatts_cache_stats sa, sb;
			u32 slot[16], n = 0, i, seq;
			u64 block[16], x = seed * 0x9e3779b97f4a7c15ULL, blk;

			ASSERT_NE(NULL, a);
			ASSERT_NE(NULL, b);
			for (i = 0; i < 20000; i++) {
				struct aatts_promotion p;
				bool promote;
				u32 s;

				/* A hot set of 48 blocks and a cold tail. */
				blk = rnd(&x) % 4 ? rnd(&x) % 48 : rnd(&x) % 512;
				s = aatts_cache_read(a, blk, &p, &promote);
				if (promote)
					aatts_cache_fill_done(a, p.slot, true);

				ASSERT_TRUE(aatts_cache_peek_begin(b, &seq));
				s = aatts_cache_peek(b, blk);
				if (s != AATTS_NO_SLOT && n < 16) {
					ASSERT_TRUE(aatts_cache_peek_valid(b, seq));
					slot[n] = s;
					block[n++] = blk;
					continue;
				}
				aatts_cache_read_hits(b, slot, block, n);
				n = 0;
				if (s != AATTS_NO_SLOT) {
					slot[n] = s;
					block[n++] = blk;
					continue;
				}
				aatts_cache_read(b, blk, &p, &promote);
				if (promote)
					aatts_cache_fill_done(b, p.slot, true);
				for (blk = 0; blk < 512; blk++)
					ASSERT_EQ(aatts_cache_lookup(a, blk) !=
						  AATTS_NO_SLOT,
						  aatts_cache_lookup(b, blk) !=
						  AATTS_NO_SLOT);
			}
			aatts_cache_read_hits(b, slot, block, n);
			aatts_cache_get_stats(a, &sa);
			aatts_cache_get_stats(b, &sb);
			EXPECT_EQ(sa.read_hits, sb.read_hits);
			EXPECT_EQ(sa.read_misses, sb.read_misses);
			EXPECT_EQ(sa.evictions, sb.evictions);
			aatts_cache_destroy(a);
			aatts_cache_destroy(b);
		}
	}
}

TEST_HARNESS_MAIN
