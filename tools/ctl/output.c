// SPDX-License-Identifier: GPL-2.0-only
/*
 * aattsctl: output for people (aligned tables) and for scripts (JSON, see
 * Documentation/aattsctl.rst for the fields).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <json.h>

#include "ctl.h"

struct table {
	unsigned int ncols;
	size_t nrows;
	char **cell;
};

struct table *table_new(unsigned int ncols)
{
	struct table *t = calloc(1, sizeof(*t));

	if (t)
		t->ncols = ncols;
	return t;
}

void table_row(struct table *t, ...)
{
	char **cell;
	unsigned int i;
	va_list ap;

	if (!t)
		return;
	cell = realloc(t->cell, (t->nrows + 1) * t->ncols * sizeof(*cell));
	if (!cell)
		return;
	t->cell = cell;
	cell += t->nrows++ * t->ncols;
	va_start(ap, t);
	for (i = 0; i < t->ncols; i++) {
		const char *s = va_arg(ap, const char *);

		cell[i] = strdup(s ? s : "");
	}
	va_end(ap);
}

static bool numeric(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s) && !strchr(".%/:", *s))
			return false;
	return true;
}

/*
 * Columns padded to their widest cell; a column whose cells are all
 * numbers (the first row, a header, aside) is right-aligned.
 */
void table_print(struct table *t, FILE *f, unsigned int indent)
{
	size_t w[16] = { 0 }, r;
	bool num[16];
	unsigned int c;

	if (!t || t->ncols > 16)
		return;
	for (c = 0; c < t->ncols; c++)
		num[c] = t->nrows > 1;
	for (r = 0; r < t->nrows; r++)
		for (c = 0; c < t->ncols; c++) {
			const char *s = t->cell[r * t->ncols + c];

			if (!s)
				s = t->cell[r * t->ncols + c] = strdup("");
			if (s && strlen(s) > w[c])
				w[c] = strlen(s);
			if (r && (!s || !numeric(s)))
				num[c] = false;
		}
	for (r = 0; r < t->nrows; r++) {
		fprintf(f, "%*s", indent, "");
		for (c = 0; c < t->ncols; c++) {
			const char *s = t->cell[r * t->ncols + c];
			bool last = c == t->ncols - 1;

			if (!s)
				s = "";
			if (num[c])
				fprintf(f, "%*s%s", (int)w[c], s, last ? "" : "  ");
			else if (last)
				fputs(s, f);
			else
				fprintf(f, "%-*s  ", (int)w[c], s);
		}
		fputc('\n', f);
	}
}

void table_free(struct table *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cell[i]);
	free(t->cell);
	free(t);
}

const char *fmt_bytes(uint64_t b, char *buf, size_t len)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB",
					    "PiB", "EiB" };
	unsigned int u = 0;
	double v = (double)b;

	while (v >= 1024 && u < 6) {
		v /= 1024;
		u++;
	}
	if (!u || b % (1ULL << (10 * u)) == 0)
		snprintf(buf, len, "%.0f %s", v, unit[u]);
	else
		snprintf(buf, len, "%.1f %s", v, unit[u]);
	return buf;
}

void json_print(struct json_object *o, bool pretty)
{
	int flags = JSON_C_TO_STRING_NOSLASHESCAPE;

	flags |= pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED :
			  JSON_C_TO_STRING_PLAIN;
	puts(json_object_to_json_string_ext(o, flags));
	fflush(stdout);
	json_object_put(o);
}

static const char *u64s(uint64_t v, char *buf, size_t len)
{
	snprintf(buf, len, "%" PRIu64, v);
	return buf;
}

/* "MODE (SHADOW=RATIO... per mille sampled, N switches)" */
static void adapt_str(const struct aatts_adapt *a, char *buf, size_t len)
{
	size_t n;
	unsigned int i;

	n = snprintf(buf, len, "%s (", a->mode);
	for (i = 0; i < a->nr && n < len; i++)
		n += snprintf(buf + n, len - n, "%s=%" PRIu32 " ",
			      a->shadow[i].name, a->shadow[i].ratio);
	if (n < len)
		snprintf(buf + n, len - n,
			 "per mille sampled, %" PRIu64 " switches%s)",
			 a->switches, a->warm ? "" : ", warming up");
}

