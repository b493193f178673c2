// SPDX-License-Identifier: GPL-2.0-only
/*
 * aatts I/O path.  Reads hit the fast tier or go to the slow tier; a read
 * miss may promote its blocks, and when it covers them whole it fills
 * their slots from its own data before it completes (one slow-tier read
 * per miss).  Writes go to the slow tier and, at the same time, a clone
 * updates a resident copy.  The fast tier never holds the only copy of
 * anything.
 *
 * Races, and how they are closed:
 *  - A promotion copies (or fills) a block while a write to it is in
 *    flight: the write marks a FILLING copy stale when it is mapped, and
 *    drops any copy of its blocks when it completes, unless it updated the
 *    very same VALID copy (same slot, same generation) it hit at map time.
 *  - The same for discards and write-zeroes: when the slow tier has
 *    completed one, every copy of its range is dropped (in bounded steps,
 *    from the worker) before the bio completes; a copy read from the slow
 *    tier before the change is stale or dropped, one read after it is new.
 *  - Two writes to one resident block: only one write-through update per
 *    slot is in flight; a second write drops the copy instead.
 *  - A slot is evicted and refilled while a read or an update of its old
 *    block is in flight: a copy waits, and a fill gives up, until no I/O to
 *    the slot is in flight (aatts_slot_io.inflight).
 *  - A bio that the lower queue split (bio_chain) is resubmitted only after
 *    it is restored whole, its remaining count included; the fast legs of
 *    writes and fills are clones, never a second use of the bio.
 * Fast-tier errors never reach the caller: reads are retried from the slow
 * tier, failed updates and fills drop the copy.  Slow-tier errors pass up
 * unchanged and drop the copies of the blocks they touched.
 *
 * A bio may span several blocks.  It is trimmed (dm_accept_partial_bio())
 * to the longest run of its first blocks that all miss, or all hit in
 * consecutive slots; the device-mapper core sends the rest again.
 */

#include "aatts.h"

enum aatts_bio_kind {
	AATTS_BIO_PASS,		/* to the slow tier, nothing to do after */
	AATTS_BIO_MISS_READ,	/* read miss; fills slots from its data after */
	AATTS_BIO_FAST_READ,	/* read hit on the fast tier */
	AATTS_BIO_RETRY_SLOW,	/* a failed fast read, again on the slow tier */
	AATTS_BIO_WRITE,	/* write: slow tier, and maybe a fast clone */
	AATTS_BIO_CHANGE,	/* discard or write-zeroes */
	AATTS_BIO_FLUSH_FAST,	/* the fast tier's flush */
	AATTS_BIO_HELD,		/* held by the worker, ended by it */
};

struct aatts_bio {
	struct bvec_iter iter;	/* as mapped, for resubmission and fills */
	int remaining;		/* __bi_remaining as mapped */
	unsigned short bi_flags;
	u8 kind;
	blk_status_t fast_status;	/* the write-through clone's */
	sector_t sector;	/* target-relative start */
	u64 block;		/* the first block */
	u32 nr;			/* blocks spanned */
	u32 slot;		/* the first slot of a hit or update */
	u32 gen;
	atomic_t pending;	/* fills in flight, plus one while starting */
	struct list_head fills;	/* struct aatts_mig: slots to fill */
	struct aatts_c *ac;	/* for work */
	struct work_struct work;	/* what end_io handed to the worker */
};

size_t aatts_per_bio_size(void)
{
	return sizeof(struct aatts_bio);
}

static struct aatts_bio *aatts_bio(struct bio *bio)
{
	return dm_per_bio_data(bio, sizeof(struct aatts_bio));
}

static void aatts_remap(struct bio *bio, struct dm_dev *dev, sector_t sector)
{
	bio_set_dev(bio, dev->bdev);
	bio->bi_iter.bi_sector = sector;
}

static sector_t aatts_fast_sector(struct aatts_c *ac, struct aatts_bio *ab)
{
	return aatts_slot_sector(ac, ab->slot) +
	       (ab->sector & (ac->block_sectors - 1));
}

/* What dm_bio_record() keeps: a bio sent again must look as when mapped. */
static void aatts_bio_record(struct aatts_bio *ab, struct bio *bio)
{
	ab->iter = bio->bi_iter;
	ab->bi_flags = bio->bi_flags;
	ab->remaining = atomic_read(&bio->__bi_remaining);
}

static void aatts_bio_restore(struct aatts_bio *ab, struct bio *bio)
{
	bio->bi_iter = ab->iter;
	bio->bi_flags = ab->bi_flags;
	atomic_set(&bio->__bi_remaining, ab->remaining);
	bio->bi_status = BLK_STS_OK;
}

static void aatts_bio_work(struct work_struct *work);

/*
 * Hands a completed bio to the worker; it ends or resubmits it.  Each bio
 * is a work item of its own on an unbound workqueue, so that fills run on
 * every CPU at once: into a RAM disk or pmem a fill is a copy made in
 * the submitter's context.
 */
static int aatts_defer(struct aatts_c *ac, struct bio *bio, u8 kind)
{
	struct aatts_bio *ab = aatts_bio(bio);

	ab->kind = kind;
	ab->ac = ac;
	INIT_WORK(&ab->work, aatts_bio_work);
	queue_work(ac->wq, &ab->work);
	return DM_ENDIO_INCOMPLETE;
}

/* Ends a bio the worker held: its end_io sees AATTS_BIO_HELD and passes. */
static void aatts_bio_release(struct bio *bio)
{
	aatts_bio(bio)->kind = AATTS_BIO_HELD;
	bio_endio(bio);
}

static bool aatts_running(struct aatts_c *ac)
{
	return READ_ONCE(ac->state) == AATTS_STATE_RUNNING;
}

/* The last I/O to a slot lets a promotion waiting for it go. */
static void aatts_slot_put(struct aatts_c *ac, u32 slot)
{
	if (atomic_dec_and_test(&ac->slots[slot].inflight) &&
	    READ_ONCE(ac->mig.queued))
		queue_delayed_work(ac->wq, &ac->mig_work, 0);
}

/* ------------------------------------------------------------------ */
/* Fills: a read miss's data written into the slots reserved for it     */

static void aatts_fill_put(struct aatts_bio *ab, struct bio *bio)
{
	if (atomic_dec_and_test(&ab->pending))
		aatts_bio_release(bio);
}

/*
 * Folds a sample into a moving average of weight 1/8; the first sample is
 * taken whole.  Without a lock: two racing updates lose one sample.
 */
