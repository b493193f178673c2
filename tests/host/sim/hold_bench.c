// SPDX-License-Identifier: GPL-2.0-only
/*
 * hold_bench: the longest single step of every long operation of the
 * policy core at 16 M slots (or the count given), each step being what
 * aatts.ko does under its I/O spinlock with interrupts off.  Plain C with
 * no locking or allocation in the measured calls, so user-space time
 * approximates kernel time on the same machine (cache misses dominate);
 * it is not a kernel measurement.  A hold with interrupts off is neither
 * preempted nor interrupted, a user process is: a step during which the
 * thread was switched out (getrusage() counts the switches) is left out,
 * and counted; one that took an interrupt stays in, so the longest step
 * may include an interrupt's time, the 99.9th percentile hardly.  Built
 * without the sanitizers.
 *
 *	hold_bench [slots]	(make bench-holds)
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>

#include <string.h>

#include "aatts_cache.h"
#include "aatts_core.h"

static u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static u64 rng_state = 88172645463325252ULL;

static u64 rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/*
 * One operation's steps: how many, each one's time (for the longest and
 * the 99.9th percentile: a timer interrupt or the hypervisor may stretch
 * any one step of a user process), the sum.
 */
struct holds {
	u64 steps, total, preempted;
	u32 *ns;
	u64 cap;
};

static long switches(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_THREAD, &ru))
		return 0;
	return ru.ru_nvcsw + ru.ru_nivcsw;
}

/* The context switches before the step that hold() closes. */
static long switched;

static u64 start(void)
{
	switched = switches();
	return now_ns();
}

static void hold(struct holds *h, u64 t0)
{
	u64 d = now_ns() - t0;

	if (switches() != switched) {
		h->preempted++;
		return;
	}

	if (h->steps == h->cap) {
		h->cap = h->cap ? 2 * h->cap : 4096;
		h->ns = realloc(h->ns, h->cap * sizeof(*h->ns));
		if (!h->ns) {
			fprintf(stderr, "hold_bench: out of memory\n");
			exit(1);
		}
	}
	h->ns[h->steps++] = d > ~0U ? ~0U : d;
	h->total += d;
}

static int by_ns(const void *a, const void *b)
{
	u32 x = *(const u32 *)a, y = *(const u32 *)b;

	return x < y ? -1 : x > y;
}

static u64 worst_ns, worst_p999;

static void report(const char *what, struct holds *h)
{
	u64 longest, p999, p99;

	qsort(h->ns, h->steps, sizeof(*h->ns), by_ns);
	longest = h->ns[h->steps - 1];
	p999 = h->ns[(h->steps - 1) * 999 / 1000];
	p99 = h->ns[(h->steps - 1) * 99 / 100];
	printf("%-40s %8llu %6llu %7.1f %7.1f %7.1f %7.1f %8.1f\n", what,
	       (unsigned long long)h->steps,
	       (unsigned long long)h->preempted, h->total / 1e3 / h->steps,
	       p99 / 1000.0, p999 / 1000.0, longest / 1000.0, h->total / 1e6);
	fflush(stdout);
	if (longest > worst_ns)
		worst_ns = longest;
	if (p999 > worst_p999)
		worst_p999 = p999;
	free(h->ns);
	memset(h, 0, sizeof(*h));
}

static void die(const char *what)
{
	fprintf(stderr, "hold_bench: %s\n", what);
	exit(1);
}

/* Runs the cache's pending steps to the end. */
static void steps(struct aatts_cache *c, struct holds *h)
{
	bool done;

	do {
		u64 t0 = start();

		done = aatts_cache_step(c, AATTS_STEP_BUDGET);
		hold(h, t0);
	} while (!done);
}

static void walk(struct aatts_cache *c, struct aatts_walk *w, struct holds *h)
{
	bool done;

	do {
		u64 t0 = start();

		done = aatts_cache_walk(c, w, AATTS_STEP_BUDGET);
		hold(h, t0);
	} while (!done);
}

