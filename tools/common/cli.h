/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the command-line tools share: usage errors (exit 2 with the usage
 * text) and counted options.
 */
#ifndef AATTS_TOOLS_CLI_H
#define AATTS_TOOLS_CLI_H

#include <stdint.h>

/* The program name and usage text usage_error() prints. */
void cli_setup(const char *prog, const char *usage);

/* "PROG: message", the usage text, exit status 2. */
void usage_error(const char *fmt, ...)
	__attribute__((noreturn, format(printf, 1, 2)));

/* A decimal integer in 1..max given to option, or a usage error. */
uint64_t cli_count(const char *s, const char *option, uint64_t max);

#endif
