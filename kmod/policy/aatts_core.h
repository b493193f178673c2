/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Internals of the AAT-TS policy core, shared by its files only: the cache
 * structure, the per-slot metadata every policy orders by, and the
 * helpers each file provides to the others.
 */
#ifndef AATTS_CORE_H
#define AATTS_CORE_H

#include "aatts_cache.h"

/* Largest cache: keeps every per-slot array below 2 GiB (kvmalloc). */
#define AATTS_MAX_SLOTS			AATTS_CACHE_MAX_SLOTS
/* Score map and staging area sizes: the defaults and the limits. */
#define AATTS_DEFAULT_SCORE_ENTRIES	(4U * 1024 * 1024)
#define AATTS_MAX_SCORE_ENTRIES		(256U * 1024 * 1024)
#define AATTS_DEFAULT_STAGED_HINTS	65536U
#define AATTS_MAX_STAGED_HINTS		(16U * 1024 * 1024)

#define AATTS_FREQ_MAX		0xffffU

enum aatts_slot_state {
	AATTS_SLOT_FREE,
	AATTS_SLOT_FILLING,
	AATTS_SLOT_VALID,
};

/* aatts_slot.flags */
#define AATTS_SLOT_STALE	0x01	/* FILLING and written meanwhile */
#define AATTS_SLOT_PINNED	0x02	/* VALID, pinned, counted in nr_pinned */
#define AATTS_SLOT_WINDOW	0x04	/* default: in the admission window */
#define AATTS_SLOT_LISTED	0x08	/* lru: in the list, not the heap */
#define AATTS_SLOT_ADOPTED	0x10	/* equal to aatts_heap.parity: adopted */

/*
 * What the core knows about one fast slot.  Every policy orders the slots
 * by these fields only, so a policy switch allocates nothing and adopts
 * every resident block.
 */
struct aatts_slot {
	u64 block;	/* slow block held (FILLING, VALID) */
	u64 atime;	/* clock of the last read access */
	u64 itime;	/* clock of the admission */
	u32 next;	/* hash chain (FILLING, VALID), free list (FREE) */
	u32 hpos;	/* index in the eviction heap, or AATTS_NO_SLOT */
	u32 score;	/* the block's committed importance */
	u16 freq;	/* lfu: read accesses, as of aging epoch aux[slot] */
	u8 state;	/* enum aatts_slot_state */
	u8 flags;	/* AATTS_SLOT_* */
};

/*
 * The eviction order: binary min-heaps of the evictable slots (VALID and
 * not pinned); the root of each is its next victim.  The main heap under
 * the policy's order fills slot[] from the front, the default policy's
 * admission window (lru order) from the back.
 */
enum { AATTS_HEAP_MAIN, AATTS_HEAP_WINDOW, AATTS_HEAPS };

struct aatts_heap {
	u32 *slot;
	u32 nr[AATTS_HEAPS];
	u32 head, tail;		/* lru list: least and most recent */
	u32 nr_listed;
	u32 adopt;		/* a switch's cursor: slots below it adopted */
	u8 parity;		/* AATTS_SLOT_ADOPTED of the adopted slots */
	bool was_lfu;		/* the policy before the switch was lfu */
};

/* In list order, aatts_slot.hpos of the head (it has no predecessor). */
#define AATTS_LIST_HEAD		((u32)~1U)

/*
 * The default policy's window size, adapted as ARC adapts its lists: a
 * read miss on a block recently rejected from the window grows it, one on
 * a block recently evicted from the main region shrinks it.  Recent
 * evictions are remembered for a hash sample of the blocks only (one in
 * sample_mask + 1), in a direct-mapped table of AATTS_GHOSTS entries.
 */
#define AATTS_GHOSTS		256

struct aatts_ghost {
	u64 block;	/* an evicted sampled block */
	u32 when;	/* its region's eviction count at its eviction */
	u32 window;	/* 1: rejected from the window, 0: evicted from main */
};

struct aatts_adapt {
	u32 target;		/* window slots wanted */
	u32 evictions[2];	/* from main, from the window (wrap) */
	u32 sample_mask;	/* a block is sampled if its hash & mask == 0 */
	struct aatts_ghost ghost[AATTS_GHOSTS];
};

/*
 * Count-min sketch of recent read accesses (TinyLFU): AATTS_SKETCH_ROWS
 * rows of 4-bit counters, packed 16 to a word, aged by halving.
 */
#define AATTS_SKETCH_ROWS	4

