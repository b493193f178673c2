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
