// SPDX-License-Identifier: GPL-2.0-only
/*
 * The generic netlink family "aatts": the control plane of
 * include/uapi/linux/aatts.h, which is its contract.  Every operation
 * resolves its device (held until the reply is built, so that the
 * destructor waits for it), parses and checks its request whole, then
 * calls the one internal API (aatts_api.c) that dm messages call too.
 *
 * Locking: the family has parallel_ops: a device is found under
 * aatts_devices_lock and held by a reference the destructor waits for;
 * mutating ops on one device are serialised by its ctl_lock (PARAMS_SET
 * reads, changes and writes the parameters back), and the API takes the
 * device's spinlock for each step.  No op waits for device-mapper, so a
 * suspend, reload or remove never waits for an op that waits for it.
 * Dumps do not hold a device between calls: each call finds it again by
 * its unique id and ends with ENODEV when it is gone.
 *
 * Who may ask: the mutating ops need CAP_NET_ADMIN in the initial user
 * namespace (GENL_ADMIN_PERM, checked by the genetlink core); the reading
 * ones need it too, or membership of the group the read_group parameter
 * names, because residency is a page-cache-like side channel
 * (CVE-2019-5489: which blocks of any file others have read) and the
 * counters tell as much.  A doit and a dump's .start run in the sender's
 * context, so current is the sender there; later dump calls may run in
 * whoever reads the socket, so a dump decides in .start.  Joining the
 * events group needs CAP_NET_ADMIN (6.1 has no per-family bind hook that
 * could admit the group too).
 */

#include <net/genetlink.h>
#include <net/sock.h>
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/kdev_t.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>

#include "aatts.h"

static struct genl_family aatts_genl_family;
static bool aatts_nl_registered;

enum {
	AATTS_MCGRP_EVENTS,
};

/*
 * GENL_MCAST_CAP_NET_ADMIN came to 6.1 with the stable updates (Debian's
 * 6.1 kernels have it); the genetlink core checks it at bind and at
 * NETLINK_ADD_MEMBERSHIP.
 */
static const struct genl_multicast_group aatts_mcgrps[] = {
	[AATTS_MCGRP_EVENTS] = {
		.name = AATTS_GENL_MCGRP,
		.flags = GENL_MCAST_CAP_NET_ADMIN,
	},
};

/* ------------------------------------------------------------------ */
/* Who may read                                                        */

/*
 * The sender of skb may read.  As netlink_capable() does for the
 * capability, both the sender (current: ops run in its context) and the
 * opener of its socket must qualify, unless the sender named the
 * destination itself (a socket passed to a privileged program that only
 * write()s to it must not make it ask).  Group first: a member is not
 * audited for a capability it does not need.
 */
static bool aatts_nl_may_read(struct sk_buff *skb)
{
	const struct netlink_skb_parms *parms = &NETLINK_CB(skb);

	if (aatts_in_read_group(current_cred()) &&
	    ((parms->flags & NETLINK_SKB_DST) ||
	     aatts_in_read_group(parms->sk->sk_socket->file->f_cred)))
		return true;
	return netlink_capable(skb, CAP_NET_ADMIN);
}

static int aatts_nl_refuse_read(struct netlink_ext_ack *extack)
{
	NL_SET_ERR_MSG(extack,
		       "Reading needs CAP_NET_ADMIN or membership of the group in /sys/module/aatts/parameters/read_group");
	return -EPERM;
}

static int aatts_nl_check_read(struct sk_buff *skb, struct genl_info *info)
{
	return aatts_nl_may_read(skb) ? 0 : aatts_nl_refuse_read(info->extack);
}

/* ------------------------------------------------------------------ */
/* Policies                                                            */

static struct netlink_range_validation aatts_score_range = {
	.max = AATTS_SCORE_MAX,
};

static struct netlink_range_validation aatts_interval_range = {
	.max = AATTS_STATS_INTERVAL_MAX,
};

static const struct nla_policy aatts_kv_policy[AATTS_KV_A_MAX + 1] = {
	[AATTS_KV_A_KEY] = { .type = NLA_NUL_STRING, .len = AATTS_KEY_MAX - 1 },
	[AATTS_KV_A_VALUE] = { .type = NLA_U64 },
};

static const struct nla_policy aatts_param_policy[AATTS_PARAM_A_MAX + 1] = {
	[AATTS_PARAM_A_KV] = NLA_POLICY_NESTED(aatts_kv_policy),
};

static const struct nla_policy aatts_range_policy[AATTS_RANGE_A_MAX + 1] = {
	[AATTS_RANGE_A_OFFSET] = { .type = NLA_U64 },
	[AATTS_RANGE_A_LENGTH] = NLA_POLICY_MIN(NLA_U64, 1),
};

static const struct nla_policy aatts_hint_range_policy[AATTS_RANGE_A_MAX + 1] = {
	[AATTS_RANGE_A_OFFSET] = { .type = NLA_U64 },
	[AATTS_RANGE_A_LENGTH] = NLA_POLICY_MIN(NLA_U64, 1),
	[AATTS_RANGE_A_SCORE] = NLA_POLICY_FULL_RANGE(NLA_U32,
						      &aatts_score_range),
};

static const struct nla_policy aatts_prefetch_range_policy[AATTS_RANGE_A_MAX + 1] = {
	[AATTS_RANGE_A_OFFSET] = { .type = NLA_U64 },
	[AATTS_RANGE_A_LENGTH] = NLA_POLICY_MIN(NLA_U64, 1),
	[AATTS_RANGE_A_PRIORITY] = { .type = NLA_U32 },
};

static const struct nla_policy aatts_ranges_policy[AATTS_RANGES_A_MAX + 1] = {
	[AATTS_RANGES_A_RANGE] = NLA_POLICY_NESTED(aatts_range_policy),
};

static const struct nla_policy aatts_hint_ranges_policy[AATTS_RANGES_A_MAX + 1] = {
	[AATTS_RANGES_A_RANGE] = NLA_POLICY_NESTED(aatts_hint_range_policy),
};

