// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of aattsd's trainer ops (daemon/trainer.c): the validation of
 * every request (a bad one changes nothing and gets its error code), the
 * jobs and who may use them, the named shuffle (the same vector as
 * python/tests/test_client.py), the score scaling, and the mode-bits check
 * of sample files for the caller.  No kernel: no device is served, so
 * files resolve to "not on an aatts device".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <json.h>

#include "kselftest_harness.h"
#include "aattsd.h"
#include "trainer.h"

struct env {
	struct aattsd d;
	struct peer p, q;	/* uid 1000 and uid 1001 */
	struct json_object *last;	/* the last reply */
};

/* No device is served here, so no prefetch state (daemon/prefetch.c). */
int prefetch_get(const struct aattsd *d, uint32_t devt,
		 struct prefetch_stats *ps)
{
	memset(ps, 0, sizeof(*ps));
	return -ENOENT;
}

static void env_init(struct env *e)
{
	memset(e, 0, sizeof(*e));
	config_defaults(&e->d.cfg);
	e->p.uid = 1000;
	e->p.gid = 1000;
	e->q.uid = 1001;
	e->q.gid = 1001;
}

static void env_free(struct env *e)
{
	json_object_put(e->last);
	trainer_peer_gone(&e->d, &e->p);
	trainer_peer_gone(&e->d, &e->q);
	trainer_exit(&e->d);
}

/* Runs op on the JSON text as p; "ok" or the error code. */
static const char *run(struct env *e, struct peer *p, trainer_op_fn fn,
		       const char *text)
{
	struct json_object *req = json_tokener_parse(text);
	struct trainer_err err = { .code = "internal" };
	static char code[64];

	if (!req)
		return "test: bad JSON";
	json_object_put(e->last);
	e->last = json_object_new_object();
	if (fn(&e->d, p, req, e->last, &err)) {
		snprintf(code, sizeof(code), "%s", err.code);
		if (!err.msg[0])
			snprintf(code, sizeof(code), "no message");
	} else {
		snprintf(code, sizeof(code), "ok");
	}
	json_object_put(req);
	return code;
}

static int64_t field(struct env *e, const char *k)
{
	struct json_object *x;

	if (!json_object_object_get_ex(e->last, k, &x))
		return -999;
	return json_object_get_int64(x);
}

TEST(paths_and_job_names)
{
	char longp[TRAINER_PATH_MAX + 1];

	EXPECT_EQ(NULL, trainer_check_path("/a/b", 4));
	EXPECT_NE(NULL, trainer_check_path("", 0));
	EXPECT_NE(NULL, trainer_check_path("a/b", 3));
	EXPECT_NE(NULL, trainer_check_path("/a\0b", 4));
	memset(longp, 'x', sizeof(longp));
	longp[0] = '/';
	EXPECT_NE(NULL, trainer_check_path(longp, TRAINER_PATH_MAX));
	EXPECT_EQ(NULL, trainer_check_path(longp, TRAINER_PATH_MAX - 1));
	EXPECT_EQ(NULL, trainer_check_job_name("resnet-50_v1.2", 14));
	EXPECT_NE(NULL, trainer_check_job_name("", 0));
	EXPECT_NE(NULL, trainer_check_job_name("a b", 3));
	EXPECT_NE(NULL, trainer_check_job_name("../x", 4));
}

TEST(shuffle_is_the_documented_one)
{
	static const uint32_t want[10] = { 0, 9, 5, 8, 6, 4, 7, 2, 1, 3 };
	uint32_t v[1000];
	char seen[1000] = { 0 };
	unsigned int i, moved = 0;

	trainer_shuffle(v, 10, 42);
	EXPECT_EQ(0, memcmp(v, want, sizeof(want)));
	trainer_shuffle(v, 1000, 7);
	for (i = 0; i < 1000; i++) {
		ASSERT_LT(v[i], 1000U);
		EXPECT_EQ(0, seen[v[i]]);
		seen[v[i]] = 1;
		moved += v[i] != i;
	}
	EXPECT_GT(moved, 900U);
}