static void aatts_ewma(u64 *avg, u64 sample)
{
	u64 a = READ_ONCE(*avg);

	sample = max_t(u64, sample, 1);
	WRITE_ONCE(*avg, a ? a - (a >> 3) + (sample >> 3) : sample);
}

/*
 * Stamps a read's fills as handed over: their writes are timed from here
 * (fill_write_ns), worker included, which is what a read that waits for
 * its fills waits beyond the slow tier, whichever way they go.
 */
static void aatts_fills_stamp(struct aatts_bio *ab)
{
	u64 now = ktime_get_ns();
	struct aatts_mig *e;

	list_for_each_entry(e, &ab->fills, list)
		e->start_ns = now;
}

static void aatts_fill_endio(struct bio *clone)
{
	struct aatts_mig *e = clone->bi_private;
	struct aatts_c *ac = e->ac;
	struct bio *bio = e->bio;
	bool ok = !clone->bi_status;

	bio_put(clone);
	if (ok)
		aatts_ewma(&ac->fill_write_ns, ktime_get_ns() - e->start_ns);
	else
		aatts_fast_error(ac);
	aatts_mig_fill_done(ac, e, ok);
	aatts_fill_put(aatts_bio(bio), bio);
}

/*
 * Writes the data a read miss brought into the slots reserved for its
 * blocks; the read completes when the last fill has.  A slot that still
 * has I/O to its previous block in flight is given up, as are all when
 * the fast tier is out of service.
 */
static void aatts_fill_start(struct aatts_c *ac, struct bio *bio)
{
	struct aatts_bio *ab = aatts_bio(bio);
	struct aatts_mig *e, *tmp;
	struct bio *clone;
	sector_t offset;

	atomic_set(&ab->pending, 1);
	/* Pairs with the lockless hit path's barrier: see its pin. */
	smp_mb();
	list_for_each_entry_safe(e, tmp, &ab->fills, list) {
		list_del(&e->list);
		if (!aatts_running(ac) ||
		    atomic_read(&ac->slots[e->slot].inflight)) {
			aatts_mig_fill_done(ac, e, false);
			continue;
		}
		clone = bio_alloc_clone(ac->fast->bdev, bio, GFP_NOIO, &ac->bs);
		clone->bi_opf = REQ_OP_WRITE | REQ_SYNC;
		clone->bi_iter = ab->iter;
		offset = ((sector_t)e->block << ac->block_shift) - ab->sector;
		bio_advance_iter(clone, &clone->bi_iter, offset << SECTOR_SHIFT);
		clone->bi_iter.bi_size = e->sectors << SECTOR_SHIFT;
		clone->bi_iter.bi_sector = aatts_slot_sector(ac, e->slot);
		clone->bi_end_io = aatts_fill_endio;
		clone->bi_private = e;
		atomic_inc(&ab->pending);
		submit_bio_noacct(clone);
	}
	aatts_fill_put(ab, bio);
}

/* ------------------------------------------------------------------ */
/* Fills copied aside: the read completes first                         */

/*
 * For tests: while set, the GFP_NOWAIT allocations of fills copied aside
 * fail, as when memory is short, so that the spare is used.
 */
static bool aatts_test_aside_nomem;
module_param_named(test_aside_nomem, aatts_test_aside_nomem, bool, 0600);
MODULE_PARM_DESC(test_aside_nomem,
		 "testing only: fills copied aside find no memory (they use the spare)");

/* Frees a bio of aatts_copy_alloc() and its pages. */
static void aatts_copy_put(struct bio *copy)
{
	struct bio_vec *bv;
	struct bvec_iter_all iter;

	bio_for_each_segment_all(bv, copy, iter)
		__free_page(bv->bv_page);
	bio_uninit(copy);
	kfree(copy);
}

/* Frees e's copy; a copy in the spare gives its share back. */
static void aatts_copy_free(struct aatts_c *ac, struct aatts_mig *e)
{
	struct bio *copy = e->copy;

	e->copy = NULL;
	if (!e->spare) {
		aatts_copy_put(copy);
		return;
	}
	bio_uninit(copy);
	/* Its pages are done with before another read takes them. */
	smp_mb__before_atomic();
	atomic_dec(&ac->mig.spare.users);
}

/* A bio of nr pages from the allocator, without sleeping; NULL if short. */
static struct bio *aatts_copy_alloc(struct aatts_c *ac, unsigned int bytes)
{
	unsigned int nr = DIV_ROUND_UP(bytes, PAGE_SIZE), len;
	struct bio *copy;
	struct page *page;

	if (READ_ONCE(aatts_test_aside_nomem))
		return NULL;
	copy = bio_kmalloc(nr, GFP_NOWAIT | __GFP_NOWARN);
	if (!copy)
		return NULL;
	bio_init(copy, ac->fast->bdev, copy->bi_inline_vecs, nr,
		 REQ_OP_WRITE | REQ_SYNC);
	for (; bytes; bytes -= len) {
		len = min_t(unsigned int, bytes, PAGE_SIZE);
		page = alloc_page(GFP_NOWAIT | __GFP_NOWARN);
		if (!page) {
			aatts_copy_put(copy);
			return NULL;
		}
		__bio_add_page(copy, page, len, 0);
	}
	return copy;
}

/* Share i of the spare, which the caller holds, as a bio of bytes. */
static struct bio *aatts_copy_spare(struct aatts_c *ac, unsigned int bytes,
				    unsigned int i)
{
	struct aatts_aside_spare *sp = &ac->mig.spare;
	struct bio *copy = sp->bios[i];
	struct page **page = &sp->pages[i * sp->bio_pages];
	unsigned int len;

	bio_init(copy, ac->fast->bdev, copy->bi_inline_vecs, sp->bio_pages,
		 REQ_OP_WRITE | REQ_SYNC);
	for (; bytes; bytes -= len) {
		len = min_t(unsigned int, bytes, PAGE_SIZE);
		__bio_add_page(copy, *page++, len, 0);
	}
	return copy;
}

/*
 * A write of a block's data, copied out of the read into pages of its
 * own, in the completion's context: nothing may sleep.  The pages come
 * from the allocator, or share spare of the spare (spare >= 0).  NULL when
 * memory is short.
 */
