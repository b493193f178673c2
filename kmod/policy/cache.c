// SPDX-License-Identifier: GPL-2.0-only
/*
 * The cache object: creation (the only allocation), memory accounting,
 * policy switch, aging and statistics.
 */
#include "aatts_core.h"

static bool params_valid(const struct aatts_cache_params *p)
{
	return p->nr_slots && p->nr_slots <= AATTS_MAX_SLOTS &&
	       p->nr_blocks && (u32)p->policy < AATTS_POLICY_NR;
}

static void init_slots(struct aatts_cache *c)
{
	u32 s;

	for (s = 0; s < c->stats.nr_slots; s++) {
		c->slots[s].hpos = AATTS_NO_SLOT;
		c->slots[s].next = s + 1 < c->stats.nr_slots ?
				   s + 1 : AATTS_NO_SLOT;
	}
	c->free = 0;
}

struct aatts_cache *aatts_cache_create(const struct aatts_cache_params *p)
{
	struct aatts_cache *c;

	if (!params_valid(p))
		return NULL;
	c = pc_zalloc(sizeof(*c));
	if (!c)
		return NULL;
	c->stats.nr_slots = p->nr_slots;
	c->nr_blocks = p->nr_blocks;
	c->policy_id = p->policy;
	c->policy = &aatts_policies[p->policy];
	aatts_policy_params(p->policy, NULL, 0, c->param, NULL);
	c->slots = pc_zalloc((size_t)p->nr_slots * sizeof(*c->slots));
	c->heap.slot = pc_zalloc((size_t)p->nr_slots * sizeof(*c->heap.slot));
	if (!c->slots || !c->heap.slot || aatts_map_init(c) ||
	    aatts_sketch_init(&c->sketch, p->nr_slots) ||
	    aatts_scores_init(&c->scores, p->nr_blocks, p->max_score_entries,
			      p->max_staged_hints)) {
		aatts_cache_destroy(c);
		return NULL;
	}
	init_slots(c);
	c->heap.head = AATTS_NO_SLOT;
	c->heap.tail = AATTS_NO_SLOT;
	aatts_policy_reset(c);
	return c;
}

void aatts_cache_destroy(struct aatts_cache *c)
{
	if (!c)
		return;
	aatts_scores_free(&c->scores);
	aatts_sketch_free(&c->sketch);
	pc_free(c->bucket);
	pc_free(c->heap.slot);
	pc_free(c->slots);
	pc_free(c);
}

u32 aatts_cache_bytes_per_slot(const struct aatts_cache *c)
{
	u64 n = c->stats.nr_slots;
	u64 bytes = n * (sizeof(*c->slots) + sizeof(*c->heap.slot)) +
		    (c->bucket_mask + 1ULL) * sizeof(*c->bucket) +
		    aatts_sketch_bytes(&c->sketch);

	return (bytes + n - 1) / n;
}

int aatts_cache_set_policy_kv(struct aatts_cache *c, enum aatts_policy_id id,
			      const struct aatts_kv *kv, u32 nr, u32 *bad)
{
	u64 param[AATTS_POLICY_PARAMS_NR];

	if ((u32)id >= AATTS_POLICY_NR) {
		if (bad)
			*bad = nr;
		return -EINVAL;
	}
	if (aatts_policy_params(id, kv, nr, param, bad))
		return -EINVAL;
	memcpy(c->param, param, sizeof(param));
	c->policy_id = id;
	c->policy = &aatts_policies[id];
	aatts_heap_rebuild(c);
	aatts_policy_reset(c);
	return 0;
}

int aatts_cache_set_policy(struct aatts_cache *c, enum aatts_policy_id id)
{
	return aatts_cache_set_policy_kv(c, id, NULL, 0, NULL);
}

u32 aatts_cache_policy_params(const struct aatts_cache *c,
			      struct aatts_kv *kv, u32 max)
{
	u32 i, n = min(max, c->policy->nr_params);

	for (i = 0; i < n; i++) {
		memset(kv[i].key, 0, sizeof(kv[i].key));
		strncpy(kv[i].key, c->policy->params[i].key,
			sizeof(kv[i].key) - 1);
		kv[i].value = c->param[i];
	}
	return n;
}

enum aatts_policy_id aatts_cache_policy(const struct aatts_cache *c)
{
	return c->policy_id;
}

void aatts_cache_tick(struct aatts_cache *c)
{
	u32 s;

	c->ticks++;
	if (c->policy->ages && !c->policy->ages(c))
		return;
	for (s = 0; s < c->stats.nr_slots; s++)
		c->slots[s].freq >>= 1;
	aatts_heap_reorder(c);
}

void aatts_cache_get_stats(const struct aatts_cache *c,
			   struct aatts_cache_stats *s)
{
	*s = c->stats;
}
