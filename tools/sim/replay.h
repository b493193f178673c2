/* SPDX-License-Identifier: GPL-2.0-only */
/* Replaying a loaded trace through a policy. */
#ifndef AATTS_SIM_REPLAY_H
#define AATTS_SIM_REPLAY_H

#include <stdio.h>

#include "trace.h"

/* --prefetch markov: lib/predict/markov.h, issued through the core. */
struct sim_prefetch {
	bool markov;
	u32 depth;		/* extents followed ahead per read record */
	u32 max_len;		/* blocks prefetched per predicted extent */
	u32 entries;		/* predictor table entries */
	u32 min_conf;
};

struct sim_result {
	u64 hits;
	u64 accesses;		/* read block accesses */
	u64 promotions;		/* blocks copied slow -> fast */
	u64 evictions;
	u64 rejections;		/* read misses not admitted */
	u64 prefetched;		/* promotions by P records */
	u64 pf_issued;		/* promotions by the predictor */
	u64 pf_useful;		/* of those, read (a hit) before eviction */
	u64 pf_predictions;	/* extents predicted */
	u64 pf_bytes;		/* predictor memory */
	u64 *epoch_slow;	/* per epoch: blocks read from the slow tier */
	size_t nr_epoch_slow;	/* nr_epochs + 1 segments */
};

/* Through the policy core, every promotion completing at once. */
int sim_replay_core(const struct sim_trace *t, enum aatts_policy_id id,
		    u32 cache_blocks, const struct sim_prefetch *pf,
		    struct sim_result *r);
/* Belady's OPT with bypass, the bound (tools/sim/opt.c). */
int sim_replay_opt(const struct sim_trace *t, u32 cache_blocks,
		   struct sim_result *r);
/*
 * lru, fifo and minio straight from trace format v1, without the core
 * (tools/sim/ref.c, --engine ref).
 */
bool sim_ref_supports(const char *policy);
int sim_replay_ref(const struct sim_trace *t, const char *policy,
		   u32 cache_blocks, struct sim_result *r);
void sim_result_free(struct sim_result *r);
/* --adapt-log: default's mode over time, or NULL. */
extern FILE *sim_adapt_log;
/* --shadow-lag: default's shadow reads wait until this many do (0: never). */
extern u32 sim_shadow_lag;

#endif /* AATTS_SIM_REPLAY_H */
