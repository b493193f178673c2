// SPDX-License-Identifier: GPL-2.0-only
#define _GNU_SOURCE
#include "aanl.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <linux/netlink.h>
#include <netlink/msg.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

struct aanl_req {
	struct aanl *a;
	aanl_reply_fn fn;
	void *arg;
	int done;
	/* events */
	int want_cmd;
	const char *want_dev;
	int matched;
};

static int aanl_setsockopt(struct nl_sock *sk, int opt)
{
	int one = 1;

	return setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, opt, &one,
			  sizeof(one));
}

static struct nl_sock *aanl_socket(void)
{
	struct nl_sock *sk = nl_socket_alloc();

	if (!sk)
		return NULL;
	if (genl_connect(sk) ||
	    nl_socket_set_buffer_size(sk, 4 << 20, 4 << 20) ||
	    nl_socket_set_msg_buf_size(sk, 1 << 16) ||
	    aanl_setsockopt(sk, NETLINK_EXT_ACK) ||
	    aanl_setsockopt(sk, NETLINK_CAP_ACK)) {
		nl_socket_free(sk);
		return NULL;
	}
	return sk;
}

int aanl_open(struct aanl *a)
{
	memset(a, 0, sizeof(*a));
	a->sk = aanl_socket();
	if (!a->sk)
		return -errno ? -errno : -EIO;
	a->family = genl_ctrl_resolve(a->sk, AATTS_GENL_NAME);
	if (a->family < 0) {
		nl_socket_free(a->sk);
		a->sk = NULL;
		return -ENOENT;
	}
	a->mcgrp = genl_ctrl_resolve_grp(a->sk, AATTS_GENL_NAME,
					 AATTS_GENL_MCGRP);
	return 0;
}

void aanl_close(struct aanl *a)
{
	if (a->sk)
		nl_socket_free(a->sk);
	a->sk = NULL;
}

struct nl_msg *aanl_new(struct aanl *a, uint8_t cmd, int dump, const char *dev)
{
	struct nl_msg *m = nlmsg_alloc_size(1 << 17);

	if (!m)
		return NULL;
	if (!genlmsg_put(m, NL_AUTO_PORT, NL_AUTO_SEQ, a->family, 0,
			 dump ? NLM_F_DUMP : 0, cmd, AATTS_GENL_VERSION) ||
	    (dev && nla_put_string(m, AATTS_DEV_A_NAME, dev))) {
		nlmsg_free(m);
		return NULL;
	}
	return m;
}

uint32_t aanl_offset(struct nl_msg *m, const struct nlattr *attr)
{
	return (uint32_t)((const char *)attr - (const char *)nlmsg_hdr(m));
}

struct nlattr *aanl_range(struct nl_msg *m, uint64_t off, uint64_t len,
			  int score, int prio)
{
	struct nlattr *r = nla_nest_start(m, AATTS_RANGES_A_RANGE);

	if (!r || nla_put_u64(m, AATTS_RANGE_A_OFFSET, off) ||
	    nla_put_u64(m, AATTS_RANGE_A_LENGTH, len) ||
	    (score >= 0 && nla_put_u32(m, AATTS_RANGE_A_SCORE, score)) ||
	    (prio >= 0 && nla_put_u32(m, AATTS_RANGE_A_PRIORITY, prio)))
		return NULL;
	nla_nest_end(m, r);
	return r;
}

static void aanl_ext_ack(struct aanl *a, struct nlmsghdr *nlh,
			 struct nlmsgerr *e)
{
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	size_t hdr = sizeof(*e);
	int len;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		hdr += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	len = (int)nlh->nlmsg_len - NLMSG_HDRLEN - (int)hdr;
	if (len <= 0 || nla_parse(tb, NLMSGERR_ATTR_MAX,
				  (struct nlattr *)((char *)e + hdr), len, NULL))
		return;
	if (tb[NLMSGERR_ATTR_MSG])
		snprintf(a->msg, sizeof(a->msg), "%s",
			 nla_get_string(tb[NLMSGERR_ATTR_MSG]));
	if (tb[NLMSGERR_ATTR_OFFS]) {
		a->has_offs = 1;
		a->offs = nla_get_u32(tb[NLMSGERR_ATTR_OFFS]);
	}
	if (tb[NLMSGERR_ATTR_MISS_TYPE]) {
		a->has_miss = 1;
		a->miss_type = nla_get_u32(tb[NLMSGERR_ATTR_MISS_TYPE]);
	}
}

static int aanl_err_cb(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct aanl_req *r = arg;
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);

	(void)nla;
	r->a->err = e->error;
	aanl_ext_ack(r->a, nlh, e);
	r->done = 1;
	return NL_STOP;
}

static int aanl_ack_cb(struct nl_msg *m, void *arg)
{
	struct aanl_req *r = arg;

	(void)m;
	r->done = 1;
	return NL_STOP;
}

