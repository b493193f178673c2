// SPDX-License-Identifier: GPL-2.0-only
/*
 * Loads a trace (format v1): a strict parse, every line a record or a
 * comment, then the dense renumbering of blocks.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdint.h>
#include <sys/mman.h>

#include "trace.h"

/* A parsed record, blocks not yet renumbered. */
struct raw_record {
	u64 first;
	u64 last;
	u32 score;		/* SIM_HINT; R, W, P: the first block's pid */
	u32 op;
};

/*
 * The distinct blocks: an open-addressing hash set (linear probing) of
 * block numbers, then, once sorted, each block's dense number.  Memory
 * follows the distinct blocks, never the largest offset.
 */
struct set_entry {
	u64 key;		/* EMPTY_KEY: free (block EMPTY_KEY: has_max) */
	u32 pid;		/* provisional id, in order of arrival */
};

struct block_set {
	struct set_entry *e;
	size_t nr;
	size_t mask;		/* capacity - 1 */
	bool has_max;		/* block UINT64_MAX (block size 1) */
	u32 max_pid;
	u64 *sorted;		/* after set_number(): the blocks, ascending */
	u32 *rank;		/* after set_number(): pid -> dense number */
};

#define EMPTY_KEY UINT64_MAX

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

static void *zalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (!p) {
		fprintf(stderr, "aatts-sim: out of memory\n");
		exit(1);
	}
	return p;
}

static inline size_t slot_of(const struct block_set *s, u64 block)
{
	return ((block * 0x9e3779b97f4a7c15ULL) >> 20) & s->mask;
}

static size_t set_find(const struct block_set *s, u64 block)
{
	size_t j;

	for (j = slot_of(s, block);
	     s->e[j].key != block && s->e[j].key != EMPTY_KEY;
	     j = (j + 1) & s->mask)
		;
	return j;
}

/* Large tables go on huge pages where the kernel allows: fewer TLB misses. */
static void *table_alloc(size_t bytes)
{
	void *p;

	if (bytes < (2 << 20))
		return zalloc(bytes, 1);
	p = aligned_alloc(2 << 20, (bytes + (2 << 20) - 1) & ~((size_t)(2 << 20) - 1));
	if (!p) {
		fprintf(stderr, "aatts-sim: out of memory\n");
		exit(1);
	}
	madvise(p, bytes, MADV_HUGEPAGE);
	return p;
}

static void set_rehash(struct block_set *s, size_t cap)
{
	struct set_entry *old = s->e;
	size_t i, old_cap = s->e ? s->mask + 1 : 0;

	s->e = table_alloc(cap * sizeof(*s->e));
	memset(s->e, 0xff, cap * sizeof(*s->e));
	s->mask = cap - 1;
	for (i = 0; i < old_cap; i++)
		if (old[i].key != EMPTY_KEY)
			s->e[set_find(s, old[i].key)] = old[i];
	free(old);
}

/* Adds a block (once); returns its provisional id. */
static u32 set_add(struct block_set *s, u64 block)
{
	size_t j;

	if (s->nr + s->has_max >= UINT32_MAX - 1) {
		fprintf(stderr, "aatts-sim: more than 2^32 distinct blocks\n");
		exit(1);
	}
	if (block == EMPTY_KEY) {
		if (!s->has_max)
			s->max_pid = s->nr++;
		s->has_max = true;
		return s->max_pid;
	}
	if (!s->e || 2 * (s->nr + 1) > s->mask + 1)
		set_rehash(s, s->e ? 2 * (s->mask + 1) : 1 << 16);
	j = set_find(s, block);
	if (s->e[j].key == EMPTY_KEY) {
		s->e[j].key = block;
		s->e[j].pid = s->nr++;
	}
	return s->e[j].pid;
}

/*
 * Sorts the blocks and numbers them 0.. in ascending order: rank[] maps
 * each provisional id to the dense number.
 */
