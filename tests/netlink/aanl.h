/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A small generic netlink client for the aatts family (libnl-genl-3), for
 * the tests and the benchmark: requests with their replies, the errno and
 * the extended ACK of a refusal, and the events group.
 */
#ifndef AATTS_TESTS_AANL_H
#define AATTS_TESTS_AANL_H

#include <stdint.h>
#include <netlink/genl/genl.h>
#include <netlink/genl/ctrl.h>
#include <netlink/attr.h>
#include <linux/aatts.h>

struct aanl {
	struct nl_sock *sk;
	int family;
	int mcgrp;		/* the events group's id */
	/* The last request's outcome. */
	int err;		/* 0 or a negative errno */
	char msg[256];		/* NLMSGERR_ATTR_MSG, "" if none */
	int has_offs;
	uint32_t offs;		/* NLMSGERR_ATTR_OFFS: from the request's nlmsghdr */
	int has_miss;
	uint32_t miss_type;	/* NLMSGERR_ATTR_MISS_TYPE */
};

/* Called for each reply, its attributes parsed (tb[AATTS_DEV_A_MAX + 1]). */
typedef int (*aanl_reply_fn)(struct nlattr **tb, uint8_t cmd, void *arg);

/* 0, or a negative errno. */
int aanl_open(struct aanl *a);
void aanl_close(struct aanl *a);
/* A request for cmd (a dump with NLM_F_DUMP), naming device dev if not NULL. */
struct nl_msg *aanl_new(struct aanl *a, uint8_t cmd, int dump, const char *dev);
/* Sends m (freed), waits for its replies and ACK; a->err, also returned. */
int aanl_request(struct aanl *a, struct nl_msg *m, aanl_reply_fn fn, void *arg);
/* The same, but m stays the caller's: it may be patched and sent again. */
int aanl_request_keep(struct aanl *a, struct nl_msg *m, aanl_reply_fn fn,
		      void *arg);
/* Offset of an attribute from the start of the message, for a->offs. */
uint32_t aanl_offset(struct nl_msg *m, const struct nlattr *attr);

/* Helpers that build attributes. */
struct nlattr *aanl_range(struct nl_msg *m, uint64_t off, uint64_t len,
			  int score, int prio);

/* Events: a second socket subscribed to the events group. */
int aanl_events_open(struct aanl *a);
/*
 * Waits up to timeout_ms for an event of cmd about device dev; fills tb
 * (copies of the attributes are valid until the next call).  1 if one came.
 */
int aanl_event_wait(struct aanl *a, uint8_t cmd, const char *dev,
		    int timeout_ms, aanl_reply_fn fn, void *arg);

#endif
