// SPDX-License-Identifier: GPL-2.0-only
/*
 * The policies, each an eviction order over the shared slot metadata and
 * an admission rule for a miss when the cache is full:
 *
 *  lru      evict the least recently accessed; admit every miss.
 *  fifo     evict the earliest admitted; admit every miss.
 *  minio    never evict (CoorDL's MinIO): admits only into free slots.
 *  lfu      evict the least frequently accessed, ties least recent; every
 *           aging-th tick halves the frequencies (lazily, see lfu_before);
 *           admit every miss.
 *  isa      iCache's H-cache: evict the lowest score, ties least recent;
 *           admit only a block scored strictly above the victim, and
 *           never one scored below min_score.
 *  default  W-TinyLFU under scores: a miss scored above the main region's
 *           victim replaces it, one scored below is rejected (isa's
 *           rule); on equal scores the miss enters an lru admission
 *           window, whose lru block, when the window is full, replaces
 *           the main victim only if the frequency sketch has seen it at
 *           least min_freq times and more often than the victim (the
 *           victim's count aged by its idle time).  The window's size
 *           adapts to ghost hits of recent evictions, as ARC's lists do.
 *           Scans and one-off reads do not flush a hot set; a working
 *           set that moves on still gets in.
 *
 * Every policy fills free slots on a miss, except that isa never admits a
 * block scored below min_score.
 */
#include "aatts_core.h"

static bool lru_before(const struct aatts_cache *c, u32 a, u32 b)
{
	return c->slots[a].atime < c->slots[b].atime;
}

static bool fifo_before(const struct aatts_cache *c, u32 a, u32 b)
{
	return c->slots[a].itime < c->slots[b].itime;
}

/*
 * lfu: slot s's frequency is freq as of aging epoch aux[s], halved once
 * per epoch since, without rounding: the order compares
 * freq(a) * 2^aux[a] with freq(b) * 2^aux[b], a value no tick changes, so
 * a tick is O(1) and the heap stays ordered.  A difference of 17 epochs
 * or more decides alone (freq < 2^16), unless the newer count is 0.
 */
#define AATTS_LFU_SHIFT_MAX	17

static bool lfu_before(const struct aatts_cache *c, u32 a, u32 b)
{
	s32 d = (s32)(c->aux[a] - c->aux[b]);
	u64 fa = c->slots[a].freq, fb = c->slots[b].freq;

	if (d > AATTS_LFU_SHIFT_MAX)
		d = AATTS_LFU_SHIFT_MAX;
	else if (d < -AATTS_LFU_SHIFT_MAX)
		d = -AATTS_LFU_SHIFT_MAX;
	if (d > 0)
		fa <<= d;
	else
		fb <<= -d;
	if (fa != fb)
		return fa < fb;
	return lru_before(c, a, b);
}

static bool score_before(const struct aatts_cache *c, u32 a, u32 b)
{
	if (c->slots[a].score != c->slots[b].score)
		return c->slots[a].score < c->slots[b].score;
	return lru_before(c, a, b);
}

/* Parameter indices, per policy, into aatts_cache.param[]. */
enum { LFU_AGING };
enum { ISA_MIN_SCORE };
enum { DEFAULT_MIN_FREQ, DEFAULT_IDLE_TURNOVERS };

static const struct aatts_param_desc lfu_params[] = {
	[LFU_AGING] = { "aging", 1, 3600, 1 },
};

static const struct aatts_param_desc isa_params[] = {
	[ISA_MIN_SCORE] = { "min_score", 0, AATTS_SCORE_MAX, 0 },
};

static const struct aatts_param_desc default_params[] = {
	[DEFAULT_MIN_FREQ] = { "min_freq", 1, 15, 2 },
	[DEFAULT_IDLE_TURNOVERS] = { "idle_turnovers", 1, 64, 4 },
};

static bool isa_admits(const struct aatts_cache *c, u64 block,
		       const struct aatts_slot *victim)
{
	u32 score = aatts_score(&c->scores, block);

	return score > victim->score && score >= c->param[ISA_MIN_SCORE];
}

/*
 * TinyLFU's test on equal scores: the miss must have been read at least
 * min_freq times lately and more often than the victim.  The victim's
 * count is halved for every idle_turnovers * nr_slots accesses it has sat
 * idle, so that a working set that moved on does not hold the cache.
 */
#define AATTS_IDLE_HALVINGS_MAX	4

