// SPDX-License-Identifier: GPL-2.0-only
/* Usage errors and counted options of the command-line tools. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

static const char *cli_prog = "aatts";
static const char *cli_usage = "";

void cli_setup(const char *prog, const char *usage)
{
	cli_prog = prog;
	cli_usage = usage;
}

void usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "%s: ", cli_prog);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n%s", cli_usage);
	va_end(ap);
	exit(2);
}

uint64_t cli_count(const char *s, const char *option, uint64_t max)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || *s < '0' || *s > '9' || !v)
		usage_error("%s needs a positive integer", option);
	if (v > max)
		usage_error("%s: at most %llu", option,
			    (unsigned long long)max);
	return v;
}