static struct bio *aatts_copy_block(struct aatts_c *ac, struct bio *bio,
				    struct aatts_bio *ab, struct aatts_mig *e,
				    int spare)
{
	unsigned int bytes = e->sectors << SECTOR_SHIFT;
	struct bvec_iter src = ab->iter, dst;
	struct bio *copy;

	if (spare >= 0)
		copy = aatts_copy_spare(ac, bytes, spare);
	else
		copy = aatts_copy_alloc(ac, bytes);
	if (!copy)
		return NULL;
	e->spare = spare >= 0;
	bio_advance_iter(bio, &src, (((sector_t)e->block << ac->block_shift) -
				     ab->sector) << SECTOR_SHIFT);
	src.bi_size = bytes;
	dst = copy->bi_iter;
	bio_copy_data_iter(copy, &dst, bio, &src);
	copy->bi_iter.bi_sector = aatts_slot_sector(ac, e->slot);
	return copy;
}

/*
 * Copies every fill of the read aside, from the allocator or (spare) from
 * the device's spare, taken whole for this read if it is free.  All or
 * nothing.
 */
static bool aatts_copy_fills(struct aatts_c *ac, struct bio *bio,
			     struct aatts_bio *ab, unsigned int nr, bool spare)
{
	struct aatts_aside_spare *sp = &ac->mig.spare;
	struct aatts_mig *e;
	int i = 0;

	if (spare && (nr > sp->nr_bios || atomic_cmpxchg(&sp->users, 0, nr)))
		return false;
	list_for_each_entry(e, &ab->fills, list) {
		e->copy = aatts_copy_block(ac, bio, ab, e, spare ? i++ : -1);
		if (!e->copy)
			goto undo;
	}
	return true;

undo:
	/* Only allocated copies fail: the spare's cannot. */
	list_for_each_entry(e, &ab->fills, list) {
		if (!e->copy)
			break;
		aatts_copy_free(ac, e);
	}
	return false;
}

/*
 * Copies the data of a completed read miss aside for its fills, so that
 * the read completes at once rather than after a worker and a fast-tier
 * write.  The copies count against migration_inflight (at most that much
 * memory) and are written by the fill worker.  When a GFP_NOWAIT
 * allocation fails, the device's spare holds one read's copies.  False
 * when the limit forbids, or memory and the spare are short: the read
 * then waits for its fills (aatts_fill_start()); the cause is counted.
 */
static bool aatts_fill_aside(struct aatts_c *ac, struct bio *bio,
			     struct aatts_bio *ab)
{
	struct aatts_mig *e;
	sector_t sectors = 0;
	unsigned long flags;
	unsigned int nr = 0;
	u64 start;

	list_for_each_entry(e, &ab->fills, list) {
		sectors += e->sectors;
		nr++;
	}
	if (!aatts_mig_aside_reserve(ac, sectors, nr))
		return false;
	start = ktime_get_ns();
	if (!aatts_copy_fills(ac, bio, ab, nr, false) &&
	    !aatts_copy_fills(ac, bio, ab, nr, true)) {
		aatts_mig_aside_unreserve(ac, sectors, nr);
		return false;
	}
	aatts_ewma(&ac->fill_copy_ns, div_u64(ktime_get_ns() - start, nr));
	aatts_fills_stamp(ab);
	spin_lock_irqsave(&ac->lock, flags);
	list_splice_tail_init(&ab->fills, &ac->fills_aside);
	spin_unlock_irqrestore(&ac->lock, flags);
	queue_work(ac->wq, &ac->fill_work);
	return true;
}

static void aatts_fill_aside_endio(struct bio *copy)
{
	struct aatts_mig *e = copy->bi_private;
	struct aatts_c *ac = e->ac;
	bool ok = !copy->bi_status;

	aatts_copy_free(ac, e);
	if (ok)
		aatts_ewma(&ac->fill_write_ns, ktime_get_ns() - e->start_ns);
	else
		aatts_fast_error(ac);
	aatts_mig_aside_done(ac, e, ok);
}

/*
 * Writes the fills copied aside.  As for the fills of a held read, a slot
 * whose previous block still has I/O in flight is given up, as are all
 * while the fast tier is out of service.
 */
void aatts_fill_work(struct work_struct *work)
{
	struct aatts_c *ac = container_of(work, struct aatts_c, fill_work);
	struct aatts_mig *e, *tmp;
	LIST_HEAD(fills);
	struct bio *copy;

	spin_lock_irq(&ac->lock);
	list_splice_init(&ac->fills_aside, &fills);
	spin_unlock_irq(&ac->lock);
	/* Pairs with the lockless hit path's barrier: see its pin. */
	smp_mb();
	list_for_each_entry_safe(e, tmp, &fills, list) {
		list_del(&e->list);
		copy = e->copy;
		if (!aatts_running(ac) ||
		    atomic_read(&ac->slots[e->slot].inflight)) {
			aatts_copy_free(ac, e);
			aatts_mig_aside_done(ac, e, false);
			continue;
		}
		copy->bi_end_io = aatts_fill_aside_endio;
		copy->bi_private = e;
		submit_bio_noacct(copy);
	}
}

/* Gives up the fills of a read that failed or never reached the worker. */
static void aatts_fill_cancel(struct aatts_c *ac, struct aatts_bio *ab)
{
	struct aatts_mig *e, *tmp;

	list_for_each_entry_safe(e, tmp, &ab->fills, list) {
		list_del(&e->list);
		aatts_mig_fill_done(ac, e, false);
	}
}

/* ------------------------------------------------------------------ */
/* Discards and write-zeroes                                            */

/*
 * Drops every copy of the blocks a completed discard or write-zeroes
 * changed, in bounded steps with the lock dropped between them, then ends
 * the bio.
 */
static void aatts_change_done(struct aatts_c *ac, struct bio *bio)
{
	struct aatts_bio *ab = aatts_bio(bio);
	u64 last = aatts_block_of(ac, ab->sector + (ab->iter.bi_size >>
						      SECTOR_SHIFT) - 1);
	struct aatts_walk w;
	bool done;

	aatts_walk_invalidate(ac->cache, &w, ab->block, last);
	do {
		spin_lock_irq(&ac->lock);
		done = aatts_cache_walk(ac->cache, &w, AATTS_STEP_BUDGET);
		spin_unlock_irq(&ac->lock);
		cond_resched();
	} while (!done);
	aatts_bio_release(bio);
}

static void aatts_bio_work(struct work_struct *work)
{
	struct aatts_bio *ab = container_of(work, struct aatts_bio, work);
	struct bio *bio = dm_bio_from_per_bio_data(ab, sizeof(*ab));
	struct aatts_c *ac = ab->ac;

	switch (ab->kind) {
	case AATTS_BIO_MISS_READ:
		aatts_fill_start(ac, bio);
		break;
	case AATTS_BIO_CHANGE:
		aatts_change_done(ac, bio);
		break;
	case AATTS_BIO_RETRY_SLOW:
		aatts_bio_restore(ab, bio);
		aatts_remap(bio, ac->slow, ab->sector);
		submit_bio_noacct(bio);
		break;
	}
}