static bool tinylfu_admits(const struct aatts_cache *c, u64 block,
			   const struct aatts_slot *victim)
{
	u32 freq, held;
	u64 idle;

	freq = aatts_sketch_estimate(&c->sketch, block);
	held = aatts_sketch_estimate(&c->sketch, victim->block);
	idle = (c->clock - victim->atime) /
	       (c->param[DEFAULT_IDLE_TURNOVERS] * c->stats.nr_slots);
	if (idle >= AATTS_IDLE_HALVINGS_MAX)
		held = 0;
	else
		held >>= idle;
	return freq >= c->param[DEFAULT_MIN_FREQ] && freq > held;
}

/* lfu: halve the frequencies on every aging-th tick. */
static bool lfu_ages(const struct aatts_cache *c)
{
	return !pc_rem_u64(c->ticks, (u32)c->param[LFU_AGING]);
}

/* isa: a block scored below min_score is never promoted, even when free. */
static bool isa_accepts(const struct aatts_cache *c, u64 block)
{
	return aatts_score(&c->scores, block) >= c->param[ISA_MIN_SCORE];
}

static void remember(struct aatts_cache *c, u32 slot, bool window);

/* Whether the resident slot cand should replace the resident victim. */
static bool default_prefers(const struct aatts_cache *c, u32 cand, u32 victim)
{
	const struct aatts_slot *a = &c->slots[cand], *v = &c->slots[victim];

	if (a->score != v->score)
		return a->score > v->score;
	return tinylfu_admits(c, a->block, v);
}

/*
 * W-TinyLFU (Einziger, Eytan, Friedman, Manes): a miss enters the
 * admission window, an lru of adapt.target slots; the window's lru
 * block, once the window is full, either replaces the main region's
 * victim or is evicted.  Scores come first: a miss scored above the main
 * victim replaces it at once, one scored below is rejected (isa's rule).
 */
static int default_make_room(struct aatts_cache *c, u64 block, bool force,
			     u32 *victim, bool *window)
{
	u32 mv = aatts_heap_root(c, AATTS_HEAP_MAIN);
	u32 wv = aatts_heap_root(c, AATTS_HEAP_WINDOW);
	u32 ref = mv != AATTS_NO_SLOT ? mv : wv;
	bool window_full = c->heap.nr[AATTS_HEAP_WINDOW] >= c->adapt.target;
	u32 score;

	if (c->free != AATTS_NO_SLOT) {
		*window = true;
		if (wv != AATTS_NO_SLOT && window_full)
			aatts_heap_move(c, wv);
		return 0;
	}
	if (ref == AATTS_NO_SLOT)
		return -ENOSPC;
	score = aatts_score(&c->scores, block);
	if (score != c->slots[ref].score && !force) {
		if (score < c->slots[ref].score)
			return -EPERM;
		*victim = ref;
		remember(c, ref, ref == wv);
		return 0;
	}
	*window = true;
	/*
	 * Over its target (the target shrank): the window's lru block joins
	 * the main region without a contest, so that the window shrinks by
	 * one block per miss until it meets its target.
	 */
	if (wv != AATTS_NO_SLOT && mv != AATTS_NO_SLOT &&
	    c->heap.nr[AATTS_HEAP_WINDOW] > c->adapt.target) {
		aatts_heap_move(c, wv);
		wv = aatts_heap_root(c, AATTS_HEAP_WINDOW);
		mv = aatts_heap_root(c, AATTS_HEAP_MAIN);
	}
	if (wv == AATTS_NO_SLOT || (!window_full && mv != AATTS_NO_SLOT)) {
		*victim = mv;
	} else if (mv != AATTS_NO_SLOT && default_prefers(c, wv, mv)) {
		aatts_heap_move(c, wv);
		*victim = mv;
	} else {
		*victim = wv;
	}
	remember(c, *victim, *victim == wv);
	return 0;
}

