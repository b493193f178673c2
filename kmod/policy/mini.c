// SPDX-License-Identifier: GPL-2.0-only
/*
 * The default policy's miniature simulation (Waldspurger, Saemundsson,
 * Ahmad, Park: "Cache Modeling and Optimization using Miniature
 * Simulations", USENIX ATC'17): a hash sample of the blocks, chosen so
 * that about AATTS_MINI_SLOTS of them fit a cache's worth, is replayed
 * through one shadow cache per candidate policy: the policy core itself,
 * with AATTS_MINI_SLOTS slots (all the cache's slots when it has fewer),
 * so a shadow is what that policy would keep, scaled down.  Every period
 * of sampled reads each shadow's hits go into a decayed count, and the
 * live cache runs the best candidate (its mode) if it beats the mode in
 * force by more than the noise and a margin (hysteresis).  A change of mode
 * keeps every resident block; the new mode adopts them in steps, a few
 * per read, as a policy switch does.
 *
 * Bounds: the shadows have a fixed size, so their memory is a constant
 * per device (no bytes per slot), and a read costs one hash, plus, for a
 * sampled block, one read of each shadow (O(log AATTS_MINI_SLOTS)), plus
 * at most AATTS_MINI_STEP work units of adoption after a change of mode:
 * nothing that grows with the cache.  Shadows follow reads only (not
 * prefetches, writes or invalidations) and ignore pins; they take the
 * scores of every epoch commit, in the commit's bounded steps.
 */
#include "aatts_core.h"

/* Slots of each shadow: the sample is AATTS_MINI_SLOTS / nr_slots. */
#define AATTS_MINI_SLOTS	1024U
/* Sampled reads per decision: a quarter of the shadow's size, at least this. */
#define AATTS_MINI_PERIOD_MIN	16U
/* The decayed counts keep (2^w - 1) / 2^w of their value each period. */
#define AATTS_MINI_AVG_SHIFT	8
/* The allowance of the leads: 1/2^s of a period's sampled reads. */
#define AATTS_MINI_ALLOW_SHIFT	6
/* Leads are capped here (a count of hits, no overflow). */
#define AATTS_MINI_LEAD_MAX	(1U << 30)
/* Shadow slots compared with the live cache per sampled read. */
#define AATTS_MINI_SWEEP	4U
/* Slots a miss under minio's or isa's mode looks at for a victim. */
#define AATTS_MINI_SCAN		16U
/* Work units of adoption per read after a change of mode. */
#define AATTS_MINI_STEP		AATTS_COST_HEAP
#define AATTS_MINI_SEED		0x2545f4914f6cdd1dULL

int aatts_mini_create(struct aatts_cache *c)
{
	struct aatts_mini *m = pc_zalloc(sizeof(*m));
	u32 n = c->stats.nr_slots;
	int id;

	if (!m)
		return -ENOMEM;
	c->mini = m;
	m->size = min(n, AATTS_MINI_SLOTS);
	m->threshold = pc_div_u64((u64)m->size << 32, n);
	m->period = max(m->size / 4, AATTS_MINI_PERIOD_MIN);
	for (id = 0; id < AATTS_POLICY_NR; id++) {
		m->shadow[id] = aatts_cache_create_shadow(c, id, m->size);
		if (!m->shadow[id])
			return -ENOMEM;
		m->cost[id] = m->size;
	}
	return 0;
}

void aatts_mini_destroy(struct aatts_cache *c)
{
	struct aatts_mini *m = c->mini;
	int id;

	if (!m)
		return;
	for (id = 0; id < AATTS_POLICY_NR; id++)
		aatts_cache_destroy(m->shadow[id]);
	pc_free(m);
	c->mini = NULL;
}

/* The policy set is (again) default: decide afresh. */
void aatts_mini_restart(struct aatts_cache *c)
{
	struct aatts_mini *m = c->mini;
	int id;

	if (!m)
		return;
	m->seen = 0;
	m->periods = 0;
	m->switches = 0;
	m->warm = false;
	memset(m->hits, 0, sizeof(m->hits));
	memset(m->avg, 0, sizeof(m->avg));
	memset(m->last, 0, sizeof(m->last));
	m->total = 0;
	m->last_seen = 0;
	for (id = 0; id < AATTS_POLICY_NR; id++) {
		m->lead[id] = 0;
		m->span[id] = 0;
		m->cost[id] = m->size;
	}
	m->sweep_id = 0;
	m->sweep_pos = 0;
	m->sweep_missing = 0;
	m->sweep_leading = false;
	m->priced = 0;
}

static enum aatts_policy_id mode_of(const struct aatts_cache *c)
{
	return c->policy - aatts_policies;
}

