// SPDX-License-Identifier: GPL-2.0-only
/*
 * aattsctl hints load NAME FILE: importance scores per file, staged with
 * HINTS_SET in batches of AATTS_RANGES_MAX ranges, then EPOCH_COMMIT.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <string.h>
#include <netlink/msg.h>

#include "ctl.h"

static const char usage[] =
"usage: aattsctl hints load NAME FILE [--no-commit]\n"
"  FILE holds one 'PATH SCORE' per line (SCORE 0..2147483647, the last\n"
"  word; '#' starts a comment line); '-' reads standard input.  Relative\n"
"  paths are taken from the current directory.  The epoch is committed\n"
"  after all hints are staged, unless --no-commit.\n";

int epoch_commit(struct aatts_nl *nl, const char *name)
{
	struct nl_msg *msg = aatts_nl_request(nl, AATTS_CMD_EPOCH_COMMIT, NLM_F_ACK, 0);

	if (msg && aatts_nl_put_dev(msg, name)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	if (aatts_nl_exchange(nl, msg, NULL, NULL))
		return ctl_nl_error(nl, name);
	return 0;
}

int cmd_hints(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "no-commit", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *name, *file;
	struct rangev rv = { 0 };
	struct hint *hints = NULL;
	bool commit = true;
	uint64_t count = 0, bytes = 0, b;
	struct aatts_dev d;
	struct aatts_nl nl;
	size_t nr = 0, i;
	char msg[256];
	FILE *f;
	int c, r;

	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (c == 'h')
			return help(usage);
		if (c != 'n')
			return option_error(usage, c, argv);
		commit = false;
	}
	if (optind == argc || strcmp(argv[optind], "load"))
		return usage_error(usage, "want 'hints load NAME FILE'");
	if (argc - optind != 3)
		return usage_error(usage, argc - optind < 3 ?
				   "NAME and FILE required" : "too many arguments");
	name = argv[optind + 1];
	file = argv[optind + 2];
	f = strcmp(file, "-") ? fopen(file, "r") : stdin;
	if (!f)
		return err("%s: %s", file, strerror(errno));
	r = hints_parse(f, &hints, &nr, msg, sizeof(msg));
	if (f != stdin)
		fclose(f);
	if (r)
		return err("%s: %s", file, msg);
	if (!nr) {
		hints_free(hints, nr);
		return err("%s: no hints in the file", file);
	}

	r = ctl_nl_open(&nl);
	if (r)
		goto out;
	r = dev_get(&nl, name, &d);
	for (i = 0; !r && i < nr; i++) {
		r = file_ranges(hints[i].path, &d, hints[i].score, &rv, &b);
		if (r)
			fprintf(stderr, "%s: %s: line %u\n", PROG, file,
				hints[i].line);
		bytes += b;
	}
	if (!r && rv.nr)
		r = send_ranges(&nl, AATTS_CMD_HINTS_SET, name, &rv, 0, true,
				false, 0, &count);
	if (!r && commit)
		r = epoch_commit(&nl, name);
	if (!r)
		printf("%s: staged %" PRIu64 " ranges (%" PRIu64 " bytes) from %zu hints%s\n",
		       name, count, bytes, nr,
		       commit ? "; epoch committed" : "");
	aatts_nl_close(&nl);
out:
	rangev_free(&rv);
	hints_free(hints, nr);
	return r;
}
