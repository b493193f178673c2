// SPDX-License-Identifier: GPL-2.0-only
/*
 * aattsd: the trainer ops of the control protocol (Documentation/aattsd.rst,
 * "Trainer ops").  A training job names its samples by path, or by index
 * into a manifest registered once; reports per-sample importance in
 * batches; ends each epoch (the scores become kernel hints: HINTS_SET,
 * then EPOCH_COMMIT); publishes the next epoch's order (today as hints
 * ranked by first use, see the documentation for what eviction by next
 * use needs from the kernel) and, during that epoch, its reader's
 * position (cursor): the window ahead is prefetched (PREFETCH, forced,
 * AATTS_F_NOWAIT); and asks which of a batch of samples are on the fast
 * tier (one RESIDENCY_GET dump per device per batch).
 *
 * A job is the connection's own (no "job" field: it goes with the
 * connection) or named (shared by the connections of one uid, for data
 * loader workers; kept until the daemon exits or its owner replaces it).
 *
 * aattsd opens the sample files itself, with its own credentials (root,
 * without CAP_DAC_OVERRIDE), and answers for a file only if the peer could
 * read it by the mode bits: read on the file, search on every directory
 * of its path (ACLs are not consulted; a path renamed between the check
 * and the use can fool it, and tells no more than residency of a file the
 * peer could read a moment before).  Files must be on a served aatts
 * device (their st_dev); their extents come from a FIEMAP cache of the
 * trainer's own (fmap.c, used as it is).
 *
 * Everything in a request is checked before anything is changed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <json.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "aattsd.h"
#include "fmap.h"
#include "trainer.h"

/*
 * A sample.  Its path's file, once resolved (opened, checked for the
 * caller, found on a served device), is remembered by key for
 * fmap_revalidate_ms: within that time the sample's extents come from the
 * FIEMAP cache without a system call (resolve_sample()).
 */
struct tsample {
	char *path;
	double score;
	bool scored;		/* this epoch */
	uint32_t cred;		/* the job's cred_gen it was checked for */
	uint64_t resolved_ns;	/* 0: not resolved */
	struct fmap_key key;
};

/* Who a job's cached resolutions were checked for (struct peer's). */
struct tcred {
	uid_t uid;
	gid_t gid;
	unsigned int nr_groups;
	gid_t groups[PEER_GROUPS_MAX];
};

struct trainer_job {
	char name[TRAINER_JOB_NAME_MAX];	/* "": a connection's own */
	uid_t uid;
	struct tsample *v;
	size_t nr, cap;
	size_t manifest;	/* v[0..manifest) are the manifest */
	uint32_t *ht;		/* path hash: index + 1, 0 empty */
	size_t htcap;
	uint32_t *order;	/* the next epoch's order, manifest indices */
	size_t norder;
	uint32_t *cur;		/* the order published last: this epoch's */
	size_t ncur;
	size_t pf_next;		/* cur[pf_next..] not prefetched yet */
	size_t pc_next;		/* cur[pc_next..] not considered for advice */
	/* The reader's rate, from its cursors (window sized by aattsd). */
	uint64_t rate_pos, rate_ns;	/* the last cursor; rate_ns 0: none */
	double rate;			/* samples/s, moving average; 0: none */
	uint64_t sample_bytes;		/* bytes per sample, moving average */
	uint32_t devt;			/* the last prefetched sample's device */
	uint64_t last_window;		/* the last cursor's; 0: no cursor yet */
	uint64_t epochs;	/* epoch_end calls */
	size_t scored;
	struct tcred cred;	/* the last caller's */
	uint32_t cred_gen;	/* bumped when another caller comes */
};

/* Advice a cursor left for after its reply (trainer_after_reply()). */
struct pending_advice {
	struct trainer_job *j;		/* NULL: none */
	struct peer *p;
	size_t from, to;
};

struct trainer {
	struct fmap_cache *fmap;
	struct trainer_job *jobs[TRAINER_JOBS_MAX];
	struct trainer_stats st;
	struct pending_advice pend;
};

static int fail(struct trainer_err *e, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct trainer_err *e, const char *code, const char *fmt, ...)
{
	va_list ap;

	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -1;
}

static struct trainer *trainer_get(struct aattsd *d)
{
	struct trainer *t = d->trainer;

	if (t)
		return t;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->fmap = fmap_cache_new(d->cfg.fmap_files ? d->cfg.fmap_files : 4096,
				 (uint64_t)d->cfg.fmap_revalidate_ms * 1000000);
	if (!t->fmap) {
		free(t);
		return NULL;
	}
	d->trainer = t;
	return t;
}

static void job_free(struct trainer_job *j)
{
	size_t i;

	if (!j)
		return;
	for (i = 0; i < j->nr; i++)
		free(j->v[i].path);
	free(j->v);
	free(j->ht);
	free(j->order);
	free(j->cur);
	free(j);
}

void trainer_peer_gone(struct aattsd *d, struct peer *p)
{
	if (d->trainer && (d->trainer->pend.p == p ||
			   (p->job && d->trainer->pend.j == p->job)))
		d->trainer->pend.j = NULL;
	job_free(p->job);
	p->job = NULL;
}

void trainer_exit(struct aattsd *d)
{
	struct trainer *t = d->trainer;
	unsigned int i;

	if (!t)
		return;
	for (i = 0; i < TRAINER_JOBS_MAX; i++)
		job_free(t->jobs[i]);
	fmap_cache_free(t->fmap);
	free(t);
	d->trainer = NULL;
}

void trainer_stats(struct aattsd *d, struct json_object *s)
{
	struct trainer *t = d->trainer;
	struct json_object *o;
	unsigned int i, jobs = 0;

	if (!t)
		return;
	for (i = 0; i < TRAINER_JOBS_MAX; i++)
		jobs += t->jobs[i] != NULL;
	o = json_object_new_object();
#define U(k) json_object_object_add(o, #k, json_object_new_int64((int64_t)t->st.k))
	json_object_object_add(o, "named_jobs", json_object_new_int64(jobs));
	U(manifests);
	U(scores);
	U(epochs);
	U(hint_ranges);
	U(orders);
	U(residency_queries);
	U(residency_samples);
	U(unresolved);
	U(cursors);
	U(prefetch_samples);
	U(prefetch_blocks);
	U(paths_opened);
	U(paths_cached);
	U(advised_samples);
#undef U
	json_object_object_add(s, "trainer", o);
}

/* --- pure helpers (tests/host/daemon/trainer_test.c) ----------------------- */

const char *trainer_check_path(const char *s, size_t len)
{
	if (!len)
		return "an empty path";
	if (len >= TRAINER_PATH_MAX)
		return "a path longer than 4095 bytes";
	if (s[0] != '/')
		return "a path that is not absolute";
	if (memchr(s, '\0', len))
		return "a NUL byte in a path";
	return NULL;
}

const char *trainer_check_job_name(const char *s, size_t len)
{
	size_t i;

	if (!len || len >= TRAINER_JOB_NAME_MAX)
		return "a job name is 1..63 bytes";
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-' ||
		      s[i] == '.'))
			return "a job name holds only letters, digits, '_', '-' and '.'";
	return NULL;
}

uint64_t trainer_splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void trainer_shuffle(uint32_t *v, size_t n, uint64_t seed)
{
	uint64_t st = seed;
	size_t i, j;
	uint32_t x;

	for (i = 0; i < n; i++)
		v[i] = (uint32_t)i;
	for (i = n; i-- > 1;) {
		j = (size_t)(trainer_splitmix64(&st) % (i + 1));
		x = v[i];
		v[i] = v[j];
		v[j] = x;
	}
}

uint32_t trainer_score_scale(double s, double max)
{
	double x;

	if (!(s > 0) || !(max > 0))
		return 0;
	x = s / max * TRAINER_SCORE_TOP;
	if (x < 1)
		return 1;	/* scored at all: above the unhinted */
	if (x > TRAINER_SCORE_TOP)
		return TRAINER_SCORE_TOP;
	return (uint32_t)(x + 0.5);
}