static void switch_to(struct aatts_cache *c, enum aatts_policy_id id)
{
	struct holds h = { 0 };
	char what[64];
	u64 t0 = start();

	if (aatts_cache_start_policy_kv(c, id, NULL, 0, NULL))
		die("switch refused");
	hold(&h, t0);
	steps(c, &h);
	snprintf(what, sizeof(what), "policy switch to %s", aatts_policy_name(id));
	report(what, &h);
}

/* Every slot VALID: blocks 0..n-1 read once (the policy in force). */
static void fill(struct aatts_cache *c, u32 n)
{
	struct aatts_promotion p;
	u64 b;

	for (b = 0; b < n; b++) {
		if (aatts_cache_promote(c, b, true, &p))
			die("fill refused");
		aatts_cache_fill_done(c, p.slot, true);
	}
}

/* Random reads on the full cache: hits, and misses that evict. */
static void reads(struct aatts_cache *c, u64 nr_blocks, u32 span,
		  const char *what)
{
	struct aatts_promotion p;
	struct holds h = { 0 };
	bool promote;
	int i;
	u32 j;

	for (i = 0; i < 2000; i++) {
		u64 first = rnd() % (nr_blocks - span), t0 = start();

		for (j = 0; j < span; j++) {
			aatts_cache_read(c, first + j, &p, &promote);
			if (promote)
				aatts_cache_fill_done(c, p.slot, true);
		}
		hold(&h, t0);
	}
	report(what, &h);
}

/*
 * default's deferred shadow reads, replayed n per hold (the worker's
 * step, a question's catch-up), on a cache whose shadows are the largest
 * (AATTS_MINI_SLOTS, half its blocks sampled) and warm: reads through the
 * live cache first, then reads that only wait (aatts_mini_read(), as a
 * hit's), replayed once n wait.
 */
static void shadow_replay(u32 n, const char *what)
{
	struct aatts_cache_params prm = {
		.nr_slots = 2048, .nr_blocks = 8192,
		.policy = AATTS_POLICY_DEFAULT,
	};
	struct aatts_promotion p;
	struct holds h = { 0 };
	struct aatts_cache *c;
	bool promote;
	int i;

	c = aatts_cache_create(&prm);
	if (!c)
		die("cannot create the small cache");
	for (i = 0; i < 400000; i++) {
		aatts_cache_read(c, rnd() % prm.nr_blocks, &p, &promote);
		if (promote)
			aatts_cache_fill_done(c, p.slot, true);
	}
	aatts_cache_defer_shadows(c, true);
	for (i = 0; i < 5000; i++) {
		u64 t0;

		while (aatts_cache_shadows_pending(c) < n)
			aatts_mini_read(c, rnd() % prm.nr_blocks);
		t0 = start();
		aatts_cache_shadows_step(c, n);
		hold(&h, t0);
	}
	report(what, &h);
	aatts_cache_destroy(c);
}

static void residency(struct aatts_cache *c, u64 nr_blocks, u32 chunk)
{
	struct holds h = { 0 };
	char what[64];
	u64 n = 0;
	int i;
	u32 j;

	for (i = 0; i < 5000; i++) {
		u64 first = rnd() % (nr_blocks - chunk), t0 = start();

		for (j = 0; j < chunk; j++)
			n += aatts_cache_lookup(c, first + j) != AATTS_NO_SLOT;
		hold(&h, t0);
	}
	snprintf(what, sizeof(what), "residency lookup, %u blocks", chunk);
	report(what, &h);
	if (n == ~0ULL)
		die("impossible");
}

/* Stages hints over the device; long: heavily overlapping ranges. */
static void hints(struct aatts_cache *c, u64 nr_blocks, u32 nr, u32 len)
{
	u32 i;

	for (i = 0; i < nr; i++) {
		u64 first = rnd() % nr_blocks;
		u64 last = first + rnd() % len;

		if (last >= nr_blocks)
			last = nr_blocks - 1;
		if (aatts_cache_hint(c, first, last, 1 + rnd() % 1000))
			die("hint refused");
	}
}

static void commit(struct aatts_cache *c, const char *what)
{
	struct holds h = { 0 };
	u64 t0 = start();

	aatts_cache_epoch_begin(c);
	hold(&h, t0);
	steps(c, &h);
	report(what, &h);
}

