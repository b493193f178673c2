// SPDX-License-Identifier: GPL-2.0-only
/*
 * aatts I/O path: reads hit the fast tier or go to the slow tier (and may
 * start a promotion), writes go through to the slow tier and then update a
 * resident copy.  The fast tier never holds the only copy of anything.
 *
 * Races, and how they are closed:
 *  - A promotion copies a block while a write to it is in flight: the
 *    write marks a FILLING copy stale when it is mapped, and drops any copy
 *    that a promotion may have made meanwhile when it completes, unless it
 *    hit the very same VALID copy (same slot, same generation) at map time,
 *    in which case it updates that copy.
 *  - Two writes to one resident block: only one write-through update per
 *    slot is in flight; a second write drops the copy instead.
 *  - A slot is evicted and refilled while a read or an update of its old
 *    block is in flight: the migration waits until no I/O to the slot is
 *    in flight (aatts_slot_io.inflight).
 * Fast-tier errors never reach the caller: reads are retried from the slow
 * tier, failed updates drop the copy.  Slow-tier errors pass up unchanged.
 *
 * A bio may span several blocks.  It is mapped whole when all its blocks
 * miss (the slow tier is mapped one to one) or, for reads, when all hit in
 * consecutive slots; otherwise dm_accept_partial_bio() trims it to its
 * first block and the device-mapper core sends the rest again.
 */

#include "aatts.h"

enum aatts_bio_kind {
	AATTS_BIO_PASS,		/* to the slow tier, nothing to do after */
	AATTS_BIO_FAST_READ,	/* read hit on the fast tier */
	AATTS_BIO_RETRY_SLOW,	/* read retried on the slow tier */
	AATTS_BIO_WRITE_SLOW,	/* write, first leg: the slow tier */
	AATTS_BIO_WRITE_FAST,	/* write, second leg: update the copy */
	AATTS_BIO_FLUSH_FAST,	/* the fast tier's flush */
};

struct aatts_bio {
	struct bvec_iter iter;	/* as mapped, for resubmission */
	sector_t sector;	/* target-relative start */
	u64 block;		/* the first block */
	u32 nr;			/* blocks spanned */
	u32 slot;		/* the first slot of a hit or update */
	u16 gen;
	unsigned short bi_flags;
	u8 kind;
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

static void aatts_remap_fast(struct aatts_c *ac, struct bio *bio,
			     struct aatts_bio *ab)
{
	sector_t in_block = ab->sector & (ac->block_sectors - 1);

	aatts_remap(bio, ac->fast, aatts_slot_sector(ac, ab->slot) + in_block);
}

/* Hands a completed bio back to the worker for another leg. */
static int aatts_defer(struct aatts_c *ac, struct bio *bio, u8 kind)
{
	struct aatts_bio *ab = aatts_bio(bio);
	unsigned long flags;

	ab->kind = kind;
	spin_lock_irqsave(&ac->lock, flags);
	bio_list_add(&ac->deferred, bio);
	spin_unlock_irqrestore(&ac->lock, flags);
	queue_work(ac->wq, &ac->io_work);
	return DM_ENDIO_INCOMPLETE;
}

void aatts_io_work(struct work_struct *work)
{
	struct aatts_c *ac = container_of(work, struct aatts_c, io_work);
	struct bio_list bios;
	struct aatts_bio *ab;
	struct bio *bio;

	spin_lock_irq(&ac->lock);
	bios = ac->deferred;
	bio_list_init(&ac->deferred);
	spin_unlock_irq(&ac->lock);

	while ((bio = bio_list_pop(&bios))) {
		ab = aatts_bio(bio);
		bio->bi_iter = ab->iter;
		bio->bi_flags = ab->bi_flags;
		bio->bi_status = BLK_STS_OK;
		if (ab->kind == AATTS_BIO_WRITE_FAST)
			aatts_remap_fast(ac, bio, ab);
		else
			aatts_remap(bio, ac->slow, ab->sector);
		submit_bio_noacct(bio);
	}
}

void aatts_fast_error(struct aatts_c *ac)
{
	unsigned long flags;
	bool failed = false;

	spin_lock_irqsave(&ac->lock, flags);
	ac->fast_errors++;
	if (ac->state == AATTS_STATE_RUNNING && ac->error_threshold &&
	    ac->fast_errors >= ac->error_threshold) {
		ac->state = AATTS_STATE_FAILED;
		failed = true;
	}
	spin_unlock_irqrestore(&ac->lock, flags);

	if (failed) {
		DMERR("%s: fast tier out of service after %u errors, now pass-through",
		      ac->disk_name, ac->error_threshold);
		/* Atomic context: the event is sent from a work item. */
		set_bit(AATTS_EV_FAST_FAILED, &ac->events);
		schedule_work(&ac->event_work);
	} else {
		DMWARN_LIMIT("%s: fast-tier I/O error, block dropped, served from the slow tier",
			     ac->disk_name);
	}
}

static bool aatts_running(struct aatts_c *ac)
{
	return READ_ONCE(ac->state) == AATTS_STATE_RUNNING;
}

/*
 * How a bio's blocks stand: all missing, all VALID in consecutive slots,
 * or mixed.  Returns the first block's slot (or AATTS_NO_SLOT when all
 * miss) and sets *mixed.  Called with ac->lock held.
 */
static u32 aatts_classify(struct aatts_c *ac, struct aatts_bio *ab,
			  bool *mixed)
{
	u32 first = aatts_cache_lookup(ac->cache, ab->block), s, i;

	*mixed = false;
	for (i = 1; i < ab->nr; i++) {
		s = aatts_cache_lookup(ac->cache, ab->block + i);
		if (first == AATTS_NO_SLOT ? s != AATTS_NO_SLOT : s != first + i) {
			*mixed = true;
			break;
		}
	}
	return first;
}

/* Counts the blocks a read or write spans, trimming it to at most 256. */
static void aatts_span(struct aatts_c *ac, struct bio *bio,
		       struct aatts_bio *ab)
{
	sector_t in_block = ab->sector & (ac->block_sectors - 1);

