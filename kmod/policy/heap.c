// SPDX-License-Identifier: GPL-2.0-only
/*
 * The eviction order: binary min-heaps of the evictable slots (VALID, not
 * pinned); the root of each is its next victim.  Every policy that evicts
 * is such an order (lru: last access, fifo: admission, lfu: aged frequency
 * then last access, isa and default: score then last access), so one
 * structure serves them all.  A policy without before() (minio) keeps
 * them empty.
 *
 * There are two heaps in the one array of nr_slots entries: the main heap
 * grows from the front under the policy's before(), the admission window
 * of the default policy (slots flagged AATTS_SLOT_WINDOW) grows from the
 * back in lru order.  They never meet: together they hold at most every
 * slot once.  Every policy but default keeps the window empty.
 *
 * lru's order is recency itself, so its evictable slots live in a doubly
 * linked list instead, O(1) per access: a read moves the slot to the
 * tail, the head is the victim.  hpos is the predecessor
 * (AATTS_LIST_HEAD for the head), aux[s] the successor of slot s; such
 * slots are flagged AATTS_SLOT_LISTED.  A slot that becomes evictable
 * again (filled, unpinned) goes to the tail, as if just read.
 *
 * A policy switch allocates nothing and holds the caller's lock for a
 * bounded time only: aatts_heap_restart() empties the structures in O(1)
 * and makes every slot "not adopted" by flipping the parity that
 * AATTS_SLOT_ADOPTED must match; aatts_heap_adopt_step() then walks the
 * slots in bounded steps and adds each evictable one to the new order.
 * A slot not adopted yet is in no structure (its hpos is stale and never
 * read): it cannot be a victim, and the first event that concerns it (a
 * read, a fill, an unpin) adopts it on the spot.  Under lru the slots the
 * walk adopts go into the main heap in lru order (by last read), and the
 * ones adopted or touched by events into the list: every slot in that
 * heap was last read before the switch, so it goes before every listed
 * one, and the victim is the heap's root while the heap is not empty,
 * else the list's head.  Once every slot is adopted the order is exactly
 * the one a rebuild from scratch would give.
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
	return c->policy->before(c, a, b);
}

static void place(struct aatts_cache *c, u32 h, u32 pos, u32 slot)
{
	*cell(c, h, pos) = slot;
	c->slots[slot].hpos = pos;
}

/*
 * sift_up() and sift_down() are inlined into one copy per heap (h a
 * constant there): the cell arithmetic and the order fold away.
 */
static __always_inline void sift_up_in(struct aatts_cache *c, u32 h,
				       u32 pos)
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

/*
 * The slot at pos can only go down (its key rose).  Bottom-up (Floyd):
 * the hole goes to the bottom along the smaller children, one comparison
 * a level, and the slot comes back up while what moved up there does not
 * go before it.  It lands where the top-down sift (two comparisons a
 * level, until the smaller child does not go before it) would put it, for
 * every strict weak order: the children path is sorted, so the entries
 * going before the slot are a prefix of it.  Each policy's order is one
 * (lfu's compares freq << epoch exactly), and a read or a deleted root's
 * replacement belongs near the bottom, so this costs about half the
 * comparisons.
 */
static __always_inline void sift_down_in(struct aatts_cache *c, u32 h,
					 u32 pos)
{
	u32 slot = *cell(c, h, pos);
	u32 nr = c->heap.nr[h];
	u32 top = pos, child;

	while ((child = 2 * pos + 1) < nr) {
		if (child + 1 < nr &&
		    goes_before(c, h, *cell(c, h, child + 1), *cell(c, h, child)))
			child++;
		place(c, h, pos, *cell(c, h, child));
		pos = child;
	}
	while (pos > top) {
		u32 parent = (pos - 1) / 2;
		u32 up = *cell(c, h, parent);

		if (goes_before(c, h, up, slot))
			break;
		place(c, h, pos, up);
		pos = parent;
	}
	place(c, h, pos, slot);
}

static void sift_up(struct aatts_cache *c, u32 h, u32 pos)
{
	if (h == AATTS_HEAP_MAIN)
		sift_up_in(c, AATTS_HEAP_MAIN, pos);
	else
		sift_up_in(c, AATTS_HEAP_WINDOW, pos);
}

static void sift_down(struct aatts_cache *c, u32 h, u32 pos)
{
	if (h == AATTS_HEAP_MAIN)
		sift_down_in(c, AATTS_HEAP_MAIN, pos);
	else
		sift_down_in(c, AATTS_HEAP_WINDOW, pos);
}

/* The slot's key changed either way: up, or else down bottom-up. */
static void heap_sift(struct aatts_cache *c, u32 slot)
{
	u32 h = heap_of(c, slot);
	u32 pos = c->slots[slot].hpos;

	sift_up(c, h, pos);
	if (c->slots[slot].hpos == pos)
		sift_down(c, h, pos);
}

