// SPDX-License-Identifier: GPL-2.0-only
/*
 * aatts-sim: replays a trace (format v1) through the AAT-TS policy core,
 * the very code aatts.ko runs, and through Belady's OPT, and prints the
 * hit ratio of each policy.  Exit status: 0 ok, 1 trace or run error,
 * 2 usage error.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdint.h>
#include <time.h>
#include <json.h>

#include "replay.h"
#include "cli.h"

#define ALL_POLICIES "lru,fifo,minio,lfu,isa,default,opt"
#define REF_POLICIES "lru,fifo,minio,opt"
#define MAX_POLICIES 32

static const char usage[] =
"usage: aatts-sim --trace FILE --block-size BYTES\n"
"                 (--cache-ratio R | --cache-blocks N)\n"
"                 [--policy P[,P...]] [--json | --csv] [--timing]\n"
"                 [--engine core|ref] [--adapt-log FILE]\n"
"                 [--shadow-lag N]\n"
"                 [--prefetch markov [--prefetch-depth N]\n"
"                  [--prefetch-max-len N] [--markov-entries N]\n"
"                  [--markov-min-conf N]]\n"
"\n"
"Replays FILE (trace format v1) and prints each policy's read hit ratio.\n"
"  --trace FILE        the trace\n"
"  --block-size BYTES  cache block size\n"
"  --cache-ratio R     capacity floor(D * R) blocks, D = distinct blocks read\n"
"  --cache-blocks N    capacity N blocks\n"
"  --policy LIST       comma-separated, default " ALL_POLICIES "\n"
"                      (with --engine ref: " REF_POLICIES ")\n"
"  --json              one JSON array, one object per policy\n"
"  --csv               a header line, then one CSV line per policy (the\n"
"                      JSON fields; epoch_slow_bytes ';'-separated)\n"
"  --timing            to stderr: load time, each replay's time and rate\n"
"  --engine E          core (default): lru, fifo, minio, lfu, isa, default\n"
"                      through the policy core; ref: lru, fifo and minio\n"
"                      written from the trace format's definitions, O(1)\n"
"                      per access, a cross-check of the core (no prefetch)\n"
"  --prefetch markov   a first-order Markov predictor (lib/predict/) sees\n"
"                      each read record as an extent; predicted extents\n"
"                      are promoted through the core (not for opt)\n"
"  --prefetch-depth N  extents followed ahead per read record (default 1)\n"
"  --prefetch-max-len N  blocks prefetched per extent (default 64)\n"
"  --markov-entries N  predictor table entries (default: the distinct\n"
"                      blocks, rounded up to a power of two, at most 2^22)\n"
"  --markov-min-conf N confidence (1-3) needed to predict (default 2)\n"
"  --adapt-log FILE    CSV of what default runs (its mode) and its shadows'\n"
"                      sampled hit ratios (per mille): a line per epoch\n"
"                      (E record) and per 1/64 of the read records\n"
"  --shadow-lag N      default's sampled reads wait, as in aatts.ko, and\n"
"                      are replayed through its shadows once N (1-256)\n"
"                      wait (default: replayed at once)\n"
"  --help              this text\n";

struct options {
	const char *trace;
	u64 block_size;
	const char *ratio;
	u64 cache_blocks;
	const char *policy[MAX_POLICIES];
	int nr_policies;
	bool json;
	bool csv;
	bool ref;
	bool timing;
	struct sim_prefetch pf;
};

struct run {
	const char *policy;
	u64 cache_blocks;
	u64 block_size;
	bool prefetch;
	struct sim_result r;
};

static u64 parse_count(const char *s, const char *option)
{
	return cli_count(s, option, UINT64_MAX);
}

static u32 parse_small(const char *s, const char *option, u32 max)
{
	return cli_count(s, option, max);
}

static void parse_policies(char *list, struct options *o)
{
	char *name, *save = NULL;

	for (name = strtok_r(list, ",", &save); name;
	     name = strtok_r(NULL, ",", &save)) {
		if (strcmp(name, "opt") && aatts_policy_lookup(name) < 0)
			usage_error("unknown policy '%s'", name);
		if (o->nr_policies == MAX_POLICIES)
			usage_error("too many policies in '%s'", name);
		o->policy[o->nr_policies++] = name;
	}
	if (!o->nr_policies)
		usage_error("empty --policy");
}

static void parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "trace", required_argument, NULL, 't' },
		{ "policy", required_argument, NULL, 'p' },
		{ "block-size", required_argument, NULL, 'b' },
		{ "cache-ratio", required_argument, NULL, 'r' },
		{ "cache-blocks", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "timing", no_argument, NULL, 'T' },
		{ "csv", no_argument, NULL, 'V' },
		{ "engine", required_argument, NULL, 'E' },
		{ "prefetch", required_argument, NULL, 'P' },
		{ "prefetch-depth", required_argument, NULL, 'D' },
		{ "prefetch-max-len", required_argument, NULL, 'L' },
		{ "markov-entries", required_argument, NULL, 'M' },
		{ "markov-min-conf", required_argument, NULL, 'C' },
		{ "adapt-log", required_argument, NULL, 'A' },
		{ "shadow-lag", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	static char all[] = ALL_POLICIES, ref[] = REF_POLICIES;
	int opt, i;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (opt) {
		case 't': o->trace = optarg; break;
		case 'p': parse_policies(optarg, o); break;
		case 'b': o->block_size = parse_count(optarg, "--block-size");
			break;
		case 'r': o->ratio = optarg; break;
		case 'c': o->cache_blocks = parse_count(optarg,
							"--cache-blocks");
			break;
		case 'j': o->json = true; break;
		case 'T': o->timing = true; break;
		case 'V': o->csv = true; break;
		case 'E':
			if (!strcmp(optarg, "ref"))
				o->ref = true;
			else if (strcmp(optarg, "core"))
				usage_error("unknown --engine '%s'", optarg);
			break;
		case 'P':
			if (strcmp(optarg, "markov"))
				usage_error("unknown --prefetch '%s'", optarg);
			o->pf.markov = true;
			break;
		case 'D': o->pf.depth = parse_small(optarg, "--prefetch-depth",
						   1024);
			break;
		case 'L': o->pf.max_len = parse_small(optarg,
						      "--prefetch-max-len",
						      1 << 20);
			break;
		case 'M': o->pf.entries = parse_small(optarg, "--markov-entries",
						      1 << 30);
			break;
		case 'C': o->pf.min_conf = parse_small(optarg,
						       "--markov-min-conf", 3);
			break;
		case 'A':
			sim_adapt_log = fopen(optarg, "w");
			if (!sim_adapt_log) {
				perror(optarg);
				exit(2);
			}
			break;
		case 'S': sim_shadow_lag = parse_small(optarg, "--shadow-lag",
						      AATTS_MINI_DEFER);
			break;
		case 'h': fputs(usage, stdout); exit(0);
		default: usage_error("bad option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (!o->trace || !o->block_size)
		usage_error("--trace and --block-size are required");
	if (!o->ratio == !o->cache_blocks)
		usage_error("give one of --cache-ratio and --cache-blocks");
	if (!o->nr_policies)
		parse_policies(o->ref ? ref : all, o);
	if (o->json && o->csv)
		usage_error("give at most one of --json and --csv");
	for (i = 0; o->ref && i < o->nr_policies; i++)
		if (strcmp(o->policy[i], "opt") &&
		    !sim_ref_supports(o->policy[i]))
			usage_error("--engine ref has no policy '%s'",
				    o->policy[i]);
	if (o->ref && o->pf.markov)
		usage_error("--engine ref does not prefetch");
	if (!o->pf.depth)
		o->pf.depth = 1;
	if (!o->pf.max_len)
		o->pf.max_len = 64;
}

/*
 * floor(d * ratio) for a decimal ratio "I[.F]", in integers so that no
 * rounding error moves the floor.
 */
