// SPDX-License-Identifier: GPL-2.0-only
/*
 * Replays a trace through the policy core, exactly as aatts.ko drives it
 * except that every promotion completes at once (fill_done(ok)), which
 * makes the reference policies behave as trace-format v1 defines them.
 * With --prefetch markov, the prefetch planner (lib/predict/planner.c, as
 * aattsd runs it) sees every read record as one extent and what it issues
 * is promoted through the core (aatts_cache_promote(), the policy's
 * admission rule applies).
 */
#include <stdio.h>

#include "replay.h"
#include "planner.h"

FILE *sim_adapt_log;
u32 sim_shadow_lag;

struct replay {
	struct aatts_cache *c;
	struct sim_result *r;
	struct planner *pl;
	struct markov_extent *out;	/* the planner's output */
	size_t max_out;
	const struct sim_prefetch *pf;
	u8 *pending;		/* per block: prefetched, not yet read */
	u64 nr_blocks;
};

static void evicted(struct replay *rp, const struct aatts_promotion *p)
{
	if (rp->pending && p->evicted)
		rp->pending[p->victim] = 0;
}

static void read_block(struct replay *rp, u64 block)
{
	struct aatts_promotion p;
	bool promote;
	u32 slot = aatts_cache_read(rp->c, block, &p, &promote);

	/* As aatts.ko's policy worker, woken by this many waiting. */
	if (sim_shadow_lag &&
	    aatts_cache_shadows_pending(rp->c) >= sim_shadow_lag)
		aatts_cache_shadows_step(rp->c, ~0U);
	if (rp->pending && rp->pending[block]) {
		rp->pending[block] = 0;
		rp->r->pf_useful += slot != AATTS_NO_SLOT;
	}
	if (promote) {
		evicted(rp, &p);
		aatts_cache_fill_done(rp->c, p.slot, true);
	}
}

static bool prefetch_block(struct replay *rp, u64 block)
{
	struct aatts_promotion p;

	if (aatts_cache_promote(rp->c, block, false, &p))
		return false;
	evicted(rp, &p);
	aatts_cache_fill_done(rp->c, p.slot, true);
	return true;
}

static void predict(struct replay *rp, const struct sim_record *rec)
{
	struct markov_extent x = { rec->first, rec->last - rec->first + 1 };
	struct planner_stats before, after;
	size_t i, n;
	u64 b, end;

	planner_get_stats(rp->pl, &before);
	n = planner_observe(rp->pl, 0, &x, 0, rp->out, rp->max_out);
	planner_get_stats(rp->pl, &after);
	rp->r->pf_predictions += after.markov_extents - before.markov_extents;
	for (i = 0; i < n; i++) {
		end = rp->out[i].first + rp->out[i].len;
		for (b = rp->out[i].first; b < end && b < rp->nr_blocks; b++) {
			if (prefetch_block(rp, b)) {
				rp->pending[b] = 1;
				rp->r->pf_issued++;
			}
		}
	}
}

static u64 slow_blocks(struct replay *rp)
{
	struct aatts_cache_stats s;

	aatts_cache_get_stats(rp->c, &s);
	return s.read_misses + rp->r->prefetched + rp->r->pf_issued;
}

/* One line of --adapt-log: where, the mode, the sampled ratios. */
static void log_adapt(struct replay *rp, size_t epoch, size_t rec)
{
	struct aatts_cache_adapt a;
	struct aatts_cache_stats s;
	int id;

	if (!sim_adapt_log || !aatts_cache_get_adapt(rp->c, &a))
		return;
	aatts_cache_get_stats(rp->c, &s);
	fprintf(sim_adapt_log, "%zu,%zu,%llu,%llu,%s,%llu,%d", epoch, rec,
		(unsigned long long)(s.read_hits + s.read_misses),
		(unsigned long long)s.read_hits,
		aatts_cache_mode_name(a.mode), (unsigned long long)a.switches,
		a.warm);
	for (id = 0; id < AATTS_POLICY_NR; id++)
		fprintf(sim_adapt_log, ",%u", a.ratio[id]);
	fputc('\n', sim_adapt_log);
}

