// SPDX-License-Identifier: GPL-2.0-only
/*
 * aatts-observe: prints the file ranges processes read on the file systems
 * of the given block devices, as the eBPF observers (ebpf/) see them; or,
 * with --probe, what the running kernel offers them.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>

#include "cli.h"
#include "observer.h"

#define CGROUP2_MAGIC	0x63677270
#define PACE_MS		10	/* pause after a consume that found ranges */

static const char usage[] =
	"usage: aatts-observe --probe\n"
	"       aatts-observe [--pid PID] [--cgroup PATH] [--duration SECONDS] [--prompt] DEV...\n"
	"  DEV: a block device node (/dev/mapper/NAME) or MAJOR:MINOR\n"
	"  Prints one line per range until SIGINT/SIGTERM or the end of --duration:\n"
	"    TIME_NS TGID TID CGROUP_ID MAJOR:MINOR INO GENERATION OFFSET LENGTH FLAGS\n"
	"  FLAGS: cached|missed, then ,mmap for page faults\n"
	"  --prompt: each run's first read at once as a range of its own, and a\n"
	"  thread's run ended when it turns to another file (as aattsd asks)\n";

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void print_range(void *ctx, const struct aatts_read_range *r)
{
	FILE *out = ctx;

	fprintf(out, "%" PRIu64 " %u %u %" PRIu64 " %u:%u %" PRIu64 " %u %"
		PRIu64 " %" PRIu64 " %s%s%s\n", r->time_ns, r->tgid, r->tid,
		r->cgroup_id, r->dev_major, r->dev_minor, r->ino,
		r->generation, r->offset, r->length,
		r->flags & AATTS_RANGE_MISSED ? "missed" : "cached",
		r->flags & AATTS_RANGE_MMAP ? ",mmap" : "",
		r->flags & AATTS_RANGE_WRITE ? ",write" : "");
}

/* MAJOR:MINOR or a block device node. */
static void parse_dev(const char *s, unsigned int *ma, unsigned int *mi)
{
	struct stat st;
	char end;

	if (sscanf(s, "%u:%u%c", ma, mi, &end) == 2) {
		if (*ma >= 1u << 12 || *mi >= 1u << 20)
			usage_error("%s: not a device number (major < 4096, minor < 2^20)", s);
		return;
	}
	if (stat(s, &st)) {
		fprintf(stderr, "aatts-observe: %s: %s\n", s, strerror(errno));
		exit(1);
	}
	if (!S_ISBLK(st.st_mode)) {
		fprintf(stderr, "aatts-observe: %s: not a block device\n", s);
		exit(1);
	}
	*ma = major(st.st_rdev);
	*mi = minor(st.st_rdev);
}

static uint64_t cgroup_id(const char *path)
{
	struct statfs sfs;
	struct stat st;

	if (statfs(path, &sfs) || stat(path, &st)) {
		fprintf(stderr, "aatts-observe: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	if (sfs.f_type != CGROUP2_MAGIC || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "aatts-observe: %s: not a cgroup v2 directory\n",
			path);
		exit(1);
	}
	/* A cgroup's id is its kernfs inode number on 64-bit kernels. */
	return st.st_ino;
}

static int do_probe(void)
{
	char buf[4096];
	int r = aatts_observer_probe(buf, sizeof(buf));

	fputs(buf, stdout);
	return r ? 1 : 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "probe", no_argument, NULL, 'P' },
		{ "pid", required_argument, NULL, 'p' },
		{ "cgroup", required_argument, NULL, 'c' },
		{ "duration", required_argument, NULL, 'd' },
		{ "prompt", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct aatts_observer_opts opts = { 0 };
	struct aatts_observer_stats st;
	struct aatts_observer *obs;
	struct sigaction sa;
	const struct timespec pace = { 0, PACE_MS * 1000000L };
	double deadline = 0;
	int probe_only = 0, c, i, r, ndev, status = 0;
	unsigned int (*devs)[2];
	char err[1024];

	cli_setup("aatts-observe", usage);
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'P':
			probe_only = 1;
			break;
		case 'p':
			opts.tgid = (uint32_t)cli_count(optarg, "--pid", 4194304);
			break;
		case 'c':
			opts.cgroup_id = cgroup_id(optarg);
			break;
		case 'q':
			opts.prompt = true;
			break;
		case 'd':
			deadline = (double)cli_count(optarg, "--duration", 86400 * 365);
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			usage_error("unknown option");
		}
	}
	if (probe_only) {
		if (optind < argc || opts.tgid || opts.cgroup_id || deadline ||
		    opts.prompt)
			usage_error("--probe takes no other argument");
		return do_probe();
	}
	if (optind >= argc)
		usage_error("no device given");
	ndev = argc - optind;
	devs = calloc((size_t)ndev, sizeof(*devs));
	if (!devs) {
		perror("aatts-observe");
		return 1;
	}
	/* Every argument is checked before anything is loaded. */
	for (i = 0; i < ndev; i++)
		parse_dev(argv[optind + i], &devs[i][0], &devs[i][1]);

	r = aatts_observer_open(&obs, &opts, err, sizeof(err));
	if (r) {
		fprintf(stderr, "aatts-observe: %s\n", err);
		free(devs);
		return 1;
	}
	for (i = 0; i < ndev; i++) {
		r = aatts_observer_watch(obs, devs[i][0], devs[i][1]);
		if (r) {
			fprintf(stderr, "aatts-observe: watching %u:%u: %s\n",
				devs[i][0], devs[i][1], strerror(-r));
			aatts_observer_close(obs);
			free(devs);
			return 1;
		}
	}
	free(devs);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/*
	 * Fully buffered, flushed after each consume: the ranges of a batch
	 * reach a pipe together, with one write, not one write each.
	 */
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	if (deadline)
		deadline += now_s();
	fprintf(stderr, "aatts-observe: observing %d device(s)\n", ndev);

	while (!stop && (!deadline || now_s() < deadline)) {
		struct pollfd p = { .fd = aatts_observer_fd(obs), .events = POLLIN };

		r = poll(&p, 1, 200);
		if (r < 0 && errno != EINTR) {
			perror("aatts-observe: poll");
			status = 1;
			break;
		}
		r = aatts_observer_consume(obs, print_range, stdout);
		fflush(stdout);
		if (r < 0) {
			fprintf(stderr, "aatts-observe: consume: %s\n", strerror(-r));
			status = 1;
			break;
		}
		/*
		 * The kernel wakes the fd only when the ring goes from empty
		 * to not empty: pausing after a busy consume lets ranges
		 * gather, one wakeup for many instead of one each.
		 */
		if (r > 0)
			nanosleep(&pace, NULL);
	}
	r = aatts_observer_flush(obs);
	if (r)
		fprintf(stderr, "aatts-observe: flush: %s\n", strerror(-r));
	if (aatts_observer_consume(obs, print_range, stdout) < 0 || r)
		status = 1;
	if (fflush(stdout) == EOF) {
		perror("aatts-observe: writing the ranges");
		status = 1;
	}
	aatts_observer_get_stats(obs, &st);
	fprintf(stderr, "aatts-observe: %" PRIu64 " ranges, %" PRIu64
		" reads, %" PRIu64 " drops, %" PRIu64 " evicted runs\n",
		st.ranges, st.reads, st.drops, st.evicted_runs);
	aatts_observer_close(obs);
	return status;
}
