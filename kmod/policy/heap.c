// SPDX-License-Identifier: GPL-2.0-only
/*
 * The eviction order: binary min-heaps of the evictable slots (VALID, not
 * pinned); the root of each is its next victim.  Every policy that evicts
 * is such an order (lru: last access, fifo: admission, lfu: frequency then
 * last access, isa and default: score then last access), so one structure
 * serves them all and a policy switch is a rebuild in place.  A policy
 * without before() (minio) keeps them empty.
 *
 * There are two heaps in the one array of nr_slots entries: the main heap
 * grows from the front under the policy's before(), the admission window
 * of the default policy (slots flagged AATTS_SLOT_WINDOW) grows from the
 * back in lru order.  They never meet: together they hold at most every
 * slot once.  Every policy but default keeps the window empty.
 */
#include "aatts_core.h"

static u32 heap_of(const struct aatts_cache *c, u32 slot)
{
	return c->slots[slot].flags & AATTS_SLOT_WINDOW ? AATTS_HEAP_WINDOW :
							  AATTS_HEAP_MAIN;
}

/* The array cell of position pos in heap h. */
static u32 *cell(const struct aatts_cache *c, u32 h, u32 pos)
{
	return h == AATTS_HEAP_MAIN ? &c->heap.slot[pos] :
		&c->heap.slot[c->stats.nr_slots - 1 - pos];
}

static bool goes_before(const struct aatts_cache *c, u32 h, u32 a, u32 b)
{
	if (h == AATTS_HEAP_WINDOW)
		return c->slots[a].atime < c->slots[b].atime;
	return c->policy->before(&c->slots[a], &c->slots[b]);
}

static void place(struct aatts_cache *c, u32 h, u32 pos, u32 slot)
{
	*cell(c, h, pos) = slot;
	c->slots[slot].hpos = pos;
}

static void sift_up(struct aatts_cache *c, u32 h, u32 pos)
{
	u32 slot = *cell(c, h, pos);

	while (pos) {
		u32 parent = (pos - 1) / 2;
		u32 up = *cell(c, h, parent);

		if (!goes_before(c, h, slot, up))
			break;
		place(c, h, pos, up);
		pos = parent;
	}
	place(c, h, pos, slot);
}

static void sift_down(struct aatts_cache *c, u32 h, u32 pos)
{
	u32 slot = *cell(c, h, pos);
	u32 nr = c->heap.nr[h];

	for (;;) {
		u32 child = 2 * pos + 1;

		if (child >= nr)
			break;
		if (child + 1 < nr &&
		    goes_before(c, h, *cell(c, h, child + 1), *cell(c, h, child)))
			child++;
		if (!goes_before(c, h, *cell(c, h, child), slot))
			break;
		place(c, h, pos, *cell(c, h, child));
		pos = child;
	}
	place(c, h, pos, slot);
}

/* The slot became evictable. */
void aatts_heap_insert(struct aatts_cache *c, u32 slot)
{
	u32 h = heap_of(c, slot);

	if (!c->policy->before)
		return;
	place(c, h, c->heap.nr[h]++, slot);
	sift_up(c, h, c->heap.nr[h] - 1);
}

/* The slot is no longer evictable. */
void aatts_heap_remove(struct aatts_cache *c, u32 slot)
{
	u32 pos = c->slots[slot].hpos;
	u32 h = heap_of(c, slot);
	u32 last;

	if (pos == AATTS_NO_SLOT)
		return;
	c->slots[slot].hpos = AATTS_NO_SLOT;
	last = *cell(c, h, --c->heap.nr[h]);
	if (pos == c->heap.nr[h])
		return;
	place(c, h, pos, last);
	aatts_heap_update(c, last);
}

/* The slot's fields changed: restore its place. */
void aatts_heap_update(struct aatts_cache *c, u32 slot)
{
	u32 h = heap_of(c, slot);

	if (c->slots[slot].hpos == AATTS_NO_SLOT)
		return;
	sift_up(c, h, c->slots[slot].hpos);
	sift_down(c, h, c->slots[slot].hpos);
}

/* An evictable slot moves between the window and the main heap. */
void aatts_heap_move(struct aatts_cache *c, u32 slot)
{
	aatts_heap_remove(c, slot);
	c->slots[slot].flags ^= AATTS_SLOT_WINDOW;
	aatts_heap_insert(c, slot);
}

/* Many slots' fields changed (aging, new scores): heapify, O(n). */
void aatts_heap_reorder(struct aatts_cache *c)
{
	u32 h, pos;

	for (h = 0; h < AATTS_HEAPS; h++) {
		pos = c->heap.nr[h] / 2;
		while (pos--)
			sift_down(c, h, pos);
	}
}

/*
 * A new policy: collect the evictable slots into the main heap (no block
 * is in a window at first) and order them.
 */
void aatts_heap_rebuild(struct aatts_cache *c)
{
	u32 s;

	c->heap.nr[AATTS_HEAP_MAIN] = 0;
	c->heap.nr[AATTS_HEAP_WINDOW] = 0;
	for (s = 0; s < c->stats.nr_slots; s++) {
		struct aatts_slot *slot = &c->slots[s];

		slot->hpos = AATTS_NO_SLOT;
		slot->flags &= ~AATTS_SLOT_WINDOW;
		if (c->policy->before && slot->state == AATTS_SLOT_VALID &&
		    !(slot->flags & AATTS_SLOT_PINNED))
			place(c, AATTS_HEAP_MAIN, c->heap.nr[AATTS_HEAP_MAIN]++,
			      s);
	}
	aatts_heap_reorder(c);
}

/* The next victim of heap h, or AATTS_NO_SLOT when it is empty. */
u32 aatts_heap_root(const struct aatts_cache *c, u32 h)
{
	return c->heap.nr[h] ? *cell(c, h, 0) : AATTS_NO_SLOT;
}