static const struct nla_policy aatts_prefetch_ranges_policy[AATTS_RANGES_A_MAX + 1] = {
	[AATTS_RANGES_A_RANGE] = NLA_POLICY_NESTED(aatts_prefetch_range_policy),
};

static const struct nla_policy aatts_params_policy[AATTS_PARAMS_A_MAX + 1] = {
	[AATTS_PARAMS_A_MIGRATION_INFLIGHT] = { .type = NLA_U64 },
	[AATTS_PARAMS_A_MIGRATION_BANDWIDTH] = { .type = NLA_U64 },
	[AATTS_PARAMS_A_ERROR_THRESHOLD] = { .type = NLA_U32 },
	[AATTS_PARAMS_A_STATS_INTERVAL] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &aatts_interval_range),
	[AATTS_PARAMS_A_RESTORE_FAST] = { .type = NLA_FLAG },
};

/* DEV_GET, POLICY_GET, EPOCH_COMMIT, STATS_GET: the device only. */
static const struct nla_policy aatts_dev_policy[AATTS_DEV_A_MAX + 1] = {
	[AATTS_DEV_A_NAME] = { .type = NLA_NUL_STRING, .len = AATTS_NAME_MAX - 1 },
	[AATTS_DEV_A_DEVT] = { .type = NLA_U32 },
};

static const struct nla_policy aatts_policy_set_policy[AATTS_DEV_A_MAX + 1] = {
	[AATTS_DEV_A_NAME] = { .type = NLA_NUL_STRING, .len = AATTS_NAME_MAX - 1 },
	[AATTS_DEV_A_DEVT] = { .type = NLA_U32 },
	[AATTS_DEV_A_POLICY] = { .type = NLA_NUL_STRING, .len = AATTS_KEY_MAX - 1 },
	[AATTS_DEV_A_POLICY_PARAMS] = NLA_POLICY_NESTED(aatts_param_policy),
};

static const struct nla_policy aatts_hints_policy[AATTS_DEV_A_MAX + 1] = {
	[AATTS_DEV_A_NAME] = { .type = NLA_NUL_STRING, .len = AATTS_NAME_MAX - 1 },
	[AATTS_DEV_A_DEVT] = { .type = NLA_U32 },
	[AATTS_DEV_A_RANGES] = NLA_POLICY_NESTED(aatts_hint_ranges_policy),
	[AATTS_DEV_A_FLAGS] = NLA_POLICY_MASK(NLA_U32, AATTS_F_COMMIT),
};

static const struct nla_policy aatts_prefetch_policy[AATTS_DEV_A_MAX + 1] = {
	[AATTS_DEV_A_NAME] = { .type = NLA_NUL_STRING, .len = AATTS_NAME_MAX - 1 },
	[AATTS_DEV_A_DEVT] = { .type = NLA_U32 },
	[AATTS_DEV_A_RANGES] = NLA_POLICY_NESTED(aatts_prefetch_ranges_policy),
	[AATTS_DEV_A_FLAGS] = NLA_POLICY_MASK(NLA_U32, AATTS_F_FORCE |
						       AATTS_F_NOWAIT),
};

/* DEMOTE, PIN, UNPIN, RESIDENCY_GET. */
static const struct nla_policy aatts_ranges_op_policy[AATTS_DEV_A_MAX + 1] = {
	[AATTS_DEV_A_NAME] = { .type = NLA_NUL_STRING, .len = AATTS_NAME_MAX - 1 },
	[AATTS_DEV_A_DEVT] = { .type = NLA_U32 },
	[AATTS_DEV_A_RANGES] = NLA_POLICY_NESTED(aatts_ranges_policy),
};

static const struct nla_policy aatts_params_set_policy[AATTS_DEV_A_MAX + 1] = {
	[AATTS_DEV_A_NAME] = { .type = NLA_NUL_STRING, .len = AATTS_NAME_MAX - 1 },
	[AATTS_DEV_A_DEVT] = { .type = NLA_U32 },
	[AATTS_DEV_A_PARAMS] = NLA_POLICY_NESTED(aatts_params_policy),
};

/* ------------------------------------------------------------------ */
/* Requests                                                            */

/*
 * The device a request names, held; an ERR_PTR with the extack set when
 * there is none.
 */
static struct aatts_c *aatts_nl_dev(struct nlattr **attrs,
				    struct netlink_ext_ack *extack)
{
	struct nlattr *name = attrs[AATTS_DEV_A_NAME];
	struct nlattr *devt = attrs[AATTS_DEV_A_DEVT];
	dev_t dev = devt ? new_decode_dev(nla_get_u32(devt)) : 0;
	struct aatts_c *ac;

	if (!name && !devt) {
		NL_SET_ERR_MSG(extack, "A device name or dev_t is required");
		NL_SET_ERR_ATTR_MISS(extack, NULL, AATTS_DEV_A_NAME);
		return ERR_PTR(-EINVAL);
	}
	ac = aatts_device_get(name ? nla_data(name) : NULL, !!devt, dev);
	if (ac)
		return ac;
	if (name && devt) {
		/* Two devices, or none? */
		ac = aatts_device_get(nla_data(name), false, 0);
		if (ac) {
			aatts_device_put(ac);
			ac = aatts_device_get(NULL, true, dev);
			if (ac) {
				aatts_device_put(ac);
				NL_SET_ERR_MSG_ATTR(extack, devt,
						    "Name and dev_t name different devices");
				return ERR_PTR(-EINVAL);
			}
			NL_SET_ERR_MSG_ATTR(extack, devt, "No aatts device with this dev_t");
			return ERR_PTR(-ENODEV);
		}
	}
	NL_SET_ERR_MSG_ATTR(extack, name ? name : devt, "No such aatts device");
	return ERR_PTR(-ENODEV);
}

/* The index-th range of a batch, for an extack. */
static struct nlattr *aatts_nl_range_at(struct nlattr *ranges,
					unsigned int index)
{
	struct nlattr *range;
	int rem;

	nla_for_each_nested(range, ranges, rem)
		if (!index--)
			return range;
	return ranges;
}

