// SPDX-License-Identifier: GPL-2.0-only
/*
 * aatts-trace: converts recorded I/O into trace format v1.
 *
 *   aatts-trace blktrace [--action A] [--dev MAJ,MIN] [--sector-offset N]
 *                        [FILE]
 *       blkparse's default text output (FILE or stdin)
 *   aatts-trace events [--dev MAJ:MIN] [FILE]
 *       the file-level read events aattsd records (format "aatts-events 1",
 *       Documentation/tools.rst): file offsets mapped to device offsets
 *       through the extent map recorded with them
 *
 * Writes the v1 trace to stdout.  A line that does not parse is an error
 * naming the line (exit 1); usage errors exit 2.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

typedef uint32_t u32;
typedef uint64_t u64;

static const char usage[] =
"usage: aatts-trace blktrace [--action A] [--dev MAJ,MIN] [--sector-offset N] [FILE]\n"
"       aatts-trace events [--dev MAJ:MIN] [FILE]\n"
"\n"
"Converts recorded I/O (FILE, default stdin) to trace format v1 on stdout.\n"
"\n"
"blktrace: blkparse's default output.  Of each event line it uses the\n"
"  device (MAJ,MIN), the action, RWBS and 'SECTOR + COUNT'; events of\n"
"  action A (default Q: the order the I/O was issued in; D: dispatch,\n"
"  C: completion) with R or W in RWBS become R or W records (discards,\n"
"  flushes without data and other actions are skipped).  Offsets are\n"
"  SECTOR * 512 minus --sector-offset * 512 (a partition's start).  The\n"
"  summary blkparse prints after the events (from a 'CPU' or 'Total'\n"
"  line on) is ignored.\n"
"  --dev MAJ,MIN     only this device's events (default: all; more than\n"
"                    one device is an error)\n"
"\n"
"events: aattsd's recorded read events (aatts-events 1): F declares a\n"
"  file, X its extents, R/W/I are file ranges mapped through the extents,\n"
"  E passes through.  Ranges in holes are dropped and counted.\n"
"  --dev MAJ:MIN     only files on this device (default: all; files on\n"
"                    more than one device are an error)\n";

static const char *path = "-";
static size_t line_nr;

static void __attribute__((noreturn, format(printf, 1, 2)))
bad_line(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "aatts-trace: %s: line %zu: ", path, line_nr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static void *xrealloc(void *p, size_t n, size_t size)
{
	p = reallocarray(p, n ? n : 1, size);
	if (!p) {
		fprintf(stderr, "aatts-trace: out of memory\n");
		exit(1);
	}
	return p;
}

/* A decimal u64, all of s. */
static bool parse_u64(const char *s, u64 *v)
{
	*v = 0;
	if (*s < '0' || *s > '9')
		return false;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (*v > (UINT64_MAX - (*s - '0')) / 10)
			return false;
		*v = *v * 10 + (*s - '0');
	}
	return !*s;
}

/* "MAJ<sep>MIN" into one number (major << 32 | minor). */
static bool parse_dev(const char *s, char sep, u64 *dev)
{
	char buf[64], *at;
	u64 maj, min;

	if (strlen(s) >= sizeof(buf))
		return false;
	strcpy(buf, s);
	at = strchr(buf, sep);
	if (!at)
		return false;
	*at = '\0';
	if (!parse_u64(buf, &maj) || !parse_u64(at + 1, &min) ||
	    maj >> 32 || min >> 32)
		return false;
	*dev = maj << 32 | min;
	return true;
}

/*
 * Splits line into at most max fields.  strict: single spaces only (the
 * events format); else any run of blanks (blkparse's columns).
 */
static int split(char *line, char **field, int max, bool strict)
{
	int n = 0;
	char *s = line;

	if (!strict)
		while (*s == ' ' || *s == '\t')
			s++;
	while (*s) {
		if (n == max)
			return max + 1;
		field[n++] = s;
		while (*s && *s != ' ' && (strict || *s != '\t'))
			s++;
		if (!*s)
			break;
		*s++ = '\0';
		if (strict && (!*s || *s == ' '))
			return -1;
		if (!strict)
			while (*s == ' ' || *s == '\t')
				s++;
	}
	return n;
}

static void emit(char op, u64 off, u64 len)
{
	printf("%c %llu %llu\n", op, (unsigned long long)off,
	       (unsigned long long)len);
}

