// SPDX-License-Identifier: GPL-2.0-only
/*
 * aattsd: messages.  In the foreground, to stderr with the time since
 * start; in the background, to syslog (daemon facility).
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>
#include <time.h>

#include "aattsd.h"

static bool to_stderr = true;
static int max_level = LOG_LVL_INFO;

static const int prio[] = {
	[LOG_LVL_ERR] = LOG_ERR,
	[LOG_LVL_WARN] = LOG_WARNING,
	[LOG_LVL_INFO] = LOG_INFO,
	[LOG_LVL_DEBUG] = LOG_DEBUG,
};

static const char *const tag[] = {
	[LOG_LVL_ERR] = "error: ",
	[LOG_LVL_WARN] = "warning: ",
	[LOG_LVL_INFO] = "",
	[LOG_LVL_DEBUG] = "debug: ",
};

void log_init(bool foreground)
{
	to_stderr = foreground;
	if (!foreground)
		openlog("aattsd", LOG_PID, LOG_DAEMON);
}

void log_set_level(int level)
{
	max_level = level;
}

void log_msg(int level, const char *fmt, ...)
{
	va_list ap;

	if (level > max_level)
		return;
	va_start(ap, fmt);
	if (to_stderr) {
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		fprintf(stderr, "aattsd[%lld.%03ld]: %s", (long long)ts.tv_sec,
			ts.tv_nsec / 1000000, tag[level]);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
		fflush(stderr);
	} else {
		vsyslog(prio[level], fmt, ap);
	}
	va_end(ap);
}
