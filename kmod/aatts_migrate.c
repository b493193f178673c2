// SPDX-License-Identifier: GPL-2.0-only
/*
 * aatts migrations: copies of blocks from the slow tier into the fast-tier
 * slots the policy core reserved for them (FILLING), with dm-kcopyd, in
 * the background.  Two limits hold at all times: the sectors being copied
 * never exceed max_inflight, and over any interval the sectors started
 * never exceed max_bandwidth per second plus one second's worth (a token
 * bucket).  A promotion waits while I/O to its slot's previous block is
 * still in flight.  Entries come from a bounded pool: callers check for a
 * free one (aatts_mig_has_room()) before the policy core evicts a block
 * for a promotion, and a promotion that still finds none is dropped (the
 * slot is freed again) and counted.
 *
 * A read miss that covers whole blocks fills their slots from its own data
 * (aatts_io.c): one slow-tier read per miss.  Such a fill takes an entry
 * of the same pool but no copy bandwidth, and never enters the queue.
 */

#include <linux/ktime.h>
#include <linux/wait.h>

#include "aatts.h"

static void aatts_spare_exit(struct aatts_aside_spare *sp)
{
	unsigned int i;

	if (sp->pages)
		for (i = 0; i < sp->nr_bios * sp->bio_pages; i++)
			if (sp->pages[i])
				__free_page(sp->pages[i]);
	if (sp->bios)
		for (i = 0; i < sp->nr_bios; i++)
			kfree(sp->bios[i]);
	kfree(sp->pages);
	kfree(sp->bios);
	sp->pages = NULL;
	sp->bios = NULL;
}

/*
 * The spare for one read's fills copied aside: AATTS_ASIDE_MAX_SECTORS of
 * pages (512 KiB) and a bio for each block that fits in it (4 of 128 KiB,
 * 128 of 4 KiB), or nothing when a block is larger than that.
 */
static int aatts_spare_init(struct aatts_c *ac)
{
	struct aatts_aside_spare *sp = &ac->mig.spare;
	unsigned int i;

	atomic_set(&sp->users, 0);
	if (ac->block_sectors > AATTS_ASIDE_MAX_SECTORS)
		return 0;
	sp->nr_bios = AATTS_ASIDE_MAX_SECTORS >> ac->block_shift;
	sp->bio_pages = DIV_ROUND_UP(ac->block_sectors << SECTOR_SHIFT,
				     PAGE_SIZE);
	sp->bios = kcalloc(sp->nr_bios, sizeof(*sp->bios), GFP_KERNEL);
	sp->pages = kcalloc(sp->nr_bios * sp->bio_pages, sizeof(*sp->pages),
			    GFP_KERNEL);
	if (!sp->bios || !sp->pages)
		goto nomem;
	for (i = 0; i < sp->nr_bios; i++) {
		sp->bios[i] = bio_kmalloc(sp->bio_pages, GFP_KERNEL);
		if (!sp->bios[i])
			goto nomem;
	}
	for (i = 0; i < sp->nr_bios * sp->bio_pages; i++) {
		sp->pages[i] = alloc_page(GFP_KERNEL);
		if (!sp->pages[i])
			goto nomem;
	}
	return 0;

nomem:
	aatts_spare_exit(sp);
	return -ENOMEM;
}

int aatts_mig_init(struct aatts_c *ac, sector_t max_inflight,
		   sector_t max_bandwidth)
{
	struct aatts_migration *m = &ac->mig;
	unsigned int i;

	INIT_LIST_HEAD(&m->queue);
	INIT_LIST_HEAD(&m->free);
	INIT_LIST_HEAD(&m->parked);
	INIT_LIST_HEAD(&m->park_free);
	for (i = 0; i < AATTS_MAX_PARKED; i++)
		list_add_tail(&m->park[i].list, &m->park_free);
	bio_list_init(&m->unparked);
	init_waitqueue_head(&m->wait);
	m->max_inflight = max_inflight;
	m->max_bandwidth = max_bandwidth;
	m->pool_size = min_t(u32, ac->nr_slots, AATTS_MIG_POOL_MAX);
	m->pool = kvcalloc(m->pool_size, sizeof(*m->pool), GFP_KERNEL);
	if (!m->pool)
		return -ENOMEM;
	if (aatts_spare_init(ac)) {
		kvfree(m->pool);
		m->pool = NULL;
		return -ENOMEM;
	}
	for (i = 0; i < m->pool_size; i++) {
		m->pool[i].ac = ac;
		list_add_tail(&m->pool[i].list, &m->free);
	}
	m->refill_ns = ktime_get_ns();
	m->tokens = max_bandwidth;
	return 0;
}

