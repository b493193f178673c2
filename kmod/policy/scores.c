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
 *
 * A commit is a sequence of bounded steps (struct aatts_commit), so that
 * no lock hold grows with the number of hints, entries or slots: apply
 * the staged ranges to the map, then give every resident slot its new
 * score, moving it in the eviction order at once, so that the order is
 * exact between steps.  No hint is staged meanwhile (-EBUSY).
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
			m->staged_entries -= prev->last - prev->first;
			prev->first = min(prev->first, first);
			prev->last = max(prev->last, last);
			m->staged_entries += prev->last - prev->first;
			return 0;
		}
	}
	if (m->nr_staged == m->max_staged)
		return -ENOSPC;
	m->staged[m->nr_staged++] = (struct aatts_hint_range) {
		.first = first, .last = last, .score = score,
	};
	m->staged_entries += (u64)last - first + 1;
	return 0;
}

int aatts_cache_hint(struct aatts_cache *c, u64 first, u64 last, u32 score)
{
	struct aatts_scores *m = &c->scores;
	int ret = check_range(c, first, last);

	if (!ret && aatts_scores_committing(m))
		ret = -EBUSY;
	if (!ret)
		ret = stage(m, entry_of(m, first), entry_of(m, last),
			    min(score, AATTS_SCORE_MAX));
	if (!ret)
		c->stats.hints++;
	return ret;
}