static u64 blocks_of_ratio(u64 d, const char *ratio)
{
	unsigned __int128 num = 0, den = 1;
	const char *s = ratio;
	bool digits = false, point = false;

	for (; *s; s++) {
		if (*s == '.' && !point) {
			point = true;
			continue;
		}
		if (*s < '0' || *s > '9' || num > UINT64_MAX || den > UINT64_MAX)
			usage_error("bad --cache-ratio '%s'", ratio);
		num = num * 10 + (*s - '0');
		den *= point ? 10 : 1;
		digits = true;
	}
	if (!digits)
		usage_error("bad --cache-ratio '%s'", ratio);
	num = num * d / den;
	return num > UINT64_MAX ? UINT64_MAX : (u64)num;
}

static double ratio_of(const struct sim_result *r)
{
	return r->accesses ? (double)r->hits / r->accesses : 0.0;
}

/* Bytes read from the slow tier: read misses and prefetches. */
static u64 slow_bytes(const struct run *run)
{
	return (run->r.accesses - run->r.hits + run->r.prefetched +
		run->r.pf_issued) * run->block_size;
}

/* Prefetched blocks read before eviction, per prefetched block. */
static double precision_of(const struct sim_result *r)
{
	return r->pf_issued ? (double)r->pf_useful / r->pf_issued : 0.0;
}