static void set_number(struct block_set *s)
{
	size_t i, n = 0, cap = s->e ? s->mask + 1 : 0;

	s->sorted = zalloc(s->nr, sizeof(*s->sorted));
	s->rank = zalloc(s->nr, sizeof(*s->rank));
	for (i = 0; i < cap; i++)
		if (s->e[i].key != EMPTY_KEY)
			s->sorted[n++] = s->e[i].key;
	qsort(s->sorted, n, sizeof(*s->sorted), cmp_u64);
	for (i = 0; i < n; i++)
		s->rank[s->e[set_find(s, s->sorted[i])].pid] = i;
	if (s->has_max) {
		s->rank[s->max_pid] = n;
		s->sorted[n++] = EMPTY_KEY;
	}
	free(s->e);
	s->e = NULL;
}

/* Index of the first block >= b in the sorted set. */
static size_t set_lower_bound(const struct block_set *s, u64 b)
{
	size_t lo = 0, hi = s->nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->sorted[mid] < b)
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

static bool has_blocks(const struct raw_record *r)
{
	return r->op == SIM_READ || r->op == SIM_WRITE || r->op == SIM_PREFETCH;
}

static int add_record(struct loader *l, const char *line)
{
	struct raw_record *r;
	int nr_fields;
	u64 v[3] = { 0 };
	u32 op;

	if (parse_op(line[0], &op, &nr_fields) ||
	    !parse_fields(line + 1, v, nr_fields))
		return fail(l, "not a trace v1 record", line);
	if (op != SIM_EPOCH && (!v[1] || v[0] > UINT64_MAX - (v[1] - 1)))
		return fail(l, "empty or overflowing byte range", line);
	if (l->nr_raw == l->cap_raw)
		l->raw = grow(l->raw, &l->cap_raw, sizeof(*l->raw));
	r = &l->raw[l->nr_raw];
	r->op = op;
	r->first = v[0] / l->block_size;
	r->last = op == SIM_EPOCH ? 0 : (v[0] + v[1] - 1) / l->block_size;
	r->score = v[2] > UINT32_MAX ? UINT32_MAX : v[2];
	/* Every block of an R, W or P record is hashed: bound the work. */
	if (has_blocks(r) && r->last - r->first >= SIM_RECORD_BLOCKS_MAX) {
		char why[96];

		snprintf(why, sizeof(why),
			 "%llu blocks in one record, more than %u",
			 (unsigned long long)(r->last - r->first) + 1,
			 SIM_RECORD_BLOCKS_MAX);
		return fail(l, why, line);
	}
	l->nr_raw++;
	return 0;
}

/*
 * Adds the blocks of records from..to-1 to the set, the first block of
 * each in its pid.  The table is far larger than the caches: each record
 * prefetches the slot of the record AHEAD places on, so that several
 * misses are under way at once.
 */
#define AHEAD 16

static void index_records(struct loader *l, size_t from, size_t to)
{
	struct block_set *s = &l->blocks;
	size_t i;
	u64 b;

	for (i = from; i < to; i++) {
		struct raw_record *r = &l->raw[i];

		if (i + AHEAD < to && s->e && has_blocks(&l->raw[i + AHEAD]))
			__builtin_prefetch(&s->e[slot_of(s,
						l->raw[i + AHEAD].first)]);
		if (!has_blocks(r))
			continue;
		r->score = set_add(s, r->first);
		for (b = r->first; b++ < r->last;)
			set_add(s, b);
	}
}

static int one_line(struct loader *l, char *line, size_t len)
{
	l->line++;
	line[len] = '\0';
	if (memchr(line, '\0', len))
		return fail(l, "NUL byte in line", line);
	if (line[0] == '#')
		return 0;
	return add_record(l, line);
}

