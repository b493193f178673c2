// SPDX-License-Identifier: GPL-2.0-only
/*
 * The reference policies lru, fifo and minio written directly from trace
 * format v1's definitions (--engine ref), independently of the policy
 * core: a cross-check of the core (tests/host/sim_ref.sh) and a fast path,
 * O(1) per block access.  Residents form one doubly linked list over the
 * dense block numbers, oldest first: lru moves a block to the tail when it
 * is read, fifo never moves it, minio never evicts.  As in the core, an
 * admission (read miss or P record) makes a block the most recent, and a
 * write changes nothing.  I and E records change nothing but the per-epoch
 * accounting.
 */
#include <stdio.h>
#include <stdint.h>

#include "replay.h"

#define NIL UINT32_MAX

enum ref_policy { REF_LRU, REF_FIFO, REF_MINIO };

struct ref {
	u32 *prev, *next;	/* per block; prev == NIL and head != b: not resident */
	u8 *resident;
	u32 head, tail;		/* oldest, newest */
	u32 nr, cap;
	enum ref_policy policy;
	struct sim_result *r;
};

static void unlink_block(struct ref *c, u32 b)
{
	if (c->prev[b] != NIL)
		c->next[c->prev[b]] = c->next[b];
	else
		c->head = c->next[b];
	if (c->next[b] != NIL)
		c->prev[c->next[b]] = c->prev[b];
	else
		c->tail = c->prev[b];
}

static void append(struct ref *c, u32 b)
{
	c->prev[b] = c->tail;
	c->next[b] = NIL;
	if (c->tail != NIL)
		c->next[c->tail] = b;
	else
		c->head = b;
	c->tail = b;
}

/* Admits b (not resident); false when minio is full. */
static bool admit(struct ref *c, u32 b)
{
	if (c->nr == c->cap) {
		u32 victim = c->head;

		if (c->policy == REF_MINIO)
			return false;
		unlink_block(c, victim);
		c->resident[victim] = 0;
		c->nr--;
		c->r->evictions++;
	}
	append(c, b);
	c->resident[b] = 1;
	c->nr++;
	c->r->promotions++;
	return true;
}

static void read_block(struct ref *c, u32 b)
{
	if (c->resident[b]) {
		c->r->hits++;
		if (c->policy == REF_LRU && c->tail != b) {
			unlink_block(c, b);
			append(c, b);
		}
		return;
	}
	if (!admit(c, b))
		c->r->rejections++;
}

static void *zalloc_or_die(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (!p) {
		fprintf(stderr, "aatts-sim: out of memory\n");
		exit(1);
	}
	return p;
}

bool sim_ref_supports(const char *policy)
{
	return !strcmp(policy, "lru") || !strcmp(policy, "fifo") ||
	       !strcmp(policy, "minio");
}

int sim_replay_ref(const struct sim_trace *t, const char *policy,
		   u32 cache_blocks, struct sim_result *r)
{
	struct ref c = {
		.head = NIL, .tail = NIL, .cap = cache_blocks, .r = r,
		.policy = !strcmp(policy, "lru") ? REF_LRU :
			  !strcmp(policy, "fifo") ? REF_FIFO : REF_MINIO,
	};
	u64 slow_before = 0, slow;
	size_t i, epoch = 0;
	u32 b;

	if (!sim_ref_supports(policy))
		return -1;
	memset(r, 0, sizeof(*r));
	c.prev = zalloc_or_die(t->nr_blocks, sizeof(*c.prev));
	c.next = zalloc_or_die(t->nr_blocks, sizeof(*c.next));
	c.resident = zalloc_or_die(t->nr_blocks, 1);
	r->nr_epoch_slow = t->nr_epochs + 1;
	r->epoch_slow = zalloc_or_die(r->nr_epoch_slow, sizeof(u64));
	for (i = 0; i < t->nr_rec; i++) {
		const struct sim_record *rec = &t->rec[i];

		switch (rec->op) {
		case SIM_READ:
			r->accesses += rec->last - rec->first + 1ULL;
			for (b = rec->first; b <= rec->last; b++)
				read_block(&c, b);
			break;
		case SIM_PREFETCH:
			for (b = rec->first; b <= rec->last; b++)
				if (!c.resident[b] && admit(&c, b))
					r->prefetched++;
			break;
		case SIM_EPOCH:
			slow = r->accesses - r->hits + r->prefetched;
			r->epoch_slow[epoch++] = slow - slow_before;
			slow_before = slow;
			break;
		default:
			break;
		}
	}
	r->epoch_slow[epoch] = r->accesses - r->hits + r->prefetched -
			       slow_before;
	free(c.prev);
	free(c.next);
	free(c.resident);
	return 0;
}