uint32_t trainer_rank_score(size_t pos, size_t n)
{
	if (pos >= n)
		return 0;
	return (uint32_t)((uint64_t)TRAINER_SCORE_TOP * (n - pos) / n);
}

static bool mode_allows(const struct peer *p, const struct stat *st,
			unsigned int bit)
{
	unsigned int i;

	if (st->st_uid == p->uid)
		return st->st_mode & (bit << 6);
	if (st->st_gid == p->gid)
		return st->st_mode & (bit << 3);
	for (i = 0; i < p->nr_groups; i++)
		if (st->st_gid == p->groups[i])
			return st->st_mode & (bit << 3);
	return st->st_mode & bit;
}

bool trainer_peer_may_read(const struct peer *p, const char *path,
			   const struct stat *st)
{
	char dir[TRAINER_PATH_MAX];
	struct stat ds;
	size_t i, n = strlen(path);

	if (p->uid == 0)
		return true;
	if (n >= sizeof(dir) || !mode_allows(p, st, 4))
		return false;
	/* Search on "/", then on every directory of the path. */
	for (i = 0; i < n; i++) {
		if (path[i] != '/')
			continue;
		memcpy(dir, path, i ? i : 1);
		dir[i ? i : 1] = '\0';
		if (stat(dir, &ds) || !S_ISDIR(ds.st_mode) ||
		    !mode_allows(p, &ds, 1))
			return false;
	}
	return true;
}

/* --- jobs and samples ------------------------------------------------------ */

static uint64_t hash_str(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h;
}

static int ht_grow(struct trainer_job *j, size_t want)
{
	size_t cap = j->htcap ? j->htcap : 64, i, k;
	uint32_t *ht;

	if (want * 2 <= j->htcap)
		return 0;
	while (cap < want * 2)
		cap *= 2;
	ht = calloc(cap, sizeof(*ht));
	if (!ht)
		return -ENOMEM;
	for (i = 0; i < j->nr; i++) {
		k = hash_str(j->v[i].path) & (cap - 1);
		while (ht[k])
			k = (k + 1) & (cap - 1);
		ht[k] = (uint32_t)i + 1;
	}
	free(j->ht);
	j->ht = ht;
	j->htcap = cap;
	return 0;
}

static long job_find_path(const struct trainer_job *j, const char *path)
{
	size_t k;

	if (!j->htcap)
		return -1;
	for (k = hash_str(path) & (j->htcap - 1); j->ht[k];
	     k = (k + 1) & (j->htcap - 1))
		if (!strcmp(j->v[j->ht[k] - 1].path, path))
			return (long)j->ht[k] - 1;
	return -1;
}

/* Appends path (copied); its index, or -1 without memory. */
static long job_add(struct trainer_job *j, const char *path)
{
	size_t k;

	if (j->nr == j->cap) {
		size_t cap = j->cap ? j->cap * 2 : 256;
		struct tsample *v = realloc(j->v, cap * sizeof(*v));

		if (!v)
			return -1;
		j->v = v;
		j->cap = cap;
	}
	if (ht_grow(j, j->nr + 1))
		return -1;
	j->v[j->nr] = (struct tsample){ .path = strdup(path) };
	if (!j->v[j->nr].path)
		return -1;
	k = hash_str(path) & (j->htcap - 1);
	while (j->ht[k])
		k = (k + 1) & (j->htcap - 1);
	j->ht[k] = (uint32_t)j->nr + 1;
	return (long)j->nr++;
}

/* The "job" field: the named job (made when create), else p's own. */
static int get_job(struct aattsd *d, struct peer *p, struct json_object *req,
		   bool create, struct trainer_job **out, struct trainer_err *e)
{
	struct trainer *t = trainer_get(d);
	struct json_object *jn;
	struct trainer_job *j;
	const char *name, *why;
	unsigned int i, free_slot = TRAINER_JOBS_MAX;

	if (!t)
		return fail(e, "internal", "out of memory");
	if (!json_object_object_get_ex(req, "job", &jn)) {
		if (!p->job && create) {
			p->job = calloc(1, sizeof(*p->job));
			if (!p->job)
				return fail(e, "internal", "out of memory");
			p->job->uid = p->uid;
		}
		if (!p->job)
			return fail(e, "no_manifest",
				    "this connection has no job yet: send a manifest or importance first");
		*out = p->job;
		return 0;
	}
	if (!json_object_is_type(jn, json_type_string))
		return fail(e, "bad_request", "\"job\" must be a string");
	name = json_object_get_string(jn);
	why = trainer_check_job_name(name, (size_t)json_object_get_string_len(jn));
	if (why)
		return fail(e, "bad_request", "%s", why);
	for (i = 0; i < TRAINER_JOBS_MAX; i++) {
		j = t->jobs[i];
		if (!j) {
			if (free_slot == TRAINER_JOBS_MAX)
				free_slot = i;
			continue;
		}
		if (strcmp(j->name, name))
			continue;
		if (j->uid != p->uid && p->uid != 0)
			return fail(e, "permission",
				    "job '%s' belongs to uid %u", name, j->uid);
		*out = j;
		return 0;
	}
	if (!create)
		return fail(e, "no_job", "no job '%s'", name);
	if (free_slot == TRAINER_JOBS_MAX)
		return fail(e, "limit", "%d named jobs already",
			    TRAINER_JOBS_MAX);
	j = calloc(1, sizeof(*j));
	if (!j)
		return fail(e, "internal", "out of memory");
	snprintf(j->name, sizeof(j->name), "%s", name);
	j->uid = p->uid;
	t->jobs[free_slot] = j;
	*out = j;
	return 0;
}

static void job_reset(struct trainer_job *j)
{
	size_t i;

	for (i = 0; i < j->nr; i++)
		free(j->v[i].path);
	j->nr = j->manifest = j->scored = 0;
	if (j->ht)
		memset(j->ht, 0, j->htcap * sizeof(*j->ht));
	free(j->order);
	j->order = NULL;
	j->norder = 0;
	free(j->cur);
	j->cur = NULL;
	j->ncur = 0;
	j->pf_next = 0;
}

/* An integer field in [lo, hi], or def when absent. */
static int get_u64(struct json_object *req, const char *k, uint64_t lo,
		   uint64_t hi, uint64_t def, uint64_t *out,
		   struct trainer_err *e)
{
	struct json_object *x;
	int64_t v;

	*out = def;
	if (!json_object_object_get_ex(req, k, &x))
		return 0;
	if (!json_object_is_type(x, json_type_int))
		return fail(e, "bad_request", "\"%s\" must be an integer", k);
	v = json_object_get_int64(x);
	if (v < 0)
		return fail(e, "bad_request", "\"%s\" %" PRId64 " is negative", k, v);
	if ((uint64_t)v < lo || (uint64_t)v > hi)
		return fail(e, "bad_request", "\"%s\" %" PRId64 " is not within %" PRIu64 "..%" PRIu64,
			    k, v, lo, hi);
	*out = (uint64_t)v;
	return 0;
}

/* An array field of 1..max elements (0..max when empty_ok). */
static int get_array(struct json_object *req, const char *k, size_t max,
		     bool empty_ok, struct json_object **out,
		     struct trainer_err *e)
{
	size_t n;

	if (!json_object_object_get_ex(req, k, out))
		return fail(e, "bad_request", "\"%s\" (an array) is missing", k);
	if (!json_object_is_type(*out, json_type_array))
		return fail(e, "bad_request", "\"%s\" must be an array", k);
	n = json_object_array_length(*out);
	if (n > max)
		return fail(e, "too_many", "\"%s\" has %zu elements, at most %zu",
			    k, n, max);
	if (!n && !empty_ok)
		return fail(e, "bad_request", "\"%s\" is empty", k);
	return 0;
}

/*
 * Checks the samples array: each a manifest index or a path.  Returns 0
 * when all are well formed.
 */
