// SPDX-License-Identifier: GPL-2.0-only
/*
 * The one internal control API of aatts: device-mapper messages call it
 * now, the generic netlink family will call the same functions.  Ranges
 * are in 512-byte sectors relative to the start of the target; a range
 * that is empty or reaches past the end is refused with -ERANGE.  Every
 * function runs in process context and may sleep between blocks.
 *
 * ac->lock is the I/O path's lock, taken with interrupts off: no hold
 * here does more than one bounded step of the core (AATTS_STEP_BUDGET
 * work units, or AATTS_BATCH blocks of O(log n) calls), and the lock is
 * dropped, with a chance to reschedule, between steps.
 */

#include <linux/sched.h>
#include <linux/sort.h>

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

/* Range loops stop when the device goes away or the caller is killed. */
static int aatts_interrupted(struct aatts_c *ac)
{
	if (READ_ONCE(ac->dying))
		return -ENODEV;
	return fatal_signal_pending(current) ? -EINTR : 0;
}

/*
 * Runs the core's long operations under way (a policy switch adopting the
 * resident blocks, an epoch commit) to their end, one bounded step per
 * lock hold.  Not interruptible by signals: the work is O(slots + hinted
 * entries), and left half done it would hold up the next switch or hint.
 * It stops (-ENODEV) when the device is going away, which waits for us.
 */
static int aatts_finish_steps(struct aatts_c *ac)
{
	bool done;

	do {
		if (READ_ONCE(ac->dying))
			return -ENODEV;
		spin_lock_irq(&ac->lock);
		done = aatts_cache_step(ac->cache, AATTS_STEP_BUDGET);
		spin_unlock_irq(&ac->lock);
		cond_resched();
	} while (!done);
	return 0;
}

/*
 * Runs a walk over a range to its end, one bounded step per lock hold;
 * stops early, with the range partly done, when the device goes away or
 * the caller is killed.
 */
static int aatts_finish_walk(struct aatts_c *ac, struct aatts_walk *w)
{
	bool done;
	int r;

	do {
		r = aatts_interrupted(ac);
		if (r)
			return r;
		spin_lock_irq(&ac->lock);
		done = aatts_cache_walk(ac->cache, w, AATTS_STEP_BUDGET);
		spin_unlock_irq(&ac->lock);
		cond_resched();
	} while (!done);
	return 0;
}

/*
 * Switches to policy name with parameters kv[0..nr) (the others take their
 * defaults).  -EINVAL for an unknown policy (*bad = nr) or a bad key or
 * value (*bad its index); nothing changes then.  The switch itself is
 * O(1) under the lock; the new policy then adopts the resident blocks in
 * bounded steps before this returns.
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
	for (;;) {
		spin_lock_irq(&ac->lock);
		r = aatts_cache_start_policy_kv(ac->cache, id, kv, nr, &at);
		spin_unlock_irq(&ac->lock);
		/* Busy: the switch before this one is still adopting. */
		if (aatts_finish_steps(ac) && r == -EBUSY)
			r = -ENODEV;
		if (r != -EBUSY)
			break;
	}
	if (!r)
		aatts_event(ac, AATTS_EVENT_POLICY_CHANGED);
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

/* The blocks one call may examine: four times the fast tier's. */
static u64 aatts_examine_budget(struct aatts_c *ac)
{
	return 4ULL * ac->nr_slots;
}

/*
 * Promotes the blocks of a range: with force, whatever the policy thinks
 * (promote, pin); without, the policy's admission rule applies (prefetch).
 * At most max promotions are started and at most *budget blocks examined
 * (*budget is decreased: a batch shares one).  A promotion is started
 * only with a free migration entry: when there is none the call waits
 * for copies to finish (with nowait it stops: -ENOBUFS), and stops
 * (having started n) on a suspended device.
 */
