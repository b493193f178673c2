// SPDX-License-Identifier: GPL-2.0-only
/*
 * gen_trace KIND SEED BLOCKS ACCESSES: writes a deterministic synthetic
 * trace (format v1, 4096-byte reads, one block each) to stdout.
 *
 *   random      uniform reads over BLOCKS blocks
 *   zipf        Zipf(0.9) reads over BLOCKS blocks
 *   scan        a hot set of BLOCKS/20 blocks read at random, each hot read
 *               followed by two reads of a sequential scan of the rest
 *   perm        epochs of BLOCKS reads, each a fresh random permutation
 *   importance  epochs of BLOCKS reads drawn with replacement, weighted by
 *               per-block importance that drifts every epoch; each epoch
 *               opens with the importance as I records and an E record
 *   shift       a working set of BLOCKS/8 consecutive blocks, read at
 *               random, that moves every BLOCKS accesses
 */
#include <math.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define BS 4096ULL

static uint64_t state;

/* xorshift64*: small, fast and the same everywhere. */
static uint64_t next_random(void)
{
	state ^= state >> 12;
	state ^= state << 25;
	state ^= state >> 27;
	return state * 0x2545f4914f6cdd1dULL;
}

static uint64_t below(uint64_t n)
{
	return next_random() % n;
}

static double uniform(void)
{
	return (next_random() >> 11) * (1.0 / 9007199254740992.0);
}

static void read_block(uint64_t b)
{
	printf("R %llu %llu\n", (unsigned long long)(b * BS),
	       (unsigned long long)BS);
}

/* Index of the first cumulative weight above u * total. */
static uint64_t draw(const double *cdf, uint64_t n)
{
	double u = uniform() * cdf[n - 1];
	uint64_t lo = 0, hi = n - 1;

	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;

		if (cdf[mid] <= u)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static double *alloc_doubles(uint64_t n)
{
	double *d = calloc(n, sizeof(*d));

	if (!d) {
		perror("gen_trace");
		exit(1);
	}
	return d;
}

static void gen_random(uint64_t blocks, uint64_t n)
{
	while (n--)
		read_block(below(blocks));
}

static void gen_zipf(uint64_t blocks, uint64_t n)
{
	double *cdf = alloc_doubles(blocks), sum = 0;
	uint64_t i;

	for (i = 0; i < blocks; i++)
		cdf[i] = sum += 1.0 / pow(i + 1, 0.9);
	/* Scatter the ranks so that popularity is not block order. */
	while (n--)
		read_block((draw(cdf, blocks) * 2654435761ULL) % blocks);
	free(cdf);
}

static void gen_scan(uint64_t blocks, uint64_t n)
{
	uint64_t hot = blocks / 20, cursor = 0;

	while (n >= 3) {
		read_block(below(hot));
		read_block(hot + cursor++ % (blocks - hot));
		read_block(hot + cursor++ % (blocks - hot));
		n -= 3;
	}
}

static void gen_perm(uint64_t blocks, uint64_t n)
{
	uint64_t *order = calloc(blocks, sizeof(*order));
	uint64_t i, j, t;

	if (!order) {
		perror("gen_trace");
		exit(1);
	}
	for (i = 0; i < blocks; i++)
		order[i] = i;
	for (; n >= blocks; n -= blocks) {
		for (i = blocks - 1; i > 0; i--) {
			j = below(i + 1);
			t = order[i];
			order[i] = order[j];
			order[j] = t;
		}
		for (i = 0; i < blocks; i++)
			read_block(order[i]);
		puts("E");
	}
	free(order);
}

static void gen_importance(uint64_t blocks, uint64_t n)
{
	double *weight = alloc_doubles(blocks), *cdf = alloc_doubles(blocks);
	uint64_t i;

	for (i = 0; i < blocks; i++)
		weight[i] = exp(3 * uniform());
	for (; n >= blocks; n -= blocks) {
		double sum = 0;

		for (i = 0; i < blocks; i++) {
			weight[i] *= exp(0.4 * (uniform() - 0.5));
			cdf[i] = sum += weight[i];
			printf("I %llu %llu %u\n", (unsigned long long)(i * BS),
			       (unsigned long long)BS,
			       (unsigned int)(weight[i] * 1000));
		}
		puts("E");
		for (i = 0; i < blocks; i++)
			read_block(draw(cdf, blocks));
	}
	free(weight);
	free(cdf);
}

static void gen_shift(uint64_t blocks, uint64_t n)
{
	uint64_t set = blocks / 8, start = 0, i;

	for (i = 0; i < n; i++) {
		if (i % blocks == 0)
			start = below(blocks - set);
		read_block(start + below(set));
	}
}

static const struct {
	const char *name;
	void (*gen)(uint64_t blocks, uint64_t n);
} kinds[] = {
	{ "random", gen_random }, { "zipf", gen_zipf }, { "scan", gen_scan },
	{ "perm", gen_perm }, { "importance", gen_importance },
	{ "shift", gen_shift },
};

int main(int argc, char **argv)
{
	uint64_t blocks, n;
	size_t k;

	if (argc != 5 || !(blocks = strtoull(argv[3], NULL, 10)) ||
	    blocks < 40) {
		fprintf(stderr, "usage: gen_trace KIND SEED BLOCKS(>=40) ACCESSES\n");
		return 2;
	}
	state = strtoull(argv[2], NULL, 10) * 0x9e3779b97f4a7c15ULL + 1;
	n = strtoull(argv[4], NULL, 10);
	for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		if (!strcmp(argv[1], kinds[k].name)) {
			printf("# gen_trace %s %s %s %s\n", argv[1], argv[2],
			       argv[3], argv[4]);
			kinds[k].gen(blocks, n);
			return 0;
		}
	}
	fprintf(stderr, "gen_trace: unknown kind '%s'\n", argv[1]);
	return 2;
}
