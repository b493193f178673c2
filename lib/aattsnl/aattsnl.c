// SPDX-License-Identifier: GPL-2.0-only
/*
 * aattsnl: the generic netlink socket (libnl-genl-3), requests, replies,
 * dumps, extended ACK messages, events and the device attributes, for
 * aattsctl and aattsd.  See aattsnl.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netlink.h>

#include <netlink/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>

#include "aattsnl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

const char *const aatts_stat_names[AATTS_STAT_A_MAX + 1] = {
	[AATTS_STAT_A_READ_HITS] = "read_hits",
	[AATTS_STAT_A_READ_MISSES] = "read_misses",
	[AATTS_STAT_A_WRITE_HITS] = "write_hits",
	[AATTS_STAT_A_WRITE_MISSES] = "write_misses",
	[AATTS_STAT_A_PROMOTIONS] = "promotions",
	[AATTS_STAT_A_PROMOTIONS_FAILED] = "promotions_failed",
	[AATTS_STAT_A_PROMOTIONS_DROPPED] = "promotions_dropped",
	[AATTS_STAT_A_REJECTIONS] = "rejections",
	[AATTS_STAT_A_DEMOTIONS] = "demotions",
	[AATTS_STAT_A_EVICTIONS] = "evictions",
	[AATTS_STAT_A_INVALIDATIONS] = "invalidations",
	[AATTS_STAT_A_MIGRATED_BYTES] = "migrated_bytes",
	[AATTS_STAT_A_INFLIGHT_MIGRATIONS] = "inflight_migrations",
	[AATTS_STAT_A_QUEUED_MIGRATIONS] = "queued_migrations",
	[AATTS_STAT_A_FAST_BLOCKS_USED] = "fast_blocks_used",
	[AATTS_STAT_A_FAST_BLOCKS_TOTAL] = "fast_blocks_total",
	[AATTS_STAT_A_PINNED_BLOCKS] = "pinned_blocks",
	[AATTS_STAT_A_FAST_ERRORS] = "fast_errors",
	[AATTS_STAT_A_SLOW_ERRORS] = "slow_errors",
	[AATTS_STAT_A_HINTS] = "hints",
	[AATTS_STAT_A_EPOCHS] = "epochs",
	[AATTS_STAT_A_BYTES_PER_SLOT] = "bytes_per_slot",
	[AATTS_STAT_A_PROMOTIONS_FILLED] = "promotions_filled",
	[AATTS_STAT_A_MIGRATION_COPIES] = "migration_copies",
	[AATTS_STAT_A_DEAD_EVICTIONS] = "dead_evictions",
	[AATTS_STAT_A_READ_FILLING] = "read_filling",
};

const char *const aatts_param_names[AATTS_PARAMS_A_MAX + 1] = {
	[AATTS_PARAMS_A_MIGRATION_INFLIGHT] = "migration_inflight",
	[AATTS_PARAMS_A_MIGRATION_BANDWIDTH] = "migration_bandwidth",
	[AATTS_PARAMS_A_ERROR_THRESHOLD] = "error_threshold",
	[AATTS_PARAMS_A_STATS_INTERVAL] = "stats_interval",
};

static int nl_errno(int nle)
{
	switch (nle) {
	case -NLE_PERM:
		return -EPERM;
	case -NLE_NOMEM:
		return -ENOBUFS;
	case -NLE_AGAIN:
		return -EAGAIN;
	case -NLE_OBJ_NOTFOUND:
		return -ENOENT;
	default:
		return -EIO;
	}
}

int aatts_nl_open(struct aatts_nl *nl)
{
	int one = 1, r;

	memset(nl, 0, sizeof(*nl));
	nl->sk = nl_socket_alloc();
	if (!nl->sk) {
		snprintf(nl->extack, sizeof(nl->extack), "out of memory");
		return -ENOMEM;
	}
	r = genl_connect(nl->sk);
	if (r < 0) {
		snprintf(nl->extack, sizeof(nl->extack),
			 "generic netlink socket: %s", nl_geterror(r));
		r = nl_errno(r);
		goto fail;
	}
	/* Batches of AATTS_RANGES_MAX ranges are ~200 KiB. */
	nl_socket_set_buffer_size(nl->sk, 1 << 20, 1 << 20);
	nl_socket_enable_msg_peek(nl->sk);
	setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_EXT_ACK,
		   &one, sizeof(one));
	setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_CAP_ACK,
		   &one, sizeof(one));
	nl->family = genl_ctrl_resolve(nl->sk, AATTS_GENL_NAME);
	if (nl->family < 0) {
		snprintf(nl->extack, sizeof(nl->extack),
			 "generic netlink family '%s' not found: is aatts.ko loaded? (%s)",
			 AATTS_GENL_NAME, nl_geterror(nl->family));
		r = -ENOENT;
		goto fail;
	}
	return 0;