void aatts_mig_exit(struct aatts_c *ac)
{
	aatts_spare_exit(&ac->mig.spare);
	kvfree(ac->mig.pool);
	ac->mig.pool = NULL;
}

/* Whether a promotion could be started now.  Called with ac->lock held. */
bool aatts_mig_has_room(struct aatts_c *ac)
{
	return !list_empty(&ac->mig.free);
}

/*
 * An entry for a slot the core just reserved, or NULL (the promotion is
 * dropped).  Called with ac->lock held.
 */
static struct aatts_mig *aatts_mig_get(struct aatts_c *ac,
				       const struct aatts_promotion *p)
{
	struct aatts_migration *m = &ac->mig;
	sector_t start = (sector_t)p->block << ac->block_shift;
	struct aatts_mig *e;

	ac->slots[p->slot].gen++;
	e = list_first_entry_or_null(&m->free, struct aatts_mig, list);
	if (!e) {
		aatts_cache_fill_done(ac->cache, p->slot, false);
		m->dropped++;
		return NULL;
	}
	list_del(&e->list);
	e->bio = NULL;
	e->copy = NULL;
	e->spare = false;
	e->block = p->block;
	e->slot = p->slot;
	e->sectors = min_t(sector_t, ac->block_sectors, ac->ti->len - start);
	return e;
}

/* Queues a kcopyd copy into a slot the core just reserved (ac->lock held). */
void aatts_mig_queue(struct aatts_c *ac, const struct aatts_promotion *p)
{
	struct aatts_mig *e = aatts_mig_get(ac, p);

	if (!e)
		return;
	list_add_tail(&e->list, &ac->mig.queue);
	ac->mig.queued++;
}

/*
 * Reserves a fill of a slot from the data of bio, a read miss that covers
 * the block whole: the entry goes on fills, the bio's list, and
 * aatts_mig_fill_done() ends it.  Called with ac->lock held.
 */
void aatts_mig_fill_reserve(struct aatts_c *ac, const struct aatts_promotion *p,
			    struct bio *bio, struct list_head *fills)
{
	struct aatts_mig *e = aatts_mig_get(ac, p);

	if (!e)
		return;
	e->bio = bio;
	/* The read that fills it is on its way. */
	ac->slots[p->slot].copying = 1;
	list_add_tail(&e->list, fills);
}

/*
 * The queued copy into slot if it is among the first within queued, or
 * NULL.  Called with ac->lock held.
 */
static struct aatts_mig *aatts_mig_queued(struct aatts_c *ac, u32 slot,
					  unsigned int within)
{
	struct aatts_mig *e;

	list_for_each_entry(e, &ac->mig.queue, list) {
		if (e->slot == slot)
			return e;
		if (!--within)
			break;
	}
	return NULL;
}

/*
 * A read miss that covers whole the block being filled into slot, while
 * its copy is only queued, takes the copy over: the entry leaves the
 * queue and becomes a fill of the read's data, as if the read had
 * reserved it (one slow-tier read of the block instead of two).  The
 * first AATTS_MIG_ADOPT_SCAN queued entries are looked at.  False if none
 * is the slot's.  Called with ac->lock held.
 */
bool aatts_mig_fill_adopt(struct aatts_c *ac, u32 slot, struct bio *bio,
			  struct list_head *fills)
{
	struct aatts_migration *m = &ac->mig;
	struct aatts_mig *e = aatts_mig_queued(ac, slot, AATTS_MIG_ADOPT_SCAN);

	if (!e)
		return false;
	list_del(&e->list);
	m->queued--;
	m->adopted++;
	e->bio = bio;
	ac->slots[e->slot].copying = 1;
	list_add_tail(&e->list, fills);
	return true;
}