/* Would-be misses the prefetches turned into hits. */
static double recall_of(const struct sim_result *r)
{
	u64 misses = r->accesses - r->hits;

	return r->pf_useful + misses ?
	       (double)r->pf_useful / (r->pf_useful + misses) : 0.0;
}

static void add_fixed(json_object *o, const char *key, double v)
{
	char text[32];

	snprintf(text, sizeof(text), "%.6f", v);
	json_object_object_add(o, key, json_object_new_double_s(v, text));
}

static void add_u64(json_object *o, const char *key, u64 v)
{
	json_object_object_add(o, key, json_object_new_uint64(v));
}

static void print_json(const struct run *runs, int n)
{
	json_object *array = json_object_new_array(), *epochs;
	char ratio[32];
	size_t e;
	int i;

	for (i = 0; i < n; i++) {
		const struct run *run = &runs[i];
		json_object *o = json_object_new_object();

		snprintf(ratio, sizeof(ratio), "%.6f", ratio_of(&run->r));
		json_object_object_add(o, "policy",
				       json_object_new_string(run->policy));
		add_u64(o, "hits", run->r.hits);
		add_u64(o, "accesses", run->r.accesses);
		json_object_object_add(o, "hit_ratio",
				       json_object_new_double_s(ratio_of(&run->r),
								ratio));
		add_u64(o, "cache_blocks", run->cache_blocks);
		add_u64(o, "block_size", run->block_size);
		add_u64(o, "promotions", run->r.promotions);
		add_u64(o, "evictions", run->r.evictions);
		add_u64(o, "rejections", run->r.rejections);
		add_u64(o, "prefetched", run->r.prefetched);
		add_u64(o, "slow_bytes", slow_bytes(run));
		if (run->prefetch) {
			json_object_object_add(o, "prefetch",
					       json_object_new_string("markov"));
			add_u64(o, "prefetch_predictions",
				run->r.pf_predictions);
			add_u64(o, "prefetch_issued", run->r.pf_issued);
			add_u64(o, "prefetch_useful", run->r.pf_useful);
			add_fixed(o, "prefetch_precision",
				  precision_of(&run->r));
			add_fixed(o, "prefetch_recall", recall_of(&run->r));
			add_u64(o, "predictor_bytes", run->r.pf_bytes);
		}
		epochs = json_object_new_array();
		for (e = 0; e < run->r.nr_epoch_slow; e++) {
			/* Nothing after the last E: no epoch there. */
			if (e + 1 == run->r.nr_epoch_slow && e &&
			    !run->r.epoch_slow[e])
				break;
			json_object_array_add(epochs, json_object_new_uint64(
				run->r.epoch_slow[e] * run->block_size));
		}
		json_object_object_add(o, "epoch_slow_bytes", epochs);
		json_object_array_add(array, o);
	}
	puts(json_object_to_json_string_ext(array, JSON_C_TO_STRING_PRETTY));
	json_object_put(array);
}

static void print_csv(const struct run *runs, int n)
{
	size_t e, nr;
	int i;

	puts("policy,hits,accesses,hit_ratio,cache_blocks,block_size,promotions,evictions,rejections,prefetched,slow_bytes,prefetch,prefetch_issued,prefetch_useful,prefetch_precision,prefetch_recall,epoch_slow_bytes");
	for (i = 0; i < n; i++) {
		const struct run *run = &runs[i];
		const struct sim_result *r = &run->r;

		printf("%s,%llu,%llu,%.6f,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%s,%llu,%llu,%.6f,%.6f,",
		       run->policy, (unsigned long long)r->hits,
		       (unsigned long long)r->accesses, ratio_of(r),
		       (unsigned long long)run->cache_blocks,
		       (unsigned long long)run->block_size,
		       (unsigned long long)r->promotions,
		       (unsigned long long)r->evictions,
		       (unsigned long long)r->rejections,
		       (unsigned long long)r->prefetched,
		       (unsigned long long)slow_bytes(run),
		       run->prefetch ? "markov" : "none",
		       (unsigned long long)r->pf_issued,
		       (unsigned long long)r->pf_useful, precision_of(r),
		       recall_of(r));
		nr = r->nr_epoch_slow;
		if (nr > 1 && !r->epoch_slow[nr - 1])
			nr--;
		for (e = 0; e < nr; e++)
			printf("%s%llu", e ? ";" : "",
			       (unsigned long long)(r->epoch_slow[e] *
						    run->block_size));
		putchar('\n');
	}
}

