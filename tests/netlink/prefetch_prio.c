// SPDX-License-Identifier: GPL-2.0-only
/*
 * prefetch_prio DEV [--force] OFF:LEN:PRIO...: sends one PREFETCH request
 * whose ranges carry their own AATTS_RANGE_A_PRIORITY (aattsctl gives all
 * the ranges of a call one priority), and prints the AATTS_DEV_A_COUNT of
 * the reply.  For tests/ctl/control.sh.  Exit 0 on success, 1 when the
 * kernel refuses (errno and extended ACK on stderr), 2 on a usage error.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aanl.h"

static int count_cb(struct nlattr **tb, uint8_t cmd, void *arg)
{
	(void)cmd;
	if (tb[AATTS_DEV_A_COUNT])
		*(int64_t *)arg = (int64_t)nla_get_u64(tb[AATTS_DEV_A_COUNT]);
	return 0;
}

int main(int argc, char **argv)
{
	struct nl_msg *m;
	struct nlattr *rs;
	struct aanl a;
	int64_t count = -1;
	int i = 2, r;

	if (argc < 3) {
		fprintf(stderr, "usage: %s DEV [--force] OFF:LEN:PRIO...\n",
			argv[0]);
		return 2;
	}
	r = aanl_open(&a);
	if (r) {
		fprintf(stderr, "aanl_open: %s\n", strerror(-r));
		return 1;
	}
	m = aanl_new(&a, AATTS_CMD_PREFETCH, 0, argv[1]);
	if (!m)
		return 1;
	if (!strcmp(argv[i], "--force")) {
		if (nla_put_u32(m, AATTS_DEV_A_FLAGS, AATTS_F_FORCE))
			return 1;
		i++;
	}
	rs = nla_nest_start(m, AATTS_DEV_A_RANGES);
	if (!rs)
		return 1;
	for (; i < argc; i++) {
		unsigned long long off, len;
		unsigned int prio;
		int end = 0;

		if (sscanf(argv[i], "%llu:%llu:%u%n", &off, &len, &prio,
			   &end) != 3 || argv[i][end]) {
			fprintf(stderr, "bad range '%s': want OFF:LEN:PRIO\n",
				argv[i]);
			nlmsg_free(m);
			return 2;
		}
		if (!aanl_range(m, off, len, -1, (int)prio))
			return 1;
	}
	nla_nest_end(m, rs);
	r = aanl_request(&a, m, count_cb, &count);
	if (r) {
		fprintf(stderr, "PREFETCH: %s: %s\n", strerror(-r), a.msg);
		aanl_close(&a);
		return 1;
	}
	aanl_close(&a);
	if (count < 0) {
		fprintf(stderr, "PREFETCH: no AATTS_DEV_A_COUNT in the reply\n");
		return 1;
	}
	printf("%" PRId64 "\n", count);
	return 0;
}