/* Entry e is done with; wakes its waiters.  Called with ac->lock held. */
static void aatts_mig_put(struct aatts_c *ac, struct aatts_mig *e)
{
	list_add(&e->list, &ac->mig.free);
	/*
	 * Woken under the lock: a drain that sees the device idle takes the
	 * lock first, so ac is not touched once it may be freed.
	 */
	wake_up_all(&ac->mig.wait);
}

/*
 * Whether the copy into slot, queued, is among the next
 * AATTS_MIG_PARK_QUEUED to start, with no bandwidth limit to wait for and
 * no suspend coming: then a read of its block may wait for it.  Called
 * with ac->lock held.
 */
static bool aatts_mig_starts_soon(struct aatts_c *ac, u32 slot)
{
	return !ac->quiescing && !ac->suspended && !ac->mig.max_bandwidth &&
	       aatts_mig_queued(ac, slot, AATTS_MIG_PARK_QUEUED);
}

/*
 * Holds bio, a read of the block whose copy into slot is under way or
 * about to start, until the copy ends (aatts_io.c sends it on from
 * unpark_work).  False when the slot's copy is queued behind others or
 * may wait for bandwidth, or AATTS_MAX_PARKED reads are held already: the
 * read goes to the slow tier.  Called with ac->lock held.
 */
bool aatts_mig_park(struct aatts_c *ac, struct bio *bio, u32 slot)
{
	struct aatts_migration *m = &ac->mig;
	struct aatts_park *p;

	if (list_empty(&m->park_free) ||
	    (!ac->slots[slot].copying && !aatts_mig_starts_soon(ac, slot)))
		return false;
	p = list_first_entry(&m->park_free, struct aatts_park, list);
	p->bio = bio;
	p->slot = slot;
	list_move_tail(&p->list, &m->parked);
	m->reads_parked++;
	return true;
}

/*
 * Sends held read p on to unpark_work; the caller then calls
 * aatts_mig_kick_unparked() once.  Called with ac->lock held.
 */
static void aatts_mig_release(struct aatts_c *ac, struct aatts_park *p)
{
	bio_list_add(&ac->mig.unparked, p->bio);
	list_move(&p->list, &ac->mig.park_free);
}

/* Queues unpark_work if reads were released.  Called with ac->lock held. */
static void aatts_mig_kick_unparked(struct aatts_c *ac)
{
	if (!bio_list_empty(&ac->mig.unparked))
		queue_work(ac->wq, &ac->unpark_work);
}

/* The copy into slot ended: its held reads go on.  ac->lock held. */
static void aatts_mig_unpark(struct aatts_c *ac, u32 slot)
{
	struct aatts_park *p, *tmp;

	list_for_each_entry_safe(p, tmp, &ac->mig.parked, list)
		if (p->slot == slot)
			aatts_mig_release(ac, p);
	aatts_mig_kick_unparked(ac);
}

/*
 * Reads held for copies not under way yet go on (to the slow tier): the
 * copies may never start.  Called with ac->lock held.
 */
static void aatts_mig_unpark_unstarted(struct aatts_c *ac)
{
	struct aatts_park *p, *tmp;

	list_for_each_entry_safe(p, tmp, &ac->mig.parked, list)
		if (!ac->slots[p->slot].copying)
			aatts_mig_release(ac, p);
	aatts_mig_kick_unparked(ac);
}

/*
 * The copy into e's slot ended (ok: the slot holds the block): the reads
 * held for it go to unpark_work.  Called with ac->lock held.
 */
static void aatts_mig_settle(struct aatts_c *ac, struct aatts_mig *e, bool ok)
{
	aatts_cache_fill_done(ac->cache, e->slot, ok);
	ac->slots[e->slot].copying = 0;
	aatts_mig_unpark(ac, e->slot);
}

/* A fill from a read ended (ok: the slot holds the block). */
void aatts_mig_fill_done(struct aatts_c *ac, struct aatts_mig *e, bool ok)
{
	unsigned long flags;

	spin_lock_irqsave(&ac->lock, flags);
	aatts_mig_settle(ac, e, ok);
	if (ok) {
		ac->mig.migrated_sectors += e->sectors;
		ac->mig.filled++;
	}
	aatts_mig_put(ac, e);
	spin_unlock_irqrestore(&ac->lock, flags);
}

