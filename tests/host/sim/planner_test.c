// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the prefetch planner (lib/predict/planner.c), built with
 * ASan/UBSan: the sequential predictor and its stream limit, Markov
 * chains, no block issued twice while unread, the budget, used and wasted
 * accounting, and the two workloads that matter: a model loaded in the
 * same order (precise) and per-epoch random orders (almost silent).
 */
#include <stdlib.h>

#include "kselftest_harness.h"
#include "planner.h"

#define OUT_MAX 64

static size_t feed(struct planner *pl, uint64_t stream, uint64_t first,
		   uint32_t len, uint64_t limit, struct markov_extent *out)
{
	struct markov_extent x = { first, len };

	return planner_observe(pl, stream, &x, limit, out, OUT_MAX);
}

TEST(sequential_reader_gets_the_window_ahead)
{
	struct planner_params p = { .seq_min_run = 2, .seq_window = 8,
				    .recent = 256 };
	struct planner *pl = planner_create(&p);
	struct markov_extent out[OUT_MAX];
	struct planner_stats st;

	ASSERT_NE(NULL, pl);
	/* One read is no stream yet. */
	EXPECT_EQ(0U, feed(pl, 7, 0, 4, 100, out));
	/* The second, where the first ended: the next 8 blocks. */
	ASSERT_EQ(1U, feed(pl, 7, 4, 4, 100, out));
	EXPECT_EQ(8U, out[0].first);
	EXPECT_EQ(8U, out[0].len);
	/* The reader takes 8..11: used; 12..15 are still out, 16..19 new. */
	ASSERT_EQ(1U, feed(pl, 7, 8, 4, 100, out));
	EXPECT_EQ(16U, out[0].first);
	EXPECT_EQ(4U, out[0].len);
	planner_get_stats(pl, &st);
	EXPECT_EQ(4U, st.used);
	EXPECT_EQ(4U, st.repeated);
	EXPECT_EQ(12U, st.issued);
	EXPECT_EQ(2U, st.seq_extents);
	/* Another stream's read breaks nothing of stream 7's run. */
	EXPECT_EQ(0U, feed(pl, 9, 500, 4, 600, out));
	ASSERT_EQ(1U, feed(pl, 7, 12, 4, 100, out));
	EXPECT_EQ(20U, out[0].first);
	EXPECT_EQ(4U, out[0].len);
	planner_destroy(pl);
}

TEST(sequential_stops_at_the_stream_limit)
{
	struct planner_params p = { .seq_min_run = 2, .seq_window = 32 };
	struct planner *pl = planner_create(&p);
	struct markov_extent out[OUT_MAX];

	ASSERT_NE(NULL, pl);
	feed(pl, 3, 0, 4, 10, out);
	ASSERT_EQ(1U, feed(pl, 3, 4, 4, 10, out));
	EXPECT_EQ(8U, out[0].first);
	EXPECT_EQ(2U, out[0].len);
	/* At the limit: nothing. */
	EXPECT_EQ(0U, feed(pl, 3, 8, 2, 10, out));
	/* Unknown limit (0): no sequential prediction at all. */
	feed(pl, 4, 100, 4, 0, out);
	EXPECT_EQ(0U, feed(pl, 4, 104, 4, 0, out));
	/* A stream that jumps starts its run again. */
	feed(pl, 5, 200, 4, 1000, out);
	EXPECT_EQ(0U, feed(pl, 5, 300, 4, 1000, out));
	EXPECT_EQ(1U, feed(pl, 5, 304, 4, 1000, out));
	planner_destroy(pl);
}

TEST(markov_chain_to_depth_without_repeats)
{
	struct planner_params p = { .depth = 2, .max_len = 3 };
	struct planner *pl = planner_create(&p);
	struct markov_extent out[OUT_MAX];
	struct planner_stats st;
	int pass;

	ASSERT_NE(NULL, pl);
	/* 10 (len 2) -> 20 (len 5) -> 30 (len 1), learnt in two passes. */
	for (pass = 0; pass < 2; pass++) {
		feed(pl, 0, 10, 2, 0, out);
		feed(pl, 0, 20, 5, 0, out);
		feed(pl, 0, 30, 1, 0, out);
	}
	ASSERT_EQ(2U, feed(pl, 0, 10, 2, 0, out));
	/* 20 clipped to max_len 3, then 30. */
	EXPECT_EQ(20U, out[0].first);
	EXPECT_EQ(3U, out[0].len);
	EXPECT_EQ(30U, out[1].first);
	EXPECT_EQ(1U, out[1].len);
	/* Reading 20..24: 20..22 used; 30 is still out, so only 10 (the
	 * successor of 30) is new. */
	ASSERT_EQ(1U, feed(pl, 0, 20, 5, 0, out));
	EXPECT_EQ(10U, out[0].first);
	EXPECT_EQ(2U, out[0].len);
	planner_get_stats(pl, &st);
	EXPECT_EQ(3U, st.used);
	EXPECT_EQ(1U, st.repeated);
	planner_destroy(pl);
}