/* How many ranges a batch holds, refused when none or more than max. */
static int aatts_nl_count_ranges(struct nlattr *ranges, unsigned int max,
				 struct netlink_ext_ack *extack)
{
	struct nlattr *range;
	unsigned int n = 0;
	int rem;

	nla_for_each_nested(range, ranges, rem)
		n++;
	if (!n) {
		NL_SET_ERR_MSG_ATTR(extack, ranges, "Empty batch of ranges");
		return -EINVAL;
	}
	if (n <= max)
		return n;
	if (max == 1) {
		NL_SET_ERR_MSG_ATTR(extack, ranges, "Exactly one range is allowed");
		return -EINVAL;
	}
	NL_SET_ERR_MSG_ATTR(extack, ranges, "More ranges than AATTS_RANGES_MAX");
	return -E2BIG;
}

/*
 * One range, in sectors, with the attributes in need (a mask of
 * AATTS_RANGE_A_* bits) and checked against the device's end.
 */
static int aatts_nl_range(struct aatts_c *ac, struct nlattr *range, u32 need,
			  struct aatts_range *r, struct netlink_ext_ack *extack)
{
	u64 offset = 0, length = 0;
	struct nlattr *a;
	u32 seen = 0;
	int rem;

	r->score = 0;
	r->priority = 0;
	nla_for_each_nested(a, range, rem) {
		switch (nla_type(a)) {
		case AATTS_RANGE_A_OFFSET:
			offset = nla_get_u64(a);
			break;
		case AATTS_RANGE_A_LENGTH:
			length = nla_get_u64(a);
			break;
		case AATTS_RANGE_A_SCORE:
			r->score = nla_get_u32(a);
			break;
		case AATTS_RANGE_A_PRIORITY:
			r->priority = nla_get_u32(a);
			break;
		}
		seen |= BIT(nla_type(a));
	}
	if ((seen & need) != need) {
		NL_SET_ERR_MSG_ATTR(extack, range, "Range lacks a required attribute");
		NL_SET_ERR_ATTR_MISS(extack, range, __ffs(need & ~seen));
		return -EINVAL;
	}
	if (aatts_api_bytes(ac, offset, length, r)) {
		NL_SET_ERR_MSG_ATTR(extack, range, "Range past the end of the device");
		return -ERANGE;
	}
	return 0;
}

/*
 * The ranges of a request (at most max), each parsed by aatts_nl_range().
 * *out is kvfree()d by the caller on success.
 */