fail:
	nl_socket_free(nl->sk);
	nl->sk = NULL;
	return r;
}

void aatts_nl_close(struct aatts_nl *nl)
{
	if (nl->sk)
		nl_socket_free(nl->sk);
	nl->sk = NULL;
}

int aatts_nl_fd(const struct aatts_nl *nl)
{
	return nl_socket_get_fd(nl->sk);
}

struct nl_msg *aatts_nl_request(struct aatts_nl *nl, uint8_t cmd, int flags,
			  size_t payload)
{
	struct nl_msg *msg = nlmsg_alloc_size(payload + 4096);

	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family, 0, flags,
			 cmd, AATTS_GENL_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

struct xfer {
	struct aatts_nl *nl;
	aatts_nl_fn fn;
	void *arg;
	bool done;
};

/* The NLMSGERR_ATTR_MSG among the TLVs at p, len bytes. */
static void extack_parse(struct aatts_nl *nl, void *p, int len)
{
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	struct nlattr *m;

	if (len <= 0 || nla_parse(tb, NLMSGERR_ATTR_MAX, p, len, NULL) < 0)
		return;
	if (tb[NLMSGERR_ATTR_OFFS] && nla_len(tb[NLMSGERR_ATTR_OFFS]) == 4)
		nl->bad_off = nla_get_u32(tb[NLMSGERR_ATTR_OFFS]);
	m = tb[NLMSGERR_ATTR_MSG];
	if (!m || !nla_len(m))
		return;
	snprintf(nl->extack, sizeof(nl->extack), "%.*s", nla_len(m),
		 (char *)nla_data(m));
	nl->extack[strcspn(nl->extack, "\n")] = '\0';
}

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct xfer *x = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct nlattr *tb[AATTS_DEV_A_MAX + 1];
	int r;

	if (genlmsg_parse(nlh, 0, tb, AATTS_DEV_A_MAX, NULL) < 0) {
		x->nl->error = -EPROTO;
		x->done = true;
		return NL_STOP;
	}
	if (x->fn) {
		r = x->fn(tb, genlmsg_hdr(nlh)->cmd, x->arg);
		if (r) {	/* > 0: stop without an error */
			if (r < 0)
				x->nl->error = r;
			x->done = true;
			return NL_STOP;
		}
	}
	return NL_OK;
}

static int on_error(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	struct xfer *x = arg;
	struct nlmsghdr *nlh = (void *)((char *)e - NLMSG_HDRLEN);
	int off = sizeof(*e);

	(void)who;
	x->nl->error = e->error;
	x->done = true;
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			off += e->msg.nlmsg_len - NLMSG_HDRLEN;
		extack_parse(x->nl, (char *)e + off,
			     (int)nlh->nlmsg_len - NLMSG_HDRLEN - off);
	}
	return NL_STOP;
}

static int on_ack(struct nl_msg *msg, void *arg)
{
	struct xfer *x = arg;

	(void)msg;
	x->done = true;
	return NL_STOP;
}