/*
 * Dead blocks of a fixed set.  A fixed set (minio, isa on equal scores)
 * keeps whatever filled it first, and the first blocks a training job
 * reads are often never read again: the inode tables and directories read
 * when the data set is listed, before the first epoch.
 *
 * In default's isa shadow a resident block idle (not read) for more than
 * AATTS_DEAD_MULT times the longest gap yet seen between two reads of a
 * resident block, and more than that times the reads it took to fill the
 * shadow, is dead: it gives its slot to a miss scored no lower.  A block
 * of a per-epoch permutation is read again at most two epochs later, a
 * loop's within a turn of it, so such sets stay fixed; what a listing read
 * before the first epoch goes during the first, before the reads of the
 * second epoch lengthen the longest gap.  Nothing is dead before
 * AATTS_DEAD_MIN hits.
 *
 * But a set whose blocks come back after longer and longer gaps (a model
 * variant loaded rarely) would be lost, so default duels the rule: its
 * minio shadow keeps every block, and the cache under default's isa mode
 * drops dead blocks only while the isa shadow leads the minio shadow
 * (aatts_mini_isa_leads()).  On the sample it follows the isa shadow's
 * set anyway (aatts_mini_fixed_victim()); off the sample it drops what is
 * as stale as what the shadow dropped: a block the shadow drops that the
 * cache holds raises the cache's watermark (dead.stale) to the cache's
 * last read of it, and a cache's block last read at or before the
 * watermark is dead.
 *
 * A miss looks at AATTS_DEAD_SCAN slots at most (a cursor goes round them).
 */
#define AATTS_DEAD_MULT		3
#define AATTS_DEAD_MIN		8U
#define AATTS_DEAD_SCAN		16U

/* In the isa shadow, a read hit on slot: the gap since its last read. */
void aatts_dead_hit(struct aatts_cache *c, u32 slot)
{
	struct aatts_dead *d = &c->dead;
	u64 gap;

	gap = c->clock - c->slots[slot].atime;
	if (gap > d->gap)
		d->gap = gap;
	if (d->hits < AATTS_DEAD_MIN)
		d->hits++;
}

/* The isa shadow drops block: the live cache's watermark follows. */
static void dropped_dead(struct aatts_cache *live, u64 block)
{
	u32 s = aatts_map_find(live, block);

	if (s != AATTS_NO_SLOT && live->slots[s].state == AATTS_SLOT_VALID &&
	    live->slots[s].atime > live->dead.stale)
		live->dead.stale = live->slots[s].atime;
}

static bool dead_victim(struct aatts_cache *c, u64 block, u32 *victim)
{
	struct aatts_dead *d = &c->dead;
	const struct aatts_slot *slot;
	u64 limit = 0;
	u32 i, v, score;
	bool dead;

	if (d->live) {
		if (!d->filled)
			d->filled = c->clock;
		if (d->hits < AATTS_DEAD_MIN)
			return false;
		limit = max(d->gap, d->filled) * AATTS_DEAD_MULT;
	} else if (!d->stale || c->policy_id != AATTS_POLICY_DEFAULT ||
		   c->policy != &aatts_policies[AATTS_POLICY_ISA] ||
		   !aatts_mini_isa_leads(c)) {
		return false;
	}
	score = aatts_score(&c->scores, block);
	for (i = 0; i < AATTS_DEAD_SCAN; i++) {
		v = d->cursor;
		d->cursor = v + 1 < c->stats.nr_slots ? v + 1 : 0;
		slot = &c->slots[v];
		if (slot->state != AATTS_SLOT_VALID ||
		    (slot->flags & AATTS_SLOT_PINNED) || slot->score > score)
			continue;
		dead = d->live ? c->clock - slot->atime > limit :
				 slot->atime <= d->stale;
		if (dead) {
			if (d->live)
				dropped_dead(d->live, slot->block);
			*victim = v;
			return true;
		}
	}
	return false;
}

/*
 * Finds room for a miss on block when no slot is free (or, for default,
 * always): 0 with *victim the slot to evict (AATTS_NO_SLOT: take a free
 * one) and *window whether the block enters the admission window;
 * -ENOSPC if nothing is evictable, -EPERM if the policy declines.
 */
int aatts_policy_make_room(struct aatts_cache *c, u64 block, bool force,
			   u32 *victim, bool *window)
{
	u32 v;

	*victim = AATTS_NO_SLOT;
	*window = false;
	if (c->policy->windowed)
		return default_make_room(c, block, force, victim, window);
	if (c->free != AATTS_NO_SLOT)
		return 0;
	v = aatts_heap_root(c, AATTS_HEAP_MAIN);
	if (v == AATTS_NO_SLOT || (!force && c->policy->admits &&
				   !c->policy->admits(c, block, &c->slots[v]))) {
		/*
		 * default's fixed set follows its shadow's on the sample
		 * and drops its dead blocks.
		 */
		if (force)
			return v == AATTS_NO_SLOT ? -ENOSPC : -EPERM;
		if (aatts_mini_fixed_victim(c, block, victim))
			return 0;
		if (dead_victim(c, block, victim)) {
			c->stats.dead_evictions++;
			return 0;
		}
		return v == AATTS_NO_SLOT ? -ENOSPC : -EPERM;
	}
	*victim = v;
	return 0;
}