static int aatts_nl_ranges(struct aatts_c *ac, struct nlattr **attrs,
			   struct netlink_ext_ack *extack, unsigned int max,
			   u32 need, struct aatts_range **out,
			   unsigned int *nr)
{
	struct nlattr *ranges = attrs[AATTS_DEV_A_RANGES], *range;
	struct aatts_range *r;
	unsigned int i = 0;
	int n, rem, err;

	if (!ranges) {
		NL_SET_ERR_MSG(extack, "Ranges are required");
		NL_SET_ERR_ATTR_MISS(extack, NULL, AATTS_DEV_A_RANGES);
		return -EINVAL;
	}
	n = aatts_nl_count_ranges(ranges, max, extack);
	if (n < 0)
		return n;
	r = kvmalloc_array(n, sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	nla_for_each_nested(range, ranges, rem) {
		err = aatts_nl_range(ac, range, need, &r[i++], extack);
		if (err) {
			kvfree(r);
			return err;
		}
	}
	*out = r;
	*nr = n;
	return 0;
}

#define AATTS_NEED_RANGE	(BIT(AATTS_RANGE_A_OFFSET) | BIT(AATTS_RANGE_A_LENGTH))

/* ------------------------------------------------------------------ */
/* Replies and events                                                  */

static int aatts_nl_put_dev(struct sk_buff *msg, struct aatts_c *ac)
{
	char name[DM_NAME_LEN];

	aatts_dm_name(ac, name);
	if (nla_put_string(msg, AATTS_DEV_A_NAME, name) ||
	    nla_put_u32(msg, AATTS_DEV_A_DEVT, new_encode_dev(aatts_devt(ac))))
		return -EMSGSIZE;
	return 0;
}

static int aatts_nl_put_policy(struct sk_buff *msg, struct aatts_c *ac)
{
	struct aatts_kv kv[AATTS_POLICY_PARAMS_NR];
	enum aatts_policy_id id;
	struct nlattr *params, *one;
	unsigned int i, n;

	n = aatts_api_get_policy(ac, &id, kv, ARRAY_SIZE(kv));
	if (nla_put_string(msg, AATTS_DEV_A_POLICY, aatts_policy_name(id)))
		return -EMSGSIZE;
	params = nla_nest_start(msg, AATTS_DEV_A_POLICY_PARAMS);
	if (!params)
		return -EMSGSIZE;
	for (i = 0; i < n; i++) {
		one = nla_nest_start(msg, AATTS_PARAM_A_KV);
		if (!one ||
		    nla_put_string(msg, AATTS_KV_A_KEY, kv[i].key) ||
		    nla_put_u64_64bit(msg, AATTS_KV_A_VALUE, kv[i].value,
				      AATTS_KV_A_PAD))
			return -EMSGSIZE;
		nla_nest_end(msg, one);
	}
	nla_nest_end(msg, params);
	return 0;
}

/* Under default: the mode it runs and its shadows' hit ratios (ADAPT). */
static int aatts_nl_put_adapt(struct sk_buff *msg,
			      const struct aatts_cache_adapt *a)
{
	struct nlattr *nest, *one;
	int id;

	nest = nla_nest_start(msg, AATTS_DEV_A_ADAPT);
	if (!nest ||
	    nla_put_string(msg, AATTS_ADAPT_A_MODE,
			   aatts_cache_mode_name(a->mode)) ||
	    nla_put_u8(msg, AATTS_ADAPT_A_WARM, a->warm) ||
	    nla_put_u64_64bit(msg, AATTS_ADAPT_A_SWITCHES, a->switches,
			      AATTS_ADAPT_A_PAD) ||
	    nla_put_u64_64bit(msg, AATTS_ADAPT_A_PERIODS, a->periods,
			      AATTS_ADAPT_A_PAD) ||
	    nla_put_u32(msg, AATTS_ADAPT_A_SHADOW_SLOTS, a->shadow_slots) ||
	    nla_put_u32(msg, AATTS_ADAPT_A_SAMPLED_PPM, a->sampled_ppm) ||
	    nla_put_u64_64bit(msg, AATTS_ADAPT_A_SHADOW_BYTES, a->shadow_bytes,
			      AATTS_ADAPT_A_PAD))
		return -EMSGSIZE;
	for (id = 0; id < AATTS_POLICY_NR; id++) {
		one = nla_nest_start(msg, AATTS_ADAPT_A_SHADOW);
		if (!one ||
		    nla_put_string(msg, AATTS_SHADOW_A_NAME,
				   aatts_cache_mode_name(id)) ||
		    nla_put_u32(msg, AATTS_SHADOW_A_RATIO, a->ratio[id]) ||
		    nla_put_u32(msg, AATTS_SHADOW_A_LAST, a->last[id]))
			return -EMSGSIZE;
		nla_nest_end(msg, one);
	}
	nla_nest_end(msg, nest);
	return 0;
}

/* The counters and, under default, ADAPT: one snapshot. */
static int aatts_nl_put_stats(struct sk_buff *msg, struct aatts_c *ac)
{
	u64 v[AATTS_STAT_A_MAX + 1];
	struct aatts_stats s;
	struct nlattr *nest;
	int i;

	aatts_get_stats(ac, &s);
	aatts_stat_values(ac, &s, v);
	nest = nla_nest_start(msg, AATTS_DEV_A_STATS);
	if (!nest)
		return -EMSGSIZE;
	for (i = AATTS_STAT_A_UNSPEC + 1; i <= AATTS_STAT_A_MAX; i++)
		if (i != AATTS_STAT_A_PAD &&
		    nla_put_u64_64bit(msg, i, v[i], AATTS_STAT_A_PAD))
			return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return s.adapting ? aatts_nl_put_adapt(msg, &s.adapt) : 0;
}

static int aatts_nl_put_params(struct sk_buff *msg, struct aatts_c *ac)
{
	struct aatts_params p;
	struct nlattr *nest;

	aatts_api_get_params(ac, &p);
	nest = nla_nest_start(msg, AATTS_DEV_A_PARAMS);
	if (!nest ||
	    nla_put_u64_64bit(msg, AATTS_PARAMS_A_MIGRATION_INFLIGHT,
			      (u64)p.max_inflight << SECTOR_SHIFT,
			      AATTS_PARAMS_A_PAD) ||
	    nla_put_u64_64bit(msg, AATTS_PARAMS_A_MIGRATION_BANDWIDTH,
			      (u64)p.max_bandwidth << SECTOR_SHIFT,
			      AATTS_PARAMS_A_PAD) ||
	    nla_put_u32(msg, AATTS_PARAMS_A_ERROR_THRESHOLD, p.error_threshold) ||
	    nla_put_u32(msg, AATTS_PARAMS_A_STATS_INTERVAL, p.stats_interval))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

static int aatts_nl_put_state(struct sk_buff *msg, struct aatts_c *ac)
{
	return nla_put_string(msg, AATTS_DEV_A_STATE,
			      aatts_state_name(READ_ONCE(ac->state)));
}

/* Everything DEV_GET reports about a device. */
static int aatts_nl_put_all(struct sk_buff *msg, struct aatts_c *ac)
{
	if (aatts_nl_put_dev(msg, ac) ||
	    nla_put_string(msg, AATTS_DEV_A_DISK, ac->disk_name) ||
	    nla_put_string(msg, AATTS_DEV_A_SLOW, ac->slow->name) ||
	    nla_put_string(msg, AATTS_DEV_A_FAST, ac->fast->name) ||
	    nla_put_u64_64bit(msg, AATTS_DEV_A_SIZE,
			      (u64)ac->ti->len << SECTOR_SHIFT,
			      AATTS_DEV_A_PAD) ||
	    nla_put_u32(msg, AATTS_DEV_A_BLOCK_SIZE,
			ac->block_sectors << SECTOR_SHIFT) ||
	    nla_put_string(msg, AATTS_DEV_A_MODE, aatts_mode_name(ac->mode)) ||
	    aatts_nl_put_state(msg, ac) ||
	    aatts_nl_put_policy(msg, ac) ||
	    aatts_nl_put_params(msg, ac) ||
	    aatts_nl_put_stats(msg, ac))
		return -EMSGSIZE;
	return 0;
}

/* A reply built by put(); the device is still held by the caller. */
static int aatts_nl_reply(struct genl_info *info, struct aatts_c *ac, u8 cmd,
			  int (*put)(struct sk_buff *, struct aatts_c *))
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &aatts_genl_family, 0, cmd);
	if (!hdr || put(msg, ac)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static int aatts_nl_put_count(struct sk_buff *msg, u64 count)
{
	return nla_put_u64_64bit(msg, AATTS_DEV_A_COUNT, count,
				 AATTS_DEV_A_PAD);
}

static int aatts_nl_reply_count(struct genl_info *info, struct aatts_c *ac,
				u8 cmd, u64 count)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &aatts_genl_family, 0, cmd);
	if (!hdr || aatts_nl_put_dev(msg, ac) ||
	    aatts_nl_put_count(msg, count)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static int aatts_nl_put_policy_event(struct sk_buff *msg, struct aatts_c *ac)
{
	return aatts_nl_put_dev(msg, ac) ?: aatts_nl_put_policy(msg, ac);
}

static int aatts_nl_put_state_event(struct sk_buff *msg, struct aatts_c *ac)
{
	return aatts_nl_put_dev(msg, ac) ?: aatts_nl_put_state(msg, ac);
}

static int aatts_nl_put_stats_event(struct sk_buff *msg, struct aatts_c *ac)
{
	return aatts_nl_put_dev(msg, ac) ?: aatts_nl_put_stats(msg, ac);
}

/* Multicasts an event, in process context; nothing when nobody listens. */
static void aatts_nl_event(struct aatts_c *ac, u8 cmd,
			   int (*put)(struct sk_buff *, struct aatts_c *))
{
	struct sk_buff *msg;
	void *hdr;

	if (!READ_ONCE(aatts_nl_registered) ||
	    !genl_has_listeners(&aatts_genl_family, &init_net,
				AATTS_MCGRP_EVENTS))
		return;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &aatts_genl_family, 0, cmd);
	if (!hdr || put(msg, ac)) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_end(msg, hdr);
	genlmsg_multicast(&aatts_genl_family, msg, 0, AATTS_MCGRP_EVENTS,
			  GFP_KERNEL);
}

/*
 * The events of aatts_events.c, raised in any context: noted on the
 * device and sent from its event work, in the order of enum aatts_event
 * (a FAST_FAILED still pending goes out before the FAST_RESTORED after it).
 * Each message carries the device's state when it is sent.
 */
static int aatts_nl_notify(struct notifier_block *nb, unsigned long ev,
			   void *data)
{
	struct aatts_c *ac = data;

	if (ev >= AATTS_EVENT_NR)
		return NOTIFY_DONE;
	set_bit(ev, &ac->events);
	schedule_work(&ac->event_work);
	return NOTIFY_OK;
}

struct notifier_block aatts_nl_notifier = {
	.notifier_call = aatts_nl_notify,
};

void aatts_nl_event_work(struct work_struct *work)
{
	struct aatts_c *ac = container_of(work, struct aatts_c, event_work);

	if (test_and_clear_bit(AATTS_EVENT_FAST_FAILED, &ac->events))
		aatts_nl_event(ac, AATTS_CMD_FAST_FAILED,
			       aatts_nl_put_state_event);
	if (test_and_clear_bit(AATTS_EVENT_FAST_RESTORED, &ac->events))
		aatts_nl_event(ac, AATTS_CMD_FAST_RESTORED,
			       aatts_nl_put_state_event);
	if (test_and_clear_bit(AATTS_EVENT_POLICY_CHANGED, &ac->events))
		aatts_nl_event(ac, AATTS_CMD_POLICY_CHANGED,
			       aatts_nl_put_policy_event);
}

/* STATS every stats_interval ms while the device is resumed. */
void aatts_nl_stats_work(struct work_struct *work)
{
	struct aatts_c *ac = container_of(to_delayed_work(work),
					  struct aatts_c, stats_work);

	aatts_nl_event(ac, AATTS_CMD_STATS, aatts_nl_put_stats_event);
	spin_lock_irq(&ac->lock);
	if (!ac->suspended && ac->stats_interval)
		queue_delayed_work(system_wq, &ac->stats_work,
				   msecs_to_jiffies(ac->stats_interval));
	spin_unlock_irq(&ac->lock);
}

/* ------------------------------------------------------------------ */
/* Operations                                                          */

static int aatts_nl_dev_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct aatts_c *ac;
	int err;

	err = aatts_nl_check_read(skb, info);
	if (err)
		return err;
	ac = aatts_nl_dev(info->attrs, info->extack);
	if (IS_ERR(ac))
		return PTR_ERR(ac);
	err = aatts_nl_reply(info, ac, AATTS_CMD_DEV_GET, aatts_nl_put_all);
	aatts_device_put(ac);
	return err;
}

