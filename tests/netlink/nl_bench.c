// SPDX-License-Identifier: GPL-2.0-only
/*
 * Not a test: control-plane rates of an aatts device over generic netlink.
 *
 *   nl_bench DEVICE [SECONDS]
 *
 * HINTS_SET: batches of AATTS_RANGES_MAX one-block hints at random blocks
 * with random scores, each batch committed (AATTS_F_COMMIT); prints hints
 * applied per second.  RESIDENCY_GET: dumps of the whole device; prints
 * bitmap bits (blocks) per second.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aanl.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

struct info {
	uint64_t size;
	uint32_t block_size;
	uint64_t count;
	uint64_t bits;
	uint64_t set;
};

static int info_cb(struct nlattr **tb, uint8_t cmd, void *arg)
{
	struct info *in = arg;
	struct nlattr *t[AATTS_RES_A_MAX + 1];
	const uint64_t *w;
	uint32_t i, nr;

	(void)cmd;
	if (tb[AATTS_DEV_A_SIZE])
		in->size = nla_get_u64(tb[AATTS_DEV_A_SIZE]);
	if (tb[AATTS_DEV_A_BLOCK_SIZE])
		in->block_size = nla_get_u32(tb[AATTS_DEV_A_BLOCK_SIZE]);
	if (tb[AATTS_DEV_A_COUNT])
		in->count += nla_get_u64(tb[AATTS_DEV_A_COUNT]);
	if (tb[AATTS_DEV_A_RESIDENCY] &&
	    !nla_parse_nested(t, AATTS_RES_A_MAX, tb[AATTS_DEV_A_RESIDENCY],
			      NULL) && t[AATTS_RES_A_NR_BLOCKS] &&
	    t[AATTS_RES_A_BITMAP]) {
		nr = nla_get_u32(t[AATTS_RES_A_NR_BLOCKS]);
		in->bits += nr;
		w = nla_data(t[AATTS_RES_A_BITMAP]);
		for (i = 0; i < (nr + 63) / 64; i++)
			in->set += (uint64_t)__builtin_popcountll(w[i]);
	}
	return 0;
}

int main(int argc, char **argv)
{
	double secs = argc > 2 ? atof(argv[2]) : 10, t0, t;
	struct info in = {};
	uint64_t nr_blocks, msgs = 0, dumps = 0, seed = 88172645463325252ULL;
	struct nlattr *rs;
	struct nl_msg *m;
	struct aanl a;
	int i, ret;

	if (argc < 2) {
		fprintf(stderr, "usage: %s DEVICE [SECONDS]\n", argv[0]);
		return 2;
	}
	ret = aanl_open(&a);
	if (ret) {
		fprintf(stderr, "aatts family: %s\n", strerror(-ret));
		return 1;
	}
	ret = aanl_request(&a, aanl_new(&a, AATTS_CMD_DEV_GET, 0, argv[1]),
			   info_cb, &in);
	if (ret || !in.block_size) {
		fprintf(stderr, "DEV_GET %s: %s %s\n", argv[1], strerror(-ret),
			a.msg);
		return 1;
	}
	nr_blocks = (in.size + in.block_size - 1) / in.block_size;
	printf("device %s: %llu bytes, %u-byte blocks, %llu blocks\n", argv[1],
	       (unsigned long long)in.size, in.block_size,
	       (unsigned long long)nr_blocks);

	t0 = now();
	in.count = 0;
	do {
		m = aanl_new(&a, AATTS_CMD_HINTS_SET, 0, argv[1]);
		nla_put_u32(m, AATTS_DEV_A_FLAGS, AATTS_F_COMMIT);
		rs = nla_nest_start(m, AATTS_DEV_A_RANGES);
		for (i = 0; i < AATTS_RANGES_MAX; i++) {
			seed ^= seed << 13;
			seed ^= seed >> 7;
			seed ^= seed << 17;
			aanl_range(m, (seed % nr_blocks) * in.block_size,
				   in.block_size, (int)(seed >> 40) & 0xffff, -1);
		}
		nla_nest_end(m, rs);
		ret = aanl_request(&a, m, info_cb, &in);
		if (ret) {
			fprintf(stderr, "HINTS_SET: %s (%s)\n", strerror(-ret),
				a.msg);
			return 1;
		}
		msgs++;
		t = now() - t0;
	} while (t < secs);
	printf("HINTS_SET: %llu hints in %llu messages of %d, committed, in %.2f s: %.0f hints/s\n",
	       (unsigned long long)in.count, (unsigned long long)msgs,
	       AATTS_RANGES_MAX, t, in.count / t);

	t0 = now();
	in.bits = 0;
	in.set = 0;
	do {
		ret = aanl_request(&a, aanl_new(&a, AATTS_CMD_RESIDENCY_GET, 1,
						argv[1]), info_cb, &in);
		if (ret) {
			fprintf(stderr, "RESIDENCY_GET: %s (%s)\n",
				strerror(-ret), a.msg);
			return 1;
		}
		dumps++;
		t = now() - t0;
	} while (t < secs);
	printf("RESIDENCY_GET: %llu dumps of %llu blocks (%llu resident seen) in %.2f s: %.0f bits/s\n",
	       (unsigned long long)dumps, (unsigned long long)nr_blocks,
	       (unsigned long long)in.set, t, in.bits / t);
	aanl_close(&a);
	return 0;
}
