// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the Markov extent predictor (lib/predict/markov.c), built
 * with ASan/UBSan: learning, the confidence gate, replacement after
 * decay, slot take-over on collisions, bounded memory.
 */
#include "kselftest_harness.h"
#include "markov.h"

/* Feeds extent (first, len); returns whether a successor was predicted. */
static bool feed(struct markov *m, uint64_t first, uint32_t len,
		 struct markov_extent *next)
{
	struct markov_extent x = { first, len };

	return markov_access(m, &x, next);
}

TEST(learns_a_repeated_order_after_two_passes)
{
	struct markov_params p = { .entries = 64 };
	struct markov *m = markov_create(&p);
	struct markov_extent n;
	int pass;

	ASSERT_NE(NULL, m);
	/*
	 * Passes of 10, 20, 30.  10->20 is learnt in pass 0 (confidence 1)
	 * and confirmed in pass 1 (2): from pass 2 on, reading 10 predicts
	 * 20 with its length.
	 */
	for (pass = 0; pass < 3; pass++) {
		EXPECT_EQ(pass == 2, feed(m, 10, 4, &n));
		feed(m, 20, 8, &n);
		feed(m, 30, 1, &n);
	}
	ASSERT_TRUE(feed(m, 10, 4, &n));
	EXPECT_EQ(20U, n.first);
	EXPECT_EQ(8U, n.len);
	/* Following the chain: 20 -> 30. */
	ASSERT_TRUE(markov_predict(m, 20, &n));
	EXPECT_EQ(30U, n.first);
	markov_destroy(m);
}

TEST(conf_counts_repeats_and_halves_on_another_successor)
{
	struct markov_params p = { .entries = 64 };
	struct markov *m = markov_create(&p);
	struct markov_extent n;
	uint32_t pass;

	ASSERT_NE(NULL, m);
	EXPECT_EQ(0U, markov_conf(m, 10));
	/* 10 -> 20 seen 1, 2, 3 times; the confidence saturates at 3. */
	for (pass = 1; pass <= 4; pass++) {
		feed(m, 10, 1, &n);
		feed(m, 20, 1, &n);
		feed(m, 99, 1, &n);	/* breaks 20 -> 10 */
		EXPECT_EQ(pass < MARKOV_CONF_MAX ? pass : MARKOV_CONF_MAX,
			  markov_conf(m, 10));
	}
	/* Another successor: 3 -> 1, still 20's entry (not replaced). */
	feed(m, 10, 1, &n);
	feed(m, 30, 1, &n);
	EXPECT_EQ(1U, markov_conf(m, 10));
	ASSERT_TRUE(markov_predict(m, 10, &n) == false);
	markov_destroy(m);
}

TEST(min_conf_one_predicts_after_one_transition)
{
	struct markov_params p = { .entries = 64, .min_conf = 1 };
	struct markov *m = markov_create(&p);
	struct markov_extent n;

	ASSERT_NE(NULL, m);
	EXPECT_FALSE(feed(m, 5, 1, &n));
	EXPECT_FALSE(feed(m, 6, 1, &n));
	/* 5->6 seen once: enough at min_conf 1. */
	ASSERT_TRUE(feed(m, 5, 1, &n));
	EXPECT_EQ(6U, n.first);
	markov_destroy(m);
}

TEST(a_new_successor_halves_then_replaces)
{
	struct markov_params p = { .entries = 64, .min_conf = 1 };
	struct markov *m = markov_create(&p);
	struct markov_extent n;
	int i;

	ASSERT_NE(NULL, m);
	/* 1->2 three times: confidence 3 (saturated). */
	for (i = 0; i < 4; i++) {
		feed(m, 1, 1, &n);
		feed(m, 2, 1, &n);
		markov_break(m);
	}
	/* 1->3 once: confidence 3 -> 1 (halved), still predicting 2. */
	feed(m, 1, 1, &n);
	feed(m, 3, 1, &n);
	markov_break(m);
	ASSERT_TRUE(markov_predict(m, 1, &n));
	EXPECT_EQ(2U, n.first);
	/* The second 1->3 finds confidence 1: replaced. */
	feed(m, 1, 1, &n);
	feed(m, 3, 1, &n);
	ASSERT_TRUE(markov_predict(m, 1, &n));
	EXPECT_EQ(3U, n.first);
	markov_destroy(m);
}

TEST(break_learns_no_transition_across)
{
	struct markov_params p = { .entries = 64, .min_conf = 1 };
	struct markov *m = markov_create(&p);
	struct markov_extent n;

	ASSERT_NE(NULL, m);
	feed(m, 7, 1, &n);
	markov_break(m);
	feed(m, 8, 1, &n);
	EXPECT_FALSE(markov_predict(m, 7, &n));
	markov_destroy(m);
}

TEST(one_slot_a_hot_entry_survives_one_off_collisions)
{
	/* One entry: every start block shares the slot. */
	struct markov_params p = { .entries = 1, .min_conf = 1 };
	struct markov *m = markov_create(&p);
	struct markov_stats s;
	struct markov_extent n;
	int i;

	ASSERT_NE(NULL, m);
	/* 100->101 three times: confidence 3. */
	for (i = 0; i < 3; i++) {
		feed(m, 100, 1, &n);
		feed(m, 101, 1, &n);
		markov_break(m);
	}
	/* 200->201 twice: each decays 100's entry, 3 -> 1. */
	for (i = 0; i < 2; i++) {
		feed(m, 200, 1, &n);
		feed(m, 201, 1, &n);
		markov_break(m);
	}
	ASSERT_TRUE(markov_predict(m, 100, &n));
	EXPECT_EQ(101U, n.first);
	/* Down to 0 on the next collision, taken over on the one after. */
	feed(m, 200, 1, &n);
	feed(m, 201, 1, &n);
	markov_break(m);
	EXPECT_FALSE(markov_predict(m, 200, &n));
	feed(m, 200, 1, &n);
	feed(m, 201, 1, &n);
	ASSERT_TRUE(markov_predict(m, 200, &n));
	EXPECT_EQ(201U, n.first);
	EXPECT_FALSE(markov_predict(m, 100, &n));
	markov_get_stats(m, &s);
	EXPECT_EQ(2U, s.confirmed);
	markov_destroy(m);
}

TEST(memory_is_fixed_and_parameters_checked)
{
	struct markov_params p = { .entries = 1000 };
	struct markov_params bad = { .entries = 8, .min_conf = 4 };
	struct markov *m = markov_create(&p);
	uint64_t before;
	uint64_t b;
	struct markov_extent n;

	ASSERT_NE(NULL, m);
	before = markov_bytes(m);
	/* 1000 entries round up to 1024 of 24 bytes. */
	EXPECT_GE(before, 1024U * 24);
	EXPECT_LT(before, 1024U * 24 + 4096);
	for (b = 0; b < 100000; b++)
		feed(m, b * 7919 % 100003, 1, &n);
	EXPECT_EQ(before, markov_bytes(m));
	markov_destroy(m);
	EXPECT_EQ(NULL, markov_create(&bad));
}

TEST_HARNESS_MAIN