/* DEV_GET dump: args[0] the next device, args[1] refused in .start. */
static int aatts_nl_dev_get_start(struct netlink_callback *cb)
{
	cb->args[1] = !aatts_nl_may_read(cb->skb);
	return 0;
}

static int aatts_nl_dev_get_dumpit(struct sk_buff *skb,
				   struct netlink_callback *cb)
{
	unsigned long idx = cb->args[0];
	struct aatts_c *ac;
	void *hdr;
	int err;

	/* Refused here: .start has no extack in 6.1. */
	if (cb->args[1])
		return aatts_nl_refuse_read(cb->extack);
	while ((ac = aatts_device_get_nth(idx))) {
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &aatts_genl_family,
				  NLM_F_MULTI, AATTS_CMD_DEV_GET);
		err = hdr ? aatts_nl_put_all(skb, ac) : -EMSGSIZE;
		aatts_device_put(ac);
		if (err) {
			if (hdr)
				genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		idx++;
	}
	cb->args[0] = idx;
	return skb->len;
}

static int aatts_nl_policy_get(struct sk_buff *skb, struct genl_info *info)
{
	struct aatts_c *ac;
	int err;

	err = aatts_nl_check_read(skb, info);
	if (err)
		return err;
	ac = aatts_nl_dev(info->attrs, info->extack);
	if (IS_ERR(ac))
		return PTR_ERR(ac);
	err = aatts_nl_reply(info, ac, AATTS_CMD_POLICY_GET,
			     aatts_nl_put_policy_event);
	aatts_device_put(ac);
	return err;
}

