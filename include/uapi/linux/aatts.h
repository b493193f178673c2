/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * AAT-TS, the AI-aware Tiered Tensor Store: the kernel/user contract.
 *
 * This header is the one place that defines what user space may rely on
 * when it talks to aatts.ko: the device-mapper table line and the generic
 * netlink protocol.
 *
 * Device-mapper table line
 * ------------------------
 *
 *   <start> <len> aatts <slow_dev> <fast_dev> <block_size> [<#features> <feature>...]
 *
 *   slow_dev    the device whose contents are cached (path or major:minor);
 *               the target's <len> must not exceed its size.
 *   fast_dev    the fast tier (NVMe, pmem, RAM disk); at least one block.
 *               It must not be the same device as slow_dev.
 *   block_size  cache block size in 512-byte sectors: a power of two within
 *               AATTS_BLOCK_SECTORS_MIN..AATTS_BLOCK_SECTORS_MAX.
 *   features    each at most once:
 *                 writethrough  writes go to the slow tier and update a
 *                               resident copy on the fast tier (default);
 *                 writearound   writes go to the slow tier only and drop a
 *                               resident copy from the fast tier.
 *                 policy <name>, migration_inflight <sectors>,
 *                 migration_bandwidth <sectors/s>, error_threshold <n>:
 *                               see Documentation/admin-guide/aatts.rst.
 *               The two modes exclude each other.
 *
 * The fast tier never holds the only copy of any data, whatever the mode.
 *
 * Generic netlink protocol
 * ------------------------
 *
 * Family AATTS_GENL_NAME ("aatts"), version AATTS_GENL_VERSION (1), in the
 * initial network namespace only.  Every request names one device by
 * AATTS_DEV_A_NAME (its device-mapper name) or AATTS_DEV_A_DEVT (its
 * dev_t); with both, they must name the same device.  A device that does
 * not exist, or is not an aatts device, is ENODEV.  Byte ranges are on the
 * device (the slow tier's address space), need no alignment, and affect
 * every cache block they touch; an empty range or one that reaches past
 * the end of the device is ERANGE.
 *
 * Every command has its own strict attribute policy: an unknown attribute
 * or a wrong type or length is EINVAL; an integer outside the bounds its
 * attribute states below (LENGTH 0, SCORE above AATTS_SCORE_MAX,
 * STATS_INTERVAL not 0 nor within 100..AATTS_STATS_INTERVAL_MAX) is
 * ERANGE, as the netlink core's range check reports it.  A value refused
 * by the device or its policy (a migration limit below one block, a
 * policy parameter out of its range, an unknown policy) is EINVAL.
 * (Version 1.0.0 said EINVAL for all of them.)
 *
 * Every rejection sets an extended ACK message and, where one attribute
 * is at fault, points at it (NLMSGERR_ATTR_OFFS).  A dump's own checks
 * (RESIDENCY_GET) end it with the errno and the message in NLMSG_DONE,
 * without an offset (the 6.1 netlink core reports no more for dumps).
 * Who may ask (Documentation/admin-guide/aatts.rst, "Who may ask"):
 * commands marked [admin] change state and need CAP_NET_ADMIN in the
 * initial user namespace (GENL_ADMIN_PERM): without it, EPERM, refused by
 * the generic netlink core before the family sees it (no message).
 * Commands marked [read] need CAP_NET_ADMIN too, or membership of the group
 * whose gid is the module parameter read_group (-1, the default: none):
 * residency tells which blocks of any file others have read (the side
 * channel of CVE-2019-5489), the counters as much.  Without either, EPERM
 * with an extack message saying so (a dump: in its NLMSG_DONE).  Both the
 * sender and the opener of its socket must qualify, as for a capability
 * (netlink_capable()), unless the sender named the destination address.
 * Joining the multicast group needs CAP_NET_ADMIN.  (Earlier builds of
 * 1.1.0 let every user send [read] commands and join the group.)
 *
 * Batches (AATTS_DEV_A_RANGES) hold 1..AATTS_RANGES_MAX ranges; more is
 * E2BIG, none is EINVAL.  A batch is checked whole (every range against
 * the device's end) before anything is changed.
 *
 * AATTS_CMD_DEV_GET [read]
 *   doit, request: NAME or DEVT.  dumpit (NLM_F_DUMP), request: nothing;
 *   one message per aatts device.  Reply, one message per device:
 *     AATTS_DEV_A_NAME          NLA_NUL_STRING  device-mapper name
 *     AATTS_DEV_A_DEVT          NLA_U32         dev_t, new_encode_dev()
 *                                               (= makedev(3) for major < 4096)
 *     AATTS_DEV_A_DISK          NLA_NUL_STRING  "dm-N"
 *     AATTS_DEV_A_SLOW          NLA_NUL_STRING  slow tier, "major:minor"
 *     AATTS_DEV_A_FAST          NLA_NUL_STRING  fast tier, "major:minor"
 *     AATTS_DEV_A_SIZE          NLA_U64         device size in bytes
 *     AATTS_DEV_A_BLOCK_SIZE    NLA_U32         cache block size in bytes
 *     AATTS_DEV_A_MODE          NLA_NUL_STRING  "writethrough" | "writearound"
 *     AATTS_DEV_A_STATE         NLA_NUL_STRING  "running" | "failed"
 *     AATTS_DEV_A_POLICY        NLA_NUL_STRING  policy in force
 *     AATTS_DEV_A_POLICY_PARAMS NLA_NESTED      as in POLICY_GET
 *     AATTS_DEV_A_PARAMS        NLA_NESTED      AATTS_PARAMS_A_*, all of them
 *                                               but RESTORE_FAST
 *     AATTS_DEV_A_STATS         NLA_NESTED      AATTS_STAT_A_*, all of them
 *     AATTS_DEV_A_ADAPT         NLA_NESTED      since 1.3, under the default
 *                                               policy only (below)
 *
 * AATTS_CMD_POLICY_GET [read]
 *   doit, request: NAME or DEVT.  Reply: NAME, DEVT, POLICY and
 *   POLICY_PARAMS, the current value of every parameter of that policy:
 *     AATTS_DEV_A_POLICY_PARAMS NLA_NESTED, of
 *       AATTS_PARAM_A_KV        NLA_NESTED, repeated, each
 *         AATTS_KV_A_KEY        NLA_NUL_STRING  < AATTS_KEY_MAX bytes
 *         AATTS_KV_A_VALUE      NLA_U64
 *
 * AATTS_CMD_POLICY_SET [admin]
 *   doit: NAME or DEVT, AATTS_DEV_A_POLICY (one of "default", "lru",
 *   "fifo", "lfu", "minio", "isa"), optional AATTS_DEV_A_POLICY_PARAMS with
 *   at most AATTS_POLICY_PARAMS_MAX keys, each known to that policy (see
 *   Documentation/admin-guide/aatts.rst) and in its range, else EINVAL
 *   naming the key.  Resident blocks stay resident.  Multicasts
 *   AATTS_CMD_POLICY_CHANGED.  Reply: none (ACK).
 *
 * AATTS_CMD_HINTS_SET [admin]
 *   doit: NAME or DEVT, AATTS_DEV_A_RANGES of AATTS_RANGE_A_OFFSET,
 *   AATTS_RANGE_A_LENGTH and AATTS_RANGE_A_SCORE (0..AATTS_SCORE_MAX),
 *   all three required in every range.  The scores are staged (the shadow
 *   table) and take effect at the next EPOCH_COMMIT; a block hinted twice
 *   in one epoch keeps the higher score.  AATTS_DEV_A_FLAGS may carry
 *   AATTS_F_COMMIT: commit the epoch after staging.  ENOSPC when the
 *   staging area is full: the ranges before the one that did not fit stay
 *   staged, and the extack message says so.  Reply: AATTS_DEV_A_COUNT,
 *   the number of ranges staged.
 *
 * AATTS_CMD_EPOCH_COMMIT [admin]
 *   doit: NAME or DEVT.  Applies the staged hints.  Reply: none (ACK).
 *
 * AATTS_CMD_PREFETCH [admin]
 *   doit: NAME or DEVT, AATTS_DEV_A_RANGES of OFFSET, LENGTH and optional
 *   AATTS_RANGE_A_PRIORITY (u32, default 0).  Ranges are taken in
 *   descending priority (stable for equal ones); each block is promoted if
 *   the policy admits it, or whatever the policy thinks with AATTS_F_FORCE
 *   in AATTS_DEV_A_FLAGS.  Copies run in the background under the
 *   migration limits; a promotion starts only when a migration queue
 *   entry is free (the call waits for copies to finish meanwhile), and on
 *   a suspended device the call stops when the queue is full.  At most the
 *   fast tier's worth of blocks is started, and at most four times that
 *   examined, per call.  EIO while the fast tier is failed; EINTR if the
 *   caller is killed; when the device starts to suspend (as it does before
 *   a removal or reload) the call ends without error (what was started
 *   stands); ENODEV if the device is gone.  With AATTS_F_NOWAIT (1.4) the
 *   call never sleeps for room: it ends without error when no migration
 *   entry is free, and EBUSY when another control request holds the
 *   device (a daemon's event loop sends it so).  Reply:
 *   AATTS_DEV_A_COUNT, blocks whose promotion was started.
 *
 * AATTS_CMD_DEMOTE [admin]
 *   doit: NAME or DEVT, RANGES of OFFSET and LENGTH.  Drops those blocks
 *   from the fast tier (the slow tier has every byte).  Reply: COUNT,
 *   valid copies dropped.
 *
 * AATTS_CMD_PIN, AATTS_CMD_UNPIN [admin]
 *   doit: NAME or DEVT, RANGES of OFFSET and LENGTH.  A pinned block is
 *   promoted and never evicted until unpinned.  Ranges are applied in
 *   order; ENOSPC (no room left to promote, every slot pinned) stops at
 *   the range named in the extack, the ranges before it stay pinned.
 *   Reply: none (ACK).
 *
 * AATTS_CMD_PARAMS_SET [admin]
 *   doit: NAME or DEVT, AATTS_DEV_A_PARAMS holding at least one of:
 *     AATTS_PARAMS_A_MIGRATION_INFLIGHT NLA_U64  bytes being copied at most,
 *                                                >= one block
 *     AATTS_PARAMS_A_MIGRATION_BANDWIDTH NLA_U64 bytes per second started,
 *                                                0 (unlimited) or >= one block
 *     AATTS_PARAMS_A_ERROR_THRESHOLD    NLA_U32  fast-tier errors before the
 *                                                tier is failed; 0: never
 *     AATTS_PARAMS_A_STATS_INTERVAL     NLA_U32  ms between
 *                                                AATTS_CMD_STATS events, 0 (off)
 *                                                or 100..3600000
 *     AATTS_PARAMS_A_RESTORE_FAST       NLA_FLAG put a failed fast tier back
 *                                                in service (a SET only)
 *   Checked whole before anything is applied.  Reply: none (ACK).
 *
 * AATTS_CMD_RESIDENCY_GET [read]
 *   dumpit (NLM_F_DUMP), request: NAME or DEVT, optional AATTS_DEV_A_RANGES
 *   with exactly one range (default: the whole device).  Replies: one or
 *   more messages, in order, each with
 *     AATTS_DEV_A_RESIDENCY     NLA_NESTED
 *       AATTS_RES_A_FIRST_BLOCK NLA_U64  block index of bit 0
 *       AATTS_RES_A_NR_BLOCKS   NLA_U32  blocks described here
 *       AATTS_RES_A_BITMAP      NLA_BINARY  ceil(NR_BLOCKS / 64) u64 words,
 *                               native byte order; bit i of word w set:
 *                               block FIRST_BLOCK + 64 w + i has a valid
 *                               copy on the fast tier
 *   The first message also carries BLOCK_SIZE.  Fragments hold at most
 *   AATTS_RES_FRAGMENT_BLOCKS blocks each, fewer when the message has no
 *   more room, and cover the blocks the range touches, in ascending order,
 *   without gaps.  Residency changes under I/O: each run of 1024 blocks
 *   of a fragment is read under one hold of the device's lock (no longer,
 *   so that readers never hold up I/O for long).  The
 *   bitmap starts 8-byte aligned in the message; copy it out (memcpy)
 *   rather than casting a pointer into a buffer of unknown alignment.
 *   A device removed or reloaded during the dump ends it with ENODEV.
 *
 * AATTS_CMD_STATS_GET [read]
 *   doit: NAME or DEVT.  Reply: NAME, DEVT and AATTS_DEV_A_STATS with
 *   every AATTS_STAT_A_* counter (NLA_U64, padded by AATTS_STAT_A_PAD); the
 *   names are those of sysfs and Documentation/admin-guide/aatts.rst.
 *   Since 1.3, under the default policy, also AATTS_DEV_A_ADAPT, taken
 *   with the counters (one snapshot): which policy default runs now (its
 *   mode) and why, the hit ratios of its sampled shadow caches
 *   (Documentation/design/policies.rst, "The default policy adapts"):
 *     AATTS_DEV_A_ADAPT           NLA_NESTED
 *       AATTS_ADAPT_A_MODE        NLA_NUL_STRING  the mode: "wtinylfu", "lru",
 *                                                 "fifo", "lfu", "minio", "isa"
 *       AATTS_ADAPT_A_WARM        NLA_U8      1: the shadows are full, the
 *                                             ratios decide; 0: not yet
 *       AATTS_ADAPT_A_SWITCHES    NLA_U64     mode changes since default was set
 *       AATTS_ADAPT_A_PERIODS     NLA_U64     decisions since then
 *       AATTS_ADAPT_A_SHADOW_SLOTS NLA_U32    slots of each shadow
 *       AATTS_ADAPT_A_SAMPLED_PPM NLA_U32     blocks sampled, per million
 *       AATTS_ADAPT_A_SHADOW_BYTES NLA_U64    the shadows' memory, bytes
 *       AATTS_ADAPT_A_SHADOW      NLA_NESTED, one per candidate mode, each
 *         AATTS_SHADOW_A_NAME     NLA_NUL_STRING  the candidate, as MODE
 *         AATTS_SHADOW_A_RATIO    NLA_U32     its sampled hit ratio, per mille
 *                                             (decayed: the recent periods)
 *         AATTS_SHADOW_A_LAST     NLA_U32     the last period's alone
 *   The status line (dmsetup status) and sysfs policy_adapt show the same.
 *
 * Multicast group AATTS_GENL_MCGRP ("events"); joining it (bind(2),
 * NETLINK_ADD_MEMBERSHIP) needs CAP_NET_ADMIN, else EPERM, read_group or
 * not.  Every event carries NAME and DEVT:
 *   AATTS_CMD_POLICY_CHANGED  POLICY and POLICY_PARAMS now in force
 *   AATTS_CMD_FAST_FAILED     the fast tier was taken out of service; STATE
 *   AATTS_CMD_FAST_RESTORED   it is back in service; STATE
 *   AATTS_CMD_STATS           STATS (and ADAPT under default, since 1.3),
 *                             every STATS_INTERVAL ms when non-zero
 */
#ifndef _UAPI_LINUX_AATTS_H
#define _UAPI_LINUX_AATTS_H

#define AATTS_TARGET_NAME		"aatts"

#define AATTS_VERSION_MAJOR		1
#define AATTS_VERSION_MINOR		6
#define AATTS_VERSION_PATCH		0

/* Cache block size bounds, in 512-byte sectors (4 KiB .. 1 GiB). */
#define AATTS_BLOCK_SECTORS_MIN		8
#define AATTS_BLOCK_SECTORS_MAX		2097152

#define AATTS_GENL_NAME			"aatts"
#define AATTS_GENL_VERSION		1
#define AATTS_GENL_MCGRP		"events"

/* Limits of the protocol. */
#define AATTS_NAME_MAX			128	/* DM_NAME_LEN, NUL included */
#define AATTS_KEY_MAX			32	/* policy parameter key, NUL included */
/*
 * Ranges in one batch.  One AATTS_DEV_A_RANGES attribute holds them all and
 * an attribute is at most 65535 bytes (nla_len is 16 bits): a range takes
 * up to 44 bytes (RANGE, OFFSET and LENGTH with 64-bit padding, SCORE or
 * PRIORITY), so 1024 ranges always fit.  (Version 1.0.0 said 4096, which
 * no message could carry.)
 */
#define AATTS_RANGES_MAX		1024
#define AATTS_POLICY_PARAMS_MAX		16	/* keys in one POLICY_SET */
#define AATTS_SCORE_MAX			0x7fffffffU
#define AATTS_STATS_INTERVAL_MIN	100	/* ms */
#define AATTS_STATS_INTERVAL_MAX	3600000	/* ms */
/* Blocks in one RESIDENCY_GET fragment, at most. */
#define AATTS_RES_FRAGMENT_BLOCKS	32768

enum aatts_cmd {
	AATTS_CMD_UNSPEC,
	AATTS_CMD_DEV_GET,
	AATTS_CMD_POLICY_GET,
	AATTS_CMD_POLICY_SET,
	AATTS_CMD_HINTS_SET,
	AATTS_CMD_EPOCH_COMMIT,
	AATTS_CMD_PREFETCH,
	AATTS_CMD_DEMOTE,
	AATTS_CMD_PIN,
	AATTS_CMD_UNPIN,
	AATTS_CMD_PARAMS_SET,
	AATTS_CMD_RESIDENCY_GET,
	AATTS_CMD_STATS_GET,
	/* Events, on AATTS_GENL_MCGRP. */
	AATTS_CMD_POLICY_CHANGED,
	AATTS_CMD_FAST_FAILED,
	AATTS_CMD_FAST_RESTORED,
	AATTS_CMD_STATS,
	__AATTS_CMD_MAX
};

#define AATTS_CMD_MAX (__AATTS_CMD_MAX - 1)

/* AATTS_DEV_A_FLAGS */
enum aatts_flag {
	AATTS_F_COMMIT = 1U << 0,	/* HINTS_SET: commit the epoch after */
	AATTS_F_FORCE = 1U << 1,	/* PREFETCH: whatever the policy thinks */
	AATTS_F_NOWAIT = 1U << 2,	/* PREFETCH: stop, never wait, for room */
	__AATTS_F_ALL = AATTS_F_COMMIT | AATTS_F_FORCE | AATTS_F_NOWAIT
};

enum aatts_dev_attr {
	AATTS_DEV_A_UNSPEC,
	AATTS_DEV_A_NAME,		/* NLA_NUL_STRING */
	AATTS_DEV_A_DEVT,		/* NLA_U32 */
	AATTS_DEV_A_DISK,		/* NLA_NUL_STRING */
	AATTS_DEV_A_SLOW,		/* NLA_NUL_STRING */
	AATTS_DEV_A_FAST,		/* NLA_NUL_STRING */
	AATTS_DEV_A_SIZE,		/* NLA_U64 */
	AATTS_DEV_A_BLOCK_SIZE,		/* NLA_U32 */
	AATTS_DEV_A_MODE,		/* NLA_NUL_STRING */
	AATTS_DEV_A_STATE,		/* NLA_NUL_STRING */
	AATTS_DEV_A_POLICY,		/* NLA_NUL_STRING */
	AATTS_DEV_A_POLICY_PARAMS,	/* NLA_NESTED: AATTS_PARAM_A_* */
	AATTS_DEV_A_PARAMS,		/* NLA_NESTED: AATTS_PARAMS_A_* */
	AATTS_DEV_A_STATS,		/* NLA_NESTED: AATTS_STAT_A_* */
	AATTS_DEV_A_RANGES,		/* NLA_NESTED: AATTS_RANGES_A_RANGE... */
	AATTS_DEV_A_FLAGS,		/* NLA_U32: enum aatts_flag */
	AATTS_DEV_A_COUNT,		/* NLA_U64 */
	AATTS_DEV_A_RESIDENCY,		/* NLA_NESTED: AATTS_RES_A_* */
	AATTS_DEV_A_PAD,
	/* Since 1.3: */
	AATTS_DEV_A_ADAPT,		/* NLA_NESTED: AATTS_ADAPT_A_* */
	__AATTS_DEV_A_LAST
};

#define AATTS_DEV_A_MAX (__AATTS_DEV_A_LAST - 1)

/* AATTS_DEV_A_POLICY_PARAMS */
enum aatts_param_attr {
	AATTS_PARAM_A_UNSPEC,
	AATTS_PARAM_A_KV,		/* NLA_NESTED: AATTS_KV_A_* */
	__AATTS_PARAM_A_LAST
};

#define AATTS_PARAM_A_MAX (__AATTS_PARAM_A_LAST - 1)

enum aatts_kv_attr {
	AATTS_KV_A_UNSPEC,
	AATTS_KV_A_KEY,			/* NLA_NUL_STRING */
	AATTS_KV_A_VALUE,		/* NLA_U64 */
	AATTS_KV_A_PAD,
	__AATTS_KV_A_LAST
};

#define AATTS_KV_A_MAX (__AATTS_KV_A_LAST - 1)

/* AATTS_DEV_A_RANGES */
enum aatts_ranges_attr {
	AATTS_RANGES_A_UNSPEC,
	AATTS_RANGES_A_RANGE,		/* NLA_NESTED: AATTS_RANGE_A_* */
	__AATTS_RANGES_A_LAST
};

#define AATTS_RANGES_A_MAX (__AATTS_RANGES_A_LAST - 1)

enum aatts_range_attr {
	AATTS_RANGE_A_UNSPEC,
	AATTS_RANGE_A_OFFSET,		/* NLA_U64, bytes */
	AATTS_RANGE_A_LENGTH,		/* NLA_U64, bytes, >= 1 */
	AATTS_RANGE_A_SCORE,		/* NLA_U32, <= AATTS_SCORE_MAX */
	AATTS_RANGE_A_PRIORITY,		/* NLA_U32 */
	AATTS_RANGE_A_PAD,
	__AATTS_RANGE_A_LAST
};

#define AATTS_RANGE_A_MAX (__AATTS_RANGE_A_LAST - 1)

/* AATTS_DEV_A_PARAMS */
enum aatts_params_attr {
	AATTS_PARAMS_A_UNSPEC,
	AATTS_PARAMS_A_MIGRATION_INFLIGHT,	/* NLA_U64, bytes */
	AATTS_PARAMS_A_MIGRATION_BANDWIDTH,	/* NLA_U64, bytes/s */
	AATTS_PARAMS_A_ERROR_THRESHOLD,		/* NLA_U32 */
	AATTS_PARAMS_A_STATS_INTERVAL,		/* NLA_U32, ms */
	AATTS_PARAMS_A_RESTORE_FAST,		/* NLA_FLAG */
	AATTS_PARAMS_A_PAD,
	__AATTS_PARAMS_A_LAST
};

#define AATTS_PARAMS_A_MAX (__AATTS_PARAMS_A_LAST - 1)

/* AATTS_DEV_A_STATS: NLA_U64 each; names as in sysfs. */
enum aatts_stat_attr {
	AATTS_STAT_A_UNSPEC,
	AATTS_STAT_A_READ_HITS,
	AATTS_STAT_A_READ_MISSES,
	AATTS_STAT_A_WRITE_HITS,
	AATTS_STAT_A_WRITE_MISSES,
	AATTS_STAT_A_PROMOTIONS,
	AATTS_STAT_A_PROMOTIONS_FAILED,
	AATTS_STAT_A_PROMOTIONS_DROPPED,
	AATTS_STAT_A_REJECTIONS,
	AATTS_STAT_A_DEMOTIONS,
	AATTS_STAT_A_EVICTIONS,
	AATTS_STAT_A_INVALIDATIONS,
	AATTS_STAT_A_MIGRATED_BYTES,
	AATTS_STAT_A_INFLIGHT_MIGRATIONS,
	AATTS_STAT_A_QUEUED_MIGRATIONS,
	AATTS_STAT_A_FAST_BLOCKS_USED,
	AATTS_STAT_A_FAST_BLOCKS_TOTAL,
	AATTS_STAT_A_PINNED_BLOCKS,
	AATTS_STAT_A_FAST_ERRORS,
	AATTS_STAT_A_SLOW_ERRORS,
	AATTS_STAT_A_HINTS,
	AATTS_STAT_A_EPOCHS,
	AATTS_STAT_A_BYTES_PER_SLOT,
	AATTS_STAT_A_PAD,
	/* Since 1.2: */
	AATTS_STAT_A_PROMOTIONS_FILLED,	/* filled from the read that missed */
	AATTS_STAT_A_MIGRATION_COPIES,	/* kcopyd copies (adjacent ones join) */
	/* Since 1.5: */
	AATTS_STAT_A_DEAD_EVICTIONS,	/* evictions of a fixed set's dead blocks */
	/* Since 1.6: */
	AATTS_STAT_A_READ_FILLING,	/* read misses of a block being copied */
	__AATTS_STAT_A_LAST
};

#define AATTS_STAT_A_MAX (__AATTS_STAT_A_LAST - 1)

/* AATTS_DEV_A_ADAPT (since 1.3) */
enum aatts_adapt_attr {
	AATTS_ADAPT_A_UNSPEC,
	AATTS_ADAPT_A_MODE,		/* NLA_NUL_STRING */
	AATTS_ADAPT_A_WARM,		/* NLA_U8 */
	AATTS_ADAPT_A_SWITCHES,		/* NLA_U64 */
	AATTS_ADAPT_A_PERIODS,		/* NLA_U64 */
	AATTS_ADAPT_A_SHADOW_SLOTS,	/* NLA_U32 */
	AATTS_ADAPT_A_SAMPLED_PPM,	/* NLA_U32 */
	AATTS_ADAPT_A_SHADOW_BYTES,	/* NLA_U64 */
	AATTS_ADAPT_A_SHADOW,		/* NLA_NESTED: AATTS_SHADOW_A_*, repeated */
	AATTS_ADAPT_A_PAD,
	__AATTS_ADAPT_A_LAST
};

#define AATTS_ADAPT_A_MAX (__AATTS_ADAPT_A_LAST - 1)

enum aatts_shadow_attr {
	AATTS_SHADOW_A_UNSPEC,
	AATTS_SHADOW_A_NAME,		/* NLA_NUL_STRING */
	AATTS_SHADOW_A_RATIO,		/* NLA_U32, per mille */
	AATTS_SHADOW_A_LAST,		/* NLA_U32, per mille */
	__AATTS_SHADOW_A_LAST
};

#define AATTS_SHADOW_A_MAX (__AATTS_SHADOW_A_LAST - 1)

/* AATTS_DEV_A_RESIDENCY */
enum aatts_res_attr {
	AATTS_RES_A_UNSPEC,
	AATTS_RES_A_FIRST_BLOCK,	/* NLA_U64 */
	AATTS_RES_A_NR_BLOCKS,		/* NLA_U32 */
	AATTS_RES_A_BITMAP,		/* NLA_BINARY: u64 words */
	AATTS_RES_A_PAD,
	__AATTS_RES_A_LAST
};

#define AATTS_RES_A_MAX (__AATTS_RES_A_LAST - 1)

#endif /* _UAPI_LINUX_AATTS_H */