/* NLMSG_DONE of a dump: an int, the dump's error, then maybe TLVs. */
static int on_finish(struct nl_msg *msg, void *arg)
{
	struct xfer *x = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	int e;

	x->done = true;
	if (nlmsg_datalen(nlh) < (int)sizeof(e))
		return NL_STOP;
	memcpy(&e, nlmsg_data(nlh), sizeof(e));
	if (e < 0) {
		x->nl->error = e;
		if (nlh->nlmsg_flags & NLM_F_ACK_TLVS)
			extack_parse(x->nl, (char *)nlmsg_data(nlh) + sizeof(e),
				     nlmsg_datalen(nlh) - (int)sizeof(e));
	}
	return NL_STOP;
}

static struct nl_cb *xfer_cb(struct xfer *x)
{
	struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);

	if (!cb)
		return NULL;
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, x);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_ack, x);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, on_finish, x);
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, x);
	return cb;
}

/*
 * The kernel pointed at the attribute at fault (NLMSGERR_ATTR_OFFS, an
 * offset into our request): a policy parameter or a range is named after
 * the message, so that the bad one of many is known.
 */
static void extack_attr(struct aatts_nl *nl, struct nl_msg *msg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	uint8_t cmd = genlmsg_hdr(nlh)->cmd;
	struct nlattr *a, *top, *tb[AATTS_RANGE_A_MAX + 1];
	size_t n = strlen(nl->extack);
	int rem;

	if (!nl->bad_off || !nl->extack[0] ||
	    nl->bad_off + NLA_HDRLEN > nlh->nlmsg_len)
		return;
	a = (struct nlattr *)((char *)nlh + nl->bad_off);
	if (a->nla_len < NLA_HDRLEN ||
	    nl->bad_off + a->nla_len > nlh->nlmsg_len)
		return;
	nla_for_each_attr(top, genlmsg_attrdata(genlmsg_hdr(nlh), 0),
			  genlmsg_attrlen(genlmsg_hdr(nlh), 0), rem)
		if (top == a) {
			if (nla_type(a) == AATTS_DEV_A_POLICY)
				snprintf(nl->extack + n, sizeof(nl->extack) - n,
					 " ('%.*s')", nla_len(a),
					 (char *)nla_data(a));
			return;
		}
	if (cmd == AATTS_CMD_POLICY_SET && nla_type(a) == AATTS_PARAM_A_KV &&
	    !nla_parse_nested(tb, AATTS_KV_A_MAX, a, NULL) &&
	    tb[AATTS_KV_A_KEY] && tb[AATTS_KV_A_VALUE] &&
	    nla_len(tb[AATTS_KV_A_VALUE]) == 8)
		snprintf(nl->extack + n, sizeof(nl->extack) - n,
			 " ('%.*s=%" PRIu64 "')", nla_len(tb[AATTS_KV_A_KEY]),
			 (char *)nla_data(tb[AATTS_KV_A_KEY]),
			 (uint64_t)nla_get_u64(tb[AATTS_KV_A_VALUE]));
	else if (cmd >= AATTS_CMD_HINTS_SET && cmd <= AATTS_CMD_UNPIN &&
		 nla_type(a) == AATTS_RANGES_A_RANGE &&
		 !nla_parse_nested(tb, AATTS_RANGE_A_MAX, a, NULL) &&
		 tb[AATTS_RANGE_A_OFFSET] && tb[AATTS_RANGE_A_LENGTH] &&
		 nla_len(tb[AATTS_RANGE_A_OFFSET]) == 8 &&
		 nla_len(tb[AATTS_RANGE_A_LENGTH]) == 8)
		snprintf(nl->extack + n, sizeof(nl->extack) - n,
			 " (range %" PRIu64 ":%" PRIu64 ")",
			 (uint64_t)nla_get_u64(tb[AATTS_RANGE_A_OFFSET]),
			 (uint64_t)nla_get_u64(tb[AATTS_RANGE_A_LENGTH]));
}

