// SPDX-License-Identifier: GPL-2.0-only
/*
 * aattsctl prefetch|demote|pin|unpin NAME (FILE...|--range OFF:LEN...):
 * files map to device ranges by FIEMAP; batches of AATTS_RANGES_MAX.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <inttypes.h>
#include <string.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "ctl.h"

static const char usage[] =
"usage: aattsctl prefetch NAME [--force] [--nowait] [--priority N] TARGET...\n"
"       aattsctl demote|pin|unpin NAME TARGET...\n"
"  TARGET is a FILE on a file system on the device, or --range OFF:LEN\n"
"  (bytes on the device, K/M/G suffixes); several of either may be given.\n"
"  --force       prefetch: promote whatever the policy thinks\n"
"  --nowait      prefetch: stop when the migration queue is full\n"
"  --priority N  prefetch: ranges of higher priority are taken first\n";

static int got_count(struct nlattr **tb, uint8_t cmd, void *arg)
{
	(void)cmd;
	if (tb[AATTS_DEV_A_COUNT])
		*(uint64_t *)arg += nla_get_u64(tb[AATTS_DEV_A_COUNT]);
	return 0;
}

int send_ranges(struct aatts_nl *nl, uint8_t cmd, const char *name,
		const struct rangev *rv, uint32_t flags, bool score,
		bool prio, uint32_t priority, uint64_t *count)
{
	size_t done = 0, n;
	struct nl_msg *msg;

	*count = 0;
	while (done < rv->nr) {
		n = rv->nr - done;
		if (n > AATTS_RANGES_MAX)
			n = AATTS_RANGES_MAX;
		msg = aatts_nl_request(nl, cmd, NLM_F_ACK, n * 64);
		if (!msg || aatts_nl_put_dev(msg, name) ||
		    (flags && nla_put_u32(msg, AATTS_DEV_A_FLAGS, flags)) ||
		    aatts_nl_put_ranges(msg, rv->v + done, n, score, prio, priority)) {
			nlmsg_free(msg);
			return err("out of memory");
		}
		if (aatts_nl_exchange(nl, msg, got_count, count))
			return ctl_nl_error(nl, name);
		done += n;
	}
	return 0;
}

int cmd_ranges(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "range", required_argument, NULL, 'r' },
		{ "force", no_argument, NULL, 'f' },
		{ "nowait", no_argument, NULL, 'n' },
		{ "priority", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *what = argv[0], *name;
	bool prefetch = !strcmp(what, "prefetch"), force = false, prio = false;
	bool nowait = false;
	struct rangev rv = { 0 };
	uint64_t off, len, count = 0, bytes = 0, b;
	uint64_t priority = 0;
	struct aatts_dev d;
	struct aatts_nl nl;
	int c, i, r;
	uint8_t cmd;

	cmd = prefetch ? AATTS_CMD_PREFETCH :
	      !strcmp(what, "demote") ? AATTS_CMD_DEMOTE :
	      !strcmp(what, "pin") ? AATTS_CMD_PIN : AATTS_CMD_UNPIN;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			r = parse_range(optarg, &off, &len);
			if (r) {
				rangev_free(&rv);
				return usage_error(usage, "invalid range '%s': want OFF:LEN, LEN > 0",
						   optarg);
			}
			if (rangev_add(&rv, off, len, 0))
				return err("out of memory");
			bytes += len;
			break;
		case 'f':
			force = true;
			break;
		case 'n':
			nowait = true;
			break;
		case 'p':
			if (parse_u64(optarg, &priority) || priority > UINT32_MAX) {
				rangev_free(&rv);
				return usage_error(usage, "invalid priority '%s'",
						   optarg);
			}
			prio = true;
			break;
		case 'h':
			return help(usage);
		default:
			rangev_free(&rv);
			return option_error(usage, c, argv);
		}
	}
	if ((force || nowait || prio) && !prefetch) {
		rangev_free(&rv);
		return usage_error(usage, "--force, --nowait and --priority are for prefetch");
	}
	if (optind == argc) {
		rangev_free(&rv);
		return usage_error(usage, "NAME missing");
	}
	name = argv[optind++];
	if (optind == argc && !rv.nr)
		return usage_error(usage, "no FILE or --range given");
	r = ctl_nl_open(&nl);
	if (r) {
		rangev_free(&rv);
		return r;
	}
	if (optind < argc) {
		r = dev_get(&nl, name, &d);
		for (i = optind; !r && i < argc; i++) {
			r = file_ranges(argv[i], &d, 0, &rv, &b);
			bytes += b;
		}
	}
	if (!r && rv.nr)
		r = send_ranges(&nl, cmd, name, &rv,
				(force ? AATTS_F_FORCE : 0) |
				(nowait ? AATTS_F_NOWAIT : 0), false, prio,
				(uint32_t)priority, &count);
	if (!r) {
		if (cmd == AATTS_CMD_PREFETCH)
			printf("%s: promotion started for %" PRIu64 " blocks (%zu ranges, %" PRIu64 " bytes)\n",
			       name, count, rv.nr, bytes);
		else if (cmd == AATTS_CMD_DEMOTE)
			printf("%s: dropped %" PRIu64 " blocks (%zu ranges, %" PRIu64 " bytes)\n",
			       name, count, rv.nr, bytes);
		else
			printf("%s: %s %zu ranges (%" PRIu64 " bytes)\n", name,
			       cmd == AATTS_CMD_PIN ? "pinned" : "unpinned",
			       rv.nr, bytes);
	}
	aatts_nl_close(&nl);
	rangev_free(&rv);
	return r;
}