int main(int argc, char **argv)
{
	u32 n = argc > 1 ? strtoul(argv[1], NULL, 0) : 16U << 20;
	struct aatts_cache_params prm = {
		.nr_slots = n, .nr_blocks = 4ULL * n,
		.max_staged_hints = 1U << 20, .policy = AATTS_POLICY_LFU,
	};
	struct aatts_cache_stats st;
	struct aatts_cache *c;
	struct holds h = { 0 };
	struct aatts_walk w;
	u64 t0;
	int i;

	if (!n)
		die("usage: hold_bench [slots]");
	/* Memory in place, as kvzalloc() leaves it: no page fault in a step. */
	if (mlockall(MCL_CURRENT | MCL_FUTURE))
		fprintf(stderr, "hold_bench: mlockall failed, page faults count\n");
	c = aatts_cache_create(&prm);
	if (!c)
		die("cannot create the cache");
	printf("hold_bench: %u slots, %llu blocks, %u bytes/slot, step budget %u units\n",
	       n, (unsigned long long)prm.nr_blocks,
	       aatts_cache_bytes_per_slot(c), AATTS_STEP_BUDGET);
	printf("user-space time of the same C the kernel runs under its lock;\n"
	       "out: steps left out, the thread switched out during them\n");
	printf("%-40s %8s %6s %7s %7s %7s %7s %8s\n", "operation (times in us)",
	       "steps", "out", "mean", "p99", "p99.9", "max", "total ms");
	/* The noise floor: empty steps, timed and filtered the same way. */
	for (i = 0; i < 200000; i++) {
		t0 = start();
		hold(&h, t0);
	}
	report("nothing (the measurement's noise)", &h);
	t0 = start();
	fill(c, n);
	printf("(filled in %.1f s)\n", (now_ns() - t0) / 1e9);

	/* lfu: reads give the frequencies something to order. */
	reads(c, prm.nr_blocks, 1, "read, one block (lfu, full)");
	for (i = 0; i < 1000; i++) {
		t0 = start();
		aatts_cache_tick(c);
		hold(&h, t0);
	}
	report("tick (lfu, aging every tick)", &h);
	reads(c, prm.nr_blocks, 1, "read, one block (lfu, after 1000 ticks)");

	switch_to(c, AATTS_POLICY_LRU);
	reads(c, prm.nr_blocks, 256, "read bio of 256 blocks (lru, full)");
	switch_to(c, AATTS_POLICY_DEFAULT);
	reads(c, prm.nr_blocks, 256, "read bio of 256 blocks (default, full)");
	switch_to(c, AATTS_POLICY_ISA);
	shadow_replay(16, "default's shadows, 16 deferred reads");

	hints(c, prm.nr_blocks, 1U << 20, 8);
	commit(c, "epoch commit, 1 Mi short hints (isa)");
	hints(c, prm.nr_blocks, 1U << 20, 4096);
	commit(c, "epoch commit, 1 Mi long overlapping hints");

	residency(c, prm.nr_blocks, 256);
	residency(c, prm.nr_blocks, 64);

	if (aatts_walk_pin(c, &w, 0, prm.nr_blocks - 1, true))
		die("pin refused");
	walk(c, &w, &h);
	report("pin the whole device", &h);
	if (aatts_walk_pin(c, &w, 0, prm.nr_blocks - 1, false))
		die("unpin refused");
	walk(c, &w, &h);
	report("unpin the whole device", &h);

	aatts_walk_invalidate(c, &w, 0, n - 2);
	walk(c, &w, &h);
	report("demote slots-1 blocks (block by block)", &h);
	aatts_walk_invalidate(c, &w, 0, prm.nr_blocks - 1);
	walk(c, &w, &h);
	report("discard/restore: the whole device", &h);
	aatts_cache_get_stats(c, &st);
	if (st.nr_valid || st.nr_filling)
		die("blocks left after invalidating the whole device");

	printf("longest step of all: %.1f us; longest 99.9th percentile: %.1f us\n",
	       worst_ns / 1000.0, worst_p999 / 1000.0);
	aatts_cache_destroy(c);
	return 0;
}