static int aatts_nl_policy_set(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *params = info->attrs[AATTS_DEV_A_POLICY_PARAMS];
	struct nlattr *policy = info->attrs[AATTS_DEV_A_POLICY];
	struct nlattr *at[AATTS_POLICY_PARAMS_MAX];
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr *tb[AATTS_KV_A_MAX + 1];
	unsigned int n = 0, bad = 0;
	struct aatts_kv *kv;
	struct aatts_c *ac;
	struct nlattr *one;
	int rem, err;

	if (!policy) {
		NL_SET_ERR_MSG(extack, "A policy name is required");
		NL_SET_ERR_ATTR_MISS(extack, NULL, AATTS_DEV_A_POLICY);
		return -EINVAL;
	}
	kv = kcalloc(AATTS_POLICY_PARAMS_MAX, sizeof(*kv), GFP_KERNEL);
	if (!kv)
		return -ENOMEM;
	if (params) {
		nla_for_each_nested(one, params, rem) {
			if (n == AATTS_POLICY_PARAMS_MAX) {
				NL_SET_ERR_MSG_ATTR(extack, one,
						    "More than AATTS_POLICY_PARAMS_MAX parameters");
				err = -EINVAL;
				goto out;
			}
			err = nla_parse_nested(tb, AATTS_KV_A_MAX, one,
					       aatts_kv_policy, extack);
			if (err)
				goto out;
			if (!tb[AATTS_KV_A_KEY] || !tb[AATTS_KV_A_VALUE]) {
				NL_SET_ERR_MSG_ATTR(extack, one,
						    "A parameter needs a key and a value");
				NL_SET_ERR_ATTR_MISS(extack, one,
						     tb[AATTS_KV_A_KEY] ?
						     AATTS_KV_A_VALUE :
						     AATTS_KV_A_KEY);
				err = -EINVAL;
				goto out;
			}
			nla_strscpy(kv[n].key, tb[AATTS_KV_A_KEY],
				    sizeof(kv[n].key));
			kv[n].value = nla_get_u64(tb[AATTS_KV_A_VALUE]);
			at[n++] = one;
		}
	}
	ac = aatts_nl_dev(info->attrs, extack);
	if (IS_ERR(ac)) {
		err = PTR_ERR(ac);
		goto out;
	}
	/* Another mutating op may run long: a kill ends the wait. */
	if (mutex_lock_killable(&ac->ctl_lock)) {
		err = -EINTR;
		aatts_device_put(ac);
		goto out;
	}
	err = aatts_api_set_policy(ac, nla_data(policy), kv, n, &bad);
	mutex_unlock(&ac->ctl_lock);
	aatts_device_put(ac);
	if (err == -EINVAL && bad >= n)
		NL_SET_ERR_MSG_ATTR(extack, policy, "Unknown policy");
	else if (err == -EINVAL)
		NL_SET_ERR_MSG_ATTR(extack, at[bad],
				    "Parameter unknown to this policy, repeated or out of range");
	else if (err)
		NL_SET_ERR_MSG(extack, "Cannot set the policy");
out:
	kfree(kv);
	return err;
}

static u32 aatts_nl_flags(struct genl_info *info)
{
	struct nlattr *flags = info->attrs[AATTS_DEV_A_FLAGS];

	return flags ? nla_get_u32(flags) : 0;
}

static int aatts_nl_epoch_commit(struct sk_buff *skb, struct genl_info *info)
{
	struct aatts_c *ac = aatts_nl_dev(info->attrs, info->extack);
	int err;

	if (IS_ERR(ac))
		return PTR_ERR(ac);
	if (mutex_lock_killable(&ac->ctl_lock)) {
		aatts_device_put(ac);
		return -EINTR;
	}
	err = aatts_api_epoch_commit(ac);
	mutex_unlock(&ac->ctl_lock);
	aatts_device_put(ac);
	return err;
}

/* Why a batch stopped, on the range at fault where there is one. */
static void aatts_nl_batch_error(struct genl_info *info, int err,
				 unsigned int bad)
{
	struct nlattr *at = aatts_nl_range_at(info->attrs[AATTS_DEV_A_RANGES],
					      bad);
	struct netlink_ext_ack *extack = info->extack;
	u8 cmd = info->genlhdr->cmd;

	if (err == -EIO)
		NL_SET_ERR_MSG(extack, "The fast tier is out of service");
	else if (err == -ENODEV || err == -EINTR)
		NL_SET_ERR_MSG(extack, "Stopped: device going away or caller killed");
	else if (err == -ENOSPC && cmd == AATTS_CMD_HINTS_SET)
		NL_SET_ERR_MSG_ATTR(extack, at,
				    "Staging area full: this range was not staged, those before it were");
	else if (err == -ENOSPC)
		NL_SET_ERR_MSG_ATTR(extack, at,
				    "Pinned, but no room on the fast tier to promote this range");
	else
		NL_SET_ERR_MSG_ATTR(extack, at, "Range refused");
}

/*
 * The batch commands, HINTS_SET, PREFETCH, DEMOTE, PIN and UNPIN: the
 * device, its ranges checked whole, one call of the internal API under
 * the device's ctl_lock, and a COUNT reply (none for PIN and UNPIN).
 */
static int aatts_nl_batch(struct sk_buff *skb, struct genl_info *info)
{
	u8 cmd = info->genlhdr->cmd;
	u32 need = AATTS_NEED_RANGE;
	unsigned int nr, staged, bad = 0;
	struct aatts_range *r;
	struct aatts_c *ac;
	u64 count = 0;
	int err;

	if (cmd == AATTS_CMD_HINTS_SET)
		need |= BIT(AATTS_RANGE_A_SCORE);
	ac = aatts_nl_dev(info->attrs, info->extack);
	if (IS_ERR(ac))
		return PTR_ERR(ac);
	err = aatts_nl_ranges(ac, info->attrs, info->extack, AATTS_RANGES_MAX,
			      need, &r, &nr);
	if (err)
		goto out;
	if (cmd == AATTS_CMD_PREFETCH &&
	    (aatts_nl_flags(info) & AATTS_F_NOWAIT)) {
		if (!mutex_trylock(&ac->ctl_lock)) {
			kvfree(r);
			err = -EBUSY;
			goto out;
		}
	} else if (mutex_lock_killable(&ac->ctl_lock)) {
		kvfree(r);
		err = -EINTR;
		goto out;
	}
	switch (cmd) {
	case AATTS_CMD_HINTS_SET:
		err = aatts_api_hint_batch(ac, r, nr,
					   aatts_nl_flags(info) & AATTS_F_COMMIT,
					   &staged, &bad);
		count = staged;
		break;
	case AATTS_CMD_PREFETCH:
		err = aatts_api_prefetch_batch(ac, r, nr, aatts_nl_flags(info),
					       &count, &bad);
		break;
	case AATTS_CMD_DEMOTE:
		err = aatts_api_demote_batch(ac, r, nr, &count, &bad);
		break;
	default:
		err = aatts_api_pin_batch(ac, r, nr, cmd == AATTS_CMD_PIN, &bad);
		break;
	}
	mutex_unlock(&ac->ctl_lock);
	kvfree(r);
	if (err)
		aatts_nl_batch_error(info, err, bad);
	else if (cmd != AATTS_CMD_PIN && cmd != AATTS_CMD_UNPIN)
		err = aatts_nl_reply_count(info, ac, cmd, count);
out:
	aatts_device_put(ac);
	return err;
}