TEST(budget_and_output_room_bound_the_work)
{
	struct planner_params p = { .seq_min_run = 1, .seq_window = 100,
				    .budget = 5 };
	struct planner *pl = planner_create(&p);
	struct markov_extent out[OUT_MAX];
	struct planner_stats st;

	ASSERT_NE(NULL, pl);
	ASSERT_EQ(1U, feed(pl, 1, 0, 1, 1000, out));
	EXPECT_EQ(1U, out[0].first);
	EXPECT_EQ(5U, out[0].len);
	planner_get_stats(pl, &st);
	EXPECT_EQ(5U, st.issued);
	EXPECT_EQ(95U, st.over_budget);
	/* max 0: learns and counts, writes nothing. */
	EXPECT_EQ(0U, planner_observe(pl, 1, &(struct markov_extent){ 1, 1 },
				      1000, out, 0));
	planner_destroy(pl);
}

TEST(set_limits_changes_window_and_budget_keeping_state)
{
	struct planner_params p = { .seq_min_run = 1, .seq_window = 100,
				    .budget = 5 };
	struct planner *pl = planner_create(&p);
	struct markov_extent out[OUT_MAX];
	struct planner_stats st;

	ASSERT_NE(NULL, pl);
	ASSERT_EQ(1U, feed(pl, 1, 0, 1, 1000, out));
	EXPECT_EQ(5U, out[0].len);
	/* A larger budget, a window of 20: blocks 1..5 are still out. */
	planner_set_limits(pl, 2, 20, 50);
	ASSERT_EQ(1U, feed(pl, 1, 1, 1, 1000, out));
	EXPECT_EQ(6U, out[0].first);
	EXPECT_EQ(16U, out[0].len);
	/* Window 0: no sequential prediction at all. */
	planner_set_limits(pl, 1, 0, 0);
	EXPECT_EQ(0U, feed(pl, 1, 2, 1, 1000, out));
	/* Budget 0 is no limit. */
	planner_set_limits(pl, 1, 200, 0);
	ASSERT_EQ(1U, feed(pl, 1, 3, 1, 1000, out));
	EXPECT_EQ(22U, out[0].first);
	EXPECT_EQ(182U, out[0].len);
	planner_get_stats(pl, &st);
	EXPECT_EQ(5U + 16U + 182U, st.issued);
	EXPECT_EQ(3U, st.used);	/* blocks 1..3 were read after issue */
	planner_destroy(pl);
}

TEST(forgotten_unread_blocks_count_as_wasted)
{
	struct planner_params p = { .seq_min_run = 1, .seq_window = 4,
				    .recent = 8 };
	struct planner *pl = planner_create(&p);
	struct markov_extent out[OUT_MAX];
	struct planner_stats st;

	ASSERT_NE(NULL, pl);
	feed(pl, 1, 0, 1, 1000, out);	/* issues 1..4 */
	/* 8 demand misses fill an 8-block cache: 1..4 forgotten; 108..111 */
	feed(pl, 2, 100, 8, 1000, out);
	planner_get_stats(pl, &st);
	EXPECT_EQ(8U, st.issued);
	EXPECT_EQ(4U, st.wasted);
	EXPECT_EQ(0U, st.used);
	planner_destroy(pl);
}

TEST(bad_parameters_are_refused)
{
	struct planner_params p = { .seq_min_run = 2 };	/* no window */

	EXPECT_EQ(NULL, planner_create(&p));
	p = (struct planner_params){ .recent = (1U << 30) + 1 };
	EXPECT_EQ(NULL, planner_create(&p));
	p = (struct planner_params){ .markov = { .min_conf = 4 } };
	EXPECT_EQ(NULL, planner_create(&p));
}

/* xorshift64*: a fixed sequence whatever the C library. */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

#define FILES 400
#define FILE_BLOCKS 3

/* Files f at blocks [f * 3, f * 3 + 3), each read whole in one read. */
static void read_files(struct planner *pl, const int *order)
{
	struct markov_extent out[OUT_MAX];
	int i;

	for (i = 0; i < FILES; i++)
		feed(pl, order[i] + 1, (uint64_t)order[i] * FILE_BLOCKS,
		     FILE_BLOCKS, (uint64_t)order[i] * FILE_BLOCKS + FILE_BLOCKS,
		     out);
}

