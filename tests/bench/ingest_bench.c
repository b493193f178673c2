// SPDX-License-Identifier: GPL-2.0-only
/*
 * ingest_bench: read ranges aattsd ingests per second on one core, without
 * a kernel (make bench-daemon; not a test).
 *
 * The daemon's own objects are linked: daemon/observer.c (its ring-buffer
 * callback: count, record_range(), prefetch_range()), daemon/prefetch.c,
 * daemon/record.c, daemon/fmap.c, lib/predict, lib/aattsnl.  Replaced
 * here: the loader's functions (ebpf/observer.c: aatts_observer_consume()
 * hands out synthetic ranges instead of reading the BPF ring buffer),
 * mnttab_open() (opens the benchmark's own files by inode instead of by
 * handle: no CAP_DAC_READ_SEARCH needed) and, by ld --wrap, the netlink
 * send and receive of a request (aatts_nl_exchange(): the PREFETCH message
 * is still built by prefetch.c, then freed unsent).
 *
 * The files are real (written and fsync'ed under DIR, default
 * build/bench/ingest) so that FIEMAP maps them; every one is mapped once
 * before the clock starts (FIEMAP cache warm, fmap_revalidate_ms large).
 * The file system holding them plays the served aatts device.
 *
 * Scenarios, each timed by the thread's CPU time and the wall clock:
 *   cached    every range served by the page cache (filtered out)
 *   random    page-cache misses at random files and offsets, 4-16 KiB:
 *             FIEMAP cache hits, the planner learns, issues (almost) nothing
 *   model     page-cache misses, the same file order again and again, each
 *             file read as 64 KiB ranges: the planner issues
 * each without and with --record (to /dev/null).
 *
 * Usage: ingest_bench [-n EVENTS] [-f FILES] [-d DIR] [-s SCENARIO]
 * (-s: only that one, e.g. under perf record)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <netlink/msg.h>

#include "aattsd.h"
#include "fmap.h"
#include "observer.h"
#include "record.h"

#define FILE_BYTES	(1u << 20)	/* each file: 256 blocks of 4 KiB */
#define BATCH		4096		/* ranges per consume (ring buffer) */

/* ---- the loader (ebpf/observer.c), replaced ------------------------- */

static struct {
	const struct aatts_read_range *v;
	size_t nr, next;	/* the ranges, the next to deliver */
	uint64_t left;		/* still to deliver in this scenario */
	uint64_t reads;
} src;

int aatts_observer_consume(struct aatts_observer *obs, aatts_range_fn fn,
			   void *ctx)
{
	int n = 0;

	(void)obs;
	while (src.left && n < BATCH) {
		fn(ctx, &src.v[src.next]);
		if (++src.next == src.nr)
			src.next = 0;
		src.left--;
		n++;
	}
	src.reads += (uint64_t)n;
	return n;
}

void aatts_observer_get_stats(const struct aatts_observer *obs,
			      struct aatts_observer_stats *st)
{
	(void)obs;
	memset(st, 0, sizeof(*st));
	st->reads = src.reads;	/* readers never idle: no flush */
	st->ranges = src.reads;
}

int aatts_observer_flush(struct aatts_observer *obs)
{
	(void)obs;
	return 0;
}

int aatts_observer_probe(char *buf, size_t len)
{
	snprintf(buf, len, "ingest_bench: no kernel");
	return -ENOTSUP;
}

int aatts_observer_open(struct aatts_observer **obs,
			const struct aatts_observer_opts *opts, char *err,
			size_t errlen)
{
	(void)obs;
	(void)opts;
	snprintf(err, errlen, "ingest_bench: no kernel");
	return -ENOTSUP;
}

void aatts_observer_close(struct aatts_observer *obs)
{
	(void)obs;
}

int aatts_observer_watch(struct aatts_observer *obs, uint32_t major,
			 uint32_t minor)
{
	(void)obs;
	(void)major;
	(void)minor;
	return 0;
}

int aatts_observer_unwatch(struct aatts_observer *obs, uint32_t major,
			   uint32_t minor)
{
	return aatts_observer_watch(obs, major, minor);
}

int aatts_observer_fd(const struct aatts_observer *obs)
{
	(void)obs;
	return -1;
}

/* ---- files by inode instead of by handle (mnttab.c, replaced) ------- */

static struct bench_file {
	char path[512];
	uint64_t ino;
	uint32_t gen;
} *files;
static unsigned int nfiles;
static uint64_t opens;

int mnttab_open(struct mnttab *t, const struct fmap_key *k)
{
	unsigned int i;
	int fd;

	(void)t;
	for (i = 0; i < nfiles; i++)
		if (files[i].ino == k->ino) {
			opens++;
			fd = open(files[i].path, O_RDONLY | O_CLOEXEC);
			return fd < 0 ? -errno : fd;
		}
	return -ESTALE;
}

/* ---- the netlink exchange, wrapped: the message is built, not sent -- */

static uint64_t nl_msgs, nl_bytes;

int __wrap_aatts_nl_exchange(struct aatts_nl *nl, struct nl_msg *msg,
			     aatts_nl_fn fn, void *arg);
