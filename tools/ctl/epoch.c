// SPDX-License-Identifier: GPL-2.0-only
/* aattsctl epoch commit NAME: applies the staged hints. */
#define _GNU_SOURCE
#include <getopt.h>
#include <string.h>

#include "ctl.h"

static const char usage[] = "usage: aattsctl epoch commit NAME\n";

int cmd_epoch(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct aatts_nl nl;
	int c, r;

	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (c == 'h')
			return help(usage);
		return option_error(usage, c, argv);
	}
	if (optind == argc || strcmp(argv[optind], "commit"))
		return usage_error(usage, "want 'epoch commit NAME'");
	if (argc - optind != 2)
		return usage_error(usage, argc - optind < 2 ? "NAME missing" :
				   "too many arguments");
	r = ctl_nl_open(&nl);
	if (r)
		return r;
	r = epoch_commit(&nl, argv[optind + 1]);
	aatts_nl_close(&nl);
	return r;
}