/* Reads the next line without its newline; false at EOF. */
static bool next_line(FILE *f, char **line, size_t *size)
{
	ssize_t len = getline(line, size, f);

	if (len < 0) {
		if (ferror(f)) {
			fprintf(stderr, "aatts-trace: %s: read error\n", path);
			exit(1);
		}
		return false;
	}
	line_nr++;
	if (len && (*line)[len - 1] == '\n')
		(*line)[--len] = '\0';
	if (strlen(*line) != (size_t)len)
		bad_line("NUL byte");
	return true;
}

struct blk_options {
	char action[3];
	bool has_dev;
	u64 dev;
	u64 sector_offset;
};

static int convert_blktrace(FILE *f, const struct blk_options *o)
{
	char *line = NULL, *fld[32];
	size_t size = 0;
	u64 dev, seen_dev = 0, v, sector, count, events = 0, skipped = 0;
	bool have_seen = false;
	int n;

	printf("# aatts-trace blktrace: action %s\n", o->action);
	while (next_line(f, &line, &size)) {
		n = split(line, fld, 32, false);
		if (n == 0)
			continue;
		if (!strncmp(fld[0], "CPU", 3) || !strcmp(fld[0], "Total"))
			break;	/* blkparse's summary */
		if (n < 7 || n > 32 || !parse_dev(fld[0], ',', &dev) ||
		    !parse_u64(fld[1], &v) || !parse_u64(fld[2], &v) ||
		    !strchr(fld[3], '.') || !parse_u64(fld[4], &v) ||
		    strlen(fld[5]) > 2)
			bad_line("not a blkparse event line");
		if (o->has_dev && dev != o->dev)
			continue;
		if (strcmp(fld[5], o->action))
			continue;
		/* RWBS, then "SECTOR + COUNT", or no data (flush, plug). */
		if (n < 10 || strcmp(fld[8], "+") ||
		    !parse_u64(fld[7], &sector)) {
			skipped++;
			continue;
		}
		if (!parse_u64(fld[9], &count))
			bad_line("bad sector count '%s'", fld[9]);
		/* Discards (D) carry no data; neither R nor W: skipped. */
		if (strchr(fld[6], 'D') || !count ||
		    (!strchr(fld[6], 'R') && !strchr(fld[6], 'W'))) {
			skipped++;
			continue;
		}
		if (!o->has_dev) {
			if (have_seen && dev != seen_dev)
				bad_line("events of a second device; choose one with --dev");
			seen_dev = dev;
			have_seen = true;
		}
		if (sector < o->sector_offset)
			bad_line("sector %llu below --sector-offset",
				 (unsigned long long)sector);
		if ((sector - o->sector_offset) >> 54 || count >> 54)
			bad_line("sector out of range");
		emit(strchr(fld[6], 'W') ? 'W' : 'R',
		     (sector - o->sector_offset) * 512, count * 512);
		events++;
	}
	printf("# %llu records, %llu events of action %s without data skipped\n",
	       (unsigned long long)events, (unsigned long long)skipped,
	       o->action);
	free(line);
	return 0;
}

/* ---- aatts-events 1 ---- */

struct extent {
	u64 foff;
	u64 len;
	u64 doff;
};

/*
 * A file's extents, in file order, in chunks of at most CHUNK: a sorted
 * array of chunks, each a sorted array, and each chunk's first offset in
 * a sorted array of its own.  Finding the extent a range starts in is two
 * binary searches over contiguous memory; inserting one, in any order,
 * moves at most CHUNK extents and, when a chunk splits, the chunk
 * directory: O(CHUNK + n / CHUNK), where one sorted array moved O(n).
 */
#define CHUNK 256

struct chunk {
	u32 nr;
	u32 cap;		/* grows to CHUNK: small files stay small */
	struct extent e[];
};

struct file {
	u32 fid;
	bool used;		/* declared by an F record */
	bool on_dev;		/* on the device being converted */
	u64 dev;
	struct chunk **chunk;
	u64 *first;		/* chunk[i]->e[0].foff */
	size_t nr_chunks;
	size_t cap_chunks;
};

#define MAX_FID (1U << 24)

/*
 * The files by fid: an open-addressing hash table (linear probing), so
 * that memory follows the declared files, never the largest fid.
 */
static struct file *files;
static size_t files_mask;	/* capacity - 1 */
static size_t nr_files;
static u64 unmapped;