int __wrap_aatts_nl_exchange(struct aatts_nl *nl, struct nl_msg *msg,
			     aatts_nl_fn fn, void *arg)
{
	(void)fn;
	(void)arg;
	nl->error = 0;
	if (!msg) {
		nl->error = -ENOMEM;
		return nl->error;
	}
	nl_msgs++;
	nl_bytes += nlmsg_hdr(msg)->nlmsg_len;
	nlmsg_free(msg);
	return 0;
}

/* ---- the benchmark --------------------------------------------------- */

static uint64_t clock_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void make_files(const char *dir)
{
	static char buf[FILE_BYTES];
	struct stat st;
	unsigned int i;
	int fd;

	if (mkdir(dir, 0755) && errno != EEXIST) {
		perror(dir);
		exit(1);
	}
	memset(buf, 0xa5, sizeof(buf));
	files = calloc(nfiles, sizeof(*files));
	if (!files)
		exit(1);
	for (i = 0; i < nfiles; i++) {
		snprintf(files[i].path, sizeof(files[i].path), "%s/f%u", dir, i);
		fd = open(files[i].path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0 || fstat(fd, &st)) {
			perror(files[i].path);
			exit(1);
		}
		/* written (not preallocated) and on disk: FIEMAP maps it */
		if (st.st_size != FILE_BYTES &&
		    (pwrite(fd, buf, sizeof(buf), 0) != (ssize_t)sizeof(buf) ||
		     fsync(fd))) {
			perror(files[i].path);
			exit(1);
		}
		if (fstat(fd, &st)) {
			perror(files[i].path);
			exit(1);
		}
		files[i].ino = st.st_ino;
		files[i].gen = 0;	/* mnttab_open() above ignores it */
		close(fd);
	}
}

static struct aatts_read_range *ranges;
static size_t nranges;
static unsigned int dev_maj, dev_min;

static void add(unsigned int f, uint64_t off, uint64_t len, uint32_t flags)
{
	struct aatts_read_range *r = &ranges[nranges++];

	memset(r, 0, sizeof(*r));
	r->ino = files[f].ino;
	r->generation = files[f].gen;
	r->offset = off;
	r->length = len;
	r->tgid = r->tid = 1000;
	r->dev_major = dev_maj;
	r->dev_minor = dev_min;
	r->flags = flags;
}

enum scenario { CACHED, RANDOM, MODEL };
static const char *const names[] = { "cached", "random", "model" };

/* The ranges of one scenario, delivered round and round. */
static void make_ranges(enum scenario s)
{
	size_t max = 1u << 20, i;
	unsigned int f;
	uint64_t off;

	nranges = 0;
	switch (s) {
	case CACHED:
	case RANDOM:
		for (i = 0; i < max; i++) {
			uint64_t len = 4096 * (1 + rnd() % 4);

			f = (unsigned int)(rnd() % nfiles);
			off = 4096 * (rnd() % ((FILE_BYTES - len) / 4096 + 1));
			add(f, off, len, s == CACHED ? AATTS_RANGE_CACHED :
			    AATTS_RANGE_MISSED);
		}
		break;
	case MODEL:
		/* one fixed layer order, each file read in 64 KiB ranges */
		for (f = 0; f < nfiles; f++)
			for (off = 0; off < FILE_BYTES; off += 65536)
				add((f * 7919) % nfiles, off, 65536,
				    AATTS_RANGE_MISSED);
		break;
	}
}

struct result {
	double cpu_s, wall_s;
	uint64_t events;
};

static struct result run(struct aattsd *d, uint64_t events)
{
	struct result res = { .events = events };
	uint64_t c0, w0, last_tick;

	src.v = ranges;
	src.nr = nranges;
	src.next = 0;
	src.left = events;
	c0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
	w0 = clock_ns(CLOCK_MONOTONIC);
	last_tick = w0;
	while (src.left) {
		observer_tick(d);	/* consume(): BATCH ranges, on_range() */
		/* the daemon's timer (poll_interval_ms 200 as in the tests) */
		if (clock_ns(CLOCK_MONOTONIC) - last_tick > 200000000ull) {
			prefetch_tick(d);
			last_tick = clock_ns(CLOCK_MONOTONIC);
		}
	}
	res.cpu_s = (double)(clock_ns(CLOCK_THREAD_CPUTIME_ID) - c0) / 1e9;
	res.wall_s = (double)(clock_ns(CLOCK_MONOTONIC) - w0) / 1e9;
	return res;
}