TEST(scores)
{
	EXPECT_EQ(TRAINER_SCORE_TOP, trainer_score_scale(3.5, 3.5));
	EXPECT_EQ(500000U, trainer_score_scale(1, 2));
	EXPECT_EQ(0U, trainer_score_scale(0, 2));
	EXPECT_EQ(1U, trainer_score_scale(1e-12, 2));	/* scored: above 0 */
	EXPECT_EQ(0U, trainer_score_scale(1, 0));
	EXPECT_EQ(TRAINER_SCORE_TOP, trainer_rank_score(0, 10));
	EXPECT_EQ(100000U, trainer_rank_score(9, 10));
	EXPECT_EQ(0U, trainer_rank_score(10, 10));
}

TEST(mode_bits_for_the_caller)
{
	char dir[] = "/tmp/trainer_test.XXXXXX", f[300];
	struct peer p = { .uid = 65534, .gid = 65534 };
	struct peer root = { .uid = 0 };
	struct stat st;
	FILE *fp;

	ASSERT_NE(NULL, mkdtemp(dir));
	snprintf(f, sizeof(f), "%s/s", dir);
	fp = fopen(f, "w");
	ASSERT_NE(NULL, fp);
	fclose(fp);
	ASSERT_EQ(0, chown(f, 0, 4242));
	ASSERT_EQ(0, chmod(dir, 0755));
	ASSERT_EQ(0, chmod(f, 0644));
	ASSERT_EQ(0, stat(f, &st));
	EXPECT_TRUE(trainer_peer_may_read(&p, f, &st));
	ASSERT_EQ(0, chmod(f, 0640));
	ASSERT_EQ(0, stat(f, &st));
	EXPECT_FALSE(trainer_peer_may_read(&p, f, &st));
	p.groups[0] = 7;
	p.groups[1] = 4242;		/* a supplementary group */
	p.nr_groups = 2;
	EXPECT_TRUE(trainer_peer_may_read(&p, f, &st));
	ASSERT_EQ(0, chmod(dir, 0750));	/* no search on the directory */
	EXPECT_FALSE(trainer_peer_may_read(&p, f, &st));
	EXPECT_TRUE(trainer_peer_may_read(&root, f, &st));
	ASSERT_EQ(0, chmod(dir, 0755));
	p.uid = 0 + 5;
	ASSERT_EQ(0, chown(f, 5, 4242));
	ASSERT_EQ(0, chmod(f, 0044));	/* the owner's bits decide for it */
	ASSERT_EQ(0, stat(f, &st));
	EXPECT_FALSE(trainer_peer_may_read(&p, f, &st));
	unlink(f);
	rmdir(dir);
}

TEST(manifest_validation)
{
	struct env e;
	char *big, *at;
	size_t i;

	env_init(&e);
	EXPECT_STREQ("bad_request", run(&e, &e.p, trainer_manifest, "{}"));
	EXPECT_STREQ("bad_request", run(&e, &e.p, trainer_manifest, "{\"paths\":\"/a\"}"));
	EXPECT_STREQ("bad_request", run(&e, &e.p, trainer_manifest, "{\"paths\":[]}"));
	EXPECT_STREQ("bad_sample", run(&e, &e.p, trainer_manifest, "{\"paths\":[\"/a\",3]}"));
	EXPECT_STREQ("bad_sample", run(&e, &e.p, trainer_manifest, "{\"paths\":[\"/a\",\"b\"]}"));
	EXPECT_STREQ("bad_request", run(&e, &e.p, trainer_manifest, "{\"paths\":[\"/a\"],\"start\":-1}"));
	EXPECT_STREQ("bad_request", run(&e, &e.p, trainer_manifest, "{\"paths\":[\"/a\"],\"start\":\"0\"}"));
	EXPECT_STREQ("too_many", run(&e, &e.p, trainer_manifest, "{\"paths\":[\"/a\"],\"start\":1048576}"));
	/* nothing so far made a job */
	EXPECT_EQ(NULL, e.p.job);
	EXPECT_STREQ("ok", run(&e, &e.p, trainer_manifest, "{\"paths\":[\"/a\",\"/b\"]}"));
	EXPECT_EQ(2, field(&e, "samples"));
	EXPECT_STREQ("bad_request", run(&e, &e.p, trainer_manifest, "{\"paths\":[\"/c\"],\"start\":5}"));
	EXPECT_STREQ("ok", run(&e, &e.p, trainer_manifest, "{\"paths\":[\"/c\"],\"start\":2}"));
	EXPECT_EQ(3, field(&e, "samples"));
	/* a path twice: the manifest is dropped */
	EXPECT_STREQ("bad_sample", run(&e, &e.p, trainer_manifest, "{\"paths\":[\"/a\"],\"start\":3}"));
	EXPECT_STREQ("bad_sample", run(&e, &e.p, trainer_importance, "{\"samples\":[0],\"scores\":[1]}"));
	/* 65537 paths in one message: too many */
	big = malloc(65537 * 12 + 32);
	ASSERT_NE(NULL, big);
	at = big + sprintf(big, "{\"paths\":[");
	for (i = 0; i < 65537; i++)
		at += sprintf(at, "%s\"/%zu\"", i ? "," : "", i);
	strcpy(at, "]}");
	EXPECT_STREQ("too_many", run(&e, &e.p, trainer_manifest, big));
	free(big);
	env_free(&e);
}