static void print_table(const struct run *runs, int n)
{
	int i;

	printf("%-8s %12s %12s %9s %12s %10s %12s %12s %12s %16s\n",
	       "policy", "hits", "accesses", "hit_ratio", "cache_blocks",
	       "block_size", "promotions", "evictions", "rejections",
	       "slow_bytes");
	for (i = 0; i < n; i++) {
		const struct run *run = &runs[i];

		printf("%-8s %12llu %12llu %9.4f %12llu %10llu %12llu %12llu %12llu %16llu\n",
		       run->policy, (unsigned long long)run->r.hits,
		       (unsigned long long)run->r.accesses, ratio_of(&run->r),
		       (unsigned long long)run->cache_blocks,
		       (unsigned long long)run->block_size,
		       (unsigned long long)run->r.promotions,
		       (unsigned long long)run->r.evictions,
		       (unsigned long long)run->r.rejections,
		       (unsigned long long)slow_bytes(run));
		if (run->prefetch)
			printf("%-8s prefetch markov: %llu blocks issued, %llu useful, precision %.4f, recall %.4f\n",
			       run->policy,
			       (unsigned long long)run->r.pf_issued,
			       (unsigned long long)run->r.pf_useful,
			       precision_of(&run->r), recall_of(&run->r));
	}
}

static int replay(const struct sim_trace *t, struct run *run,
		  const struct sim_prefetch *pf, bool ref)
{
	if (!strcmp(run->policy, "opt"))
		return sim_replay_opt(t, run->cache_blocks, &run->r);
	if (ref)
		return sim_replay_ref(t, run->policy, run->cache_blocks,
				      &run->r);
	return sim_replay_core(t, aatts_policy_lookup(run->policy),
			       run->cache_blocks, pf, &run->r);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
	double t0, t1;
	struct options o = { 0 };
	struct run runs[MAX_POLICIES];
	struct sim_trace t;
	u64 blocks;
	int i;

	cli_setup("aatts-sim", usage);
	parse_options(argc, argv, &o);
	t0 = now();
	if (sim_trace_load(o.trace, o.block_size, &t))
		return 1;
	if (o.timing)
		fprintf(stderr, "timing: load %.3f s, %llu records, %llu read block accesses, %llu distinct blocks\n",
			now() - t0, (unsigned long long)t.nr_rec,
			(unsigned long long)t.nr_reads,
			(unsigned long long)t.nr_blocks);
	if (!o.pf.entries)
		o.pf.entries = t.nr_blocks < 1 << 22 ? t.nr_blocks : 1 << 22;
	blocks = o.ratio ? blocks_of_ratio(t.nr_read_blocks, o.ratio) :
			   o.cache_blocks;
	if (!blocks || blocks > UINT32_MAX) {
		fprintf(stderr, "aatts-sim: a cache of %llu blocks (%llu distinct blocks read) cannot be simulated\n",
			(unsigned long long)blocks,
			(unsigned long long)t.nr_read_blocks);
		sim_trace_free(&t);
		return 2;
	}
	for (i = 0; i < o.nr_policies; i++) {
		runs[i] = (struct run) {
			.policy = o.policy[i],
			.cache_blocks = blocks,
			.block_size = o.block_size,
			.prefetch = o.pf.markov && strcmp(o.policy[i], "opt"),
		};
		t1 = now();
		if (replay(&t, &runs[i], runs[i].prefetch ? &o.pf : NULL,
			   o.ref)) {
			sim_trace_free(&t);
			return 1;
		}
		if (o.timing) {
			double dt = now() - t1;

			fprintf(stderr, "timing: %s %.3f s, %.0f read block accesses/s\n",
				runs[i].policy, dt,
				dt > 0 ? t.nr_reads / dt : 0.0);
		}
	}
	sim_trace_free(&t);
	if (o.json)
		print_json(runs, o.nr_policies);
	else if (o.csv)
		print_csv(runs, o.nr_policies);
	else
		print_table(runs, o.nr_policies);
	for (i = 0; i < o.nr_policies; i++)
		sim_result_free(&runs[i].r);
	return 0;
}
