// SPDX-License-Identifier: GPL-2.0-only
/*
 * aattsd: prefetch (issue 12).  Per served device a planner
 * (lib/predict/planner.h, `recent` sized like the fast tier's blocks) and
 * a tune state (lib/predict/tune.h, config `mode` / `prefetch_budget`).
 *
 * Each read range the observers deliver that MISSED the page cache (the
 * only reads the device sees; ranges served from the page cache are not
 * fed: they would teach the planner an order the device never sees) is
 * mapped file bytes -> device extents through the FIEMAP cache, converted
 * to device blocks, and fed to planner_observe() with the file as the
 * stream and the end of the file extent it falls in as the limit.  What
 * the planner issues goes to the kernel as one PREFETCH request per range
 * (up to AATTS_RANGES_MAX extents each), never one per block, with
 * AATTS_F_NOWAIT: the kernel starts what the migration queue has room for
 * and returns, so the loop never sleeps in it.  What the kernel did not
 * start is dropped and stays counted as issued (the reply has only a
 * count): a full queue shows as lower precision, and as `started` below
 * `issued`.
 *
 * Once per timer tick tune_interval() gets the deltas (kernel read hits and
 * misses, blocks issued, used, wasted); its depth / seq_window / budget go
 * to the planner, its migration bandwidth to the kernel when it changes.
 *
 * mode = off (config): the observers still run (--record, metrics), no
 * range is fed to the planner.
 *
 * page_cache_advice = willneed (config): when the Markov predictor is sure
 * of what follows the extent just read (confidence at its maximum: the
 * transition was seen at least three times in a row), the file of that
 * successor, when it is another file, is asked for readahead from the
 * successor's offset (POSIX_FADV_WILLNEED, at most ADVISE_MAX bytes and
 * never past the end of the file): the reader then finds it in the page
 * cache (within the file being read, the kernel's readahead is there).  Which file
 * and offset a device block belongs to is remembered when its read is
 * seen (rev[], direct-mapped: best effort).  The reads the advice served
 * come from the page cache, which the planner is otherwise not fed: for
 * ADVISED_NS after the advice, the file's cached ranges are fed as if
 * they had missed, so the order goes on being learnt (else the learnt
 * transition would be replaced by one that skips the advised file).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/sysmacros.h>

#include <netlink/attr.h>
#include <netlink/msg.h>

#include "aattsd.h"
#include "fmap.h"
#include "planner.h"
#include "tune.h"
#include "observer.h"

#define PF_OUT_MAX	AATTS_RANGES_MAX
#define REV_SLOTS	65536		/* device block -> file offset */
#define ADVISED_SLOTS	1024		/* files advised lately */
#define ADVISED_NS	(10ULL * 1000000000)
#define ADVISE_MAX	(8ULL << 20)	/* bytes per advice */
#define ADVISE_CHUNK	(128ULL << 10)	/* bytes per posix_fadvise() */

/* The file and offset of a device block, seen read. */
struct rev {
	uint64_t block;			/* 0: empty, else block + 1 */
	uint32_t devt;
	struct fmap_key k;
	uint64_t off;			/* file offset of the block's start */
};

struct advised {
	struct fmap_key k;
	uint64_t until_ns;
};

_Static_assert(TUNE_PERFORMANCE == 0 && TUNE_BALANCED == 1 &&
	       TUNE_ECONOMY == 2, "config_modes[] follows enum tune_mode");

struct pf_dev {
	uint32_t devt;
	uint32_t bs;			/* device block size */
	struct planner *pl;
	struct tune tune;
	struct tune_out applied;
	unsigned int mode;		/* the configuration's, as applied */
	unsigned int budget;
	uint64_t last_hits, last_misses, last_issued, last_used, last_wasted;
	uint64_t last_ns;
	uint64_t requests, errors;	/* PREFETCH requests sent, failed */
	uint64_t busy;			/* refused: the device was busy */
	uint64_t started;		/* blocks the kernel started */
	uint64_t advised, advised_bytes;	/* page_cache_advice */
};

