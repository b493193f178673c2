// SPDX-License-Identifier: GPL-2.0-only
/*
 * aattsd: the FIEMAP cache (fmap.h).  A hash table of entries chained by
 * key, and a doubly linked list in order of use for eviction.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <linux/fiemap.h>
#include <linux/fs.h>

#include "fmap.h"

#define EXTENTS_PER_CALL 128

struct fmap_cache {
	struct fmap **bucket;
	size_t nr_buckets;	/* a power of two */
	size_t nr;
	unsigned int max;
	uint64_t revalidate_ns;
	uint32_t next_fid;
	struct fmap *head, *tail;	/* most, least recently used */
	struct fmap_stats st;
};

static size_t hash(const struct fmap_cache *c, const struct fmap_key *k)
{
	uint64_t h = k->ino * 0x9e3779b97f4a7c15ull;

	h ^= (k->dev + ((uint64_t)k->gen << 32)) * 0xc2b2ae3d27d4eb4full;
	h ^= h >> 29;
	return (size_t)h & (c->nr_buckets - 1);
}

static bool same(const struct fmap_key *a, const struct fmap_key *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->gen == b->gen;
}

struct fmap_cache *fmap_cache_new(unsigned int max_files,
				  uint64_t revalidate_ns)
{
	struct fmap_cache *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->nr_buckets = 64;
	while (c->nr_buckets < 2 * (size_t)max_files)
		c->nr_buckets *= 2;
	c->bucket = calloc(c->nr_buckets, sizeof(*c->bucket));
	if (!c->bucket) {
		free(c);
		return NULL;
	}
	c->max = max_files ? max_files : 1;
	c->revalidate_ns = revalidate_ns;
	c->next_fid = 1;
	return c;
}

static void unlink_lru(struct fmap_cache *c, struct fmap *m)
{
	if (m->prev)
		m->prev->next = m->next;
	else
		c->head = m->next;
	if (m->next)
		m->next->prev = m->prev;
	else
		c->tail = m->prev;
	m->prev = m->next = NULL;
}

static void push_lru(struct fmap_cache *c, struct fmap *m)
{
	m->prev = NULL;
	m->next = c->head;
	if (c->head)
		c->head->prev = m;
	c->head = m;
	if (!c->tail)
		c->tail = m;
}

static struct fmap *find(struct fmap_cache *c, const struct fmap_key *k)
{
	struct fmap *m;

	for (m = c->bucket[hash(c, k)]; m; m = m->hnext)
		if (same(&m->key, k))
			return m;
	return NULL;
}

static void drop(struct fmap_cache *c, struct fmap *m)
{
	struct fmap **p = &c->bucket[hash(c, &m->key)];

	while (*p != m)
		p = &(*p)->hnext;
	*p = m->hnext;
	unlink_lru(c, m);
	free(m->ext);
	free(m);
	c->nr--;
}

void fmap_cache_set(struct fmap_cache *c, unsigned int max_files,
		    uint64_t revalidate_ns)
{
	/* The table keeps its size: longer chains past 2 x the first max. */
	c->max = max_files ? max_files : 1;
	c->revalidate_ns = revalidate_ns;
	while (c->nr > c->max) {
		drop(c, c->tail);
		c->st.evictions++;
	}
}

void fmap_cache_free(struct fmap_cache *c)
{
	if (!c)
		return;
	while (c->head)
		drop(c, c->head);
	free(c->bucket);
	free(c);
}

struct fmap *fmap_lookup(struct fmap_cache *c, const struct fmap_key *k,
			 uint64_t now)
{
	struct fmap *m = find(c, k);

	if (!m || m->unknown || now - m->checked_ns > c->revalidate_ns) {
		c->st.misses++;
		return NULL;
	}
	c->st.hits++;
	unlink_lru(c, m);
	push_lru(c, m);
	return m;
}

void fmap_forget(struct fmap_cache *c, const struct fmap_key *k)
{
	struct fmap *m = find(c, k);

	if (m) {
		drop(c, m);
		c->st.forgotten++;
	}
}

static int add_extent(struct fmap *m, size_t *cap, uint64_t logical,
		      uint64_t physical, uint64_t length)
{
	struct fmap_extent *e = m->nr ? &m->ext[m->nr - 1] : NULL;

	m->mapped += length;
	if (e && e->logical + e->length == logical &&
	    e->physical + e->length == physical) {
		e->length += length;
		return 0;
	}
	if (m->nr == *cap) {
		size_t n = *cap ? 2 * *cap : 8;
		struct fmap_extent *v = realloc(m->ext, n * sizeof(*v));

		if (!v)
			return -ENOMEM;
		m->ext = v;
		*cap = n;
	}
	m->ext[m->nr++] = (struct fmap_extent){ logical, physical, length };
	return 0;
}

