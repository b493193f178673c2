// SPDX-License-Identifier: GPL-2.0-only
/*
 * Replays a trace through the policy core, exactly as aatts.ko drives it
 * except that every promotion completes at once (fill_done(ok)), which
 * makes the reference policies behave as trace-format v1 defines them.
 * With --prefetch markov, the predictor (lib/predict/markov.c) sees every
 * read record as one extent and its predictions are promoted through the
 * core (aatts_cache_promote(), the policy's admission rule applies).
 */
#include <stdio.h>

#include "replay.h"
#include "markov.h"

FILE *sim_adapt_log;

struct replay {
	struct aatts_cache *c;
	struct sim_result *r;
	struct markov *m;
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
	struct markov_extent next;
	u32 d;
	u64 b, end;

	if (!markov_access(rp->m, &x, &next))
		return;
	for (d = 0; d < rp->pf->depth; d++) {
		rp->r->pf_predictions++;
		end = next.first + (next.len < rp->pf->max_len ?
				    next.len : rp->pf->max_len);
		for (b = next.first; b < end && b < rp->nr_blocks; b++) {
			if (prefetch_block(rp, b)) {
				rp->pending[b] = 1;
				rp->r->pf_issued++;
			}
		}
		if (!markov_predict(rp->m, next.first, &next))
			break;
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
		if (rp->m)
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
	if (pf && pf->markov) {
		struct markov_params mp = {
			.entries = pf->entries,
			.min_conf = pf->min_conf,
		};

		rp.m = markov_create(&mp);
		rp.pending = zalloc_or_die(t->nr_blocks, 1);
		if (!rp.m) {
			fprintf(stderr, "aatts-sim: cannot create the predictor\n");
			aatts_cache_destroy(rp.c);
			free(rp.pending);
			return -1;
		}
		r->pf_bytes = markov_bytes(rp.m);
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
	markov_destroy(rp.m);
	free(rp.pending);
	return ret ? -1 : 0;
}

void sim_result_free(struct sim_result *r)
{
	free(r->epoch_slow);
	r->epoch_slow = NULL;
}