TEST(importance_validation_changes_nothing)
{
	struct env e;

	env_init(&e);
	EXPECT_STREQ("ok", run(&e, &e.p, trainer_manifest, "{\"paths\":[\"/a\",\"/b\",\"/c\"]}"));
	EXPECT_STREQ("bad_request", run(&e, &e.p, trainer_importance, "{\"samples\":[0,1],\"scores\":[1]}"));
	EXPECT_STREQ("bad_score", run(&e, &e.p, trainer_importance, "{\"samples\":[0,1],\"scores\":[1,-0.5]}"));
	EXPECT_STREQ("bad_score", run(&e, &e.p, trainer_importance, "{\"samples\":[0,1],\"scores\":[1,\"2\"]}"));
	EXPECT_STREQ("bad_score", run(&e, &e.p, trainer_importance, "{\"samples\":[0,1],\"scores\":[1,NaN]}"));
	EXPECT_STREQ("bad_sample", run(&e, &e.p, trainer_importance, "{\"samples\":[0,3],\"scores\":[1,2]}"));
	EXPECT_STREQ("bad_sample", run(&e, &e.p, trainer_importance, "{\"samples\":[0,-1],\"scores\":[1,2]}"));
	EXPECT_STREQ("bad_sample", run(&e, &e.p, trainer_importance, "{\"samples\":[0,true],\"scores\":[1,2]}"));
	EXPECT_STREQ("bad_sample", run(&e, &e.p, trainer_importance, "{\"samples\":[0,\"rel\"],\"scores\":[1,2]}"));
	EXPECT_STREQ("bad_request", run(&e, &e.p, trainer_importance, "{\"samples\":[],\"scores\":[]}"));
	/* none of those scored sample 0 */
	EXPECT_STREQ("ok", run(&e, &e.p, trainer_importance, "{\"samples\":[1],\"scores\":[0.25]}"));
	EXPECT_EQ(1, field(&e, "scored"));
	/* by path: one in the manifest, one new */
	EXPECT_STREQ("ok", run(&e, &e.p, trainer_importance, "{\"samples\":[\"/a\",\"/new\",1],\"scores\":[1,2,3]}"));
	EXPECT_EQ(3, field(&e, "scored"));
	EXPECT_EQ(3, field(&e, "accepted"));
	/* q has a job of its own */
	EXPECT_STREQ("bad_sample", run(&e, &e.q, trainer_importance, "{\"samples\":[0],\"scores\":[1]}"));
	EXPECT_STREQ("ok", run(&e, &e.q, trainer_importance, "{\"samples\":[\"/x\"],\"scores\":[1]}"));
	EXPECT_EQ(1, field(&e, "scored"));
	env_free(&e);
}

