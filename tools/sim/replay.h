/* SPDX-License-Identifier: GPL-2.0-only */
/* Replaying a loaded trace through a policy. */
#ifndef AATTS_SIM_REPLAY_H
#define AATTS_SIM_REPLAY_H

#include "trace.h"

struct sim_result {
	u64 hits;
	u64 accesses;		/* read block accesses */
	u64 promotions;		/* blocks copied slow -> fast */
	u64 evictions;
	u64 rejections;		/* read misses not admitted */
	u64 prefetched;		/* promotions by P records */
};

/* Through the policy core, every promotion completing at once. */
int sim_replay_core(const struct sim_trace *t, enum aatts_policy_id id,
		    u32 cache_blocks, struct sim_result *r);
/* Belady's OPT with bypass, the bound (tools/sim/opt.c). */
int sim_replay_opt(const struct sim_trace *t, u32 cache_blocks,
		   struct sim_result *r);

#endif /* AATTS_SIM_REPLAY_H */
