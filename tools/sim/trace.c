// SPDX-License-Identifier: GPL-2.0-only
/*
 * Loads a trace (format v1): a strict parse, every line a record or a
 * comment, then the dense renumbering of blocks.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdint.h>

#include "trace.h"

/* A parsed record, blocks not yet renumbered. */
struct raw_record {
	u64 first;
	u64 last;
	u32 score;
	u32 op;
};

/* A growing array of block numbers, kept sorted and unique on demand. */
struct block_set {
	u64 *block;
	size_t nr;
	size_t cap;
};

struct loader {
	const char *path;
	size_t line;
	u64 block_size;
	struct raw_record *raw;
	size_t nr_raw;
	size_t cap_raw;
	struct block_set blocks;
	u32 epoch_hints;
};

static int fail(const struct loader *l, const char *why, const char *text)
{
	fprintf(stderr, "aatts-sim: %s: line %zu: %s: '%.60s'\n", l->path,
		l->line, why, text);
	return -1;
}

static void *grow(void *array, size_t *cap, size_t size)
{
	void *bigger;

	*cap = *cap ? 2 * *cap : 1024;
	bigger = realloc(array, *cap * size);
	if (!bigger) {
		fprintf(stderr, "aatts-sim: out of memory\n");
		exit(1);
	}
	return bigger;
}

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static void set_compact(struct block_set *s)
{
	size_t i, n = 0;

	qsort(s->block, s->nr, sizeof(*s->block), cmp_u64);
	for (i = 0; i < s->nr; i++)
		if (!n || s->block[n - 1] != s->block[i])
			s->block[n++] = s->block[i];
	s->nr = n;
}

static void set_add(struct block_set *s, u64 block)
{
	if (s->nr == s->cap) {
		if (s->nr)
			set_compact(s);
		if (s->nr >= s->cap / 2)
			s->block = grow(s->block, &s->cap, sizeof(*s->block));
	}
	s->block[s->nr++] = block;
}

/* Index of the first block >= b in the compacted set. */
static size_t set_lower_bound(const struct block_set *s, u64 b)
{
	size_t lo = 0, hi = s->nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->block[mid] < b)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* " <decimal>" repeated n times, then the end of the line. */
static bool parse_fields(const char *s, u64 *v, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		if (*s++ != ' ' || *s < '0' || *s > '9')
			return false;
		for (v[i] = 0; *s >= '0' && *s <= '9'; s++) {
			u32 digit = *s - '0';

			if (v[i] > (UINT64_MAX - digit) / 10)
				return false;
			v[i] = v[i] * 10 + digit;
		}
	}
	return *s == '\0';
}

static int parse_op(char c, u32 *op, int *nr_fields)
{
	static const char ops[] = "RWIEP";
	static const int fields[] = { 2, 2, 3, 0, 2 };
	const char *at = c ? strchr(ops, c) : NULL;

	if (!at)
		return -1;
	*op = at - ops;
	*nr_fields = fields[*op];
	return 0;
}

static int add_record(struct loader *l, const char *line)
{
	struct raw_record *r;
	int nr_fields;
	u64 v[3] = { 0 };
	u32 op;
	u64 b;

	if (parse_op(line[0], &op, &nr_fields) ||
	    !parse_fields(line + 1, v, nr_fields))
		return fail(l, "not a trace v1 record", line);
	if (op != SIM_EPOCH && (!v[1] || v[0] > UINT64_MAX - (v[1] - 1)))
		return fail(l, "empty or overflowing byte range", line);
	if (l->nr_raw == l->cap_raw)
		l->raw = grow(l->raw, &l->cap_raw, sizeof(*l->raw));
	r = &l->raw[l->nr_raw++];
	r->op = op;
	r->first = v[0] / l->block_size;
	r->last = op == SIM_EPOCH ? 0 : (v[0] + v[1] - 1) / l->block_size;
	r->score = v[2] > UINT32_MAX ? UINT32_MAX : v[2];
	if (op == SIM_READ || op == SIM_WRITE || op == SIM_PREFETCH)
		for (b = r->first; b <= r->last; b++)
			set_add(&l->blocks, b);
	return 0;
}

static int read_lines(struct loader *l, FILE *f)
{
	char *line = NULL;
	size_t size = 0;
	ssize_t len;
	int ret = 0;

	while (!ret && (len = getline(&line, &size, f)) > 0) {
		l->line++;
		if (line[len - 1] == '\n')
			line[--len] = '\0';
		if (strlen(line) != (size_t)len)
			ret = fail(l, "NUL byte in line", line);
		else if (line[0] != '#')
			ret = add_record(l, line);
	}
	free(line);
	if (!ret && ferror(f)) {
		fprintf(stderr, "aatts-sim: %s: read error\n", l->path);
		ret = -1;
	}
	return ret;
}

/* Renumbers the blocks densely and counts what the replays need. */
static void renumber(struct loader *l, struct sim_trace *t)
{
	const struct block_set *s = &l->blocks;
	u8 *read_seen = calloc(s->nr ? s->nr : 1, 1);
	size_t i, n = 0;
	u64 b;

	t->rec = calloc(l->nr_raw ? l->nr_raw : 1, sizeof(*t->rec));
	if (!read_seen || !t->rec) {
		fprintf(stderr, "aatts-sim: out of memory\n");
		exit(1);
	}
	t->nr_blocks = s->nr;
	for (i = 0; i < l->nr_raw; i++) {
		const struct raw_record *raw = &l->raw[i];
		struct sim_record *r = &t->rec[n];
		size_t first = set_lower_bound(s, raw->first);
		size_t end = set_lower_bound(s, raw->last + 1);

		if (raw->last == UINT64_MAX)
			end = s->nr;
		/* A hint on blocks nothing else touches changes nothing. */
		if (raw->op == SIM_HINT && first == end)
			continue;
		r->op = raw->op;
		r->score = raw->score;
		r->first = first;
		r->last = raw->op == SIM_EPOCH ? 0 : end - 1;
		if (r->op == SIM_READ) {
			t->nr_reads += r->last - r->first + 1ULL;
			for (b = r->first; b <= r->last; b++) {
				t->nr_read_blocks += !read_seen[b];
				read_seen[b] = 1;
			}
		}
		if (r->op == SIM_HINT && ++l->epoch_hints > t->max_epoch_hints)
			t->max_epoch_hints = l->epoch_hints;
		if (r->op == SIM_EPOCH)
			l->epoch_hints = 0;
		n++;
	}
	t->nr_rec = n;
	free(read_seen);
}

int sim_trace_load(const char *path, u64 block_size, struct sim_trace *t)
{
	struct loader l = { .path = path, .block_size = block_size };
	FILE *f = fopen(path, "r");
	int ret;

	memset(t, 0, sizeof(*t));
	if (!f) {
		fprintf(stderr, "aatts-sim: %s: %s\n", path, strerror(errno));
		return -1;
	}
	ret = read_lines(&l, f);
	fclose(f);
	if (!ret && l.blocks.nr) {
		set_compact(&l.blocks);
		if (l.blocks.nr >= UINT32_MAX) {
			fprintf(stderr, "aatts-sim: %s: too many blocks\n", path);
			ret = -1;
		}
	}
	if (!ret)
		renumber(&l, t);
	free(l.raw);
	free(l.blocks.block);
	return ret;
}

void sim_trace_free(struct sim_trace *t)
{
	free(t->rec);
}