struct prefetch {
	struct fmap_cache *fmap;
	struct mnttab mnt;
	struct pf_dev *v;
	size_t nr;
	struct markov_extent out[PF_OUT_MAX];
	struct aatts_range rv[PF_OUT_MAX];
	struct rev *rev;		/* REV_SLOTS, made on first advice */
	struct advised advised[ADVISED_SLOTS];
};

static struct pf_dev *pf_find(struct prefetch *p, uint32_t devt)
{
	size_t i;

	for (i = 0; i < p->nr; i++)
		if (p->v[i].devt == devt)
			return &p->v[i];
	return NULL;
}

/* The served device of the file system on maj:min; NULL if none. */
static struct device *served(struct aattsd *d, unsigned int maj,
			     unsigned int min)
{
	unsigned int a, b;
	size_t i;

	for (i = 0; i < d->devs.nr; i++) {
		aatts_devt_split(d->devs.v[i].dev.devt, &a, &b);
		if (a == maj && b == min)
			return &d->devs.v[i];
	}
	return NULL;
}

/* The mode and budget of the configuration (at start and on SIGHUP). */
static void pf_tune_init(const struct aattsd *d, struct pf_dev *pd)
{
	unsigned int mode = d->cfg.prefetch_mode;

	if (mode == CONFIG_PREFETCH_OFF)
		mode = TUNE_ECONOMY;	/* migration limits as economy */
	tune_init(&pd->tune, (enum tune_mode)mode, d->cfg.prefetch_budget);
	pd->mode = d->cfg.prefetch_mode;
	pd->budget = d->cfg.prefetch_budget;
}

/* The pf_dev of a served device, made on first use; NULL if none. */
static struct pf_dev *pf_get(struct aattsd *d, struct device *dv)
{
	struct prefetch *p = d->pf;
	uint32_t devt = dv ? dv->dev.devt : 0;
	struct planner_params pp = { .seq_min_run = 2, .seq_window = 4 };
	struct tune_out o;
	struct pf_dev *pd, *v;

	if (!dv || !dv->dev.block_size)
		return NULL;
	pd = pf_find(p, devt);
	if (pd)
		return pd;
	v = realloc(p->v, (p->nr + 1) * sizeof(*v));
	if (!v)
		return NULL;
	p->v = v;
	pd = &p->v[p->nr];
	memset(pd, 0, sizeof(*pd));
	pd->devt = devt;
	pd->bs = dv->dev.block_size;
	pp.recent = dv->dev.has_stat[AATTS_STAT_A_FAST_BLOCKS_TOTAL] &&
		    dv->dev.stat[AATTS_STAT_A_FAST_BLOCKS_TOTAL] &&
		    dv->dev.stat[AATTS_STAT_A_FAST_BLOCKS_TOTAL] < (1U << 30) ?
		    (uint32_t)dv->dev.stat[AATTS_STAT_A_FAST_BLOCKS_TOTAL] : 0;
	if (pp.recent > PLANNER_RECENT_MAX)
		pp.recent = PLANNER_RECENT_MAX;	/* forgets earlier, bounded */
	pp.ahead = (pp.recent ? pp.recent : 65536) / 2;
	pd->pl = planner_create(&pp);
	if (!pd->pl)
		return NULL;
	pf_tune_init(d, pd);
	tune_get(&pd->tune, &o);
	planner_set_limits(pd->pl, o.depth, o.seq_window, o.budget);
	pd->applied = o;
	pd->last_ns = now_ns();
	p->nr++;
	return pd;
}

static int got_count(struct nlattr **tb, uint8_t cmd, void *arg)
{
	(void)cmd;
	if (tb[AATTS_DEV_A_COUNT])
		*(uint64_t *)arg += nla_get_u64(tb[AATTS_DEV_A_COUNT]);
	return 0;
}