/* ------------------------------------------------------------------ */
/* Read hits without the device lock                                    */

/* aatts_map_read_locked(): the read waits for a copy (never a slot). */
#define AATTS_PARKED		((u32)~1U)

int aatts_hits_init(struct aatts_c *ac)
{
	int cpu;

	ac->hits = alloc_percpu(struct aatts_hits);
	if (!ac->hits)
		return -ENOMEM;
	for_each_possible_cpu(cpu)
		spin_lock_init(&per_cpu_ptr(ac->hits, cpu)->lock);
	return 0;
}

void aatts_hits_exit(struct aatts_c *ac)
{
	free_percpu(ac->hits);
}

/* Moves the *nr hits of from_slot/from_block into slot/block; returns them. */
static u32 aatts_hits_move(u32 *nr, const u32 *from_slot,
			   const u64 *from_block, u32 *slot, u64 *block)
{
	u32 n = *nr;

	memcpy(slot, from_slot, n * sizeof(*slot));
	memcpy(block, from_block, n * sizeof(*block));
	*nr = 0;
	return n;
}

/* Takes h's hits into the arrays given; returns how many.  h->lock held. */
static u32 aatts_hits_take(struct aatts_hits *h, u32 *slot, u64 *block)
{
	return aatts_hits_move(&h->nr, h->slot, h->block, slot, block);
}

/* Takes h's full batch, if it has one.  h->lock held. */
static u32 aatts_hits_take_full(struct aatts_hits *h, u32 *slot, u64 *block)
{
	return aatts_hits_move(&h->nr_full, h->full_slot, h->full_block,
			       slot, block);
}

static void aatts_hits_apply(struct aatts_c *ac, const u32 *slot,
			     const u64 *block, u32 n)
{
	unsigned long flags;

	if (!n)
		return;
	spin_lock_irqsave(&ac->lock, flags);
	aatts_cache_read_hits(ac->cache, slot, block, n);
	spin_unlock_irqrestore(&ac->lock, flags);
}

/*
 * Replays the default policy's deferred shadow reads, AATTS_HIT_BATCH per
 * lock hold, at most as many as a full ring holds.
 */
static void aatts_shadows_replay(struct aatts_c *ac)
{
	u32 steps = AATTS_MINI_DEFER / AATTS_HIT_BATCH;
	bool done;

	do {
		spin_lock_irq(&ac->lock);
		done = aatts_cache_shadows_step(ac->cache, AATTS_HIT_BATCH);
		spin_unlock_irq(&ac->lock);
	} while (!done && --steps);
}

/*
 * Applies every CPU's pending hits, each CPU's full batch before the
 * hits that followed it, and replays the shadow reads waiting: for
 * counters, the policy's order and its mode.
 */
void aatts_hits_flush(struct aatts_c *ac)
{
	u64 block[2 * AATTS_HIT_BATCH];
	u32 slot[2 * AATTS_HIT_BATCH];
	struct aatts_hits *h;
	unsigned long flags;
	int cpu;
	u32 n;

	for_each_possible_cpu(cpu) {
		h = per_cpu_ptr(ac->hits, cpu);
		spin_lock_irqsave(&h->lock, flags);
		n = aatts_hits_take_full(h, slot, block);
		n += aatts_hits_take(h, slot + n, block + n);
		spin_unlock_irqrestore(&h->lock, flags);
		aatts_hits_apply(ac, slot, block, n);
	}
	aatts_shadows_replay(ac);
}

/*
 * Applies the full batches and replays the shadow reads waiting, off the
 * CPUs that read: a reader at queue depth one then waits for its I/O
 * only, not for the policy's work.
 */
void aatts_hits_work(struct work_struct *work)
{
	struct aatts_c *ac = container_of(work, struct aatts_c, hits_work);
	u64 block[AATTS_HIT_BATCH];
	u32 slot[AATTS_HIT_BATCH];
	struct aatts_hits *h;
	int cpu;
	u32 n;

	for_each_possible_cpu(cpu) {
		h = per_cpu_ptr(ac->hits, cpu);
		spin_lock_irq(&h->lock);
		n = aatts_hits_take_full(h, slot, block);
		spin_unlock_irq(&h->lock);
		aatts_hits_apply(ac, slot, block, n);
	}
	aatts_shadows_replay(ac);
}

/*
 * Applies h's batch, which just filled, in place if the device lock is
 * free and no older batch waits (one lock hold of AATTS_HIT_BATCH hits,
 * as the worker's); returns whether it did.  Whether the shadows then
 * have a batch of reads to replay goes in *replay.  h->lock held.
 */
static bool aatts_hits_apply_here(struct aatts_c *ac, struct aatts_hits *h,
				  bool *replay)
{
	if (h->nr_full || !spin_trylock(&ac->lock))
		return false;
	aatts_cache_read_hits(ac->cache, h->slot, h->block, h->nr);
	*replay = aatts_cache_shadows_pending(ac->cache) >= AATTS_HIT_BATCH;
	spin_unlock(&ac->lock);
	h->nr = 0;
	return true;
}

/*
 * If *replay, replays a batch of shadow reads here when the device lock
 * is free, in a lock hold of its own, and clears *replay.  Interrupts off.
 */
static void aatts_shadows_replay_here(struct aatts_c *ac, bool *replay)
{
	if (!*replay || !spin_trylock(&ac->lock))
		return;
	aatts_cache_shadows_step(ac->cache, AATTS_HIT_BATCH);
	spin_unlock(&ac->lock);
	*replay = false;
}

/*
 * Records the hit that fills this CPU's batch h, whose lock the caller
 * holds (and the CPU): both are released here.  The full batch is applied
 * here when the device lock is free; else it goes to the worker, and while
 * the worker has yet to take the one before, this CPU applies the older
 * one itself, so that no more than two batches wait.  Out of line: the
 * arrays stay off the common path's stack.
 */
