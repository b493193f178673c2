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
 *
 * lru's order is recency itself, so its main region is a doubly linked
 * list instead, O(1) per access: a read moves the slot to the tail, the
 * head is the victim.  The links live in the same places: hpos is the
 * predecessor (AATTS_LIST_HEAD for the head), slot[s] the successor of
 * slot s.  A slot that becomes evictable again (filled, unpinned) goes to
 * the tail, as if just read.
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

static bool listed(const struct aatts_cache *c, u32 h)
{
	return h == AATTS_HEAP_MAIN && c->policy->list;
}

static void list_append(struct aatts_cache *c, u32 s)
{
	struct aatts_heap *l = &c->heap;

	c->slots[s].hpos = l->tail == AATTS_NO_SLOT ? AATTS_LIST_HEAD : l->tail;
	l->slot[s] = AATTS_NO_SLOT;
	if (l->tail == AATTS_NO_SLOT)
		l->head = s;
	else
		l->slot[l->tail] = s;
	l->tail = s;
	l->nr[AATTS_HEAP_MAIN]++;
}

static void list_unlink(struct aatts_cache *c, u32 s)
{
	struct aatts_heap *l = &c->heap;
	u32 prev = c->slots[s].hpos, next = l->slot[s];

	if (prev == AATTS_LIST_HEAD)
		l->head = next;
	else
		l->slot[prev] = next;
	if (next == AATTS_NO_SLOT)
		l->tail = prev == AATTS_LIST_HEAD ? AATTS_NO_SLOT : prev;
	else
		c->slots[next].hpos = prev;
	c->slots[s].hpos = AATTS_NO_SLOT;
	l->nr[AATTS_HEAP_MAIN]--;
}

/* The slot became evictable. */
void aatts_heap_insert(struct aatts_cache *c, u32 slot)
{
	u32 h = heap_of(c, slot);

	if (!c->policy->before)
		return;
	if (listed(c, h)) {
		list_append(c, slot);
		return;
	}
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
	if (listed(c, h)) {
		list_unlink(c, slot);
		return;
	}
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
	if (listed(c, h)) {
		if (c->heap.tail != slot) {
			list_unlink(c, slot);
			list_append(c, slot);
		}
		return;
	}
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
		if (listed(c, h))
			continue;
		pos = c->heap.nr[h] / 2;
		while (pos--)
			sift_down(c, h, pos);
	}
}

/*
 * Turns the main heap's array of n slots into the list: heapsort it in
 * place (most recent first), point each slot at its predecessor, then,
 * the array read, write the successors into it.  O(n log n), no memory.
 */
static void list_build(struct aatts_cache *c)
{
	u32 *a = c->heap.slot, n = c->heap.nr[AATTS_HEAP_MAIN], i, s;

	if (!n)
		return;
	for (i = n / 2; i--; )
		sift_down(c, AATTS_HEAP_MAIN, i);
	for (i = n - 1; i > 0; i--) {
		u32 root = a[0];

		c->heap.nr[AATTS_HEAP_MAIN] = i;
		place(c, AATTS_HEAP_MAIN, 0, a[i]);
		sift_down(c, AATTS_HEAP_MAIN, 0);
		a[i] = root;
	}
	for (i = 0; i < n; i++)
		c->slots[a[i]].hpos = i + 1 < n ? a[i + 1] : AATTS_LIST_HEAD;
	c->heap.head = a[n - 1];
	c->heap.tail = a[0];
	for (s = 0; s < c->stats.nr_slots; s++) {
		u32 prev = c->slots[s].hpos;

		if (prev != AATTS_NO_SLOT && prev != AATTS_LIST_HEAD)
			a[prev] = s;
	}
	a[c->heap.tail] = AATTS_NO_SLOT;
	c->heap.nr[AATTS_HEAP_MAIN] = n;
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
	c->heap.head = AATTS_NO_SLOT;
	c->heap.tail = AATTS_NO_SLOT;
	if (c->policy->list)
		list_build(c);
	else
		aatts_heap_reorder(c);
}

/* The next victim of heap h, or AATTS_NO_SLOT when it is empty. */
u32 aatts_heap_root(const struct aatts_cache *c, u32 h)
{
	if (listed(c, h))
		return c->heap.head;
	return c->heap.nr[h] ? *cell(c, h, 0) : AATTS_NO_SLOT;
}
