/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The AAT-TS policy core: which slow-tier blocks are resident in which
 * fast-tier slots, and the policies that decide promotion and eviction.
 *
 * Plain C, compiled unchanged into aatts.ko and into the user-space
 * simulator (aatts-sim), so that what the simulator measures is what the
 * kernel does.  Block numbers are slow-tier block indices (byte offset /
 * block size); slots are fast-tier block indices 0..nr_slots-1.
 *
 * Rules for callers:
 *  - The core does no locking: the caller serialises every call on one
 *    cache (aatts.ko holds a spinlock).
 *  - Only aatts_cache_create() and aatts_cache_destroy() allocate or free
 *    memory; no other call sleeps or allocates, so each may run in
 *    atomic context.
 *  - Bounded holds: every call is O(1) or O(log n) per block, except the
 *    operations over many slots, blocks or hints (a policy switch, an
 *    epoch commit, invalidating or pinning a range).  Each of those has a
 *    form done in steps of at most a budget of work units: the caller
 *    takes its lock, runs one step, drops the lock, and loops (see
 *    aatts_cache_step() and aatts_cache_walk()); the cache is consistent
 *    between steps, and every other call may come in between.
 *    AATTS_STEP_BUDGET keeps one step under 50 us at 16 M slots
 *    (tests/host/sim/hold_bench.c, make bench-holds).  The older one-call
 *    forms (aatts_cache_set_policy_kv(), aatts_cache_epoch_commit(),
 *    aatts_cache_invalidate_range(), aatts_cache_pin()) run the steps to
 *    the end in one hold: O(slots + hinted entries); for user space and
 *    for short ranges.
 *  - Kernel memory per fast slot is bounded by aatts_cache_bytes_per_slot()
 *    (<= 64); the score map is bounded by max_score_entries.
 *
 * Slot life cycle: FREE -> FILLING (reserved by a read miss or a promote;
 * the caller copies slow -> fast) -> VALID (aatts_cache_fill_done(ok)) ->
 * FREE (evicted, invalidated, demoted).  A FILLING slot is not a hit.  A
 * write or invalidate that hits a FILLING slot marks it stale and
 * fill_done() then frees it instead of making it VALID: that is how a
 * write racing a promotion never leaves stale data on the fast tier.
 */
#ifndef AATTS_CACHE_H
#define AATTS_CACHE_H

#include "aatts_env.h"

#define AATTS_NO_SLOT		((u32)~0U)
/* The most fast-tier slots one cache tracks (bounds per-slot memory). */
#define AATTS_CACHE_MAX_SLOTS	(32U * 1024 * 1024)
#define AATTS_SCORE_MAX		0x7fffffffU

enum aatts_policy_id {
	AATTS_POLICY_DEFAULT,
	AATTS_POLICY_LRU,
	AATTS_POLICY_FIFO,
	AATTS_POLICY_LFU,
	AATTS_POLICY_MINIO,
	AATTS_POLICY_ISA,
	AATTS_POLICY_NR
};

/* "default", "lru", "fifo", "lfu", "minio", "isa"; NULL if out of range. */
const char *aatts_policy_name(enum aatts_policy_id id);
/* The id of a policy name, or -EINVAL. */
int aatts_policy_lookup(const char *name);

struct aatts_cache_params {
	u32 nr_slots;		/* fast-tier blocks, >= 1 */
	u64 nr_blocks;		/* slow-tier blocks, >= 1 */
	u32 max_score_entries;	/* score map size cap; 0: a default (1 << 22) */
	u32 max_staged_hints;	/* hint ranges staged per epoch; 0: 65536 */
	enum aatts_policy_id policy;
};

struct aatts_cache_stats {
	u64 read_hits;
	u64 read_misses;
	u64 read_filling;	/* of those, of a block whose copy is under way */
	u64 write_hits;
	u64 write_misses;
	u64 promotions;		/* slots reserved for a copy slow -> fast */
	u64 promotions_failed;	/* fill_done(ok = false) or stale */
	u64 evictions;		/* VALID blocks evicted to make room */
	u64 dead_evictions;	/* of those, dead blocks of a fixed set */
	u64 invalidations;	/* blocks dropped by write/discard/error/demote */
	u64 rejections;		/* misses the policy chose not to promote */
	u64 no_room;		/* misses not offered: no room to copy them */
	u64 hints;		/* hint ranges staged */
	u64 epochs;		/* epoch commits */
	u32 nr_slots;
	u32 nr_valid;
	u32 nr_filling;
	u32 nr_pinned;
};

