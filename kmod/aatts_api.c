// SPDX-License-Identifier: GPL-2.0-only
/*
 * The one internal control API of aatts: device-mapper messages call it
 * now, the generic netlink family will call the same functions.  Ranges
 * are in 512-byte sectors relative to the start of the target; a range
 * that is empty or reaches past the end is refused with -ERANGE.  Every
 * function runs in process context and may sleep between blocks.
 */

#include <linux/sched.h>

#include "aatts.h"

/* Blocks per lock hold in range loops, so that I/O is not starved. */
#define AATTS_BATCH 256

static int aatts_range(struct aatts_c *ac, sector_t start, sector_t len,
		       u64 *first, u64 *last)
{
	if (!len || start >= ac->ti->len || len > ac->ti->len - start)
		return -ERANGE;
	*first = aatts_block_of(ac, start);
	*last = aatts_block_of(ac, start + len - 1);
	return 0;
}

static void aatts_kick_migrations(struct aatts_c *ac)
{
	queue_delayed_work(ac->wq, &ac->mig_work, 0);
}

/*
 * Switches to policy name with parameters kv[0..nr) (the others take their
 * defaults).  -EINVAL for an unknown policy (*bad = nr) or a bad key or
 * value (*bad its index); nothing changes then.
 */
int aatts_api_set_policy(struct aatts_c *ac, const char *name,
			 const struct aatts_kv *kv, unsigned int nr,
			 unsigned int *bad)
{
	int id = aatts_policy_lookup(name);
	u32 at = nr;
	int r;

	if (id < 0) {
		r = -EINVAL;
		goto out;
	}
	spin_lock_irq(&ac->lock);
	r = aatts_cache_set_policy_kv(ac->cache, id, kv, nr, &at);
	spin_unlock_irq(&ac->lock);
out:
	if (r && bad)
		*bad = at;
	return r;
}

/* The policy in force and up to max of its parameters; the count. */
unsigned int aatts_api_get_policy(struct aatts_c *ac, enum aatts_policy_id *id,
				  struct aatts_kv *kv, unsigned int max)
{
	unsigned int n;

	spin_lock_irq(&ac->lock);
	*id = aatts_cache_policy(ac->cache);
	n = aatts_cache_policy_params(ac->cache, kv, max);
	spin_unlock_irq(&ac->lock);
	return n;
}

/*
 * Promotes the blocks of a range: with force, whatever the policy thinks
 * (promote, pin); without, the policy's admission rule applies (prefetch).
 * At most nr_slots promotions are started per call.
 */
int aatts_api_promote(struct aatts_c *ac, sector_t start, sector_t len,
		      bool force, u64 *promoted)
{
	struct aatts_promotion p;
	u64 first, last, b, n = 0;
	int r;

	r = aatts_range(ac, start, len, &first, &last);
	if (r)
		return r;
	if (READ_ONCE(ac->state) != AATTS_STATE_RUNNING)
		return -EIO;

	for (b = first; b <= last && n < ac->nr_slots; b++) {
		spin_lock_irq(&ac->lock);
		r = aatts_cache_promote(ac->cache, b, force, &p);
		if (!r) {
			aatts_mig_queue(ac, &p);
			n++;
		}
		spin_unlock_irq(&ac->lock);
		if (r == -ENOSPC)
			break;
		if (!((b - first + 1) % AATTS_BATCH)) {
			aatts_kick_migrations(ac);
			cond_resched();
		}
	}
	if (n)
		aatts_kick_migrations(ac);
	if (promoted)
		*promoted = n;
	return r == -ENOSPC && !n ? -ENOSPC : 0;
}

int aatts_api_demote(struct aatts_c *ac, sector_t start, sector_t len,
		     u64 *demoted)
{
	u64 first, last;
	u32 n;
	int r;

	r = aatts_range(ac, start, len, &first, &last);
	if (r)
		return r;
	spin_lock_irq(&ac->lock);
	n = aatts_cache_invalidate_range(ac->cache, first, last);
	spin_unlock_irq(&ac->lock);
	if (demoted)
		*demoted = n;
	return 0;
}

int aatts_api_pin(struct aatts_c *ac, sector_t start, sector_t len, bool pin)
{
	u64 first, last;
	int r;

	r = aatts_range(ac, start, len, &first, &last);
	if (r)
		return r;
	spin_lock_irq(&ac->lock);
	r = aatts_cache_pin(ac->cache, first, last, pin);
	spin_unlock_irq(&ac->lock);
	if (r || !pin)
		return r;
	/* Pinned data belongs on the fast tier: bring it in. */
	r = aatts_api_promote(ac, start, len, true, NULL);
	return r == -EIO ? 0 : r;
}

int aatts_api_hint(struct aatts_c *ac, sector_t start, sector_t len, u32 score)
{
	u64 first, last;
	int r;

	if (score > AATTS_SCORE_MAX)
		return -EINVAL;
	r = aatts_range(ac, start, len, &first, &last);
	if (r)
		return r;
	spin_lock_irq(&ac->lock);
	r = aatts_cache_hint(ac->cache, first, last, score);
	spin_unlock_irq(&ac->lock);
	return r;
}

int aatts_api_epoch_commit(struct aatts_c *ac)
{
	spin_lock_irq(&ac->lock);
	aatts_cache_epoch_commit(ac->cache);
	spin_unlock_irq(&ac->lock);
	return 0;
}

int aatts_api_set_migration(struct aatts_c *ac, sector_t max_inflight,
			    sector_t max_bandwidth)
{
	if (max_inflight < ac->block_sectors)
		return -EINVAL;
	if (max_bandwidth && max_bandwidth < ac->block_sectors)
		return -EINVAL;
	spin_lock_irq(&ac->lock);
	ac->mig.max_inflight = max_inflight;
	ac->mig.max_bandwidth = max_bandwidth;
	aatts_mig_refill(ac, ktime_get_ns());
	ac->mig.tokens = min_t(s64, ac->mig.tokens, max_bandwidth);
	spin_unlock_irq(&ac->lock);
	aatts_kick_migrations(ac);
	return 0;
}

int aatts_api_set_error_threshold(struct aatts_c *ac, unsigned int threshold)
{
	spin_lock_irq(&ac->lock);
	ac->error_threshold = threshold;
	spin_unlock_irq(&ac->lock);
	return 0;
}

/*
 * Puts a failed fast tier back in service.  Writes went to the slow tier
 * only while it was out, so every copy it holds is dropped first.
 */
int aatts_api_restore_fast(struct aatts_c *ac)
{
	spin_lock_irq(&ac->lock);
	if (ac->state == AATTS_STATE_FAILED) {
		aatts_cache_invalidate_range(ac->cache, 0, ac->nr_blocks - 1);
		ac->fast_errors = 0;
		ac->state = AATTS_STATE_RUNNING;
	}
	spin_unlock_irq(&ac->lock);
	return 0;
}