static int aatts_promote(struct aatts_c *ac, sector_t start, sector_t len,
			 bool force, bool nowait, u64 max, u64 *budget,
			 u64 *promoted)
{
	u64 first, last, b, n = 0;
	struct aatts_promotion p;
	int r;

	r = aatts_range(ac, start, len, &first, &last);
	if (r)
		return r;
	if (READ_ONCE(ac->state) != AATTS_STATE_RUNNING)
		return -EIO;

	for (b = first; b <= last && n < max && *budget; b++, (*budget)--) {
		spin_lock_irq(&ac->lock);
		if (list_empty(&ac->mig.free)) {
			spin_unlock_irq(&ac->lock);
			if (nowait) {
				r = -ENOBUFS;
				break;
			}
			r = aatts_mig_wait_room(ac);
			if (r)
				break;
			b--;
			(*budget)++;
			continue;
		}
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
			r = aatts_interrupted(ac);
			/*
			 * Promotions wait for migration room, which a suspend
			 * (waiting for this message) holds up: stop, keeping
			 * what was started.  Walks wait for nothing; they end.
			 */
			if (!r && READ_ONCE(ac->quiescing))
				r = -EAGAIN;
			if (r)
				break;
		}
	}
	if (n)
		aatts_kick_migrations(ac);
	if (promoted)
		*promoted = n;
	if (r == -ENOSPC)
		return n ? 0 : -ENOSPC;
	if (r == -ENOBUFS)
		return r;
	/* Suspended: what was started stands. */
	return r == -EAGAIN || r == -EEXIST || r == -EPERM ? 0 : r;
}

/*
 * One range: at most nr_slots promotions started, and at most 4 * nr_slots
 * blocks examined.
 */
int aatts_api_promote(struct aatts_c *ac, sector_t start, sector_t len,
		      bool force, u64 *promoted)
{
	u64 budget = aatts_examine_budget(ac);

	return aatts_promote(ac, start, len, force, false, ac->nr_slots,
			     &budget, promoted);
}

int aatts_api_demote(struct aatts_c *ac, sector_t start, sector_t len,
		     u64 *demoted)
{
	struct aatts_walk w;
	u64 first, last;
	int r;

	r = aatts_range(ac, start, len, &first, &last);
	if (r)
		return r;
	aatts_walk_invalidate(ac->cache, &w, first, last);
	r = aatts_finish_walk(ac, &w);
	if (demoted)
		*demoted = w.dropped;
	return r;
}

int aatts_api_pin(struct aatts_c *ac, sector_t start, sector_t len, bool pin)
{
	struct aatts_walk w;
	u64 first, last;
	int r;

	r = aatts_range(ac, start, len, &first, &last);
	if (r)
		return r;
	r = aatts_walk_pin(ac->cache, &w, first, last, pin);
	if (!r)
		r = aatts_finish_walk(ac, &w);
	if (r || !pin)
		return r;
	/* Pinned data belongs on the fast tier: bring it in. */
	r = aatts_api_promote(ac, start, len, true, NULL);
	return r == -EIO ? 0 : r;
}

/* Stages a hint; one that meets a commit under way helps it finish. */
static int aatts_stage_hint(struct aatts_c *ac, u64 first, u64 last,
			    u32 score)
{
	int r;

	for (;;) {
		spin_lock_irq(&ac->lock);
		r = aatts_cache_hint(ac->cache, first, last, score);
		spin_unlock_irq(&ac->lock);
		if (r != -EBUSY)
			return r;
		if (aatts_finish_steps(ac))
			return -ENODEV;
	}
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
	return aatts_stage_hint(ac, first, last, score);
}

