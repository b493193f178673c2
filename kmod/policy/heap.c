// SPDX-License-Identifier: GPL-2.0-only
/*
 * The eviction order: a binary min-heap of the evictable slots (VALID, not
 * pinned) under the current policy's before(); the root is the victim.
 * Every policy that evicts is such an order (lru: last access, fifo:
 * admission, lfu: frequency then last access, isa and default: score then
 * last access), so one structure serves them all and a policy switch is a
 * rebuild in place.  A policy without before() (minio) keeps it empty.
 */
#include "aatts_core.h"

static bool goes_before(const struct aatts_cache *c, u32 a, u32 b)
{
	return c->policy->before(&c->slots[a], &c->slots[b]);
}

static void place(struct aatts_cache *c, u32 pos, u32 slot)
{
	c->heap.slot[pos] = slot;
	c->slots[slot].hpos = pos;
}

static void sift_up(struct aatts_cache *c, u32 pos)
{
	u32 slot = c->heap.slot[pos];

	while (pos) {
		u32 parent = (pos - 1) / 2;

		if (!goes_before(c, slot, c->heap.slot[parent]))
			break;
		place(c, pos, c->heap.slot[parent]);
		pos = parent;
	}
	place(c, pos, slot);
}

static void sift_down(struct aatts_cache *c, u32 pos)
{
	u32 slot = c->heap.slot[pos];

	for (;;) {
		u32 child = 2 * pos + 1;

		if (child >= c->heap.nr)
			break;
		if (child + 1 < c->heap.nr &&
		    goes_before(c, c->heap.slot[child + 1], c->heap.slot[child]))
			child++;
		if (!goes_before(c, c->heap.slot[child], slot))
			break;
		place(c, pos, c->heap.slot[child]);
		pos = child;
	}
	place(c, pos, slot);
}

/* The slot became evictable. */
void aatts_heap_insert(struct aatts_cache *c, u32 slot)
{
	if (!c->policy->before)
		return;
	place(c, c->heap.nr++, slot);
	sift_up(c, c->heap.nr - 1);
}

/* The slot is no longer evictable. */
void aatts_heap_remove(struct aatts_cache *c, u32 slot)
{
	u32 pos = c->slots[slot].hpos;
	u32 last;

	if (pos == AATTS_NO_SLOT)
		return;
	c->slots[slot].hpos = AATTS_NO_SLOT;
	last = c->heap.slot[--c->heap.nr];
	if (pos == c->heap.nr)
		return;
	place(c, pos, last);
	aatts_heap_update(c, last);
}

/* The slot's fields changed: restore its place. */
void aatts_heap_update(struct aatts_cache *c, u32 slot)
{
	if (c->slots[slot].hpos == AATTS_NO_SLOT)
		return;
	sift_up(c, c->slots[slot].hpos);
	sift_down(c, c->slots[slot].hpos);
}

/* Many slots' fields changed (aging, new scores): heapify, O(n). */
void aatts_heap_reorder(struct aatts_cache *c)
{
	u32 pos = c->heap.nr / 2;

	while (pos--)
		sift_down(c, pos);
}

/* A new policy: collect the evictable slots and order them. */
void aatts_heap_rebuild(struct aatts_cache *c)
{
	u32 s;

	c->heap.nr = 0;
	for (s = 0; s < c->stats.nr_slots; s++) {
		struct aatts_slot *slot = &c->slots[s];

		slot->hpos = AATTS_NO_SLOT;
		if (c->policy->before && slot->state == AATTS_SLOT_VALID &&
		    !(slot->flags & AATTS_SLOT_PINNED))
			place(c, c->heap.nr++, s);
	}
	aatts_heap_reorder(c);
}

/* The slot to evict, or AATTS_NO_SLOT when nothing is evictable. */
u32 aatts_heap_victim(const struct aatts_cache *c)
{
	return c->heap.nr ? c->heap.slot[0] : AATTS_NO_SLOT;
}