int aatts_nl_exchange(struct aatts_nl *nl, struct nl_msg *msg, aatts_nl_fn fn,
		void *arg)
{
	struct xfer x = { .nl = nl, .fn = fn, .arg = arg };
	struct nl_cb *cb;
	int r;

	nl->error = 0;
	nl->extack[0] = '\0';
	nl->bad_off = 0;
	if (!msg) {
		nl->error = -ENOMEM;
		return nl->error;
	}
	cb = xfer_cb(&x);
	if (!cb) {
		nlmsg_free(msg);
		nl->error = -ENOMEM;
		return nl->error;
	}
	r = nl_send_auto(nl->sk, msg);
	if (r < 0) {
		snprintf(nl->extack, sizeof(nl->extack), "send: %s",
			 nl_geterror(r));
		nl->error = -EIO;
	}
	while (r >= 0 && !x.done) {
		r = nl_recvmsgs(nl->sk, cb);
		if (r < 0 && !x.done) {
			snprintf(nl->extack, sizeof(nl->extack), "receive: %s",
				 nl_geterror(r));
			nl->error = -EIO;
		}
	}
	nl_cb_put(cb);
	if (nl->error)
		extack_attr(nl, msg);
	nlmsg_free(msg);
	return nl->error;
}

int aatts_nl_put_ranges(struct nl_msg *msg, const struct aatts_range *r,
			size_t nr, bool score, bool priority, uint32_t prio)
{
	struct nlattr *ranges, *one;
	size_t i;

	ranges = nla_nest_start(msg, AATTS_DEV_A_RANGES);
	if (!ranges)
		return -EMSGSIZE;
	for (i = 0; i < nr; i++) {
		one = nla_nest_start(msg, AATTS_RANGES_A_RANGE);
		if (!one ||
		    nla_put_u64(msg, AATTS_RANGE_A_OFFSET, r[i].off) ||
		    nla_put_u64(msg, AATTS_RANGE_A_LENGTH, r[i].len) ||
		    (score && nla_put_u32(msg, AATTS_RANGE_A_SCORE,
					  r[i].score)) ||
		    (priority && nla_put_u32(msg, AATTS_RANGE_A_PRIORITY,
					     prio)))
			return -EMSGSIZE;
		nla_nest_end(msg, one);
	}
	nla_nest_end(msg, ranges);
	return 0;
}

int aatts_nl_put_dev(struct nl_msg *msg, const char *name)
{
	return nla_put_string(msg, AATTS_DEV_A_NAME, name) ? -EMSGSIZE : 0;
}

void aatts_devt_split(uint32_t devt, unsigned int *maj, unsigned int *min)
{
	/* new_decode_dev() */
	*maj = (devt & 0xfff00) >> 8;
	*min = (devt & 0xff) | ((devt >> 12) & 0xfff00);
}

void aatts_devt_str(uint32_t devt, char *buf, size_t len)
{
	unsigned int maj, min;

	aatts_devt_split(devt, &maj, &min);
	snprintf(buf, len, "%u:%u", maj, min);
}

static void get_str(struct nlattr *a, char *buf, size_t len)
{
	if (a)
		snprintf(buf, len, "%.*s", nla_len(a), (char *)nla_data(a));
}

static int get_u64(struct nlattr *a, uint64_t *v)
{
	if (nla_len(a) == 8)
		*v = nla_get_u64(a);
	else if (nla_len(a) == 4)
		*v = nla_get_u32(a);
	else
		return -EPROTO;
	return 0;
}