static void send_prefetch(struct aattsd *d, struct pf_dev *pd, size_t n)
{
	struct prefetch *p = d->pf;
	struct nl_msg *msg;
	char devt[16];
	size_t i;

	for (i = 0; i < n; i++) {
		p->rv[i].off = p->out[i].first * pd->bs;
		p->rv[i].len = (uint64_t)p->out[i].len * pd->bs;
		p->rv[i].score = 0;
	}
	aatts_devt_str(pd->devt, devt, sizeof(devt));
	msg = aatts_nl_request(&d->req, AATTS_CMD_PREFETCH, NLM_F_ACK, n * 64);
	pd->requests++;
	if (!msg || nla_put_u32(msg, AATTS_DEV_A_DEVT, pd->devt) ||
	    nla_put_u32(msg, AATTS_DEV_A_FLAGS, AATTS_F_NOWAIT) ||
	    aatts_nl_put_ranges(msg, p->rv, n, false, false, 0)) {
		nlmsg_free(msg);
		pd->errors++;
		return;
	}
	if (aatts_nl_exchange(&d->req, msg, got_count, &pd->started)) {
		if (d->req.error == -EBUSY)
			pd->busy++;	/* another request holds the device */
		else
			pd->errors++;
		log_debug("prefetch %s: %s", devt, strerror(-d->req.error));
	}
}

static bool same_key(const struct fmap_key *a, const struct fmap_key *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->gen == b->gen;
}

static struct advised *advised_slot(struct prefetch *p,
				    const struct fmap_key *k)
{
	return &p->advised[(k->ino * 0x9e3779b97f4a7c15ULL >> 40) %
			   ADVISED_SLOTS];
}

/* Whether k was advised within ADVISED_NS. */
static bool advised_lately(struct prefetch *p, const struct fmap_key *k,
			   uint64_t now)
{
	struct advised *a = advised_slot(p, k);

	return same_key(&a->k, k) && now < a->until_ns;
}

static struct rev *rev_slot(struct prefetch *p, uint32_t devt, uint64_t block)
{
	return &p->rev[((block ^ ((uint64_t)devt << 40)) *
			0x9e3779b97f4a7c15ULL >> 20) % REV_SLOTS];
}

/* Remembers that device block `block` holds file k's offset `off`. */
static void rev_put(struct prefetch *p, uint32_t devt, uint64_t block,
		    const struct fmap_key *k, uint64_t off)
{
	struct rev *r;

	if (!p->rev)
		p->rev = calloc(REV_SLOTS, sizeof(*p->rev));
	if (!p->rev)
		return;
	r = rev_slot(p, devt, block);
	r->block = block + 1;
	r->devt = devt;
	r->k = *k;
	r->off = off;
}

/*
 * page_cache_advice: x was just read; if the predictor is sure of its
 * successor and the successor's file is known, readahead of that file
 * from the successor's offset.
 */
static void advise(struct aattsd *d, struct pf_dev *pd,
		   const struct fmap_key *cur, uint64_t first, uint64_t now)
{
	struct prefetch *p = d->pf;
	const struct markov *m = planner_markov(pd->pl);
	struct markov_extent next;
	struct advised *a;
	struct fmap *fm;
	struct rev *r;
	uint64_t len, done;
	int fd;

	if (!p->rev || markov_conf(m, first) < MARKOV_CONF_MAX ||
	    !markov_predict(m, first, &next))
		return;
	r = rev_slot(p, pd->devt, next.first);
	/* Within the file being read, the kernel's own readahead is there. */
	if (r->block != next.first + 1 || r->devt != pd->devt ||
	    same_key(&r->k, cur))
		return;
	a = advised_slot(p, &r->k);
	fm = fmap_lookup(p->fmap, &r->k, now);
	len = ADVISE_MAX;
	if (fm) {
		if (r->off >= fm->size)
			return;
		if (fm->size - r->off < len)
			len = fm->size - r->off;
	}
	fd = mnttab_open(&p->mnt, &r->k);
	if (fd < 0)
		return;
	/*
	 * One call reads at most the device's readahead window (6.1's
	 * force_page_cache_ra()): the range goes in ADVISE_CHUNK pieces.
	 */
	for (done = 0; done < len; done += ADVISE_CHUNK)
		if (posix_fadvise(fd, (off_t)(r->off + done),
				  (off_t)(len - done < ADVISE_CHUNK ?
					  len - done : ADVISE_CHUNK),
				  POSIX_FADV_WILLNEED))
			break;
	if (done) {
		pd->advised++;
		pd->advised_bytes += done < len ? done : len;
		a->k = r->k;
		a->until_ns = now + ADVISED_NS;
	}
	close(fd);
}