static void heap_add(struct aatts_cache *c, u32 slot)
{
	u32 h = heap_of(c, slot);

	place(c, h, c->heap.nr[h]++, slot);
	sift_up(c, h, c->heap.nr[h] - 1);
}

static void heap_del(struct aatts_cache *c, u32 slot)
{
	u32 pos = c->slots[slot].hpos;
	u32 h = heap_of(c, slot);
	u32 last;

	c->slots[slot].hpos = AATTS_NO_SLOT;
	last = *cell(c, h, --c->heap.nr[h]);
	if (pos == c->heap.nr[h])
		return;
	place(c, h, pos, last);
	heap_sift(c, last);
}

static void list_append(struct aatts_cache *c, u32 s)
{
	struct aatts_heap *l = &c->heap;

	c->slots[s].hpos = l->tail == AATTS_NO_SLOT ? AATTS_LIST_HEAD : l->tail;
	c->slots[s].flags |= AATTS_SLOT_LISTED;
	c->aux[s] = AATTS_NO_SLOT;
	if (l->tail == AATTS_NO_SLOT)
		l->head = s;
	else
		c->aux[l->tail] = s;
	l->tail = s;
	l->nr_listed++;
}

static void list_unlink(struct aatts_cache *c, u32 s)
{
	struct aatts_heap *l = &c->heap;
	u32 prev = c->slots[s].hpos, next = c->aux[s];

	if (prev == AATTS_LIST_HEAD)
		l->head = next;
	else
		c->aux[prev] = next;
	if (next == AATTS_NO_SLOT)
		l->tail = prev == AATTS_LIST_HEAD ? AATTS_NO_SLOT : prev;
	else
		c->slots[next].hpos = prev;
	c->slots[s].hpos = AATTS_NO_SLOT;
	c->slots[s].flags &= ~AATTS_SLOT_LISTED;
	l->nr_listed--;
}

static bool adopted(const struct aatts_cache *c, u32 s)
{
	return (c->slots[s].flags & AATTS_SLOT_ADOPTED) == c->heap.parity;
}

static bool evictable(const struct aatts_cache *c, u32 s)
{
	return c->slots[s].state == AATTS_SLOT_VALID &&
	       !(c->slots[s].flags & AATTS_SLOT_PINNED);
}

/*
 * Per-slot state of the policy in force, for a slot it did not reserve.
 * lfu counts from its switch on, except under default, which counts the
 * reads of every resident block in every mode: a block read while
 * resident keeps a head start of at most AATTS_CARRIED_FREQ reads, enough
 * to keep what the last mode found reused, too little to hold blocks
 * that an earlier mode kept long ago.
 */
#define AATTS_CARRIED_FREQ	1

static void policy_init_slot(struct aatts_cache *c, u32 s)
{
	if (c->policy->ages && !c->heap.was_lfu) {
		if (c->policy_id != AATTS_POLICY_DEFAULT)
			c->slots[s].freq = 0;
		else if (!aatts_mini_lfu_freq(c, c->slots[s].block,
					      &c->slots[s].freq))
			c->slots[s].freq = min(c->slots[s].freq,
					       (u16)AATTS_CARRIED_FREQ);
		c->aux[s] = c->age;
	}
}

/* Adopts slot s into the policy in force; false if it was already. */
static bool adopt(struct aatts_cache *c, u32 s)
{
	struct aatts_slot *slot = &c->slots[s];

	if (adopted(c, s))
		return false;
	slot->flags &= ~(AATTS_SLOT_WINDOW | AATTS_SLOT_LISTED |
			 AATTS_SLOT_ADOPTED);
	slot->flags |= c->heap.parity;
	slot->hpos = AATTS_NO_SLOT;
	policy_init_slot(c, s);
	return true;
}

/* A slot just reserved for a block belongs to the policy in force. */
void aatts_heap_claim(struct aatts_cache *c, u32 slot)
{
	c->slots[slot].flags |= c->heap.parity;
	c->slots[slot].hpos = AATTS_NO_SLOT;
	c->slots[slot].freq = 0;
	if (c->policy->ages)
		c->aux[slot] = c->age;
}

/* An evictable slot enters the order on an event: lru's list or a heap. */
static void enter(struct aatts_cache *c, u32 slot)
{
	if (c->policy->list)
		list_append(c, slot);
	else
		heap_add(c, slot);
}

/* The slot became evictable (filled, unpinned). */
void aatts_heap_insert(struct aatts_cache *c, u32 slot)
{
	if (!c->policy->before)
		return;
	adopt(c, slot);
	enter(c, slot);
}

/* The slot is no longer evictable. */
void aatts_heap_remove(struct aatts_cache *c, u32 slot)
{
	if (!adopted(c, slot))
		return;
	if (c->slots[slot].flags & AATTS_SLOT_LISTED)
		list_unlink(c, slot);
	else if (c->slots[slot].hpos != AATTS_NO_SLOT)
		heap_del(c, slot);
}

