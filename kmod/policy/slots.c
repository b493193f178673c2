// SPDX-License-Identifier: GPL-2.0-only
/*
 * The slot life cycle: FREE -> FILLING -> VALID -> FREE, driven by reads,
 * promotions, writes, fills and invalidations.  A VALID slot is in the
 * eviction heap unless its block is pinned.
 */
#include "aatts_core.h"

static u32 take_free(struct aatts_cache *c)
{
	u32 s = c->free;

	c->free = c->slots[s].next;
	return s;
}

/* Unmaps a FILLING or VALID slot and puts it on the free list. */
static void release(struct aatts_cache *c, u32 s)
{
	aatts_map_seq_begin(c);
	aatts_map_del(c, s);
	PC_WRITE_ONCE(c->slots[s].state, AATTS_SLOT_FREE);
	aatts_map_seq_end(c);
	c->slots[s].flags = 0;
	c->slots[s].next = c->free;
	c->free = s;
}

static void make_valid(struct aatts_cache *c, u32 s)
{
	aatts_map_seq_begin(c);
	PC_WRITE_ONCE(c->slots[s].state, AATTS_SLOT_VALID);
	aatts_map_seq_end(c);
	c->stats.nr_valid++;
	aatts_heap_insert(c, s);
	aatts_slot_sync_pin(c, s);
}

static void drop_valid(struct aatts_cache *c, u32 s)
{
	if (c->slots[s].flags & AATTS_SLOT_PINNED)
		c->stats.nr_pinned--;
	else
		aatts_heap_remove(c, s);
	c->stats.nr_valid--;
	release(c, s);
}

/* Makes a VALID slot's pinned state follow its block's pin bit. */
void aatts_slot_sync_pin(struct aatts_cache *c, u32 s)
{
	struct aatts_slot *slot = &c->slots[s];
	bool pinned = !c->shadow &&
		      aatts_scores_pinned(&c->scores, slot->block);

	if (slot->state != AATTS_SLOT_VALID ||
	    pinned == !!(slot->flags & AATTS_SLOT_PINNED))
		return;
	if (pinned) {
		slot->flags |= AATTS_SLOT_PINNED;
		c->stats.nr_pinned++;
		aatts_heap_remove(c, s);
	} else {
		slot->flags &= ~AATTS_SLOT_PINNED;
		c->stats.nr_pinned--;
		aatts_heap_insert(c, s);
	}
}

static void mark_stale(struct aatts_cache *c, u32 s)
{
	if (c->slots[s].flags & AATTS_SLOT_STALE)
		return;
	c->slots[s].flags |= AATTS_SLOT_STALE;
	c->stats.invalidations++;
}

/* Reserves a free slot for block: FILLING, mapped. */
static void reserve(struct aatts_cache *c, u64 block, struct aatts_promotion *p)
{
	u32 s = take_free(c);
	struct aatts_slot *slot = &c->slots[s];

	aatts_map_seq_begin(c);
	PC_WRITE_ONCE(slot->block, block);
	PC_WRITE_ONCE(slot->state, AATTS_SLOT_FILLING);
	aatts_map_add(c, s);
	aatts_map_seq_end(c);
	slot->atime = c->clock;
	slot->itime = c->clock;
	slot->score = aatts_score(&c->scores, block);
	slot->flags = 0;
	aatts_heap_claim(c, s);
	c->stats.nr_filling++;
	c->stats.promotions++;
	p->block = block;
	p->slot = s;
}

/*
 * Finds room for an unmapped block and reserves it: a free slot or the
 * policy's victim (any victim if force).
 */
static int admit(struct aatts_cache *c, u64 block, bool force,
		 struct aatts_promotion *p)
{
	u32 victim;
	bool window;
	int err;

	p->evicted = false;
	if (!force && !aatts_policy_accepts(c, block))
		return -EPERM;
	err = aatts_policy_make_room(c, block, force, &victim, &window);
	if (err)
		return err;
	if (victim != AATTS_NO_SLOT) {
		p->evicted = true;
		p->victim = c->slots[victim].block;
		drop_valid(c, victim);
		c->stats.evictions++;
	}
	reserve(c, block, p);
	if (window)
		c->slots[p->slot].flags |= AATTS_SLOT_WINDOW;
	return 0;
}

