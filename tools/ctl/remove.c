// SPDX-License-Identifier: GPL-2.0-only
/* aattsctl remove: removes an aatts device (and only an aatts device). */
#define _GNU_SOURCE
#include <getopt.h>

#include "ctl.h"

static const char usage[] = "usage: aattsctl remove NAME\n";

int cmd_remove(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	int c;

	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (c == 'h')
			return help(usage);
		return option_error(usage, c, argv);
	}
	if (optind != argc - 1)
		return usage_error(usage, optind == argc ? "NAME missing" :
				   "too many arguments");
	return dm_remove_aatts(argv[optind]);
}