static int replay_record(struct replay *rp, const struct sim_record *r,
			 size_t *epoch, u64 *slow_before)
{
	u64 b, slow;

	switch (r->op) {
	case SIM_READ:
		for (b = r->first; b <= r->last; b++)
			read_block(rp, b);
		if (rp->pl)
			predict(rp, r);
		break;
	case SIM_WRITE:
		for (b = r->first; b <= r->last; b++)
			aatts_cache_write(rp->c, b);
		break;
	case SIM_PREFETCH:
		for (b = r->first; b <= r->last; b++)
			rp->r->prefetched += prefetch_block(rp, b);
		break;
	case SIM_HINT:
		return aatts_cache_hint(rp->c, r->first, r->last, r->score);
	case SIM_EPOCH:
		aatts_cache_epoch_commit(rp->c);
		slow = slow_blocks(rp);
		rp->r->epoch_slow[(*epoch)++] = slow - *slow_before;
		*slow_before = slow;
		break;
	}
	return 0;
}

static void *zalloc_or_die(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (!p) {
		fprintf(stderr, "aatts-sim: out of memory\n");
		exit(1);
	}
	return p;
}

int sim_replay_core(const struct sim_trace *t, enum aatts_policy_id id,
		    u32 cache_blocks, const struct sim_prefetch *pf,
		    struct sim_result *r)
{
	struct aatts_cache_params params = {
		.nr_slots = cache_blocks,
		.nr_blocks = t->nr_blocks ? t->nr_blocks : 1,
		.max_score_entries = t->nr_blocks ? t->nr_blocks : 1,
		.max_staged_hints = t->max_epoch_hints ? t->max_epoch_hints : 1,
		.policy = id,
	};
	struct replay rp = { .r = r, .pf = pf, .nr_blocks = t->nr_blocks };
	struct aatts_cache_stats s;
	size_t i, epoch = 0;
	u64 slow_before = 0;
	int ret = 0;

	memset(r, 0, sizeof(*r));
	rp.c = aatts_cache_create(&params);
	if (!rp.c) {
		fprintf(stderr, "aatts-sim: cannot create a %u-block cache\n",
			cache_blocks);
		return -1;
	}
	aatts_cache_defer_shadows(rp.c, sim_shadow_lag);
	if (pf && pf->markov) {
		/*
		 * The planner remembers as many issued blocks as the cache
		 * holds; Markov only, as trace records carry no file.
		 */
		struct planner_params pp = {
			.markov = { .entries = pf->entries,
				    .min_conf = pf->min_conf },
			.depth = pf->depth,
			.max_len = pf->max_len,
			.recent = cache_blocks,
		};

		rp.pl = planner_create(&pp);
		rp.pending = zalloc_or_die(t->nr_blocks, 1);
		/* Each predicted extent in at most max_len pieces. */
		rp.max_out = (size_t)pp.depth * pp.max_len;
		if (rp.max_out > 1U << 20)
			rp.max_out = 1U << 20;
		rp.out = zalloc_or_die(rp.max_out, sizeof(*rp.out));
		if (!rp.pl) {
			fprintf(stderr, "aatts-sim: cannot create the predictor\n");
			aatts_cache_destroy(rp.c);
			free(rp.pending);
			free(rp.out);
			return -1;
		}
		r->pf_bytes = planner_bytes(rp.pl);
	}
	r->nr_epoch_slow = t->nr_epochs + 1;
	r->epoch_slow = zalloc_or_die(r->nr_epoch_slow, sizeof(u64));
	if (sim_adapt_log && id == AATTS_POLICY_DEFAULT) {
		int p;

		fprintf(sim_adapt_log, "epoch,record,accesses,hits,mode,switches,warm");
		for (p = 0; p < AATTS_POLICY_NR; p++)
			fprintf(sim_adapt_log, ",%s", aatts_cache_mode_name(p));
		fputc('\n', sim_adapt_log);
	}
	for (i = 0; i < t->nr_rec && !ret; i++) {
		ret = replay_record(&rp, &t->rec[i], &epoch, &slow_before);
		if (t->rec[i].op == SIM_EPOCH ||
		    (t->nr_rec >= 64 && !((i + 1) % (t->nr_rec / 64))))
			log_adapt(&rp, epoch, i + 1);
	}
	if (ret)
		fprintf(stderr, "aatts-sim: hint refused: %s\n", strerror(-ret));
	r->epoch_slow[epoch] = slow_blocks(&rp) - slow_before;
	aatts_cache_get_stats(rp.c, &s);
	r->hits = s.read_hits;
	r->accesses = s.read_hits + s.read_misses;
	r->promotions = s.promotions;
	r->evictions = s.evictions;
	r->rejections = s.rejections;
	aatts_cache_destroy(rp.c);
	planner_destroy(rp.pl);
	free(rp.pending);
	free(rp.out);
	return ret ? -1 : 0;
}

void sim_result_free(struct sim_result *r)
{
	free(r->epoch_slow);
	r->epoch_slow = NULL;
}