/*
 * lfu's frequency, aged lazily: freq counts as of aging epoch aux[s], and
 * is halved for every epoch since when it is next updated.  The order
 * compares freq << epoch exactly (policies.c), which no tick changes.
 */
static void count_read(struct aatts_cache *c, u32 s)
{
	struct aatts_slot *slot = &c->slots[s];
	u32 idle = c->age - c->aux[s];

	slot->freq = idle >= 16 ? 0 : slot->freq >> idle;
	if (slot->freq < AATTS_FREQ_MAX)
		slot->freq++;
	c->aux[s] = c->age;
}

/* A read access to a resident slot: recency, frequency, and its place. */
void aatts_heap_access(struct aatts_cache *c, u32 slot)
{
	bool newly = c->policy->before && adopt(c, slot);

	c->slots[slot].atime = c->clock;
	if (c->policy->ages)
		count_read(c, slot);
	else if (c->policy_id == AATTS_POLICY_DEFAULT &&
		 c->slots[slot].freq < AATTS_FREQ_MAX)
		c->slots[slot].freq++;
	if (!c->policy->before || !evictable(c, slot))
		return;
	if (newly) {
		enter(c, slot);
	} else if (c->slots[slot].flags & AATTS_SLOT_LISTED) {
		if (c->heap.tail != slot) {
			list_unlink(c, slot);
			list_append(c, slot);
		}
	} else if (c->policy->list) {
		/* Adopted by the switch's walk: read now, it joins the list. */
		heap_del(c, slot);
		list_append(c, slot);
	} else if (!c->policy->hit_keeps_order ||
		   heap_of(c, slot) == AATTS_HEAP_WINDOW) {
		/* A read raised its key: it only goes down. */
		sift_down(c, heap_of(c, slot), c->slots[slot].hpos);
	}
}

/* The slot's score changed (epoch commit): restore its place. */
void aatts_heap_rekey(struct aatts_cache *c, u32 slot)
{
	if (!c->policy->before || !adopted(c, slot) ||
	    c->slots[slot].hpos == AATTS_NO_SLOT ||
	    (c->slots[slot].flags & AATTS_SLOT_LISTED))
		return;
	heap_sift(c, slot);
}

/* An evictable slot moves between the window and the main heap. */
void aatts_heap_move(struct aatts_cache *c, u32 slot)
{
	heap_del(c, slot);
	c->slots[slot].flags ^= AATTS_SLOT_WINDOW;
	heap_add(c, slot);
}

/*
 * A new policy is in force: empty orders, no slot adopted.  was_lfu: the
 * policy before was lfu, so the slots' frequencies and epochs stand.
 */
void aatts_heap_restart(struct aatts_cache *c, bool was_lfu)
{
	struct aatts_heap *l = &c->heap;

	l->parity ^= AATTS_SLOT_ADOPTED;
	l->nr[AATTS_HEAP_MAIN] = 0;
	l->nr[AATTS_HEAP_WINDOW] = 0;
	l->head = AATTS_NO_SLOT;
	l->tail = AATTS_NO_SLOT;
	l->nr_listed = 0;
	l->was_lfu = was_lfu;
	/*
	 * Nothing resident, nothing to adopt: a slot is claimed when it is
	 * reserved.  Otherwise every slot is walked, even for a policy that
	 * orders nothing (minio), so that once the walk is done every slot in
	 * use matches the parity, whatever the number of switches.
	 */
	l->adopt = c->stats.nr_valid + c->stats.nr_filling ? 0 :
		   c->stats.nr_slots;
}

/*
 * Adopts the slots from the cursor on, within *budget work units; true
 * once every slot is adopted.  The adopted evictable slots go into the
 * main heap (under lru too: see the top of this file).
 */
bool aatts_heap_adopt_step(struct aatts_cache *c, u32 *budget)
{
	struct aatts_heap *l = &c->heap;

	while (l->adopt < c->stats.nr_slots && *budget) {
		u32 s = l->adopt++, cost = AATTS_COST_SCAN;

		if (c->slots[s].state != AATTS_SLOT_FREE && adopt(c, s) &&
		    c->policy->before && evictable(c, s)) {
			heap_add(c, s);
			/*
			 * Slots come in index order, keys at random: a sift
			 * up moves less than two levels on average
			 * (measured: 40 ns an insert at 16 M slots).
			 */
			cost += AATTS_COST_LOOKUP;
		}
		*budget -= min(cost, *budget);
	}
	return l->adopt == c->stats.nr_slots;
}

/* The next victim of heap h, or AATTS_NO_SLOT when it is empty. */
u32 aatts_heap_root(const struct aatts_cache *c, u32 h)
{
	if (c->heap.nr[h])
		return *cell(c, h, 0);
	return h == AATTS_HEAP_MAIN && c->policy->list ? c->heap.head :
							  AATTS_NO_SLOT;
}