static noinline void aatts_hits_add_last(struct aatts_c *ac,
					 struct aatts_hits *h,
					 unsigned long flags, u64 block,
					 u32 slot)
	__releases(&h->lock)
{
	u64 old_block[AATTS_HIT_BATCH];
	u32 old_slot[AATTS_HIT_BATCH];
	bool kick = false, replay = false;
	u32 n = 0;

	h->slot[h->nr] = slot;
	h->block[h->nr++] = block;
	if (!aatts_hits_apply_here(ac, h, &replay)) {
		n = aatts_hits_take_full(h, old_slot, old_block);
		h->nr_full = aatts_hits_move(&h->nr, h->slot, h->block,
					     h->full_slot, h->full_block);
		kick = !n;
	}
	aatts_shadows_replay_here(ac, &replay);
	kick |= replay;
	spin_unlock_irqrestore(&h->lock, flags);
	put_cpu_ptr(ac->hits);
	aatts_hits_apply(ac, old_slot, old_block, n);
	if (kick)
		queue_work(ac->wq, &ac->hits_work);
}

/*
 * Records nr hits from block on in slots from slot on, in this CPU's
 * batch; the hit that fills it goes to aatts_hits_add_last(), which
 * releases the lock and the CPU.
 */
static void aatts_hits_add(struct aatts_c *ac, u64 block, u32 slot, u32 nr)
{
	struct aatts_hits *h;
	unsigned long flags;
	u32 i;

	for (i = 0; i < nr; i++) {
		h = get_cpu_ptr(ac->hits);
		spin_lock_irqsave(&h->lock, flags);
		if (h->nr + 1 >= AATTS_HIT_BATCH) {
			aatts_hits_add_last(ac, h, flags, block + i, slot + i);
			continue;
		}
		h->slot[h->nr] = slot + i;
		h->block[h->nr++] = block + i;
		spin_unlock_irqrestore(&h->lock, flags);
		put_cpu_ptr(ac->hits);
	}
}

/*
 * This CPU's full batch, for a read that takes the device lock anyway:
 * applied before the read is decided, as it would have been without the
 * worker.  Returns how many hits it took.
 */
static u32 aatts_hits_own(struct aatts_c *ac, u32 *slot, u64 *block)
{
	struct aatts_hits *h;
	unsigned long flags;
	u32 n = 0;

	h = get_cpu_ptr(ac->hits);
	if (READ_ONCE(h->nr_full)) {
		spin_lock_irqsave(&h->lock, flags);
		n = aatts_hits_take_full(h, slot, block);
		spin_unlock_irqrestore(&h->lock, flags);
	}
	put_cpu_ptr(ac->hits);
	return n;
}

/*
 * A read that hits in consecutive VALID slots, found and pinned without
 * the device lock: the slots' in-flight counts are raised, then the map is
 * checked unchanged (a slot evicted meanwhile may be refilled only once
 * its count falls to zero, and its eviction changed the map).  Returns
 * the first slot, the bio trimmed to the run, or AATTS_NO_SLOT: take the
 * lock.
 */
static u32 aatts_map_read_peek(struct aatts_c *ac, struct bio *bio,
			       struct aatts_bio *ab)
{
	sector_t in_block = ab->sector & (ac->block_sectors - 1);
	u64 nr = aatts_block_of(ac, ab->sector + bio_sectors(bio) - 1) -
		 ab->block + 1;
	u32 seq, first, i, j;

	if (!aatts_cache_peek_begin(ac->cache, &seq))
		return AATTS_NO_SLOT;
	first = aatts_cache_peek(ac->cache, ab->block);
	if (first == AATTS_NO_SLOT)
		return AATTS_NO_SLOT;
	nr = min_t(u64, nr, min_t(u64, AATTS_MAX_BIO_BLOCKS,
				  ac->nr_slots - first));
	for (i = 1; i < nr; i++)
		if (aatts_cache_peek(ac->cache, ab->block + i) != first + i)
			break;
	for (j = 0; j < i; j++)
		atomic_inc(&ac->slots[first + j].inflight);
	/* Pairs with the barrier before a copy or fill reads inflight. */
	smp_mb__after_atomic();
	if (!aatts_cache_peek_valid(ac->cache, seq)) {
		for (j = 0; j < i; j++)
			aatts_slot_put(ac, first + j);
		return AATTS_NO_SLOT;
	}
	ab->nr = i;
	if (((u64)i << ac->block_shift) - in_block < bio_sectors(bio)) {
		dm_accept_partial_bio(bio, ((sector_t)i << ac->block_shift) -
				      in_block);
		ab->iter = bio->bi_iter;
	}
	aatts_hits_add(ac, ab->block, first, i);
	return first;
}

/* ------------------------------------------------------------------ */
/* Mapping                                                              */

/* The blocks the bio touches, at most AATTS_MAX_BIO_BLOCKS. */
static u32 aatts_bio_blocks(struct aatts_c *ac, struct bio *bio,
			    struct aatts_bio *ab)
{
	u64 nr = aatts_block_of(ac, ab->sector + bio_sectors(bio) - 1) -
		 ab->block + 1;

	return min_t(u64, nr, AATTS_MAX_BIO_BLOCKS);
}

/*
 * The longest run of the bio's first blocks, at most
 * AATTS_MAX_LOCKED_BLOCKS, that all miss or all hit in consecutive slots:
 * its length goes in ab->nr; returns the first slot of a hit run or
 * AATTS_NO_SLOT, and in *filling (if not NULL) the slot being filled for
 * the first block, or AATTS_NO_SLOT.  Called with ac->lock held.
 */
static u32 aatts_run(struct aatts_c *ac, struct aatts_bio *ab, u32 nr,
		     u32 *filling)
{
	u32 first, s, i;

	if (filling)
		first = aatts_cache_lookup_filling(ac->cache, ab->block,
						   filling);
	else
		first = aatts_cache_lookup(ac->cache, ab->block);

	if (nr > AATTS_MAX_LOCKED_BLOCKS)
		nr = AATTS_MAX_LOCKED_BLOCKS;
	for (i = 1; i < nr; i++) {
		s = aatts_cache_lookup(ac->cache, ab->block + i);
		if (first == AATTS_NO_SLOT ? s != AATTS_NO_SLOT : s != first + i)
			break;
	}
	ab->nr = i;
	return first;
}

/* Trims the bio to its first ab->nr blocks. */
static void aatts_trim(struct aatts_c *ac, struct bio *bio,
		       struct aatts_bio *ab)
{
	sector_t in_block = ab->sector & (ac->block_sectors - 1);
	sector_t keep = ((sector_t)ab->nr << ac->block_shift) - in_block;

	if (keep < bio_sectors(bio)) {
		dm_accept_partial_bio(bio, keep);
		ab->iter = bio->bi_iter;
	}
}

/* Whether the bio covers block whole (to the device's end for its last). */
static bool aatts_covers(struct aatts_c *ac, struct bio *bio,
			 struct aatts_bio *ab, u64 block)
{
	sector_t start = (sector_t)block << ac->block_shift;
	sector_t end = min_t(sector_t, start + ac->block_sectors, ac->ti->len);

