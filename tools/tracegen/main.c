// SPDX-License-Identifier: GPL-2.0-only
/*
 * aatts-tracegen: seeded synthetic workloads in trace format v1
 * (Documentation/design/policies.rst), written to stdout.  The same
 * arguments give the same bytes: one xorshift64* stream seeded from
 * --seed drives every choice; the sizes, weights and Zipf tables also go
 * through libm (exp, log, pow), so another libm could round a value
 * differently (Documentation/tools.rst).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

typedef uint64_t u64;

static const char usage[] =
"usage: aatts-tracegen KIND [--seed N] [--blocks N] [--accesses N]\n"
"                      [--block-size BYTES] [--epochs N] [--sample-size BYTES]\n"
"                      [--jobs N] [--alpha A] [--shard N]\n"
"\n"
"Writes a seeded synthetic trace (format v1) to stdout; the same arguments\n"
"give the same bytes.  The data set is BLOCKS blocks of BLOCK-SIZE bytes\n"
"(default 10000 x 4096).  ACCESSES (default 10 * BLOCKS) bounds the read\n"
"records of the kinds without epochs; the epoch kinds write EPOCHS epochs\n"
"(default 10).\n"
"\n"
"KIND (what it models):\n"
"  seq        4 interleaved sequential readers (128 KiB reads, log scans,\n"
"             file copies); each jumps to a random place after 256 reads\n"
"  cyclic     the whole data set read in the same order again and again\n"
"             (a loop larger than the cache: lru's worst case)\n"
"  random     uniform random block reads\n"
"  zipf       Zipf(ALPHA, default 0.9) block reads, ranks scattered over\n"
"             the data set (a skewed hot set, key-value or page cache)\n"
"  burst      re-references come in bursts: 32 active extents of 1-16\n"
"             blocks, chosen Zipf(ALPHA); each read 1-8 times, interleaved\n"
"             with the others, then retired\n"
"  scan       a hot set of BLOCKS/20 blocks read at random, each hot read\n"
"             followed by two reads of a sequential scan of the rest\n"
"             (the scan must not flush the hot set)\n"
"  perm       file-per-sample training: samples of lognormal size (median\n"
"             SAMPLE-SIZE, default 110 KiB, like ImageNet JPEGs) stored one\n"
"             after the other on 4 KiB boundaries; every epoch reads each\n"
"             sample once, whole, in a fresh random order; E per epoch\n"
"  listed     perm after a listing of the data set: the first BLOCKS/8\n"
"             blocks are its index (inode tables, directories), read once\n"
"             in order, 8 at a time, with a quarter of the reads followed by\n"
"             a re-read of one of the 8, before the first epoch\n"
"  importance importance-sampled epochs (iCache, SHADE): the perm layout;\n"
"             each sample has a loss-derived weight that drifts every epoch;\n"
"             an epoch opens with I records (score = weight) and E, then\n"
"             draws as many samples as there are, with replacement, in\n"
"             proportion to the weights\n"
"  model      layer-sequential model loading: 4 model variants (files of\n"
"             24-96 layers, lognormal sizes, together 7/8 of the data set);\n"
"             each load picks a variant (Zipf) and reads its layers in\n"
"             order; 2% of layers are skipped and 5% of reads are noise\n"
"             elsewhere in the data set (orders that repeat: Markov)\n"
"  multijob   JOBS (default 3) jobs train on one shared perm data set,\n"
"             each with its own per-epoch order, interleaved at random\n"
"             (Quiver, CoorDL's hyper-parameter search); E when job 0\n"
"             ends an epoch\n"
"  shards     sharded training data (TFRecord, WebDataset): shards of\n"
"             SHARD blocks (--shard, default 256); every epoch 4 loader\n"
"             workers take the shards in a fresh random order, each\n"
"             reading its shard sequentially in 64 KiB reads, the\n"
"             workers interleaved; E per epoch\n"
"  shift      a moving working set: BLOCKS/10 hot blocks read at random\n"
"             (90% of reads, the rest uniform); every BLOCKS reads the\n"
"             hot set slides by a quarter of its size\n";

enum { O_SEED = 256, O_BLOCKS, O_ACCESSES, O_BS, O_EPOCHS, O_SAMPLE, O_JOBS,
	O_ALPHA, O_SHARD };

static struct {
	u64 seed, blocks, accesses, bs, epochs, sample, jobs;
	double alpha;
	u64 shard;
} opt = { 1, 10000, 0, 4096, 10, 110 * 1024, 3, 0.9, 256 };

static u64 state;

/* xorshift64*: small, fast and the same everywhere. */
static u64 rnd(void)
{
	state ^= state >> 12;
	state ^= state << 25;
	state ^= state >> 27;
	return state * 0x2545f4914f6cdd1dULL;
}