void dev_print(const struct aatts_dev *d)
{
	struct table *t = table_new(2);
	char devt[24], a[64], b[64], line[512];
	unsigned int i, n = 0;

	aatts_devt_str(d->devt, devt, sizeof(devt));
	printf("%s (%s, %s)\n", d->name, d->disk, devt);
	table_row(t, "slow:", d->slow);
	table_row(t, "fast:", d->fast);
	snprintf(line, sizeof(line), "%s (%" PRIu64 " bytes)",
		 fmt_bytes(d->size, a, sizeof(a)), d->size);
	table_row(t, "size:", line);
	table_row(t, "block size:", fmt_bytes(d->block_size, a, sizeof(a)));
	table_row(t, "mode:", d->mode);
	table_row(t, "state:", d->state);
	n = snprintf(line, sizeof(line), "%s", d->policy);
	for (i = 0; i < d->nr_kv && n < sizeof(line); i++)
		n += snprintf(line + n, sizeof(line) - n, "%s%s=%" PRIu64,
			      i ? " " : " (", d->kv[i].key, d->kv[i].value);
	if (d->nr_kv && n < sizeof(line))
		snprintf(line + n, sizeof(line) - n, ")");
	table_row(t, "policy:", line);
	if (d->has_adapt) {
		adapt_str(&d->adapt, line, sizeof(line));
		table_row(t, "running:", line);
	}
	if (d->has_stats) {
		uint64_t used = d->stat[AATTS_STAT_A_FAST_BLOCKS_USED];
		uint64_t total = d->stat[AATTS_STAT_A_FAST_BLOCKS_TOTAL];

		snprintf(line, sizeof(line),
			 "%" PRIu64 "/%" PRIu64 " blocks (%s of %s), %" PRIu64 " pinned",
			 used, total,
			 fmt_bytes(used * d->block_size, a, sizeof(a)),
			 fmt_bytes(total * d->block_size, b, sizeof(b)),
			 d->stat[AATTS_STAT_A_PINNED_BLOCKS]);
		table_row(t, "fast tier:", line);
	}
	if (d->has_params)
		for (i = 1; i <= AATTS_PARAMS_A_MAX; i++)
			if (aatts_param_names[i]) {
				snprintf(line, sizeof(line), "%s:",
					 aatts_param_names[i]);
				table_row(t, line, u64s(d->param[i], a,
							sizeof(a)));
			}
	table_print(t, stdout, 2);
	table_free(t);
	if (d->has_stats) {
		printf("  counters:\n");
		stats_print(d, NULL, 0);
	}
}

/* The counters, with their rate per second since prev when given. */
void stats_print(const struct aatts_dev *d, const struct aatts_dev *prev,
		 double secs)
{
	struct table *t = table_new(prev ? 3 : 2);
	char v[32], rate[32];
	int i;

	if (prev)
		table_row(t, "counter", "value", "per second");
	for (i = 1; i <= AATTS_STAT_A_MAX; i++) {
		if (!aatts_stat_names[i] || !d->has_stat[i])
			continue;
		u64s(d->stat[i], v, sizeof(v));
		if (prev) {
			snprintf(rate, sizeof(rate), "%.1f",
				 secs > 0 ? ((double)d->stat[i] -
					     (double)prev->stat[i]) / secs : 0);
			table_row(t, aatts_stat_names[i], v, rate);
		} else {
			table_row(t, aatts_stat_names[i], v);
		}
	}
	table_print(t, stdout, 4);
	table_free(t);
	if (d->has_adapt) {
		char line[512];

		adapt_str(&d->adapt, line, sizeof(line));
		printf("    running: %s\n", line);
	}
}