/*
 * Fills copied aside (aatts_io.c): their reads have completed, so the
 * copies in memory count as copies in flight, against max_inflight, and a
 * drain waits for them.  False, with the cause counted, when the read must
 * wait for its fills instead.  Called in any context.
 */
bool aatts_mig_aside_reserve(struct aatts_c *ac, sector_t sectors,
			     unsigned int nr)
{
	struct aatts_migration *m = &ac->mig;
	enum aatts_aside_fallback why = AATTS_ASIDE_NR;
	unsigned long flags;

	spin_lock_irqsave(&ac->lock, flags);
	if (sectors > AATTS_ASIDE_MAX_SECTORS)
		why = AATTS_ASIDE_TOO_LARGE;
	else if (ac->suspended)
		why = AATTS_ASIDE_SUSPENDED;
	else if (m->inflight + sectors > m->max_inflight)
		why = AATTS_ASIDE_LIMIT;
	if (why == AATTS_ASIDE_NR) {
		m->inflight += sectors;
		m->inflight_jobs += nr;
	} else {
		m->aside_fallbacks[why]++;
	}
	spin_unlock_irqrestore(&ac->lock, flags);
	return why == AATTS_ASIDE_NR;
}

/* Memory for the copies failed, the spare too: the read waits after all. */
void aatts_mig_aside_unreserve(struct aatts_c *ac, sector_t sectors,
			       unsigned int nr)
{
	unsigned long flags;

	spin_lock_irqsave(&ac->lock, flags);
	ac->mig.inflight -= sectors;
	ac->mig.inflight_jobs -= nr;
	ac->mig.aside_fallbacks[AATTS_ASIDE_NOMEM]++;
	/* A drain waits under this lock for the device to go idle. */
	wake_up_all(&ac->mig.wait);
	spin_unlock_irqrestore(&ac->lock, flags);
}

/* A read waits for its fills by choice: they cost no more than a copy. */
void aatts_mig_aside_skip(struct aatts_c *ac)
{
	unsigned long flags;

	spin_lock_irqsave(&ac->lock, flags);
	ac->mig.aside_fallbacks[AATTS_ASIDE_FAST_WRITES]++;
	spin_unlock_irqrestore(&ac->lock, flags);
}

/* One fill copied aside was written (ok) or given up. */
void aatts_mig_aside_done(struct aatts_c *ac, struct aatts_mig *e, bool ok)
{
	struct aatts_migration *m = &ac->mig;
	unsigned long flags;

	spin_lock_irqsave(&ac->lock, flags);
	aatts_mig_settle(ac, e, ok);
	if (ok) {
		m->migrated_sectors += e->sectors;
		m->filled++;
	}
	m->aside++;
	if (e->spare)
		m->aside_spare++;
	m->inflight -= e->sectors;
	m->inflight_jobs--;
	aatts_mig_put(ac, e);
	spin_unlock_irqrestore(&ac->lock, flags);
}

/* Tops up the bandwidth bucket; at most one second's worth is kept. */
void aatts_mig_refill(struct aatts_c *ac, u64 now_ns)
{
	struct aatts_migration *m = &ac->mig;
	/* More than a second refills the bucket whole: no overflow after idling. */
	u64 elapsed = min_t(u64, now_ns - m->refill_ns, NSEC_PER_SEC);

	m->refill_ns = now_ns;
	if (!m->max_bandwidth)
		return;
	m->tokens += div_u64(elapsed * m->max_bandwidth, NSEC_PER_SEC);
	m->tokens = min_t(s64, m->tokens, m->max_bandwidth);
}

/* A copy ended: every promotion of its run succeeded or failed with it. */
static void aatts_mig_done(int read_err, unsigned long write_err, void *ctx)
{
	struct aatts_mig *e = ctx, *next;
	struct aatts_c *ac = e->ac;
	struct aatts_migration *m = &ac->mig;
	bool ok = !read_err && !write_err;

	if (write_err)
		aatts_fast_error(ac);

	spin_lock_irq(&ac->lock);
	for (; e; e = next) {
		next = e->run;
		aatts_mig_settle(ac, e, ok);
		if (ok)
			m->migrated_sectors += e->sectors;
		m->inflight -= e->sectors;
		m->inflight_jobs--;
		/* The entry freed may also be what a promoter waits for. */
		aatts_mig_put(ac, e);
	}
	if (!ac->suspended && m->queued)
		queue_delayed_work(ac->wq, &ac->mig_work, 0);
	spin_unlock_irq(&ac->lock);
	/* ac may be gone once a drain sees it idle: touch nothing of it. */
}