static int aanl_finish_cb(struct nl_msg *m, void *arg)
{
	struct aanl_req *r = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(m);
	int err;

	if (nlh->nlmsg_len >= NLMSG_HDRLEN + sizeof(int)) {
		memcpy(&err, nlmsg_data(nlh), sizeof(err));
		if (err < 0) {
			r->a->err = err;
			if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
				struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
				int len = nlh->nlmsg_len - NLMSG_HDRLEN -
					  sizeof(int);

				if (len > 0 && !nla_parse(tb, NLMSGERR_ATTR_MAX,
					(struct nlattr *)((char *)nlmsg_data(nlh) +
							  sizeof(int)),
					len, NULL) && tb[NLMSGERR_ATTR_MSG])
					snprintf(r->a->msg, sizeof(r->a->msg),
						 "%s",
						 nla_get_string(tb[NLMSGERR_ATTR_MSG]));
			}
		}
	}
	r->done = 1;
	return NL_STOP;
}

static int aanl_valid_cb(struct nl_msg *m, void *arg)
{
	struct aanl_req *r = arg;
	struct nlattr *tb[AATTS_DEV_A_MAX + 1];
	struct genlmsghdr *g = nlmsg_data(nlmsg_hdr(m));

	if (genlmsg_parse(nlmsg_hdr(m), 0, tb, AATTS_DEV_A_MAX, NULL))
		return NL_SKIP;
	if (r->want_cmd) {
		if (g->cmd != r->want_cmd || !tb[AATTS_DEV_A_NAME] ||
		    (r->want_dev &&
		     strcmp(nla_get_string(tb[AATTS_DEV_A_NAME]), r->want_dev)))
			return NL_OK;
		r->matched = 1;
	}
	if (r->fn && r->fn(tb, g->cmd, r->arg))
		return NL_STOP;
	return NL_OK;
}

static int aanl_no_seq_check(struct nl_msg *m, void *arg)
{
	(void)m;
	(void)arg;
	return NL_OK;
}

static struct nl_cb *aanl_cb(struct aanl_req *r)
{
	struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);

	if (!cb)
		return NULL;
	if (r->want_cmd)	/* events: sequence number 0 */
		nl_cb_set(cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, aanl_no_seq_check,
			  NULL);
	nl_cb_err(cb, NL_CB_CUSTOM, aanl_err_cb, r);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, aanl_ack_cb, r);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, aanl_finish_cb, r);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, aanl_valid_cb, r);
	return cb;
}

int aanl_request(struct aanl *a, struct nl_msg *m, aanl_reply_fn fn, void *arg)
{
	int ret;

	if (!m) {
		a->err = -ENOMEM;
		a->msg[0] = '\0';
		return a->err;
	}
	ret = aanl_request_keep(a, m, fn, arg);
	nlmsg_free(m);
	return ret;
}

int aanl_request_keep(struct aanl *a, struct nl_msg *m, aanl_reply_fn fn,
		      void *arg)
{
	struct aanl_req r = { .a = a, .fn = fn, .arg = arg };
	struct nl_cb *cb;
	int ret;

	a->err = 0;
	a->msg[0] = '\0';
	a->has_offs = 0;
	a->has_miss = 0;
	cb = aanl_cb(&r);
	if (!cb)
		return a->err = -ENOMEM;
	nlmsg_hdr(m)->nlmsg_seq = NL_AUTO_SEQ;	/* a fresh one per send */
	ret = nl_send_auto(a->sk, m);
	if (ret < 0) {
		nl_cb_put(cb);
		return a->err = -EIO;
	}
	while (!r.done) {
		ret = nl_recvmsgs(a->sk, cb);
		if (ret < 0 && !r.done) {
			a->err = -EIO;
			break;
		}
	}
	nl_cb_put(cb);
	return a->err;
}

int aanl_events_open(struct aanl *a)
{
	int ret = aanl_open(a);

	if (ret)
		return ret;
	nl_socket_disable_seq_check(a->sk);
	if (a->mcgrp < 0 || nl_socket_add_membership(a->sk, a->mcgrp)) {
		aanl_close(a);
		return -ENOENT;
	}
	return 0;
}

static long aanl_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int aanl_event_wait(struct aanl *a, uint8_t cmd, const char *dev,
		    int timeout_ms, aanl_reply_fn fn, void *arg)
{
	struct aanl_req r = {
		.a = a, .fn = fn, .arg = arg, .want_cmd = cmd, .want_dev = dev,
	};
	long end = aanl_now_ms() + timeout_ms;
	struct pollfd p = { .fd = nl_socket_get_fd(a->sk), .events = POLLIN };
	struct nl_cb *cb = aanl_cb(&r);
	long left;

	if (!cb)
		return 0;
	while (!r.matched && (left = end - aanl_now_ms()) > 0) {
		if (poll(&p, 1, (int)left) <= 0)
			continue;
		nl_recvmsgs(a->sk, cb);
	}
	nl_cb_put(cb);
	return r.matched;
}
