// SPDX-License-Identifier: GPL-2.0-only
/* aattsctl list: every aatts device (a DEV_GET dump). */
#define _GNU_SOURCE
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <json.h>

#include "ctl.h"

static const char usage[] = "usage: aattsctl list [--json]\n";

int cmd_list(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct aatts_dev *v;
	struct aatts_nl nl;
	bool json = false;
	size_t nr, i;
	int c, r;

	while ((c = getopt_long(argc, argv, ":hj", opts, NULL)) != -1) {
		if (c == 'h')
			return help(usage);
		if (c != 'j')
			return option_error(usage, c, argv);
		json = true;
	}
	if (optind != argc)
		return usage_error(usage, "too many arguments");
	r = ctl_nl_open(&nl);
	if (r)
		return r;
	r = dev_list(&nl, &v, &nr);
	aatts_nl_close(&nl);
	if (r)
		return r;
	if (json) {
		struct json_object *a = json_object_new_array();

		for (i = 0; i < nr; i++)
			json_object_array_add(a, aatts_dev_json(&v[i]));
		json_print(a, true);
	} else if (nr) {
		struct table *t = table_new(10);

		table_row(t, "NAME", "DISK", "DEVT", "SLOW", "FAST", "SIZE",
			  "BLOCK", "MODE", "STATE", "POLICY");
		for (i = 0; i < nr; i++) {
			char devt[24], size[32], bs[32];

			aatts_devt_str(v[i].devt, devt, sizeof(devt));
			table_row(t, v[i].name, v[i].disk, devt, v[i].slow,
				  v[i].fast, fmt_bytes(v[i].size, size, sizeof(size)),
				  fmt_bytes(v[i].block_size, bs, sizeof(bs)),
				  v[i].mode, v[i].state, v[i].policy);
		}
		table_print(t, stdout, 0);
		table_free(t);
	}
	free(v);
	return 0;
}