static void setup(struct aattsd *d, bool rec, uint32_t devt)
{
	struct aatts_dev dev;
	struct device *dv;
	bool added;

	memset(d, 0, sizeof(*d));
	config_defaults(&d->cfg);
	d->cfg.prefetch_mode = 0;		/* mode = performance */
	d->cfg.fmap_revalidate_ms = 3600000;	/* warm for the whole run */
	d->record_path = rec ? "/dev/null" : NULL;
	memset(&dev, 0, sizeof(dev));
	snprintf(dev.name, sizeof(dev.name), "bench");
	dev.devt = devt;
	dev.block_size = 4096;
	dev.has_stats = true;
	/* a fast tier of 40% of the files: a model 2.5x the fast tier */
	dev.has_stat[AATTS_STAT_A_FAST_BLOCKS_TOTAL] = true;
	dev.stat[AATTS_STAT_A_FAST_BLOCKS_TOTAL] =
		(uint64_t)nfiles * (FILE_BYTES / 4096) * 2 / 5;
	dv = devtab_put(&d->devs, &dev, &added);
	if (!dv || prefetch_init(d) || record_open(d)) {
		fprintf(stderr, "ingest_bench: setup failed\n");
		exit(1);
	}
	d->obs = (struct aatts_observer *)&src;	/* not NULL: "loaded" */
}

static void teardown(struct aattsd *d)
{
	record_close(d);
	prefetch_exit(d);
	devtab_free(&d->devs);
}

int main(int argc, char **argv)
{
	const char *dir = "build/bench/ingest";
	uint64_t events = 4000000, warm;
	struct prefetch_stats ps;
	struct stat st;
	uint32_t devt;
	cpu_set_t cpus;
	int c, rec, only = -1;
	enum scenario s;

	nfiles = 64;
	while ((c = getopt(argc, argv, "n:f:d:s:")) != -1) {
		switch (c) {
		case 'n':
			events = strtoull(optarg, NULL, 0);
			break;
		case 'f':
			nfiles = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 'd':
			dir = optarg;
			break;
		case 's':
			for (s = CACHED; s <= MODEL; s++)
				if (!strcmp(optarg, names[s]))
					only = (int)s;
			if (only < 0) {
				fprintf(stderr, "ingest_bench: -s cached|random|model\n");
				return 2;
			}
			break;
		default:
			fprintf(stderr, "usage: %s [-n EVENTS] [-f FILES] [-d DIR] [-s SCENARIO]\n",
				argv[0]);
			return 2;
		}
	}
	if (!events || !nfiles) {
		fprintf(stderr, "ingest_bench: -n and -f must be > 0\n");
		return 2;
	}
	/* one core: the one the benchmark starts on */
	CPU_ZERO(&cpus);
	CPU_SET(sched_getcpu(), &cpus);
	sched_setaffinity(0, sizeof(cpus), &cpus);
	log_set_level(LOG_LVL_WARN);
	make_files(dir);
	if (stat(dir, &st)) {
		perror(dir);
		return 1;
	}
	dev_maj = major(st.st_dev);
	dev_min = minor(st.st_dev);
	/* new_encode_dev(), which aatts_devt_split() decodes */
	devt = (dev_min & 0xff) | (dev_maj << 8) | ((dev_min & ~0xffu) << 12);
	ranges = malloc((1u << 20) * sizeof(*ranges));
	if (!ranges)
		return 1;
	printf("# ingest: aattsd's ring-buffer callback (daemon/observer.c) on synthetic ranges, one core;\n"
	       "# %u files of %u KiB on %u:%u (FIEMAP cache warm), mode = performance, netlink send stubbed\n",
	       nfiles, FILE_BYTES >> 10, dev_maj, dev_min);
	printf("%-7s %-6s %10s %12s %12s %9s %10s %10s %8s %6s\n", "ranges",
	       "record", "events", "events/s", "(wall)", "ns/event",
	       "issued", "requests", "opens", "level");
	for (s = CACHED; s <= MODEL; s++) {
		if (only >= 0 && (int)s != only)
			continue;
		make_ranges(s);
		for (rec = 0; rec <= 1; rec++) {
			struct aattsd d;
			struct result r;
			uint64_t o0, m0;

			setup(&d, rec, devt);
			/* warm: every file mapped, the planner past its
			 * first epoch (the model learnt) */
			warm = nranges > 4 * nfiles ? nranges : 4 * nfiles;
			run(&d, warm);
			prefetch_get(&d, devt, &ps);
			o0 = opens;
			m0 = nl_msgs;
			{
				struct prefetch_stats p0 = ps;

				r = run(&d, events);
				prefetch_get(&d, devt, &ps);
				printf("%-7s %-6s %10" PRIu64 " %12.0f %12.0f %9.1f %10" PRIu64
				       " %10" PRIu64 " %8" PRIu64 " %6u\n",
				       names[s], rec ? "on" : "off", r.events,
				       (double)r.events / r.cpu_s,
				       (double)r.events / r.wall_s,
				       r.cpu_s * 1e9 / (double)r.events,
				       ps.issued - p0.issued, nl_msgs - m0,
				       opens - o0, ps.level);
			}
			fflush(stdout);
			teardown(&d);
		}
	}
	printf("# events/s by the thread's CPU time ((wall): by the clock); issued: blocks the planner\n"
	       "# issued in the timed part, in requests PREFETCH messages built (not sent); opens: files\n"
	       "# opened to (re)map them in the timed part (0: the FIEMAP cache stayed warm)\n");
	free(ranges);
	free(files);
	return 0;
}
