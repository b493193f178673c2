// SPDX-License-Identifier: GPL-2.0-only
/*
 * The policies, each an eviction order over the shared slot metadata and
 * an admission rule for a miss when the cache is full:
 *
 *  lru      evict the least recently accessed; admit every miss.
 *  fifo     evict the earliest admitted; admit every miss.
 *  minio    never evict (CoorDL's MinIO): admits only into free slots.
 *  lfu      evict the least frequently accessed, ties least recent; tick
 *           halves the frequencies; admit every miss.
 *  isa      iCache's H-cache: evict the lowest score, ties least recent;
 *           admit only a block scored strictly above the victim.
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

static bool isa_admits(const struct aatts_cache *c, u64 block,
		       const struct aatts_slot *victim)
{
	return aatts_score(&c->scores, block) > victim->score;
}

/*
 * TinyLFU's test on equal scores: the miss must have been read at least
 * twice lately and more often than the victim.  The victim's count is
 * halved for every AATTS_IDLE_TURNOVERS * nr_slots accesses it has sat
 * idle, so that a working set that moved on does not hold the cache.
 */
#define AATTS_MIN_ADMIT_FREQ	2
#define AATTS_IDLE_TURNOVERS	4ULL
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
	       (AATTS_IDLE_TURNOVERS * c->stats.nr_slots);
	if (idle >= AATTS_IDLE_HALVINGS_MAX)
		held = 0;
	else
		held >>= idle;
	return freq >= AATTS_MIN_ADMIT_FREQ && freq > held;
}

const struct aatts_policy aatts_policies[AATTS_POLICY_NR] = {
	[AATTS_POLICY_DEFAULT] = {
		.name = "default",
		.before = score_before,
		.admits = default_admits,
		.uses_sketch = true,
	},
	[AATTS_POLICY_LRU] = { .name = "lru", .before = lru_before },
	[AATTS_POLICY_FIFO] = { .name = "fifo", .before = fifo_before },
	[AATTS_POLICY_LFU] = { .name = "lfu", .before = lfu_before },
	[AATTS_POLICY_MINIO] = { .name = "minio" },
	[AATTS_POLICY_ISA] = {
		.name = "isa",
		.before = score_before,
		.admits = isa_admits,
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
