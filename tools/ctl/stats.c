// SPDX-License-Identifier: GPL-2.0-only
/* aattsctl stats: a device's counters, once or every SECS seconds. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <json.h>
#include <netlink/msg.h>

#include "ctl.h"

static const char usage[] =
"usage: aattsctl stats [NAME] [--json] [--watch SECS]\n"
"  --json        one JSON object (with --watch: one per line)\n"
"  --watch SECS  print the counters and their rates every SECS seconds\n"
"                (a decimal, at least 0.1) until interrupted\n"
"  NAME may be omitted when exactly one aatts device exists.\n";

static int got_stats(struct nlattr **tb, uint8_t cmd, void *arg)
{
	(void)cmd;
	return aatts_dev_parse(tb, arg);
}

static int stats_get(struct aatts_nl *nl, const char *name, struct aatts_dev *d)
{
	struct nl_msg *msg = aatts_nl_request(nl, AATTS_CMD_STATS_GET, NLM_F_ACK, 0);

	if (msg && aatts_nl_put_dev(msg, name)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	memset(d, 0, sizeof(*d));
	if (aatts_nl_exchange(nl, msg, got_stats, d))
		return ctl_nl_error(nl, name);
	if (!d->has_stats)
		return err("%s: the kernel's reply holds no counters", name);
	return 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void stats_json_print(const struct aatts_dev *d, bool watch)
{
	struct json_object *o = json_object_new_object();
	char devt[24];

	aatts_devt_str(d->devt, devt, sizeof(devt));
	if (watch)
		json_object_object_add(o, "time",
				       json_object_new_double((double)time(NULL)));
	json_object_object_add(o, "name", json_object_new_string(d->name));
	json_object_object_add(o, "devt", json_object_new_string(devt));
	json_object_object_add(o, "stats", aatts_stats_json(d));
	if (d->has_adapt)
		json_object_object_add(o, "adapt", aatts_adapt_json(&d->adapt));
	json_print(o, !watch);
}

int cmd_stats(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "watch", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct aatts_dev cur, prev;
	const char *name = NULL;
	double watch = 0, t0, t1;
	struct aatts_nl nl;
	bool json = false;
	char *end;
	int c, r;

	while ((c = getopt_long(argc, argv, ":hj", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'w':
			watch = strtod(optarg, &end);
			if (*end || !(watch >= 0.1 && watch <= 86400))
				return usage_error(usage, "invalid --watch '%s'",
						   optarg);
			break;
		case 'h':
			return help(usage);
		default:
			return option_error(usage, c, argv);
		}
	}
	if (argc - optind > 1)
		return usage_error(usage, "too many arguments");
	if (optind < argc)
		name = argv[optind];
	r = ctl_nl_open(&nl);
	if (r)
		return r;
	r = dev_resolve(&nl, usage, &name, NULL);
	if (!r)
		r = stats_get(&nl, name, &cur);
	if (r)
		goto out;
	if (json)
		stats_json_print(&cur, watch > 0);
	else if (!watch)
		stats_print(&cur, NULL, 0);
	t0 = now();
	while (watch > 0) {
		struct timespec ts = {
			.tv_sec = (time_t)watch,
			.tv_nsec = (long)((watch - (time_t)watch) * 1e9),
		};

		nanosleep(&ts, NULL);
		prev = cur;
		r = stats_get(&nl, name, &cur);
		if (r)
			break;
		t1 = now();
		if (json) {
			stats_json_print(&cur, true);
		} else {
			time_t wall = time(NULL);
			char stamp[32];

			strftime(stamp, sizeof(stamp), "%F %T",
				 localtime(&wall));
			printf("%s  %s\n", cur.name, stamp);
			stats_print(&cur, &prev, t1 - t0);
			fflush(stdout);
		}
		t0 = t1;
	}
out:
	aatts_nl_close(&nl);
	return r;
}
