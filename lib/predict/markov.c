// SPDX-License-Identifier: GPL-2.0-only
/* The first-order Markov extent predictor (markov.h). */
#include <stdlib.h>

#include "markov.h"

#define CONF_MAX MARKOV_CONF_MAX
#define NO_BLOCK UINT64_MAX

struct entry {
	uint64_t key;		/* start block of the extent, NO_BLOCK: free */
	uint64_t next;		/* start block of its successor */
	uint32_t len;		/* the successor's length */
	uint32_t conf;		/* 0..CONF_MAX */
};

struct markov {
	struct entry *table;
	uint64_t mask;
	uint32_t min_conf;
	bool has_prev;
	uint64_t prev;		/* start block of the previous extent */
	struct markov_stats stats;
};

static uint64_t slot_of(const struct markov *m, uint64_t block)
{
	return ((block * 0x9e3779b97f4a7c15ULL) >> 17) & m->mask;
}

struct markov *markov_create(const struct markov_params *p)
{
	uint64_t entries = p->entries ? p->entries : 1U << 20, size = 1, i;
	struct markov *m;

	if (p->min_conf > CONF_MAX || entries > 1U << 30)
		return NULL;
	while (size < entries)
		size <<= 1;
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->table = calloc(size, sizeof(*m->table));
	if (!m->table) {
		free(m);
		return NULL;
	}
	for (i = 0; i < size; i++)
		m->table[i].key = NO_BLOCK;
	m->mask = size - 1;
	m->min_conf = p->min_conf ? p->min_conf : 2;
	return m;
}

void markov_destroy(struct markov *m)
{
	if (m) {
		free(m->table);
		free(m);
	}
}

/* Learns the transition prev -> x. */
static void learn(struct markov *m, uint64_t prev,
		  const struct markov_extent *x)
{
	struct entry *e = &m->table[slot_of(m, prev)];

	if (e->key != prev) {
		/* Another start block's slot: decay it, take it when cold. */
		if (e->key != NO_BLOCK && e->conf) {
			e->conf--;
			return;
		}
		*e = (struct entry) { prev, x->first, x->len, 1 };
		m->stats.replaced++;
		return;
	}
	if (e->next == x->first) {
		m->stats.confirmed++;
		e->len = x->len;
		if (e->conf < CONF_MAX)
			e->conf++;
		return;
	}
	/*
	 * Down fast: one other successor halves the confidence, so a learnt
	 * order that stops repeating (a loader turned to random epochs) goes
	 * quiet after one miss at the default min_conf 2.
	 */
	if (e->conf > 1) {
		e->conf /= 2;
		return;
	}
	e->next = x->first;
	e->len = x->len;
	e->conf = 1;
	m->stats.replaced++;
}

bool markov_predict(const struct markov *m, uint64_t first,
		    struct markov_extent *next)
{
	const struct entry *e = &m->table[slot_of(m, first)];

	if (first == NO_BLOCK || e->key != first || e->conf < m->min_conf)
		return false;
	next->first = e->next;
	next->len = e->len;
	return true;
}

uint32_t markov_conf(const struct markov *m, uint64_t first)
{
	const struct entry *e = &m->table[slot_of(m, first)];

	return first != NO_BLOCK && e->key == first ? e->conf : 0;
}

bool markov_access(struct markov *m, const struct markov_extent *x,
		   struct markov_extent *next)
{
	bool hit;

	m->stats.accesses++;
	if (x->first == NO_BLOCK) {
		m->has_prev = false;
		return false;
	}
	if (m->has_prev)
		learn(m, m->prev, x);
	m->prev = x->first;
	m->has_prev = true;
	hit = markov_predict(m, x->first, next);
	m->stats.predictions += hit;
	return hit;
}

void markov_break(struct markov *m)
{
	m->has_prev = false;
}

void markov_get_stats(const struct markov *m, struct markov_stats *s)
{
	*s = m->stats;
}

uint64_t markov_bytes(const struct markov *m)
{
	return sizeof(*m) + (m->mask + 1) * sizeof(*m->table);
}