TEST(random_epoch_orders_issue_almost_nothing)
{
	struct planner_params p = { .depth = 4, .seq_min_run = 2,
				    .seq_window = 16, .recent = 1024 };
	int order[FILES], i, j, t, epoch;
	struct planner_stats st;
	uint64_t seed;

	for (seed = 1; seed <= 3; seed++) {
		struct planner *pl = planner_create(&p);
		uint64_t s = seed * 0x12345;

		ASSERT_NE(NULL, pl);
		for (i = 0; i < FILES; i++)
			order[i] = i;
		for (epoch = 0; epoch < 5; epoch++) {
			for (i = FILES - 1; i > 0; i--) {
				j = rnd(&s) % (i + 1);
				t = order[i];
				order[i] = order[j];
				order[j] = t;
			}
			read_files(pl, order);
		}
		planner_get_stats(pl, &st);
		TH_LOG("seed %llu: issued %llu of %llu blocks read",
		       (unsigned long long)seed, (unsigned long long)st.issued,
		       (unsigned long long)st.read_blocks);
		EXPECT_LE(st.issued * 100, st.read_blocks);
		planner_destroy(pl);
	}
}

TEST(a_repeated_load_order_is_prefetched_precisely)
{
	struct planner_params p = { .depth = 4, .seq_min_run = 2,
				    .seq_window = 16, .recent = 4096 };
	struct planner *pl = planner_create(&p);
	struct planner_stats st;
	int order[FILES], i, pass;

	ASSERT_NE(NULL, pl);
	/* A fixed, scattered layer order, loaded 5 times. */
	for (i = 0; i < FILES; i++)
		order[i] = (i * 7919) % FILES;
	for (pass = 0; pass < 5; pass++)
		read_files(pl, order);
	planner_get_stats(pl, &st);
	TH_LOG("issued %llu used %llu wasted %llu read %llu",
	       (unsigned long long)st.issued, (unsigned long long)st.used,
	       (unsigned long long)st.wasted,
	       (unsigned long long)st.read_blocks);
	/* Passes 3-5 are predicted: recall >= 0.5 of all five passes. */
	EXPECT_GE(st.used * 2, st.read_blocks);
	/* Precision: all but the chain's tail beyond the last read. */
	EXPECT_GE(st.used * 10, st.issued * 9);
	planner_destroy(pl);
}

TEST(a_learnt_order_turned_random_goes_quiet_after_one_epoch)
{
	struct planner_params p = { .depth = 4, .seq_min_run = 2,
				    .seq_window = 16, .recent = 1024 };
	struct planner *pl = planner_create(&p);
	struct planner_stats a, b;
	int order[FILES], i, j, t, pass;
	uint64_t s = 0x5eed;

	ASSERT_NE(NULL, pl);
	for (i = 0; i < FILES; i++)
		order[i] = (i * 7919) % FILES;
	for (pass = 0; pass < 4; pass++)
		read_files(pl, order);
	for (pass = 0; pass < 3; pass++) {
		planner_get_stats(pl, &a);
		for (i = FILES - 1; i > 0; i--) {
			j = rnd(&s) % (i + 1);
			t = order[i];
			order[i] = order[j];
			order[j] = t;
		}
		read_files(pl, order);
		planner_get_stats(pl, &b);
		TH_LOG("random epoch %d: issued %llu of %llu blocks read", pass,
		       (unsigned long long)(b.issued - a.issued),
		       (unsigned long long)(b.read_blocks - a.read_blocks));
		/* The first random epoch pays for the learnt order, once. */
		if (pass)
			EXPECT_LE((b.issued - a.issued) * 100,
				  b.read_blocks - a.read_blocks);
	}
	planner_destroy(pl);
}

TEST(lead_time_sums_issue_to_read)
{
	struct planner_params p = { .seq_min_run = 1, .seq_window = 2,
				    .recent = 64 };
	struct planner *pl = planner_create(&p);
	struct markov_extent out[OUT_MAX];
	struct planner_stats st;

	ASSERT_NE(NULL, pl);
	planner_set_time(pl, 1000);
	feed(pl, 1, 0, 1, 100, out);	/* issues 1, 2 at t 1000 */
	planner_set_time(pl, 1500);
	feed(pl, 1, 1, 1, 100, out);	/* 1 used, 500 ns ahead */
	planner_set_time(pl, 900);	/* never back */
	feed(pl, 1, 2, 1, 100, out);	/* 2 used, 500 ns ahead */
	planner_get_stats(pl, &st);
	EXPECT_EQ(2U, st.used);
	EXPECT_EQ(1000U, st.lead_ns);
	planner_destroy(pl);
}

TEST(at_most_half_the_cache_is_issued_ahead)
{
	struct planner_params p = { .seq_min_run = 1, .seq_window = 64,
				    .recent = 16, .ahead = 8 };
	struct planner *pl = planner_create(&p);
	struct markov_extent out[OUT_MAX];
	struct planner_stats st;

	ASSERT_NE(NULL, pl);
	feed(pl, 1, 0, 1, 1000, out);	/* 64 predicted, 8 issued */
	planner_get_stats(pl, &st);
	EXPECT_EQ(8U, st.issued);
	EXPECT_EQ(56U, st.over_budget);
	feed(pl, 1, 1, 4, 1000, out);	/* 4 read: 4 more may go */
	planner_get_stats(pl, &st);
	EXPECT_EQ(12U, st.issued);
	planner_destroy(pl);
}

TEST_HARNESS_MAIN