/* Maps fd into m (its extents and byte counts replaced). */
static int map(struct fmap *m, int fd)
{
	struct fiemap *fm;
	uint64_t start = 0;
	size_t cap = 0;
	bool last = false;
	unsigned int i;
	int r = 0;

	free(m->ext);
	m->ext = NULL;
	m->nr = 0;
	m->mapped = m->unwritten = m->inlined = m->unknown = 0;
	fm = calloc(1, sizeof(*fm) +
		    EXTENTS_PER_CALL * sizeof(struct fiemap_extent));
	if (!fm)
		return -ENOMEM;
	while (!last && !r) {
		memset(fm, 0, sizeof(*fm));
		fm->fm_start = start;
		fm->fm_length = FIEMAP_MAX_OFFSET - start;
		fm->fm_extent_count = EXTENTS_PER_CALL;
		if (ioctl(fd, FS_IOC_FIEMAP, fm)) {
			r = -errno;
			break;
		}
		if (!fm->fm_mapped_extents)
			break;
		for (i = 0; i < fm->fm_mapped_extents && !r; i++) {
			struct fiemap_extent *e = &fm->fm_extents[i];
			uint32_t f = e->fe_flags;

			if (f & (FIEMAP_EXTENT_UNKNOWN | FIEMAP_EXTENT_DELALLOC |
				 FIEMAP_EXTENT_ENCODED))
				m->unknown += e->fe_length;
			else if (f & (FIEMAP_EXTENT_DATA_INLINE |
				      FIEMAP_EXTENT_DATA_TAIL |
				      FIEMAP_EXTENT_NOT_ALIGNED))
				m->inlined += e->fe_length;
			else if (f & FIEMAP_EXTENT_UNWRITTEN)
				m->unwritten += e->fe_length;
			else
				r = add_extent(m, &cap, e->fe_logical,
					       e->fe_physical, e->fe_length);
			start = e->fe_logical + e->fe_length;
			if (f & FIEMAP_EXTENT_LAST)
				last = true;
		}
	}
	free(fm);
	return r;
}

int fmap_refresh(struct fmap_cache *c, const struct fmap_key *k, int fd,
		 uint64_t now, struct fmap **out, bool *changed)
{
	struct fmap *m = find(c, k);
	struct stat st;
	int r;

	*out = NULL;
	*changed = false;
	if (fstat(fd, &st)) {
		c->st.errors++;
		return -errno;
	}
	if ((uint64_t)st.st_dev != k->dev || (uint64_t)st.st_ino != k->ino) {
		if (m)
			fmap_forget(c, k);
		return -ESTALE;
	}
	if (m && !m->unknown && (uint64_t)st.st_size == m->size &&
	    st.st_mtim.tv_sec == m->mtime.tv_sec &&
	    st.st_mtim.tv_nsec == m->mtime.tv_nsec &&
	    st.st_ctim.tv_sec == m->ctime.tv_sec &&
	    st.st_ctim.tv_nsec == m->ctime.tv_nsec) {
		c->st.unchanged++;
		goto done;
	}
	if (!m) {
		m = calloc(1, sizeof(*m));
		if (!m)
			return -ENOMEM;
		m->key = *k;
		m->fid = c->next_fid;
		c->next_fid = c->next_fid == FMAP_FID_MAX ? 1 : c->next_fid + 1;
		m->hnext = c->bucket[hash(c, k)];
		c->bucket[hash(c, k)] = m;
		c->nr++;
	} else {
		unlink_lru(c, m);
	}
	push_lru(c, m);
	c->st.maps++;
	r = map(m, fd);
	if (r) {
		c->st.errors++;
		drop(c, m);
		return r;
	}
	m->size = (uint64_t)st.st_size;
	m->mtime = st.st_mtim;
	m->ctime = st.st_ctim;
	m->version++;
	*changed = true;
	while (c->nr > c->max) {
		drop(c, c->tail);
		c->st.evictions++;
	}
done:
	m->checked_ns = now;
	if (m->prev) {
		unlink_lru(c, m);
		push_lru(c, m);
	}
	*out = m;
	return 0;
}

const struct fmap_extent *fmap_find(const struct fmap *m, uint64_t off)
{
	uint32_t lo = 0, hi = m->nr;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (m->ext[mid].logical + m->ext[mid].length <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < m->nr ? &m->ext[lo] : NULL;
}

size_t fmap_count(const struct fmap_cache *c)
{
	return c->nr;
}

void fmap_get_stats(const struct fmap_cache *c, struct fmap_stats *st)
{
	*st = c->st;
}