/*
 * The window spans AATTS_WINDOW_MIN_PCT to AATTS_WINDOW_MAX_PCT of the
 * slots.  A ghost (a sampled eviction) counts only while fewer than a
 * depth of nr_slots evictions from its region followed it: a block that
 * comes back that soon would have stayed resident in a somewhat larger
 * region.  Blocks rejected from the window count for
 * AATTS_WINDOW_GHOST_PCT% (growing the window), blocks evicted from the
 * main region for AATTS_MAIN_GHOST_PCT% (shrinking it).  Too deep a
 * window memory grows the window on blocks that return a whole cache
 * turnover later (every block of a per-epoch permutation, a scan), and
 * with it lru's losses on such traces; too shallow a one misses the
 * recency of interleaved sequential streams.  The values, each inside a
 * range that gave the same results, are measured in
 * Documentation/design/policies.rst.
 * Each ghost hit moves the target by AATTS_ADAPT_GAIN times the sampling
 * ratio.
 */
#define AATTS_WINDOW_MIN_PCT	1
#define AATTS_WINDOW_MAX_PCT	99
#define AATTS_WINDOW_GHOST_PCT	50
#define AATTS_MAIN_GHOST_PCT	20
#define AATTS_ADAPT_GAIN	1
#define AATTS_GHOST_SEED	0x5851f42d4c957f2dULL

static u32 window_min(const struct aatts_cache *c)
{
	u32 pct = pc_div_u64((u64)c->stats.nr_slots * AATTS_WINDOW_MIN_PCT,
			     100);

	return max(1U, pct);
}

static u32 window_max(const struct aatts_cache *c)
{
	u32 pct = pc_div_u64((u64)c->stats.nr_slots * AATTS_WINDOW_MAX_PCT,
			     100);

	return max(window_min(c), pct);
}

/*
 * Runs policy mode with param[] from now on: the resident blocks stay, the
 * mode adopts them in steps (aatts_heap_adopt_step()).  For a switch
 * asked for, and for the default policy's changes of mode.
 */
void aatts_policy_run(struct aatts_cache *c, enum aatts_policy_id mode,
		      const u64 param[AATTS_POLICY_PARAMS_NR])
{
	const struct aatts_policy *old = c->policy;

	memcpy(c->param, param, sizeof(c->param));
	c->policy = &aatts_policies[mode];
	aatts_heap_restart(c, old->ages && c->policy->ages);
	/* lru and lfu kept their per-slot word in the sketch's memory. */
	if (c->policy->windowed && (old->list || old->ages))
		aatts_sketch_clear_start(&c->sketch);
	aatts_policy_reset(c);
}

/* Restarts the default policy's window (creation, switch into it). */
void aatts_policy_reset(struct aatts_cache *c)
{
	struct aatts_adapt *a = &c->adapt;
	u32 i;

	a->target = window_min(c);
	a->sample_mask = aatts_pow2_above(max(1U, c->stats.nr_slots /
					      (AATTS_GHOSTS / 2))) - 1;
	for (i = 0; i < AATTS_GHOSTS; i++)
		a->ghost[i].block = ~0ULL;
}

static struct aatts_ghost *ghost_of(struct aatts_cache *c, u64 block)
{
	u64 h = aatts_hash64(block ^ AATTS_GHOST_SEED);

	if (h & c->adapt.sample_mask)
		return NULL;
	return &c->adapt.ghost[(h >> 32) % AATTS_GHOSTS];
}

/* Remembers an eviction if its block is sampled. */
static void remember(struct aatts_cache *c, u32 slot, bool window)
{
	struct aatts_ghost *g = ghost_of(c, c->slots[slot].block);

	c->adapt.evictions[window]++;
	if (!g)
		return;
	g->block = c->slots[slot].block;
	g->when = c->adapt.evictions[window];
	g->window = window;
}