static int check_samples(const struct trainer_job *j, struct json_object *a,
			 struct trainer_err *e)
{
	size_t i, n = json_object_array_length(a);
	const char *why;

	for (i = 0; i < n; i++) {
		struct json_object *x = json_object_array_get_idx(a, i);

		if (json_object_is_type(x, json_type_int)) {
			int64_t v = json_object_get_int64(x);

			if (v < 0 || (uint64_t)v >= (j ? j->manifest : 0))
				return fail(e, "bad_sample",
					    "samples[%zu]: index %" PRId64 " is not in the manifest (%zu samples)",
					    i, v, j ? j->manifest : 0);
		} else if (json_object_is_type(x, json_type_string)) {
			why = trainer_check_path(json_object_get_string(x),
						 (size_t)json_object_get_string_len(x));
			if (why)
				return fail(e, "bad_sample", "samples[%zu]: %s", i, why);
		} else {
			return fail(e, "bad_sample",
				    "samples[%zu]: a sample is an index (integer) or a path (string)",
				    i);
		}
	}
	return 0;
}

const char *const trainer_manifest_fields[] = { "job", "paths", "start", NULL };

int trainer_manifest(struct aattsd *d, struct peer *p, struct json_object *req,
		     struct json_object *o, struct trainer_err *e)
{
	struct json_object *a;
	struct trainer_job *j;
	uint64_t start;
	size_t i, n;
	const char *why;

	if (get_array(req, "paths", TRAINER_BATCH_MAX, false, &a, e) ||
	    get_u64(req, "start", 0, TRAINER_MANIFEST_MAX, 0, &start, e))
		return -1;
	n = json_object_array_length(a);
	if (start + n > TRAINER_MANIFEST_MAX)
		return fail(e, "too_many", "a manifest holds at most %d samples",
			    TRAINER_MANIFEST_MAX);
	for (i = 0; i < n; i++) {
		struct json_object *x = json_object_array_get_idx(a, i);

		if (!json_object_is_type(x, json_type_string))
			return fail(e, "bad_sample", "paths[%zu] must be a string", i);
		why = trainer_check_path(json_object_get_string(x),
					 (size_t)json_object_get_string_len(x));
		if (why)
			return fail(e, "bad_sample", "paths[%zu]: %s", i, why);
	}
	if (get_job(d, p, req, true, &j, e))
		return -1;
	if (start && start != j->manifest)
		return fail(e, "bad_request",
			    "\"start\" %" PRIu64 " is not the manifest's length %zu (0 starts a new one)",
			    start, j->manifest);
	if (start && j->nr != j->manifest)
		return fail(e, "bad_request",
			    "samples named by path since the manifest began: send it again from 0");
	if (!start)
		job_reset(j);
	for (i = 0; i < n; i++) {
		const char *path = json_object_get_string(json_object_array_get_idx(a, i));

		if (job_find_path(j, path) >= 0) {
			job_reset(j);
			return fail(e, "bad_sample",
				    "paths[%zu]: '%.200s' is in the manifest twice (the manifest is dropped)",
				    i, path);
		}
		if (job_add(j, path) < 0) {
			job_reset(j);
			return fail(e, "internal", "out of memory (the manifest is dropped)");
		}
	}
	j->manifest = j->nr;
	d->trainer->st.manifests++;
	json_object_object_add(o, "samples", json_object_new_int64((int64_t)j->manifest));
	return 0;
}

const char *const trainer_importance_fields[] = { "job", "samples", "scores", NULL };

int trainer_importance(struct aattsd *d, struct peer *p,
		       struct json_object *req, struct json_object *o,
		       struct trainer_err *e)
{
	struct json_object *a, *sc;
	struct trainer_job *j = NULL;
	size_t i, n, added = 0;
	bool named = json_object_object_get_ex(req, "job", NULL);

	if (get_array(req, "samples", TRAINER_BATCH_MAX, false, &a, e) ||
	    get_array(req, "scores", TRAINER_BATCH_MAX, false, &sc, e))
		return -1;
	n = json_object_array_length(a);
	if (json_object_array_length(sc) != n)
		return fail(e, "bad_request", "%zu samples but %zu scores", n,
			    json_object_array_length(sc));
	for (i = 0; i < n; i++) {
		struct json_object *x = json_object_array_get_idx(sc, i);
		double v;

		if (!json_object_is_type(x, json_type_int) &&
		    !json_object_is_type(x, json_type_double))
			return fail(e, "bad_score", "scores[%zu] must be a number", i);
		v = json_object_get_double(x);
		if (!isfinite(v) || v < 0)
			return fail(e, "bad_score",
				    "scores[%zu]: a score is finite and not negative", i);
	}
	/* A named job must exist (its manifest made it); one's own is made. */
	if (get_job(d, p, req, !named, &j, e) || check_samples(j, a, e))
		return -1;
	/* New paths: room for all of them first. */
	for (i = 0; i < n; i++) {
		struct json_object *x = json_object_array_get_idx(a, i);

		if (json_object_is_type(x, json_type_string) &&
		    job_find_path(j, json_object_get_string(x)) < 0)
			added++;
	}
	if (j->nr + added > TRAINER_SAMPLES_MAX)
		return fail(e, "too_many", "a job names at most %d samples",
			    TRAINER_SAMPLES_MAX);
	for (i = 0; i < n; i++) {
		struct json_object *x = json_object_array_get_idx(a, i);
		long k;

		if (json_object_is_type(x, json_type_int)) {
			k = (long)json_object_get_int64(x);
		} else {
			k = job_find_path(j, json_object_get_string(x));
			if (k < 0)
				k = job_add(j, json_object_get_string(x));
			if (k < 0)
				return fail(e, "internal", "out of memory");
		}
		if (!j->v[k].scored)
			j->scored++;
		j->v[k].scored = true;
		j->v[k].score = json_object_get_double(json_object_array_get_idx(sc, i));
	}
	d->trainer->st.scores += n;
	json_object_object_add(o, "accepted", json_object_new_int64((int64_t)n));
	json_object_object_add(o, "scored", json_object_new_int64((int64_t)j->scored));
	return 0;
}

const char *const trainer_order_fields[] = { "job", "indices", "start", "seed",
					     "shuffle", "cursor", "window", NULL };

static int order_cursor(struct aattsd *d, struct peer *p,
			struct trainer_job *j, struct json_object *req,
			struct json_object *o, struct trainer_err *e);

int trainer_order(struct aattsd *d, struct peer *p, struct json_object *req,
		  struct json_object *o, struct trainer_err *e)
{
	struct json_object *a = NULL, *sh, *head;
	struct trainer_job *j;
	uint64_t start, seed;
	bool has_seed = json_object_object_get_ex(req, "seed", NULL);
	bool has_idx = json_object_object_get_ex(req, "indices", NULL);
	size_t i, n;
	uint32_t *v;