/* A mode that keeps a fixed set: what it keeps is lost when it is left. */
static bool fixed_set(enum aatts_policy_id mode)
{
	return mode == AATTS_POLICY_MINIO || mode == AATTS_POLICY_ISA;
}

/* Runs mode from now on, unless the last change is still adopting. */
static bool change_mode(struct aatts_cache *c, enum aatts_policy_id mode)
{
	u64 param[AATTS_POLICY_PARAMS_NR];

	if (c->heap.adopt < c->stats.nr_slots ||
	    c->sketch.clean < c->sketch.nr_words)
		return false;
	if (mode == AATTS_POLICY_DEFAULT)
		memcpy(param, c->uparam, sizeof(param));
	else
		aatts_policy_params(mode, NULL, 0, param, NULL);
	aatts_policy_run(c, mode, param);
	c->mini->switches++;
	return true;
}

/* Whether cache c (a shadow, or the live cache) holds block. */
static bool holds(const struct aatts_cache *c, u64 block)
{
	u32 slot = aatts_map_find(c, block);

	return slot != AATTS_NO_SLOT &&
	       c->slots[slot].state == AATTS_SLOT_VALID;
}

#ifndef HYBRID
#define HYBRID 1
#endif
#ifndef NOISE_Z
#define NOISE_Z 0
#endif
/* floor(sqrt(x)), bit by bit: 16 rounds. */
static u32 isqrt(u32 x)
{
	u32 r = 0, bit = 1U << 30;

	while (bit > x)
		bit >>= 2;
	while (bit) {
		if (x >= r + bit) {
			x -= r + bit;
			r = (r >> 1) + bit;
		} else {
			r >>= 1;
		}
		bit >>= 2;
	}
	return r;
}

#ifndef PRICE_MODE
#define PRICE_MODE 3
#endif
/* The price of a change to candidate id, in sampled misses (>= 1). */
static u32 price(const struct aatts_mini *m, int id)
{
	(void)id;
#if PRICE_MODE == 0
	return max(m->cost[id], 1U);
#elif PRICE_MODE == 1
	return m->size;
#elif PRICE_MODE == 2
	return max(m->cost[id], m->size / 2);
#elif PRICE_MODE == 3
	return m->size / 2;
#elif PRICE_MODE == 4
	return max(m->cost[id], m->size / 4);
#endif
}

/*
 * The candidate whose lead over the mode is the largest share of its
 * price; the mode if no lead is positive.
 */
static enum aatts_policy_id leader(const struct aatts_cache *c)
{
	const struct aatts_mini *m = c->mini;
	enum aatts_policy_id best = mode_of(c);
	int id;

	for (id = 0; id < AATTS_POLICY_NR; id++)
		if (m->lead[id] > 0 &&
		    (best == mode_of(c) ||
		     (u64)m->lead[id] * price(m, best) >
		     (u64)m->lead[best] * price(m, id)))
			best = id;
	return best;
}

/*
 * The price of a change, measured: AATTS_MINI_SWEEP slots of one shadow
 * per sampled read are looked up in the live cache; at the end of the
 * shadow, the count of its blocks the live cache lacks is its cost.  The
 * next shadow swept is the leader's, or, with no leader, the next one
 * round, so a lead is priced within a sweep (one period).
 */
static void sweep(struct aatts_cache *c)
{
	struct aatts_mini *m = c->mini;
	const struct aatts_cache *s = m->shadow[m->sweep_id];
	enum aatts_policy_id next;
	u32 i;

	for (i = 0; i < AATTS_MINI_SWEEP && m->sweep_pos < m->size; i++) {
		const struct aatts_slot *slot = &s->slots[m->sweep_pos++];

		if (slot->state == AATTS_SLOT_VALID && !holds(c, slot->block))
			m->sweep_missing++;
	}
	if (m->sweep_pos < m->size)
		return;
	m->cost[m->sweep_id] = m->sweep_missing;
	if (m->sweep_leading && m->lead[m->sweep_id] > 0)
		m->priced |= 1U << m->sweep_id;
	next = leader(c);
	if (next == mode_of(c))
		next = (m->sweep_id + 1) % AATTS_POLICY_NR;
	m->sweep_id = next;
	m->sweep_leading = m->lead[next] > 0;
	m->sweep_pos = 0;
	m->sweep_missing = 0;
}

/*
 * The end of a period: the decayed hit counts (shown), and the mode the
 * leads choose: the work function algorithm of a metrical task system
 * (Borodin, Linial, Saks), the candidates its states, a period's misses
 * of a shadow its task cost, and the price of a change (the blocks the
 * candidate's shadow keeps that the live cache lacks) its distance.
 * lead[id] is the mode's work function less the candidate's: the misses
 * the best schedule ending in the mode pays more than the best one ending
 * in the candidate.  Each period adds the candidate's hits less the mode's
 * (less an allowance of 1/2^AATTS_MINI_ALLOW_SHIFT of the sampled reads,
 * against changes for gains not worth having) and keeps it within
 * [-cost, cost]: a candidate never falls further behind than the price of
 * coming back to it.  The mode changes once a lead reaches its price, and
 * the leads are then taken relative to the new mode, so that going back
 * costs a whole lead of twice the price: noise that builds a lead and
 * undoes it changes nothing, a lasting lead pays for the change in time
 * proportional to the price.
 */
