/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * observer.h: the user-space face of AAT-TS's eBPF read observers
 * (ebpf/reads.bpf.c), used by aattsd and by aatts-observe.
 *
 * The programs record reads of regular files on file systems whose
 * superblock lives on one of the watched block devices, coalesce sequential
 * reads of one file by one process into ranges in the kernel, and hand the
 * ranges to user space over a BPF ring buffer.  Nothing here sleeps except
 * aatts_observer_open(); aatts_observer_consume() never blocks.
 *
 * This header is the contract between ebpf/ and daemon/: change it only
 * together with both.
 */
#ifndef AATTS_OBSERVER_H
#define AATTS_OBSERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* aatts_read_range.flags */
#define AATTS_RANGE_CACHED	(1u << 0)	/* every page came from the page cache */
#define AATTS_RANGE_MISSED	(1u << 1)	/* some page was not in the page cache */
#define AATTS_RANGE_WRITE	(1u << 2)	/* a write, not a read */
#define AATTS_RANGE_MMAP	(1u << 3)	/* page faults on a mapping */

/* One coalesced run of file bytes [offset, offset + length). */
struct aatts_read_range {
	uint64_t time_ns;	/* CLOCK_MONOTONIC of the run's last read */
	uint64_t cgroup_id;
	uint64_t ino;
	uint64_t offset;
	uint64_t length;
	uint32_t tgid;
	uint32_t tid;		/* of the run's last read */
	uint32_t dev_major;	/* the file system's block device (st_dev) */
	uint32_t dev_minor;
	uint32_t generation;	/* inode generation (i_generation) */
	uint32_t flags;		/* AATTS_RANGE_* */
};

struct aatts_observer_stats {
	uint64_t ranges;	/* ranges delivered */
	uint64_t reads;		/* reads seen on watched devices */
	uint64_t drops;		/* ranges lost: ring buffer full */
	uint64_t evicted_runs;	/* open runs flushed for lack of room */
};

struct aatts_observer_opts {
	uint64_t cgroup_id;	/* 0: every cgroup */
	uint32_t tgid;		/* 0: every process */
	uint32_t ring_bytes;	/* ring buffer size, power of two; 0: default */
	/*
	 * Prompt ranges: the first read of each run is delivered at once as
	 * a range of its own (the rest of the run follows as another), and
	 * a thread turning to another file ends its run of the previous one.
	 * For prefetchers, which need to know a file is being read while it
	 * is read; off: one range per sequential run.
	 */
	bool prompt;
};

struct aatts_observer;

/*
 * aatts_observer_probe: what the running kernel offers (BTF, each hook
 * point, the kernel release), one line per item into buf.  Returns 0 when
 * the observers can run, else -ENOTSUP with the missing pieces named.
 */
int aatts_observer_probe(char *buf, size_t len);

/* Loads and attaches the programs; on failure, the reason in err. */
int aatts_observer_open(struct aatts_observer **obs,
			const struct aatts_observer_opts *opts,
			char *err, size_t errlen);
void aatts_observer_close(struct aatts_observer *obs);

/*
 * Watch / stop watching file systems on block device major:minor; -EINVAL
 * for 0:0 and numbers out of the kernel's range (12-bit major, 20-bit
 * minor), -E2BIG from watch with READS_MAX_WATCHED (256) watched, -ENOENT
 * from unwatch for a device not watched.
 */
int aatts_observer_watch(struct aatts_observer *obs, uint32_t major,
			 uint32_t minor);
int aatts_observer_unwatch(struct aatts_observer *obs, uint32_t major,
			   uint32_t minor);

/* The fd to put in an epoll set: readable when ranges are waiting. */
int aatts_observer_fd(const struct aatts_observer *obs);

typedef void (*aatts_range_fn)(void *ctx, const struct aatts_read_range *r);

/*
 * Calls fn for each waiting range, in order, without blocking.  Returns the
 * number of ranges consumed or a negative errno.
 */
int aatts_observer_consume(struct aatts_observer *obs, aatts_range_fn fn,
			   void *ctx);

/*
 * Ends every open run (a process's sequential run still growing in the
 * kernel) so that its range is delivered on the next consume: at exit, and
 * when a reader has been idle.
 */
int aatts_observer_flush(struct aatts_observer *obs);

void aatts_observer_get_stats(const struct aatts_observer *obs,
			      struct aatts_observer_stats *st);

#endif /* AATTS_OBSERVER_H */
