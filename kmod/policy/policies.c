// SPDX-License-Identifier: GPL-2.0-only
/*
 * The policies, each an eviction order over the shared slot metadata and
 * an admission rule for a miss when the cache is full:
 *
 *  lru      evict the least recently accessed; admit every miss.
 *  fifo     evict the earliest admitted; admit every miss.
 *  minio    never evict (CoorDL's MinIO): admits only into free slots.
 *  lfu      evict the least frequently accessed, ties least recent; every
 *           aging-th tick halves the frequencies; admit every miss.
 *  isa      iCache's H-cache: evict the lowest score, ties least recent;
 *           admit only a block scored strictly above the victim, and
 *           never one scored below min_score.
 *  default  as isa, but a miss scored equal to the victim is admitted when
 *           the sketch has seen it at least twice and more often than the
 *           victim (TinyLFU, the victim's count aged by its idle time), so
 *           scans and one-off reads do not flush a hot set.
 *
 * Every policy fills free slots on a miss.
 */
#include "aatts_core.h"

static bool lru_before(const struct aatts_slot *a, const struct aatts_slot *b)
{
	return a->atime < b->atime;
}

static bool fifo_before(const struct aatts_slot *a, const struct aatts_slot *b)
{
	return a->itime < b->itime;
}

static bool lfu_before(const struct aatts_slot *a, const struct aatts_slot *b)
{
	if (a->freq != b->freq)
		return a->freq < b->freq;
	return lru_before(a, b);
}

static bool score_before(const struct aatts_slot *a,
			 const struct aatts_slot *b)
{
	if (a->score != b->score)
		return a->score < b->score;
	return lru_before(a, b);
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

static bool default_admits(const struct aatts_cache *c, u64 block,
			   const struct aatts_slot *victim)
{
	u32 score = aatts_score(&c->scores, block);
	u32 freq, held;
	u64 idle;

	if (score != victim->score)
		return score > victim->score;
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
	return !(c->ticks % c->param[LFU_AGING]);
}

/* isa: a block scored below min_score is never promoted, even when free. */
static bool isa_accepts(const struct aatts_cache *c, u64 block)
{
	return aatts_score(&c->scores, block) >= c->param[ISA_MIN_SCORE];
}

const struct aatts_policy aatts_policies[AATTS_POLICY_NR] = {
	[AATTS_POLICY_DEFAULT] = {
		.name = "default",
		.before = score_before,
		.admits = default_admits,
		.uses_sketch = true,
		.params = default_params,
		.nr_params = ARRAY_SIZE(default_params),
	},
	[AATTS_POLICY_LRU] = { .name = "lru", .before = lru_before },
	[AATTS_POLICY_FIFO] = { .name = "fifo", .before = fifo_before },
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

/* Whether the current policy lets a miss on block evict victim. */
bool aatts_policy_admits(const struct aatts_cache *c, u64 block, u32 victim)
{
	return !c->policy->admits ||
	       c->policy->admits(c, block, &c->slots[victim]);
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