TEST(named_jobs)
{
	struct env e;
	char req[128];
	int i;

	env_init(&e);
	EXPECT_STREQ("bad_request", run(&e, &e.p, trainer_manifest, "{\"job\":\"a b\",\"paths\":[\"/a\"]}"));
	EXPECT_STREQ("bad_request", run(&e, &e.p, trainer_manifest, "{\"job\":7,\"paths\":[\"/a\"]}"));
	EXPECT_STREQ("no_job", run(&e, &e.p, trainer_importance, "{\"job\":\"j\",\"samples\":[0],\"scores\":[1]}"));
	EXPECT_STREQ("ok", run(&e, &e.p, trainer_manifest, "{\"job\":\"j\",\"paths\":[\"/a\",\"/b\"]}"));
	EXPECT_STREQ("ok", run(&e, &e.p, trainer_importance, "{\"job\":\"j\",\"samples\":[1],\"scores\":[1]}"));
	EXPECT_STREQ("permission", run(&e, &e.q, trainer_importance, "{\"job\":\"j\",\"samples\":[1],\"scores\":[1]}"));
	EXPECT_STREQ("permission", run(&e, &e.q, trainer_manifest, "{\"job\":\"j\",\"paths\":[\"/z\"]}"));
	/* the named job is not the connection's own */
	EXPECT_STREQ("no_manifest", run(&e, &e.p, trainer_epoch_end, "{}"));
	for (i = 1; i < TRAINER_JOBS_MAX; i++) {
		snprintf(req, sizeof(req), "{\"job\":\"j%d\",\"paths\":[\"/a\"]}", i);
		EXPECT_STREQ("ok", run(&e, &e.p, trainer_manifest, req));
	}
	EXPECT_STREQ("limit", run(&e, &e.p, trainer_manifest, "{\"job\":\"one-more\",\"paths\":[\"/a\"]}"));
	/* the jobs outlive the connection */
	trainer_peer_gone(&e.d, &e.p);
	EXPECT_STREQ("ok", run(&e, &e.p, trainer_importance, "{\"job\":\"j\",\"samples\":[0],\"scores\":[1]}"));
	env_free(&e);
}

TEST(order_validation)
{
	struct env e;
	struct json_object *h;

	env_init(&e);
	EXPECT_STREQ("no_manifest", run(&e, &e.p, trainer_order, "{\"indices\":[0]}"));
	EXPECT_STREQ("ok", run(&e, &e.p, trainer_manifest,
			       "{\"paths\":[\"/0\",\"/1\",\"/2\",\"/3\",\"/4\",\"/5\",\"/6\",\"/7\",\"/8\",\"/9\"]}"));
	EXPECT_STREQ("bad_request", run(&e, &e.p, trainer_order, "{}"));
	EXPECT_STREQ("bad_request", run(&e, &e.p, trainer_order,
					"{\"indices\":[0],\"seed\":1,\"shuffle\":\"splitmix64-fisher-yates\"}"));
	EXPECT_STREQ("bad_request", run(&e, &e.p, trainer_order, "{\"seed\":1,\"shuffle\":\"torch\"}"));
	EXPECT_STREQ("bad_request", run(&e, &e.p, trainer_order, "{\"seed\":1}"));
	EXPECT_STREQ("bad_request", run(&e, &e.p, trainer_order, "{\"seed\":-1,\"shuffle\":\"splitmix64-fisher-yates\"}"));
	EXPECT_STREQ("bad_sample", run(&e, &e.p, trainer_order, "{\"indices\":[0,10]}"));
	EXPECT_STREQ("bad_sample", run(&e, &e.p, trainer_order, "{\"indices\":[0,\"/1\"]}"));
	EXPECT_STREQ("ok", run(&e, &e.p, trainer_order, "{\"seed\":42,\"shuffle\":\"splitmix64-fisher-yates\"}"));
	EXPECT_EQ(10, field(&e, "length"));
	ASSERT_TRUE(json_object_object_get_ex(e.last, "head", &h));
	EXPECT_EQ(8, (int)json_object_array_length(h));
	EXPECT_EQ(9, json_object_get_int(json_object_array_get_idx(h, 1)));
	EXPECT_EQ(5, json_object_get_int(json_object_array_get_idx(h, 2)));
	EXPECT_STREQ("ok", run(&e, &e.p, trainer_order, "{\"indices\":[3,3,1]}"));
	EXPECT_STREQ("bad_request", run(&e, &e.p, trainer_order, "{\"indices\":[2],\"start\":2}"));
	EXPECT_STREQ("ok", run(&e, &e.p, trainer_order, "{\"indices\":[2],\"start\":3}"));
	EXPECT_EQ(4, field(&e, "length"));
	env_free(&e);
}

