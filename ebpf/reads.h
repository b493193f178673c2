/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * reads.h: what ebpf/reads.bpf.c and its loader (ebpf/observer.c) share:
 * the open-run map's key and value, the ring buffer record and the
 * counters.  Plain fixed-size types so that both sides agree on the layout.
 */
#ifndef AATTS_EBPF_READS_H
#define AATTS_EBPF_READS_H

/* Sizes of the maps (the run map's can be changed before load). */
#define READS_MAX_RUNS		16384	/* open runs, all processes */
#define READS_MAX_WATCHED	256	/* watched block devices */
#define READS_MAX_TGIDS		8192	/* processes with open runs */
#define READS_RING_BYTES	(1u << 20)

/*
 * The filter in front of the watched-device map, read on every buffered
 * read of every file on the host: a table in the program's .bss that the
 * loader writes through its mapping.  Slot reads_watch_slot(dev) holds 0
 * when no watched device maps to it, the device when exactly one does, and
 * READS_WATCH_SHARED when several do (only then is the map looked up).
 * Block device numbers are never 0 (major 0 is the unnamed devices').
 */
#define READS_WATCH_SLOTS	1024
#define READS_WATCH_SHARED	0xffffffffu

static inline __u32 reads_watch_slot(__u32 dev)
{
	/* dev is major << 20 | minor: consecutive minors, distinct slots */
	return (dev + (dev >> 20) * 97) & (READS_WATCH_SLOTS - 1);
}

/* A run longer than this is delivered and a new one started. */
#define READS_MAX_RUN_BYTES	(4ull << 20)

/* reads_run.flags: the same bits as AATTS_RANGE_* in observer.h. */
#define READS_CACHED		(1u << 0)
#define READS_MISSED		(1u << 1)
#define READS_WRITE		(1u << 2)
#define READS_MMAP		(1u << 3)

/* One open run: a process reading one file sequentially. */
struct reads_run_key {
	__u64 ino;
	__u32 tgid;
	__u32 dev;		/* kernel dev_t: major << 20 | minor */
};

struct reads_run {
	__u64 start;		/* file offset of the run's first byte */
	__u64 end;		/* one past its last byte */
	__u64 time_ns;		/* bpf_ktime_get_ns() of the last read */
	__u64 cgroup_id;
	__u32 tid;		/* of the last read */
	__u32 generation;
	__u32 flags;		/* READS_* */
	__u32 pad;
};

/* The ring buffer record: a run that has ended. */
struct reads_event {
	struct reads_run_key key;
	struct reads_run run;
};

/* The per-CPU counters (an array map indexed by these). */
enum reads_stat {
	READS_STAT_READS,	/* reads (and faults) seen on watched devices */
	READS_STAT_RANGES,	/* ranges put into the ring buffer */
	READS_STAT_DROPS,	/* ranges lost: ring buffer full */
	READS_STAT_EVICTED,	/* runs ended early: no room in the run map */
	READS_STAT_NR,
};

#endif /* AATTS_EBPF_READS_H */
