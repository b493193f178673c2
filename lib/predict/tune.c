// SPDX-License-Identifier: GPL-2.0-only
/* The performance / cost knob (tune.h). */
#include <string.h>

#include "tune.h"

struct mode_bounds {
	const char *name;
	uint32_t start, max;	/* levels */
	uint32_t floor;		/* precision floor, percent */
	uint32_t share;		/* percent of the peak for prefetch; 100: all */
};

static const struct mode_bounds bounds[] = {
	[TUNE_PERFORMANCE] = { "performance", 4, TUNE_LEVEL_MAX, 50, 100 },
	[TUNE_BALANCED] = { "balanced", 2, 5, 70, 50 },
	[TUNE_ECONOMY] = { "economy", 1, 2, 90, 10 },
};

void tune_init(struct tune *t, enum tune_mode mode, uint64_t budget_bps)
{
	memset(t, 0, sizeof(*t));
	t->mode = mode;
	t->budget_bps = budget_bps;
	t->level = bounds[mode].start;
}

/* Bytes per second of n bytes over ns nanoseconds. */
static uint64_t rate(uint64_t n, uint64_t ns)
{
	if (!ns)
		return 0;
	if (n > UINT64_MAX / 1000000000ULL)
		return n / (ns / 1000000000ULL ? ns / 1000000000ULL : 1);
	return n * 1000000000ULL / ns;
}

/* The prefetch bytes/s allowed: the budget, or the mode's share. */
static uint64_t allowed(const struct tune *t)
{
	if (t->budget_bps)
		return t->budget_bps;
	if (bounds[t->mode].share >= 100 || !t->peak_bps)
		return 0;
	return t->peak_bps / 100 * bounds[t->mode].share;
}

void tune_get(const struct tune *t, struct tune_out *out)
{
	uint32_t l = t->level;

	out->level = l;
	out->depth = l;
	out->seq_window = l ? 4U << l : 0;
	out->budget = l ? 16U << l : 0;
	out->migration_bps = allowed(t);
	out->peak_bps = t->peak_bps;
}

void tune_interval(struct tune *t, const struct tune_sample *s,
		   struct tune_out *out)
{
	const struct mode_bounds *b = &bounds[t->mode];
	uint64_t demand = rate(s->demand_bytes, s->ns);
	uint64_t pf = rate(s->prefetch_bytes, s->ns);
	uint64_t judged = s->used + s->wasted, cap;
	int imprecise = judged >= TUNE_MIN_JUDGED &&
			s->used * 100 < judged * b->floor;

	t->peak_bps -= t->peak_bps / 64;
	if (demand + pf > t->peak_bps)
		t->peak_bps = demand + pf;
	cap = allowed(t);
	if (imprecise) {
		t->level /= 2;
	} else if (cap && pf > cap && (demand || t->budget_bps)) {
		if (t->level)
			t->level--;
	} else if (s->accesses && s->hits * 100 < s->accesses * TUNE_HIT_GOAL &&
		   (demand + pf) * 100 < t->peak_bps * TUNE_BUSY &&
		   t->level < b->max) {
		t->level++;
	}
	if (t->level > b->max)
		t->level = b->max;
	tune_get(t, out);
}

int tune_mode_parse(const char *name)
{
	unsigned int i;

	for (i = 0; i < sizeof(bounds) / sizeof(bounds[0]); i++)
		if (!strcmp(name, bounds[i].name))
			return (int)i;
	return -1;
}

const char *tune_mode_name(enum tune_mode mode)
{
	return bounds[mode].name;
}
