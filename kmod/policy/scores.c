// SPDX-License-Identifier: GPL-2.0-only
/*
 * The score map: per slow block an importance score (0: none) and a pinned
 * bit, in a dense array of at most max_score_entries entries; when the
 * device has more blocks, each entry covers 1 << shift consecutive blocks
 * (the smallest shift that fits), and hints and pins apply to whole
 * entries.
 *
 * Hints are staged as entry ranges and applied at the epoch commit (the
 * shadow table of iCache): every entry touched by the epoch's hints gets
 * the highest score among them, untouched entries keep theirs.  Pins
 * apply at once.
 */
#include "aatts_core.h"

int aatts_scores_init(struct aatts_scores *m, u64 nr_blocks,
		      u32 max_entries, u32 max_staged)
{
	if (!max_entries)
		max_entries = AATTS_DEFAULT_SCORE_ENTRIES;
	if (!max_staged)
		max_staged = AATTS_DEFAULT_STAGED_HINTS;
	if (max_entries > AATTS_MAX_SCORE_ENTRIES ||
	    max_staged > AATTS_MAX_STAGED_HINTS)
		return -EINVAL;
	while (((nr_blocks - 1) >> m->shift) >= max_entries)
		m->shift++;
	m->nr_entries = ((nr_blocks - 1) >> m->shift) + 1;
	m->max_staged = max_staged;
	m->entry = pc_zalloc((size_t)m->nr_entries * sizeof(*m->entry));
	m->staged = pc_zalloc((size_t)max_staged * sizeof(*m->staged));
	m->active = pc_zalloc((size_t)max_staged * sizeof(*m->active));
	return m->entry && m->staged && m->active ? 0 : -ENOMEM;
}

void aatts_scores_free(struct aatts_scores *m)
{
	pc_free(m->entry);
	pc_free(m->staged);
	pc_free(m->active);
}

static u32 entry_of(const struct aatts_scores *m, u64 block)
{
	return block >> m->shift;
}

u32 aatts_score(const struct aatts_scores *m, u64 block)
{
	return m->entry[entry_of(m, block)] & AATTS_SCORE_MAX;
}

bool aatts_scores_pinned(const struct aatts_scores *m, u64 block)
{
	return m->entry[entry_of(m, block)] & AATTS_ENTRY_PINNED;
}

static int check_range(const struct aatts_cache *c, u64 first, u64 last)
{
	return first <= last && last < c->nr_blocks ? 0 : -ERANGE;
}

/* Stages a range, merged into the previous one when they meet. */
static int stage(struct aatts_scores *m, u32 first, u32 last, u32 score)
{
	struct aatts_hint_range *prev;

	if (m->nr_staged) {
		prev = &m->staged[m->nr_staged - 1];
		if (prev->score == score && first <= prev->last + 1ULL &&
		    prev->first <= last + 1ULL) {
			prev->first = min(prev->first, first);
			prev->last = max(prev->last, last);
			return 0;
		}
	}
	if (m->nr_staged == m->max_staged)
		return -ENOSPC;
	m->staged[m->nr_staged++] = (struct aatts_hint_range) {
		.first = first, .last = last, .score = score,
	};
	return 0;
}

int aatts_cache_hint(struct aatts_cache *c, u64 first, u64 last, u32 score)
{
	struct aatts_scores *m = &c->scores;
	int ret = check_range(c, first, last);

	if (!ret)
		ret = stage(m, entry_of(m, first), entry_of(m, last),
			    min(score, AATTS_SCORE_MAX));
	if (!ret)
		c->stats.hints++;
	return ret;
}

static int by_first(const void *a, const void *b)
{
	const struct aatts_hint_range *x = a, *y = b;

	return x->first < y->first ? -1 : x->first > y->first;
}

/* The active ranges: a binary max-heap on score of indices into staged. */
static bool higher(const struct aatts_scores *m, u32 a, u32 b)
{
	return m->staged[a].score > m->staged[b].score;
}

static void active_push(struct aatts_scores *m, u32 *nr, u32 r)
{
	u32 pos = (*nr)++;

	while (pos && higher(m, r, m->active[(pos - 1) / 2])) {
		m->active[pos] = m->active[(pos - 1) / 2];
		pos = (pos - 1) / 2;
	}
	m->active[pos] = r;
}

static void active_pop(struct aatts_scores *m, u32 *nr)
{
	u32 last = m->active[--(*nr)], pos = 0;

	for (;;) {
		u32 child = 2 * pos + 1;

		if (child >= *nr)
			break;
		if (child + 1 < *nr &&
		    higher(m, m->active[child + 1], m->active[child]))
			child++;
		if (!higher(m, m->active[child], last))
			break;
		m->active[pos] = m->active[child];
		pos = child;
	}
	if (*nr)
		m->active[pos] = last;
}

