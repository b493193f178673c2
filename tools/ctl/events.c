// SPDX-License-Identifier: GPL-2.0-only
/*
 * aattsctl events: prints the events of the "events" multicast group, one
 * line each, until interrupted or --count events have been printed.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <inttypes.h>
#include <string.h>
#include <json.h>

#include "ctl.h"

static const char usage[] =
"usage: aattsctl events [--json] [--count N]\n"
"  --json     one JSON object per line\n"
"  --count N  exit after N events\n";

struct listen {
	bool json;
	uint64_t count;		/* 0: forever */
	uint64_t seen;
};

static const char *event_name(uint8_t cmd)
{
	switch (cmd) {
	case AATTS_CMD_POLICY_CHANGED:
		return "policy_changed";
	case AATTS_CMD_FAST_FAILED:
		return "fast_failed";
	case AATTS_CMD_FAST_RESTORED:
		return "fast_restored";
	case AATTS_CMD_STATS:
		return "stats";
	default:
		return NULL;
	}
}

static int on_event(struct nlattr **tb, uint8_t cmd, void *arg)
{
	const char *what = event_name(cmd);
	struct listen *l = arg;
	struct aatts_dev d;
	char devt[24];
	unsigned int i;
	int r;

	if (!what)
		return 0;	/* a newer kernel's event */
	r = aatts_dev_parse(tb, &d);
	if (r)
		return r;
	aatts_devt_str(d.devt, devt, sizeof(devt));
	if (l->json) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "event", json_object_new_string(what));
		json_object_object_add(o, "name", json_object_new_string(d.name));
		json_object_object_add(o, "devt", json_object_new_string(devt));
		if (cmd == AATTS_CMD_POLICY_CHANGED) {
			json_object_object_add(o, "policy",
					       json_object_new_string(d.policy));
			json_object_object_add(o, "policy_params",
					       aatts_kv_json(d.kv, d.nr_kv));
		} else if (cmd == AATTS_CMD_STATS) {
			json_object_object_add(o, "stats", aatts_stats_json(&d));
			if (d.has_adapt)
				json_object_object_add(o, "adapt",
						       aatts_adapt_json(&d.adapt));
		} else {
			json_object_object_add(o, "state",
					       json_object_new_string(d.state));
		}
		json_print(o, false);
	} else {
		printf("%s %s (%s)", what, d.name, devt);
		if (cmd == AATTS_CMD_POLICY_CHANGED) {
			printf(" policy=%s", d.policy);
			for (i = 0; i < d.nr_kv; i++)
				printf(" %s=%" PRIu64, d.kv[i].key,
				       d.kv[i].value);
		} else if (cmd == AATTS_CMD_STATS) {
			for (i = 1; i <= AATTS_STAT_A_MAX; i++)
				if (aatts_stat_names[i] && d.has_stat[i])
					printf(" %s=%" PRIu64, aatts_stat_names[i],
					       d.stat[i]);
			if (d.has_adapt)
				printf(" running=%s", d.adapt.mode);
		} else {
			printf(" state=%s", d.state);
		}
		printf("\n");
		fflush(stdout);
	}
	return l->count && ++l->seen == l->count ? 1 : 0;
}

int cmd_events(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "count", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct listen l = { 0 };
	struct aatts_nl nl;
	int c, r;

	while ((c = getopt_long(argc, argv, ":hj", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			l.json = true;
			break;
		case 'c':
			if (parse_u64(optarg, &l.count) || !l.count)
				return usage_error(usage, "invalid count '%s'",
						   optarg);
			break;
		case 'h':
			return help(usage);
		default:
			return option_error(usage, c, argv);
		}
	}
	if (optind != argc)
		return usage_error(usage, "too many arguments");
	r = ctl_nl_open(&nl);
	if (r)
		return r;
	r = ctl_nl_subscribe(&nl);
	if (!r)
		r = ctl_nl_listen(&nl, on_event, &l);
	aatts_nl_close(&nl);
	return r;
}