	return start >= ab->sector && end <= ab->sector + bio_sectors(bio);
}

/*
 * Asks the core about blocks [from, to) of a read's run, which starts at
 * slot (a hit run) or misses (AATTS_NO_SLOT): pins hits, reserves fills
 * of whole blocks and queues copies of partial ones; a whole block whose
 * copy is queued already is filled from the read instead.  Returns
 * whether a copy was queued.  Called with ac->lock held.
 */
static bool aatts_read_run(struct aatts_c *ac, struct bio *bio,
			   struct aatts_bio *ab, u32 from, u32 to, u32 slot)
{
	struct aatts_promotion p;
	bool promote, queued = false;
	u32 i;

	for (i = from; i < to; i++) {
		u64 b = ab->block + i;

		/* Room first: no block is evicted for a copy that cannot start. */
		if (aatts_cache_read_access(ac->cache, b, &p, &promote,
					    aatts_mig_has_room(ac)) !=
		    AATTS_NO_SLOT) {
			atomic_inc(&ac->slots[slot + i].inflight);
		} else if (promote && aatts_covers(ac, bio, ab, b)) {
			aatts_mig_fill_reserve(ac, &p, bio, &ab->fills);
		} else if (promote) {
			aatts_mig_queue(ac, &p);
			queued = true;
		} else if (p.slot != AATTS_NO_SLOT && ac->mig.queued &&
			   !ac->slots[p.slot].copying &&
			   aatts_covers(ac, bio, ab, b)) {
			/* Its copy is only queued: this read fills it. */
			aatts_mig_fill_adopt(ac, p.slot, bio, &ab->fills);
		}
	}
	return queued;
}

/*
 * A read whose first block is being copied into slot filling, or is
 * about to be, waits for the copy rather than read the slow tier a
 * second time: trimmed to that block, counted (a miss, read_filling) and
 * held by the migrations until the copy ends; then unpark_work sends it
 * on.  False if it cannot be held (the copy is queued behind others or
 * may wait for bandwidth, or too many reads wait): it reads the slow
 * tier.  Called with ac->lock held.
 */
static bool aatts_park(struct aatts_c *ac, struct bio *bio,
		       struct aatts_bio *ab, u32 filling)
{
	/* A queued copy of a block the read covers is the read's to fill. */
	if (!ac->slots[filling].copying && aatts_covers(ac, bio, ab, ab->block))
		return false;
	/* Held under the lock: the copy cannot end before this returns. */
	if (!aatts_mig_park(ac, bio, filling))
		return false;
	ab->nr = 1;
	aatts_trim(ac, bio, ab);
	aatts_read_run(ac, bio, ab, 0, 1, AATTS_NO_SLOT);
	return true;
}

/*
 * Sends on the reads held for a copy that has ended: to the fast tier if
 * the block is there now, else to the slow tier.  The read was counted
 * when it was mapped; the policy does not see it again.
 */
void aatts_unpark_work(struct work_struct *work)
{
	struct aatts_c *ac = container_of(work, struct aatts_c, unpark_work);
	struct bio_list bios;
	struct aatts_bio *ab;
	struct bio *bio;
	u32 slot;

	bio_list_init(&bios);
	spin_lock_irq(&ac->lock);
	bio_list_merge(&bios, &ac->mig.unparked);
	bio_list_init(&ac->mig.unparked);
	spin_unlock_irq(&ac->lock);
	while ((bio = bio_list_pop(&bios))) {
		ab = aatts_bio(bio);
		slot = AATTS_NO_SLOT;
		spin_lock_irq(&ac->lock);
		if (aatts_running(ac))
			slot = aatts_cache_lookup(ac->cache, ab->block);
		if (slot != AATTS_NO_SLOT)
			atomic_inc(&ac->slots[slot].inflight);
		spin_unlock_irq(&ac->lock);
		if (slot != AATTS_NO_SLOT) {
			ab->kind = AATTS_BIO_FAST_READ;
			ab->slot = slot;
			aatts_remap(bio, ac->fast, aatts_fast_sector(ac, ab));
		} else {
			ab->kind = AATTS_BIO_MISS_READ;
			aatts_remap(bio, ac->slow, ab->sector);
		}
		dm_submit_bio_remap(bio, NULL);
	}
}

/*
 * A read that misses goes on past its first AATTS_MAX_LOCKED_BLOCKS
 * blocks, one lock hold per that many, for as long as its blocks miss, so
 * that a large read of small blocks reaches the slow tier as one bio
 * rather than one per AATTS_MAX_LOCKED_BLOCKS.  Anything may change
 * between two holds; a miss read from the slow tier is right whatever did
 * (the slow tier holds every block's data), and each block is decided in
 * the hold that looked at it.
 */
/*
 * A read that the lockless peek did not serve: decided under the device
 * lock; returns the first slot of a hit run, or AATTS_NO_SLOT for a miss
 * (then bio goes to the slow tier), or AATTS_PARKED when the bio waits
 * for a copy.  Out of line, so that the hit path's stack frame has none
 * of its arrays (with CONFIG_INIT_STACK_ALL_ZERO every call zeroes them).
 */
static noinline u32 aatts_map_read_locked(struct aatts_c *ac, struct bio *bio,
					  struct aatts_bio *ab)
{
	u64 hit_block[AATTS_HIT_BATCH];
	u32 hit_slot[AATTS_HIT_BATCH];
	u32 slot, nr, from, n, filling;
	unsigned long flags;
	bool queued, kick;

	INIT_LIST_HEAD(&ab->fills);
	nr = aatts_bio_blocks(ac, bio, ab);
	n = aatts_hits_own(ac, hit_slot, hit_block);
	spin_lock_irqsave(&ac->lock, flags);
	if (n)
		aatts_cache_read_hits(ac->cache, hit_slot, hit_block, n);
	slot = aatts_run(ac, ab, nr, &filling);
	if (filling != AATTS_NO_SLOT && aatts_park(ac, bio, ab, filling)) {
		spin_unlock_irqrestore(&ac->lock, flags);
		return AATTS_PARKED;
	}
	queued = aatts_read_run(ac, bio, ab, 0, ab->nr, slot);
	while (slot == AATTS_NO_SLOT && ab->nr < nr &&
	       !(ab->nr % AATTS_MAX_LOCKED_BLOCKS)) {
		spin_unlock_irqrestore(&ac->lock, flags);
		from = ab->nr;
		spin_lock_irqsave(&ac->lock, flags);
		while (ab->nr < min(nr, from + AATTS_MAX_LOCKED_BLOCKS) &&
		       aatts_cache_lookup(ac->cache, ab->block + ab->nr) ==
		       AATTS_NO_SLOT)
			ab->nr++;
		if (ab->nr == from)
			break;
		queued |= aatts_read_run(ac, bio, ab, from, ab->nr, slot);
	}
	kick = aatts_cache_shadows_pending(ac->cache) >= AATTS_HIT_BATCH;
	spin_unlock_irqrestore(&ac->lock, flags);
	aatts_trim(ac, bio, ab);
	if (kick)
		queue_work(ac->wq, &ac->hits_work);