static int kv_parse(struct nlattr *pp, struct aatts_dev *d)
{
	struct nlattr *kv, *tb[AATTS_KV_A_MAX + 1];
	int rem;

	d->nr_kv = 0;
	nla_for_each_nested(kv, pp, rem) {
		if (nla_type(kv) != AATTS_PARAM_A_KV)
			continue;
		if (nla_parse_nested(tb, AATTS_KV_A_MAX, kv, NULL) < 0 ||
		    !tb[AATTS_KV_A_KEY] || !tb[AATTS_KV_A_VALUE])
			return -EPROTO;
		if (d->nr_kv == AATTS_POLICY_PARAMS_MAX)
			return -EPROTO;
		get_str(tb[AATTS_KV_A_KEY], d->kv[d->nr_kv].key,
			sizeof(d->kv[0].key));
		if (get_u64(tb[AATTS_KV_A_VALUE], &d->kv[d->nr_kv].value))
			return -EPROTO;
		d->nr_kv++;
	}
	return 0;
}

static int adapt_parse(struct nlattr *nest, struct aatts_adapt *a)
{
	struct nlattr *tb[AATTS_ADAPT_A_MAX + 1], *st[AATTS_SHADOW_A_MAX + 1];
	struct nlattr *n;
	int rem;

	if (nla_parse_nested(tb, AATTS_ADAPT_A_MAX, nest, NULL) < 0 ||
	    !tb[AATTS_ADAPT_A_MODE])
		return -EPROTO;
	get_str(tb[AATTS_ADAPT_A_MODE], a->mode, sizeof(a->mode));
	if (tb[AATTS_ADAPT_A_WARM])
		a->warm = nla_get_u8(tb[AATTS_ADAPT_A_WARM]);
	if ((tb[AATTS_ADAPT_A_SWITCHES] &&
	     get_u64(tb[AATTS_ADAPT_A_SWITCHES], &a->switches)) ||
	    (tb[AATTS_ADAPT_A_PERIODS] &&
	     get_u64(tb[AATTS_ADAPT_A_PERIODS], &a->periods)) ||
	    (tb[AATTS_ADAPT_A_SHADOW_BYTES] &&
	     get_u64(tb[AATTS_ADAPT_A_SHADOW_BYTES], &a->shadow_bytes)))
		return -EPROTO;
	if (tb[AATTS_ADAPT_A_SHADOW_SLOTS])
		a->shadow_slots = nla_get_u32(tb[AATTS_ADAPT_A_SHADOW_SLOTS]);
	if (tb[AATTS_ADAPT_A_SAMPLED_PPM])
		a->sampled_ppm = nla_get_u32(tb[AATTS_ADAPT_A_SAMPLED_PPM]);
	nla_for_each_nested(n, nest, rem) {
		struct aatts_shadow *sh;

		if (nla_type(n) != AATTS_ADAPT_A_SHADOW)
			continue;
		if (a->nr == sizeof(a->shadow) / sizeof(a->shadow[0]) ||
		    nla_parse_nested(st, AATTS_SHADOW_A_MAX, n, NULL) < 0 ||
		    !st[AATTS_SHADOW_A_NAME] || !st[AATTS_SHADOW_A_RATIO])
			return -EPROTO;
		sh = &a->shadow[a->nr++];
		get_str(st[AATTS_SHADOW_A_NAME], sh->name, sizeof(sh->name));
		sh->ratio = nla_get_u32(st[AATTS_SHADOW_A_RATIO]);
		if (st[AATTS_SHADOW_A_LAST])
			sh->last = nla_get_u32(st[AATTS_SHADOW_A_LAST]);
	}
	return 0;
}