struct aatts_sketch {
	u64 *word;
	u32 nr_words;
	u32 row_mask;		/* counters per row - 1 */
	u32 sweep;		/* next word to halve */
	u32 since_halving;	/* accesses recorded since the last halving */
	u32 clean;		/* words zeroed so far; < nr_words: clearing */
};

/* A staged hint: score map entries first..last get at least score. */
struct aatts_hint_range {
	u32 first;
	u32 last;
	u32 score;
};

/* Score map entry: AATTS_ENTRY_PINNED | score (<= AATTS_SCORE_MAX). */
#define AATTS_ENTRY_PINNED	0x80000000U

/* Where an epoch commit under way stands (aatts_scores.commit). */
enum aatts_commit_phase {
	AATTS_COMMIT_IDLE,
	AATTS_COMMIT_CLEAR,	/* short ranges: clear the touched entries */
	AATTS_COMMIT_RAISE,	/* short ranges: raise them to the max */
	AATTS_COMMIT_HEAPIFY,	/* long ranges: heapsort by first entry, */
	AATTS_COMMIT_SORT,
	AATTS_COMMIT_SWEEP,	/* then sweep the entries in order */
	AATTS_COMMIT_RESCORE,	/* resident slots take their new scores */
};

struct aatts_commit {
	u32 phase;		/* enum aatts_commit_phase */
	u32 i;			/* range (short) or heapsort position */
	u32 e;			/* entry */
	u32 next, nr;		/* sweep: next range to start, active ranges */
	u32 slot;		/* rescore: next slot */
};

struct aatts_scores {
	u32 *entry;
	u32 nr_entries;
	u32 shift;		/* an entry covers 1 << shift blocks */
	struct aatts_hint_range *staged;
	u32 nr_staged;
	u32 max_staged;
	u64 staged_entries;	/* entries of the staged ranges, summed */
	u32 *active;		/* epoch commit: max-heap of staged indices */
	struct aatts_commit commit;
};

struct aatts_policy {
	const char *name;
	/* Whether slot a goes before slot b; NULL: the policy never evicts. */
	bool (*before)(const struct aatts_cache *c, u32 a, u32 b);
	/* Whether a miss on block may evict victim; NULL: always. */
	bool (*admits)(const struct aatts_cache *c, u64 block,
		       const struct aatts_slot *victim);
	/* Whether block may be promoted at all (even into a free slot). */
	bool (*accepts)(const struct aatts_cache *c, u64 block);
	/*
	 * Whether this tick ages the frequencies; NULL: the policy does not
	 * use them.  Only lfu does: its order is by frequency, kept per slot
	 * with the aging epoch of its last update (aux[]), so a tick is O(1).
	 */
	bool (*ages)(const struct aatts_cache *c);
	/*
	 * The order is recency itself: the main region is a list, O(1) per
	 * access, instead of a heap under before() (which must agree).
	 */
	bool list;
	/*
	 * A read hit never changes the order (fifo: by admission): the heap
	 * is not sifted on a hit, where the sift could move nothing.
	 */
	bool hit_keeps_order;
	/*
	 * Read accesses feed the sketch, and a miss goes through the
	 * admission window (W-TinyLFU).
	 */
	bool windowed;
	/* Its parameters; their values are aatts_cache.param[i]. */
	const struct aatts_param_desc *params;
	u32 nr_params;
};

struct aatts_param_desc {
	const char *key;
	u64 min, max, def;
};

/*
 * The default policy's miniature simulation (mini.c, Waldspurger et al.,
 * ATC'17): a hash sample of the blocks, about AATTS_MINI_SLOTS of them per
 * cache's worth, replayed through one small shadow cache per candidate
 * policy (the policy core itself, at the scaled capacity); every period
 * sampled reads the live cache runs the candidate whose shadow hits most,
 * with hysteresis.
 */
