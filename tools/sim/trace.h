/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Trace format v1 (Documentation/design/policies.rst), loaded into memory
 * with every block renumbered densely: the blocks the trace touches, in
 * ascending order, become 0..nr_blocks-1, so memory follows the distinct
 * blocks and not the device size, while ranges and order stay exact.
 */
#ifndef AATTS_SIM_TRACE_H
#define AATTS_SIM_TRACE_H

#include "aatts_cache.h"

/*
 * At most this many blocks in one R, W or P record (every block of those
 * is hashed and replayed one by one): 4 GiB at 4 KiB blocks, more than one
 * read(2) can ask for.  A record above it is a trace error naming the
 * line.  I records have no cap: their ranges are mapped by binary search.
 */
#define SIM_RECORD_BLOCKS_MAX (1U << 20)

enum sim_op { SIM_READ, SIM_WRITE, SIM_HINT, SIM_EPOCH, SIM_PREFETCH };

/* One record: its dense blocks first..last (none for SIM_EPOCH). */
struct sim_record {
	u32 first;
	u32 last;
	u32 score;		/* SIM_HINT */
	u32 op;			/* enum sim_op */
};

struct sim_trace {
	struct sim_record *rec;
	size_t nr_rec;
	u64 nr_blocks;		/* distinct blocks read, written or prefetched */
	u64 nr_read_blocks;	/* distinct blocks read (D) */
	u64 nr_reads;		/* read block accesses */
	u32 max_epoch_hints;	/* most I records between two E records */
	u64 nr_epochs;		/* E records */
};

/*
 * Loads path with the given block size.  On error prints a message naming
 * the line and returns -1, before any block is hashed.
 */
int sim_trace_load(const char *path, u64 block_size, struct sim_trace *t);
void sim_trace_free(struct sim_trace *t);

#endif /* AATTS_SIM_TRACE_H */