TEST(epoch_end_and_residency_without_a_device)
{
	char dir[] = "/tmp/trainer_test.XXXXXX", req[512], f[300];
	struct json_object *r, *x;
	struct env e;
	FILE *fp;
	char *big, *at;
	int i;

	env_init(&e);
	e.p.uid = 0;	/* the files are root's */
	ASSERT_NE(NULL, mkdtemp(dir));
	snprintf(f, sizeof(f), "%s/s", dir);
	fp = fopen(f, "w");
	ASSERT_NE(NULL, fp);
	fputs("sample", fp);
	fclose(fp);
	EXPECT_STREQ("no_manifest", run(&e, &e.p, trainer_residency, "{\"samples\":[0]}"));
	snprintf(req, sizeof(req), "{\"paths\":[\"%s\",\"%s/none\"]}", f, dir);
	EXPECT_STREQ("ok", run(&e, &e.p, trainer_manifest, req));
	EXPECT_STREQ("bad_request", run(&e, &e.p, trainer_epoch_end, "{\"commit\":1}"));
	EXPECT_STREQ("ok", run(&e, &e.p, trainer_importance, "{\"samples\":[0,1],\"scores\":[2,1]}"));
	EXPECT_STREQ("ok", run(&e, &e.p, trainer_epoch_end, "{}"));
	EXPECT_EQ(1, field(&e, "epoch"));
	EXPECT_EQ(2, field(&e, "unresolved"));
	EXPECT_EQ(0, field(&e, "ranges"));
	ASSERT_TRUE(json_object_object_get_ex(e.last, "first_unresolved", &x));
	ASSERT_TRUE(json_object_object_get_ex(x, "error", &x));
	EXPECT_STREQ("not on an aatts device aattsd serves", json_object_get_string(x));
	/* the scores are spent: nothing left to hint */
	EXPECT_STREQ("ok", run(&e, &e.p, trainer_epoch_end, "{}"));
	EXPECT_EQ(0, field(&e, "unresolved"));
	EXPECT_EQ(2, field(&e, "epoch"));

	EXPECT_STREQ("bad_sample", run(&e, &e.p, trainer_residency, "{\"samples\":[2]}"));
	EXPECT_STREQ("bad_request", run(&e, &e.p, trainer_residency, "{\"samples\":[]}"));
	snprintf(req, sizeof(req), "{\"samples\":[0,1,\"%s\"]}", f);
	EXPECT_STREQ("ok", run(&e, &e.p, trainer_residency, req));
	ASSERT_TRUE(json_object_object_get_ex(e.last, "resident", &r));
	ASSERT_EQ(3, (int)json_object_array_length(r));
	for (i = 0; i < 3; i++)
		EXPECT_EQ(NULL, json_object_array_get_idx(r, i));
	EXPECT_EQ(3, field(&e, "unresolved"));
	EXPECT_EQ(0, field(&e, "queries"));
	big = malloc(4097 * 2 + 32);
	ASSERT_NE(NULL, big);
	at = big + sprintf(big, "{\"samples\":[");
	for (i = 0; i < 4097; i++)
		at += sprintf(at, i ? ",0" : "0");
	strcpy(at, "]}");
	EXPECT_STREQ("too_many", run(&e, &e.p, trainer_residency, big));
	free(big);
	unlink(f);
	rmdir(dir);
	env_free(&e);
}

