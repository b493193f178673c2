// SPDX-License-Identifier: GPL-2.0-only
/*
 * aattsd: the configuration file, "key = value" lines; '#' starts a
 * comment line, blank lines are ignored.  Every key at most once; an
 * unknown key, a value out of range or a line without '=' is an error
 * naming the line, and the whole file is refused.  An absent file is the
 * defaults.  Parsing does no I/O (tests/host/daemon/config_test.c).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aattsd.h"

#define CONFIG_FILE_MAX	(64 * 1024)

void config_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	c->poll_interval_ms = 1000;
	c->log_level = LOG_LVL_INFO;
	snprintf(c->control_group, sizeof(c->control_group), "%s",
		 AATTSD_GROUP);
	c->max_clients = 64;
	c->fmap_files = 4096;
	c->fmap_revalidate_ms = 1000;
	c->prefetch_mode = 1;	/* balanced */
}

/* In the order of enum tune_mode (lib/predict/tune.h; prefetch.c checks). */
/* and "off" (CONFIG_PREFETCH_OFF): the observers run, nothing is prefetched. */
const char *const config_modes[4] = { "performance", "balanced", "economy",
				      "off" };

static const char *const levels[] = {
	[LOG_LVL_ERR] = "error",
	[LOG_LVL_WARN] = "warning",
	[LOG_LVL_INFO] = "info",
	[LOG_LVL_DEBUG] = "debug",
};

static int uint_value(const char *v, unsigned int lo, unsigned int hi,
		      unsigned int *out)
{
	unsigned long long x;
	char *end;

	if (!isdigit((unsigned char)*v))
		return -1;
	errno = 0;
	x = strtoull(v, &end, 10);
	if (errno || *end || x < lo || x > hi)
		return -1;
	*out = (unsigned int)x;
	return 0;
}

struct key {
	const char *name;
	unsigned int lo, hi;	/* for numbers */
	size_t off;		/* of the unsigned int in struct config */
};

#define NUM(n, l, h) { #n, l, h, offsetof(struct config, n) }
static const struct key keys[] = {
	NUM(poll_interval_ms, 100, 3600000),
	NUM(max_clients, 1, 1024),
	NUM(fmap_files, 16, 1048576),
	NUM(fmap_revalidate_ms, 0, 3600000),
	NUM(prefetch_budget, 0, 4294967295U),
	{ "mode", 0, 0, 0 },
	{ "page_cache_advice", 0, 0, 0 },
	{ "log_level", 0, 0, 0 },
	{ "control_group", 0, 0, 0 },
	{ "metrics_file", 0, 0, 0 },
};
#define NR_KEYS (sizeof(keys) / sizeof(keys[0]))

static int set(struct config *c, unsigned int k, const char *v, char *why,
	       size_t len)
{
	unsigned int i;

	if (!strcmp(keys[k].name, "log_level")) {
		for (i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
			if (!strcmp(v, levels[i])) {
				c->log_level = (int)i;
				return 0;
			}
		snprintf(why, len,
			 "log_level '%s': not one of error, warning, info, debug",
			 v);
		return -1;
	}
	if (!strcmp(keys[k].name, "mode")) {
		for (i = 0; i < 4; i++)
			if (!strcmp(v, config_modes[i])) {
				c->prefetch_mode = i;
				return 0;
			}
		snprintf(why, len,
			 "mode '%s': not one of performance, balanced, economy, off",
			 v);
		return -1;
	}
	if (!strcmp(keys[k].name, "page_cache_advice")) {
		if (strcmp(v, "off") && strcmp(v, "willneed")) {
			snprintf(why, len,
				 "page_cache_advice '%s': not one of off, willneed",
				 v);
			return -1;
		}
		c->page_cache_advice = !strcmp(v, "willneed");
		return 0;
	}
	if (!strcmp(keys[k].name, "control_group")) {
		if (!*v || strlen(v) >= sizeof(c->control_group) ||
		    strpbrk(v, " \t:")) {
			snprintf(why, len, "control_group '%s': not a group name",
				 v);
			return -1;
		}
		snprintf(c->control_group, sizeof(c->control_group), "%s", v);
		return 0;
	}
	if (!strcmp(keys[k].name, "metrics_file")) {
		if (*v && (*v != '/' || strlen(v) >= sizeof(c->metrics_file))) {
			snprintf(why, len,
				 "metrics_file '%.60s': not an absolute path of at most %zu bytes",
				 v, sizeof(c->metrics_file) - 1);
			return -1;
		}
		snprintf(c->metrics_file, sizeof(c->metrics_file), "%s", v);
		return 0;
	}
	if (uint_value(v, keys[k].lo, keys[k].hi,
		       (unsigned int *)((char *)c + keys[k].off))) {
		snprintf(why, len, "%s '%s': not an integer in %u..%u",
			 keys[k].name, v, keys[k].lo, keys[k].hi);
		return -1;
	}
	return 0;
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

int config_parse(const char *text, struct config *c, char *msg,
		 size_t msglen)
{
	bool seen[NR_KEYS] = { false };
	char *copy = strdup(text), *line, *next, *eq, *k, *v;
	char why[200];
	unsigned int n = 0, i;
	int r = 0;

	config_defaults(c);
	if (!copy) {
		snprintf(msg, msglen, "out of memory");
		return -1;
	}
	for (line = copy; line && !r; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		n++;
		k = trim(line);
		if (!*k || *k == '#')
			continue;
		eq = strchr(k, '=');
		if (!eq) {
			snprintf(msg, msglen, "line %u: '%.60s': not key = value",
				 n, k);
			r = -1;
			break;
		}
		*eq = '\0';
		k = trim(k);
		v = trim(eq + 1);
		for (i = 0; i < NR_KEYS; i++)
			if (!strcmp(k, keys[i].name))
				break;
		if (i == NR_KEYS) {
			snprintf(msg, msglen, "line %u: unknown key '%.60s'", n,
				 k);
			r = -1;
		} else if (seen[i]) {
			snprintf(msg, msglen, "line %u: '%s' given twice", n, k);
			r = -1;
		} else if (set(c, i, v, why, sizeof(why))) {
			snprintf(msg, msglen, "line %u: %s", n, why);
			r = -1;
		}
		if (i < NR_KEYS)
			seen[i] = true;
	}
	free(copy);
	return r;
}

int config_load(const char *path, struct config *c, bool *absent, char *msg,
		size_t msglen)
{
	FILE *f = fopen(path, "re");
	char *text;
	size_t n;
	int r;

	*absent = false;
	if (!f) {
		if (errno == ENOENT) {
			*absent = true;
			config_defaults(c);
			return 0;
		}
		snprintf(msg, msglen, "%s", strerror(errno));
		return -1;
	}
	text = malloc(CONFIG_FILE_MAX + 1);
	if (!text) {
		fclose(f);
		snprintf(msg, msglen, "out of memory");
		return -1;
	}
	n = fread(text, 1, CONFIG_FILE_MAX + 1, f);
	if (ferror(f) || n > CONFIG_FILE_MAX) {
		snprintf(msg, msglen, ferror(f) ? "read error" :
			 "larger than %d bytes", CONFIG_FILE_MAX);
		r = -1;
	} else if (memchr(text, '\0', n)) {
		snprintf(msg, msglen, "a NUL byte: not a text file");
		r = -1;
	} else {
		text[n] = '\0';
		r = config_parse(text, c, msg, msglen);
	}
	free(text);
	fclose(f);
	return r;
}
