// SPDX-License-Identifier: GPL-2.0-only
/*
 * aattsctl residency NAME FILE...: per file, how many of its bytes and of
 * the cache blocks it touches have a valid copy on the fast tier
 * (RESIDENCY_GET dumps over the blocks of the file's extents).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <json.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "ctl.h"

static const char usage[] =
"usage: aattsctl residency NAME [--json] FILE...\n"
"  Per file: bytes of its extents on the fast tier / all of them, and\n"
"  cache blocks it touches that are resident / all of them.\n";

/* The blocks first..first+nr-1 and whether each is resident. */
struct interval {
	uint64_t first;
	uint64_t nr;
	uint64_t *bits;
};

static int by_offset(const void *a, const void *b)
{
	const struct aatts_range *x = a, *y = b;

	return x->off < y->off ? -1 : x->off > y->off;
}

static int got_fragment(struct nlattr **tb, uint8_t cmd, void *arg)
{
	struct interval *iv = arg;

	(void)cmd;
	return aatts_residency_mark(tb, iv->first, iv->nr, iv->bits);
}

static int query(struct aatts_nl *nl, const struct aatts_dev *d,
		 struct interval *iv)
{
	uint64_t off = iv->first * d->block_size;
	uint64_t end = (iv->first + iv->nr) * d->block_size;
	struct aatts_range r = { .off = off };
	struct nl_msg *msg;

	if (end > d->size)
		end = d->size;
	r.len = end - off;
	iv->bits = calloc((iv->nr + 63) / 64, sizeof(uint64_t));
	if (!iv->bits)
		return err("out of memory");
	msg = aatts_nl_request(nl, AATTS_CMD_RESIDENCY_GET, NLM_F_DUMP, 0);
	if (!msg || aatts_nl_put_dev(msg, d->name) ||
	    aatts_nl_put_ranges(msg, &r, 1, false, false, 0)) {
		nlmsg_free(msg);
		return err("out of memory");
	}
	if (aatts_nl_exchange(nl, msg, got_fragment, iv))
		return ctl_nl_error(nl, d->name);
	return 0;
}

static bool resident(const struct interval *iv, size_t niv, size_t *at,
		     uint64_t b)
{
	while (*at < niv && iv[*at].first + iv[*at].nr <= b)
		(*at)++;
	if (*at == niv || b < iv[*at].first)
		return false;
	b -= iv[*at].first;
	return iv[*at].bits[b / 64] >> (b % 64) & 1;
}

struct result {
	uint64_t bytes, resident_bytes, blocks, resident_blocks;
};

static int file_residency(struct aatts_nl *nl, const struct aatts_dev *d,
			  const char *path, struct result *res)
{
	struct interval *iv = NULL;
	struct rangev rv = { 0 };
	size_t niv = 0, i, at = 0;
	uint64_t bs = d->block_size, b, bytes;
	int r;

	memset(res, 0, sizeof(*res));
	r = file_ranges(path, d, 0, &rv, &bytes);
	if (r)
		goto out;
	res->bytes = bytes;
	qsort(rv.v, rv.nr, sizeof(*rv.v), by_offset);
	iv = calloc(rv.nr ? rv.nr : 1, sizeof(*iv));
	if (!iv) {
		r = err("out of memory");
		goto out;
	}
	for (i = 0; i < rv.nr; i++) {
		uint64_t first = rv.v[i].off / bs;
		uint64_t last = (rv.v[i].off + rv.v[i].len - 1) / bs;

		if (niv && first <= iv[niv - 1].first + iv[niv - 1].nr) {
			struct interval *p = &iv[niv - 1];

			if (last + 1 > p->first + p->nr)
				p->nr = last + 1 - p->first;
		} else {
			iv[niv++] = (struct interval){ .first = first,
						      .nr = last - first + 1 };
		}
	}
	for (i = 0; i < niv && !r; i++) {
		r = query(nl, d, &iv[i]);
		res->blocks += iv[i].nr;
		for (b = 0; b < iv[i].nr; b++)
			if (iv[i].bits && iv[i].bits[b / 64] >> (b % 64) & 1)
				res->resident_blocks++;
	}
	for (i = 0; i < rv.nr && !r; i++) {
		uint64_t off = rv.v[i].off, end = off + rv.v[i].len;

		for (b = off / bs; b * bs < end; b++) {
			uint64_t lo = b * bs > off ? b * bs : off;
			uint64_t hi = (b + 1) * bs < end ? (b + 1) * bs : end;

			if (resident(iv, niv, &at, b))
				res->resident_bytes += hi - lo;
		}
	}
out:
	for (i = 0; i < niv; i++)
		free(iv[i].bits);
	free(iv);
	rangev_free(&rv);
	return r;
}

int cmd_residency(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct json_object *a = NULL;
	struct table *t = NULL;
	const char *name;
	struct aatts_dev d;
	struct result res;
	struct aatts_nl nl;
	bool json = false;
	int c, i, r;

	while ((c = getopt_long(argc, argv, ":hj", opts, NULL)) != -1) {
		if (c == 'h')
			return help(usage);
		if (c != 'j')
			return option_error(usage, c, argv);
		json = true;
	}
	if (argc - optind < 2)
		return usage_error(usage, optind == argc ? "NAME missing" :
				   "no FILE given");
	name = argv[optind++];
	r = ctl_nl_open(&nl);
	if (r)
		return r;
	r = dev_get(&nl, name, &d);
	if (r)
		goto out;
	if (!d.block_size) {
		r = err("%s: the kernel's reply has no block size", name);
		goto out;
	}
	if (json) {
		a = json_object_new_array();
	} else {
		t = table_new(4);
		table_row(t, "FILE", "RESIDENT/BYTES", "RESIDENT/BLOCKS", "%");
	}
	for (i = optind; i < argc; i++) {
		char bytes[64], blocks[64], pct[16];

		r = file_residency(&nl, &d, argv[i], &res);
		if (r)
			break;
		if (json) {
			struct json_object *o = json_object_new_object();

			json_object_object_add(o, "file",
					       json_object_new_string(argv[i]));
			json_object_object_add(o, "bytes",
					       json_object_new_uint64(res.bytes));
			json_object_object_add(o, "resident_bytes",
					       json_object_new_uint64(res.resident_bytes));
			json_object_object_add(o, "blocks",
					       json_object_new_uint64(res.blocks));
			json_object_object_add(o, "resident_blocks",
					       json_object_new_uint64(res.resident_blocks));
			json_object_array_add(a, o);
			continue;
		}
		snprintf(bytes, sizeof(bytes), "%" PRIu64 "/%" PRIu64,
			 res.resident_bytes, res.bytes);
		snprintf(blocks, sizeof(blocks), "%" PRIu64 "/%" PRIu64,
			 res.resident_blocks, res.blocks);
		snprintf(pct, sizeof(pct), "%.1f",
			 res.bytes ? 100.0 * res.resident_bytes / res.bytes : 100.0);
		table_row(t, argv[i], bytes, blocks, pct);
	}
	if (!r && json)
		json_print(a, true);
	else if (!r)
		table_print(t, stdout, 0);
	else if (a)
		json_object_put(a);
	table_free(t);
out:
	aatts_nl_close(&nl);
	return r;
}
