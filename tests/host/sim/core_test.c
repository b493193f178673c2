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
		 * isa admits only a block scored above the victim, and so
		 * does default until its shadows have shown a better mode
		 * (it starts in isa's).
		 */
		read_now(c, 50);
		EXPECT_EQ(id != AATTS_POLICY_MINIO && id != AATTS_POLICY_ISA &&
			  id != AATTS_POLICY_DEFAULT, resident(c, 50))
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
	u32 filling;

	ASSERT_NE(NULL, c);
	EXPECT_EQ(AATTS_NO_SLOT, aatts_cache_read(c, 7, &p, &promote));
	ASSERT_TRUE(promote);
	EXPECT_EQ(7ULL, p.block);
	filling = p.slot;
	/*
	 * FILLING: not a hit, and a second miss does not promote again; it
	 * is told which slot is being filled.  A plain miss is told none.
	 */
	EXPECT_EQ(AATTS_NO_SLOT, aatts_cache_read_access(c, 8, &p, &promote,
							 false));
	EXPECT_FALSE(promote);
	EXPECT_EQ(AATTS_NO_SLOT, p.slot);
	EXPECT_EQ(AATTS_NO_SLOT, aatts_cache_read_access(c, 7, &p, &promote,
							 false));
	EXPECT_FALSE(promote);
	EXPECT_EQ(filling, p.slot);
	p.slot = AATTS_NO_SLOT;
	EXPECT_EQ(AATTS_NO_SLOT, aatts_cache_read(c, 7, &p, &promote));
	EXPECT_FALSE(promote);
	EXPECT_EQ(filling, p.slot);
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

/*
 * lfu evicts the least frequent, and a tick halves every frequency: block
 * 1 is read 4 times, block 3 once; after 3 ticks block 3 is read once
 * more, worth 8 reads of 3 ticks ago, so block 1 is the victim.  Without
 * the ticks block 3 (2 reads) is.
 */
static bool lfu_aging_evicts_old_block(int ticks)
{
	struct aatts_cache *c = make(2, 100, AATTS_POLICY_LFU);
	bool old_evicted;
	int i;

	if (!c)
		abort();
	for (i = 0; i < 4; i++)
		read_now(c, 1);
	read_now(c, 2);
	read_now(c, 3);		/* evicts 2: one read against four */
	if (!resident(c, 1) || resident(c, 2))
		abort();
	for (i = 0; i < ticks; i++)
		aatts_cache_tick(c);
	read_now(c, 3);
	read_now(c, 4);
	old_evicted = !resident(c, 1);
	if (old_evicted == !resident(c, 3) || !resident(c, 4))
		abort();
	aatts_cache_destroy(c);
	return old_evicted;
}

TEST(lfu_frequency_and_aging)
{
	EXPECT_TRUE(lfu_aging_evicts_old_block(3));
	EXPECT_FALSE(lfu_aging_evicts_old_block(0));
	/* 4 against 2 << 1: the old block still wins after one tick. */
	EXPECT_FALSE(lfu_aging_evicts_old_block(1));
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

/* ------------------------------------------------------------------ */
/* Bounded steps against the one-call forms and against a model         */

/*
 * The core's invariants, checked from the outside in: counts, the map,
 * every evictable adopted slot in exactly one order (heap property, list
 * links), no slot left unadopted once a switch is done; with no commit
 * or pin walk under way, every resident slot's score and pin state those
 * of its block.  Returns a description of the first breach, or NULL.
 */
static const char *check_core(const struct aatts_cache *c, bool settled)
{
	u32 n = c->stats.nr_slots, s, valid = 0, filling = 0, pinned = 0;
	u32 in_order = 0, evict = 0, h, pos, nr, prev;
	bool adopting = c->heap.adopt < n;

	for (s = 0; s < n; s++) {
		const struct aatts_slot *sl = &c->slots[s];
		bool adopted = (sl->flags & AATTS_SLOT_ADOPTED) ==
			       c->heap.parity;

		if (sl->state == AATTS_SLOT_FREE)
			continue;
		if (aatts_map_find(c, sl->block) != s)
			return "slot not mapped";
		filling += sl->state == AATTS_SLOT_FILLING;
		if (sl->state != AATTS_SLOT_VALID)
			continue;
		valid++;
		if (sl->flags & AATTS_SLOT_PINNED) {
			pinned++;
			if (adopted && sl->hpos != AATTS_NO_SLOT)
				return "pinned slot in an order";
		}
		if (!adopted && (!adopting || s < c->heap.adopt))
			return "slot not adopted behind the cursor";
		if (adopted && !(sl->flags & AATTS_SLOT_PINNED) &&
		    c->policy->before) {
			evict++;
			if (sl->hpos == AATTS_NO_SLOT)
				return "evictable slot in no order";
		}
		if (settled && sl->score != aatts_score(&c->scores, sl->block))
			return "stale score";
		if (settled && !(sl->flags & AATTS_SLOT_PINNED) !=
		    !aatts_scores_pinned(&c->scores, sl->block))
			return "pin flag differs from the block's pin bit";
	}
	if (valid != c->stats.nr_valid || filling != c->stats.nr_filling ||
	    pinned != c->stats.nr_pinned)
		return "counts";
	if (settled && adopting)
		return "switch not finished";
	for (h = 0; h < AATTS_HEAPS; h++) {
		nr = c->heap.nr[h];
		in_order += nr;
		for (pos = 0; pos < nr; pos++) {
			u32 slot = h ? c->heap.slot[n - 1 - pos] :
				       c->heap.slot[pos];
			u32 parent = pos ? (pos - 1) / 2 : 0;
			u32 up = h ? c->heap.slot[n - 1 - parent] :
				     c->heap.slot[parent];

			if (c->slots[slot].hpos != pos ||
			    (c->slots[slot].flags & AATTS_SLOT_LISTED) ||
			    !(c->slots[slot].flags & AATTS_SLOT_WINDOW) != !h)
				return "heap cell and hpos disagree";
			if (!pos)
				continue;
			if (h ? c->slots[slot].atime < c->slots[up].atime :
			    c->policy->before(c, slot, up))
				return "heap order";
		}
	}
	prev = AATTS_LIST_HEAD;
	for (s = c->heap.head, nr = 0; s != AATTS_NO_SLOT && nr <= n;
	     s = c->aux[s], nr++) {
		if (c->slots[s].hpos != prev ||
		    !(c->slots[s].flags & AATTS_SLOT_LISTED))
			return "list links";
		prev = s;
	}
	if (nr != c->heap.nr_listed || (nr && c->heap.tail != prev))
		return "list length or tail";
	if (in_order + nr != evict)
		return "evictable slots and orders differ in number";
	return NULL;
}

enum { MB = 96, MS = 16 };

/* What the policies promise, block by block, without their structures. */
struct model {
	enum aatts_policy_id id;
	u64 aging, min_score, clock, seq, ticks;
	u32 age;
	bool res[MB], pin[MB], touched[MB];
	u64 atime[MB], itime[MB], rank[MB];
	u32 freq[MB], fe[MB], map[MB], staged[MB];
	u32 nr_res;
};

static bool m_evictable(const struct model *m, int b)
{
	return m->res[b] && !m->pin[b];
}

/* Whether block a goes before block b under the model's policy. */
static bool m_before(const struct model *m, int a, int b)
{
	unsigned __int128 ka, kb;
	u32 base;

	switch (m->id) {
	case AATTS_POLICY_LRU:
		return m->rank[a] < m->rank[b];
	case AATTS_POLICY_FIFO:
		return m->itime[a] < m->itime[b];
	case AATTS_POLICY_LFU:
		/*
		 * freq * 2^epoch, both divided by 2^(the older epoch); a
		 * shift past 64 changes no comparison (freq < 2^16).
		 */
		base = min(m->fe[a], m->fe[b]);
		ka = (unsigned __int128)m->freq[a] << min(m->fe[a] - base, 64U);
		kb = (unsigned __int128)m->freq[b] << min(m->fe[b] - base, 64U);
		if (ka != kb)
			return ka < kb;
		break;
	default:
		if (m->map[a] != m->map[b])
			return m->map[a] < m->map[b];
		break;
	}
	return m->atime[a] < m->atime[b];
}

/*
 * The first in the order; if the core's choice ties with it (blocks
 * unpinned by one walk go to the lru list in the walk's order, which the
 * model does not know), the core's.
 */
static int m_victim(const struct model *m, int core)
{
	int b, v = -1;

	for (b = 0; b < MB; b++)
		if (m_evictable(m, b) && (v < 0 || m_before(m, b, v)))
			v = b;
	if (v >= 0 && core >= 0 && core < MB && m_evictable(m, core) &&
	    !m_before(m, v, core))
		return core;
	return v;
}

/*
 * A read: -2 a hit, -1 a rejected miss, else the victim (MB: none);
 * core is the core's victim (see m_victim()).
 */
static int m_read(struct model *m, int b, int core)
{
	int v = MB;
	u32 d;

	m->clock++;
	if (m->res[b]) {
		m->atime[b] = m->clock;
		m->rank[b] = ++m->seq;
		if (m->id == AATTS_POLICY_LFU) {
			d = m->age - m->fe[b];
			m->freq[b] = d >= 16 ? 0 : m->freq[b] >> d;
			m->freq[b] += m->freq[b] < AATTS_FREQ_MAX;
			m->fe[b] = m->age;
		}
		return -2;
	}
	if (m->id == AATTS_POLICY_ISA && m->map[b] < m->min_score)
		return -1;
	if (m->nr_res == MS) {
		if (m->id == AATTS_POLICY_MINIO)
			return -1;
		v = m_victim(m, core);
		if (v < 0 || (m->id == AATTS_POLICY_ISA &&
			      m->map[b] <= m->map[v]))
			return -1;
		m->res[v] = false;
		m->nr_res--;
	}
	m->res[b] = true;
	m->nr_res++;
	m->atime[b] = m->itime[b] = m->clock;
	m->rank[b] = ++m->seq;
	m->freq[b] = 1;
	m->fe[b] = m->age;
	return v;
}

static void m_switch(struct model *m, enum aatts_policy_id id, u64 param)
{
	bool was_lfu = m->id == AATTS_POLICY_LFU;
	int b;

	m->id = id;
	m->aging = id == AATTS_POLICY_LFU ? param : 1;
	m->min_score = id == AATTS_POLICY_ISA ? param : 0;
	if (m->seq < m->clock)
		m->seq = m->clock;
	for (b = 0; b < MB; b++) {
		if (!m->res[b])
			continue;
		m->rank[b] = m->atime[b];
		if (id == AATTS_POLICY_LFU && !was_lfu) {
			m->freq[b] = 0;
			m->fe[b] = m->age;
		}
	}
}

static void m_tick(struct model *m)
{
	m->ticks++;
	if (m->id == AATTS_POLICY_LFU && !(m->ticks % m->aging))
		m->age++;
}

/* Blocks unpinned together tie: as if read at the same time. */
static void m_pin(struct model *m, int first, int last, bool pin)
{
	int b;

	m->seq++;
	for (b = first; b <= last; b++) {
		if (m->res[b] && m->pin[b] && !pin)
			m->rank[b] = m->seq;
		m->pin[b] = pin;
	}
}

static void m_commit(struct model *m)
{
	int b;

	for (b = 0; b < MB; b++)
		if (m->touched[b])
			m->map[b] = m->staged[b];
	memset(m->touched, 0, sizeof(m->touched));
}

static u64 rnd(u64 *state)
{
	*state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
	return *state >> 33;
}

/* How a test drives long operations: in one call, or in small steps. */
enum drive { ONE_CALL, STEPS, STEPS_WITH_HITS };

struct run {
	struct __test_metadata *meta;
	struct aatts_cache *c;
	struct model m;
	enum drive drive;
	u64 rng;
	bool use_model;		/* the policies the model knows */
	bool no_model;		/* default may come: the model cannot follow */
	/*
	 * No reads between steps in this range.  During a pin walk, none at
	 * all: when the walk reaches a block is its business, so the lru
	 * order between blocks it unpins and blocks read meanwhile is too.
	 */
	int avoid_first, avoid_last;
};

static u32 small_budget(struct run *r)
{
	return 1 + rnd(&r->rng) % 48;
}

/* Between two steps: the checks, and reads that hit (and ticks). */
static bool between_steps(struct run *r)
{
	struct __test_metadata *_metadata = r->meta;
	const char *why = check_core(r->c, false);
	int i, b;

	if (why) {
		TH_LOG("between steps: %s", why);
		return false;
	}
	if (r->drive != STEPS_WITH_HITS)
		return true;
	for (i = 0; i < 2; i++) {
		b = rnd(&r->rng) % MB;
		if (!r->m.res[b] || (b >= r->avoid_first && b <= r->avoid_last))
			continue;
		if (!read_now(r->c, b)) {
			TH_LOG("a resident block missed between steps");
			return false;
		}
		m_read(&r->m, b, -1);
	}
	if (!(rnd(&r->rng) % 8)) {
		aatts_cache_tick(r->c);
		m_tick(&r->m);
	}
	return true;
}

static bool finish_steps(struct run *r)
{
	while (!aatts_cache_step(r->c, small_budget(r)))
		if (!between_steps(r))
			return false;
	return true;
}

static bool finish_walk(struct run *r, struct aatts_walk *w)
{
	while (!aatts_cache_walk(r->c, w, small_budget(r)))
		if (!between_steps(r))
			return false;
	return true;
}

static const enum aatts_policy_id modelled[] = {
	AATTS_POLICY_LRU, AATTS_POLICY_FIFO, AATTS_POLICY_LFU,
	AATTS_POLICY_ISA, AATTS_POLICY_MINIO,
};

/* One random operation on the cache (and the model); false on a breach. */
static bool one_op(struct run *r, bool with_default)
{
	struct __test_metadata *_metadata = r->meta;
	struct aatts_cache *c = r->c;
	struct aatts_promotion p;
	struct aatts_walk w;
	struct aatts_kv kvs[1];
	u64 x = rnd(&r->rng) % 100, first, last;
	int b = rnd(&r->rng) % MB, expect, i;
	bool promote;
	u32 slot, got;

	first = rnd(&r->rng) % MB;
	last = first + rnd(&r->rng) % (x & 1 ? 4 : MB);
	if (last >= MB)
		last = MB - 1;
	if (x < 70) {
		slot = aatts_cache_read(c, b, &p, &promote);
		if (promote)
			aatts_cache_fill_done(c, p.slot, true);
		expect = m_read(&r->m, b, promote && p.evicted ?
				    (int)p.victim : -1);
		if (!r->use_model)
			return true;
		if ((slot != AATTS_NO_SLOT) != (expect == -2) ||
		    promote != (expect >= 0) ||
		    (promote && p.evicted != (expect < MB)) ||
		    (promote && p.evicted && p.victim != (u64)expect)) {
			TH_LOG("%s: read %d: slot %u promote %d victim %lld, model %d",
			       aatts_policy_name(r->m.id), b, slot, promote,
			       promote && p.evicted ? (long long)p.victim : -1LL,
			       expect);
			return false;
		}
		return true;
	}
	if (x < 76) {
		aatts_cache_tick(c);
		m_tick(&r->m);
	} else if (x < 82) {
		u32 score = rnd(&r->rng) % 8;

		if (aatts_cache_hint(c, first, last, score))
			return false;
		for (i = first; i <= (int)last; i++) {
			if (!r->m.touched[i] || r->m.staged[i] < score)
				r->m.staged[i] = score;
			r->m.touched[i] = true;
		}
	} else if (x < 86) {
		if (r->drive == ONE_CALL) {
			aatts_cache_epoch_commit(c);
		} else {
			aatts_cache_epoch_begin(c);
			if (aatts_scores_committing(&c->scores) &&
			    aatts_cache_hint(c, 0, 0, 1) != -EBUSY) {
				TH_LOG("a hint staged during a commit");
				return false;
			}
			if (!finish_steps(r))
				return false;
		}
		m_commit(&r->m);
	} else if (x < 92) {
		bool pin = x & 2;

		if (r->drive == ONE_CALL) {
			aatts_cache_pin(c, first, last, pin);
		} else {
			r->avoid_first = 0;
			r->avoid_last = MB - 1;
			if (aatts_walk_pin(c, &w, first, last, pin) ||
			    !finish_walk(r, &w))
				return false;
			r->avoid_first = 1;
			r->avoid_last = 0;
		}
		m_pin(&r->m, first, last, pin);
	} else if (x < 97) {
		/* The model first: reads between steps stay off the range. */
		expect = 0;
		for (i = first; i <= (int)last; i++) {
			expect += r->m.res[i];
			r->m.nr_res -= r->m.res[i];
			r->m.res[i] = false;
		}
		if (r->drive == ONE_CALL) {
			got = aatts_cache_invalidate_range(c, first, last);
		} else {
			aatts_walk_invalidate(c, &w, first, last);
			if (!finish_walk(r, &w))
				return false;
			got = w.dropped;
		}
		if (r->use_model && got != (u32)expect) {
			TH_LOG("invalidate %llu..%llu dropped %u, model %d",
			       (unsigned long long)first,
			       (unsigned long long)last, got, expect);
			return false;
		}
	} else {
		enum aatts_policy_id id = with_default ?
			rnd(&r->rng) % AATTS_POLICY_NR :
			modelled[rnd(&r->rng) % ARRAY_SIZE(modelled)];
		u64 param = 1 + rnd(&r->rng) % 3;
		u32 nkv = 0;

		memset(kvs, 0, sizeof(kvs));
		if (id == AATTS_POLICY_LFU || id == AATTS_POLICY_ISA) {
			strcpy(kvs[0].key, id == AATTS_POLICY_LFU ? "aging" :
					   "min_score");
			kvs[0].value = param;
			nkv = 1;
		}
		if (r->drive == ONE_CALL) {
			if (aatts_cache_set_policy_kv(c, id, kvs, nkv, NULL))
				return false;
			m_switch(&r->m, id, param);
		} else {
			if (aatts_cache_start_policy_kv(c, id, kvs, nkv, NULL))
				return false;
			/* In force at once: ticks between steps count for it. */
			m_switch(&r->m, id, param);
			/* A second switch waits for the first to finish. */
			if (aatts_heap_adopt_step(c, &(u32){ 0 }) == false &&
			    aatts_cache_start_policy_kv(c, id, kvs, nkv,
							NULL) != -EBUSY) {
				TH_LOG("a switch started during a switch");
				return false;
			}
			if (!finish_steps(r))
				return false;
		}
		r->use_model = !r->no_model;
	}
	return true;
}

static struct aatts_cache *model_cache(struct run *r, enum aatts_policy_id id)
{
	memset(&r->m, 0, sizeof(r->m));
	r->m.id = id;
	r->m.aging = 1;
	r->use_model = !r->no_model && id != AATTS_POLICY_DEFAULT;
	r->c = make(MS, MB, id);
	return r->c;
}

/*
 * Random reads, ticks, hints, commits, pins, invalidations and switches;
 * every read's outcome (hit, promotion, victim) against the model, and
 * the invariants after every operation and between every two steps.
 */
static void against_model(struct __test_metadata *_metadata, enum drive d)
{
	int seed, op;
	u32 i;

	for (seed = 1; seed <= 12; seed++) {
		for (i = 0; i < ARRAY_SIZE(modelled); i++) {
			struct run r = { .meta = _metadata, .drive = d,
					 .rng = seed * 7919 + i,
					 .avoid_first = 1, .avoid_last = 0 };
			const char *why;

			ASSERT_NE(NULL, model_cache(&r, modelled[i]));
			for (op = 0; op < 3000; op++) {
				ASSERT_TRUE(one_op(&r, false))
					TH_LOG("seed %d, %s first, op %d",
					       seed,
					       aatts_policy_name(modelled[i]),
					       op);
				why = check_core(r.c, true);
				ASSERT_EQ(NULL, why)
					TH_LOG("seed %d op %d: %s", seed, op,
					       why);
			}
			aatts_cache_destroy(r.c);
		}
	}
}

TEST(one_call_forms_against_model)
{
	against_model(_metadata, ONE_CALL);
}

TEST(bounded_steps_against_model)
{
	against_model(_metadata, STEPS);
}

/* Reads that hit and ticks between the steps of every long operation. */
TEST(bounded_steps_with_hits_between_against_model)
{
	against_model(_metadata, STEPS_WITH_HITS);
}

/*
 * Every policy, default included: the same operations done in one call
 * and in steps of 1 to 48 units leave the same caches, block for block,
 * counter for counter, and later reads decide the same.
 */
TEST(bounded_steps_equal_one_call_forms)
{
	int seed, op;
	u64 b;

	for (seed = 1; seed <= 8; seed++) {
		struct run a = { .meta = _metadata, .drive = ONE_CALL,
				 .rng = seed, .no_model = true };
		struct run s = { .meta = _metadata, .drive = STEPS,
				 .rng = seed, .no_model = true };
		struct aatts_cache_stats sa, ss;

		ASSERT_NE(NULL, model_cache(&a, seed % AATTS_POLICY_NR));
		ASSERT_NE(NULL, model_cache(&s, seed % AATTS_POLICY_NR));
		for (op = 0; op < 4000; op++) {
			u64 rng = a.rng;

			ASSERT_TRUE(one_op(&a, true));
			/* The same random choices, bar the step budgets. */
			s.rng = rng;
			ASSERT_TRUE(one_op(&s, true));
			a.rng = s.rng = rng * 31 + op;
			for (b = 0; b < MB; b++)
				ASSERT_EQ(aatts_cache_lookup(a.c, b),
					  aatts_cache_lookup(s.c, b))
					TH_LOG("seed %d op %d block %llu", seed,
					       op, (unsigned long long)b);
			aatts_cache_get_stats(a.c, &sa);
			aatts_cache_get_stats(s.c, &ss);
			ASSERT_EQ(0, memcmp(&sa, &ss, sizeof(sa)))
				TH_LOG("seed %d op %d: counters differ", seed,
				       op);
		}
		aatts_cache_destroy(a.c);
		aatts_cache_destroy(s.c);
	}
}

/* A tick is O(1): it touches no slot, whatever the policy. */
TEST(tick_touches_no_slot)
{
	int id;

	for (id = 0; id < AATTS_POLICY_NR; id++) {
		struct aatts_cache *c = make_full(64, id);
		struct aatts_slot *copy;
		size_t bytes;

		ASSERT_NE(NULL, c);
		bytes = 64 * sizeof(*c->slots);
		copy = malloc(bytes);
		ASSERT_NE(NULL, copy);
		memcpy(copy, c->slots, bytes);
		aatts_cache_tick(c);
		EXPECT_EQ(0, memcmp(copy, c->slots, bytes))
			TH_LOG("%s", aatts_policy_name(id));
		free(copy);
		aatts_cache_destroy(c);
	}
}

/*
 * Shadow reads deferred (as the kernel runs default) and replayed later,
 * in steps of any size, leave the shadows, their hit counts and their
 * decisions exactly where reads through them at once would; the ring
 * never holds more than AATTS_MINI_DEFER, a read that finds it full
 * replays the oldest itself, the live cache's questions to the shadows
 * replay what waits first, and turning deferral off replays the rest.
 */
TEST(deferred_shadow_reads_replay_exactly)
{
	u64 seed;

	for (seed = 1; seed <= 3; seed++) {
		struct aatts_cache *a = make(96, 4096, AATTS_POLICY_DEFAULT);
		struct aatts_cache *b = make(96, 4096, AATTS_POLICY_DEFAULT);
		u64 x = seed, scan = 0, blk;
		u32 i, most = 0;
		int id;

		ASSERT_NE(NULL, a);
		ASSERT_NE(NULL, b);
		aatts_cache_defer_shadows(b, true);
		for (i = 0; i < 30000; i++) {
			/*
			 * A hot set of 48 blocks read between scan reads, then
			 * a loop of 150 (on which default changes mode).
			 */
			if (i < 15000)
				blk = rnd(&x) % 3 ? rnd(&x) % 48 :
				      48 + scan++ % 4000;
			else
				blk = 200 + i % 150;
			read_now(a, blk);
			read_now(b, blk);
			if (aatts_cache_shadows_pending(b) > most)
				most = aatts_cache_shadows_pending(b);
			/* No replay at first: the ring fills up. */
			if (i > 2000 && !(rnd(&x) % 8))
				aatts_cache_shadows_step(b, rnd(&x) % 40);
		}
		EXPECT_EQ(AATTS_MINI_DEFER, most);
		aatts_cache_defer_shadows(b, false);
		EXPECT_EQ(0U, aatts_cache_shadows_pending(b));
		EXPECT_TRUE(a->mini->warm);
		EXPECT_LT(0ULL, a->mini->switches);
		EXPECT_EQ(a->mini->switches, b->mini->switches);
		EXPECT_EQ(a->mini->periods, b->mini->periods);
		EXPECT_EQ(a->mini->seen, b->mini->seen);
		EXPECT_EQ(a->mini->total, b->mini->total);
		for (id = 0; id < AATTS_POLICY_NR; id++) {
			const struct aatts_cache *sa = a->mini->shadow[id];
			const struct aatts_cache *sb = b->mini->shadow[id];

			EXPECT_EQ(a->mini->avg[id], b->mini->avg[id]);
			EXPECT_EQ(a->mini->hits[id], b->mini->hits[id]);
			EXPECT_EQ(sa->stats.read_hits, sb->stats.read_hits);
			EXPECT_EQ(sa->stats.nr_valid, sb->stats.nr_valid);
		}
		aatts_cache_destroy(a);
		aatts_cache_destroy(b);
	}
}

/*
 * The default policy's miniature simulation is bounded: each shadow has
 * at most 1024 slots whatever the cache's size, so the shadows' memory is
 * the same for every cache of 1024 slots or more (no bytes per slot), the
 * sample shrinks as the cache grows (the same shadow reads per cache's
 * worth of reads), and bytes_per_slot stays within 64.
 */
TEST(default_shadows_bounded)
{
	static const u32 sizes[] = { 1, 100, 1024, 65537, 1U << 20 };
	u64 fixed = 0;
	unsigned int i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct aatts_cache *c = make(sizes[i], 1ULL << 24,
					     AATTS_POLICY_DEFAULT);
		struct aatts_cache_adapt a;
		u32 want = sizes[i] < 1024 ? sizes[i] : 1024;

		ASSERT_NE(NULL, c);
		ASSERT_TRUE(aatts_cache_get_adapt(c, &a));
		EXPECT_EQ(want, a.shadow_slots);
		EXPECT_GE(64U, aatts_cache_bytes_per_slot(c));
		/* The sample: shadow slots / cache slots, per million. */
		EXPECT_GE(1U, (u32)labs((long)a.sampled_ppm -
					(long)((u64)want * 1000000 / sizes[i])));
		if (sizes[i] >= 1024) {
			if (!fixed)
				fixed = a.shadow_bytes;
			EXPECT_EQ(fixed, a.shadow_bytes);
		}
		/* At most 6 shadows of 1024 slots at 64 bytes, and their heads. */
		EXPECT_GE(6ULL * (1024 * 64 + 8192), a.shadow_bytes)
			TH_LOG("%u slots: %llu shadow bytes", sizes[i],
			       (unsigned long long)a.shadow_bytes);
		aatts_cache_destroy(c);
	}
}

/* Under another policy nothing is reported; set default, it is again. */
TEST(adapt_only_under_default)
{
	struct aatts_cache *c = make(64, 1024, AATTS_POLICY_LRU);
	struct aatts_cache_adapt a;

	ASSERT_NE(NULL, c);
	EXPECT_FALSE(aatts_cache_get_adapt(c, &a));
	EXPECT_EQ(AATTS_POLICY_LRU, (int)a.mode);
	ASSERT_EQ(0, aatts_cache_set_policy(c, AATTS_POLICY_DEFAULT));
	EXPECT_TRUE(aatts_cache_get_adapt(c, &a));
	EXPECT_EQ(AATTS_POLICY_DEFAULT, (int)aatts_cache_policy(c));
	EXPECT_STREQ("wtinylfu", aatts_cache_mode_name(AATTS_POLICY_DEFAULT));
	EXPECT_STREQ("lfu", aatts_cache_mode_name(AATTS_POLICY_LFU));
	aatts_cache_destroy(c);
}

/*
 * default starts in isa's mode (a fixed set): a first working set fills
 * the cache, then a second one, smaller than the cache, is read again
 * and again, and a block of the first after every 10 of those reads, so
 * that the first set is not dead (dead_victim()).  isa would keep the
 * first and hit only those; default's shadows show a policy that follows
 * recency doing better, and it changes mode: over the second phase it
 * gets at least 90% of lru's hits.
 */
TEST(default_leaves_a_losing_mode)
{
	struct aatts_cache *c = make(256, 4096, AATTS_POLICY_DEFAULT);
	struct aatts_cache *l = make(256, 4096, AATTS_POLICY_LRU);
	struct aatts_cache_stats sd, sl;
	struct aatts_cache_adapt a;
	u64 b, hd, hl;

	ASSERT_NE(NULL, c);
	ASSERT_NE(NULL, l);
	for (b = 0; b < 4 * 256; b++) {
		read_now(c, b % 256);
		read_now(l, b % 256);
	}
	aatts_cache_get_stats(c, &sd);
	aatts_cache_get_stats(l, &sl);
	hd = sd.read_hits;
	hl = sl.read_hits;
	for (b = 0; b < 100 * 200; b++) {
		read_now(c, 1000 + b % 200);
		read_now(l, 1000 + b % 200);
		if (b % 10 == 9) {
			read_now(c, b / 10 % 256);
			read_now(l, b / 10 % 256);
		}
	}
	aatts_cache_get_stats(c, &sd);
	aatts_cache_get_stats(l, &sl);
	ASSERT_TRUE(aatts_cache_get_adapt(c, &a));
	EXPECT_TRUE(a.mode != AATTS_POLICY_MINIO && a.mode != AATTS_POLICY_ISA)
		TH_LOG("mode %s", aatts_cache_mode_name(a.mode));
	EXPECT_LE(1U, a.switches);
	EXPECT_LT(a.ratio[AATTS_POLICY_ISA] + 300, a.ratio[AATTS_POLICY_LRU]);
	EXPECT_GE((sd.read_hits - hd) * 10, (sl.read_hits - hl) * 9)
		TH_LOG("second phase: default %llu hits, lru %llu",
		       (unsigned long long)(sd.read_hits - hd),
		       (unsigned long long)(sl.read_hits - hl));
	aatts_cache_destroy(c);
	aatts_cache_destroy(l);
}

/*
 * A small lead that every period repeats is no noise when the two shadows
 * hit alike on every other read: here a loop of 56 blocks hits in every
 * shadow, and 4 new blocks per turn, each read twice, hit in lru's and
 * not in the fixed set's.  The variance of the difference is the reads
 * only one of them hit (McNemar's test), 1 in 16; taken as the sum of
 * their hits (15 in 16) the lead stayed below the noise for 2000 reads.
 */
TEST(default_takes_a_paired_lead)
{
	struct aatts_cache *c = make(64, 100000, AATTS_POLICY_DEFAULT);
	struct aatts_cache_adapt a;
	u64 b, turn, fresh = 1000;
	int i;

	ASSERT_NE(NULL, c);
	for (i = 0; i < 8; i++)
		for (b = 0; b < 64; b++)
			read_now(c, b);
	for (turn = 0; turn < 32; turn++) {
		for (b = 0; b < 56; b++)
			read_now(c, b);
		for (i = 0; i < 4; i++, fresh++) {
			read_now(c, fresh);
			read_now(c, fresh);
		}
	}
	ASSERT_TRUE(aatts_cache_get_adapt(c, &a));
	EXPECT_TRUE(a.mode != AATTS_POLICY_MINIO && a.mode != AATTS_POLICY_ISA)
		TH_LOG("mode %s, lru %u, minio %u per mille",
		       aatts_cache_mode_name(a.mode), a.ratio[AATTS_POLICY_LRU],
		       a.ratio[AATTS_POLICY_MINIO]);
	aatts_cache_destroy(c);
}

/*
 * lru, fifo and lfu hit alike on blocks read twice in a row (every block
 * resident has been read twice when one is evicted, so lfu's order is
 * lru's), and their counts tie exactly; the fixed set, hinted higher,
 * keeps isa, minio and wtinylfu (which rejects a miss scored below its
 * victim) from any hit.  Of the three, default enters lfu, whose counts a
 * later entry would lack (lru and fifo have no state to lose).
 */
TEST(default_tie_goes_to_lfu)
{
	struct aatts_cache *c = make(64, 100000, AATTS_POLICY_DEFAULT);
	struct aatts_cache_adapt a;
	u64 b;

	ASSERT_NE(NULL, c);
	ASSERT_EQ(0, aatts_cache_hint(c, 0, 63, 10));
	ASSERT_EQ(0, aatts_cache_hint(c, 1000, 99999, 1));
	aatts_cache_epoch_commit(c);
	for (b = 0; b < 64; b++)
		read_now(c, b);
	for (b = 1000; b < 1000 + 64 * 8; b++) {
		read_now(c, b);
		read_now(c, b);
	}
	ASSERT_TRUE(aatts_cache_get_adapt(c, &a));
	EXPECT_EQ(a.ratio[AATTS_POLICY_LRU], a.ratio[AATTS_POLICY_LFU]);
	EXPECT_EQ(a.ratio[AATTS_POLICY_FIFO], a.ratio[AATTS_POLICY_LFU]);
	EXPECT_LT(a.ratio[AATTS_POLICY_DEFAULT], a.ratio[AATTS_POLICY_LFU]);
	EXPECT_EQ((u32)AATTS_POLICY_LFU, (u32)a.mode)
		TH_LOG("mode %s, switches %llu", aatts_cache_mode_name(a.mode),
		       (unsigned long long)a.switches);
	aatts_cache_destroy(c);
}

/* Runs mode under default as a change of mode does, adoption finished. */
static void run_mode(struct aatts_cache *c, enum aatts_policy_id mode)
{
	u64 param[AATTS_POLICY_PARAMS_NR];

	aatts_policy_params(mode, NULL, 0, param, NULL);
	aatts_policy_run(c, mode, param);
	while (!aatts_cache_step(c, AATTS_STEP_BUDGET))
		;
}

/*
 * lfu entered late under default counts each sampled block as lfu's
 * shadow does (64 slots: every block is sampled), not from the switch on:
 * blocks read often before the switch outlive a run of new blocks, as
 * under lfu run from the start.  (With the counts capped at 1, blocks 5
 * and 7, the least recent, go first.)
 */
TEST(default_lfu_entered_late_counts_as_its_shadow)
{
	struct aatts_cache *c = make(64, 1000, AATTS_POLICY_DEFAULT);
	struct aatts_cache *s;
	u32 ls, ss;
	u64 b;
	int i;

	ASSERT_NE(NULL, c);
	s = c->mini->shadow[AATTS_POLICY_LFU];
	for (i = 0; i < 10; i++)
		read_now(c, 5);
	for (i = 0; i < 3; i++)
		read_now(c, 7);
	for (b = 0; b < 64; b++)
		read_now(c, b);
	run_mode(c, AATTS_POLICY_LFU);
	for (b = 5; b <= 7; b += 2) {
		ls = aatts_cache_lookup(c, b);
		ss = aatts_cache_lookup(s, b);
		ASSERT_NE(AATTS_NO_SLOT, ls);
		ASSERT_NE(AATTS_NO_SLOT, ss);
		EXPECT_EQ(s->slots[ss].freq, c->slots[ls].freq);
		EXPECT_LE(4, c->slots[ls].freq);
	}
	for (b = 100; b < 100 + 62; b++)
		read_now(c, b);
	EXPECT_TRUE(resident(c, 5));
	EXPECT_TRUE(resident(c, 7));
	aatts_cache_destroy(c);
}

/*
 * minio's mode entered late under default holds what the mode before left
 * (here lru's: blocks 100..163); misses on blocks that minio's shadow keeps
 * (0..63, the first set) replace blocks it does not, so a second pass
 * over 0..63 hits every block, as minio run from the start would.
 */
TEST(default_fixed_set_follows_its_shadow)
{
	struct aatts_cache *c = make(64, 1000, AATTS_POLICY_DEFAULT);
	struct aatts_cache_stats st;
	u64 b, hits;

	ASSERT_NE(NULL, c);
	for (b = 0; b < 64; b++)
		read_now(c, b);
	run_mode(c, AATTS_POLICY_LRU);
	for (b = 100; b < 164; b++)
		read_now(c, b);
	EXPECT_FALSE(resident(c, 0));
	EXPECT_TRUE(c->mini->warm);
	run_mode(c, AATTS_POLICY_MINIO);
	for (b = 0; b < 64; b++)
		read_now(c, b);
	aatts_cache_get_stats(c, &st);
	hits = st.read_hits;
	for (b = 0; b < 64; b++)
		read_now(c, b);
	aatts_cache_get_stats(c, &st);
	EXPECT_EQ(64ULL, st.read_hits - hits);
	EXPECT_EQ(AATTS_POLICY_MINIO, (int)(c->policy - aatts_policies));
	aatts_cache_destroy(c);
}

/*
 * A listing (nidx index blocks from block idx, a tenth of them read three
 * times), then 5 per-epoch permutations of blocks 0..n-1; the reads hit in
 * the last three epochs.
 */
static u64 listing_then_epochs(struct aatts_cache *c, u64 idx, u64 nidx,
			       u64 *order, u64 n)
{
	struct aatts_cache_stats st;
	u64 b, e, i, j, t, x = 1, hits = 0;

	for (b = idx; b < idx + nidx; b++) {
		read_now(c, b);
		if (b - idx < nidx / 10) {
			read_now(c, b);
			read_now(c, b);
		}
	}
	for (e = 0; e < 5; e++) {
		if (e == 2) {
			aatts_cache_get_stats(c, &st);
			hits = st.read_hits;
		}
		for (i = 0; i < n; i++)
			order[i] = i;
		/* Fisher-Yates, xorshift64 */
		for (i = n - 1; i > 0; i--) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			j = x % (i + 1);
			t = order[i];
			order[i] = order[j];
			order[j] = t;
		}
		for (i = 0; i < n; i++)
			read_now(c, order[i]);
	}
	aatts_cache_get_stats(c, &st);
	return st.read_hits - hits;
}