	if (json_object_object_get_ex(req, "cursor", NULL)) {
		if (has_seed || has_idx ||
		    json_object_object_get_ex(req, "start", NULL) ||
		    json_object_object_get_ex(req, "shuffle", NULL))
			return fail(e, "bad_request",
				    "\"cursor\" goes alone (with \"window\")");
		if (get_job(d, p, req, false, &j, e))
			return -1;
		return order_cursor(d, p, j, req, o, e);
	}
	if (json_object_object_get_ex(req, "window", NULL))
		return fail(e, "bad_request", "\"window\" goes with \"cursor\" only");
	if (has_seed == has_idx)
		return fail(e, "bad_request",
			    "an order is \"indices\", or \"seed\" with \"shuffle\": exactly one of them");
	if (get_job(d, p, req, false, &j, e))
		return -1;
	if (!j->manifest)
		return fail(e, "no_manifest", "an order needs a manifest (indices into it)");
	if (has_seed) {
		if (json_object_object_get_ex(req, "start", NULL))
			return fail(e, "bad_request", "\"start\" goes with \"indices\" only");
		if (get_u64(req, "seed", 0, INT64_MAX, 0, &seed, e))
			return -1;
		if (!json_object_object_get_ex(req, "shuffle", &sh) ||
		    !json_object_is_type(sh, json_type_string))
			return fail(e, "bad_request", "\"shuffle\" (a string) goes with \"seed\"");
		if (strcmp(json_object_get_string(sh), TRAINER_SHUFFLE))
			return fail(e, "bad_request", "unknown shuffle '%.64s' (known: %s)",
				    json_object_get_string(sh), TRAINER_SHUFFLE);
		v = malloc(j->manifest * sizeof(*v));
		if (!v)
			return fail(e, "internal", "out of memory");
		trainer_shuffle(v, j->manifest, seed);
		free(j->order);
		j->order = v;
		j->norder = j->manifest;
	} else {
		if (json_object_object_get_ex(req, "shuffle", NULL))
			return fail(e, "bad_request", "\"shuffle\" goes with \"seed\" only");
		if (get_array(req, "indices", TRAINER_BATCH_MAX, false, &a, e) ||
		    get_u64(req, "start", 0, TRAINER_ORDER_MAX, 0, &start, e))
			return -1;
		n = json_object_array_length(a);
		if (start && start != j->norder)
			return fail(e, "bad_request",
				    "\"start\" %" PRIu64 " is not the order's length %zu (0 starts a new one)",
				    start, j->norder);
		if (start + n > TRAINER_ORDER_MAX)
			return fail(e, "too_many", "an order holds at most %d indices",
				    TRAINER_ORDER_MAX);
		for (i = 0; i < n; i++) {
			struct json_object *x = json_object_array_get_idx(a, i);
			int64_t k;

			if (!json_object_is_type(x, json_type_int))
				return fail(e, "bad_sample", "indices[%zu] must be an integer", i);
			k = json_object_get_int64(x);
			if (k < 0 || (uint64_t)k >= j->manifest)
				return fail(e, "bad_sample",
					    "indices[%zu]: %" PRId64 " is not in the manifest (%zu samples)",
					    i, k, j->manifest);
		}
		v = realloc(start ? j->order : NULL,
			    (start + n) * sizeof(*v));
		if (!v)
			return fail(e, "internal", "out of memory");
		if (!start)
			free(j->order);
		for (i = 0; i < n; i++)
			v[start + i] = (uint32_t)json_object_get_int64(
					json_object_array_get_idx(a, i));
		j->order = v;
		j->norder = start + n;
	}
	d->trainer->st.orders++;
	json_object_object_add(o, "length", json_object_new_int64((int64_t)j->norder));
	head = json_object_new_array();
	for (i = 0; i < j->norder && i < 8; i++)
		json_object_array_add(head, json_object_new_int64(j->order[i]));
	json_object_object_add(o, "head", head);
	return 0;
}

/* --- files to device ranges ------------------------------------------------ */

struct resolved {
	struct device *dv;
	const struct fmap *m;
};

static struct device *device_of(struct aattsd *d, dev_t dev)
{
	unsigned int maj, min;
	size_t i;

	for (i = 0; i < d->devs.nr; i++) {
		aatts_devt_split(d->devs.v[i].dev.devt, &maj, &min);
		if (makedev(maj, min) == dev)
			return &d->devs.v[i];
	}
	return NULL;
}

/*
 * The extents of path, checked for p; 0 (*k the file's key), or -1 with
 * why.  The fmap entry stays valid until the next call into the cache.
 */
static int resolve(struct aattsd *d, struct peer *p, const char *path,
		   struct resolved *r, struct fmap_key *k, const char **why)
{
	struct trainer *t = d->trainer;
	struct fmap *m;
	struct stat st;
	bool changed;
	int fd, gen = 0, err;

	t->st.paths_opened++;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		*why = errno == ENOENT ? "no such file" : "cannot open";
		return -1;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		*why = "not a regular file";
		goto fail;
	}
	if (!trainer_peer_may_read(p, path, &st)) {
		*why = "not readable by the caller";
		goto fail;
	}
	r->dv = device_of(d, st.st_dev);
	if (!r->dv) {
		*why = "not on an aatts device aattsd serves";
		goto fail;
	}
	if (ioctl(fd, FS_IOC_GETVERSION, &gen))
		gen = 0;
	memset(k, 0, sizeof(*k));
	k->dev = st.st_dev;
	k->ino = st.st_ino;
	k->gen = (uint32_t)gen;
	m = fmap_lookup(t->fmap, k, now_ns());
	if (!m) {
		err = fmap_refresh(t->fmap, k, fd, now_ns(), &m, &changed);
		if (err) {
			*why = "FIEMAP failed";
			goto fail;
		}
	}
	close(fd);
	r->m = m;
	return 0;
fail:
	close(fd);
	return -1;
}

/* The cred_gen of j's cached resolutions for p (bumped for another). */
static uint32_t job_cred(struct trainer_job *j, const struct peer *p)
{
	struct tcred *c = &j->cred;

	if (c->uid != p->uid || c->gid != p->gid ||
	    c->nr_groups != p->nr_groups ||
	    memcmp(c->groups, p->groups, p->nr_groups * sizeof(gid_t)) ||
	    !j->cred_gen) {
		c->uid = p->uid;
		c->gid = p->gid;
		c->nr_groups = p->nr_groups;
		memcpy(c->groups, p->groups, p->nr_groups * sizeof(gid_t));
		/* 0 is "never checked": a sample's cred starts there. */
		if (!++j->cred_gen)
			j->cred_gen = 1;
	}
	return j->cred_gen;
}

/*
 * Sample i of j as resolve() gives it.  A sample resolved for the same
 * caller within fmap_revalidate_ms whose map is still in the cache is
 * answered from there, without opening its path again: a file replaced
 * under that path (a new inode) is seen when that time is up, as the
 * FIEMAP cache sees a file rewritten in place.
 */
static int resolve_sample(struct aattsd *d, struct peer *p,
			  struct trainer_job *j, size_t i, struct resolved *r,
			  const char **why)
{
	struct trainer *t = d->trainer;
	struct tsample *ts = &j->v[i];
	uint32_t cred = job_cred(j, p);
	uint64_t now = now_ns();
	struct fmap *m;

	if (ts->resolved_ns && ts->cred == cred &&
	    now - ts->resolved_ns <= (uint64_t)d->cfg.fmap_revalidate_ms * 1000000) {
		m = fmap_lookup(t->fmap, &ts->key, now);
		r->dv = m ? device_of(d, ts->key.dev) : NULL;
		if (r->dv) {
			r->m = m;
			t->st.paths_cached++;
			return 0;
		}
	}
	ts->resolved_ns = 0;
	if (resolve(d, p, ts->path, r, &ts->key, why))
		return -1;
	ts->resolved_ns = now;
	ts->cred = cred;
	return 0;
}

struct rangevec {
	struct device *dv;
	struct aatts_range *v;
	size_t nr, cap;
};