static void decide(struct aatts_cache *c)
{
	struct aatts_mini *m = c->mini;
	enum aatts_policy_id mode = mode_of(c), best;
	s32 allow = max(1U, m->seen >> AATTS_MINI_ALLOW_SHIFT), lead, cost;
	int id;

	for (id = 0; id < AATTS_POLICY_NR; id++) {
		cost = price(m, id);
		lead = m->lead[id] + (s32)m->hits[id] - (s32)m->hits[mode] -
		       allow;
		m->lead[id] = id == (int)mode || !m->warm ? 0 :
			      max(min(lead, (s32)AATTS_MINI_LEAD_MAX), -cost);
		m->span[id] = m->lead[id] <= -cost || id == (int)mode ? 0 :
			      min(m->span[id] + m->hits[id] + m->hits[mode],
				  AATTS_MINI_LEAD_MAX);
		if (m->lead[id] <= 0)
			m->priced &= ~(1U << id);
	}
	for (id = 0; id < AATTS_POLICY_NR; id++) {
		m->last[id] = m->hits[id];
		m->avg[id] = m->warm ? m->avg[id] - (m->avg[id] >>
					AATTS_MINI_AVG_SHIFT) + m->hits[id] : 0;
		m->hits[id] = 0;
	}
	m->total = m->warm ? m->total - (m->total >> AATTS_MINI_AVG_SHIFT) +
		   m->seen : 0;
	m->last_seen = m->seen;
	m->seen = 0;
	m->periods++;
	/* Until the shadows are full every policy keeps every block. */
	if (!m->warm) {
		m->warm = m->shadow[AATTS_POLICY_LRU]->stats.nr_valid ==
			  m->size;
		return;
	}
#if HYBRID
	best = mode;
	for (id = 0; id < AATTS_POLICY_NR; id++)
		if (m->avg[id] > m->avg[best])
			best = id;
	if (best != mode) {
		u32 gain = m->avg[best] - m->avg[mode];
		u32 noise = isqrt(m->avg[best] + m->avg[mode]);

		if (!(gain > 2 * noise + 8 &&
		      gain > m->avg[mode] >> 5 &&
		      gain > m->total >> 6))
			best = mode;
	}
#else
	best = leader(c);
#endif
#ifdef AATTS_MINI_DEBUG
	fprintf(stderr, "P%llu mode %d best %d | leads %d %d %d %d %d %d costs %u %u %u %u %u %u\n",
		(unsigned long long)m->periods, mode, best,
		m->lead[0], m->lead[1], m->lead[2], m->lead[3], m->lead[4], m->lead[5],
		m->cost[0], m->cost[1], m->cost[2], m->cost[3], m->cost[4], m->cost[5]);
#endif
	if (best == mode || !(m->priced & (1U << best)) ||
	    m->lead[best] < (s32)(price(m, best) +
				  NOISE_Z * isqrt(m->span[best])) ||
	    !change_mode(c, best))
		return;
	lead = m->lead[best];
	for (id = 0; id < AATTS_POLICY_NR; id++) {
		cost = price(m, id);
		m->lead[id] = id == (int)best ? 0 :
			      max(m->lead[id] - lead, -cost);
		m->span[id] = 0;
	}
	m->priced = 0;
}

static bool sampled(const struct aatts_mini *m, u64 block)
{
	return (aatts_hash64(block ^ AATTS_MINI_SEED) & 0xffffffffULL) <
	       m->threshold;
}

/*
 * Under default's lfu mode, the count lfu would have for a sampled block:
 * its count in the lfu shadow (0 if lfu does not keep it), so that the
 * mode entered late orders the sampled blocks as lfu run from the start
 * would.  False for a block not sampled (its count is the live cache's).
 */
bool aatts_mini_lfu_freq(const struct aatts_cache *c, u64 block, u16 *freq)
{
	const struct aatts_mini *m = c->mini;
	const struct aatts_cache *s;
	u32 slot, idle;

	if (!m || c->policy_id != AATTS_POLICY_DEFAULT || !sampled(m, block))
		return false;
	s = m->shadow[AATTS_POLICY_LFU];
	slot = aatts_map_find(s, block);
	if (slot == AATTS_NO_SLOT || s->slots[slot].state != AATTS_SLOT_VALID) {
		*freq = 0;
		return true;
	}
	idle = s->age - s->aux[slot];
	*freq = idle >= 16 ? 0 : s->slots[slot].freq >> idle;
	return true;
}