static size_t fid_slot(u32 fid)
{
	size_t j = (fid * 0x9e3779b97f4a7c15ULL >> 24) & files_mask;

	while (files[j].used && files[j].fid != fid)
		j = (j + 1) & files_mask;
	return j;
}

static void files_grow(void)
{
	struct file *old = files;
	size_t i, old_cap = files ? files_mask + 1 : 0;
	size_t cap = old_cap ? 2 * old_cap : 64;

	files = xrealloc(NULL, cap, sizeof(*files));
	memset(files, 0, cap * sizeof(*files));
	files_mask = cap - 1;
	for (i = 0; i < old_cap; i++)
		if (old[i].used)
			files[fid_slot(old[i].fid)] = old[i];
	free(old);
}

static void free_extents(struct file *fl)
{
	size_t i;

	for (i = 0; i < fl->nr_chunks; i++)
		free(fl->chunk[i]);
	free(fl->chunk);
	free(fl->first);
	fl->chunk = NULL;
	fl->first = NULL;
	fl->nr_chunks = 0;
	fl->cap_chunks = 0;
}

/* The file a record names; declare: create it if new. */
static struct file *file_of(const char *s, bool declare)
{
	struct file *fl;
	u64 fid;

	if (!parse_u64(s, &fid) || fid >= MAX_FID)
		bad_line("bad file id '%s' (0..%u)", s, MAX_FID - 1);
	fl = files ? &files[fid_slot(fid)] : NULL;
	if (fl && fl->used)
		return fl;
	if (!declare)
		bad_line("file %llu not declared by an F record",
			 (unsigned long long)fid);
	if (2 * (nr_files + 1) > (files ? files_mask + 1 : 0)) {
		files_grow();
		fl = &files[fid_slot(fid)];
	}
	*fl = (struct file) { .fid = fid, .used = true };
	nr_files++;
	return fl;
}

static u64 ext_end(const struct extent *e)
{
	return e->foff + e->len;
}

