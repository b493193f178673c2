/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The performance / cost knob: how hard aattsd prefetches, in plain C11.
 *
 * One setting, a mode (performance, balanced, economy) or a budget of
 * slow-tier bytes per second, bounds the prefetch aggressiveness (a level
 * that sets the planner's depth, sequential window and per-read budget)
 * and the kernel's migration bandwidth.  Within the bound the level adapts
 * once per interval from what was measured over it:
 *
 * - prefetch that is not read (precision below the mode's floor, on at
 *   least TUNE_MIN_JUDGED retired blocks) halves the level;
 * - prefetch that competes with demand reads (prefetch bytes/s above the
 *   mode's share of the slow tier's bandwidth while demand reads ran, or
 *   above the budget) lowers it by one;
 * - hits below TUNE_HIT_GOAL with the slow tier's bandwidth free (demand +
 *   prefetch below TUNE_BUSY of its peak) and precision not low raise it
 *   by one, up to the mode's maximum.
 *
 * The slow tier's bandwidth is the highest demand + prefetch bytes/s seen,
 * decaying by 1/64 per interval (a tier that gets slower is followed).
 * Everything is integer arithmetic on the caller's counters; no memory
 * beyond the struct.
 */
#ifndef AATTS_TUNE_H
#define AATTS_TUNE_H

#include <stdint.h>

enum tune_mode { TUNE_PERFORMANCE, TUNE_BALANCED, TUNE_ECONOMY };

#define TUNE_LEVEL_MAX		8
#define TUNE_MIN_JUDGED		64	/* retired blocks to judge precision */
#define TUNE_HIT_GOAL		90	/* percent */
#define TUNE_BUSY		80	/* percent of the peak bandwidth */

/* What one interval measured (deltas of the caller's counters). */
struct tune_sample {
	uint64_t ns;		/* the interval's length */
	uint64_t demand_bytes;	/* slow-tier bytes read for demand misses */
	uint64_t prefetch_bytes;	/* slow-tier bytes read by prefetch */
	uint64_t hits;		/* read block accesses that hit */
	uint64_t accesses;	/* read block accesses */
	uint64_t used;		/* prefetched blocks read (planner) */
	uint64_t wasted;	/* prefetched blocks never read (planner) */
};

/* What the daemon applies after the interval. */
struct tune_out {
	uint32_t level;		/* 0: no prefetch .. TUNE_LEVEL_MAX */
	uint32_t depth;		/* planner: Markov extents followed */
	uint32_t seq_window;	/* planner: blocks ahead of a sequential reader */
	uint32_t budget;	/* planner: blocks issued per read */
	uint64_t migration_bps;	/* kernel migration limit; 0: unlimited */
	uint64_t peak_bps;	/* the slow tier's bandwidth as estimated */
};

struct tune {
	enum tune_mode mode;
	uint64_t budget_bps;	/* 0: the mode's share of the peak */
	uint32_t level;
	uint64_t peak_bps;
};

/* budget_bps != 0 replaces the mode's bandwidth share. */
void tune_init(struct tune *t, enum tune_mode mode, uint64_t budget_bps);
void tune_interval(struct tune *t, const struct tune_sample *s,
		   struct tune_out *out);
/* The planner settings and limits of the current level. */
void tune_get(const struct tune *t, struct tune_out *out);
/* "performance", "balanced", "economy" -> mode; -1 if none. */
int tune_mode_parse(const char *name);
const char *tune_mode_name(enum tune_mode mode);

#endif /* AATTS_TUNE_H */
