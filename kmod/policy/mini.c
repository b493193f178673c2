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
/* A candidate must beat the mode by 1/2^s of its count, and ... */
#define AATTS_MINI_MARGIN_SHIFT	5
/* ... by this many standard deviations of the difference, ... */
#define AATTS_MINI_Z		2
/* ... and by this many (decayed) hits at least. */
#define AATTS_MINI_MIN_GAIN	8U
/* ... and by 1/2^s of the sampled reads (a hit ratio's difference). */
#define AATTS_MINI_ABS_SHIFT	6
/* Slots a miss under minio's or isa's mode looks at for a victim. */
#define AATTS_MINI_SCAN		16U
/* Work units of adoption per read after a change of mode. */
#define AATTS_MINI_STEP		AATTS_COST_HEAP
#define AATTS_MINI_SEED		0x2545f4914f6cdd1dULL
/*
 * Deferred reads a question to the shadows replays first, at most: as
 * many as the device's worker replays per lock hold (make bench-holds).
 */
#define AATTS_MINI_CATCH_UP	16U

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
		if (id == AATTS_POLICY_ISA)
			m->shadow[id]->dead.live = c;
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

	if (!m)
		return;
	m->seen = 0;
	m->periods = 0;
	m->switches = 0;
	m->warm = false;
	memset(m->hits, 0, sizeof(m->hits));
	memset(m->avg, 0, sizeof(m->avg));
	memset(m->last, 0, sizeof(m->last));
	memset(m->won, 0, sizeof(m->won));
	memset(m->won_avg, 0, sizeof(m->won_avg));
	m->total = 0;
	m->last_seen = 0;
	m->head = 0;
	m->nr_deferred = 0;
	c->dead.stale = 0;
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
static void change_mode(struct aatts_cache *c, enum aatts_policy_id mode)
{
	u64 param[AATTS_POLICY_PARAMS_NR];

	if (c->heap.adopt < c->stats.nr_slots ||
	    c->sketch.clean < c->sketch.nr_words)
		return;
	if (mode == AATTS_POLICY_DEFAULT)
		memcpy(param, c->uparam, sizeof(param));
	else
		aatts_policy_params(mode, NULL, 0, param, NULL);
	aatts_policy_run(c, mode, param);
	c->mini->switches++;
}

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

/*
 * The order in which candidates win a tie (the mode wins any): lfu before
 * lru and fifo.  Their shadows tie exactly until a cache turnover tells
 * them apart (a first pass), and lfu entered then counts from the start,
 * while lru and fifo have no state that entering late loses.
 */
static const u8 tie_order[AATTS_POLICY_NR] = {
	AATTS_POLICY_DEFAULT, AATTS_POLICY_LFU, AATTS_POLICY_LRU,
	AATTS_POLICY_FIFO, AATTS_POLICY_MINIO, AATTS_POLICY_ISA,
};

/*
 * The end of a period: the decayed hit counts, and the mode they choose.
 * A candidate replaces the mode when its count beats the mode's by more
 * than the noise of a difference of two counts (AATTS_MINI_Z standard
 * deviations) and by 1/2^AATTS_MINI_MARGIN_SHIFT of the mode's count.
 * The two shadows read the same blocks, so the difference is paired
 * (McNemar's test): its variance is at most the number of reads only one
 * of them hit (won[][]), not the sum of their hits; shadows that hit
 * alike show a small lead that is not noise.
 */