int aatts_dev_parse(struct nlattr **tb, struct aatts_dev *d)
{
	struct nlattr *a, *n;
	uint64_t v;
	int rem;

	memset(d, 0, sizeof(*d));
	get_str(tb[AATTS_DEV_A_NAME], d->name, sizeof(d->name));
	if (tb[AATTS_DEV_A_DEVT])
		d->devt = nla_get_u32(tb[AATTS_DEV_A_DEVT]);
	get_str(tb[AATTS_DEV_A_DISK], d->disk, sizeof(d->disk));
	get_str(tb[AATTS_DEV_A_SLOW], d->slow, sizeof(d->slow));
	get_str(tb[AATTS_DEV_A_FAST], d->fast, sizeof(d->fast));
	if (tb[AATTS_DEV_A_SIZE] && get_u64(tb[AATTS_DEV_A_SIZE], &d->size))
		return -EPROTO;
	if (tb[AATTS_DEV_A_BLOCK_SIZE])
		d->block_size = nla_get_u32(tb[AATTS_DEV_A_BLOCK_SIZE]);
	get_str(tb[AATTS_DEV_A_MODE], d->mode, sizeof(d->mode));
	get_str(tb[AATTS_DEV_A_STATE], d->state, sizeof(d->state));
	get_str(tb[AATTS_DEV_A_POLICY], d->policy, sizeof(d->policy));
	if (tb[AATTS_DEV_A_POLICY_PARAMS] &&
	    kv_parse(tb[AATTS_DEV_A_POLICY_PARAMS], d))
		return -EPROTO;
	a = tb[AATTS_DEV_A_PARAMS];
	if (a) {
		d->has_params = true;
		nla_for_each_nested(n, a, rem) {
			int t = nla_type(n);

			if (t <= 0 || t > AATTS_PARAMS_A_MAX || !aatts_param_names[t])
				continue;
			if (get_u64(n, &v))
				return -EPROTO;
			d->param[t] = v;
		}
	}
	a = tb[AATTS_DEV_A_STATS];
	if (a) {
		d->has_stats = true;
		nla_for_each_nested(n, a, rem) {
			int t = nla_type(n);

			if (t <= 0 || t > AATTS_STAT_A_MAX || !aatts_stat_names[t])
				continue;
			if (get_u64(n, &v))
				return -EPROTO;
			d->stat[t] = v;
			d->has_stat[t] = true;
		}
	}
	if (tb[AATTS_DEV_A_ADAPT]) {
		d->has_adapt = true;
		if (adapt_parse(tb[AATTS_DEV_A_ADAPT], &d->adapt))
			return -EPROTO;
	}
	return 0;
}

static int dev_one(struct nlattr **tb, uint8_t cmd, void *arg)
{
	(void)cmd;
	return aatts_dev_parse(tb, arg);
}

int aatts_nl_dev_get(struct aatts_nl *nl, const char *name,
		     struct aatts_dev *d)
{
	struct nl_msg *msg = aatts_nl_request(nl, AATTS_CMD_DEV_GET, NLM_F_ACK, 0);