/*
 * Every entry touched by a staged range gets the highest score among the
 * ranges touching it; the pin bit stays.  Ranges of at most
 * AATTS_SHORT_RANGES entries on average (one sample, one file extent):
 * two plain passes, O(the entries of all ranges).  Longer ones, which may
 * overlap heavily: one sweep over the entries in order with the ranges
 * sorted by their first entry and those covering the sweep's position in
 * a max-heap, O(S log S + E) for S ranges touching E entries.
 */
#define AATTS_SHORT_RANGES	16

static void apply_short(struct aatts_scores *m)
{
	const struct aatts_hint_range *r, *end = m->staged + m->nr_staged;
	u32 e;

	for (r = m->staged; r < end; r++)
		for (e = r->first; e <= r->last; e++)
			m->entry[e] &= AATTS_ENTRY_PINNED;
	for (r = m->staged; r < end; r++)
		for (e = r->first; e <= r->last; e++)
			if ((m->entry[e] & AATTS_SCORE_MAX) < r->score)
				m->entry[e] = (m->entry[e] & AATTS_ENTRY_PINNED) |
					      r->score;
}

static void apply_staged(struct aatts_scores *m)
{
	u32 next = 0, nr = 0, e = 0, i;
	u64 total = 0;

	for (i = 0; i < m->nr_staged; i++)
		total += (u64)m->staged[i].last - m->staged[i].first + 1;
	if (total <= (u64)AATTS_SHORT_RANGES * m->nr_staged) {
		apply_short(m);
		m->nr_staged = 0;
		return;
	}

	pc_sort(m->staged, m->nr_staged, sizeof(*m->staged), by_first);
	while (next < m->nr_staged || nr) {
		if (!nr)
			e = max(e, m->staged[next].first);
		while (next < m->nr_staged && m->staged[next].first <= e)
			active_push(m, &nr, next++);
		while (nr && m->staged[m->active[0]].last < e)
			active_pop(m, &nr);
		if (!nr)
			continue;
		m->entry[e] = (m->entry[e] & AATTS_ENTRY_PINNED) |
			      m->staged[m->active[0]].score;
		if (e == (u32)~0U)
			break;
		e++;
	}
	m->nr_staged = 0;
}

void aatts_cache_epoch_commit(struct aatts_cache *c)
{
	u32 s;

	c->stats.epochs++;
	if (!c->scores.nr_staged)
		return;
	apply_staged(&c->scores);
	for (s = 0; s < c->stats.nr_slots; s++)
		if (c->slots[s].state != AATTS_SLOT_FREE)
			c->slots[s].score = aatts_score(&c->scores,
							c->slots[s].block);
	aatts_heap_reorder(c);
}

/* Brings the resident blocks first..last in line with their pin bits. */
static void sync_pins(struct aatts_cache *c, u64 first, u64 last)
{
	u64 b;
	u32 s;

	if (last - first < c->stats.nr_slots) {
		for (b = first; b <= last; b++) {
			s = aatts_map_find(c, b);
			if (s != AATTS_NO_SLOT)
				aatts_slot_sync_pin(c, s);
		}
		return;
	}
	for (s = 0; s < c->stats.nr_slots; s++)
		if (c->slots[s].state != AATTS_SLOT_FREE &&
		    c->slots[s].block >= first && c->slots[s].block <= last)
			aatts_slot_sync_pin(c, s);
}

int aatts_cache_pin(struct aatts_cache *c, u64 first, u64 last, bool pin)
{
	struct aatts_scores *m = &c->scores;
	int ret = check_range(c, first, last);
	u32 e;

	if (ret)
		return ret;
	for (e = entry_of(m, first); e <= entry_of(m, last); e++) {
		if (pin)
			m->entry[e] |= AATTS_ENTRY_PINNED;
		else
			m->entry[e] &= ~AATTS_ENTRY_PINNED;
	}
	/* Whole entries changed: every block they cover. */
	first = (u64)entry_of(m, first) << m->shift;
	last = min(((u64)entry_of(m, last) + 1) << m->shift, c->nr_blocks) - 1;
	sync_pins(c, first, last);
	return 0;
}

bool aatts_cache_pinned(const struct aatts_cache *c, u64 block)
{
	return block < c->nr_blocks && aatts_scores_pinned(&c->scores, block);
}