void aatts_mig_wake(struct aatts_c *ac)
{
	wake_up_all(&ac->mig.wait);
}

/*
 * presuspend (quiesce) and presuspend_undo or resume: long control
 * operations stop and return while the device is going to suspend, since
 * device-mapper's suspend waits for a message in progress.  Reads waiting
 * for a copy still queued go on (to the slow tier): a suspending device
 * may never start it, and device-mapper's suspend waits for the reads.
 */
void aatts_mig_quiesce(struct aatts_c *ac, bool quiesce)
{
	spin_lock_irq(&ac->lock);
	ac->quiescing = quiesce;
	if (quiesce)
		aatts_mig_unpark_unstarted(ac);
	wake_up_all(&ac->mig.wait);
	spin_unlock_irq(&ac->lock);
}

/* Whether a promoter should stop waiting for a free migration entry. */
static bool aatts_mig_room(struct aatts_c *ac)
{
	bool room;

	spin_lock_irq(&ac->lock);
	room = !list_empty(&ac->mig.free) || ac->suspended || ac->quiescing;
	spin_unlock_irq(&ac->lock);
	return room || READ_ONCE(ac->dying);
}

/*
 * Waits, in process context, until a migration entry is free, so that a
 * long promote or prefetch does not reserve slots (evicting their blocks)
 * only to drop the copies for want of a queue entry.  0: room; -EAGAIN:
 * the device is suspending or suspended (device-mapper's suspend waits
 * for the message that waits here); -ENODEV: it is
 * being removed; -EINTR: a fatal signal.
 */
int aatts_mig_wait_room(struct aatts_c *ac)
{
	queue_delayed_work(ac->wq, &ac->mig_work, 0);
	if (wait_event_killable(ac->mig.wait, aatts_mig_room(ac)))
		return -EINTR;
	if (READ_ONCE(ac->dying))
		return -ENODEV;
	return READ_ONCE(ac->suspended) || READ_ONCE(ac->quiescing) ?
	       -EAGAIN : 0;
}

static bool aatts_mig_idle(struct aatts_c *ac)
{
	bool idle;

	spin_lock_irq(&ac->lock);
	/*
	 * Fills copied aside count here; the other fills need no wait: their
	 * reads are in flight, which dm waits for.
	 */
	idle = !ac->mig.inflight_jobs;
	spin_unlock_irq(&ac->lock);
	return idle;
}

/* The first queued promotion whose slot is idle, within a short scan. */
static struct aatts_mig *aatts_mig_next(struct aatts_c *ac)
{
	struct aatts_mig *e;
	unsigned int scanned = 0;

	/*
	 * The slots' blocks were unmapped before (under the lock): a reader
	 * that pinned one without the lock either shows in inflight here or
	 * sees the map changed and lets go (aatts_map_read_peek()).
	 */
	smp_mb();
	list_for_each_entry(e, &ac->mig.queue, list) {
		if (!atomic_read(&ac->slots[e->slot].inflight))
			return e;
		if (++scanned == 64)
			break;
	}
	return NULL;
}

/* Drops every queued promotion.  Called with ac->lock held. */
static void aatts_mig_drop_queued(struct aatts_c *ac)
{
	struct aatts_migration *m = &ac->mig;
	struct aatts_mig *e, *tmp;

	list_for_each_entry_safe(e, tmp, &m->queue, list) {
		list_del(&e->list);
		aatts_mig_settle(ac, e, false);
		aatts_mig_put(ac, e);
	}
	m->queued = 0;
}

/*
 * Queued promotions right after e that continue its copy, the next block
 * into the next slot, join it: one copy of up to AATTS_MIG_RUN_MAX blocks
 * and at most budget sectors (a promoted range, or a sequential read,
 * reserves consecutive slots while the free list or the evictions run in
 * order).  They are taken off the queue and linked through run; returns
 * the sectors of the whole copy.  Called with ac->lock held, after the
 * barrier of aatts_mig_next().
 */