	if (queued)
		queue_delayed_work(ac->wq, &ac->mig_work, 0);
	return slot;
}

static int aatts_map_read(struct aatts_c *ac, struct bio *bio,
			  struct aatts_bio *ab)
{
	u32 slot;

	if (!aatts_running(ac)) {
		aatts_remap(bio, ac->slow, ab->sector);
		return DM_MAPIO_REMAPPED;
	}

	slot = aatts_map_read_peek(ac, bio, ab);
	if (slot == AATTS_NO_SLOT)
		slot = aatts_map_read_locked(ac, bio, ab);
	if (slot == AATTS_PARKED)
		return DM_MAPIO_SUBMITTED;
	if (slot == AATTS_NO_SLOT) {
		ab->kind = AATTS_BIO_MISS_READ;
		aatts_remap(bio, ac->slow, ab->sector);
		return DM_MAPIO_REMAPPED;
	}
	ab->kind = AATTS_BIO_FAST_READ;
	ab->slot = slot;
	aatts_remap(bio, ac->fast, aatts_fast_sector(ac, ab));
	return DM_MAPIO_REMAPPED;
}

static void aatts_write_fast_endio(struct bio *clone)
{
	struct bio *bio = clone->bi_private;

	aatts_bio(bio)->fast_status = clone->bi_status;
	bio_put(clone);
	bio_endio(bio);
}

/*
 * The write-through update of the copies, beside the slow-tier write: a
 * clone chained to the bio, which completes when both have.  The clone's
 * error stays out of the bio's status.
 */
static void aatts_write_fast(struct aatts_c *ac, struct bio *bio,
			     struct aatts_bio *ab)
{
	struct bio *clone;

	clone = bio_alloc_clone(ac->fast->bdev, bio, GFP_NOIO, &ac->bs);
	clone->bi_iter.bi_sector = aatts_fast_sector(ac, ab);
	clone->bi_end_io = aatts_write_fast_endio;
	clone->bi_private = bio;
	ab->fast_status = BLK_STS_OK;
	bio_inc_remaining(bio);
	submit_bio_noacct(clone);
}

static int aatts_map_write(struct aatts_c *ac, struct bio *bio,
			   struct aatts_bio *ab)
{
	unsigned long flags;
	u32 slot, i;

	ab->kind = AATTS_BIO_WRITE;
	ab->slot = AATTS_NO_SLOT;
	ab->nr = 0;
	if (!aatts_running(ac))
		goto remap;

	spin_lock_irqsave(&ac->lock, flags);
	slot = aatts_run(ac, ab, aatts_bio_blocks(ac, bio, ab), NULL);
	aatts_trim(ac, bio, ab);
	for (i = 0; i < ab->nr; i++)
		aatts_cache_write(ac->cache, ab->block + i);
	for (i = 0; slot != AATTS_NO_SLOT && i < ab->nr; i++) {
		if (ac->mode == AATTS_MODE_WRITEAROUND ||
		    ac->slots[slot + i].writing)
			break;
	}
	if (slot != AATTS_NO_SLOT && i < ab->nr) {
		/* Not updated: dropped now, and again at completion. */
		aatts_cache_invalidate_range(ac->cache, ab->block,
					     ab->block + ab->nr - 1);
	} else if (slot != AATTS_NO_SLOT) {
		for (i = 0; i < ab->nr; i++) {
			ac->slots[slot + i].writing = 1;
			atomic_inc(&ac->slots[slot + i].inflight);
		}
		ab->slot = slot;
		ab->gen = ac->slots[slot].gen;
	}
	spin_unlock_irqrestore(&ac->lock, flags);
	if (ab->slot != AATTS_NO_SLOT)
		aatts_write_fast(ac, bio, ab);
remap:
	aatts_remap(bio, ac->slow, ab->sector);
	return DM_MAPIO_REMAPPED;
}

int aatts_map(struct dm_target *ti, struct bio *bio)
{
	struct aatts_c *ac = ti->private;
	struct aatts_bio *ab = aatts_bio(bio);

	ab->kind = AATTS_BIO_PASS;

	if (!bio_sectors(bio)) {
		/* Empty flush: the core sends one per tier (num_flush_bios). */
		if (dm_bio_get_target_bio_nr(bio) == 1 && aatts_running(ac)) {
			ab->kind = AATTS_BIO_FLUSH_FAST;
			bio_set_dev(bio, ac->fast->bdev);
		} else {
			bio_set_dev(bio, ac->slow->bdev);
		}
		return DM_MAPIO_REMAPPED;
	}

	ab->sector = dm_target_offset(ti, bio->bi_iter.bi_sector);
	ab->block = aatts_block_of(ac, ab->sector);
	aatts_bio_record(ab, bio);

	switch (bio_op(bio)) {
	case REQ_OP_READ:
		return aatts_map_read(ac, bio, ab);
	case REQ_OP_WRITE:
		return aatts_map_write(ac, bio, ab);
	case REQ_OP_DISCARD:
	case REQ_OP_WRITE_ZEROES:
		/* Copies are dropped once the slow tier has changed. */
		ab->kind = AATTS_BIO_CHANGE;
		fallthrough;
	default:
		aatts_remap(bio, ac->slow, ab->sector);
		return DM_MAPIO_REMAPPED;
	}
}

/* ------------------------------------------------------------------ */
/* Completion                                                           */

static void aatts_slow_error(struct aatts_c *ac, blk_status_t error)
{
	unsigned long flags;

	if (!error || error == BLK_STS_NOTSUPP)
		return;
	spin_lock_irqsave(&ac->lock, flags);
	ac->slow_errors++;
	spin_unlock_irqrestore(&ac->lock, flags);
}

static int aatts_end_fast_read(struct aatts_c *ac, struct bio *bio,
			       struct aatts_bio *ab, blk_status_t *error)
{
	unsigned long flags;
	u32 i;