/* The last chunk whose first extent starts at or before off; else 0. */
static size_t chunk_of(const struct file *fl, u64 off)
{
	size_t lo = 0, hi = fl->nr_chunks;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (fl->first[mid] <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? lo - 1 : 0;
}

/* The first extent of c that ends after off (by_end) or starts after it. */
static u32 index_in(const struct chunk *c, u64 off, bool by_end)
{
	u32 lo = 0, hi = c->nr;

	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;

		if ((by_end ? ext_end(&c->e[mid]) : c->e[mid].foff) <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* A new chunk of capacity cap, holding nothing, at directory index k. */
static struct chunk *chunk_insert(struct file *fl, size_t k, u32 cap)
{
	struct chunk *c = xrealloc(NULL, 1, sizeof(*c) + cap * sizeof(c->e[0]));

	c->nr = 0;
	c->cap = cap;
	if (fl->nr_chunks == fl->cap_chunks) {
		fl->cap_chunks = fl->cap_chunks ? 2 * fl->cap_chunks : 1;
		fl->chunk = xrealloc(fl->chunk, fl->cap_chunks,
				     sizeof(*fl->chunk));
		fl->first = xrealloc(fl->first, fl->cap_chunks,
				     sizeof(*fl->first));
	}
	memmove(fl->chunk + k + 1, fl->chunk + k,
		(fl->nr_chunks - k) * sizeof(*fl->chunk));
	memmove(fl->first + k + 1, fl->first + k,
		(fl->nr_chunks - k) * sizeof(*fl->first));
	fl->chunk[k] = c;
	fl->nr_chunks++;
	return c;
}

/* Inserts extent e of fl in file order; an overlap is an error. */
static void add_extent(struct file *fl, const struct extent *e)
{
	const struct extent *prev = NULL, *next = NULL;
	struct chunk *c;
	size_t k;
	u32 pos;

	if (!fl->nr_chunks)
		chunk_insert(fl, 0, 4);
	k = chunk_of(fl, e->foff);
	c = fl->chunk[k];
	pos = index_in(c, e->foff, false);
	/* pos == 0 only in chunk 0: nothing before. */
	if (pos)
		prev = &c->e[pos - 1];
	if (pos < c->nr)
		next = &c->e[pos];
	else if (k + 1 < fl->nr_chunks)
		next = &fl->chunk[k + 1]->e[0];
	if ((prev && ext_end(prev) > e->foff) ||
	    (next && next->foff < ext_end(e)))
		bad_line("X: file bytes [%llu, %llu) overlap another extent of file %u",
			 (unsigned long long)e->foff,
			 (unsigned long long)ext_end(e), fl->fid);
	if (c->nr == CHUNK && pos == CHUNK && k + 1 == fl->nr_chunks) {
		/* Extents in file order fill chunks, never split them. */
		c = chunk_insert(fl, ++k, 4);
		pos = 0;
	} else if (c->nr == CHUNK) {
		struct chunk *upper = chunk_insert(fl, k + 1, CHUNK);

		upper->nr = CHUNK / 2;
		memcpy(upper->e, c->e + CHUNK / 2, CHUNK / 2 * sizeof(c->e[0]));
		fl->first[k + 1] = upper->e[0].foff;
		c->nr = CHUNK / 2;
		if (pos > CHUNK / 2) {
			c = upper;
			pos -= CHUNK / 2;
			k++;
		}
	} else if (c->nr == c->cap) {
		c->cap = 2 * c->cap < CHUNK ? 2 * c->cap : CHUNK;
		c = xrealloc(c, 1, sizeof(*c) + c->cap * sizeof(c->e[0]));
		fl->chunk[k] = c;
	}
	memmove(c->e + pos + 1, c->e + pos, (c->nr - pos) * sizeof(c->e[0]));
	c->e[pos] = *e;
	c->nr++;
	if (!pos)
		fl->first[k] = e->foff;
}

/*
 * Emits the device ranges of file bytes [off, off + len), in file order;
 * a hint ('I') keeps its score.  Bytes outside every extent are counted.
 */
static void map_range(struct file *fl, char op, u64 off, u64 len,
		      const char *score)
{
	u64 end = off + len, covered = 0;
	size_t k = chunk_of(fl, off);
	u32 i = 0;

	/* The first extent ending after off. */
	if (fl->nr_chunks) {
		i = index_in(fl->chunk[k], off, true);
		if (i == fl->chunk[k]->nr) {
			k++;
			i = 0;
		}
	}
	while (k < fl->nr_chunks && fl->chunk[k]->e[i].foff < end) {
		const struct extent *e = &fl->chunk[k]->e[i];
		u64 a = off > e->foff ? off : e->foff;
		u64 b = end < ext_end(e) ? end : ext_end(e);

		if (op == 'I')
			printf("I %llu %llu %s\n",
			       (unsigned long long)(e->doff + (a - e->foff)),
			       (unsigned long long)(b - a), score);
		else
			emit(op, e->doff + (a - e->foff), b - a);
		covered += b - a;
		if (++i == fl->chunk[k]->nr) {
			i = 0;
			k++;
		}
	}
	unmapped += len - covered;
}

static int convert_events(FILE *f, bool has_dev, u64 want_dev)
{
	char *line = NULL, *fld[8];
	size_t size = 0;
	bool header = false, have_seen = false;
	u64 v[6], dev, seen_dev = 0, records = 0;
	struct file *fl;
	int n, i;

	printf("# aatts-trace events\n");
	while (next_line(f, &line, &size)) {
		if (line[0] == '#')
			continue;
		n = split(line, fld, 7, true);
		if (n <= 0)
			bad_line("not an aatts-events record");
		if (!header) {
			if (n != 2 || strcmp(fld[0], "aatts-events") ||
			    strcmp(fld[1], "1"))
				bad_line("the first record must be 'aatts-events 1'");
			header = true;
			continue;
		}
		if (strlen(fld[0]) != 1)
			bad_line("unknown record '%s'", fld[0]);
		switch (fld[0][0]) {
		case 'F':	/* F fid MAJ:MIN ino gen */
			if (n != 5 || !parse_dev(fld[2], ':', &dev) ||
			    !parse_u64(fld[3], &v[0]) || !parse_u64(fld[4], &v[1]))
				bad_line("F needs: fid MAJ:MIN inode generation");
			fl = file_of(fld[1], true);
			free_extents(fl);
			fl->dev = dev;
			fl->on_dev = has_dev ? dev == want_dev : true;
			if (!has_dev) {
				if (have_seen && dev != seen_dev)
					bad_line("files on a second device; choose one with --dev");
				seen_dev = dev;
				have_seen = true;
			}
			break;
		case 'X':	/* X fid file_offset length device_offset */
			if (n != 5)
				bad_line("X needs: fid file_offset length device_offset");
			fl = file_of(fld[1], false);
			for (i = 0; i < 3; i++)
				if (!parse_u64(fld[2 + i], &v[i]))
					bad_line("X: bad number '%s'", fld[2 + i]);
			if (!v[1] || v[0] > UINT64_MAX - v[1] ||
			    v[2] > UINT64_MAX - v[1])
				bad_line("X: empty or overflowing extent");
			add_extent(fl, &(struct extent) { v[0], v[1], v[2] });
			break;
		case 'R':	/* R time_ns pid fid offset length */
		case 'W':
			if (n != 6)
				bad_line("%c needs: time_ns pid fid offset length",
					 fld[0][0]);
			for (i = 0; i < 5; i++)
				if (i != 2 && !parse_u64(fld[1 + i], &v[i]))
					bad_line("bad number '%s'", fld[1 + i]);
			fl = file_of(fld[3], false);
			if (!v[4] || v[3] > UINT64_MAX - v[4])
				bad_line("empty or overflowing range");
			if (fl->on_dev) {
				map_range(fl, fld[0][0], v[3], v[4], NULL);
				records++;
			}
			break;
		case 'I':	/* I fid offset length score */
			if (n != 5 || !parse_u64(fld[2], &v[0]) ||
			    !parse_u64(fld[3], &v[1]) || !parse_u64(fld[4], &v[2]))
				bad_line("I needs: fid offset length score");
			fl = file_of(fld[1], false);
			if (!v[1] || v[0] > UINT64_MAX - v[1])
				bad_line("empty or overflowing range");
			if (fl->on_dev)
				map_range(fl, 'I', v[0], v[1], fld[4]);
			break;
		case 'E':
			if (n != 1)
				bad_line("E takes no field");
			puts("E");
			break;
		default:
			bad_line("unknown record '%s'", fld[0]);
		}
	}
	if (!header)
		bad_line("empty input: no 'aatts-events 1' record");
	printf("# %llu file records converted, %llu bytes in no extent dropped\n",
	       (unsigned long long)records, (unsigned long long)unmapped);
	for (v[0] = 0; files && v[0] <= files_mask; v[0]++)
		free_extents(&files[v[0]]);
	free(files);
	free(line);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "action", required_argument, NULL, 'a' },
		{ "dev", required_argument, NULL, 'd' },
		{ "sector-offset", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct blk_options bo = { .action = "Q" };
	const char *mode, *dev = NULL;
	FILE *f = stdin;
	int opt, ret;

	cli_setup("aatts-trace", usage);
	if (argc > 1 && !strcmp(argv[1], "--help")) {
		fputs(usage, stdout);
		return 0;
	}
	if (argc < 2)
		usage_error("give a mode: blktrace or events");
	mode = argv[1];
	if (strcmp(mode, "blktrace") && strcmp(mode, "events"))
		usage_error("unknown mode '%s'", mode);
	opterr = 0;
	optind = 2;
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (opt) {
		case 'a':
			if (!*optarg || strlen(optarg) > 2 || strcmp(mode, "blktrace"))
				usage_error("--action needs a blkparse action (Q, D, C...)");
			strcpy(bo.action, optarg);
			break;
		case 'd': dev = optarg; break;
		case 's':
			if (strcmp(mode, "blktrace") ||
			    !parse_u64(optarg, &bo.sector_offset) ||
			    bo.sector_offset >> 54)
				usage_error("--sector-offset needs a sector number");
			break;
		case 'h': fputs(usage, stdout); return 0;
		default: usage_error("bad option '%s'", argv[optind - 1]);
		}
	}
	if (optind + 1 < argc)
		usage_error("unexpected argument '%s'", argv[optind + 1]);
	if (dev && !parse_dev(dev, strcmp(mode, "events") ? ',' : ':', &bo.dev))
		usage_error("bad --dev '%s' (blktrace: MAJ,MIN; events: MAJ:MIN)",
			    dev);
	bo.has_dev = dev;
	if (optind < argc && strcmp(argv[optind], "-")) {
		path = argv[optind];
		f = fopen(path, "r");
		if (!f) {
			fprintf(stderr, "aatts-trace: %s: %s\n", path,
				strerror(errno));
			return 1;
		}
	}
	if (!strcmp(mode, "blktrace"))
		ret = convert_blktrace(f, &bo);
	else
		ret = convert_events(f, bo.has_dev, bo.dev);
	if (f != stdin)
		fclose(f);
	if (fflush(stdout) || ferror(stdout)) {
		perror("aatts-trace: stdout");
		return 1;
	}
	return ret;
}
