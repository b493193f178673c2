// SPDX-License-Identifier: GPL-2.0-only
/*
 * aatts stats: one consistent snapshot of a device's counters
 * (aatts_get_stats), the names of its modes and states, and the counters
 * of the netlink protocol.  The status line (aatts_target.c), the files
 * (aatts_sysfs.c) and the netlink family show them under the same names.
 */

#include "aatts.h"

static const char * const aatts_mode_names[] = {
	[AATTS_MODE_WRITETHROUGH] = "writethrough",
	[AATTS_MODE_WRITEAROUND] = "writearound",
};

const char *aatts_mode_name(enum aatts_mode mode)
{
	return aatts_mode_names[mode];
}

/* The mode a table names (any case), or -EINVAL. */
int aatts_mode_lookup(const char *name)
{
	int i;

	for (i = 0; i < AATTS_MODE_NR; i++)
		if (!strcasecmp(name, aatts_mode_names[i]))
			return i;
	return -EINVAL;
}

static const char * const aatts_state_names[] = {
	[AATTS_STATE_RUNNING] = "running",
	[AATTS_STATE_FAILED] = "failed",
};

const char *aatts_state_name(enum aatts_state state)
{
	return aatts_state_names[state];
}

static const char * const aatts_aside_fallback_names[] = {
	[AATTS_ASIDE_TOO_LARGE] = "too_large",
	[AATTS_ASIDE_LIMIT] = "limit",
	[AATTS_ASIDE_SUSPENDED] = "suspended",
	[AATTS_ASIDE_NOMEM] = "nomem",
	[AATTS_ASIDE_FAST_WRITES] = "fast_writes",
};

const char *aatts_aside_fallback_name(enum aatts_aside_fallback why)
{
	return aatts_aside_fallback_names[why];
}

/* Kernel memory per fast slot: the policy core's and the target's. */
u32 aatts_bytes_per_slot(struct aatts_c *ac)
{
	return aatts_cache_bytes_per_slot(ac->cache) + sizeof(struct aatts_slot_io);
}

void aatts_get_stats(struct aatts_c *ac, struct aatts_stats *s)
{
	/* Read hits found without the lock count once applied. */
	aatts_hits_flush(ac);
	spin_lock_irq(&ac->lock);
	aatts_cache_get_stats(ac->cache, &s->core);
	s->migrated_sectors = ac->mig.migrated_sectors;
	/* Given up after their slot was reserved, or never offered (no room). */
	s->dropped = ac->mig.dropped + s->core.no_room;
	s->filled = ac->mig.filled;
	s->aside = ac->mig.aside;
	s->aside_spare = ac->mig.aside_spare;
	s->reads_parked = ac->mig.reads_parked;
	s->adopted = ac->mig.adopted;
	s->fill_copy_ns = READ_ONCE(ac->fill_copy_ns);
	s->fill_write_ns = READ_ONCE(ac->fill_write_ns);
	memcpy(s->aside_fallbacks, ac->mig.aside_fallbacks,
	       sizeof(s->aside_fallbacks));
	s->copies = ac->mig.copies;
	s->inflight_jobs = ac->mig.inflight_jobs;
	s->queued = ac->mig.queued;
	s->fast_errors = ac->fast_errors;
	s->slow_errors = ac->slow_errors;
	s->state = ac->state;
	s->policy = aatts_cache_policy(ac->cache);
	s->adapting = aatts_cache_get_adapt(ac->cache, &s->adapt);
	spin_unlock_irq(&ac->lock);
}

void aatts_stat_values(struct aatts_c *ac, const struct aatts_stats *s,
		       u64 v[AATTS_STAT_A_MAX + 1])
{
	memset(v, 0, (AATTS_STAT_A_MAX + 1) * sizeof(*v));
	v[AATTS_STAT_A_READ_HITS] = s->core.read_hits;
	v[AATTS_STAT_A_READ_MISSES] = s->core.read_misses;
	v[AATTS_STAT_A_WRITE_HITS] = s->core.write_hits;
	v[AATTS_STAT_A_WRITE_MISSES] = s->core.write_misses;
	v[AATTS_STAT_A_PROMOTIONS] = s->core.promotions;
	v[AATTS_STAT_A_PROMOTIONS_FAILED] = s->core.promotions_failed;
	v[AATTS_STAT_A_PROMOTIONS_DROPPED] = s->dropped;
	v[AATTS_STAT_A_REJECTIONS] = s->core.rejections;
	v[AATTS_STAT_A_DEMOTIONS] = s->core.evictions + s->core.invalidations;
	v[AATTS_STAT_A_EVICTIONS] = s->core.evictions;
	v[AATTS_STAT_A_INVALIDATIONS] = s->core.invalidations;
	v[AATTS_STAT_A_MIGRATED_BYTES] = s->migrated_sectors << SECTOR_SHIFT;
	v[AATTS_STAT_A_INFLIGHT_MIGRATIONS] = s->inflight_jobs;
	v[AATTS_STAT_A_QUEUED_MIGRATIONS] = s->queued;
	v[AATTS_STAT_A_FAST_BLOCKS_USED] = s->core.nr_valid;
	v[AATTS_STAT_A_FAST_BLOCKS_TOTAL] = s->core.nr_slots;
	v[AATTS_STAT_A_PINNED_BLOCKS] = s->core.nr_pinned;
	v[AATTS_STAT_A_FAST_ERRORS] = s->fast_errors;
	v[AATTS_STAT_A_SLOW_ERRORS] = s->slow_errors;
	v[AATTS_STAT_A_HINTS] = s->core.hints;
	v[AATTS_STAT_A_EPOCHS] = s->core.epochs;
	v[AATTS_STAT_A_BYTES_PER_SLOT] = aatts_bytes_per_slot(ac);
	v[AATTS_STAT_A_PROMOTIONS_FILLED] = s->filled;
	v[AATTS_STAT_A_MIGRATION_COPIES] = s->copies;
	v[AATTS_STAT_A_DEAD_EVICTIONS] = s->core.dead_evictions;
	v[AATTS_STAT_A_READ_FILLING] = s->core.read_filling;
}