/* A read miss under the default policy: a ghost hit adapts the window. */
void aatts_policy_miss(struct aatts_cache *c, u64 block)
{
	struct aatts_ghost *g;
	struct aatts_adapt *a = &c->adapt;
	u32 step;

	if (!c->policy->windowed)
		return;
	g = ghost_of(c, block);
	if (!g || g->block != block)
		return;
	g->block = ~0ULL;
	if ((u64)(u32)(a->evictions[g->window] - g->when) * 100 >
	    (u64)c->stats.nr_slots * (g->window ? AATTS_WINDOW_GHOST_PCT :
						  AATTS_MAIN_GHOST_PCT))
		return;
	step = (a->sample_mask + 1) * AATTS_ADAPT_GAIN;
	if (g->window)
		a->target = min(a->target + step, window_max(c));
	else
		a->target = a->target > window_min(c) + step ?
			    a->target - step : window_min(c);
}

const struct aatts_policy aatts_policies[AATTS_POLICY_NR] = {
	[AATTS_POLICY_DEFAULT] = {
		.name = "default",
		.before = score_before,
		.windowed = true,
		.params = default_params,
		.nr_params = ARRAY_SIZE(default_params),
	},
	[AATTS_POLICY_LRU] = {
		.name = "lru",
		.before = lru_before,
		.list = true,
	},
	[AATTS_POLICY_FIFO] = {
		.name = "fifo",
		.before = fifo_before,
		.hit_keeps_order = true,
	},
	[AATTS_POLICY_LFU] = {
		.name = "lfu",
		.before = lfu_before,
		.ages = lfu_ages,
		.params = lfu_params,
		.nr_params = ARRAY_SIZE(lfu_params),
	},
	[AATTS_POLICY_MINIO] = { .name = "minio" },
	[AATTS_POLICY_ISA] = {
		.name = "isa",
		.before = score_before,
		.admits = isa_admits,
		.accepts = isa_accepts,
		.params = isa_params,
		.nr_params = ARRAY_SIZE(isa_params),
	},
};

const char *aatts_policy_name(enum aatts_policy_id id)
{
	return (u32)id < AATTS_POLICY_NR ? aatts_policies[id].name : NULL;
}

int aatts_policy_lookup(const char *name)
{
	int id;

	for (id = 0; id < AATTS_POLICY_NR; id++)
		if (!strcmp(name, aatts_policies[id].name))
			return id;
	return -EINVAL;
}

/* Whether the current policy would promote block at all. */
bool aatts_policy_accepts(const struct aatts_cache *c, u64 block)
{
	return !c->policy->accepts || c->policy->accepts(c, block);
}

static const struct aatts_param_desc *param_of(enum aatts_policy_id id,
					       const char *key)
{
	const struct aatts_policy *p = &aatts_policies[id];
	u32 i;

	for (i = 0; i < p->nr_params; i++)
		if (!strcmp(p->params[i].key, key))
			return &p->params[i];
	return NULL;
}

int aatts_policy_param_range(enum aatts_policy_id id, const char *key,
			     u64 *min, u64 *max, u64 *def)
{
	const struct aatts_param_desc *d;

	if ((u32)id >= AATTS_POLICY_NR)
		return -EINVAL;
	d = param_of(id, key);
	if (!d)
		return -EINVAL;
	*min = d->min;
	*max = d->max;
	*def = d->def;
	return 0;
}

/*
 * The values policy id would run with under the parameters kv, into
 * param[]; -EINVAL with *bad the index of an unknown, repeated or out of
 * range key.
 */
int aatts_policy_params(enum aatts_policy_id id, const struct aatts_kv *kv,
			u32 nr, u64 param[AATTS_POLICY_PARAMS_NR], u32 *bad)
{
	const struct aatts_policy *p = &aatts_policies[id];
	u32 seen = 0, i;

	for (i = 0; i < p->nr_params; i++)
		param[i] = p->params[i].def;
	for (i = 0; i < nr; i++) {
		const struct aatts_param_desc *d;
		u32 k;

		if (!memchr(kv[i].key, 0, sizeof(kv[i].key)))
			goto bad;
		d = param_of(id, kv[i].key);
		if (!d)
			goto bad;
		k = d - p->params;
		if (seen & (1U << k) || kv[i].value < d->min ||
		    kv[i].value > d->max)
			goto bad;
		seen |= 1U << k;
		param[k] = kv[i].value;
	}
	return 0;
bad:
	if (bad)
		*bad = i;
	return -EINVAL;
}
