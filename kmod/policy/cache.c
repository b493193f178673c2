// SPDX-License-Identifier: GPL-2.0-only
/*
 * The cache object: creation (the only allocation), memory accounting,
 * policy switch, aging, the bounded steps of long operations and
 * statistics.
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

/* What a cache and its shadows share: everything but the score map. */
static struct aatts_cache *alloc_cache(u32 nr_slots, u64 nr_blocks,
				       enum aatts_policy_id id)
{
	struct aatts_cache *c = pc_zalloc(sizeof(*c));

	if (!c)
		return NULL;
	c->stats.nr_slots = nr_slots;
	c->nr_blocks = nr_blocks;
	c->policy_id = id;
	c->policy = &aatts_policies[id];
	aatts_policy_params(id, NULL, 0, c->param, NULL);
	memcpy(c->uparam, c->param, sizeof(c->param));
	c->slots = pc_zalloc((size_t)nr_slots * sizeof(*c->slots));
	c->heap.slot = pc_zalloc((size_t)nr_slots * sizeof(*c->heap.slot));
	if (!c->slots || !c->heap.slot || aatts_map_init(c) ||
	    aatts_sketch_init(&c->sketch, nr_slots))
		goto fail;
	/* The sketch's memory is the policies' per-slot word too. */
	if (PC_WARN_ON((u64)c->sketch.nr_words * 2 < nr_slots))
		goto fail;
	c->aux = (u32 *)c->sketch.word;
	return c;
fail:
	aatts_sketch_free(&c->sketch);
	pc_free(c->bucket);
	pc_free(c->heap.slot);
	pc_free(c->slots);
	pc_free(c);
	return NULL;
}

static void start(struct aatts_cache *c)
{
	init_slots(c);
	aatts_heap_restart(c, false);
	aatts_policy_reset(c);
}

struct aatts_cache *aatts_cache_create(const struct aatts_cache_params *p)
{
	struct aatts_cache *c;

	if (!params_valid(p))
		return NULL;
	c = alloc_cache(p->nr_slots, p->nr_blocks, p->policy);
	if (!c)
		return NULL;
	if (aatts_scores_init(&c->scores, p->nr_blocks, p->max_score_entries,
			      p->max_staged_hints) ||
	    aatts_mini_create(c)) {
		aatts_cache_destroy(c);
		return NULL;
	}
	if (p->policy == AATTS_POLICY_DEFAULT) {
		c->policy = &aatts_policies[AATTS_MINI_START];
		aatts_policy_params(AATTS_MINI_START, NULL, 0, c->param, NULL);
	}
	start(c);
	return c;
}

/*
 * A shadow reads the score map of c (never stages hints of its own) and
 * ignores pins: it simulates what policy id would keep.
 */
struct aatts_cache *aatts_cache_create_shadow(const struct aatts_cache *c,
					      enum aatts_policy_id id,
					      u32 nr_slots)
{
	struct aatts_cache *s = alloc_cache(nr_slots, c->nr_blocks, id);

	if (!s)
		return NULL;
	s->scores.entry = c->scores.entry;
	s->scores.nr_entries = c->scores.nr_entries;
	s->scores.shift = c->scores.shift;
	s->shadow = true;
	start(s);
	return s;
}

void aatts_cache_destroy(struct aatts_cache *c)
{
	if (!c)
		return;
	aatts_mini_destroy(c);
	if (!c->shadow)
		aatts_scores_free(&c->scores);
	aatts_sketch_free(&c->sketch);
	pc_free(c->bucket);
	pc_free(c->heap.slot);
	pc_free(c->slots);
	pc_free(c);
}

/* The per-slot structures of one cache (a shadow's: all its memory). */
u64 aatts_cache_bytes(const struct aatts_cache *c)
{
	u64 n = c->stats.nr_slots;

	return n * (sizeof(*c->slots) + sizeof(*c->heap.slot)) +
	       (c->bucket_mask + 1ULL) * sizeof(*c->bucket) +
	       aatts_sketch_bytes(&c->sketch) + sizeof(*c);
}

/*
 * Per slot, without the miniature simulation's shadows, whose size does
 * not grow with the cache (at most AATTS_MINI_SLOTS slots each: a fixed
 * cost per device, aatts_cache_adapt.shadow_bytes).
 */
u32 aatts_cache_bytes_per_slot(const struct aatts_cache *c)
{
	u32 n = c->stats.nr_slots;
	u64 bytes = aatts_cache_bytes(c) - sizeof(*c);

	return pc_div_u64(bytes + n - 1, n);
}

int aatts_cache_start_policy_kv(struct aatts_cache *c, enum aatts_policy_id id,
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
	if (c->heap.adopt < c->stats.nr_slots)
		return -EBUSY;
	memcpy(c->uparam, param, sizeof(param));
	c->policy_id = id;
	/* default starts as isa, then runs what its shadows find best. */
	if (id == AATTS_POLICY_DEFAULT && c->mini) {
		aatts_policy_params(AATTS_MINI_START, NULL, 0, param, NULL);
		aatts_policy_run(c, AATTS_MINI_START, param);
	} else {
		aatts_policy_run(c, id, param);
	}
	aatts_mini_restart(c);
	return 0;
}

static void finish(struct aatts_cache *c)
{
	while (!aatts_cache_step(c, ~0U))
		;
}

int aatts_cache_set_policy_kv(struct aatts_cache *c, enum aatts_policy_id id,
			      const struct aatts_kv *kv, u32 nr, u32 *bad)
{
	int ret;

	finish(c);
	ret = aatts_cache_start_policy_kv(c, id, kv, nr, bad);
	if (!ret)
		finish(c);
	return ret;
}

int aatts_cache_set_policy(struct aatts_cache *c, enum aatts_policy_id id)
{
	return aatts_cache_set_policy_kv(c, id, NULL, 0, NULL);
}

u32 aatts_cache_policy_params(const struct aatts_cache *c,
			      struct aatts_kv *kv, u32 max)
{
	const struct aatts_policy *p = &aatts_policies[c->policy_id];
	u32 i, n = min(max, p->nr_params);

	for (i = 0; i < n; i++) {
		memset(kv[i].key, 0, sizeof(kv[i].key));
		strncpy(kv[i].key, p->params[i].key, sizeof(kv[i].key) - 1);
		kv[i].value = c->uparam[i];
	}
	return n;
}

enum aatts_policy_id aatts_cache_policy(const struct aatts_cache *c)
{
	return c->policy_id;
}

void aatts_cache_tick(struct aatts_cache *c)
{
	c->ticks++;
	if (c->policy->ages && c->policy->ages(c))
		c->age++;
}

bool aatts_cache_step(struct aatts_cache *c, u32 budget)
{
	bool done = aatts_sketch_clear_step(&c->sketch, &budget);

	done &= aatts_heap_adopt_step(c, &budget);
	done &= aatts_scores_commit_step(c, &budget);
	done &= aatts_mini_step(c, &budget);
	return done;
}

void aatts_cache_get_stats(const struct aatts_cache *c,
			   struct aatts_cache_stats *s)
{
	*s = c->stats;
}