static int rv_add(struct rangevec *rv, uint64_t off, uint64_t len,
		  uint32_t score)
{
	if (rv->nr == rv->cap) {
		size_t cap = rv->cap ? rv->cap * 2 : 256;
		struct aatts_range *v = realloc(rv->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		rv->v = v;
		rv->cap = cap;
	}
	rv->v[rv->nr++] = (struct aatts_range){ .off = off, .len = len,
						.score = score };
	return 0;
}

static struct rangevec *rv_for(struct rangevec *rvs, size_t *nrv,
			       struct device *dv)
{
	size_t i;

	for (i = 0; i < *nrv; i++)
		if (rvs[i].dv == dv)
			return &rvs[i];
	if (*nrv == TRAINER_DEVICES_MAX)
		return NULL;
	rvs[*nrv] = (struct rangevec){ .dv = dv };
	return &rvs[(*nrv)++];
}

static int nl_fail(struct aattsd *d, struct trainer_err *e, const char *what,
		   const char *dev, int r)
{
	return fail(e, "kernel", "%s on %s: %s%s%s", what, dev, strerror(-r),
		    d->req.extack[0] ? ": " : "", d->req.extack);
}

static int count_cb(struct nlattr **tb, uint8_t cmd, void *arg)
{
	(void)cmd;
	if (tb[AATTS_DEV_A_COUNT])
		*(uint64_t *)arg += nla_get_u64(tb[AATTS_DEV_A_COUNT]);
	return 0;
}

/*
 * rv's ranges to the kernel as `cmd` requests (named `what` in errors) of
 * at most AATTS_RANGES_MAX ranges each, with AATTS_DEV_A_FLAGS when flags
 * is not 0 and the ranges' scores when `scores`; each reply's count is
 * added to *count.  With busy_ok, EBUSY (another request holds the
 * device) ends the sending without an error.
 */
static int send_ranges(struct aattsd *d, struct rangevec *rv, uint8_t cmd,
		       const char *what, uint32_t flags, bool scores,
		       bool busy_ok, uint64_t *count, struct trainer_err *e)
{
	const char *name = rv->dv->dev.name;
	struct nl_msg *msg;
	size_t i, n;
	int r;

	for (i = 0; i < rv->nr; i += n) {
		n = rv->nr - i < AATTS_RANGES_MAX ? rv->nr - i : AATTS_RANGES_MAX;
		/* Room for n ranges of 36 bytes (as aattsctl sizes them). */
		msg = aatts_nl_request(&d->req, cmd, NLM_F_ACK, n * 64);
		if (!msg || aatts_nl_put_dev(msg, name) ||
		    (flags && nla_put_u32(msg, AATTS_DEV_A_FLAGS, flags)) ||
		    aatts_nl_put_ranges(msg, rv->v + i, n, scores, false, 0)) {
			if (msg)
				nlmsg_free(msg);
			return fail(e, "internal", "out of memory");
		}
		r = aatts_nl_exchange(&d->req, msg, count_cb, count);
		if (r == -EBUSY && busy_ok)
			return 0;
		if (r)
			return nl_fail(d, e, what, name, r);
	}
	return 0;
}

static int send_hints(struct aattsd *d, struct rangevec *rv, bool commit,
		      uint64_t *staged, struct trainer_err *e)
{
	const char *name = rv->dv->dev.name;
	struct nl_msg *msg;
	int r;

	r = send_ranges(d, rv, AATTS_CMD_HINTS_SET, "HINTS_SET", 0, true,
			false, staged, e);
	if (r || !commit)
		return r;
	msg = aatts_nl_request(&d->req, AATTS_CMD_EPOCH_COMMIT, NLM_F_ACK, 0);
	if (!msg || aatts_nl_put_dev(msg, name)) {
		if (msg)
			nlmsg_free(msg);
		return fail(e, "internal", "out of memory");
	}
	r = aatts_nl_exchange(&d->req, msg, NULL, NULL);
	if (r)
		return nl_fail(d, e, "EPOCH_COMMIT", name, r);
	return 0;
}

/* Unresolved sample i: counted; the first one's reason in the reply. */
static void unresolved(struct json_object **first, size_t *count, size_t i,
		       const char *path, const char *why)
{
	if (!*first) {
		*first = json_object_new_object();
		json_object_object_add(*first, "sample", json_object_new_int64((int64_t)i));
		json_object_object_add(*first, "path", json_object_new_string(path));
		json_object_object_add(*first, "error", json_object_new_string(why));
	}
	(*count)++;
}

static void prefetch_boundary(struct aattsd *d, struct peer *p,
			      struct trainer_job *j, struct json_object *o);
static void prefetch_top(struct aattsd *d, struct rangevec *rv,
			 uint64_t *started);

const char *const trainer_epoch_end_fields[] = { "job", "commit", NULL };

int trainer_epoch_end(struct aattsd *d, struct peer *p,
		      struct json_object *req, struct json_object *o,
		      struct trainer_err *e)
{
	struct rangevec rvs[TRAINER_DEVICES_MAX];
	struct json_object *c, *first = NULL, *devs;
	struct trainer_job *j;
	uint32_t *rank = NULL;
	size_t nrv = 0, i, x, nbad = 0, hinted = 0;
	uint64_t staged = 0, top = 0;
	double max = 0;
	bool commit = true;
	int r = 0;

	if (json_object_object_get_ex(req, "commit", &c)) {
		if (!json_object_is_type(c, json_type_boolean))
			return fail(e, "bad_request", "\"commit\" must be true or false");
		commit = json_object_get_boolean(c);
	}
	if (get_job(d, p, req, false, &j, e))
		return -1;
	for (i = 0; i < j->nr; i++)
		if (j->v[i].scored && j->v[i].score > max)
			max = j->v[i].score;
	/* The order's ranks: a sample's first position in it. */
	if (j->norder) {
		rank = calloc(j->manifest, sizeof(*rank));
		if (!rank)
			return fail(e, "internal", "out of memory");
		for (x = j->norder; x-- > 0;)
			rank[j->order[x]] = trainer_rank_score(x, j->norder);
	}
	for (i = 0; i < j->nr; i++) {
		uint32_t s = j->v[i].scored ? trainer_score_scale(j->v[i].score, max) : 0;
		struct resolved res;
		struct rangevec *rv;
		const char *why;

		if (rank && i < j->manifest && rank[i] > s)
			s = rank[i];
		if (!s && !j->v[i].scored)
			continue;
		if (resolve_sample(d, p, j, i, &res, &why)) {
			unresolved(&first, &nbad, i, j->v[i].path, why);
			continue;
		}
		rv = rv_for(rvs, &nrv, res.dv);
		if (!rv) {
			unresolved(&first, &nbad, i, j->v[i].path,
				   "on too many devices");
			continue;
		}
		for (x = 0; x < res.m->nr && !r; x++) {
			const struct fmap_extent *ext = &res.m->ext[x];

			if (ext->physical + ext->length > res.dv->dev.size)
				continue;	/* not the device's: never sent */
			r = rv_add(rv, ext->physical, ext->length, s);
		}
		if (r)
			break;
		hinted++;
	}
	free(rank);
	devs = json_object_new_array();
	for (i = 0; i < nrv; i++) {
		if (!r && rvs[i].nr) {
			r = send_hints(d, &rvs[i], commit, &staged, e) ? -EIO : 0;
			if (!r)
				json_object_array_add(devs,
					json_object_new_string(rvs[i].dv->dev.name));
			if (!r && commit && max > 0)
				prefetch_top(d, &rvs[i], &top);
		}
		free(rvs[i].v);
	}
	if (r) {
		json_object_put(devs);
		json_object_put(first);
		if (r == -ENOMEM)
			return fail(e, "internal", "out of memory");
		return -1;	/* e set by send_hints */
	}
	for (i = 0; i < j->nr; i++)
		j->v[i].scored = false;
	j->scored = 0;
	/* The order published is the next epoch's: cursors walk it. */
	free(j->cur);
	j->cur = j->order;
	j->ncur = j->norder;
	j->pf_next = 0;
	j->pc_next = 0;
	j->rate_ns = 0;		/* positions restart; the rate is kept */
	j->order = NULL;
	j->norder = 0;
	j->epochs++;
	d->trainer->st.epochs++;
	d->trainer->st.hint_ranges += staged;
	d->trainer->st.unresolved += nbad;
	json_object_object_add(o, "epoch", json_object_new_int64((int64_t)j->epochs));
	json_object_object_add(o, "samples", json_object_new_int64((int64_t)hinted));
	json_object_object_add(o, "ranges", json_object_new_int64((int64_t)staged));
	json_object_object_add(o, "committed", json_object_new_boolean(commit));
	json_object_object_add(o, "devices", devs);
	if (commit && max > 0)
		json_object_object_add(o, "prefetch_top",
				       json_object_new_int64((int64_t)top));
	json_object_object_add(o, "unresolved", json_object_new_int64((int64_t)nbad));
	if (first)
		json_object_object_add(o, "first_unresolved", first);
	prefetch_boundary(d, p, j, o);
	return 0;
}

/* --- prefetch along the order ---------------------------------------------- */

static size_t advise_resident(struct aattsd *d, struct peer *p,
			      struct trainer_job *j, size_t from, size_t to);

void trainer_after_reply(struct aattsd *d)
{
	struct pending_advice pa;

	if (!d->trainer || !d->trainer->pend.j)
		return;
	pa = d->trainer->pend;
	d->trainer->pend.j = NULL;
	advise_resident(d, pa.p, pa.j, pa.from, pa.to);
}

uint64_t trainer_window(const struct trainer_window_in *in)
{
	double w, cap;

	if (!(in->rate > 0))
		return TRAINER_WINDOW_START;
	/* What the reader consumes while the window's far end is fetched. */
	w = ceil(in->rate * (double)in->lead_ms / 1000.0);
	if (in->sample_bytes) {
		/*
		 * A reader faster than the slow tier gains nothing from more
		 * than the tier delivers in the lead time: the rest would
		 * queue behind it and compete with the reader's own misses.
		 */
		if (in->slow_bps) {
			cap = (double)in->slow_bps * (double)in->lead_ms /
			      1000.0 / (double)in->sample_bytes;
			if (w > cap)
				w = cap;
		}
		/*
		 * Prefetched samples must outlive the reads before them: a
		 * read can bring two blocks in (its prefetch, and its own
		 * promotion when the prefetch came late), so a quarter
		 * (make demo lost the window's far end at a half).
		 */
		if (in->fast_bytes) {
			cap = (double)in->fast_bytes / 4.0 /
			      (double)in->sample_bytes;
			if (w > cap)
				w = cap;
		}
	}
	if (w < TRAINER_WINDOW_MIN)
		return TRAINER_WINDOW_MIN;
	if (w > TRAINER_BATCH_MAX)
		return TRAINER_BATCH_MAX;
	return (uint64_t)w;
}

/* The reader's rate: a moving average of the positions per second. */
static void cursor_rate(struct trainer_job *j, uint64_t pos, uint64_t ns)
{
	double r;

	if (j->rate_ns && ns > j->rate_ns && pos > j->rate_pos) {
		r = (double)(pos - j->rate_pos) * 1e9 / (double)(ns - j->rate_ns);
		j->rate = j->rate > 0 ? j->rate + (r - j->rate) / 4 : r;
	}
	if (!j->rate_ns || pos != j->rate_pos) {
		j->rate_pos = pos;
		j->rate_ns = ns;
	}
}

/*
 * The window of a cursor that names none, and what it was sized from: the
 * tiers of the device the job's last prefetched sample lives on.
 */
static uint64_t auto_window(struct aattsd *d, struct trainer_job *j,
			    struct json_object *o)
{
	struct trainer_window_in in = {
		.rate = j->rate,
		.sample_bytes = j->sample_bytes,
		.lead_ms = TRAINER_LEAD_MS,
	};
	struct prefetch_stats ps;
	struct device *dv = j->devt ? devtab_find(&d->devs, j->devt) : NULL;
	uint64_t w;

	if (dv) {
		if (!prefetch_get(d, dv->dev.devt, &ps))
			in.slow_bps = ps.slow_bps;
		if (dv->dev.has_stat[AATTS_STAT_A_FAST_BLOCKS_TOTAL])
			in.fast_bytes =
				dv->dev.stat[AATTS_STAT_A_FAST_BLOCKS_TOTAL] *
				dv->dev.block_size;
	}
	w = trainer_window(&in);
	json_object_object_add(o, "rate", json_object_new_double(j->rate));
	json_object_object_add(o, "slow_bps", json_object_new_int64((int64_t)in.slow_bps));
	json_object_object_add(o, "fast_bytes", json_object_new_int64((int64_t)in.fast_bytes));
	json_object_object_add(o, "sample_bytes", json_object_new_int64((int64_t)in.sample_bytes));
	return w;
}

/*
 * Forced: the order says the block is read soon, whatever the policy
 * would admit.  NOWAIT: the event loop never sleeps for room; what does
 * not start now is left, as is everything while another request holds
 * the device (EBUSY).
 */
static int send_prefetch(struct aattsd *d, struct rangevec *rv,
			 uint64_t *started, struct trainer_err *e)
{
	return send_ranges(d, rv, AATTS_CMD_PREFETCH, "PREFETCH",
			   AATTS_F_NOWAIT | AATTS_F_FORCE, false, true,
			   started, e);
}

/* What a prefetch along the order sent. */
struct pf_result {
	size_t sent;			/* samples */
	uint64_t started;		/* blocks whose copy began */
	size_t nbad;			/* samples not resolved */
	struct json_object *first;	/* the first of them */
};

/*
 * Sends cur[from..to) of j's order to their devices as one forced
 * PREFETCH each (AATTS_F_NOWAIT) and moves pf_next past it.
 */
static int prefetch_along(struct aattsd *d, struct peer *p,
			  struct trainer_job *j, size_t from, size_t to,
			  struct pf_result *res_out, struct trainer_err *e)
{
	struct rangevec rvs[TRAINER_DEVICES_MAX];
	uint64_t bytes;
	size_t nrv = 0, i, x;
	int r = 0;

	for (i = from; i < to && !r; i++) {
		const struct tsample *ts = &j->v[j->cur[i]];
		struct resolved res;
		struct rangevec *rv;
		const char *why;

		if (resolve_sample(d, p, j, j->cur[i], &res, &why)) {
			unresolved(&res_out->first, &res_out->nbad, j->cur[i],
				   ts->path, why);
			continue;
		}
		rv = rv_for(rvs, &nrv, res.dv);
		if (!rv) {
			unresolved(&res_out->first, &res_out->nbad, j->cur[i],
				   ts->path, "on too many devices");
			continue;
		}
		bytes = 0;
		for (x = 0; x < res.m->nr && !r; x++) {
			const struct fmap_extent *ext = &res.m->ext[x];

			if (ext->physical + ext->length > res.dv->dev.size)
				continue;
			r = rv_add(rv, ext->physical, ext->length, 0);
			bytes += ext->length;
		}
		j->devt = res.dv->dev.devt;
		j->sample_bytes = j->sample_bytes ?
			j->sample_bytes - j->sample_bytes / 8 + bytes / 8 : bytes;
		res_out->sent++;
	}
	for (i = 0; i < nrv; i++) {
		if (!r && rvs[i].nr)
			r = send_prefetch(d, &rvs[i], &res_out->started, e) ?
			    -EIO : 0;
		free(rvs[i].v);
	}
	if (r == -ENOMEM)
		return fail(e, "internal", "out of memory");
	if (r)
		return -1;	/* e set by send_prefetch */
	if (to > j->pf_next)
		j->pf_next = to;
	d->trainer->st.prefetch_samples += res_out->sent;
	d->trainer->st.prefetch_blocks += res_out->started;
	return 0;
}

struct span {
	struct device *dv;
	uint64_t first, last;	/* blocks */
	uint64_t *bits;
};
static int query_span(struct aattsd *d, struct span *sp, struct trainer_err *e);
static bool span_has(const struct span *sp, uint64_t b);

/* A sample considered for advice: its blocks on one device. */
struct near {
	size_t idx;			/* manifest index */
	uint64_t size;
	uint32_t nr;
	struct { uint64_t first, last; } blk[TRAINER_ADVISE_EXTENTS];
};

/*
 * page_cache_advice = willneed: of cur[from..to), the samples whose
 * blocks are all on the fast tier now (one RESIDENCY_GET over the span
 * they cover) are asked into the page cache (POSIX_FADV_WILLNEED, whole
 * files), so that the reader finds them there; readahead of a block
 * still being copied would read the slow tier a second time, so the
 * others are left to the reader.  Samples on another device than the
 * first's, or of more than TRAINER_ADVISE_EXTENTS extents, are left too.
 * Best effort: nothing here fails the cursor.  The number advised.
 */
static size_t advise_resident(struct aattsd *d, struct peer *p,
			      struct trainer_job *j, size_t from, size_t to)
{
	struct near nv[TRAINER_ADVISE_SAMPLES];
	struct trainer_err e = { .code = NULL };
	struct span sp = { .dv = NULL };
	size_t i, k, nn = 0, advised = 0;
	uint64_t bs, b;
	bool all;
	int fd;

	if (to > j->pc_next)
		j->pc_next = to;
	for (i = from; i < to && nn < TRAINER_ADVISE_SAMPLES; i++) {
		struct near *n = &nv[nn];
		struct resolved res;
		const char *why;
		uint32_t x;

		if (resolve_sample(d, p, j, j->cur[i], &res, &why) ||
		    (sp.dv && res.dv != sp.dv) || !res.dv->dev.block_size ||
		    !res.m->nr || res.m->nr > TRAINER_ADVISE_EXTENTS)
			continue;
		sp.dv = res.dv;
		bs = res.dv->dev.block_size;
		n->idx = j->cur[i];
		n->size = res.m->size;
		n->nr = 0;
		for (x = 0; x < res.m->nr; x++) {
			const struct fmap_extent *ext = &res.m->ext[x];

			if (!ext->length || ext->physical + ext->length > res.dv->dev.size)
				break;
			n->blk[n->nr].first = ext->physical / bs;
			n->blk[n->nr].last = (ext->physical + ext->length - 1) / bs;
			if (!nn && !n->nr)
				sp.first = sp.last = n->blk[0].first;
			if (n->blk[n->nr].first < sp.first)
				sp.first = n->blk[n->nr].first;
			if (n->blk[n->nr].last > sp.last)
				sp.last = n->blk[n->nr].last;
			n->nr++;
		}
		if (x == res.m->nr)
			nn++;
	}
	if (!nn || sp.last - sp.first >= TRAINER_SPAN_BLOCKS_MAX)
		return 0;
	if (query_span(d, &sp, &e)) {
		free(sp.bits);
		return 0;
	}
	for (i = 0; i < nn; i++) {
		all = true;
		for (k = 0; k < nv[i].nr && all; k++)
			for (b = nv[i].blk[k].first; b <= nv[i].blk[k].last && all; b++)
				all = span_has(&sp, b);
		if (!all)
			continue;
		fd = open(j->v[nv[i].idx].path,
			  O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
		if (fd < 0)
			continue;
		if (!posix_fadvise(fd, 0, (off_t)nv[i].size, POSIX_FADV_WILLNEED))
			advised++;
		close(fd);
	}
	free(sp.bits);
	d->trainer->st.advised_samples += advised;
	return advised;
}

/*
 * {"cursor": pos, "window": w}: the reader is at position pos of the
 * order published for this epoch; the samples at pos..pos+w-1 not sent
 * before go to their devices as one forced PREFETCH each (AATTS_F_NOWAIT).
 * With page_cache_advice = willneed, the first half of the window is
 * considered for advice (advise_resident()) once the reply is sent: the
 * reader is not held up by it (trainer_after_reply()).
 */
static int order_cursor(struct aattsd *d, struct peer *p,
			struct trainer_job *j, struct json_object *req,
			struct json_object *o, struct trainer_err *e)
{
	struct pf_result res = { 0 };
	uint64_t pos, win;
	size_t from, to;

	if (get_u64(req, "cursor", 0, TRAINER_ORDER_MAX, 0, &pos, e) ||
	    get_u64(req, "window", 1, TRAINER_BATCH_MAX, 0, &win, e))
		return -1;
	if (!j->ncur)
		return fail(e, "no_order",
			    "no order was published for this epoch (order, then epoch_end)");
	d->trainer->st.cursors++;
	cursor_rate(j, pos, now_ns());
	if (!win)
		win = auto_window(d, j, o);
	j->last_window = win;
	json_object_object_add(o, "window", json_object_new_int64((int64_t)win));
	from = j->pf_next > pos ? j->pf_next : pos;
	to = pos + win < j->ncur ? pos + win : j->ncur;
	if (prefetch_along(d, p, j, from, to, &res, e)) {
		json_object_put(res.first);
		return -1;
	}
	if (d->cfg.page_cache_advice) {
		struct pending_advice *pa = &d->trainer->pend;

		pa->from = j->pc_next > pos ? j->pc_next : pos;
		pa->to = pos + (win + 1) / 2 < j->ncur ?
			 pos + (win + 1) / 2 : j->ncur;
		pa->j = pa->from < pa->to ? j : NULL;
		pa->p = p;
	}
	json_object_object_add(o, "sent", json_object_new_int64((int64_t)res.sent));
	json_object_object_add(o, "started", json_object_new_int64((int64_t)res.started));
	json_object_object_add(o, "ahead", json_object_new_int64((int64_t)(to > pos ? to - pos : 0)));
	json_object_object_add(o, "unresolved", json_object_new_int64((int64_t)res.nbad));
	if (res.first)
		json_object_object_add(o, "first_unresolved", res.first);
	return 0;
}

/*
 * At the boundary, for a job that walked its last order with cursors:
 * the first window of the order that starts now (the last cursor's) goes
 * out at once, so that the epoch's first reads find it on the fast tier
 * rather than racing the first cursor's copies.  Best effort: the epoch
 * has ended whatever happens here, and what was not sent the cursors
 * send.  Adds "prefetch": {"window", "sent", "started", "unresolved"}.
 */
static void prefetch_boundary(struct aattsd *d, struct peer *p,
			      struct trainer_job *j, struct json_object *o)
{
	struct trainer_err e = { .code = NULL };
	struct pf_result res = { 0 };
	struct json_object *pf;
	size_t to;

	if (!j->last_window || !j->ncur)
		return;
	to = j->last_window < j->ncur ? j->last_window : j->ncur;
	if (prefetch_along(d, p, j, 0, to, &res, &e)) {
		log_warn("trainer: prefetch at the epoch boundary: %s: %s",
			 e.code, e.msg);
		json_object_put(res.first);
		return;
	}
	pf = json_object_new_object();
	json_object_object_add(pf, "window", json_object_new_int64((int64_t)to));
	json_object_object_add(pf, "sent", json_object_new_int64((int64_t)res.sent));
	json_object_object_add(pf, "started", json_object_new_int64((int64_t)res.started));
	json_object_object_add(pf, "unresolved", json_object_new_int64((int64_t)res.nbad));
	json_object_put(res.first);
	json_object_object_add(o, "prefetch", pf);
}

/* Ranges by score, highest first; equal scores by offset. */
static int by_score(const void *a, const void *b)
{
	const struct aatts_range *x = a, *y = b;

	if (x->score != y->score)
		return x->score < y->score ? 1 : -1;
	return x->off < y->off ? -1 : x->off > y->off;
}

/*
 * After an epoch's importance is committed: the highest-scored ranges
 * that fit the device's fast tier go out as PREFETCH (AATTS_F_NOWAIT, not
 * forced: the policy admits what it would; isa what scores above its
 * lowest resident block), so that the next epoch starts with its
 * important samples on the fast tier instead of promoting each on its
 * first miss.  Reorders rv (which is freed next).  Best effort: a
 * failure is logged; the hints are committed by then.
 */
static void prefetch_top(struct aattsd *d, struct rangevec *rv,
			 uint64_t *started)
{
	struct trainer_err e = { .code = NULL };
	const struct device *dv = rv->dv;
	uint64_t cap = 0, bytes = 0, n_started = 0;
	struct rangevec top;
	size_t n;

	if (dv->dev.has_stat[AATTS_STAT_A_FAST_BLOCKS_TOTAL])
		cap = dv->dev.stat[AATTS_STAT_A_FAST_BLOCKS_TOTAL] *
		      dv->dev.block_size;
	if (!cap)
		return;
	qsort(rv->v, rv->nr, sizeof(*rv->v), by_score);
	for (n = 0; n < rv->nr && rv->v[n].score; n++) {
		if (bytes + rv->v[n].len > cap)
			break;
		bytes += rv->v[n].len;
	}
	if (!n)
		return;
	top = (struct rangevec){ .dv = rv->dv, .v = rv->v, .nr = n };
	if (send_ranges(d, &top, AATTS_CMD_PREFETCH, "PREFETCH",
			AATTS_F_NOWAIT, false, true, &n_started, &e)) {
		log_warn("trainer: prefetch of the top-scored samples: %s: %s",
			 e.code, e.msg);
		return;
	}
	*started += n_started;
	d->trainer->st.prefetch_blocks += n_started;
}

/* --- residency ------------------------------------------------------------- */

static int got_fragment(struct nlattr **tb, uint8_t cmd, void *arg)
{
	struct span *sp = arg;

	(void)cmd;
	return aatts_residency_mark(tb, sp->first, sp->last - sp->first + 1,
				    sp->bits);
}

static int query_span(struct aattsd *d, struct span *sp, struct trainer_err *e)
{
	uint64_t bs = sp->dv->dev.block_size, off = sp->first * bs;
	uint64_t end = (sp->last + 1) * bs;
	struct aatts_range rg = { .off = off };
	struct nl_msg *msg;
	int r;

	if (end > sp->dv->dev.size)
		end = sp->dv->dev.size;
	rg.len = end - off;
	sp->bits = calloc((sp->last - sp->first + 64) / 64, sizeof(uint64_t));
	if (!sp->bits)
		return fail(e, "internal", "out of memory");
	msg = aatts_nl_request(&d->req, AATTS_CMD_RESIDENCY_GET, NLM_F_DUMP, 0);
	if (!msg || aatts_nl_put_dev(msg, sp->dv->dev.name) ||
	    aatts_nl_put_ranges(msg, &rg, 1, false, false, 0)) {
		if (msg)
			nlmsg_free(msg);
		return fail(e, "internal", "out of memory");
	}
	r = aatts_nl_exchange(&d->req, msg, got_fragment, sp);
	if (r)
		return nl_fail(d, e, "RESIDENCY_GET", sp->dv->dev.name, r);
	return 0;
}

struct sample_ext {
	struct device *dv;	/* NULL: unresolved */
	struct fmap_extent *ext;
	uint32_t nr;
};

static bool span_has(const struct span *sp, uint64_t b)
{
	b -= sp->first;
	return sp->bits[b / 64] >> (b % 64) & 1;
}

const char *const trainer_residency_fields[] = { "job", "samples", NULL };

int trainer_residency(struct aattsd *d, struct peer *p,
		      struct json_object *req, struct json_object *o,
		      struct trainer_err *e)
{
	struct span sps[TRAINER_DEVICES_MAX];
	struct json_object *a, *res, *first = NULL;
	struct trainer_job *j = NULL;
	struct sample_ext *se;
	size_t i, x, n, nsp = 0, nbad = 0, yes = 0;
	int r = 0;

	if (get_array(req, "samples", TRAINER_RESIDENCY_MAX, false, &a, e))
		return -1;
	n = json_object_array_length(a);
	/* Paths need no job; indices need the manifest of one. */
	for (i = 0; i < n; i++)
		if (json_object_is_type(json_object_array_get_idx(a, i), json_type_int))
			break;
	if ((i < n || json_object_object_get_ex(req, "job", NULL)) &&
	    get_job(d, p, req, false, &j, e))
		return -1;
	if (!trainer_get(d))
		return fail(e, "internal", "out of memory");
	if (check_samples(j, a, e))
		return -1;
	se = calloc(n, sizeof(*se));
	if (!se)
		return fail(e, "internal", "out of memory");
	for (i = 0; i < n && !r; i++) {
		struct json_object *xo = json_object_array_get_idx(a, i);
		bool byidx = json_object_is_type(xo, json_type_int);
		const char *path, *why;
		struct fmap_key k;
		struct resolved rs;
		struct span *sp = NULL;
		uint64_t bs;
		int rr;

		path = byidx ? j->v[json_object_get_int64(xo)].path :
			json_object_get_string(xo);
		rr = byidx ? resolve_sample(d, p, j,
					    (size_t)json_object_get_int64(xo),
					    &rs, &why) :
			resolve(d, p, path, &rs, &k, &why);
		if (rr) {
			unresolved(&first, &nbad, i, path, why);
			continue;
		}
		bs = rs.dv->dev.block_size;
		if (!bs) {
			unresolved(&first, &nbad, i, path, "the device's block size is unknown");
			continue;
		}
		for (x = 0; x < nsp; x++)
			if (sps[x].dv == rs.dv)
				sp = &sps[x];
		if (!sp && nsp == TRAINER_DEVICES_MAX) {
			unresolved(&first, &nbad, i, path, "on too many devices");
			continue;
		}
		/* The extents are copied: the cache may drop the entry. */
		se[i].ext = malloc((rs.m->nr ? rs.m->nr : 1) * sizeof(*se[i].ext));
		if (!se[i].ext) {
			r = -ENOMEM;
			break;
		}
		se[i].dv = rs.dv;
		for (x = 0; x < rs.m->nr; x++) {
			const struct fmap_extent *ext = &rs.m->ext[x];
			uint64_t fb, lb;

			if (!ext->length || ext->physical + ext->length > rs.dv->dev.size)
				continue;
			se[i].ext[se[i].nr++] = *ext;
			fb = ext->physical / bs;
			lb = (ext->physical + ext->length - 1) / bs;
			if (!sp) {
				sp = &sps[nsp++];
				*sp = (struct span){ .dv = rs.dv, .first = fb, .last = lb };
			}
			if (fb < sp->first)
				sp->first = fb;
			if (lb > sp->last)
				sp->last = lb;
		}
	}
	for (x = 0; x < nsp && !r; x++) {
		if (sps[x].last - sps[x].first >= TRAINER_SPAN_BLOCKS_MAX) {
			fail(e, "too_large",
			     "the batch spans %" PRIu64 " blocks of %s, at most %d in one query: ask for fewer samples, or closer ones",
			     sps[x].last - sps[x].first + 1, sps[x].dv->dev.name,
			     TRAINER_SPAN_BLOCKS_MAX);
			r = -EIO;
		} else if (query_span(d, &sps[x], e)) {
			r = -EIO;
		}
	}
	if (!r) {
		res = json_object_new_array();
		for (i = 0; i < n; i++) {
			struct span *sp = NULL;
			bool in = se[i].nr > 0;

			if (!se[i].dv) {
				json_object_array_add(res, NULL);
				continue;
			}
			for (x = 0; x < nsp; x++)
				if (sps[x].dv == se[i].dv)
					sp = &sps[x];
			for (x = 0; x < se[i].nr && in; x++) {
				uint64_t bs = se[i].dv->dev.block_size;
				uint64_t b = se[i].ext[x].physical / bs;
				uint64_t lb = (se[i].ext[x].physical +
					       se[i].ext[x].length - 1) / bs;

				for (; b <= lb && in; b++)
					in = sp && span_has(sp, b);
			}
			yes += in;
			json_object_array_add(res, json_object_new_boolean(in));
		}
		json_object_object_add(o, "resident", res);
		json_object_object_add(o, "resident_count", json_object_new_int64((int64_t)yes));
		json_object_object_add(o, "unresolved", json_object_new_int64((int64_t)nbad));
		json_object_object_add(o, "queries", json_object_new_int64((int64_t)nsp));
		if (first)
			json_object_object_add(o, "first_unresolved", first);
		first = NULL;
		d->trainer->st.residency_queries += nsp;
		d->trainer->st.residency_samples += n;
		d->trainer->st.unresolved += nbad;
	}
	for (i = 0; i < n; i++)
		free(se[i].ext);
	free(se);
	for (x = 0; x < nsp; x++)
		free(sps[x].bits);
	json_object_put(first);
	if (r == -ENOMEM)
		return fail(e, "internal", "out of memory");
	return r ? -1 : 0;
}