void prefetch_range(struct aattsd *d, const struct aatts_read_range *rr)
{
	struct prefetch *p = d->pf;
	const struct fmap_extent *e;
	struct markov_extent x;
	struct pf_dev *pd;
	struct fmap_key k;
	struct fmap *m;
	uint64_t now, off, end, a, b, limit, inblk;
	bool changed;
	size_t n;
	int fd;

	if (!p || d->cfg.prefetch_mode == CONFIG_PREFETCH_OFF ||
	    (rr->flags & AATTS_RANGE_WRITE) || !rr->length)
		return;
	k.dev = makedev(rr->dev_major, rr->dev_minor);
	k.ino = rr->ino;
	k.gen = rr->generation;
	now = now_ns();
	/* From the page cache: fed only when the advice put it there. */
	if (!(rr->flags & AATTS_RANGE_MISSED) &&
	    !(d->cfg.page_cache_advice && advised_lately(p, &k, now)))
		return;
	pd = pf_get(d, served(d, rr->dev_major, rr->dev_minor));
	if (!pd)
		return;
	m = fmap_lookup(p->fmap, &k, now);
	if (!m) {
		fd = mnttab_open(&p->mnt, &k);
		if (fd < 0) {
			if (fd == -ESTALE)
				fmap_forget(p->fmap, &k);
			return;
		}
		if (fmap_refresh(p->fmap, &k, fd, now, &m, &changed))
			m = NULL;
		close(fd);
		if (!m)
			return;
	}
	planner_set_time(pd->pl, now);
	off = rr->offset;
	end = rr->offset + rr->length;
	while (off < end && (e = fmap_find(m, off))) {
		if (e->logical >= end)
			break;
		a = off > e->logical ? off : e->logical;
		b = end < e->logical + e->length ? end : e->logical + e->length;
		/* device bytes -> whole blocks */
		x.first = (e->physical + (a - e->logical)) / pd->bs;
		x.len = (uint32_t)((e->physical + (b - e->logical) +
				    pd->bs - 1) / pd->bs - x.first);
		limit = (e->physical + e->length + pd->bs - 1) / pd->bs;
		if (d->cfg.page_cache_advice) {
			/* a's distance from the start of its block */
			inblk = e->physical + (a - e->logical) -
				x.first * pd->bs;
			rev_put(p, pd->devt, x.first, &k,
				inblk <= a ? a - inblk : 0);
		}
		n = planner_observe(pd->pl, m->fid, &x, limit, p->out,
				    pd->applied.level ? PF_OUT_MAX : 0);
		if (n)
			send_prefetch(d, pd, n);
		if (d->cfg.page_cache_advice && pd->applied.level)
			advise(d, pd, &k, x.first, now);
		off = b;
	}
}

/* migration bandwidth: PARAMS_SET as aattsctl sets it. */
static void set_migration(struct aattsd *d, struct pf_dev *pd, uint64_t bps)
{
	struct nl_msg *msg;
	struct nlattr *nest;

	msg = aatts_nl_request(&d->req, AATTS_CMD_PARAMS_SET, NLM_F_ACK, 64);
	if (!msg || nla_put_u32(msg, AATTS_DEV_A_DEVT, pd->devt) ||
	    !(nest = nla_nest_start(msg, AATTS_DEV_A_PARAMS)) ||
	    nla_put_u64(msg, AATTS_PARAMS_A_MIGRATION_BANDWIDTH, bps)) {
		nlmsg_free(msg);
		pd->errors++;
		return;
	}
	nla_nest_end(msg, nest);
	if (aatts_nl_exchange(&d->req, msg, NULL, NULL))
		pd->errors++;
}

