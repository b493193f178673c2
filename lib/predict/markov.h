/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A first-order Markov predictor of the next extent (block range) read,
 * in plain C11 for user space: aatts-sim links it to measure it, and the
 * daemon aattsd is to link it unchanged to issue prefetches.
 *
 * The model: for each extent start block x seen, the extent that followed
 * x last time (start, length) and a saturating 2-bit confidence.  A
 * transition seen again raises the confidence, a different successor
 * halves it (up slowly, down fast) and replaces the successor when it
 * is below two.  Predictions
 * are given only at confidence >= min_conf (default 2: the transition was
 * seen at least twice in a row), which is what keeps the predictor quiet
 * on random orders (a PyTorch RandomSampler's successor probability is
 * about 1/N) while it learns orders that repeat: model and checkpoint
 * loading, scans, buffered shuffles.
 *
 * The table is a fixed, direct-mapped hash table of `entries` entries
 * (24 bytes each), allocated once: memory is bounded whatever the trace.
 * A slot held by another start block is taken over only after its
 * confidence has decayed to zero, so a hot transition survives a stream
 * of one-off collisions.  Not thread-safe: the caller serialises calls.
 */
#ifndef AATTS_MARKOV_H
#define AATTS_MARKOV_H

#include <stdbool.h>
#include <stdint.h>

struct markov_params {
	uint32_t entries;	/* table size, rounded up to a power of two;
				 * 0: 1 << 20 */
	uint32_t min_conf;	/* 1..3; 0: 2 */
};

struct markov_extent {
	uint64_t first;		/* first block */
	uint32_t len;		/* blocks, >= 1 */
};

struct markov_stats {
	uint64_t accesses;	/* markov_access() calls */
	uint64_t predictions;	/* of which gave a prediction */
	uint64_t confirmed;	/* transitions that matched the stored one */
	uint64_t replaced;	/* successors or slots replaced */
};

struct markov;

/* NULL on allocation failure or bad parameters. */
struct markov *markov_create(const struct markov_params *p);
void markov_destroy(struct markov *m);

/*
 * Records that extent x was read (after the previous extent recorded) and
 * returns whether a successor of x is predicted, filling *next.
 */
bool markov_access(struct markov *m, const struct markov_extent *x,
		   struct markov_extent *next);

/*
 * The predicted successor of an extent starting at block first, without
 * learning anything (to look further ahead: follow the chain).
 */
bool markov_predict(const struct markov *m, uint64_t first,
		    struct markov_extent *next);

/* The confidence of block first's stored successor: 0 (none) .. 3. */
#define MARKOV_CONF_MAX 3
uint32_t markov_conf(const struct markov *m, uint64_t first);

/* Forgets the previous extent (a new stream: no transition across). */
void markov_break(struct markov *m);

void markov_get_stats(const struct markov *m, struct markov_stats *s);

/* Bytes of memory the predictor holds. */
uint64_t markov_bytes(const struct markov *m);

#endif /* AATTS_MARKOV_H */
