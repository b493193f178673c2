// SPDX-License-Identifier: GPL-2.0-only
/*
 * The block -> slot hash table: a power-of-two array of chain heads, at
 * least one per two slots (chains of at most two blocks on average, so
 * that the core stays within 56 bytes per slot), chained through
 * aatts_slot.next.  It holds the
 * FILLING and VALID slots.
 */
#include "aatts_core.h"

int aatts_map_init(struct aatts_cache *c)
{
	u32 nr_buckets = max(1U, aatts_pow2_above(c->stats.nr_slots) / 2);

	c->bucket = pc_zalloc((size_t)nr_buckets * sizeof(*c->bucket));
	if (!c->bucket)
		return -ENOMEM;
	/* Every byte 0xff: every head is AATTS_NO_SLOT. */
	memset(c->bucket, 0xff, (size_t)nr_buckets * sizeof(*c->bucket));
	c->bucket_mask = nr_buckets - 1;
	return 0;
}

static u32 *head_of(const struct aatts_cache *c, u64 block)
{
	return &c->bucket[aatts_hash64(block) & c->bucket_mask];
}

u32 aatts_map_find(const struct aatts_cache *c, u64 block)
{
	u32 s = *head_of(c, block);

	while (s != AATTS_NO_SLOT && c->slots[s].block != block)
		s = c->slots[s].next;
	return s;
}

void aatts_map_add(struct aatts_cache *c, u32 slot)
{
	u32 *head = head_of(c, c->slots[slot].block);

	c->slots[slot].next = *head;
	*head = slot;
}

void aatts_map_del(struct aatts_cache *c, u32 slot)
{
	u32 *link = head_of(c, c->slots[slot].block);

	while (*link != slot)
		link = &c->slots[*link].next;
	*link = c->slots[slot].next;
}

/* Chain steps a lockless peek takes before it gives up (chains average 2). */
#define AATTS_PEEK_STEPS	32

bool aatts_cache_peek_begin(const struct aatts_cache *c, u32 *seq)
{
	*seq = PC_READ_ONCE(c->map_seq);
	pc_smp_rmb();
	return !(*seq & 1);
}

/*
 * May read a map that a writer is changing: every index is checked before
 * use and the walk is bounded, and aatts_cache_peek_retry() tells whether
 * the answer holds.
 */
u32 aatts_cache_peek(const struct aatts_cache *c, u64 block)
{
	u32 s = PC_READ_ONCE(c->bucket[aatts_hash64(block) & c->bucket_mask]);
	u32 steps;

	for (steps = 0; steps < AATTS_PEEK_STEPS; steps++) {
		if (s >= c->stats.nr_slots)
			return AATTS_NO_SLOT;
		if (PC_READ_ONCE(c->slots[s].block) == block)
			return PC_READ_ONCE(c->slots[s].state) == AATTS_SLOT_VALID ?
			       s : AATTS_NO_SLOT;
		s = PC_READ_ONCE(c->slots[s].next);
	}
	return AATTS_NO_SLOT;
}

bool aatts_cache_peek_valid(const struct aatts_cache *c, u32 seq)
{
	pc_smp_rmb();
	return PC_READ_ONCE(c->map_seq) == seq;
}