void prefetch_tick(struct aattsd *d)
{
	struct prefetch *p = d->pf;
	struct planner_stats st;
	struct tune_sample s;
	struct tune_out o;
	struct device *dv;
	uint64_t now = now_ns(), h, m;
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->nr; i++) {
		struct pf_dev *pd = &p->v[i];

		dv = devtab_find(&d->devs, pd->devt);
		if (!dv)
			continue;
		if (pd->mode != d->cfg.prefetch_mode ||
		    pd->budget != d->cfg.prefetch_budget)
			pf_tune_init(d, pd);
		if (pd->mode == CONFIG_PREFETCH_OFF)
			continue;	/* the kernel's limits left alone */
		planner_get_stats(pd->pl, &st);
		h = dv->dev.stat[AATTS_STAT_A_READ_HITS];
		m = dv->dev.stat[AATTS_STAT_A_READ_MISSES];
		memset(&s, 0, sizeof(s));
		s.ns = now - pd->last_ns;
		s.demand_bytes = (m - pd->last_misses) * pd->bs;
		s.prefetch_bytes = (st.issued - pd->last_issued) * pd->bs;
		s.hits = h - pd->last_hits;
		s.accesses = s.hits + (m - pd->last_misses);
		s.used = st.used - pd->last_used;
		s.wasted = st.wasted - pd->last_wasted;
		tune_interval(&pd->tune, &s, &o);
		planner_set_limits(pd->pl, o.depth, o.seq_window, o.budget);
		if (o.migration_bps != pd->applied.migration_bps)
			set_migration(d, pd, o.migration_bps);
		pd->applied = o;
		pd->last_ns = now;
		pd->last_hits = h;
		pd->last_misses = m;
		pd->last_issued = st.issued;
		pd->last_used = st.used;
		pd->last_wasted = st.wasted;
	}
}

int prefetch_get(const struct aattsd *d, uint32_t devt,
		 struct prefetch_stats *ps)
{
	struct prefetch *p = d->pf;
	struct planner_stats st;
	struct pf_dev *pd;

	memset(ps, 0, sizeof(*ps));
	if (!p || !(pd = pf_find(p, devt)))
		return -ENOENT;
	planner_get_stats(pd->pl, &st);
	ps->issued = st.issued;
	ps->used = st.used;
	ps->wasted = st.wasted;
	ps->read_blocks = st.read_blocks;
	ps->lead_ns = st.lead_ns;
	ps->advised = pd->advised;
	ps->advised_bytes = pd->advised_bytes;
	ps->markov = st.markov_extents;
	ps->seq = st.seq_extents;
	ps->requests = pd->requests;
	ps->errors = pd->errors;
	ps->busy = pd->busy;
	ps->started = pd->started;
	ps->level = pd->applied.level;
	ps->slow_bps = pd->tune.peak_bps;
	return 0;
}

void prefetch_forget(struct aattsd *d, uint32_t devt)
{
	struct prefetch *p = d->pf;
	struct pf_dev *pd;

	if (!p || !(pd = pf_find(p, devt)))
		return;
	planner_destroy(pd->pl);
	*pd = p->v[--p->nr];
}

int prefetch_init(struct aattsd *d)
{
	struct prefetch *p = calloc(1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	p->fmap = fmap_cache_new(d->cfg.fmap_files,
				 (uint64_t)d->cfg.fmap_revalidate_ms * 1000000);
	if (!p->fmap) {
		free(p);
		return -ENOMEM;
	}
	d->pf = p;
	return 0;
}

void prefetch_exit(struct aattsd *d)
{
	struct prefetch *p = d->pf;

	if (!p)
		return;
	while (p->nr)
		prefetch_forget(d, p->v[0].devt);
	free(p->v);
	free(p->rev);
	fmap_cache_free(p->fmap);
	free(p);
	d->pf = NULL;
}
