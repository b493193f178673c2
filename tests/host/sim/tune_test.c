// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the performance / cost knob (lib/predict/tune.c), built
 * with ASan/UBSan: each mode's bounds, raising while hits are low and the
 * slow tier is free, halving on imprecise prefetch, backing off when
 * prefetch competes with demand reads or passes the budget.
 */
#include "kselftest_harness.h"
#include "tune.h"

#define SEC 1000000000ULL
#define MB 1000000ULL

static struct tune_sample sample(uint64_t demand_mb, uint64_t pf_mb,
				 uint64_t hit_pct, uint64_t used,
				 uint64_t wasted)
{
	return (struct tune_sample){
		.ns = SEC, .demand_bytes = demand_mb * MB,
		.prefetch_bytes = pf_mb * MB, .hits = hit_pct,
		.accesses = 100, .used = used, .wasted = wasted,
	};
}

TEST(modes_parse_and_start_where_documented)
{
	struct tune t;
	struct tune_out o;

	EXPECT_EQ(TUNE_PERFORMANCE, tune_mode_parse("performance"));
	EXPECT_EQ(TUNE_BALANCED, tune_mode_parse("balanced"));
	EXPECT_EQ(TUNE_ECONOMY, tune_mode_parse("economy"));
	EXPECT_EQ(-1, tune_mode_parse("fast"));
	EXPECT_STREQ("balanced", tune_mode_name(TUNE_BALANCED));
	tune_init(&t, TUNE_BALANCED, 0);
	tune_get(&t, &o);
	EXPECT_EQ(2U, o.level);
	EXPECT_EQ(2U, o.depth);
	EXPECT_EQ(16U, o.seq_window);
	EXPECT_EQ(64U, o.budget);
	/* No bandwidth measured yet: no limit. */
	EXPECT_EQ(0U, o.migration_bps);
}

TEST(low_hits_and_free_bandwidth_raise_up_to_the_mode_max)
{
	static const uint32_t max[] = { 8, 5, 2 };
	struct tune_sample s;
	struct tune_out o;
	struct tune t;
	int m, i;

	for (m = TUNE_PERFORMANCE; m <= TUNE_ECONOMY; m++) {
		tune_init(&t, m, 0);
		/* One busy interval sets the peak at 100 MB/s. */
		s = sample(100, 0, 10, 0, 0);
		tune_interval(&t, &s, &o);
		for (i = 0; i < 20; i++) {
			/* Within economy's 10% of the (decaying) peak. */
			s = sample(20, 5, 10, 100, 0);
			tune_interval(&t, &s, &o);
		}
		EXPECT_EQ(max[m], o.level);
	}
}

TEST(high_hits_or_a_busy_tier_hold_the_level)
{
	struct tune_sample s;
	struct tune_out o;
	struct tune t;
	int i;

	tune_init(&t, TUNE_PERFORMANCE, 0);
	for (i = 0; i < 10; i++) {
		s = sample(100, 0, 95, 0, 0);	/* hits 95% */
		tune_interval(&t, &s, &o);
	}
	EXPECT_EQ(4U, o.level);
	for (i = 0; i < 10; i++) {
		s = sample(90, 0, 10, 0, 0);	/* 90% of the peak busy */
		tune_interval(&t, &s, &o);
	}
	EXPECT_EQ(4U, o.level);
}

TEST(imprecise_prefetch_halves_the_level)
{
	struct tune_sample s;
	struct tune_out o;
	struct tune t;

	tune_init(&t, TUNE_PERFORMANCE, 0);
	s = sample(10, 10, 10, 40, 60);		/* precision 0.4 < 0.5 */
	tune_interval(&t, &s, &o);
	EXPECT_EQ(2U, o.level);
	tune_interval(&t, &s, &o);
	EXPECT_EQ(1U, o.level);
	tune_interval(&t, &s, &o);
	EXPECT_EQ(0U, o.level);
	EXPECT_EQ(0U, o.budget);
	/* Too few retired blocks to judge: no halving. */
	tune_init(&t, TUNE_ECONOMY, 0);
	s = sample(19, 1, 95, 1, 62);
	tune_interval(&t, &s, &o);
	EXPECT_EQ(1U, o.level);
	/* Economy wants 0.9: 0.85 halves. */
	s = sample(19, 1, 95, 85, 15);
	tune_interval(&t, &s, &o);
	EXPECT_EQ(0U, o.level);
}

TEST(prefetch_competing_with_demand_backs_off)
{
	struct tune_sample s;
	struct tune_out o;
	struct tune t;

	tune_init(&t, TUNE_BALANCED, 0);
	/* Peak 100 MB/s, all of it busy: no raise. */
	s = sample(100, 0, 10, 0, 0);
	tune_interval(&t, &s, &o);
	EXPECT_EQ(2U, o.level);
	/* Share 50%: prefetch at 60 MB/s beside demand reads. */
	s = sample(30, 60, 10, 100, 0);
	tune_interval(&t, &s, &o);
	EXPECT_EQ(1U, o.level);
	/* Half the peak, decayed by 1/64: 98.4375 MB/s. */
	EXPECT_EQ(49218750U, o.migration_bps);
	/* The same prefetch with no demand is not competing: the tier is
	 * free (60 of 96.9 MB/s) and hits are low, so it rises again. */
	s = sample(0, 60, 10, 100, 0);
	tune_interval(&t, &s, &o);
	EXPECT_EQ(2U, o.level);
}

TEST(a_budget_caps_prefetch_whatever_the_mode)
{
	struct tune_sample s;
	struct tune_out o;
	struct tune t;

	tune_init(&t, TUNE_PERFORMANCE, 5 * MB);
	s = sample(0, 8, 10, 100, 0);
	tune_interval(&t, &s, &o);
	EXPECT_EQ(3U, o.level);
	EXPECT_EQ(5 * MB, o.migration_bps);
	s = sample(0, 4, 10, 100, 0);
	tune_interval(&t, &s, &o);
	EXPECT_EQ(4U, o.level);
}

TEST(rates_do_not_overflow)
{
	struct tune_sample s = { .ns = 3 * SEC,
				 .demand_bytes = UINT64_MAX / 4 };
	struct tune_out o;
	struct tune t;

	tune_init(&t, TUNE_ECONOMY, 0);
	tune_interval(&t, &s, &o);
	EXPECT_EQ(UINT64_MAX / 4 / 3, o.peak_bps);
	s.ns = 0;
	tune_interval(&t, &s, &o);
	EXPECT_LE(o.level, 2U);
}

TEST_HARNESS_MAIN
