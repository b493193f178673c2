// SPDX-License-Identifier: GPL-2.0-only
/*
 * Not a test: control-plane rates of an aatts device over generic netlink.
 *
 *   nl_bench DEVICE [SECONDS [hints]]
 *   nl_bench --calibrate     ns per CPU-bound loop iteration, per 64 KiB
 *                            read of /dev/zero, per genl round trip
 *
 * HINTS_SET: batches of AATTS_RANGES_MAX one-block hints at random blocks
 * with random scores, each batch committed (AATTS_F_COMMIT), then one
 * EPOCH_COMMIT per 32 batches; prints hints staged and applied per
 * second.  RESIDENCY_GET: dumps of the whole device; prints bitmap bits
 * (blocks) per second.  With "hints", only the committed batches: one of
 * several clients run side by side.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>

#include "aanl.h"

/* CPU seconds of this process: user and system (the kernel's work). */
static void cpu(double *user, double *sys)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	*user = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6;
	*sys = ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

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

/*
 * Kernel-bound work, in ns per call: 64 KiB read()s from /dev/zero
 * (clear_user, like the copies and zeroing a netlink request costs) and
 * a genl round trip (CTRL_CMD_GETFAMILY of "nlctrl": validation, skb
 * allocation, reply).  Run on the host and in the guest, the ratio is
 * what the emulation costs kernel code like ours.
 */
static double calibrate_kernel(void)
{
	static char buf[65536];
	int fd = open("/dev/zero", O_RDONLY), i, n = 20000;
	double t0 = now();

	if (fd < 0)
		return 0;
	for (i = 0; i < n; i++)
		if (read(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			break;
	close(fd);
	return (now() - t0) * 1e9 / n;
}

static double calibrate_genl(void)
{
	struct nl_sock *sk = nl_socket_alloc();
	int i, n = 5000, fam = 0;
	double t0;

	if (!sk || genl_connect(sk))
		return 0;
	t0 = now();
	for (i = 0; i < n; i++)
		fam = genl_ctrl_resolve(sk, "nlctrl");
	t0 = (now() - t0) * 1e9 / n;
	nl_socket_free(sk);
	return fam > 0 ? t0 : 0;
}

/*
 * A CPU-bound loop (xorshift and a table walk), in ns per iteration: TCG
 * translates such code well, so it shows little of the emulation's cost.
 */
static double calibrate(void)
{
	static uint32_t table[1 << 16];
	uint64_t x = 1, sum = 0, i, n = 50000000;
	double t0 = now();

	for (i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		table[x & 0xffff] += (uint32_t)i;
		sum += table[(x >> 16) & 0xffff];
	}
	if (sum == 42)
		printf("%llu\n", (unsigned long long)sum);
	return (now() - t0) * 1e9 / n;
}

static void hints(struct aanl *a, const char *dev, uint64_t nr_blocks,
		  uint32_t block_size, double secs, int commit)
{
	static uint64_t seed = 88172645463325252ULL;
	uint64_t msgs = 0, staged = 0;
	struct info in = {};
	struct nlattr *rs;
	struct nl_msg *m;
	double t0, t = 0, u0, s0, u1, s1;
	int i, ret;

	/*
	 * One message, built once; each round only rewrites the offsets and
	 * scores in place, so that the client costs little beside the kernel.
	 */
	m = aanl_new(a, AATTS_CMD_HINTS_SET, 0, dev);
	if (commit)
		nla_put_u32(m, AATTS_DEV_A_FLAGS, AATTS_F_COMMIT);
	rs = nla_nest_start(m, AATTS_DEV_A_RANGES);
	for (i = 0; i < AATTS_RANGES_MAX; i++)
		aanl_range(m, 0, block_size, 0, -1);
	nla_nest_end(m, rs);

	cpu(&u0, &s0);
	t0 = now();
	do {
		struct nlattr *r, *x;
		int rem, rem2;

		nla_for_each_nested(r, rs, rem) {
			seed ^= seed << 13;
			seed ^= seed >> 7;
			seed ^= seed << 17;
			nla_for_each_nested(x, r, rem2) {
				if (nla_type(x) == AATTS_RANGE_A_OFFSET)
					*(uint64_t *)nla_data(x) =
						(seed % nr_blocks) * block_size;
				else if (nla_type(x) == AATTS_RANGE_A_SCORE)
					*(uint32_t *)nla_data(x) =
						(uint32_t)(seed >> 40) & 0xffff;
			}
		}
		in.count = 0;
		ret = aanl_request_keep(a, m, info_cb, &in);
		if (ret) {
			fprintf(stderr, "HINTS_SET: %s (%s)\n", strerror(-ret),
				a->msg);
			exit(1);
		}
		staged += in.count;
		msgs++;
		/* Without AATTS_F_COMMIT: one epoch per 32 messages. */
		if (!commit && !(msgs % 32))
			aanl_request(a, aanl_new(a, AATTS_CMD_EPOCH_COMMIT, 0,
						 dev), NULL, NULL);
		t = now() - t0;
	} while (t < secs);
	nlmsg_free(m);
	cpu(&u1, &s1);
	printf("HINTS_SET%s: %llu hints in %llu messages of %d in %.2f s: %.0f hints/s\n",
	       commit ? " (each message committed)" :
	       " (an epoch per 32 messages)",
	       (unsigned long long)staged, (unsigned long long)msgs,
	       AATTS_RANGES_MAX, t, staged / t);
	printf("  CPU: user %.2f s (building messages), system %.2f s (the kernel): %.0f hints per kernel CPU second\n",
	       u1 - u0, s1 - s0, staged / (s1 - s0));
}

int main(int argc, char **argv)
{
	double secs = argc > 2 ? atof(argv[2]) : 10, t0, t;
	struct info in = {};
	uint64_t nr_blocks, dumps = 0;
	struct aanl a;
	int ret;

	if (argc < 2) {
		fprintf(stderr, "usage: %s DEVICE [SECONDS [hints]] | --calibrate\n",
			argv[0]);
		return 2;
	}
	if (!strcmp(argv[1], "--calibrate")) {
		/* loop ns, 64 KiB read ns, genl round trip ns */
		printf("%.3f %.0f %.0f\n", calibrate(), calibrate_kernel(),
		       calibrate_genl());
		return 0;
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

	hints(&a, argv[1], nr_blocks, in.block_size, secs, 1);
	/* "hints": one client of several running side by side; no more. */
	if (argc > 3 && !strcmp(argv[3], "hints"))
		return 0;
	hints(&a, argv[1], nr_blocks, in.block_size, secs / 2, 0);

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
