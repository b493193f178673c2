// SPDX-License-Identifier: GPL-2.0-only
/* The prefetch planner (planner.h). */
#include <stdlib.h>

#include "planner.h"

struct stream {
	uint64_t id;		/* 0: free */
	uint64_t next;		/* block after the stream's last read */
	uint32_t run;		/* reads in a row, each where the last ended */
};

/*
 * An issued block, in a FIFO ring in the order of issue and in a chained
 * hash table (heads[], next: ring index + 1; 0 ends a chain) while unread.
 */
struct issued {
	uint64_t block;
	uint64_t t;		/* the clock when issued */
	uint64_t ns;		/* the caller's time when issued */
	uint32_t next;
	uint32_t live;		/* issued, neither read nor forgotten */
};

struct planner {
	struct markov *m;
	struct planner_params p;
	struct issued *ring;
	uint32_t cap, head, count;	/* ring of `cap` entries */
	uint32_t live;			/* issued and unread in the ring */
	uint32_t *heads;
	uint64_t heads_mask;
	uint64_t clock;		/* blocks issued + blocks read not issued */
	uint64_t now_ns;	/* planner_set_time() */
	struct stream *streams;
	uint64_t streams_mask;
	struct planner_stats st;
	/* planner_observe()'s output while it runs */
	struct markov_extent *out;
	size_t n, max;
	uint64_t left;		/* budget left for this read */
};

static uint64_t pow2(uint64_t n)
{
	uint64_t s = 1;

	while (s < n)
		s <<= 1;
	return s;
}

struct planner *planner_create(const struct planner_params *p)
{
	struct planner *pl;
	uint64_t recent = p->recent ? p->recent : 65536;
	uint64_t streams = p->streams ? p->streams : 4096;

	if (recent > PLANNER_RECENT_MAX || streams > 1U << 24 ||
	    p->ahead > recent ||
	    (p->seq_min_run && !p->seq_window))
		return NULL;
	pl = calloc(1, sizeof(*pl));
	if (!pl)
		return NULL;
	pl->p = *p;
	if (!pl->p.depth)
		pl->p.depth = 1;
	if (!pl->p.max_len)
		pl->p.max_len = 1024;
	pl->cap = (uint32_t)recent;
	streams = pow2(streams);
	pl->m = markov_create(&p->markov);
	pl->ring = calloc(recent, sizeof(*pl->ring));
	pl->heads = calloc(pow2(recent), sizeof(*pl->heads));
	pl->streams = calloc(streams, sizeof(*pl->streams));
	if (!pl->m || !pl->ring || !pl->heads || !pl->streams) {
		planner_destroy(pl);
		return NULL;
	}
	pl->heads_mask = pow2(recent) - 1;
	pl->streams_mask = streams - 1;
	return pl;
}

void planner_set_limits(struct planner *pl, uint32_t depth,
			uint32_t seq_window, uint32_t budget)
{
	pl->p.depth = depth ? depth : 1;
	pl->p.seq_window = seq_window;
	pl->p.budget = budget;
}

void planner_set_time(struct planner *pl, uint64_t ns)
{
	if (ns > pl->now_ns)
		pl->now_ns = ns;
}

void planner_destroy(struct planner *pl)
{
	if (!pl)
		return;
	markov_destroy(pl->m);
	free(pl->ring);
	free(pl->heads);
	free(pl->streams);
	free(pl);
}

static uint32_t *chain_of(struct planner *pl, uint64_t block)
{
	return &pl->heads[(block * 0x9e3779b97f4a7c15ULL >> 17) &
			  pl->heads_mask];
}

/* The link that points at the live entry of block (to unlink it); NULL. */
static uint32_t *find(struct planner *pl, uint64_t block)
{
	uint32_t *l = chain_of(pl, block);

	while (*l && pl->ring[*l - 1].block != block)
		l = &pl->ring[*l - 1].next;
	return *l ? l : NULL;
}

static void unlink_at(struct planner *pl, uint32_t *l)
{
	struct issued *e = &pl->ring[*l - 1];

	*l = e->next;
	e->next = 0;
	e->live = 0;
	pl->live--;
}

/* The oldest entry leaves the ring: unread, it was wasted. */
static void pop(struct planner *pl)
{
	struct issued *e = &pl->ring[pl->head];

	if (e->live) {
		pl->st.wasted++;
		unlink_at(pl, find(pl, e->block));
	}
	pl->head = pl->head + 1 == pl->cap ? 0 : pl->head + 1;
	pl->count--;
}

/*
 * A fast tier of `cap` blocks has taken in `cap` blocks since an issued
 * block went in (prefetched and demand-missed blocks alike): the cache
 * would have evicted it by now, so the planner forgets it.
 */
