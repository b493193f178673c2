// SPDX-License-Identifier: GPL-2.0-only
/*
 * aattsctl: the control tool of AAT-TS, one subcommand per file.
 * Exit status: 0 ok, 1 runtime error, 2 usage error.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ctl.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *what;
} commands[] = {
	{ "create", cmd_create, "create an aatts device" },
	{ "remove", cmd_remove, "remove an aatts device" },
	{ "apply", cmd_apply, "make the devices match /etc/aatts/aattstab" },
	{ "list", cmd_list, "list the aatts devices" },
	{ "status", cmd_status, "show a device's configuration and counters" },
	{ "policy", cmd_policy, "get or set the policy and its parameters" },
	{ "stats", cmd_stats, "show a device's counters, once or repeatedly" },
	{ "prefetch", cmd_ranges, "promote files or ranges to the fast tier" },
	{ "demote", cmd_ranges, "drop files or ranges from the fast tier" },
	{ "pin", cmd_ranges, "keep files or ranges on the fast tier" },
	{ "unpin", cmd_ranges, "undo pin" },
	{ "hints", cmd_hints, "load importance scores from a hints file" },
	{ "epoch", cmd_epoch, "commit the staged hints" },
	{ "residency", cmd_residency, "how much of files is on the fast tier" },
	{ "events", cmd_events, "print the device events as they happen" },
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: %s COMMAND [ARGS...]\n\n", PROG);
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].what);
	fprintf(f, "\n'%s COMMAND --help' describes a command; "
		"Documentation/aattsctl.rst all of them.\n", PROG);
}

int err(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	va_start(ap, fmt);
	fprintf(stderr, "%s: ", PROG);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return EXIT_RUNTIME;
}

int usage_error(const char *usage, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	va_start(ap, fmt);
	fprintf(stderr, "%s: ", PROG);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	if (usage)
		fputs(usage, stderr);
	return EXIT_USAGE;
}

int option_error(const char *usage, int c, char **argv)
{
	if (c == ':')
		return usage_error(usage, "option '%s' needs a value",
				   argv[optind - 1]);
	return usage_error(usage, "unknown option '%s'", argv[optind - 1]);
}

int help(const char *usage)
{
	fputs(usage, stdout);
	return 0;
}

int main(int argc, char **argv)
{
	size_t i;

	opterr = 0;
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "%s: unknown command '%s'\n", PROG, argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