static u32 find_valid(const struct aatts_cache *c, u64 block)
{
	u32 s = aatts_map_find(c, block);

	if (s != AATTS_NO_SLOT && c->slots[s].state != AATTS_SLOT_VALID)
		return AATTS_NO_SLOT;
	return s;
}

u32 aatts_cache_lookup(const struct aatts_cache *c, u64 block)
{
	return find_valid(c, block);
}

u32 aatts_cache_lookup_filling(const struct aatts_cache *c, u64 block,
			       u32 *filling)
{
	u32 s = aatts_map_find(c, block);

	*filling = AATTS_NO_SLOT;
	if (s == AATTS_NO_SLOT || c->slots[s].state == AATTS_SLOT_VALID)
		return s;
	if (c->slots[s].state == AATTS_SLOT_FILLING)
		*filling = s;
	return AATTS_NO_SLOT;
}

u32 aatts_cache_read(struct aatts_cache *c, u64 block,
		     struct aatts_promotion *p, bool *promote)
{
	return aatts_cache_read_access(c, block, p, promote, true);
}

u32 aatts_cache_read_access(struct aatts_cache *c, u64 block,
			    struct aatts_promotion *p, bool *promote,
			    bool may_admit)
{
	u32 s = aatts_map_find(c, block);

	*promote = false;
	p->slot = AATTS_NO_SLOT;
	if (PC_WARN_ON(block >= c->nr_blocks))
		return AATTS_NO_SLOT;
	c->clock++;
	aatts_mini_read(c, block);
	if (c->policy->windowed)
		aatts_sketch_record(&c->sketch, block);
	if (s != AATTS_NO_SLOT && c->slots[s].state == AATTS_SLOT_VALID) {
		c->stats.read_hits++;
		aatts_policy_hit(c, s);
		aatts_heap_access(c, s);
		return s;
	}
	c->stats.read_misses++;
	/* FILLING: the copy is already under way (or queued). */
	if (s != AATTS_NO_SLOT) {
		c->stats.read_filling++;
		p->block = block;
		p->slot = s;
		return AATTS_NO_SLOT;
	}
	aatts_policy_miss(c, block);
	if (!may_admit) {
		c->stats.no_room++;
		return AATTS_NO_SLOT;
	}
	if (admit(c, block, false, p)) {
		c->stats.rejections++;
		return AATTS_NO_SLOT;
	}
	/* Under default's lfu mode a sampled block counts as in its shadow. */
	if (!c->policy->ages ||
	    !aatts_mini_lfu_freq(c, block, &c->slots[p->slot].freq))
		c->slots[p->slot].freq = 1;
	*promote = true;
	return AATTS_NO_SLOT;
}

void aatts_cache_read_hits(struct aatts_cache *c, const u32 *slot,
			   const u64 *block, u32 n)
{
	u32 i, s;

	for (i = 0; i < n; i++) {
		s = slot[i];
		if (PC_WARN_ON(s >= c->stats.nr_slots))
			continue;
		c->clock++;
		aatts_mini_read(c, block[i]);
		if (c->policy->windowed)
			aatts_sketch_record(&c->sketch, block[i]);
		c->stats.read_hits++;
		/* Evicted since: the access still counted, the order not. */
		if (c->slots[s].state == AATTS_SLOT_VALID &&
		    c->slots[s].block == block[i]) {
			aatts_policy_hit(c, s);
			aatts_heap_access(c, s);
		}
	}
}

u32 aatts_cache_write(struct aatts_cache *c, u64 block)
{
	u32 s = aatts_map_find(c, block);

	if (s != AATTS_NO_SLOT && c->slots[s].state == AATTS_SLOT_VALID) {
		c->stats.write_hits++;
		return s;
	}
	c->stats.write_misses++;
	if (s != AATTS_NO_SLOT)
		mark_stale(c, s);
	return AATTS_NO_SLOT;
}