/* What a read miss or promote decided; valid when the call says so. */
struct aatts_promotion {
	u64 block;		/* the block to copy slow -> fast */
	u32 slot;		/* into this slot (now FILLING) */
	bool evicted;		/* a VALID block was evicted for it: */
	u64 victim;		/* that block, no longer mapped */
};

struct aatts_cache;

struct aatts_cache *aatts_cache_create(const struct aatts_cache_params *p);
void aatts_cache_destroy(struct aatts_cache *c);

/* Bytes of core memory per fast slot, all per-slot structures included. */
u32 aatts_cache_bytes_per_slot(const struct aatts_cache *c);

/* Slot of a VALID block or AATTS_NO_SLOT; changes no state. */
u32 aatts_cache_lookup(const struct aatts_cache *c, u64 block);
/*
 * As aatts_cache_lookup(), in the same map lookup: *filling is the slot
 * being filled for block (FILLING) or AATTS_NO_SLOT.
 */
u32 aatts_cache_lookup_filling(const struct aatts_cache *c, u64 block,
			       u32 *filling);

/*
 * A read access to one block.  Returns the slot on a hit (policy updated).
 * On a miss returns AATTS_NO_SLOT; if the policy promotes, reserves a slot
 * (FILLING), fills *p and sets *promote, else clears *promote.  A miss on
 * a block that is being filled already leaves *promote clear and p->slot
 * at its FILLING slot; any other miss without promotion, AATTS_NO_SLOT.
 */
u32 aatts_cache_read(struct aatts_cache *c, u64 block,
		     struct aatts_promotion *p, bool *promote);
/*
 * As aatts_cache_read(), but with may_admit == false a miss reserves
 * nothing (and evicts nothing): the caller has no way to copy the block
 * now.  The access still counts for the policy.
 */
u32 aatts_cache_read_access(struct aatts_cache *c, u64 block,
			    struct aatts_promotion *p, bool *promote,
			    bool may_admit);

/*
 * Lockless lookups, for the read-hit path: everything else needs the
 * caller's lock.  Between aatts_cache_peek_begin() (false: a writer is
 * inside; take the lock) and aatts_cache_peek_valid() (false: the map
 * changed; the answers may be wrong), aatts_cache_peek() returns the slot
 * of a VALID block or AATTS_NO_SLOT, never touching memory outside the
 * cache.  The caller pins what it found (its own in-flight count) before
 * it asks peek_valid, and records the hits with aatts_cache_read_hits().
 */
bool aatts_cache_peek_begin(const struct aatts_cache *c, u32 *seq);
u32 aatts_cache_peek(const struct aatts_cache *c, u64 block);
bool aatts_cache_peek_valid(const struct aatts_cache *c, u32 seq);
/*
 * Read hits found by peeking, in order: each counts as a read hit of
 * block[i] in slot[i], as aatts_cache_read() would have; a slot that no
 * longer holds its block counts but is not reordered.
 */
void aatts_cache_read_hits(struct aatts_cache *c, const u32 *slot,
			   const u64 *block, u32 n);

/*
 * A write access to one block (write-through).  Returns the slot of a
 * VALID copy the caller must update too, or AATTS_NO_SLOT.  A FILLING copy
 * is marked stale.  Counts a write hit or miss; makes nothing resident.
 */
u32 aatts_cache_write(struct aatts_cache *c, u64 block);

/* The copy into a FILLING slot finished; ok == false frees the slot. */
void aatts_cache_fill_done(struct aatts_cache *c, u32 slot, bool ok);

/* Drops a block (VALID: freed now; FILLING: marked stale).  0 or -ENOENT. */
int aatts_cache_invalidate(struct aatts_cache *c, u64 block);
/*
 * Drops every block of first..last (inclusive) as aatts_cache_invalidate
 * does; returns how many VALID copies were dropped.  O(min(range, slots))
 * in one call: for long ranges under a lock, walk instead (below).
 */
u32 aatts_cache_invalidate_range(struct aatts_cache *c, u64 first, u64 last);

/* Work units of one bounded step: under 50 us at 16 M slots. */
#define AATTS_STEP_BUDGET	512