struct aatts_mini {
	struct aatts_cache *shadow[AATTS_POLICY_NR];
	u64 threshold;		/* a block is sampled if (u32)hash < this */
	u32 size;		/* slots of each shadow */
	u32 period;		/* sampled reads per decision */
	u32 seen;		/* sampled reads this period */
	u32 hits[AATTS_POLICY_NR];	/* shadow hits this period */
	u32 avg[AATTS_POLICY_NR];	/* hits, decayed every period */
	u32 total;		/* sampled reads, decayed alike */
	u32 last[AATTS_POLICY_NR];	/* the last period's hits */
	u32 last_seen;		/* and sampled reads */
	/* Sampled reads shadow i hit and shadow j missed: this period, decayed. */
	u32 won[AATTS_POLICY_NR][AATTS_POLICY_NR];
	u32 won_avg[AATTS_POLICY_NR][AATTS_POLICY_NR];
	u64 periods;		/* decisions since the switch to default */
	u64 switches;		/* mode changes since then */
	u32 cursor;		/* next slot aatts_mini_fixed_victim() looks at */
	u64 rescored;		/* epoch commits the shadows have followed */
	bool warm;		/* the shadows are full: their ratios count */
	bool rescoring;		/* the shadows take the new scores */
	bool defer;		/* sampled reads wait in deferred[] */
	u32 head;		/* the oldest deferred read */
	u32 nr_deferred;
	u64 deferred[AATTS_MINI_DEFER];	/* a ring of sampled reads */
};

extern const struct aatts_policy aatts_policies[AATTS_POLICY_NR];

struct aatts_cache {
	struct aatts_slot *slots;
	u32 *bucket;		/* hash heads, AATTS_NO_SLOT terminated */
	u32 bucket_mask;
	u32 free;		/* free slot list head */
	u32 map_seq;		/* odd while the map changes (lockless peeks) */
	u64 nr_blocks;
	u64 clock;		/* read accesses and promotions so far */
	/*
	 * The policy set (policy_id, uparam) and the one running (policy,
	 * param): the same, except under default, which runs one of the
	 * policies (its mode, chosen by the miniature simulation, mini).
	 */
	enum aatts_policy_id policy_id;
	const struct aatts_policy *policy;
	u64 param[AATTS_POLICY_PARAMS_NR];	/* the running policy's */
	u64 uparam[AATTS_POLICY_PARAMS_NR];	/* policy_id's, as set */
	struct aatts_mini *mini;	/* NULL in a shadow */
	bool shadow;		/* a shadow: shares its cache's score map */
	/*
	 * Dead blocks of a fixed set (policies.c, dead_victim()): in the
	 * default policy's isa shadow (live set) and, following it, in the
	 * cache under default's isa mode.
	 */
	struct aatts_dead {
		struct aatts_cache *live;	/* the isa shadow's cache */
		u64 gap;	/* shadow: longest gap yet between two reads */
		u64 filled;	/* shadow: the clock when it was first full */
		u64 stale;	/* cache: the last read of a block dropped */
		u32 hits;	/* shadow: hits seen, up to AATTS_DEAD_MIN */
		u32 cursor;	/* the next slot looked at */
	} dead;
	u64 ticks;		/* aatts_cache_tick() calls */
	u32 age;		/* lfu's aging epoch: its halvings so far */
	/*
	 * One word per slot private to the policy in force, in the memory of
	 * the sketch (which only the default policy uses): lfu's aging epoch
	 * of the slot's freq, lru's list successor.
	 */
	u32 *aux;
	struct aatts_heap heap;
	struct aatts_sketch sketch;
	struct aatts_adapt adapt;
	struct aatts_scores scores;
	struct aatts_cache_stats stats;
};