void aatts_cache_fill_done(struct aatts_cache *c, u32 slot, bool ok)
{
	if (PC_WARN_ON(slot >= c->stats.nr_slots ||
		       c->slots[slot].state != AATTS_SLOT_FILLING))
		return;
	c->stats.nr_filling--;
	if (ok && !(c->slots[slot].flags & AATTS_SLOT_STALE)) {
		make_valid(c, slot);
		return;
	}
	c->stats.promotions_failed++;
	release(c, slot);
}

/* Drops the copy in slot s, VALID or FILLING; returns 1 if it was VALID. */
static u32 invalidate_slot(struct aatts_cache *c, u32 s)
{
	if (c->slots[s].state == AATTS_SLOT_FILLING) {
		mark_stale(c, s);
		return 0;
	}
	c->stats.invalidations++;
	drop_valid(c, s);
	return 1;
}

int aatts_cache_invalidate(struct aatts_cache *c, u64 block)
{
	u32 s = aatts_map_find(c, block);

	if (s == AATTS_NO_SLOT)
		return -ENOENT;
	invalidate_slot(c, s);
	return 0;
}

void aatts_walk_invalidate(const struct aatts_cache *c, struct aatts_walk *w,
			   u64 first, u64 last)
{
	*w = (struct aatts_walk) {
		.op = AATTS_WALK_INVALIDATE, .first = first, .last = last,
	};
	aatts_walk_blocks(c, w);
}

/*
 * The blocks of the range or the slots, whichever are fewer, so that a
 * walk over a whole device costs O(slots), not O(blocks).
 */
void aatts_walk_blocks(const struct aatts_cache *c, struct aatts_walk *w)
{
	if (w->first > w->last) {
		w->phase = AATTS_WALK_DONE;
	} else if (w->last - w->first < c->stats.nr_slots) {
		w->phase = AATTS_WALK_BLOCKS;
		w->next = w->first;
	} else {
		w->phase = AATTS_WALK_SLOTS;
		w->next = 0;
	}
}

/* Applies the walk's operation to a mapped slot; its cost. */
static u32 walk_visit(struct aatts_cache *c, struct aatts_walk *w, u32 s)
{
	if (w->op == AATTS_WALK_INVALIDATE)
		w->dropped += invalidate_slot(c, s);
	else
		aatts_slot_sync_pin(c, s);
	return AATTS_COST_HEAP;
}

bool aatts_cache_walk(struct aatts_cache *c, struct aatts_walk *w, u32 budget)
{
	const struct aatts_slot *slot;
	u32 s, cost;

	while (w->phase != AATTS_WALK_DONE && budget) {
		switch (w->phase) {
		case AATTS_WALK_ENTRIES:
			cost = aatts_scores_walk_entry(c, w);
			break;
		case AATTS_WALK_BLOCKS:
			cost = AATTS_COST_LOOKUP;
			s = aatts_map_find(c, w->next);
			if (s != AATTS_NO_SLOT)
				cost += walk_visit(c, w, s);
			if (w->next++ == w->last)
				w->phase = AATTS_WALK_DONE;
			break;
		default:
			cost = AATTS_COST_SCAN;
			slot = &c->slots[w->next];
			if (slot->state != AATTS_SLOT_FREE &&
			    slot->block >= w->first && slot->block <= w->last)
				cost += walk_visit(c, w, w->next);
			if (++w->next == c->stats.nr_slots)
				w->phase = AATTS_WALK_DONE;
			break;
		}
		budget -= min(cost, budget);
	}
	return w->phase == AATTS_WALK_DONE;
}

u32 aatts_cache_invalidate_range(struct aatts_cache *c, u64 first, u64 last)
{
	struct aatts_walk w;

	aatts_walk_invalidate(c, &w, first, last);
	while (!aatts_cache_walk(c, &w, ~0U))
		;
	return w.dropped;
}

int aatts_cache_promote(struct aatts_cache *c, u64 block, bool force,
			struct aatts_promotion *p)
{
	if (block >= c->nr_blocks)
		return -ERANGE;
	if (aatts_map_find(c, block) != AATTS_NO_SLOT)
		return -EEXIST;
	c->clock++;
	return admit(c, block, force, p);
}