static int aatts_nl_params_set(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *nest = info->attrs[AATTS_DEV_A_PARAMS];
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr *tb[AATTS_PARAMS_A_MAX + 1];
	static const u8 field_attr[] = {
		[AATTS_PF_INFLIGHT] = AATTS_PARAMS_A_MIGRATION_INFLIGHT,
		[AATTS_PF_BANDWIDTH] = AATTS_PARAMS_A_MIGRATION_BANDWIDTH,
		[AATTS_PF_THRESHOLD] = AATTS_PARAMS_A_ERROR_THRESHOLD,
		[AATTS_PF_INTERVAL] = AATTS_PARAMS_A_STATS_INTERVAL,
	};
	enum aatts_param_field bad;
	struct aatts_params p;
	struct aatts_c *ac;
	bool any = false;
	int i, err;

	if (!nest) {
		NL_SET_ERR_MSG(extack, "Parameters are required");
		NL_SET_ERR_ATTR_MISS(extack, NULL, AATTS_DEV_A_PARAMS);
		return -EINVAL;
	}
	err = nla_parse_nested(tb, AATTS_PARAMS_A_MAX, nest,
			       aatts_params_policy, extack);
	if (err)
		return err;
	for (i = 1; i <= AATTS_PARAMS_A_MAX; i++)
		any |= !!tb[i];
	if (!any) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "No parameter to set");
		return -EINVAL;
	}
	ac = aatts_nl_dev(info->attrs, extack);
	if (IS_ERR(ac))
		return PTR_ERR(ac);
	if (mutex_lock_killable(&ac->ctl_lock)) {
		aatts_device_put(ac);
		return -EINTR;
	}
	aatts_api_get_params(ac, &p);
	if (tb[AATTS_PARAMS_A_MIGRATION_INFLIGHT])
		p.max_inflight = nla_get_u64(tb[AATTS_PARAMS_A_MIGRATION_INFLIGHT]) >>
				 SECTOR_SHIFT;
	if (tb[AATTS_PARAMS_A_MIGRATION_BANDWIDTH])
		p.max_bandwidth = nla_get_u64(tb[AATTS_PARAMS_A_MIGRATION_BANDWIDTH]) >>
				  SECTOR_SHIFT;
	if (tb[AATTS_PARAMS_A_ERROR_THRESHOLD])
		p.error_threshold = nla_get_u32(tb[AATTS_PARAMS_A_ERROR_THRESHOLD]);
	if (tb[AATTS_PARAMS_A_STATS_INTERVAL])
		p.stats_interval = nla_get_u32(tb[AATTS_PARAMS_A_STATS_INTERVAL]);
	err = aatts_api_set_params(ac, &p, &bad);
	if (err == -EINVAL && bad == AATTS_PF_INTERVAL) {
		/* As the policy reports the upper bound. */
		NL_SET_ERR_MSG_ATTR(extack, tb[field_attr[bad]],
				    "Stats interval is 0 or 100..3600000 ms");
		err = -ERANGE;
	} else if (err == -EINVAL) {
		NL_SET_ERR_MSG_ATTR(extack, tb[field_attr[bad]],
				    "Migration limit below one block");
	}
	if (!err && tb[AATTS_PARAMS_A_RESTORE_FAST])
		err = aatts_api_restore_fast(ac);
	mutex_unlock(&ac->ctl_lock);
	aatts_device_put(ac);
	return err;
}

static int aatts_nl_stats_get(struct sk_buff *skb, struct genl_info *info)
{
	struct aatts_c *ac;
	int err;

	err = aatts_nl_check_read(skb, info);
	if (err)
		return err;
	ac = aatts_nl_dev(info->attrs, info->extack);
	if (IS_ERR(ac))
		return PTR_ERR(ac);
	err = aatts_nl_reply(info, ac, AATTS_CMD_STATS_GET,
			     aatts_nl_put_stats_event);
	aatts_device_put(ac);
	return err;
}

/* RESIDENCY_GET: where a dump stands between calls. */
struct aatts_res_ctx {
	u64 id;			/* of the device */
	u64 next;		/* next block to describe */
	u64 last;		/* last block to describe */
	u32 block_size;		/* bytes; 0 once sent */
	u32 refused;		/* by .start: the sender may not read */
};

static int aatts_nl_residency_start(struct netlink_callback *cb)
{
	struct aatts_res_ctx *ctx = (struct aatts_res_ctx *)cb->ctx;

	BUILD_BUG_ON(sizeof(*ctx) > sizeof(cb->ctx));
	ctx->refused = !aatts_nl_may_read(cb->skb);
	return 0;
}

/*
 * The request, checked at the first dumpit call rather than in .start:
 * in 6.1 only dumpit has an extack (its message ends the dump, in the
 * NLMSG_DONE, without an attribute offset).
 */
static int aatts_nl_residency_init(struct netlink_callback *cb)
{
	const struct genl_dumpit_info *info = genl_dumpit_info(cb);
	struct aatts_res_ctx *ctx = (struct aatts_res_ctx *)cb->ctx;
	struct aatts_range *r = NULL;
	struct aatts_c *ac;
	unsigned int nr;
	int err = 0;

	ac = aatts_nl_dev(info->attrs, cb->extack);
	if (IS_ERR(ac))
		return PTR_ERR(ac);
	ctx->id = ac->id;
	ctx->block_size = ac->block_sectors << SECTOR_SHIFT;
	ctx->next = 0;
	ctx->last = ac->nr_blocks - 1;
	if (info->attrs[AATTS_DEV_A_RANGES]) {
		err = aatts_nl_ranges(ac, info->attrs, cb->extack, 1,
				      AATTS_NEED_RANGE, &r, &nr);
		if (!err) {
			ctx->next = aatts_block_of(ac, r->start);
			ctx->last = aatts_block_of(ac, r->start + r->len - 1);
			kvfree(r);
		}
	}
	aatts_device_put(ac);
	return err;
}