int aatts_api_epoch_commit(struct aatts_c *ac)
{
	spin_lock_irq(&ac->lock);
	aatts_cache_epoch_begin(ac->cache);
	spin_unlock_irq(&ac->lock);
	return aatts_finish_steps(ac);
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
 * only while it was out, so every copy it holds is dropped first, in
 * bounded steps; the state stays FAILED meanwhile, so no I/O uses the
 * fast tier and no read promotes (a copy already under way is marked
 * stale when the walk passes its slot).
 */
int aatts_api_restore_fast(struct aatts_c *ac)
{
	bool restored = false;
	struct aatts_walk w;
	int r;

	if (READ_ONCE(ac->state) != AATTS_STATE_FAILED)
		return 0;
	aatts_walk_invalidate(ac->cache, &w, 0, ac->nr_blocks - 1);
	r = aatts_finish_walk(ac, &w);
	if (r)
		return r;	/* still FAILED: a later restore starts over */
	spin_lock_irq(&ac->lock);
	if (ac->state == AATTS_STATE_FAILED) {
		ac->fast_errors = 0;
		ac->state = AATTS_STATE_RUNNING;
		restored = true;
	}
	spin_unlock_irq(&ac->lock);
	if (restored)
		aatts_event(ac, AATTS_EVENT_FAST_RESTORED);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Batches of byte ranges (the netlink family)                         */

/*
 * A byte range on the device as the sectors it touches: every block the
 * bytes touch is affected.  -ERANGE when empty or past the end.
 */
int aatts_api_bytes(struct aatts_c *ac, u64 offset, u64 length,
		    struct aatts_range *r)
{
	u64 size = (u64)ac->ti->len << SECTOR_SHIFT;

	if (!length || offset >= size || length > size - offset)
		return -ERANGE;
	r->start = offset >> SECTOR_SHIFT;
	r->len = DIV_ROUND_UP_ULL(offset + length, SECTOR_SIZE) - r->start;
	return 0;
}

/* Every range against the device's end; *bad is the first at fault. */
int aatts_api_check_ranges(struct aatts_c *ac, const struct aatts_range *r,
			   unsigned int nr, unsigned int *bad)
{
	u64 first, last;
	unsigned int i;

	for (i = 0; i < nr; i++) {
		if (aatts_range(ac, r[i].start, r[i].len, &first, &last)) {
			*bad = i;
			return -ERANGE;
		}
	}
	return 0;
}

/*
 * Stages the hints of a batch, AATTS_BATCH ranges per lock hold (a commit
 * under way is finished first).  On -ENOSPC the ranges before *staged
 * stay staged and nothing is committed.
 */
int aatts_api_hint_batch(struct aatts_c *ac, const struct aatts_range *r,
			 unsigned int nr, bool commit, unsigned int *staged,
			 unsigned int *bad)
{
	unsigned int i = 0, end;
	u64 first, last;
	int ret;

	*staged = 0;
	ret = aatts_api_check_ranges(ac, r, nr, bad);
	if (ret)
		return ret;
	for (i = 0; i < nr; i++) {
		if (r[i].score > AATTS_SCORE_MAX) {
			*bad = i;
			return -EINVAL;
		}
	}
	for (i = 0; i < nr && (!ret || ret == -EBUSY); ) {
		if (ret == -EBUSY && aatts_finish_steps(ac)) {
			ret = -ENODEV;
			break;
		}
		end = min(nr, i + AATTS_BATCH);
		spin_lock_irq(&ac->lock);
		for (; i < end; i++) {
			aatts_range(ac, r[i].start, r[i].len, &first, &last);
			ret = aatts_cache_hint(ac->cache, first, last,
					       r[i].score);
			if (ret)
				break;
		}
		if (!ret && i == nr && commit)
			aatts_cache_epoch_begin(ac->cache);
		spin_unlock_irq(&ac->lock);
		cond_resched();
	}
	if (!ret && commit)
		ret = aatts_finish_steps(ac);
	*staged = i;
	if (ret)
		*bad = i;
	return ret;
}

static int aatts_prio_cmp(const void *a, const void *b)
{
	const struct aatts_range *x = a, *y = b;

	if (x->priority != y->priority)
		return x->priority > y->priority ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

/*
 * Promotes the blocks of every range, in descending priority (stable).
 * The whole batch starts at most nr_slots promotions and examines at most
 * 4 * nr_slots blocks, as one range would.  Stops when the fast tier has
 * no room left, or with AATTS_F_NOWAIT when no migration entry is free;
 * -EIO while it is failed.  Reorders r.
 */
int aatts_api_prefetch_batch(struct aatts_c *ac, struct aatts_range *r,
			     unsigned int nr, u32 flags, u64 *started,
			     unsigned int *bad)
{
	bool force = flags & AATTS_F_FORCE, nowait = flags & AATTS_F_NOWAIT;
	u64 n, budget = aatts_examine_budget(ac);
	unsigned int i;
	int ret;

	*started = 0;
	ret = aatts_api_check_ranges(ac, r, nr, bad);
	if (ret)
		return ret;
	if (READ_ONCE(ac->state) != AATTS_STATE_RUNNING)
		return -EIO;
	for (i = 0; i < nr; i++)
		r[i].index = i;
	sort(r, nr, sizeof(*r), aatts_prio_cmp, NULL);
	for (i = 0; i < nr; i++) {
		n = 0;
		ret = aatts_promote(ac, r[i].start, r[i].len, force, nowait,
				    ac->nr_slots - *started, &budget, &n);
		*started += n;
		/*
		 * No room left, as many started as the fast tier holds, as
		 * many blocks examined as a call may, or (nowait) no free
		 * migration entry.
		 */
		if (ret == -ENOSPC || ret == -ENOBUFS ||
		    *started >= ac->nr_slots || !budget)
			return 0;
		if (ret) {
			*bad = r[i].index;
			return ret;
		}
	}
	return 0;
}

int aatts_api_demote_batch(struct aatts_c *ac, const struct aatts_range *r,
			   unsigned int nr, u64 *demoted, unsigned int *bad)
{
	unsigned int i;
	u64 n;
	int ret;

	*demoted = 0;
	ret = aatts_api_check_ranges(ac, r, nr, bad);
	for (i = 0; i < nr && !ret; i++) {
		ret = aatts_api_demote(ac, r[i].start, r[i].len, &n);
		*demoted += n;
		cond_resched();
	}
	return ret;
}

int aatts_api_pin_batch(struct aatts_c *ac, const struct aatts_range *r,
			unsigned int nr, bool pin, unsigned int *bad)
{
	unsigned int i;
	int ret;

	ret = aatts_api_check_ranges(ac, r, nr, bad);
	for (i = 0; i < nr && !ret; i++) {
		ret = aatts_api_pin(ac, r[i].start, r[i].len, pin);
		if (ret)
			*bad = i;
		cond_resched();
	}
	return ret;
}

/* ------------------------------------------------------------------ */
/* Parameters                                                          */

void aatts_api_get_params(struct aatts_c *ac, struct aatts_params *p)
{
	spin_lock_irq(&ac->lock);
	p->max_inflight = ac->mig.max_inflight;
	p->max_bandwidth = ac->mig.max_bandwidth;
	p->error_threshold = ac->error_threshold;
	p->stats_interval = ac->stats_interval;
	spin_unlock_irq(&ac->lock);
}

/*
 * Sets every parameter at once, all checked first: -EINVAL (nothing
 * changed, *bad names the field) when one is out of range.
 */
int aatts_api_set_params(struct aatts_c *ac, const struct aatts_params *p,
			 enum aatts_param_field *bad)
{
	if (p->max_inflight < ac->block_sectors) {
		*bad = AATTS_PF_INFLIGHT;
		return -EINVAL;
	}
	if (p->max_bandwidth && p->max_bandwidth < ac->block_sectors) {
		*bad = AATTS_PF_BANDWIDTH;
		return -EINVAL;
	}
	if (p->stats_interval &&
	    (p->stats_interval < AATTS_STATS_INTERVAL_MIN ||
	     p->stats_interval > AATTS_STATS_INTERVAL_MAX)) {
		*bad = AATTS_PF_INTERVAL;
		return -EINVAL;
	}
	spin_lock_irq(&ac->lock);
	ac->mig.max_inflight = p->max_inflight;
	ac->mig.max_bandwidth = p->max_bandwidth;
	aatts_mig_refill(ac, ktime_get_ns());
	ac->mig.tokens = min_t(s64, ac->mig.tokens, p->max_bandwidth);
	ac->error_threshold = p->error_threshold;
	if (p->stats_interval != ac->stats_interval) {
		ac->stats_interval = p->stats_interval;
		if (p->stats_interval && !ac->suspended)
			mod_delayed_work(system_wq, &ac->stats_work,
					 msecs_to_jiffies(p->stats_interval));
	}
	spin_unlock_irq(&ac->lock);
	aatts_kick_migrations(ac);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Residency                                                           */

/*
 * Blocks looked up per hold of the device lock (the I/O path's lock): two
 * random accesses each, under 50 us at 16 M slots (make bench-holds).
 */
#define AATTS_RESIDENCY_CHUNK	64

/*
 * Bit i of bitmap (u64 words, zeroed by the caller) is set when block
 * first + i has a valid copy on the fast tier; nr is bounded by the
 * caller.  The lock is taken per AATTS_RESIDENCY_CHUNK blocks, so that a
 * reader (anyone may ask) never holds up I/O for long.  Returns how many
 * are set.
 */
u64 aatts_api_residency(struct aatts_c *ac, u64 first, u32 nr, u64 *bitmap)
{
	u64 n = 0;
	u32 i = 0, end;

	while (i < nr) {
		end = min_t(u32, nr, i + AATTS_RESIDENCY_CHUNK);
		spin_lock_irq(&ac->lock);
		for (; i < end; i++) {
			if (aatts_cache_lookup(ac->cache, first + i) !=
			    AATTS_NO_SLOT) {
				bitmap[i / 64] |= 1ULL << (i % 64);
				n++;
			}
		}
		spin_unlock_irq(&ac->lock);
		cond_resched();
	}
	return n;
}
