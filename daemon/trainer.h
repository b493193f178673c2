/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * aattsd: the trainer ops' limits and the pure helpers of trainer.c
 * (tests/host/daemon/trainer_test.c).  Documentation/aattsd.rst, "Trainer
 * ops", states the same limits.
 */
#ifndef AATTSD_TRAINER_H
#define AATTSD_TRAINER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#define TRAINER_MANIFEST_MAX	(1 << 20)	/* paths in a manifest */
#define TRAINER_SAMPLES_MAX	(1 << 21)	/* manifest + paths named later */
#define TRAINER_BATCH_MAX	65536	/* elements of one array in a request */
#define TRAINER_RESIDENCY_MAX	4096	/* samples in one residency request */
#define TRAINER_ORDER_MAX	(1 << 22)	/* indices in an order */
#define TRAINER_JOBS_MAX	16	/* named jobs */
#define TRAINER_JOB_NAME_MAX	64	/* NUL included */
#define TRAINER_PATH_MAX	4096	/* NUL included */
#define TRAINER_DEVICES_MAX	8	/* devices in one request's samples */
#define TRAINER_SPAN_BLOCKS_MAX	(1 << 24)	/* blocks one residency query spans */
#define TRAINER_SCORE_TOP	1000000U	/* the highest kernel score sent */
#define TRAINER_SHUFFLE		"splitmix64-fisher-yates"

/*
 * The window a cursor prefetches ahead when the reader names none
 * (trainer_window()): the samples the reader consumes in TRAINER_LEAD_MS
 * at its measured rate, at most what the slow tier delivers in that time
 * and a quarter of the fast tier, within TRAINER_WINDOW_MIN..TRAINER_BATCH_MAX;
 * TRAINER_WINDOW_START until a rate is measured.
 */
#define TRAINER_WINDOW_START	32
#define TRAINER_WINDOW_MIN	8
#define TRAINER_LEAD_MS		2000
/* page_cache_advice: samples a cursor considers, extents each at most. */
#define TRAINER_ADVISE_SAMPLES	256
#define TRAINER_ADVISE_EXTENTS	4

struct trainer_stats {
	uint64_t manifests, scores, epochs, hint_ranges, orders;
	uint64_t residency_queries, residency_samples, unresolved;
	uint64_t cursors, prefetch_samples, prefetch_blocks;
	uint64_t paths_opened;	/* sample files opened to resolve them */
	uint64_t paths_cached;	/* resolved from a recent resolution */
	uint64_t advised_samples;	/* asked into the page cache */
};

/* What trainer_window() sizes the window from; 0: not known (yet). */
struct trainer_window_in {
	double rate;		/* the reader's samples per second */
	uint64_t sample_bytes;	/* mean bytes of a sample */
	uint64_t slow_bps;	/* the slow tier's bandwidth, bytes/s */
	uint64_t fast_bytes;	/* the fast tier's size */
	uint64_t lead_ms;	/* reading time to cover */
};
uint64_t trainer_window(const struct trainer_window_in *in);

struct peer;
/* NULL when s (len bytes, no NUL needed) is an acceptable path, else why. */
const char *trainer_check_path(const char *s, size_t len);
const char *trainer_check_job_name(const char *s, size_t len);
uint64_t trainer_splitmix64(uint64_t *state);
/* v[0..n) = a permutation of 0..n-1, the named shuffle of seed. */
void trainer_shuffle(uint32_t *v, size_t n, uint64_t seed);
/* A score (>= 0) as a kernel score: max -> TRAINER_SCORE_TOP, 0 -> 0. */
uint32_t trainer_score_scale(double s, double max);
/* Position pos of n in the next order as a kernel score (first: highest). */
uint32_t trainer_rank_score(size_t pos, size_t n);
/* May p read the file at path (st its stat) by the mode bits? */
bool trainer_peer_may_read(const struct peer *p, const char *path,
			   const struct stat *st);

#endif
