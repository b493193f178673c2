// SPDX-License-Identifier: GPL-2.0-only
/*
 * Replays a trace through the policy core, exactly as aatts.ko drives it
 * except that every promotion completes at once (fill_done(ok)), which
 * makes the reference policies behave as trace-format v1 defines them.
 */
#include <stdio.h>

#include "replay.h"

static void read_block(struct aatts_cache *c, u64 block)
{
	struct aatts_promotion p;
	bool promote;

	aatts_cache_read(c, block, &p, &promote);
	if (promote)
		aatts_cache_fill_done(c, p.slot, true);
}

static u64 prefetch_block(struct aatts_cache *c, u64 block)
{
	struct aatts_promotion p;

	if (aatts_cache_promote(c, block, false, &p))
		return 0;
	aatts_cache_fill_done(c, p.slot, true);
	return 1;
}

static int replay_record(struct aatts_cache *c, const struct sim_record *r,
			 struct sim_result *res)
{
	u64 b;

	switch (r->op) {
	case SIM_READ:
		for (b = r->first; b <= r->last; b++)
			read_block(c, b);
		break;
	case SIM_WRITE:
		for (b = r->first; b <= r->last; b++)
			aatts_cache_write(c, b);
		break;
	case SIM_PREFETCH:
		for (b = r->first; b <= r->last; b++)
			res->prefetched += prefetch_block(c, b);
		break;
	case SIM_HINT:
		return aatts_cache_hint(c, r->first, r->last, r->score);
	case SIM_EPOCH:
		aatts_cache_epoch_commit(c);
		break;
	}
	return 0;
}

int sim_replay_core(const struct sim_trace *t, enum aatts_policy_id id,
		    u32 cache_blocks, struct sim_result *r)
{
	struct aatts_cache_params params = {
		.nr_slots = cache_blocks,
		.nr_blocks = t->nr_blocks ? t->nr_blocks : 1,
		.max_score_entries = t->nr_blocks ? t->nr_blocks : 1,
		.max_staged_hints = t->max_epoch_hints ? t->max_epoch_hints : 1,
		.policy = id,
	};
	struct aatts_cache_stats s;
	struct aatts_cache *c = aatts_cache_create(&params);
	size_t i;
	int ret = 0;

	if (!c) {
		fprintf(stderr, "aatts-sim: cannot create a %u-block cache\n",
			cache_blocks);
		return -1;
	}
	memset(r, 0, sizeof(*r));
	for (i = 0; i < t->nr_rec && !ret; i++)
		ret = replay_record(c, &t->rec[i], r);
	if (ret)
		fprintf(stderr, "aatts-sim: hint refused: %s\n", strerror(-ret));
	aatts_cache_get_stats(c, &s);
	r->hits = s.read_hits;
	r->accesses = s.read_hits + s.read_misses;
	r->promotions = s.promotions;
	r->evictions = s.evictions;
	r->rejections = s.rejections;
	aatts_cache_destroy(c);
	return ret ? -1 : 0;
}