/* splitmix64's finaliser: a cheap, well mixed 64-bit hash. */
static inline u64 aatts_hash64(u64 x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* Smallest power of two >= n (n <= 1 << 31). */
static inline u32 aatts_pow2_above(u32 n)
{
	u32 p = 1;

	while (p < n)
		p <<= 1;
	return p;
}

/*
 * The writer side of the map's sequence count: every change of which block
 * a slot holds, or of whether it is VALID, is bracketed by these.
 */
static inline void aatts_map_seq_begin(struct aatts_cache *c)
{
	PC_WRITE_ONCE(c->map_seq, c->map_seq + 1);
	pc_smp_wmb();
}

static inline void aatts_map_seq_end(struct aatts_cache *c)
{
	pc_smp_wmb();
	PC_WRITE_ONCE(c->map_seq, c->map_seq + 1);
}

/* map.c: block -> slot hash table. */
int aatts_map_init(struct aatts_cache *c);
u32 aatts_map_find(const struct aatts_cache *c, u64 block);
void aatts_map_add(struct aatts_cache *c, u32 slot);
void aatts_map_del(struct aatts_cache *c, u32 slot);

/*
 * Work units of the bounded steps (aatts_cache_step(), aatts_cache_walk()):
 * a slot or entry visited in order, a hash lookup or random access, a
 * heap operation (O(log n) random accesses).
 */
#define AATTS_COST_SCAN		1
#define AATTS_COST_LOOKUP	8
#define AATTS_COST_HEAP		64

/* heap.c: the eviction order. */
void aatts_heap_insert(struct aatts_cache *c, u32 slot);
void aatts_heap_remove(struct aatts_cache *c, u32 slot);
void aatts_heap_access(struct aatts_cache *c, u32 slot);
void aatts_heap_rekey(struct aatts_cache *c, u32 slot);
void aatts_heap_claim(struct aatts_cache *c, u32 slot);
void aatts_heap_move(struct aatts_cache *c, u32 slot);
void aatts_heap_restart(struct aatts_cache *c, bool was_lfu);
bool aatts_heap_adopt_step(struct aatts_cache *c, u32 *budget);
u32 aatts_heap_root(const struct aatts_cache *c, u32 h);

/* sketch.c: the frequency sketch. */
int aatts_sketch_init(struct aatts_sketch *s, u32 nr_slots);
void aatts_sketch_free(struct aatts_sketch *s);
void aatts_sketch_clear_start(struct aatts_sketch *s);
bool aatts_sketch_clear_step(struct aatts_sketch *s, u32 *budget);
u32 aatts_sketch_bytes(const struct aatts_sketch *s);
void aatts_sketch_record(struct aatts_sketch *s, u64 block);
u32 aatts_sketch_estimate(const struct aatts_sketch *s, u64 block);

/* scores.c: the score map, hint staging and pins. */
int aatts_scores_init(struct aatts_scores *m, u64 nr_blocks,
		      u32 max_entries, u32 max_staged);
void aatts_scores_free(struct aatts_scores *m);
u32 aatts_score(const struct aatts_scores *m, u64 block);
bool aatts_scores_pinned(const struct aatts_scores *m, u64 block);
bool aatts_scores_committing(const struct aatts_scores *m);
bool aatts_scores_commit_step(struct aatts_cache *c, u32 *budget);

/* slots.c: the slot life cycle. */
void aatts_slot_sync_pin(struct aatts_cache *c, u32 slot);
void aatts_walk_blocks(const struct aatts_cache *c, struct aatts_walk *w);
/* scores.c: a pin walk's entry phase, one entry; its cost. */
u32 aatts_scores_walk_entry(struct aatts_cache *c, struct aatts_walk *w);

/* policies.c */
bool aatts_policy_accepts(const struct aatts_cache *c, u64 block);
int aatts_policy_params(enum aatts_policy_id id, const struct aatts_kv *kv,
			u32 nr, u64 param[AATTS_POLICY_PARAMS_NR], u32 *bad);
int aatts_policy_make_room(struct aatts_cache *c, u64 block, bool force,
			   u32 *victim, bool *window);
void aatts_policy_miss(struct aatts_cache *c, u64 block);
void aatts_dead_hit(struct aatts_cache *c, u32 slot);

/*
 * A read hit, before the slot's atime moves.  Only default's isa shadow
 * keeps anything of it (the gaps between reads, policies.c): a live
 * cache's hit pays a test, not a call.
 */
static inline void aatts_policy_hit(struct aatts_cache *c, u32 slot)
{
	if (c->dead.live)
		aatts_dead_hit(c, slot);
}

void aatts_policy_reset(struct aatts_cache *c);
void aatts_policy_run(struct aatts_cache *c, enum aatts_policy_id mode,
		      const u64 param[AATTS_POLICY_PARAMS_NR]);

/* cache.c: a shadow of c for the miniature simulation (no mini of its own). */
struct aatts_cache *aatts_cache_create_shadow(const struct aatts_cache *c,
					      enum aatts_policy_id id,
					      u32 nr_slots);
u64 aatts_cache_bytes(const struct aatts_cache *c);

/* mini.c: the default policy's miniature simulation; its first mode. */
#define AATTS_MINI_START	AATTS_POLICY_ISA
int aatts_mini_create(struct aatts_cache *c);
void aatts_mini_destroy(struct aatts_cache *c);
void aatts_mini_restart(struct aatts_cache *c);
void aatts_mini_read(struct aatts_cache *c, u64 block);
bool aatts_mini_step(struct aatts_cache *c, u32 *budget);
bool aatts_mini_lfu_freq(struct aatts_cache *c, u64 block, u16 *freq);
bool aatts_mini_fixed_victim(struct aatts_cache *c, u64 block, u32 *victim);
bool aatts_mini_isa_leads(const struct aatts_cache *c);

#endif /* AATTS_CORE_H */
