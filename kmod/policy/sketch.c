// SPDX-License-Identifier: GPL-2.0-only
/*
 * A count-min sketch of recent read accesses, the frequency filter of the
 * default policy (TinyLFU, Einziger et al.).  AATTS_SKETCH_ROWS rows of
 * 2 * pow2(nr_slots) four-bit counters, at most 8 bytes per slot.
 *
 * Aging is a sweep rather than TinyLFU's periodic reset, so that no call
 * does O(n) work: every AATTS_SKETCH_AGE_STEP recorded accesses one word
 * (16 counters) is halved, so each counter is halved once per
 * AATTS_SKETCH_AGE_STEP * nr_words = 8 * pow2(nr_slots) accesses.
 *
 * Under lru and lfu the sketch's memory (at least 4 bytes per slot) holds
 * their per-slot word instead (aatts_cache.aux), so a switch back to the
 * default policy clears it, in bounded steps; while it is being cleared
 * nothing is recorded and every estimate is 0.
 */
#include "aatts_core.h"

#define AATTS_SKETCH_AGE_STEP	16
#define AATTS_COUNTER_MAX	15ULL
#define AATTS_SKETCH_SEED	0x9e3779b97f4a7c15ULL

int aatts_sketch_init(struct aatts_sketch *s, u32 nr_slots)
{
	u32 per_row = 2 * aatts_pow2_above(nr_slots);
	u32 counters = AATTS_SKETCH_ROWS * per_row;

	s->nr_words = (counters + 15) / 16;
	s->word = pc_zalloc((size_t)s->nr_words * sizeof(*s->word));
	if (!s->word)
		return -ENOMEM;
	s->row_mask = per_row - 1;
	s->clean = s->nr_words;
	return 0;
}

void aatts_sketch_clear_start(struct aatts_sketch *s)
{
	s->clean = 0;
	s->sweep = 0;
	s->since_halving = 0;
}

/* Zeroes words, AATTS_SKETCH_CLEAR_WORDS per work unit. */
#define AATTS_SKETCH_CLEAR_WORDS	8U

bool aatts_sketch_clear_step(struct aatts_sketch *s, u32 *budget)
{
	while (s->clean < s->nr_words && *budget) {
		u32 n = min(s->nr_words - s->clean, AATTS_SKETCH_CLEAR_WORDS);

		memset(&s->word[s->clean], 0, n * sizeof(*s->word));
		s->clean += n;
		(*budget)--;
	}
	return s->clean == s->nr_words;
}

void aatts_sketch_free(struct aatts_sketch *s)
{
	pc_free(s->word);
}

u32 aatts_sketch_bytes(const struct aatts_sketch *s)
{
	return s->nr_words * sizeof(*s->word);
}

/*
 * The counter of block in row (Kirsch-Mitzenmacher double hashing: row r
 * uses h1 + r * h2).
 */
static u32 counter_index(const struct aatts_sketch *s, u64 hash, u32 row)
{
	u32 h1 = (u32)hash;
	u32 h2 = (u32)(hash >> 32) | 1;

	return row * (s->row_mask + 1) + ((h1 + row * h2) & s->row_mask);
}

static u32 counter_shift(u32 index)
{
	return (index & 15) * 4;
}

static u32 counter_get(const struct aatts_sketch *s, u32 index)
{
	return (s->word[index / 16] >> counter_shift(index)) &
	       AATTS_COUNTER_MAX;
}

static void age_one_word(struct aatts_sketch *s)
{
	s->word[s->sweep] = (s->word[s->sweep] >> 1) & 0x7777777777777777ULL;
	if (++s->sweep == s->nr_words)
		s->sweep = 0;
}

void aatts_sketch_record(struct aatts_sketch *s, u64 block)
{
	u64 hash = aatts_hash64(block ^ AATTS_SKETCH_SEED);
	u32 row;

	if (s->clean < s->nr_words)
		return;
	for (row = 0; row < AATTS_SKETCH_ROWS; row++) {
		u32 index = counter_index(s, hash, row);

		if (counter_get(s, index) < AATTS_COUNTER_MAX)
			s->word[index / 16] += 1ULL << counter_shift(index);
	}
	if (++s->since_halving == AATTS_SKETCH_AGE_STEP) {
		s->since_halving = 0;
		age_one_word(s);
	}
}

u32 aatts_sketch_estimate(const struct aatts_sketch *s, u64 block)
{
	u64 hash = aatts_hash64(block ^ AATTS_SKETCH_SEED);
	u32 est = AATTS_COUNTER_MAX;
	u32 row;

	if (s->clean < s->nr_words)
		return 0;
	for (row = 0; row < AATTS_SKETCH_ROWS; row++)
		est = min(est, counter_get(s, counter_index(s, hash, row)));
	return est;
}
