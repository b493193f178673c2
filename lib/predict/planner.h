/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The prefetch planner: what aattsd prefetches after each read it observes,
 * in plain C11 for user space.  aatts-sim links it unchanged (--prefetch
 * markov), so the simulator issues what the daemon would.
 *
 * Two predictors, both in device blocks:
 * - Markov (markov.h): the extents that followed this one last times, at
 *   the predictor's confidence, followed along the chain up to `depth`
 *   extents, each clipped to `max_len` blocks;
 * - sequential within a stream (a file): once a stream has read
 *   `seq_min_run` extents in a row, each starting where the previous one
 *   ended, the `seq_window` blocks after the read are predicted, never
 *   past the stream's limit (the end of the file's extent on the device:
 *   reading a whole sample file predicts nothing of the next one).
 *
 * Issued blocks are remembered, in the order of issue, until `recent`
 * blocks have entered the cache after them (blocks issued, and blocks
 * read that were not issued: demand misses): a fast tier of `recent`
 * blocks would have evicted them by then.  A block still remembered as
 * issued and not yet read is not issued again.  A remembered block that
 * is read counts as used; one forgotten unread counts as wasted.  At most
 * `ahead` blocks are issued and unread at a time (over_budget counts the
 * rest): aattsd sets half the fast tier, since a look-ahead deeper than
 * the cache evicts its own blocks before they are read.
 * precision = used / (used + wasted); recall = used / blocks read.  At
 * most `budget` blocks are issued per observed read.
 *
 * planner_set_limits() changes depth, seq_window and budget between reads
 * (the performance / cost knob, tune.h), keeping what was learnt.
 *
 * Memory is allocated once (markov_bytes() + at most 40 bytes per recent
 * entry + 24 per stream entry); the work per read is bounded by the
 * read's length plus depth * max_len + seq_window (hash chains average
 * below one entry).  Not thread-safe.
 */
#ifndef AATTS_PLANNER_H
#define AATTS_PLANNER_H

#include <stddef.h>
#include <stdint.h>

#include "markov.h"

#define PLANNER_RECENT_MAX	(1U << 26)

struct planner_params {
	struct markov_params markov;
	uint32_t depth;		/* Markov extents followed; 0: 1 */
	uint32_t max_len;	/* blocks per predicted extent; 0: 1024 */
	uint32_t seq_min_run;	/* 0: no sequential predictor */
	uint32_t seq_window;	/* blocks ahead of a sequential reader */
	uint32_t budget;	/* blocks issued per read; 0: no limit */
	uint32_t recent;	/* the cache's blocks: issued blocks are
				 * remembered while fewer entered after
				 * them; 0: 65536, at most
				 * PLANNER_RECENT_MAX */
	uint32_t streams;	/* sequential streams tracked; 0: 4096 */
	uint32_t ahead;		/* issued, unread blocks at most; 0: no
				 * limit; at most `recent` */
};

struct planner_stats {
	uint64_t reads;		/* planner_observe() calls */
	uint64_t read_blocks;	/* blocks they read */
	uint64_t markov_extents;	/* extents predicted by Markov */
	uint64_t seq_extents;	/* extents predicted as sequential */
	uint64_t issued;	/* blocks issued */
	uint64_t repeated;	/* predicted blocks not issued: issued, unread */
	uint64_t over_budget;	/* predicted blocks dropped by the budget */
	uint64_t used;		/* issued blocks read afterwards */
	uint64_t wasted;	/* issued blocks forgotten unread */
	uint64_t lead_ns;	/* sum over used blocks of read - issue time */
};

struct planner;

/* NULL on allocation failure or bad parameters. */
struct planner *planner_create(const struct planner_params *p);
void planner_destroy(struct planner *pl);

/*
 * Records that stream `stream` (a file id; 0: none) read extent x, whose
 * stream ends before block `limit` (0: unknown: no sequential prediction),
 * and writes the extents to prefetch into out[0..max).  Returns how many.
 * With max == 0 the planner still learns and counts.
 */
size_t planner_observe(struct planner *pl, uint64_t stream,
		       const struct markov_extent *x, uint64_t limit,
		       struct markov_extent *out, size_t max);

/*
 * Changes the limits a tuner moves (tune.h) between reads, keeping what
 * was learnt: depth (0: 1), seq_window (0: no sequential prediction, even
 * with seq_min_run), budget (0: no limit).  The table sizes stay.
 */
void planner_set_limits(struct planner *pl, uint32_t depth,
			uint32_t seq_window, uint32_t budget);

/* Forgets the previous extent: the next read starts a new stream. */
void planner_break(struct planner *pl);

/*
 * The time of the reads and issues that follow (any monotonic clock in ns;
 * never goes back): lead_ns sums, over used blocks, how long before their
 * read they were issued.  Without it every lead is 0.
 */
void planner_set_time(struct planner *pl, uint64_t ns);

void planner_get_stats(const struct planner *pl, struct planner_stats *st);
const struct markov *planner_markov(const struct planner *pl);
uint64_t planner_bytes(const struct planner *pl);

#endif /* AATTS_PLANNER_H */
