// SPDX-License-Identifier: GPL-2.0-only
/*
 * Belady's OPT with bypass, as trace format v1 defines it: a miss is
 * admitted unless the block is never read again or, with the cache full,
 * its next read is later than every resident block's; a full cache evicts
 * the resident block read again furthest in the future.  Only R records
 * count; W, I, E and P records change nothing.  O(n log n): next reads
 * are precomputed, residents sit in a max-heap keyed by their next read.
 */
#include <stdio.h>
#include <stdint.h>

#include "replay.h"

#define NEVER UINT32_MAX

struct opt {
	u32 *seq;		/* block of each read access */
	u32 *next;		/* index of the next read of the same block */
	u32 *key;		/* per block: next read, while resident */
	u32 *pos;		/* per block: heap index or NEVER */
	u32 *heap;		/* resident blocks, max-heap on key */
	u32 nr;
};

static void *zalloc_array(u64 n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (!p) {
		fprintf(stderr, "aatts-sim: out of memory\n");
		exit(1);
	}
	return p;
}

static void heap_set(struct opt *o, u32 i, u32 block)
{
	o->heap[i] = block;
	o->pos[block] = i;
}

static bool later(const struct opt *o, u32 i, u32 j)
{
	return o->key[o->heap[i]] > o->key[o->heap[j]];
}

static void swap_up(struct opt *o, u32 i)
{
	while (i && later(o, i, (i - 1) / 2)) {
		u32 parent = (i - 1) / 2, b = o->heap[i];

		heap_set(o, i, o->heap[parent]);
		heap_set(o, parent, b);
		i = parent;
	}
}

static void swap_down(struct opt *o, u32 i)
{
	for (;;) {
		u32 big = i, l = 2 * i + 1, b = o->heap[i];

		if (l < o->nr && later(o, l, big))
			big = l;
		if (l + 1 < o->nr && later(o, l + 1, big))
			big = l + 1;
		if (big == i)
			return;
		heap_set(o, i, o->heap[big]);
		heap_set(o, big, b);
		i = big;
	}
}

/* Builds the read sequence and each read's next read of the block. */
static void precompute(const struct sim_trace *t, struct opt *o)
{
	u32 *last = o->pos;	/* borrowed: every entry ends NEVER */
	size_t i, n = 0;
	u64 b;

	for (i = 0; i < t->nr_rec; i++)
		if (t->rec[i].op == SIM_READ)
			for (b = t->rec[i].first; b <= t->rec[i].last; b++)
				o->seq[n++] = b;
	memset(last, 0xff, t->nr_blocks * sizeof(*last));
	while (n--) {
		o->next[n] = last[o->seq[n]];
		last[o->seq[n]] = n;
	}
	memset(last, 0xff, t->nr_blocks * sizeof(*last));
}

static void access_block(struct opt *o, u32 i, u32 cache_blocks,
			 struct sim_result *r)
{
	u32 block = o->seq[i], next = o->next[i];

	if (o->pos[block] != NEVER) {
		r->hits++;
		o->key[block] = next;
		swap_up(o, o->pos[block]);
		return;
	}
	if (next == NEVER ||
	    (o->nr == cache_blocks && next > o->key[o->heap[0]])) {
		r->rejections++;
		return;
	}
	if (o->nr == cache_blocks) {
		o->pos[o->heap[0]] = NEVER;
		heap_set(o, 0, o->heap[--o->nr]);
		swap_down(o, 0);
		r->evictions++;
	}
	r->promotions++;
	o->key[block] = next;
	heap_set(o, o->nr++, block);
	swap_up(o, o->nr - 1);
}

int sim_replay_opt(const struct sim_trace *t, u32 cache_blocks,
		   struct sim_result *r)
{
	struct opt o = { 0 };
	u64 slow_before = 0;
	size_t k, epoch = 0;
	u32 i, end;

	if (t->nr_reads >= NEVER) {
		fprintf(stderr, "aatts-sim: opt: too many read accesses\n");
		return -1;
	}
	o.seq = zalloc_array(t->nr_reads, sizeof(*o.seq));
	o.next = zalloc_array(t->nr_reads, sizeof(*o.next));
	o.key = zalloc_array(t->nr_blocks, sizeof(*o.key));
	o.pos = zalloc_array(t->nr_blocks, sizeof(*o.pos));
	o.heap = zalloc_array(cache_blocks, sizeof(*o.heap));
	precompute(t, &o);
	memset(r, 0, sizeof(*r));
	r->nr_epoch_slow = t->nr_epochs + 1;
	r->epoch_slow = zalloc_array(r->nr_epoch_slow, sizeof(u64));
	for (k = 0, i = 0; k < t->nr_rec; k++) {
		const struct sim_record *rec = &t->rec[k];

		if (rec->op == SIM_EPOCH) {
			r->epoch_slow[epoch++] = i - r->hits - slow_before;
			slow_before = i - r->hits;
		} else if (rec->op == SIM_READ) {
			end = i + (rec->last - rec->first + 1);
			for (; i < end; i++)
				access_block(&o, i, cache_blocks, r);
		}
	}
	r->epoch_slow[epoch] = i - r->hits - slow_before;
	r->accesses = t->nr_reads;
	free(o.seq);
	free(o.next);
	free(o.key);
	free(o.pos);
	free(o.heap);
	return 0;
}
