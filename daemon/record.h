/* SPDX-License-Identifier: GPL-2.0-only */
/* aattsd: --record (record.c). */
#ifndef AATTSD_RECORD_H
#define AATTSD_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "observer.h"

struct aattsd;
struct fmap_stats;

struct record_stats {
	uint64_t ranges;	/* handed to record_range() */
	uint64_t cached;	/* every page from the page cache: not recorded */
	uint64_t recorded;	/* R and W records written */
	uint64_t declared;	/* F records (files new or changed) */
	uint64_t gone;		/* the file went away first: dropped */
	uint64_t errors;	/* could not open or map it: dropped */
};

int record_open(struct aattsd *d);
void record_config(struct aattsd *d);	/* after a reload */
void record_flush(struct aattsd *d);
void record_close(struct aattsd *d);
void record_range(struct aattsd *d, const struct aatts_read_range *r);
void record_get_stats(const struct aattsd *d, struct record_stats *st,
		      struct fmap_stats *fst, size_t *files);

#endif
