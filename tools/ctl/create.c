// SPDX-License-Identifier: GPL-2.0-only
/* aattsctl create: builds the table line and creates the device. */
#define _GNU_SOURCE
#include <getopt.h>
#include <string.h>

#include "ctl.h"

static const char usage[] =
"usage: aattsctl create NAME --slow DEV --fast DEV [--block-size BYTES]\n"
"                       [--policy POLICY] [--mode writethrough|writearound]\n"
"  --slow DEV         the device cached (path or major:minor); its size is\n"
"                     the new device's size\n"
"  --fast DEV         the fast tier\n"
"  --block-size BYTES cache block size, K/M/G suffixes, a power of two from\n"
"                     4K to 1G (default 128K)\n"
"  --policy POLICY    default, lru, fifo, lfu, minio or isa (default default)\n"
"  --mode MODE        writethrough (default) or writearound\n";

int cmd_create(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "slow", required_argument, NULL, 's' },
		{ "fast", required_argument, NULL, 'f' },
		{ "block-size", required_argument, NULL, 'b' },
		{ "policy", required_argument, NULL, 'p' },
		{ "mode", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *slow = NULL, *fast = NULL, *policy = NULL, *mode = NULL;
	uint64_t bs = 128 << 10;
	int c;

	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			slow = optarg;
			break;
		case 'f':
			fast = optarg;
			break;
		case 'b':
			if (parse_size(optarg, &bs))
				return usage_error(usage, "invalid block size '%s'",
						   optarg);
			break;
		case 'p':
			policy = optarg;
			break;
		case 'm':
			mode = optarg;
			break;
		case 'h':
			return help(usage);
		default:
			return option_error(usage, c, argv);
		}
	}
	if (optind != argc - 1)
		return usage_error(usage, optind == argc ? "NAME missing" :
				   "too many arguments");
	if (!slow || !fast)
		return usage_error(usage, "--slow and --fast are required");
	if (strlen(argv[optind]) >= AATTS_NAME_MAX || !argv[optind][0])
		return usage_error(usage, "NAME must be 1..%d characters",
				   AATTS_NAME_MAX - 1);
	if (bs & (bs - 1) || bs < AATTS_BLOCK_SECTORS_MIN * 512ULL ||
	    bs > AATTS_BLOCK_SECTORS_MAX * 512ULL)
		return usage_error(usage,
				   "block size must be a power of two from 4K to 1G");
	if (mode && strcmp(mode, "writethrough") && strcmp(mode, "writearound"))
		return usage_error(usage, "unknown mode '%s'", mode);
	if (policy && (!policy[0] || strchr(policy, ' ')))
		return usage_error(usage, "invalid policy name '%s'", policy);
	return dm_create_aatts(argv[optind], slow, fast, bs, policy, mode, -1);
}