/*
 * A walk over the blocks first..last, done in bounded steps: invalidating
 * them (discard, write-zeroes, demote, restore of the fast tier) or
 * pinning them.  The caller owns the walk (on its stack), starts it once,
 * then calls aatts_cache_walk() under its lock until it returns true,
 * and may drop the lock between calls:
 *
 *	struct aatts_walk w;
 *	bool done;
 *
 *	aatts_walk_invalidate(c, &w, first, last);	(no lock needed)
 *	do {
 *		spin_lock_irqsave(&lock, flags);
 *		done = aatts_cache_walk(c, &w, AATTS_STEP_BUDGET);
 *		spin_unlock_irqrestore(&lock, flags);
 *	} while (!done);
 *	dropped = w.dropped;
 *
 * The walk visits the range's blocks (a hash lookup each) when the range
 * is shorter than the cache, else every slot once.  Between steps, other
 * calls may change anything: a block of the range promoted again after
 * the walk passed it stays (invalidate the range again at the end if that
 * matters, e.g. at a discard's completion); a block evicted or dropped
 * before the walk reached it is not counted.  Walks may run side by side.
 */
enum aatts_walk_op { AATTS_WALK_INVALIDATE, AATTS_WALK_PIN, AATTS_WALK_UNPIN };
enum aatts_walk_phase {
	AATTS_WALK_DONE, AATTS_WALK_ENTRIES, AATTS_WALK_BLOCKS, AATTS_WALK_SLOTS
};

struct aatts_walk {
	u64 first, last;	/* the blocks, inclusive */
	u64 next;		/* the next entry, block or slot to visit */
	u64 dropped;		/* invalidate: VALID copies dropped so far */
	u8 op;			/* enum aatts_walk_op */
	u8 phase;		/* enum aatts_walk_phase */
};

/* Starts a walk invalidating first..last (nothing if first > last). */
void aatts_walk_invalidate(const struct aatts_cache *c, struct aatts_walk *w,
			   u64 first, u64 last);
/* Starts a walk (un)pinning first..last: 0, or -ERANGE as for hints. */
int aatts_walk_pin(const struct aatts_cache *c, struct aatts_walk *w,
		   u64 first, u64 last, bool pin);
/* One step of at most budget work units; true when the walk is done. */
bool aatts_cache_walk(struct aatts_cache *c, struct aatts_walk *w, u32 budget);

/*
 * Advances the cache's own long operations (a policy switch adopting the
 * resident blocks, an epoch commit) by at most budget work units; true
 * when none is left.  The caller loops on it, under its lock, dropping
 * the lock between calls, after aatts_cache_start_policy_kv() and
 * aatts_cache_epoch_begin().  Any caller may advance them.
 */
bool aatts_cache_step(struct aatts_cache *c, u32 budget);

/*
 * Promotes a block outside a read miss (prefetch, promote message).  With
 * force == false the policy's admission rule applies as on a miss; with
 * force == true it is admitted if any slot is free or evictable.  Returns 0
 * with *p filled, -EEXIST if VALID or FILLING already, -ENOSPC if nothing
 * can be evicted (all pinned or filling, or minio full), -EPERM if the
 * policy declined.
 */
int aatts_cache_promote(struct aatts_cache *c, u64 block, bool force,
			struct aatts_promotion *p);

/*
 * Stages an importance score for blocks first..last (inclusive); it takes
 * effect at the next epoch commit.  A block hinted several times in one
 * epoch keeps the highest score.  -ENOSPC when the staging area is full,
 * -ERANGE when last >= nr_blocks or first > last, -EBUSY while an epoch
 * commit is under way (finish it with aatts_cache_step(), then stage).
 * Scores above AATTS_SCORE_MAX count as AATTS_SCORE_MAX.
 */
int aatts_cache_hint(struct aatts_cache *c, u64 first, u64 last, u32 score);
/*
 * Starts applying the staged hints (iCache's shadow table swap), O(1);
 * aatts_cache_step() does the work.  While it runs, a block's score is
 * either its old one or its new one.  A commit asked for while one is
 * under way joins it.
 */
void aatts_cache_epoch_begin(struct aatts_cache *c);
/* Begins and finishes a commit in one call. */
void aatts_cache_epoch_commit(struct aatts_cache *c);

/*
 * Pins or unpins blocks first..last: a pinned VALID block is never
 * evicted.  Pinning does not promote; the caller promotes with force.
 * -ERANGE as for hints.  In one call; aatts_walk_pin() in steps.
 */
int aatts_cache_pin(struct aatts_cache *c, u64 first, u64 last, bool pin);
bool aatts_cache_pinned(const struct aatts_cache *c, u64 block);

/*
 * Switches policy; the new policy adopts every resident block before the
 * call returns (O(slots)).  aatts_cache_start_policy_kv() in steps.
 */
int aatts_cache_set_policy(struct aatts_cache *c, enum aatts_policy_id id);
enum aatts_policy_id aatts_cache_policy(const struct aatts_cache *c);