static sector_t aatts_mig_extend(struct aatts_c *ac, struct aatts_mig *e,
				 sector_t budget)
{
	struct aatts_migration *m = &ac->mig;
	struct aatts_mig *last = e, *f;
	sector_t sectors = e->sectors;
	unsigned int n = 1;

	e->run = NULL;
	while (n < AATTS_MIG_RUN_MAX && !list_is_last(&last->list, &m->queue)) {
		f = list_next_entry(last, list);
		if (f->block != last->block + 1 || f->slot != last->slot + 1 ||
		    last->sectors != ac->block_sectors ||
		    sectors + f->sectors > budget ||
		    atomic_read(&ac->slots[f->slot].inflight))
			break;
		last->run = f;
		f->run = NULL;
		sectors += f->sectors;
		last = f;
		n++;
	}
	for (f = e; f; f = f->run) {
		list_del(&f->list);
		m->queued--;
		ac->slots[f->slot].copying = 1;
	}
	m->inflight += sectors;
	m->inflight_jobs += n;
	m->copies++;
	if (m->max_bandwidth)
		m->tokens -= sectors;
	return sectors;
}

/*
 * Starts queued promotions while the limits allow.  Returns the delay in
 * jiffies after which to try again for want of bandwidth, or 0.
 */
static unsigned long aatts_mig_start(struct aatts_c *ac)
{
	struct aatts_migration *m = &ac->mig;
	struct dm_io_region from, to;
	unsigned long delay = 0;
	sector_t budget, sectors;
	struct aatts_mig *e;

	for (;;) {
		spin_lock_irq(&ac->lock);
		if (ac->suspended || !m->queued) {
			spin_unlock_irq(&ac->lock);
			break;
		}
		if (ac->state != AATTS_STATE_RUNNING) {
			/* The fast tier is out of service: copy nothing to it. */
			aatts_mig_drop_queued(ac);
			spin_unlock_irq(&ac->lock);
			break;
		}
		aatts_mig_refill(ac, ktime_get_ns());
		e = aatts_mig_next(ac);
		if (!e || m->inflight + e->sectors > m->max_inflight) {
			spin_unlock_irq(&ac->lock);
			break;
		}
		if (m->max_bandwidth && m->tokens < (s64)e->sectors) {
			u64 need = e->sectors - m->tokens;

			delay = max_t(unsigned long, 1,
				      div_u64(need * HZ, m->max_bandwidth));
			spin_unlock_irq(&ac->lock);
			break;
		}
		budget = m->max_inflight - m->inflight;
		if (m->max_bandwidth)
			budget = min_t(sector_t, budget, m->tokens);
		sectors = aatts_mig_extend(ac, e, budget);
		spin_unlock_irq(&ac->lock);

		from.bdev = ac->slow->bdev;
		from.sector = (sector_t)e->block << ac->block_shift;
		from.count = sectors;
		to.bdev = ac->fast->bdev;
		to.sector = aatts_slot_sector(ac, e->slot);
		to.count = sectors;
		dm_kcopyd_copy(ac->kc, &from, 1, &to, 0, aatts_mig_done, e);
	}
	return delay;
}

void aatts_mig_work(struct work_struct *work)
{
	struct aatts_c *ac = container_of(to_delayed_work(work),
					  struct aatts_c, mig_work);
	unsigned long delay = aatts_mig_start(ac);

	if (delay)
		queue_delayed_work(ac->wq, &ac->mig_work, delay);
}

/*
 * For suspend and destruction: no new copies start, queued promotions are
 * dropped and the copies in flight are waited for.
 */
void aatts_mig_drain(struct aatts_c *ac)
{
	spin_lock_irq(&ac->lock);
	ac->suspended = true;
	aatts_mig_drop_queued(ac);
	/* A promoter waiting for room sees the device suspended. */
	wake_up_all(&ac->mig.wait);
	spin_unlock_irq(&ac->lock);

	cancel_delayed_work_sync(&ac->mig_work);
	wait_event(ac->mig.wait, aatts_mig_idle(ac));
}
