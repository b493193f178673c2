// SPDX-License-Identifier: GPL-2.0-only
/*
 * aattsd --record FILE: what the file systems on aatts devices read, in
 * the aatts-events 1 format (Documentation/tools.rst; aatts-trace converts
 * it to a trace that aatts-sim replays).
 *
 * For each range the observers deliver on a served device: the file is
 * found by (device, inode, generation) through the FIEMAP cache (fmap.c);
 * on a miss it is opened by handle (open_by_handle_at with an ino32+gen
 * handle on the device's file system: it fails with ESTALE when that
 * inode no longer has that generation, i.e. the file went away), and when
 * new or changed an F record declares it and X records give its extents.
 * Reads that reached the device (not every page from the page cache)
 * become R records, writes W records.  Ranges of files that are gone are
 * dropped and counted.  Needs CAP_DAC_READ_SEARCH (open_by_handle_at).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "aattsd.h"
#include "fmap.h"
#include "record.h"

struct recorder {
	FILE *f;
	const char *path;
	bool failed;		/* a write failed: recording stopped */
	struct fmap_cache *fmap;
	struct mnttab mnt;	/* mount points of served devices, by dev */
	struct record_stats st;
};

int record_open(struct aattsd *d)
{
	struct recorder *r;
	int fd;

	if (!d->record_path)
		return 0;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->path = d->record_path;
	r->fmap = fmap_cache_new(d->cfg.fmap_files,
				 (uint64_t)d->cfg.fmap_revalidate_ms * 1000000);
	fd = open(d->record_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		  0640);
	if (!r->fmap || fd < 0 || !(r->f = fdopen(fd, "w"))) {
		int e = errno;

		log_err("--record %s: %s", d->record_path, strerror(e));
		if (fd >= 0)
			close(fd);
		fmap_cache_free(r->fmap);
		free(r);
		return -e;
	}
	fprintf(r->f, "aatts-events 1\n");
	fflush(r->f);
	d->rec = r;
	log_info("recording file reads to %s", d->record_path);
	return 0;
}

void record_config(struct aattsd *d)
{
	if (d->rec)
		fmap_cache_set(d->rec->fmap, d->cfg.fmap_files,
			       (uint64_t)d->cfg.fmap_revalidate_ms * 1000000);
}

void record_flush(struct aattsd *d)
{
	struct recorder *r = d->rec;

	if (!r || r->failed)
		return;
	if (fflush(r->f) || ferror(r->f)) {
		r->failed = true;
		log_err("--record %s: %s: recording stopped", r->path,
			strerror(errno));
	}
}

void record_close(struct aattsd *d)
{
	struct recorder *r = d->rec;

	if (!r)
		return;
	record_flush(d);
	if (fclose(r->f))
		log_err("--record %s: %s", r->path, strerror(errno));
	fmap_cache_free(r->fmap);
	free(r);
	d->rec = NULL;
}

static void put(struct recorder *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void put(struct recorder *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(r->f, fmt, ap);
	va_end(ap);
}

static void declare(struct recorder *r, const struct fmap *m)
{
	uint32_t i;

	put(r, "F %u %u:%u %" PRIu64 " %u\n", m->fid, major(m->key.dev),
	    minor(m->key.dev), m->key.ino, m->key.gen);
	for (i = 0; i < m->nr; i++)
		put(r, "X %u %" PRIu64 " %" PRIu64 " %" PRIu64 "\n", m->fid,
		    m->ext[i].logical, m->ext[i].length, m->ext[i].physical);
	r->st.declared++;
}

void record_range(struct aattsd *d, const struct aatts_read_range *rr)
{
	struct recorder *r = d->rec;
	struct fmap_key k;
	struct fmap *m;
	uint64_t now;
	bool changed;
	int fd, e;

	if (!r || r->failed)
		return;
	r->st.ranges++;
	if (!(rr->flags & AATTS_RANGE_WRITE) && (rr->flags & AATTS_RANGE_CACHED) &&
	    !(rr->flags & AATTS_RANGE_MISSED)) {
		r->st.cached++;	/* never reached the device */
		return;
	}
	k.dev = makedev(rr->dev_major, rr->dev_minor);
	k.ino = rr->ino;
	k.gen = rr->generation;
	now = now_ns();
	m = fmap_lookup(r->fmap, &k, now);
	if (!m) {
		fd = mnttab_open(&r->mnt, &k);
		if (fd < 0) {
			if (fd == -ESTALE || fd == -ENOENT) {
				fmap_forget(r->fmap, &k);
				r->st.gone++;
			} else {
				r->st.errors++;
				log_debug("record: %u:%u inode %" PRIu64 ": %s",
					  rr->dev_major, rr->dev_minor, k.ino,
					  strerror(-fd));
			}
			return;
		}
		e = fmap_refresh(r->fmap, &k, fd, now, &m, &changed);
		close(fd);
		if (e) {
			r->st.errors++;
			return;
		}
		if (changed)
			declare(r, m);
	}
	put(r, "%c %" PRIu64 " %u %u %" PRIu64 " %" PRIu64 "\n",
	    rr->flags & AATTS_RANGE_WRITE ? 'W' : 'R', rr->time_ns, rr->tid,
	    m->fid, rr->offset, rr->length);
	r->st.recorded++;
}

void record_get_stats(const struct aattsd *d, struct record_stats *st,
		      struct fmap_stats *fst, size_t *files)
{
	memset(st, 0, sizeof(*st));
	memset(fst, 0, sizeof(*fst));
	*files = 0;
	if (!d->rec)
		return;
	*st = d->rec->st;
	fmap_get_stats(d->rec->fmap, fst);
	*files = fmap_count(d->rec->fmap);
}