/*
 * A listing before the first epoch (64 index blocks) fills default's fixed
 * set (its first mode, isa: minio without hints); five per-epoch
 * permutations of 320 blocks follow.  The index is never read again: its
 * blocks are dead and give their slots to the epochs' blocks (here, with
 * every block sampled, as the isa shadow drops them and the live set
 * follows it), and from the third epoch on every resident block is a data
 * block hit once an epoch (192 hits in the last three).  Without
 * dead_victim() the index stays in isa's set, its shadow hits nothing,
 * default turns to wtinylfu and churns: 45 hits.
 */
TEST(default_fixed_set_drops_dead_blocks)
{
	struct aatts_cache *c = make(64, 4000, AATTS_POLICY_DEFAULT);
	u64 b, hits, data = 0, order[320];

	ASSERT_NE(NULL, c);
	hits = listing_then_epochs(c, 1000, 64, order, 320);
	for (b = 0; b < 320; b++)
		data += resident(c, b);
	EXPECT_EQ(64ULL, data);
	/* 3 epochs x 64 resident blocks, each hit once an epoch. */
	EXPECT_GE(hits, 3ULL * 64 * 9 / 10);
	aatts_cache_destroy(c);
}

/*
 * The same with 4096 slots, a quarter of the blocks sampled: the live
 * cache drops the dead blocks the sample does not cover itself, while the
 * isa shadow leads the minio shadow (dead_evictions counts them).  Without
 * it 3 in 4 slots keep the index: about a quarter of the hits.
 */
TEST(default_drops_dead_blocks_off_the_sample)
{
	struct aatts_cache *c = make(4096, 40000, AATTS_POLICY_DEFAULT);
	static u64 order[20480];
	struct aatts_cache_stats st;
	u64 b, hits, data = 0;

	ASSERT_NE(NULL, c);
	hits = listing_then_epochs(c, 30000, 4096, order, 20480);
	aatts_cache_get_stats(c, &st);
	for (b = 0; b < 20480; b++)
		data += resident(c, b);
	EXPECT_LT(4096ULL / 2, st.dead_evictions);
	EXPECT_LE(4096ULL * 9 / 10, data);
	EXPECT_GE(hits, 3ULL * 4096 * 8 / 10);
	TH_LOG("dead_evictions %llu, data blocks resident %llu, hits %llu",
	       (unsigned long long)st.dead_evictions, (unsigned long long)data,
	       (unsigned long long)hits);
	aatts_cache_destroy(c);
}

TEST_HARNESS_MAIN