	ab->nr = aatts_block_of(ac, ab->sector + bio_sectors(bio) - 1) -
		 ab->block + 1;
	if (ab->nr > AATTS_MAX_BIO_BLOCKS) {
		dm_accept_partial_bio(bio, ((sector_t)AATTS_MAX_BIO_BLOCKS <<
					    ac->block_shift) - in_block);
		ab->iter = bio->bi_iter;
		ab->nr = AATTS_MAX_BIO_BLOCKS;
	}
}

/* Trims the bio to its first block. */
static void aatts_trim(struct aatts_c *ac, struct bio *bio,
		       struct aatts_bio *ab)
{
	sector_t in_block = ab->sector & (ac->block_sectors - 1);

	dm_accept_partial_bio(bio, ac->block_sectors - in_block);
	ab->iter = bio->bi_iter;
	ab->nr = 1;
}

static int aatts_map_read(struct aatts_c *ac, struct bio *bio,
			  struct aatts_bio *ab)
{
	struct aatts_promotion p;
	bool promote, promoted = false, mixed;
	unsigned long flags;
	u32 slot, i;

	if (!aatts_running(ac)) {
		aatts_remap(bio, ac->slow, ab->sector);
		return DM_MAPIO_REMAPPED;
	}

	spin_lock_irqsave(&ac->lock, flags);
	slot = aatts_classify(ac, ab, &mixed);
	if (mixed) {
		aatts_trim(ac, bio, ab);
		slot = aatts_cache_lookup(ac->cache, ab->block);
	}
	for (i = 0; i < ab->nr; i++) {
		if (aatts_cache_read(ac->cache, ab->block + i, &p, &promote) !=
		    AATTS_NO_SLOT) {
			atomic_inc(&ac->slots[slot + i].inflight);
		} else if (promote) {
			aatts_mig_queue(ac, &p);
			promoted = true;
		}
	}
	spin_unlock_irqrestore(&ac->lock, flags);

	if (promoted)
		queue_delayed_work(ac->wq, &ac->mig_work, 0);

	if (slot == AATTS_NO_SLOT) {
		aatts_remap(bio, ac->slow, ab->sector);
		return DM_MAPIO_REMAPPED;
	}
	ab->kind = AATTS_BIO_FAST_READ;
	ab->slot = slot;
	aatts_remap_fast(ac, bio, ab);
	return DM_MAPIO_REMAPPED;
}

static int aatts_map_write(struct aatts_c *ac, struct bio *bio,
			   struct aatts_bio *ab)
{
	unsigned long flags;
	bool mixed;
	u32 slot, i;

	ab->kind = AATTS_BIO_WRITE_SLOW;
	ab->slot = AATTS_NO_SLOT;
	if (!aatts_running(ac))
		goto remap;

	spin_lock_irqsave(&ac->lock, flags);
	/* Only a bio that meets no copy at all is written through whole. */
	if (ab->nr > 1 && (aatts_classify(ac, ab, &mixed) != AATTS_NO_SLOT ||
			   mixed))
		aatts_trim(ac, bio, ab);
	for (i = 0; i < ab->nr; i++)
		slot = aatts_cache_write(ac->cache, ab->block + i);
	if (ab->nr == 1 && slot != AATTS_NO_SLOT) {
		if (ac->mode == AATTS_MODE_WRITEAROUND ||
		    ac->slots[slot].writing) {
			aatts_cache_invalidate(ac->cache, ab->block);
		} else {
			ac->slots[slot].writing = 1;
			ab->slot = slot;
			ab->gen = ac->slots[slot].gen;
		}
	}
	spin_unlock_irqrestore(&ac->lock, flags);
remap:
	aatts_remap(bio, ac->slow, ab->sector);
	return DM_MAPIO_REMAPPED;
}

/* Discards and write-zeroes may span many blocks: drop them all. */
static int aatts_map_changing_extent(struct aatts_c *ac, struct bio *bio,
				     struct aatts_bio *ab)
{
	u64 last = aatts_block_of(ac, ab->sector + bio_sectors(bio) - 1);
	unsigned long flags;

