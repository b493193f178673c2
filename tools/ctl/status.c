// SPDX-License-Identifier: GPL-2.0-only
/* aattsctl status: one device's configuration, parameters and counters. */
#define _GNU_SOURCE
#include <getopt.h>

#include "ctl.h"

static const char usage[] = "usage: aattsctl status [NAME] [--json]\n";

int cmd_status(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *name = NULL;
	struct aatts_dev d;
	struct aatts_nl nl;
	bool json = false;
	int c, r;

	while ((c = getopt_long(argc, argv, ":hj", opts, NULL)) != -1) {
		if (c == 'h')
			return help(usage);
		if (c != 'j')
			return option_error(usage, c, argv);
		json = true;
	}
	if (argc - optind > 1)
		return usage_error(usage, "too many arguments");
	if (optind < argc)
		name = argv[optind];
	r = ctl_nl_open(&nl);
	if (r)
		return r;
	r = dev_resolve(&nl, usage, &name, &d);
	aatts_nl_close(&nl);
	if (r)
		return r;
	if (json)
		json_print(aatts_dev_json(&d), true);
	else
		dev_print(&d);
	return 0;
}