/* The window aattsd sizes for a cursor that names none. */
TEST(window_from_rate_bandwidth_and_fast_tier)
{
	struct trainer_window_in in = { .lead_ms = 2000 };

	/* No rate measured yet: the start window. */
	EXPECT_EQ((uint64_t)TRAINER_WINDOW_START, trainer_window(&in));
	in.sample_bytes = 100000;
	in.slow_bps = 1000000000;
	EXPECT_EQ((uint64_t)TRAINER_WINDOW_START, trainer_window(&in));
	/* 150 samples/s for 2 s: 300, the tiers not limiting. */
	in.rate = 150;
	EXPECT_EQ((uint64_t)300, trainer_window(&in));
	/* A slow tier of 5 MB/s delivers 100 samples of 100 kB in 2 s. */
	in.slow_bps = 5000000;
	EXPECT_EQ((uint64_t)100, trainer_window(&in));
	/* A quarter of a fast tier of 8 MB holds 20 of them. */
	in.fast_bytes = 8000000;
	EXPECT_EQ((uint64_t)20, trainer_window(&in));
	/* Bandwidth and fast tier unknown: the rate alone. */
	in.slow_bps = 0;
	in.fast_bytes = 0;
	in.sample_bytes = 0;
	in.rate = 1000.4;
	EXPECT_EQ((uint64_t)2001, trainer_window(&in));
	/* Bounds: never below the minimum, never above a batch. */
	in.rate = 0.5;
	EXPECT_EQ((uint64_t)TRAINER_WINDOW_MIN, trainer_window(&in));
	in.rate = 1e9;
	EXPECT_EQ((uint64_t)TRAINER_BATCH_MAX, trainer_window(&in));
	in.sample_bytes = 1ULL << 40;
	in.fast_bytes = 1ULL << 30;
	EXPECT_EQ((uint64_t)TRAINER_WINDOW_MIN, trainer_window(&in));
}

/* Three sample files in dir (a mkdtemp() template), as root's manifest. */
static int three_samples(struct env *e, char *dir)
{
	char req[1024], f[300];
	FILE *fp;
	int i;

	if (!mkdtemp(dir))
		return -1;
	for (i = 0; i < 3; i++) {
		snprintf(f, sizeof(f), "%s/s%d", dir, i);
		fp = fopen(f, "w");
		if (!fp)
			return -1;
		fputs("sample", fp);
		fclose(fp);
	}
	snprintf(req, sizeof(req), "{\"paths\":[\"%s/s0\",\"%s/s1\",\"%s/s2\"]}",
		 dir, dir, dir);
	return strcmp("ok", run(e, &e->p, trainer_manifest, req)) ? -1 : 0;
}

static void three_samples_gone(const char *dir)
{
	char f[300];
	int i;

	for (i = 0; i < 3; i++) {
		snprintf(f, sizeof(f), "%s/s%d", dir, i);
		unlink(f);
	}
	rmdir(dir);
}