static void decide(struct aatts_cache *c)
{
	struct aatts_mini *m = c->mini;
	enum aatts_policy_id mode = mode_of(c), best = mode;
	u32 gain, noise;
	int id, j;

	for (id = 0; id < AATTS_POLICY_NR; id++) {
		for (j = 0; j < AATTS_POLICY_NR; j++) {
			u32 *a = &m->won_avg[id][j];

			*a = m->warm ? *a - (*a >> AATTS_MINI_AVG_SHIFT) +
			     m->won[id][j] : 0;
			m->won[id][j] = 0;
		}
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
	for (j = 0; j < AATTS_POLICY_NR; j++)
		if (m->avg[tie_order[j]] > m->avg[best])
			best = tie_order[j];
	if (best == mode)
		return;
	gain = m->avg[best] - m->avg[mode];
	noise = isqrt(m->won_avg[best][mode] + m->won_avg[mode][best]);
	if (gain > AATTS_MINI_Z * noise + AATTS_MINI_MIN_GAIN &&
	    gain > m->avg[mode] >> AATTS_MINI_MARGIN_SHIFT &&
	    gain > m->total >> AATTS_MINI_ABS_SHIFT)
		change_mode(c, best);
}

static bool sampled(const struct aatts_mini *m, u64 block)
{
	return (aatts_hash64(block ^ AATTS_MINI_SEED) & 0xffffffffULL) <
	       m->threshold;
}

static void replay_one(struct aatts_cache *c);

/*
 * Before the live cache asks the shadows about a sampled block, they
 * replay the oldest reads waiting, up to AATTS_MINI_CATCH_UP: the block's
 * own read may be among them, and a shadow that has not seen it answers
 * for the reader's last pass, not this one.  The device's worker keeps
 * fewer waiting than that; behind a worker that lags, the shadows answer
 * a little late (as they did with no catch-up) and the ring shrinks by
 * AATTS_MINI_CATCH_UP per question.
 */
static void catch_up(struct aatts_cache *c)
{
	u32 n = AATTS_MINI_CATCH_UP;

	while (n-- && c->mini->nr_deferred)
		replay_one(c);
}

/*
 * Under default's lfu mode, the count lfu would have for a sampled block:
 * its count in the lfu shadow (0 if lfu does not keep it), so that the
 * mode entered late orders the sampled blocks as lfu run from the start
 * would.  False for a block not sampled (its count is the live cache's).
 */
bool aatts_mini_lfu_freq(struct aatts_cache *c, u64 block, u16 *freq)
{
	const struct aatts_mini *m = c->mini;
	const struct aatts_cache *s;
	u32 slot, idle;

	if (!m || c->policy_id != AATTS_POLICY_DEFAULT || !sampled(m, block))
		return false;
	catch_up(c);
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
 * Whether the isa shadow, which drops dead blocks, leads the minio shadow,
 * which does not, by the margins a change of mode needs besides the noise
 * (policies.c, dead_victim()).
 */
bool aatts_mini_isa_leads(const struct aatts_cache *c)
{
	const struct aatts_mini *m = c->mini;
	u32 isa, minio;

	if (!m || !m->warm)
		return false;
	isa = m->avg[AATTS_POLICY_ISA];
	minio = m->avg[AATTS_POLICY_MINIO];
	return isa > minio + (minio >> AATTS_MINI_MARGIN_SHIFT) +
		     AATTS_MINI_MIN_GAIN;
}

/* Whether shadow s keeps block. */
static bool holds(const struct aatts_cache *s, u64 block)
{
	u32 slot = aatts_map_find(s, block);

	return slot != AATTS_NO_SLOT &&
	       s->slots[slot].state == AATTS_SLOT_VALID;
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
	catch_up(c);
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

/* A sampled read through every shadow. */
static void shadow_read(struct aatts_cache *c, u64 block)
{
	struct aatts_mini *m = c->mini;
	struct aatts_promotion p;
	bool promote;
	u32 hit = 0;
	int id, j;

	for (id = 0; id < AATTS_POLICY_NR; id++) {
		struct aatts_cache *s = m->shadow[id];

		if (aatts_cache_read(s, block, &p, &promote) != AATTS_NO_SLOT) {
			m->hits[id]++;
			hit |= 1U << id;
		} else if (promote) {
			aatts_cache_fill_done(s, p.slot, true);
		}
	}
	/* The paired counts: who hit where whom missed (none if all agree). */
	if (hit == (1U << AATTS_POLICY_NR) - 1)
		hit = 0;
	for (id = 0; hit && id < AATTS_POLICY_NR; id++)
		if (hit & (1U << id))
			for (j = 0; j < AATTS_POLICY_NR; j++)
				if (!(hit & (1U << j)))
					m->won[id][j]++;
	if (++m->seen >= m->period)
		decide(c);
}

/* Replays the oldest deferred read. */
static void replay_one(struct aatts_cache *c)
{
	struct aatts_mini *m = c->mini;
	u64 block = m->deferred[m->head];

	m->head = (m->head + 1) & (AATTS_MINI_DEFER - 1);
	m->nr_deferred--;
	shadow_read(c, block);
}

/* A read of block under the default policy (before the live cache's). */
void aatts_mini_read(struct aatts_cache *c, u64 block)
{
	struct aatts_mini *m = c->mini;

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
	if (!m->defer) {
		shadow_read(c, block);
		return;
	}
	if (m->nr_deferred == AATTS_MINI_DEFER)
		replay_one(c);
	m->deferred[(m->head + m->nr_deferred++) & (AATTS_MINI_DEFER - 1)] =
		block;
}

void aatts_cache_defer_shadows(struct aatts_cache *c, bool on)
{
	struct aatts_mini *m = c->mini;

	if (!m)
		return;
	if (!on)
		aatts_cache_shadows_step(c, AATTS_MINI_DEFER);
	m->defer = on;
}

u32 aatts_cache_shadows_pending(const struct aatts_cache *c)
{
	return c->mini ? c->mini->nr_deferred : 0;
}

bool aatts_cache_shadows_step(struct aatts_cache *c, u32 max)
{
	struct aatts_mini *m = c->mini;

	if (!m)
		return true;
	for (; max && m->nr_deferred; max--)
		replay_one(c);
	return !m->nr_deferred;
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