/*
 * Policy parameters ("key=value" in messages, a key/value list in netlink):
 * each policy has its own few, each with a range and a default.
 */
#define AATTS_PARAM_KEY_MAX	32	/* NUL included */
#define AATTS_POLICY_PARAMS_NR	4	/* most parameters of one policy */

struct aatts_kv {
	char key[AATTS_PARAM_KEY_MAX];
	u64 value;
};

/*
 * Switches to policy id with the nr parameters kv; a parameter not named
 * takes its default.  -EINVAL (nothing changed) for an unknown id, an
 * unknown or repeated key or a value out of range; then *bad, if not
 * NULL, is the index of the key at fault (nr for a bad id).
 */
int aatts_cache_set_policy_kv(struct aatts_cache *c, enum aatts_policy_id id,
			      const struct aatts_kv *kv, u32 nr, u32 *bad);
/*
 * The same in O(1): the new policy is in force at once and adopts the
 * resident blocks as aatts_cache_step() walks them; until then it evicts
 * only among blocks it has adopted (a block read, filled or unpinned is
 * adopted on the spot).  -EBUSY (nothing changed) while the previous
 * switch is still adopting: finish it with aatts_cache_step().
 */
int aatts_cache_start_policy_kv(struct aatts_cache *c, enum aatts_policy_id id,
				const struct aatts_kv *kv, u32 nr, u32 *bad);
/* The policy in force's parameters and values, at most max; the count. */
u32 aatts_cache_policy_params(const struct aatts_cache *c,
			      struct aatts_kv *kv, u32 max);
/* The range of a policy's parameter key: 0, or -EINVAL if it has none. */
int aatts_policy_param_range(enum aatts_policy_id id, const char *key,
			     u64 *min, u64 *max, u64 *def);

/*
 * Periodic aging, O(1): under lfu, every aging-th tick halves every
 * slot's access frequency, lazily (a new aging epoch; see policies.c);
 * the kernel calls it about once a second.  The default policy's sketch
 * ages itself as accesses are recorded; the other policies do not age.
 */
void aatts_cache_tick(struct aatts_cache *c);

void aatts_cache_get_stats(const struct aatts_cache *c,
			   struct aatts_cache_stats *s);

/*
 * What the default policy runs now and why.  It replays a hash sample of
 * the reads through one small shadow cache per policy (a miniature
 * simulation) and runs the policy whose shadow hits most (its mode;
 * AATTS_POLICY_DEFAULT: W-TinyLFU, named "wtinylfu").  ratio[id] is the
 * shadow of id's hit ratio, per mille, averaged over the last periods.
 */
struct aatts_cache_adapt {
	enum aatts_policy_id mode;	/* the policy running now */
	u32 ratio[AATTS_POLICY_NR];	/* sampled hit ratios, per mille */
	u32 last[AATTS_POLICY_NR];	/* the last period's alone */
	u32 shadow_slots;		/* slots of each shadow */
	u32 sampled_ppm;		/* blocks sampled, per million */
	u64 periods;			/* decisions since default was set */
	u64 switches;			/* mode changes since then */
	u64 shadow_bytes;		/* the shadows' memory, fixed */
	bool warm;			/* the shadows are full: decisions */
};

/*
 * Fills *a; false (and a->mode the policy in force) when the policy set
 * is not default.
 */
bool aatts_cache_get_adapt(const struct aatts_cache *c,
			   struct aatts_cache_adapt *a);
/*
 * Deferred shadow reads (the kernel; off unless asked for, as in the
 * simulator): a sampled read of the default policy waits in a ring of
 * AATTS_MINI_DEFER for aatts_cache_shadows_step() to replay it through the
 * shadows, in order, so that the reader pays a hash and a store rather
 * than a read of every shadow; a read that finds the ring full replays the
 * oldest one itself; the live policy's questions to the shadows about a
 * sampled block replay the oldest 16 that wait first.  The mode lags by
 * the reads waiting.  Turning it off replays them all.
 */
#define AATTS_MINI_DEFER	256U	/* a power of two */
void aatts_cache_defer_shadows(struct aatts_cache *c, bool on);
/* Sampled reads waiting for the shadows. */
u32 aatts_cache_shadows_pending(const struct aatts_cache *c);
/* Replays up to max of them; true when none is left. */
bool aatts_cache_shadows_step(struct aatts_cache *c, u32 max);

/* The name of a mode: "wtinylfu" for AATTS_POLICY_DEFAULT, else the policy's. */
const char *aatts_cache_mode_name(enum aatts_policy_id mode);

#endif /* AATTS_CACHE_H */