	if (msg && aatts_nl_put_dev(msg, name)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	memset(d, 0, sizeof(*d));
	if (aatts_nl_exchange(nl, msg, dev_one, d))
		return nl->error;
	if (!d->name[0]) {
		snprintf(nl->extack, sizeof(nl->extack),
			 "the kernel's reply names no device");
		return nl->error = -EPROTO;
	}
	return 0;
}

struct devlist {
	struct aatts_dev *v;
	size_t nr;
};

static int dev_add(struct nlattr **tb, uint8_t cmd, void *arg)
{
	struct devlist *l = arg;
	struct aatts_dev *v = realloc(l->v, (l->nr + 1) * sizeof(*v));

	(void)cmd;
	if (!v)
		return -ENOMEM;
	l->v = v;
	return aatts_dev_parse(tb, &l->v[l->nr++]);
}

int aatts_nl_dev_list(struct aatts_nl *nl, struct aatts_dev **v, size_t *nr)
{
	struct nl_msg *msg = aatts_nl_request(nl, AATTS_CMD_DEV_GET, NLM_F_DUMP, 0);
	struct devlist l = { 0 };

	if (aatts_nl_exchange(nl, msg, dev_add, &l)) {
		free(l.v);
		return nl->error;
	}
	*v = l.v;
	*nr = l.nr;
	return 0;
}

int aatts_nl_subscribe(struct aatts_nl *nl)
{
	int grp = genl_ctrl_resolve_grp(nl->sk, AATTS_GENL_NAME,
					AATTS_GENL_MCGRP);
	int r;

	nl->extack[0] = '\0';
	if (grp < 0) {
		snprintf(nl->extack, sizeof(nl->extack),
			 "multicast group '%s' not found: %s",
			 AATTS_GENL_MCGRP, nl_geterror(grp));
		return -ENOENT;
	}
	nl_socket_disable_seq_check(nl->sk);
	r = nl_socket_add_membership(nl->sk, grp);
	if (r == -NLE_PERM) {
		snprintf(nl->extack, sizeof(nl->extack),
			 "joining multicast group '%s': %s: events need CAP_NET_ADMIN",
			 AATTS_GENL_MCGRP, nl_geterror(r));
		return -EPERM;
	}
	if (r < 0) {
		snprintf(nl->extack, sizeof(nl->extack),
			 "joining multicast group '%s': %s", AATTS_GENL_MCGRP,
			 nl_geterror(r));
		return nl_errno(r);
	}
	return 0;
}

static int seq_any(struct nl_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;
	return NL_OK;
}

/* Receives events; once (drain) or until fn says stop. */
static int events(struct aatts_nl *nl, aatts_nl_fn fn, void *arg, bool drain)
{
	struct xfer x = { .nl = nl, .fn = fn, .arg = arg };
	struct nl_cb *cb = xfer_cb(&x);
	int r = 0;

	nl->extack[0] = '\0';
	if (!cb) {
		snprintf(nl->extack, sizeof(nl->extack), "out of memory");
		return -ENOMEM;
	}
	/* Events are not replies: any sequence number. */
	nl_cb_set(cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, seq_any, NULL);
	nl->error = 0;
	while (!x.done) {
		r = nl_recvmsgs(nl->sk, cb);
		if (drain && r == -NLE_AGAIN) {
			r = 0;
			break;
		}
		if (r < 0 && !x.done) {
			snprintf(nl->extack, sizeof(nl->extack),
				 "receiving events: %s", nl_geterror(r));
			nl_cb_put(cb);
			return nl_errno(r);
		}
		/* x.done only by fn or an error message: then stop. */
	}
	nl_cb_put(cb);
	if (nl->error) {
		snprintf(nl->extack, sizeof(nl->extack), "event: %s",
			 strerror(-nl->error));
		return nl->error;
	}
	return 0;
}

int aatts_nl_listen(struct aatts_nl *nl, aatts_nl_fn fn, void *arg)
{
	return events(nl, fn, arg, false);
}

int aatts_nl_drain(struct aatts_nl *nl, aatts_nl_fn fn, void *arg)
{
	return events(nl, fn, arg, true);
}

int aatts_residency_mark(struct nlattr **tb, uint64_t first, uint64_t nr,
			 uint64_t *bits)
{
	struct nlattr *res[AATTS_RES_A_MAX + 1];
	uint64_t from, i, b, w;
	const char *words;
	uint32_t n;

	if (!tb[AATTS_DEV_A_RESIDENCY])
		return 0;
	if (nla_parse_nested(res, AATTS_RES_A_MAX, tb[AATTS_DEV_A_RESIDENCY],
			     NULL) < 0 ||
	    !res[AATTS_RES_A_FIRST_BLOCK] || !res[AATTS_RES_A_NR_BLOCKS] ||
	    !res[AATTS_RES_A_BITMAP])
		return -EPROTO;
	from = nla_get_u64(res[AATTS_RES_A_FIRST_BLOCK]);
	n = nla_get_u32(res[AATTS_RES_A_NR_BLOCKS]);
	if ((uint64_t)nla_len(res[AATTS_RES_A_BITMAP]) < (n + 63ULL) / 64 * 8)
		return -EPROTO;
	words = nla_data(res[AATTS_RES_A_BITMAP]);
	for (i = 0; i < n; i++) {
		memcpy(&w, words + i / 64 * 8, sizeof(w));
		if (!(w >> (i % 64) & 1))
			continue;
		b = from + i;
		if (b >= first && b - first < nr)
			bits[(b - first) / 64] |= 1ULL << ((b - first) % 64);
	}
	return 0;
}