/* Uniform in [0, n), without modulo bias worth speaking of (n < 2^40). */
static u64 below(u64 n)
{
	return (u64)(((unsigned __int128)rnd() * n) >> 64);
}

static double uniform(void)
{
	return (rnd() >> 11) * (1.0 / 9007199254740992.0);
}

/* A standard normal deviate (Box-Muller, one of the pair). */
static double normal(void)
{
	double u = uniform(), v = uniform();

	return sqrt(-2 * log(1 - u)) * cos(2 * M_PI * v);
}

static void *xcalloc(u64 n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (!p) {
		perror("aatts-tracegen");
		exit(1);
	}
	return p;
}

static void emit(char op, u64 off, u64 len)
{
	printf("%c %llu %llu\n", op, (unsigned long long)off,
	       (unsigned long long)len);
}

static void read_blocks(u64 b, u64 n)
{
	emit('R', b * opt.bs, n * opt.bs);
}

/* Index of the first cumulative weight above u * total. */
static u64 draw(const double *cdf, u64 n)
{
	double u = uniform() * cdf[n - 1];
	u64 lo = 0, hi = n - 1;

	while (lo < hi) {
		u64 mid = lo + (hi - lo) / 2;

		if (cdf[mid] <= u)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static double *zipf_cdf(u64 n, double alpha)
{
	double *cdf = xcalloc(n, sizeof(*cdf)), sum = 0;
	u64 i;

	for (i = 0; i < n; i++)
		cdf[i] = sum += 1.0 / pow(i + 1, alpha);
	return cdf;
}

/* Scatters rank r over n blocks (a bijection when n is not a multiple). */
static u64 scatter(u64 r, u64 n)
{
	return (u64)(((unsigned __int128)r * 2654435761ULL) % n);
}

static void shuffle(u64 *a, u64 n)
{
	u64 i, j, t;

	for (i = n; i > 1; i--) {
		j = below(i);
		t = a[i - 1];
		a[i - 1] = a[j];
		a[j] = t;
	}
}

static void gen_seq(void)
{
	enum { STREAMS = 4, RUN = 256 };
	u64 io = (128 * 1024 + opt.bs - 1) / opt.bs, pos[STREAMS], left[STREAMS];
	u64 n, s;

	if (io > opt.blocks)
		io = opt.blocks;
	for (s = 0; s < STREAMS; s++)
		left[s] = 0;
	for (n = 0; n < opt.accesses; n++) {
		s = below(STREAMS);
		if (!left[s]) {
			pos[s] = below(opt.blocks / io) * io;
			left[s] = RUN;
		}
		read_blocks(pos[s], io);
		pos[s] = pos[s] + 2 * io > opt.blocks ? 0 : pos[s] + io;
		left[s]--;
	}
}

static void gen_cyclic(void)
{
	u64 n;

	for (n = 0; n < opt.accesses; n++)
		read_blocks(n % opt.blocks, 1);
}

static void gen_random(void)
{
	u64 n;

	for (n = 0; n < opt.accesses; n++)
		read_blocks(below(opt.blocks), 1);
}

static void gen_zipf(void)
{
	double *cdf = zipf_cdf(opt.blocks, opt.alpha);
	u64 n;

	for (n = 0; n < opt.accesses; n++)
		read_blocks(scatter(draw(cdf, opt.blocks), opt.blocks), 1);
	free(cdf);
}

static void gen_burst(void)
{
	enum { ACTIVE = 32 };
	u64 extents = (opt.blocks + 15) / 16;
	double *cdf = zipf_cdf(extents, opt.alpha);
	u64 first[ACTIVE], len[ACTIVE], left[ACTIVE] = { 0 }, n, a;

	for (n = 0; n < opt.accesses; n++) {
		a = below(ACTIVE);
		if (!left[a]) {
			first[a] = scatter(draw(cdf, extents), extents) * 16;
			len[a] = 1 + below(16);
			if (first[a] + len[a] > opt.blocks)
				len[a] = opt.blocks - first[a];
			left[a] = 1 + below(8);
		}
		read_blocks(first[a], len[a]);
		left[a]--;
	}
	free(cdf);
}

static void gen_scan(void)
{
	u64 hot = opt.blocks / 20, cursor = 0, n;

	for (n = 0; n + 3 <= opt.accesses; n += 3) {
		read_blocks(below(hot), 1);
		read_blocks(hot + cursor++ % (opt.blocks - hot), 1);
		read_blocks(hot + cursor++ % (opt.blocks - hot), 1);
	}
}

/* The file-per-sample layout: byte offset and size of every sample. */
struct samples {
	u64 n;
	u64 *off;
	u64 *len;
};

/* Lognormal sizes (sigma 0.5) around median, 4 KiB aligned, filling the
 * data set. */
/* Samples of lognormal size (median bytes), one after the other from at. */
static void layout_from(struct samples *s, u64 median, u64 at)
{
	u64 total = opt.blocks * opt.bs, cap = total / 4096 + 1, len;

	s->off = xcalloc(cap, sizeof(*s->off));
	s->len = xcalloc(cap, sizeof(*s->len));
	for (s->n = 0; s->n < cap; s->n++) {
		len = (u64)(median * exp(0.5 * normal()));
		len = len < 512 ? 512 : len;
		if (at + len > total)
			break;
		s->off[s->n] = at;
		s->len[s->n] = len;
		at = (at + len + 4095) / 4096 * 4096;
	}
	if (!s->n) {
		fprintf(stderr, "aatts-tracegen: the data set holds no sample of %llu bytes\n",
			(unsigned long long)median);
		exit(2);
	}
}

static void layout(struct samples *s, u64 median)
{
	layout_from(s, median, 0);
}

static void free_samples(struct samples *s)
{
	free(s->off);
	free(s->len);
}

static u64 *identity(u64 n)
{
	u64 *a = xcalloc(n, sizeof(*a)), i;

	for (i = 0; i < n; i++)
		a[i] = i;
	return a;
}

/* EPOCHS epochs over the samples, each in a fresh random order, then E. */
static void perm_epochs(const struct samples *s)
{
	u64 *order = identity(s->n), e, i;

	for (e = 0; e < opt.epochs; e++) {
		shuffle(order, s->n);
		for (i = 0; i < s->n; i++)
			emit('R', s->off[order[i]], s->len[order[i]]);
		puts("E");
	}
	free(order);
}

static void gen_perm(void)
{
	struct samples s;

	layout(&s, opt.sample);
	perm_epochs(&s);
	free_samples(&s);
}

/*
 * perm's epochs after a listing of the data set.  The first BLOCKS/8
 * blocks hold its index (a file system's inode tables and directories);
 * before the first epoch the loader lists the data set, reading the index
 * in order, 8 blocks at a time (inode table read-ahead), and after a
 * quarter of those reads one of the 8 blocks again.  The index is never
 * read again: the kernel keeps the inodes.
 */
static void gen_listed(void)
{
	u64 index = opt.blocks / 8, b, n;
	struct samples s;

	for (b = 0; b < index; b += n) {
		n = index - b < 8 ? index - b : 8;
		read_blocks(b, n);
		if (!below(4))
			read_blocks(b + below(n), 1);
	}
	layout_from(&s, opt.sample, index * opt.bs);
	perm_epochs(&s);
	free_samples(&s);
}

static void gen_importance(void)
{
	struct samples s;
	double *w, *cdf;
	u64 e, i;

	layout(&s, opt.sample);
	w = xcalloc(s.n, sizeof(*w));
	cdf = xcalloc(s.n, sizeof(*cdf));
	/* Loss-derived weights spread over a factor e^3 (about 20). */
	for (i = 0; i < s.n; i++)
		w[i] = exp(3 * uniform());
	for (e = 0; e < opt.epochs; e++) {
		double sum = 0;

		for (i = 0; i < s.n; i++) {
			/* Drift: losses change as the model learns. */
			w[i] *= exp(0.4 * (uniform() - 0.5));
			if (w[i] > 1e6)
				w[i] = 1e6;
			cdf[i] = sum += w[i];
			printf("I %llu %llu %llu\n",
			       (unsigned long long)s.off[i],
			       (unsigned long long)s.len[i],
			       (unsigned long long)(w[i] * 1000) + 1);
		}
		puts("E");
		for (i = 0; i < s.n; i++) {
			u64 k = draw(cdf, s.n);

			emit('R', s.off[k], s.len[k]);
		}
	}
	free(w);
	free(cdf);
	free_samples(&s);
}

static void gen_model(void)
{
	enum { VARIANTS = 4 };
	struct samples s;
	u64 layers[VARIANTS], first[VARIANTS + 1], total = 0, v, i, n = 0;
	double *cdf = zipf_cdf(VARIANTS, 1.0);

	/* 24-96 layers per variant, sized so that all variants fit. */
	for (v = 0; v < VARIANTS; v++)
		total += layers[v] = 24 + below(73);
	layout(&s, opt.blocks * opt.bs / total * 7 / 8);
	first[0] = 0;
	for (v = 0; v < VARIANTS; v++)
		first[v + 1] = first[v] + layers[v] > s.n ? s.n :
			       first[v] + layers[v];
	while (n < opt.accesses) {
		v = draw(cdf, VARIANTS);
		for (i = first[v]; i < first[v + 1] && n < opt.accesses; i++) {
			if (below(100) < 2)
				continue;
			if (below(100) < 5) {
				read_blocks(below(opt.blocks), 1);
				n++;
			}
			emit('R', s.off[i], s.len[i]);
			n++;
		}
		puts("E");
	}
	free(cdf);
	free_samples(&s);
}

static void gen_multijob(void)
{
	struct samples s;
	u64 **order, *pos, *epoch, j, total;

	layout(&s, opt.sample);
	order = xcalloc(opt.jobs, sizeof(*order));
	pos = xcalloc(opt.jobs, sizeof(*pos));
	epoch = xcalloc(opt.jobs, sizeof(*epoch));
	for (j = 0; j < opt.jobs; j++) {
		order[j] = identity(s.n);
		shuffle(order[j], s.n);
	}
	/* Until job 0 has done its epochs; the others run at their pace. */
	for (total = 0; epoch[0] < opt.epochs; total++) {
		j = below(opt.jobs);
		emit('R', s.off[order[j][pos[j]]], s.len[order[j][pos[j]]]);
		if (++pos[j] == s.n) {
			pos[j] = 0;
			shuffle(order[j], s.n);
			epoch[j]++;
			if (j == 0)
				puts("E");
		}
	}
	for (j = 0; j < opt.jobs; j++)
		free(order[j]);
	free(order);
	free(pos);
	free(epoch);
	free_samples(&s);
}

static void gen_shards(void)
{
	enum { WORKERS = 4 };
	u64 nr = (opt.blocks + opt.shard - 1) / opt.shard, *order = identity(nr);
	u64 io = (64 * 1024 + opt.bs - 1) / opt.bs, next, e, w, busy;
	u64 pos[WORKERS], end[WORKERS];

	for (e = 0; e < opt.epochs; e++) {
		shuffle(order, nr);
		next = 0;
		busy = 0;
		for (w = 0; w < WORKERS; w++)
			pos[w] = end[w] = 0;
		for (;;) {
			/* Idle workers take the next shard. */
			for (w = 0; w < WORKERS; w++) {
				if (pos[w] < end[w] || next == nr)
					continue;
				pos[w] = order[next++] * opt.shard;
				end[w] = pos[w] + opt.shard > opt.blocks ?
					 opt.blocks : pos[w] + opt.shard;
				busy++;
			}
			if (!busy)
				break;
			do {
				w = below(WORKERS);
			} while (pos[w] >= end[w]);
			read_blocks(pos[w], pos[w] + io > end[w] ?
				    end[w] - pos[w] : io);
			pos[w] += io;
			if (pos[w] >= end[w])
				busy--;
		}
		puts("E");
	}
	free(order);
}

static void gen_shift(void)
{
	u64 hot = opt.blocks / 10, base = 0, n;

	for (n = 0; n < opt.accesses; n++) {
		if (n && !(n % opt.blocks))
			base = (base + hot / 4) % opt.blocks;
		if (below(10))
			read_blocks((base + below(hot)) % opt.blocks, 1);
		else
			read_blocks(below(opt.blocks), 1);
	}
}

static const struct {
	const char *name;
	void (*gen)(void);
} kinds[] = {
	{ "seq", gen_seq }, { "cyclic", gen_cyclic }, { "random", gen_random },
	{ "zipf", gen_zipf }, { "burst", gen_burst }, { "scan", gen_scan },
	{ "perm", gen_perm }, { "listed", gen_listed },
	{ "importance", gen_importance },
	{ "model", gen_model }, { "multijob", gen_multijob },
	{ "shards", gen_shards }, { "shift", gen_shift },
};

static u64 count(const char *s, const char *name)
{
	return cli_count(s, name, 1ULL << 40);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "seed", required_argument, NULL, O_SEED },
		{ "blocks", required_argument, NULL, O_BLOCKS },
		{ "accesses", required_argument, NULL, O_ACCESSES },
		{ "block-size", required_argument, NULL, O_BS },
		{ "epochs", required_argument, NULL, O_EPOCHS },
		{ "sample-size", required_argument, NULL, O_SAMPLE },
		{ "jobs", required_argument, NULL, O_JOBS },
		{ "alpha", required_argument, NULL, O_ALPHA },
		{ "shard", required_argument, NULL, O_SHARD },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	static char buf[1 << 20];
	const char *kind;
	char *end;
	size_t k;
	int o, i;

	cli_setup("aatts-tracegen", usage);
	opterr = 0;
	while ((o = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (o) {
		case O_SEED:
			errno = 0;
			opt.seed = strtoull(optarg, &end, 10);
			if (errno || end == optarg || *end || *optarg == '-')
				usage_error("--seed needs an integer");
			break;
		case O_BLOCKS: opt.blocks = count(optarg, "--blocks"); break;
		case O_ACCESSES:
			opt.accesses = count(optarg, "--accesses");
			break;
		case O_BS: opt.bs = count(optarg, "--block-size"); break;
		case O_EPOCHS: opt.epochs = count(optarg, "--epochs"); break;
		case O_SAMPLE:
			opt.sample = count(optarg, "--sample-size");
			break;
		case O_JOBS: opt.jobs = count(optarg, "--jobs"); break;
		case O_ALPHA:
			opt.alpha = strtod(optarg, &end);
			if (end == optarg || *end || !(opt.alpha > 0) ||
			    opt.alpha > 10)
				usage_error("--alpha needs a number in (0, 10]");
			break;
		case O_SHARD: opt.shard = count(optarg, "--shard"); break;
		case 'h': fputs(usage, stdout); return 0;
		default: usage_error("bad option '%s'", argv[optind - 1]);
		}
	}
	if (optind + 1 != argc)
		usage_error("give one KIND");
	if (opt.blocks < 40)
		usage_error("--blocks must be at least 40");
	if (!opt.accesses)
		opt.accesses = 10 * opt.blocks;
	kind = argv[optind];
	state = opt.seed * 0x9e3779b97f4a7c15ULL + 1;
	setvbuf(stdout, buf, _IOFBF, sizeof(buf));
	for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		if (strcmp(kind, kinds[k].name))
			continue;
		printf("# aatts-tracegen");
		for (i = 1; i < argc; i++)
			printf(" %s", argv[i]);
		putchar('\n');
		kinds[k].gen();
		if (fflush(stdout) || ferror(stdout)) {
			perror("aatts-tracegen: stdout");
			return 1;
		}
		return 0;
	}
	usage_error("unknown kind '%s'", kind);
}