/* Reads f in large chunks and hands each line to one_line(). */
static int read_lines(struct loader *l, FILE *f)
{
	size_t cap = 1 << 20, have = 0, start, got, len;
	char *buf = zalloc(cap, 1), *nl;
	bool eof = false;
	int ret = 0;

	while (!ret && !eof) {
		if (have + 1 >= cap) {	/* a line longer than the buffer */
			cap *= 2;
			buf = realloc(buf, cap);
			if (!buf) {
				fprintf(stderr, "aatts-sim: out of memory\n");
				exit(1);
			}
		}
		got = fread(buf + have, 1, cap - 1 - have, f);
		eof = !got;
		have += got;
		for (start = 0; !ret && start < have; start += len + 1) {
			nl = memchr(buf + start, '\n', have - start);
			if (!nl && !eof)
				break;
			len = nl ? (size_t)(nl - (buf + start)) : have - start;
			ret = one_line(l, buf + start, len);
		}
		if (start > have)
			start = have;
		memmove(buf, buf + start, have - start);
		have -= start;
	}
	free(buf);
	if (!ret && ferror(f)) {
		fprintf(stderr, "aatts-sim: %s: read error\n", l->path);
		ret = -1;
	}
	return ret;
}

/*
 * Renumbers the blocks densely and counts what the replays need.  The
 * records are rewritten in place (a sim_record is smaller than a
 * raw_record, and record i is read before record n <= i is written).
 */
static void renumber(struct loader *l, struct sim_trace *t)
{
	const struct block_set *s = &l->blocks;
	u8 *read_seen = zalloc(s->nr, 1);
	size_t i, n = 0;
	u64 b;

	_Static_assert(sizeof(struct sim_record) <= sizeof(struct raw_record),
		       "in-place renumbering");
	t->rec = (struct sim_record *)l->raw;
	t->nr_blocks = s->nr;
	for (i = 0; i < l->nr_raw; i++) {
		const struct raw_record raw = l->raw[i];
		struct sim_record *r = &t->rec[n];
		size_t first = 0, end = 0;

		if (raw.op == SIM_HINT) {
			first = set_lower_bound(s, raw.first);
			end = raw.last == UINT64_MAX ? s->nr :
			      set_lower_bound(s, raw.last + 1);
		} else if (raw.op != SIM_EPOCH) {
			/*
			 * Every block of the range is in the set, so the
			 * range stays contiguous in dense numbers.
			 */
			first = s->rank[raw.score];
			end = first + (raw.last - raw.first) + 1;
		}
		/* A hint on blocks nothing else touches changes nothing. */
		if (raw.op == SIM_HINT && first == end)
			continue;
		r->op = raw.op;
		r->score = raw.op == SIM_HINT ? raw.score : 0;
		r->first = first;
		r->last = raw.op == SIM_EPOCH ? 0 : end - 1;
		if (r->op == SIM_READ) {
			t->nr_reads += r->last - r->first + 1ULL;
			for (b = r->first; b <= r->last; b++) {
				t->nr_read_blocks += !read_seen[b];
				read_seen[b] = 1;
			}
		}
		if (r->op == SIM_HINT && ++l->epoch_hints > t->max_epoch_hints)
			t->max_epoch_hints = l->epoch_hints;
		if (r->op == SIM_EPOCH) {
			l->epoch_hints = 0;
			t->nr_epochs++;
		}
		n++;
	}
	t->nr_rec = n;
	l->raw = NULL;
	if (n) {
		struct sim_record *fit = realloc(t->rec, n * sizeof(*t->rec));

		t->rec = fit ? fit : t->rec;
	}
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
	/* Nothing is hashed before every line has parsed. */
	if (!ret) {
		index_records(&l, 0, l.nr_raw);
		set_number(&l.blocks);
		if (l.blocks.nr >= UINT32_MAX) {
			fprintf(stderr, "aatts-sim: %s: too many blocks\n", path);
			ret = -1;
		}
	}
	if (!ret)
		renumber(&l, t);
	free(l.raw);
	free(l.blocks.e);
	free(l.blocks.rank);
	free(l.blocks.sorted);
	return ret;
}

void sim_trace_free(struct sim_trace *t)
{
	free(t->rec);
}