bool aatts_scores_committing(const struct aatts_scores *m)
{
	return m->commit.phase != AATTS_COMMIT_IDLE;
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

/* Heapsort of the staged ranges by first entry: one sift of n ranges. */
static void staged_sift(struct aatts_scores *m, u32 pos, u32 n)
{
	struct aatts_hint_range r = m->staged[pos];

	for (;;) {
		u32 child = 2 * pos + 1;

		if (child >= n)
			break;
		if (child + 1 < n &&
		    m->staged[child + 1].first > m->staged[child].first)
			child++;
		if (m->staged[child].first <= r.first)
			break;
		m->staged[pos] = m->staged[child];
		pos = child;
	}
	m->staged[pos] = r;
}

/*
 * Every entry touched by a staged range gets the highest score among the
 * ranges touching it; the pin bit stays.  Ranges of at most
 * AATTS_SHORT_RANGES entries on average (one sample, one file extent):
 * two plain passes, O(the entries of all ranges).  Longer ones, which may
 * overlap heavily: one sweep over the entries in order with the ranges
 * sorted by their first entry (heapsort, in place) and those covering the
 * sweep's position in a max-heap, O(S log S + E) for S ranges touching E
 * entries.  Then every resident slot takes its block's new score.
 */
#define AATTS_SHORT_RANGES	16

void aatts_cache_epoch_begin(struct aatts_cache *c)
{
	struct aatts_scores *m = &c->scores;
	struct aatts_commit *k = &m->commit;

	if (aatts_scores_committing(m))
		return;
	c->stats.epochs++;
	if (!m->nr_staged)
		return;
	*k = (struct aatts_commit) { .phase = AATTS_COMMIT_CLEAR };
	if (m->staged_entries > (u64)AATTS_SHORT_RANGES * m->nr_staged) {
		k->phase = AATTS_COMMIT_HEAPIFY;
		k->i = m->nr_staged / 2;
	} else {
		k->e = m->staged[0].first;
	}
}

/* The map holds the new scores: on to the slots. */
static void applied(struct aatts_scores *m)
{
	m->nr_staged = 0;
	m->staged_entries = 0;
	m->commit.phase = AATTS_COMMIT_RESCORE;
	m->commit.slot = 0;
}

/* Short ranges: entry e of range i, cleared or raised; the next one. */
static void short_pass(struct aatts_scores *m)
{
	struct aatts_commit *k = &m->commit;
	const struct aatts_hint_range *r = &m->staged[k->i];
	u32 *e = &m->entry[k->e];

	if (k->phase == AATTS_COMMIT_CLEAR)
		*e &= AATTS_ENTRY_PINNED;
	else if ((*e & AATTS_SCORE_MAX) < r->score)
		*e = (*e & AATTS_ENTRY_PINNED) | r->score;
	if (k->e++ != r->last)
		return;
	if (++k->i < m->nr_staged) {
		k->e = m->staged[k->i].first;
	} else if (k->phase == AATTS_COMMIT_CLEAR) {
		k->phase = AATTS_COMMIT_RAISE;
		k->i = 0;
		k->e = m->staged[0].first;
	} else {
		applied(m);
	}
}

/* Long ranges: one push, pop or entry of the sweep; its cost. */
static u32 sweep(struct aatts_scores *m)
{
	struct aatts_commit *k = &m->commit;

	if (k->next == m->nr_staged && !k->nr) {
		applied(m);
		return AATTS_COST_SCAN;
	}
	if (!k->nr)
		k->e = max(k->e, m->staged[k->next].first);
	if (k->next < m->nr_staged && m->staged[k->next].first <= k->e) {
		active_push(m, &k->nr, k->next++);
		return AATTS_COST_HEAP;
	}
	if (m->staged[m->active[0]].last < k->e) {
		active_pop(m, &k->nr);
		return AATTS_COST_HEAP;
	}
	m->entry[k->e] = (m->entry[k->e] & AATTS_ENTRY_PINNED) |
			 m->staged[m->active[0]].score;
	if (k->e == (u32)~0U)
		applied(m);
	else
		k->e++;
	return AATTS_COST_SCAN;
}

/* A resident slot takes its block's new score; the cost. */
static u32 rescore(struct aatts_cache *c, u32 s)
{
	struct aatts_slot *slot = &c->slots[s];
	u32 score;

	if (slot->state == AATTS_SLOT_FREE)
		return AATTS_COST_SCAN;
	score = aatts_score(&c->scores, slot->block);
	if (score == slot->score)
		return AATTS_COST_LOOKUP;
	slot->score = score;
	aatts_heap_rekey(c, s);
	return AATTS_COST_LOOKUP + AATTS_COST_HEAP;
}

bool aatts_scores_commit_step(struct aatts_cache *c, u32 *budget)
{
	struct aatts_scores *m = &c->scores;
	struct aatts_commit *k = &m->commit;
	u32 cost;

	while (aatts_scores_committing(m) && *budget) {
		switch (k->phase) {
		case AATTS_COMMIT_CLEAR:
		case AATTS_COMMIT_RAISE:
			short_pass(m);
			cost = AATTS_COST_SCAN;
			break;
		case AATTS_COMMIT_HEAPIFY:
			cost = AATTS_COST_HEAP;
			if (k->i)
				staged_sift(m, --k->i, m->nr_staged);
			if (!k->i) {
				k->phase = AATTS_COMMIT_SORT;
				k->i = m->nr_staged;
			}
			break;
		case AATTS_COMMIT_SORT:
			cost = AATTS_COST_HEAP;
			if (k->i > 1) {
				struct aatts_hint_range r = m->staged[0];

				m->staged[0] = m->staged[--k->i];
				m->staged[k->i] = r;
				staged_sift(m, 0, k->i);
			}
			if (k->i <= 1) {
				k->phase = AATTS_COMMIT_SWEEP;
				k->next = 0;
				k->nr = 0;
				k->e = 0;
			}
			break;
		case AATTS_COMMIT_SWEEP:
			cost = sweep(m);
			break;
		default:
			cost = rescore(c, k->slot);
			if (++k->slot == c->stats.nr_slots)
				k->phase = AATTS_COMMIT_IDLE;
			break;
		}
		*budget -= min(cost, *budget);
	}
	return !aatts_scores_committing(m);
}

void aatts_cache_epoch_commit(struct aatts_cache *c)
{
	aatts_cache_epoch_begin(c);
	while (!aatts_cache_step(c, ~0U))
		;
}

int aatts_walk_pin(const struct aatts_cache *c, struct aatts_walk *w,
		   u64 first, u64 last, bool pin)
{
	int ret = check_range(c, first, last);

	if (ret)
		return ret;
	*w = (struct aatts_walk) {
		.op = pin ? AATTS_WALK_PIN : AATTS_WALK_UNPIN,
		.first = first, .last = last,
		.next = entry_of(&c->scores, first),
		.phase = AATTS_WALK_ENTRIES,
	};
	return 0;
}

/*
 * A pin walk sets or clears the pin bit of one entry; after the last,
 * it goes on to the resident blocks of the whole entries, which follow
 * their bits (aatts_slot_sync_pin(), as a block does when it is filled).
 */
u32 aatts_scores_walk_entry(struct aatts_cache *c, struct aatts_walk *w)
{
	struct aatts_scores *m = &c->scores;
	u32 e = (u32)w->next, end = entry_of(m, w->last);

	if (w->op == AATTS_WALK_PIN)
		m->entry[e] |= AATTS_ENTRY_PINNED;
	else
		m->entry[e] &= ~AATTS_ENTRY_PINNED;
	if (e != end) {
		w->next++;
		return AATTS_COST_SCAN;
	}
	w->first = (u64)entry_of(m, w->first) << m->shift;
	w->last = min(((u64)end + 1) << m->shift, c->nr_blocks) - 1;
	aatts_walk_blocks(c, w);
	return AATTS_COST_SCAN;
}

int aatts_cache_pin(struct aatts_cache *c, u64 first, u64 last, bool pin)
{
	struct aatts_walk w;
	int ret = aatts_walk_pin(c, &w, first, last, pin);

	if (ret)
		return ret;
	while (!aatts_cache_walk(c, &w, ~0U))
		;
	return 0;
}

bool aatts_cache_pinned(const struct aatts_cache *c, u64 block)
{
	return block < c->nr_blocks && aatts_scores_pinned(&c->scores, block);
}