	spin_lock_irqsave(&ac->lock, flags);
	aatts_cache_invalidate_range(ac->cache, ab->block, last);
	spin_unlock_irqrestore(&ac->lock, flags);
	aatts_remap(bio, ac->slow, ab->sector);
	return DM_MAPIO_REMAPPED;
}

int aatts_map(struct dm_target *ti, struct bio *bio)
{
	struct aatts_c *ac = ti->private;
	struct aatts_bio *ab = aatts_bio(bio);

	ab->kind = AATTS_BIO_PASS;
	ab->bi_flags = bio->bi_flags;

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
	ab->iter = bio->bi_iter;

	switch (bio_op(bio)) {
	case REQ_OP_READ:
		aatts_span(ac, bio, ab);
		return aatts_map_read(ac, bio, ab);
	case REQ_OP_WRITE:
		aatts_span(ac, bio, ab);
		return aatts_map_write(ac, bio, ab);
	case REQ_OP_DISCARD:
	case REQ_OP_WRITE_ZEROES:
		return aatts_map_changing_extent(ac, bio, ab);
	default:
		aatts_remap(bio, ac->slow, ab->sector);
		return DM_MAPIO_REMAPPED;
	}
}

/* The last I/O to a slot lets a promotion waiting for it go. */
static void aatts_slot_put(struct aatts_c *ac, u32 slot)
{
	if (atomic_dec_and_test(&ac->slots[slot].inflight) &&
	    READ_ONCE(ac->mig.queued))
		queue_delayed_work(ac->wq, &ac->mig_work, 0);
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

static int aatts_end_write_slow(struct aatts_c *ac, struct bio *bio,
				struct aatts_bio *ab, blk_status_t *error)
{
	struct aatts_slot_io *s = NULL;
	unsigned long flags;
	bool update = false;

	spin_lock_irqsave(&ac->lock, flags);
	if (ab->slot != AATTS_NO_SLOT) {
		s = &ac->slots[ab->slot];
		update = !*error && ac->state == AATTS_STATE_RUNNING &&
			 s->gen == ab->gen &&
			 aatts_cache_lookup(ac->cache, ab->block) == ab->slot;
	}
	if (update) {
		atomic_inc(&s->inflight);
	} else {
		if (s)
			s->writing = 0;
		/* Whatever the fast tier holds may predate this write. */
		aatts_cache_invalidate_range(ac->cache, ab->block,
					     ab->block + ab->nr - 1);
	}
	if (*error)
		ac->slow_errors++;
	spin_unlock_irqrestore(&ac->lock, flags);

	return update ? aatts_defer(ac, bio, AATTS_BIO_WRITE_FAST) :
			DM_ENDIO_DONE;
}

static int aatts_end_write_fast(struct aatts_c *ac, struct aatts_bio *ab,
				blk_status_t *error)
{
	unsigned long flags;

	aatts_slot_put(ac, ab->slot);
	spin_lock_irqsave(&ac->lock, flags);
	ac->slots[ab->slot].writing = 0;
	if (*error)
		aatts_cache_invalidate(ac->cache, ab->block);
	spin_unlock_irqrestore(&ac->lock, flags);

	if (*error) {
		/* The slow tier has the data: the write succeeded. */
		aatts_fast_error(ac);
		*error = BLK_STS_OK;
	}
	return DM_ENDIO_DONE;
}

int aatts_end_io(struct dm_target *ti, struct bio *bio, blk_status_t *error)
{
	struct aatts_c *ac = ti->private;
	struct aatts_bio *ab = aatts_bio(bio);

	switch (ab->kind) {
	case AATTS_BIO_FAST_READ:
		return aatts_end_fast_read(ac, bio, ab, error);
	case AATTS_BIO_WRITE_SLOW:
		return aatts_end_write_slow(ac, bio, ab, error);
	case AATTS_BIO_WRITE_FAST:
		return aatts_end_write_fast(ac, ab, error);
	case AATTS_BIO_FLUSH_FAST:
		if (*error) {
			aatts_fast_error(ac);
			*error = BLK_STS_OK;
		}
		return DM_ENDIO_DONE;
	default:
		if (*error && *error != BLK_STS_NOTSUPP) {
			unsigned long flags;

			spin_lock_irqsave(&ac->lock, flags);
			ac->slow_errors++;
			spin_unlock_irqrestore(&ac->lock, flags);
		}
		return DM_ENDIO_DONE;
	}
}