	for (i = 0; i < ab->nr; i++)
		aatts_slot_put(ac, ab->slot + i);
	if (!*error)
		return DM_ENDIO_DONE;

	spin_lock_irqsave(&ac->lock, flags);
	aatts_cache_invalidate_range(ac->cache, ab->block, ab->block + ab->nr - 1);
	spin_unlock_irqrestore(&ac->lock, flags);
	aatts_fast_error(ac);
	return aatts_defer(ac, bio, AATTS_BIO_RETRY_SLOW);
}

/* fill_aside: when a read miss copies its fills aside (module parameter). */
enum aatts_fill_aside_rule {
	AATTS_FILL_ASIDE_AUTO,		/* when it pays (aatts_fill_copy_pays) */
	AATTS_FILL_ASIDE_ALWAYS,	/* whenever the limits allow */
	AATTS_FILL_ASIDE_NEVER,		/* the read always waits for its fills */
};

static const char * const aatts_fill_aside_names[] = {
	[AATTS_FILL_ASIDE_AUTO] = "auto",
	[AATTS_FILL_ASIDE_ALWAYS] = "always",
	[AATTS_FILL_ASIDE_NEVER] = "never",
};

static int aatts_fill_aside_rule = AATTS_FILL_ASIDE_AUTO;

static int aatts_fill_aside_set(const char *val, const struct kernel_param *kp)
{
	int i = sysfs_match_string(aatts_fill_aside_names, val);

	if (i < 0)
		return i;
	WRITE_ONCE(aatts_fill_aside_rule, i);
	return 0;
}

static int aatts_fill_aside_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%s\n",
			  aatts_fill_aside_names[READ_ONCE(aatts_fill_aside_rule)]);
}

static const struct kernel_param_ops aatts_fill_aside_ops = {
	.set = aatts_fill_aside_set,
	.get = aatts_fill_aside_get,
};

module_param_cb(fill_aside, &aatts_fill_aside_ops, NULL, 0644);
MODULE_PARM_DESC(fill_aside,
		 "when a read miss copies its fills aside and completes before they are written: auto (when a fill's write takes several times the copy), always, never");

/*
 * Whether a read copies its fills aside (fill_aside "auto": whether that
 * pays; a read that does not is counted): only while what a read waits
 * for its fills if it does (fill_write_ns: the worker's hop and the
 * fast tier's write) is several times what the copy takes.  A fast tier
 * that writes about as fast as memory is copied (a RAM disk, pmem: the
 * write is itself a copy) keeps a read of large blocks waiting hardly
 * longer than their copy would, and the copy doubles the work, in the
 * completion's context, which may be the one thread or CPU that
 * completes every read of the slow tier; small blocks copy in less time
 * than the hop takes.  Until both are measured, copy.
 */
static bool aatts_fill_should_copy(struct aatts_c *ac)
{
	u64 copy = READ_ONCE(ac->fill_copy_ns);
	u64 write = READ_ONCE(ac->fill_write_ns);

	switch (READ_ONCE(aatts_fill_aside_rule)) {
	case AATTS_FILL_ASIDE_ALWAYS:
		return true;
	case AATTS_FILL_ASIDE_NEVER:
		return false;
	}
	if (!copy || !write || write > AATTS_FILL_COPY_RATIO * copy)
		return true;
	aatts_mig_aside_skip(ac);
	return false;
}

static int aatts_end_miss_read(struct aatts_c *ac, struct bio *bio,
			       struct aatts_bio *ab, blk_status_t *error)
{
	if (list_empty(&ab->fills))
		goto done;
	if (!*error) {
		if (aatts_fill_should_copy(ac) && aatts_fill_aside(ac, bio, ab))
			goto done;
		aatts_fills_stamp(ab);
		return aatts_defer(ac, bio, AATTS_BIO_MISS_READ);
	}
	aatts_fill_cancel(ac, ab);
done:
	aatts_slow_error(ac, *error);
	return DM_ENDIO_DONE;
}

/*
 * Both legs are done.  A copy stays only if it was updated, the update
 * and the slow-tier write succeeded, and it is the very copy hit at map
 * time; any other copy of the blocks may predate the write and goes.
 */
static int aatts_end_write(struct aatts_c *ac, struct aatts_bio *ab,
			   blk_status_t *error)
{
	bool updated = ab->slot != AATTS_NO_SLOT;
	bool fast_failed = updated && ab->fast_status;
	unsigned long flags;
	bool keep;
	u32 i;

	spin_lock_irqsave(&ac->lock, flags);
	keep = updated && !*error && !fast_failed &&
	       ac->state == AATTS_STATE_RUNNING &&
	       ac->slots[ab->slot].gen == ab->gen;
	for (i = 0; i < ab->nr; i++) {
		u64 b = ab->block + i;

		if (updated)
			ac->slots[ab->slot + i].writing = 0;
		if (!keep || aatts_cache_lookup(ac->cache, b) != ab->slot + i)
			aatts_cache_invalidate(ac->cache, b);
	}
	if (*error && *error != BLK_STS_NOTSUPP)
		ac->slow_errors++;
	spin_unlock_irqrestore(&ac->lock, flags);

	for (i = 0; updated && i < ab->nr; i++)
		aatts_slot_put(ac, ab->slot + i);
	/* The slow tier has the data: a failed update fails nothing. */
	if (fast_failed)
		aatts_fast_error(ac);
	return DM_ENDIO_DONE;
}

int aatts_end_io(struct dm_target *ti, struct bio *bio, blk_status_t *error)
{
	struct aatts_c *ac = ti->private;
	struct aatts_bio *ab = aatts_bio(bio);

	switch (ab->kind) {
	case AATTS_BIO_FAST_READ:
		return aatts_end_fast_read(ac, bio, ab, error);
	case AATTS_BIO_MISS_READ:
		return aatts_end_miss_read(ac, bio, ab, error);
	case AATTS_BIO_WRITE:
		return aatts_end_write(ac, ab, error);
	case AATTS_BIO_CHANGE:
		aatts_slow_error(ac, *error);
		/* Whatever the outcome, the slow tier may have changed. */
		return aatts_defer(ac, bio, AATTS_BIO_CHANGE);
	case AATTS_BIO_FLUSH_FAST:
		if (*error) {
			aatts_fast_error(ac);
			*error = BLK_STS_OK;
		}
		return DM_ENDIO_DONE;
	case AATTS_BIO_HELD:
		return DM_ENDIO_DONE;
	default:
		aatts_slow_error(ac, *error);
		return DM_ENDIO_DONE;
	}
}