/*
 * Under default's minio or isa mode, which keep a fixed set: a miss on a
 * sampled block that the mode's shadow keeps may replace a resident
 * sampled block that it does not, found among the next AATTS_MINI_SCAN
 * slots (a cursor goes round them).  So a fixed set entered late, which is
 * whatever the mode before left resident, becomes the set the mode run
 * from the start keeps, on the sample.  True with *victim.
 */
bool aatts_mini_fixed_victim(struct aatts_cache *c, u64 block, u32 *victim)
{
	struct aatts_mini *m = c->mini;
	const struct aatts_cache *s;
	const struct aatts_slot *slot;
	u32 i, v;

	if (!m || c->policy_id != AATTS_POLICY_DEFAULT ||
	    !fixed_set(mode_of(c)) || !m->warm || !sampled(m, block))
		return false;
	s = m->shadow[mode_of(c)];
	if (!holds(s, block))
		return false;
	for (i = 0; i < AATTS_MINI_SCAN; i++) {
		v = m->cursor;
		m->cursor = v + 1 < c->stats.nr_slots ? v + 1 : 0;
		slot = &c->slots[v];
		if (slot->state == AATTS_SLOT_VALID &&
		    !(slot->flags & AATTS_SLOT_PINNED) &&
		    sampled(m, slot->block) && !holds(s, slot->block)) {
			*victim = v;
			return true;
		}
	}
	return false;
}

/* A read of block under the default policy (before the live cache's). */
void aatts_mini_read(struct aatts_cache *c, u64 block)
{
	struct aatts_mini *m = c->mini;
	struct aatts_promotion p;
	bool promote;
	int id;

	if (!m || c->policy_id != AATTS_POLICY_DEFAULT)
		return;
	if (c->heap.adopt < c->stats.nr_slots ||
	    c->sketch.clean < c->sketch.nr_words) {
		u32 budget = AATTS_MINI_STEP;

		aatts_sketch_clear_step(&c->sketch, &budget);
		aatts_heap_adopt_step(c, &budget);
	}
	if (!sampled(m, block))
		return;
	for (id = 0; id < AATTS_POLICY_NR; id++) {
		struct aatts_cache *s = m->shadow[id];

		if (aatts_cache_read(s, block, &p, &promote) != AATTS_NO_SLOT)
			m->hits[id]++;
		else if (promote)
			aatts_cache_fill_done(s, p.slot, true);
	}
	if (m->warm)
		sweep(c);
	if (++m->seen >= m->period)
		decide(c);
}

/*
 * After an epoch commit of c, the shadows take the new scores (their
 * slots' copies), in steps; true when they have.
 */
bool aatts_mini_step(struct aatts_cache *c, u32 *budget)
{
	struct aatts_mini *m = c->mini;
	bool done = true;
	int id;

	if (!m)
		return true;
	if (!m->rescoring && m->rescored != c->stats.epochs) {
		if (aatts_scores_committing(&c->scores))
			return false;
		for (id = 0; id < AATTS_POLICY_NR; id++)
			m->shadow[id]->scores.commit = (struct aatts_commit) {
				.phase = AATTS_COMMIT_RESCORE,
			};
		m->rescored = c->stats.epochs;
		m->rescoring = true;
	}
	if (!m->rescoring)
		return true;
	for (id = 0; id < AATTS_POLICY_NR; id++)
		done &= aatts_scores_commit_step(m->shadow[id], budget);
	m->rescoring = !done;
	return done;
}

bool aatts_cache_get_adapt(const struct aatts_cache *c,
			   struct aatts_cache_adapt *a)
{
	const struct aatts_mini *m = c->mini;
	int id;

	memset(a, 0, sizeof(*a));
	a->mode = mode_of(c);
	if (!m || c->policy_id != AATTS_POLICY_DEFAULT)
		return false;
	for (id = 0; id < AATTS_POLICY_NR; id++) {
		a->ratio[id] = m->total ?
			(u32)pc_div_u64((u64)m->avg[id] * 1000, m->total) : 0;
		a->last[id] = m->last_seen ?
			(u32)pc_div_u64((u64)m->last[id] * 1000,
					 m->last_seen) : 0;
		a->shadow_bytes += aatts_cache_bytes(m->shadow[id]);
	}
	a->shadow_slots = m->size;
	a->sampled_ppm = (u32)(m->threshold * 1000000 >> 32);
	a->periods = m->periods;
	a->switches = m->switches;
	a->warm = m->warm;
	return true;
}

const char *aatts_cache_mode_name(enum aatts_policy_id mode)
{
	return mode == AATTS_POLICY_DEFAULT ? "wtinylfu" :
	       aatts_policy_name(mode);
}