/* Cursors without a window: the reply names the window and the rate. */
TEST(cursor_without_window_reports_what_it_used)
{
	char dir[] = "/tmp/trainer_test.XXXXXX";
	struct json_object *x;
	struct env e;

	env_init(&e);
	e.p.uid = 0;
	ASSERT_EQ(0, three_samples(&e, dir));
	EXPECT_STREQ("no_order", run(&e, &e.p, trainer_order, "{\"cursor\":0}"));
	EXPECT_STREQ("ok", run(&e, &e.p, trainer_order, "{\"indices\":[0,1,2]}"));
	EXPECT_STREQ("ok", run(&e, &e.p, trainer_epoch_end, "{}"));
	EXPECT_STREQ("bad_request", run(&e, &e.p, trainer_order, "{\"cursor\":0,\"window\":0}"));
	EXPECT_STREQ("ok", run(&e, &e.p, trainer_order, "{\"cursor\":0}"));
	EXPECT_EQ((int64_t)TRAINER_WINDOW_START, field(&e, "window"));
	ASSERT_TRUE(json_object_object_get_ex(e.last, "rate", &x));
	EXPECT_EQ(0, (int)json_object_get_double(x));
	usleep(100000);
	EXPECT_STREQ("ok", run(&e, &e.p, trainer_order, "{\"cursor\":2}"));
	/*
	 * 2 positions in at least 0.1 s: at most 20 samples/s; the window is
	 * what that rate reads in the lead time (no device: no tier bounds).
	 */
	ASSERT_TRUE(json_object_object_get_ex(e.last, "rate", &x));
	EXPECT_GT(json_object_get_double(x), 0.0);
	EXPECT_LE(json_object_get_double(x), 20.0);
	EXPECT_EQ((int64_t)ceil(json_object_get_double(x) * TRAINER_LEAD_MS / 1000.0) < TRAINER_WINDOW_MIN ?
		  TRAINER_WINDOW_MIN : (int64_t)ceil(json_object_get_double(x) * TRAINER_LEAD_MS / 1000.0),
		  field(&e, "window"));
	/* A window named is used as it is. */
	EXPECT_STREQ("ok", run(&e, &e.p, trainer_order, "{\"cursor\":2,\"window\":5}"));
	EXPECT_EQ(5, field(&e, "window"));
	EXPECT_EQ(-999, field(&e, "rate"));
	three_samples_gone(dir);
	env_free(&e);
}

/* The prefetch object's field k of the last reply; -999 when absent. */
static int64_t pf_field(struct env *e, const char *k)
{
	struct json_object *pf, *x;

	if (!json_object_object_get_ex(e->last, "prefetch", &pf) ||
	    !json_object_object_get_ex(pf, k, &x))
		return -999;
	return json_object_get_int64(x);
}

/*
 * A job that walked its order with cursors gets the first window of the
 * next order at the boundary (here unresolved: no device is served); the
 * first cursor then sends only what lies beyond it.
 */
TEST(epoch_end_prefetches_the_first_window_after_cursors)
{
	char dir[] = "/tmp/trainer_test.XXXXXX";
	struct env e;

	env_init(&e);
	e.p.uid = 0;
	ASSERT_EQ(0, three_samples(&e, dir));
	EXPECT_STREQ("ok", run(&e, &e.p, trainer_order, "{\"indices\":[0,1,2]}"));
	EXPECT_STREQ("ok", run(&e, &e.p, trainer_epoch_end, "{}"));
	/* No cursor yet: nothing at the boundary. */
	EXPECT_EQ(-999, pf_field(&e, "window"));
	EXPECT_STREQ("ok", run(&e, &e.p, trainer_order, "{\"cursor\":0,\"window\":2}"));
	EXPECT_EQ(2, field(&e, "unresolved"));
	EXPECT_STREQ("ok", run(&e, &e.p, trainer_order, "{\"indices\":[2,1,0]}"));
	EXPECT_STREQ("ok", run(&e, &e.p, trainer_epoch_end, "{}"));
	EXPECT_EQ(2, pf_field(&e, "window"));
	EXPECT_EQ(0, pf_field(&e, "sent"));
	EXPECT_EQ(2, pf_field(&e, "unresolved"));
	/* The first cursor of the epoch: the window was already asked for. */
	EXPECT_STREQ("ok", run(&e, &e.p, trainer_order, "{\"cursor\":0,\"window\":2}"));
	EXPECT_EQ(0, field(&e, "unresolved"));
	EXPECT_EQ(2, field(&e, "ahead"));
	/* An order shorter than the window: the whole order. */
	EXPECT_STREQ("ok", run(&e, &e.p, trainer_order, "{\"cursor\":0,\"window\":9}"));
	EXPECT_STREQ("ok", run(&e, &e.p, trainer_order, "{\"indices\":[1,0,2]}"));
	EXPECT_STREQ("ok", run(&e, &e.p, trainer_epoch_end, "{}"));
	EXPECT_EQ(3, pf_field(&e, "window"));
	EXPECT_EQ(3, pf_field(&e, "unresolved"));
	three_samples_gone(dir);
	env_free(&e);
}

TEST_HARNESS_MAIN