static void expire(struct planner *pl)
{
	while (pl->count && pl->clock - pl->ring[pl->head].t >= pl->cap)
		pop(pl);
}

/* Blocks read: those issued and still remembered were used. */
static void account_read(struct planner *pl, const struct markov_extent *x)
{
	uint64_t b;
	uint32_t *l;

	pl->st.read_blocks += x->len;
	for (b = x->first; b < x->first + x->len; b++) {
		l = find(pl, b);
		if (l) {
			pl->st.used++;
			pl->st.lead_ns += pl->now_ns - pl->ring[*l - 1].ns;
			unlink_at(pl, l);
		} else {
			pl->clock++;	/* a demand miss takes a slot */
			expire(pl);
		}
	}
}

/* Issues block b, growing the last output extent when b continues it. */
static void issue(struct planner *pl, uint64_t b)
{
	struct markov_extent *last = pl->n ? &pl->out[pl->n - 1] : NULL;
	struct issued *e;
	uint32_t i, *c;

	if (find(pl, b)) {
		pl->st.repeated++;
		return;
	}
	if ((pl->p.budget && !pl->left) ||
	    (pl->p.ahead && pl->live >= pl->p.ahead)) {
		pl->st.over_budget++;
		return;
	}
	if (!last || last->first + last->len != b || last->len == UINT32_MAX) {
		if (pl->n == pl->max) {
			pl->st.over_budget++;
			return;
		}
		last = &pl->out[pl->n++];
		last->first = b;
		last->len = 0;
	}
	last->len++;
	pl->clock++;
	expire(pl);
	if (pl->count == pl->cap)
		pop(pl);
	i = pl->head + pl->count;
	if (i >= pl->cap)
		i -= pl->cap;
	e = &pl->ring[i];
	c = chain_of(pl, b);
	*e = (struct issued){ .block = b, .t = pl->clock, .ns = pl->now_ns,
			      .next = *c, .live = 1 };
	*c = i + 1;
	pl->count++;
	pl->live++;
	pl->st.issued++;
	pl->left--;
}

static void issue_extent(struct planner *pl, uint64_t first, uint64_t len)
{
	uint64_t b;

	for (b = first; b < first + len; b++)
		issue(pl, b);
}

/* The sequential predictor: the window after x, within the stream. */
static void predict_seq(struct planner *pl, uint64_t id,
			const struct markov_extent *x, uint64_t limit)
{
	struct stream *s = &pl->streams[(id * 0x9e3779b97f4a7c15ULL >> 20) &
					pl->streams_mask];
	uint64_t end = x->first + x->len;

	if (s->id == id && s->next == x->first)
		s->run++;
	else
		s->run = 1;
	s->id = id;
	s->next = end;
	if (s->run < pl->p.seq_min_run || limit <= end)
		return;
	pl->st.seq_extents++;
	issue_extent(pl, end, limit - end < pl->p.seq_window ?
		     limit - end : pl->p.seq_window);
}

size_t planner_observe(struct planner *pl, uint64_t stream,
		       const struct markov_extent *x, uint64_t limit,
		       struct markov_extent *out, size_t max)
{
	struct markov_extent next;
	uint32_t d;

	pl->st.reads++;
	pl->out = out;
	pl->n = 0;
	pl->max = max;
	pl->left = pl->p.budget ? pl->p.budget : UINT64_MAX;
	account_read(pl, x);
	if (stream && pl->p.seq_min_run)
		predict_seq(pl, stream, x, limit);
	if (markov_access(pl->m, x, &next)) {
		for (d = 0; d < pl->p.depth; d++) {
			pl->st.markov_extents++;
			issue_extent(pl, next.first, next.len < pl->p.max_len ?
				     next.len : pl->p.max_len);
			if (d + 1 == pl->p.depth ||
			    !markov_predict(pl->m, next.first, &next))
				break;
		}
	}
	pl->out = NULL;
	return pl->n;
}

void planner_break(struct planner *pl)
{
	markov_break(pl->m);
}

void planner_get_stats(const struct planner *pl, struct planner_stats *st)
{
	*st = pl->st;
}

const struct markov *planner_markov(const struct planner *pl)
{
	return pl->m;
}

uint64_t planner_bytes(const struct planner *pl)
{
	return sizeof(*pl) + markov_bytes(pl->m) +
	       (uint64_t)pl->cap * sizeof(*pl->ring) +
	       (pl->heads_mask + 1) * sizeof(*pl->heads) +
	       (pl->streams_mask + 1) * sizeof(*pl->streams);
}
