/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * aattsd: file -> device extents by FIEMAP, cached per (device, inode,
 * generation).  An entry is trusted for revalidate_ns after a check; then
 * the caller opens the file again and fmap_refresh() compares its size,
 * mtime and ctime: a file that changed is mapped again (its fid kept, its
 * version bumped), one that went away is fmap_forget()'ed by the caller
 * (open by handle fails with ESTALE).  At most max_files entries; the
 * least recently used goes first.  No I/O but on the fd given to
 * fmap_refresh() (tests/host/daemon/fmap_test.c).
 *
 * Extents kept: those with a device location.  Not kept, counted in bytes:
 * unwritten (preallocated, read as zeros without I/O), inline data (in
 * the inode or a packed tail: no block of its own), unknown location
 * (delayed allocation, encoded).  Holes are in no extent at all.  An entry
 * with unknown bytes is mapped again on every refresh (delayed allocation
 * gets its blocks at writeback, which changes neither mtime nor ctime).
 */
#ifndef AATTSD_FMAP_H
#define AATTSD_FMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define FMAP_FID_MAX	((1u << 24) - 1)	/* aatts-events 1: fid < 2^24 */

struct fmap_key {
	uint64_t dev;		/* st_dev */
	uint64_t ino;
	uint32_t gen;		/* i_generation */
};

struct fmap_extent {
	uint64_t logical;	/* file offset */
	uint64_t physical;	/* device offset */
	uint64_t length;
};

struct fmap {
	struct fmap_key key;
	uint32_t fid;		/* 1..FMAP_FID_MAX */
	uint32_t version;	/* times mapped */
	uint64_t size;
	struct timespec mtime, ctime;
	struct fmap_extent *ext;	/* in file order, adjacent ones merged */
	uint32_t nr;
	uint64_t mapped, unwritten, inlined, unknown;	/* bytes */
	uint64_t checked_ns;
	/* the cache's */
	struct fmap *hnext, *prev, *next;
};

struct fmap_stats {
	uint64_t hits;		/* fresh entries returned by fmap_lookup */
	uint64_t misses;	/* fmap_lookup found none, or a stale one */
	uint64_t maps;		/* FIEMAP runs */
	uint64_t unchanged;	/* refreshes that found the file the same */
	uint64_t evictions;
	uint64_t forgotten;
	uint64_t errors;	/* FIEMAP or fstat failed */
};

struct fmap_cache;
struct fmap_cache *fmap_cache_new(unsigned int max_files,
				  uint64_t revalidate_ns);
void fmap_cache_free(struct fmap_cache *c);
void fmap_cache_set(struct fmap_cache *c, unsigned int max_files,
		    uint64_t revalidate_ns);
/* The entry, if cached and checked within revalidate_ns of now. */
struct fmap *fmap_lookup(struct fmap_cache *c, const struct fmap_key *k,
			 uint64_t now);
/*
 * fd is the file of k, open: checks it and maps it when new or changed
 * (*changed: the caller must declare it again).  -errno: -ESTALE when fd
 * is not the file of k (the entry is forgotten), else FIEMAP's error.
 */
int fmap_refresh(struct fmap_cache *c, const struct fmap_key *k, int fd,
		 uint64_t now, struct fmap **out, bool *changed);
void fmap_forget(struct fmap_cache *c, const struct fmap_key *k);
/* The first extent that ends after file offset off, or NULL. */
const struct fmap_extent *fmap_find(const struct fmap *m, uint64_t off);
size_t fmap_count(const struct fmap_cache *c);
void fmap_get_stats(const struct fmap_cache *c, struct fmap_stats *st);

/*
 * mnttab.c: the mount points of served devices, by st_dev, and files
 * opened by handle on them (needs CAP_DAC_READ_SEARCH).
 */
struct mnttab {
	struct {
		uint64_t dev;
		char path[256];
	} mnt[16];
	unsigned int nr_mnt;
};
/* The file of k, open read-only; -errno (-ESTALE: gone, -ENOENT: no mount). */
int mnttab_open(struct mnttab *t, const struct fmap_key *k);

#endif