/* One fragment of at most nr blocks, fewer if the message is short. */
static int aatts_nl_residency_put(struct sk_buff *skb,
				  struct netlink_callback *cb,
				  struct aatts_c *ac, struct aatts_res_ctx *ctx)
{
	u64 blocks = min_t(u64, ctx->last - ctx->next + 1,
			   AATTS_RES_FRAGMENT_BLOCKS);
	int room = skb_tailroom(skb) - NLMSG_HDRLEN - GENL_HDRLEN - 64;
	struct nlattr *nest, *bitmap;
	u32 words, nr;
	void *hdr;

	if (room < 8)
		return -EMSGSIZE;
	words = min_t(u64, DIV_ROUND_UP(blocks, 64), room / 8);
	nr = min_t(u64, blocks, (u64)words * 64);
	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &aatts_genl_family, NLM_F_MULTI,
			  AATTS_CMD_RESIDENCY_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (ctx->block_size &&
	    nla_put_u32(skb, AATTS_DEV_A_BLOCK_SIZE, ctx->block_size))
		goto cancel;
	nest = nla_nest_start(skb, AATTS_DEV_A_RESIDENCY);
	if (!nest ||
	    nla_put_u64_64bit(skb, AATTS_RES_A_FIRST_BLOCK, ctx->next,
			      AATTS_RES_A_PAD) ||
	    nla_put_u32(skb, AATTS_RES_A_NR_BLOCKS, nr))
		goto cancel;
	/* The words 8-byte aligned in the message (a pad attribute first). */
	bitmap = nla_reserve_64bit(skb, AATTS_RES_A_BITMAP, words * 8,
				   AATTS_RES_A_PAD);
	if (!bitmap)
		goto cancel;
	memset(nla_data(bitmap), 0, words * 8);
	aatts_api_residency(ac, ctx->next, nr, nla_data(bitmap));
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	ctx->next += nr;
	ctx->block_size = 0;
	return 0;

cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

static int aatts_nl_residency_dumpit(struct sk_buff *skb,
				     struct netlink_callback *cb)
{
	struct aatts_res_ctx *ctx = (struct aatts_res_ctx *)cb->ctx;
	struct aatts_c *ac;
	int err;

	if (ctx->refused)
		return aatts_nl_refuse_read(cb->extack);
	if (!ctx->id) {		/* the first call; ids start at 1 */
		err = aatts_nl_residency_init(cb);
		if (err)
			return err;
	}
	if (ctx->next > ctx->last)
		return 0;
	ac = aatts_device_get_id(ctx->id);
	if (!ac) {
		NL_SET_ERR_MSG(cb->extack, "The device is gone");
		return -ENODEV;
	}
	while (ctx->next <= ctx->last) {
		if (aatts_nl_residency_put(skb, cb, ac, ctx))
			break;
		cond_resched();
	}
	aatts_device_put(ac);
	return skb->len;
}

static const struct genl_ops aatts_genl_ops[] = {
	{
		.cmd = AATTS_CMD_DEV_GET,
		.doit = aatts_nl_dev_get_doit,
		.start = aatts_nl_dev_get_start,
		.dumpit = aatts_nl_dev_get_dumpit,
		.policy = aatts_dev_policy,
		.maxattr = AATTS_DEV_A_MAX,
	},
	{
		.cmd = AATTS_CMD_POLICY_GET,
		.doit = aatts_nl_policy_get,
		.policy = aatts_dev_policy,
		.maxattr = AATTS_DEV_A_MAX,
	},
	{
		.cmd = AATTS_CMD_POLICY_SET,
		.doit = aatts_nl_policy_set,
		.policy = aatts_policy_set_policy,
		.maxattr = AATTS_DEV_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = AATTS_CMD_HINTS_SET,
		.doit = aatts_nl_batch,
		.policy = aatts_hints_policy,
		.maxattr = AATTS_DEV_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = AATTS_CMD_EPOCH_COMMIT,
		.doit = aatts_nl_epoch_commit,
		.policy = aatts_dev_policy,
		.maxattr = AATTS_DEV_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = AATTS_CMD_PREFETCH,
		.doit = aatts_nl_batch,
		.policy = aatts_prefetch_policy,
		.maxattr = AATTS_DEV_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = AATTS_CMD_DEMOTE,
		.doit = aatts_nl_batch,
		.policy = aatts_ranges_op_policy,
		.maxattr = AATTS_DEV_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = AATTS_CMD_PIN,
		.doit = aatts_nl_batch,
		.policy = aatts_ranges_op_policy,
		.maxattr = AATTS_DEV_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = AATTS_CMD_UNPIN,
		.doit = aatts_nl_batch,
		.policy = aatts_ranges_op_policy,
		.maxattr = AATTS_DEV_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = AATTS_CMD_PARAMS_SET,
		.doit = aatts_nl_params_set,
		.policy = aatts_params_set_policy,
		.maxattr = AATTS_DEV_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = AATTS_CMD_RESIDENCY_GET,
		.start = aatts_nl_residency_start,
		.dumpit = aatts_nl_residency_dumpit,
		.policy = aatts_ranges_op_policy,
		.maxattr = AATTS_DEV_A_MAX,
	},
	{
		.cmd = AATTS_CMD_STATS_GET,
		.doit = aatts_nl_stats_get,
		.policy = aatts_dev_policy,
		.maxattr = AATTS_DEV_A_MAX,
	},
};

static struct genl_family aatts_genl_family __ro_after_init = {
	.name = AATTS_GENL_NAME,
	.version = AATTS_GENL_VERSION,
	.netnsok = false,
	.parallel_ops = true,
	.module = THIS_MODULE,
	.ops = aatts_genl_ops,
	.n_ops = ARRAY_SIZE(aatts_genl_ops),
	.resv_start_op = AATTS_CMD_DEV_GET,
	.mcgrps = aatts_mcgrps,
	.n_mcgrps = ARRAY_SIZE(aatts_mcgrps),
};

int __init aatts_nl_init(void)
{
	int r = genl_register_family(&aatts_genl_family);

	if (!r)
		WRITE_ONCE(aatts_nl_registered, true);
	return r;
}

void aatts_nl_exit(void)
{
	WRITE_ONCE(aatts_nl_registered, false);
	genl_unregister_family(&aatts_genl_family);
}
