/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * aatts: internal definitions shared by the target's files.
 */
#ifndef AATTS_H
#define AATTS_H

#include <linux/device-mapper.h>
#include <linux/dm-kcopyd.h>
#include <linux/workqueue.h>
#include <linux/spinlock.h>
#include <linux/kobject.h>
#include <linux/completion.h>
#include <linux/mutex.h>
#include <linux/bio.h>
#include <linux/dm-ioctl.h>
#include <uapi/linux/aatts.h>

#include "policy/aatts_cache.h"

#define DM_MSG_PREFIX AATTS_TARGET_NAME

enum aatts_mode {
	AATTS_MODE_WRITETHROUGH,
	AATTS_MODE_WRITEAROUND,
	AATTS_MODE_NR
};

/* What the fast tier is doing. */
enum aatts_state {
	AATTS_STATE_RUNNING,	/* fast tier in service */
	AATTS_STATE_FAILED,	/* too many fast-tier errors: pass-through */
};

/*
 * Per fast slot, beside the policy core's metadata.  gen, writing and
 * copying are guarded by aatts_c.lock; inflight is atomic so that a read
 * hit completes without the lock.  A slot is not refilled while I/O to it
 * is in flight.
 */
struct aatts_slot_io {
	atomic_t inflight;	/* reads and writes to this slot in flight */
	u32 gen:30;	/* bumped whenever the slot is reserved for a block */
	u32 writing:1;	/* a write-through update of this slot in flight */
	u32 copying:1;	/* its fill or copy is under way, not queued */
};

/*
 * Read hits found without the device lock, waiting to be applied to the
 * policy in one lock hold (as the page cache batches LRU additions).  The
 * reader applies a full batch itself when the device lock is free; else
 * it hands it to hits_work, and applies it itself when the worker has not
 * yet taken the one before, or at its next miss.
 */
#define AATTS_HIT_BATCH		16
struct aatts_hits {
	spinlock_t lock;		/* this CPU's and a flusher's */
	u32 nr;
	u32 nr_full;			/* 0 or AATTS_HIT_BATCH */
	u32 slot[AATTS_HIT_BATCH];
	u64 block[AATTS_HIT_BATCH];
	u32 full_slot[AATTS_HIT_BATCH];
	u64 full_block[AATTS_HIT_BATCH];
};

/* The most blocks one bio is mapped as a whole for (bounds lock holds). */
#define AATTS_MAX_BIO_BLOCKS	256
/*
 * The most blocks a bio is mapped for under the device lock (a miss, a
 * write): one policy call each, O(log slots), about 2 us at 16 M slots,
 * so that one hold stays under 50 us.  Read hits take no lock and may
 * span AATTS_MAX_BIO_BLOCKS.
 */
#define AATTS_MAX_LOCKED_BLOCKS	16

/*
 * A promotion: queued for kcopyd or being copied, or a fill from a read
 * miss's own data (bio: the read, which completes after the fill).
 */
struct aatts_mig {
	struct list_head list;
	struct aatts_mig *run;	/* the next promotion copied with this one */
	struct aatts_c *ac;
	struct bio *bio;
	struct bio *copy;	/* a fill's data copied aside (aatts_io.c) */
	bool spare;		/* copy's pages and bio are the spare's */
	u64 start_ns;		/* a fill was handed over (aatts_fills_stamp) */
	u64 block;
	u32 slot;
	sector_t sectors;
};

/* Why a read's fills were not copied aside: it waited for them instead. */
enum aatts_aside_fallback {
	AATTS_ASIDE_TOO_LARGE,	/* fills of more than AATTS_ASIDE_MAX_SECTORS */
	AATTS_ASIDE_LIMIT,	/* migration_inflight reached */
	AATTS_ASIDE_SUSPENDED,	/* the device is suspending */
	AATTS_ASIDE_NOMEM,	/* no page or bio, and the spare was in use */
	AATTS_ASIDE_FAST_WRITES,	/* a fill's write costs about a copy */
	AATTS_ASIDE_NR
};

/*
 * Pages and bios for one read's fills copied aside, allocated with the
 * device, for when a GFP_NOWAIT allocation in a completion fails: fill i
 * of the read that holds it takes bios[i] and pages[i * bio_pages] on.
 * users: the copies still using it (0: free); taken whole, by one read.
 */
struct aatts_aside_spare {
	atomic_t users;
	unsigned int nr_bios;	/* 0: blocks too large to be copied aside */
	unsigned int bio_pages;	/* pages of one block */
	struct bio **bios;
	struct page **pages;
};

/* Migration limits and accounting; guarded by aatts_c.lock. */
/*
 * A read of a block whose copy into its slot is under way, held until the
 * copy ends (aatts_mig_park()); then it reads the fast tier, or the slow
 * one if the copy failed.  At most AATTS_MAX_PARKED at once per device.
 */
#define AATTS_MAX_PARKED	64
struct aatts_park {
	struct list_head list;
	struct bio *bio;
	u32 slot;
};

struct aatts_migration {
	sector_t max_inflight;		/* sectors being copied, at most */
	sector_t max_bandwidth;		/* sectors per second; 0: unlimited */
	sector_t inflight;		/* sectors being copied now */
	unsigned int inflight_jobs;
	s64 tokens;			/* bandwidth bucket, in sectors */
	u64 refill_ns;			/* when tokens were last refilled */
	struct list_head queue;		/* reserved, waiting to be copied */
	unsigned int queued;
	struct list_head free;		/* unused aatts_mig entries */
	struct aatts_mig *pool;
	unsigned int pool_size;
	u64 migrated_sectors;
	u64 copies;			/* kcopyd copies started */
	u64 dropped;			/* promotions dropped: queue full */
	u64 filled;			/* promotions filled from a read */
	u64 aside;			/* fills copied aside */
	u64 aside_spare;		/* of them, into the spare */
	u64 aside_fallbacks[AATTS_ASIDE_NR];	/* reads that waited */
	struct aatts_aside_spare spare;	/* not guarded by the lock */
	wait_queue_head_t wait;		/* an entry freed, a copy done */
	struct aatts_park park[AATTS_MAX_PARKED];
	struct list_head parked;	/* reads waiting for their copy */
	struct list_head park_free;
	struct bio_list unparked;	/* their copy ended: for unpark_work */
	u64 reads_parked;		/* reads that waited for a copy */
	u64 adopted;			/* queued copies a read filled instead */
};

struct aatts_c {
	struct dm_target *ti;
	struct dm_dev *slow;
	struct dm_dev *fast;
	sector_t block_sectors;
	unsigned int block_shift;
	u32 nr_slots;
	u64 nr_blocks;
	enum aatts_mode mode;
	enum aatts_policy_id initial_policy;

	struct aatts_hits __percpu *hits;	/* lockless read hits */

	spinlock_t lock;		/* everything below, and the core */
	struct aatts_cache *cache;
	struct aatts_slot_io *slots;
	struct aatts_migration mig;
	enum aatts_state state;
	unsigned int error_threshold;	/* fast errors before FAILED; 0: never */
	u64 fast_errors;
	u64 slow_errors;
	bool suspended;
	bool quiescing;			/* presuspend: long operations stop */

	struct dm_kcopyd_client *kc;
	struct bio_set bs;		/* clones: write-through, fills */
	struct list_head fills_aside;	/* copied aside, for fill_work */
	/*
	 * Moving averages, in ns per block, of copying a fill aside and of a
	 * fill's write to the fast tier (aatts_io.c); 0: not measured yet.
	 * Updated without the lock: a race loses a sample.
	 */
	u64 fill_copy_ns;
	u64 fill_write_ns;
	struct work_struct fill_work;	/* writes the fills copied aside */
	struct work_struct hits_work;	/* applies full hit batches */
	struct work_struct unpark_work;	/* sends the reads whose copy ended */
	struct workqueue_struct *wq;
	struct delayed_work mig_work;	/* starts queued promotions */
	struct delayed_work tick_work;	/* policy aging, bandwidth refill */

	/* Events and the control plane (aatts_netlink.c). */
	unsigned int stats_interval;	/* ms between STATS events; 0: off */
	struct delayed_work stats_work;	/* emits STATS events */
	struct work_struct event_work;	/* emits events raised in atomic context */
	unsigned long events;		/* enum aatts_event bits for event_work */
	atomic_t users;			/* netlink ops using the device */
	struct mutex ctl_lock;		/* serialises mutating netlink ops */
	bool dying;			/* off the device list: ops bail out */
	u64 id;				/* unique for the module's lifetime */
	u64 live_seq;			/* when last resumed; 0: never */

	struct kobject kobj;		/* /sys/kernel/aatts/<dm-N>/ */
	struct completion kobj_released;
	bool kobj_added;
	char disk_name[32];
	struct list_head node;		/* aatts_devices, for /proc/aatts */
};

/* What lower files tell the layers above (aatts_events.c). */
enum aatts_event {
	AATTS_EVENT_FAST_FAILED,	/* error_threshold reached: pass-through */
	AATTS_EVENT_FAST_RESTORED,	/* restore_fast put it back in service */
	AATTS_EVENT_POLICY_CHANGED,	/* a policy switch started */
	AATTS_EVENT_NR
};

/*
 * The most a read's fills copy aside, in its completion (maybe an
 * interrupt): a copy of 512 KiB takes tens of microseconds.  A read that
 * fills more waits for its fills instead.  Each device keeps this much
 * memory spare (struct aatts_aside_spare) for one read's copies.
 */
#define AATTS_ASIDE_MAX_SECTORS		(512U << (10 - SECTOR_SHIFT))

/*
 * A read copies its fills aside only while a fill's write to the fast tier
 * takes more than this many times what copying the block does.
 */
#define AATTS_FILL_COPY_RATIO		4

/* The most adjacent promotions one kcopyd copy carries. */
#define AATTS_MIG_RUN_MAX		16

/* Defaults for the table's feature arguments. */
#define AATTS_DEFAULT_INFLIGHT_BYTES	(64ULL << 20)
#define AATTS_DEFAULT_ERROR_THRESHOLD	16
#define AATTS_MIG_POOL_MAX		4096U
/* A read may wait for a queued copy among the next this many to start. */
#define AATTS_MIG_PARK_QUEUED		8U
/* Queued copies a read miss looks through for its block's (fill_adopt). */
#define AATTS_MIG_ADOPT_SCAN		64U

static inline u64 aatts_block_of(struct aatts_c *ac, sector_t sector)
{
	return sector >> ac->block_shift;
}

static inline sector_t aatts_slot_sector(struct aatts_c *ac, u32 slot)
{
	return (sector_t)slot << ac->block_shift;
}

/*
 * The files, lowest first; a file calls only the ones above it in this
 * list (events go up through aatts_events.c's notifier chain):
 *   aatts_events.c   the event chain; fast-tier error accounting
 *   aatts_migrate.c  promotions: kcopyd copies and fills
 *   aatts_io.c       map and end_io
 *   aatts_stats.c    counter snapshots and names
 *   aatts_api.c      the control API (dm messages and netlink share it)
 *   aatts_devices.c  the registry of devices
 *   aatts_sysfs.c    sysfs, /proc/aatts, read_group
 *   aatts_netlink.c  the generic netlink family
 *   aatts_target.c   the target: ctr/dtr, status, messages, module init
 */

/* aatts_events.c */
struct notifier_block;
void aatts_event(struct aatts_c *ac, enum aatts_event ev);
int aatts_event_subscribe(struct notifier_block *nb);
void aatts_event_unsubscribe(struct notifier_block *nb);
void aatts_fast_error(struct aatts_c *ac);

/* aatts_io.c */
int aatts_map(struct dm_target *ti, struct bio *bio);
int aatts_end_io(struct dm_target *ti, struct bio *bio, blk_status_t *error);
size_t aatts_per_bio_size(void);
void aatts_fill_work(struct work_struct *work);
int aatts_hits_init(struct aatts_c *ac);
void aatts_hits_exit(struct aatts_c *ac);
void aatts_hits_flush(struct aatts_c *ac);
void aatts_hits_work(struct work_struct *work);
void aatts_unpark_work(struct work_struct *work);

/* aatts_migrate.c */
int aatts_mig_init(struct aatts_c *ac, sector_t max_inflight,
		   sector_t max_bandwidth);
void aatts_mig_exit(struct aatts_c *ac);
void aatts_mig_queue(struct aatts_c *ac, const struct aatts_promotion *p);
bool aatts_mig_has_room(struct aatts_c *ac);
void aatts_mig_fill_reserve(struct aatts_c *ac, const struct aatts_promotion *p,
			    struct bio *bio, struct list_head *fills);
void aatts_mig_fill_done(struct aatts_c *ac, struct aatts_mig *e, bool ok);
bool aatts_mig_aside_reserve(struct aatts_c *ac, sector_t sectors,
			     unsigned int nr);
void aatts_mig_aside_unreserve(struct aatts_c *ac, sector_t sectors,
			       unsigned int nr);
void aatts_mig_aside_skip(struct aatts_c *ac);
void aatts_mig_aside_done(struct aatts_c *ac, struct aatts_mig *e, bool ok);
bool aatts_mig_park(struct aatts_c *ac, struct bio *bio, u32 slot);
bool aatts_mig_fill_adopt(struct aatts_c *ac, u32 slot, struct bio *bio,
			  struct list_head *fills);
void aatts_mig_work(struct work_struct *work);
void aatts_mig_drain(struct aatts_c *ac);
void aatts_mig_refill(struct aatts_c *ac, u64 now_ns);
int aatts_mig_wait_room(struct aatts_c *ac);
void aatts_mig_wake(struct aatts_c *ac);
void aatts_mig_quiesce(struct aatts_c *ac, bool quiesce);

/* aatts_api.c: the one internal control API (dm messages, netlink). */

/* One range of a batch, in sectors (aatts_api_bytes() converts). */
struct aatts_range {
	sector_t start;
	sector_t len;
	u32 score;		/* HINTS_SET */
	u32 priority;		/* PREFETCH */
	u32 index;		/* position in the request */
};

/* The tunables of a device besides the policy. */
struct aatts_params {
	sector_t max_inflight;		/* sectors being copied, at most */
	sector_t max_bandwidth;		/* sectors per second; 0: unlimited */
	unsigned int error_threshold;	/* 0: never */
	unsigned int stats_interval;	/* ms; 0: off */
};

/* Which field of struct aatts_params aatts_api_set_params() refused. */
enum aatts_param_field {
	AATTS_PF_INFLIGHT,
	AATTS_PF_BANDWIDTH,
	AATTS_PF_THRESHOLD,
	AATTS_PF_INTERVAL,
};

int aatts_api_bytes(struct aatts_c *ac, u64 offset, u64 length,
		    struct aatts_range *r);
int aatts_api_check_ranges(struct aatts_c *ac, const struct aatts_range *r,
			   unsigned int nr, unsigned int *bad);
int aatts_api_hint_batch(struct aatts_c *ac, const struct aatts_range *r,
			 unsigned int nr, bool commit, unsigned int *staged,
			 unsigned int *bad);
int aatts_api_prefetch_batch(struct aatts_c *ac, struct aatts_range *r,
			     unsigned int nr, u32 flags, u64 *started,
			     unsigned int *bad);
int aatts_api_demote_batch(struct aatts_c *ac, const struct aatts_range *r,
			   unsigned int nr, u64 *demoted, unsigned int *bad);
int aatts_api_pin_batch(struct aatts_c *ac, const struct aatts_range *r,
			unsigned int nr, bool pin, unsigned int *bad);
void aatts_api_get_params(struct aatts_c *ac, struct aatts_params *p);
int aatts_api_set_params(struct aatts_c *ac, const struct aatts_params *p,
			 enum aatts_param_field *bad);
u64 aatts_api_residency(struct aatts_c *ac, u64 first, u32 nr, u64 *bitmap);
int aatts_api_set_policy(struct aatts_c *ac, const char *name,
			 const struct aatts_kv *kv, unsigned int nr,
			 unsigned int *bad);
unsigned int aatts_api_get_policy(struct aatts_c *ac, enum aatts_policy_id *id,
				  struct aatts_kv *kv, unsigned int max);
int aatts_api_promote(struct aatts_c *ac, sector_t start, sector_t len,
		      bool force, u64 *promoted);
int aatts_api_demote(struct aatts_c *ac, sector_t start, sector_t len,
		     u64 *demoted);
int aatts_api_pin(struct aatts_c *ac, sector_t start, sector_t len, bool pin);
int aatts_api_hint(struct aatts_c *ac, sector_t start, sector_t len, u32 score);
int aatts_api_epoch_commit(struct aatts_c *ac);
int aatts_api_set_migration(struct aatts_c *ac, sector_t max_inflight,
			    sector_t max_bandwidth);
int aatts_api_set_error_threshold(struct aatts_c *ac, unsigned int threshold);
int aatts_api_restore_fast(struct aatts_c *ac);

/* aatts_stats.c: counter snapshots and names. */
struct aatts_stats {
	struct aatts_cache_stats core;
	u64 migrated_sectors;
	u64 dropped;
	u64 filled;
	u64 aside;
	u64 aside_spare;
	u64 reads_parked;
	u64 adopted;
	u64 aside_fallbacks[AATTS_ASIDE_NR];
	u64 copies;
	unsigned int inflight_jobs;
	unsigned int queued;
	u64 fill_copy_ns;
	u64 fill_write_ns;
	u64 fast_errors;
	u64 slow_errors;
	enum aatts_state state;
	enum aatts_policy_id policy;
	/* Under default (adapting): the mode it runs and why. */
	bool adapting;
	struct aatts_cache_adapt adapt;
};

void aatts_get_stats(struct aatts_c *ac, struct aatts_stats *s);
const char *aatts_state_name(enum aatts_state state);
const char *aatts_mode_name(enum aatts_mode mode);
const char *aatts_aside_fallback_name(enum aatts_aside_fallback why);
int aatts_mode_lookup(const char *name);
/* Kernel memory per fast slot: the policy core's and the target's. */
u32 aatts_bytes_per_slot(struct aatts_c *ac);
/* Every counter of the netlink protocol, indexed by AATTS_STAT_A_*. */
void aatts_stat_values(struct aatts_c *ac, const struct aatts_stats *s,
		       u64 v[AATTS_STAT_A_MAX + 1]);

/* aatts_devices.c: the registry of devices. */
void aatts_devices_add(struct aatts_c *ac);
void aatts_devices_del(struct aatts_c *ac);
void aatts_devices_resumed(struct aatts_c *ac);
unsigned int aatts_devices_count(void);
int aatts_devices_each(int (*fn)(struct aatts_c *ac, void *arg), void *arg);
/* The device-mapper name (the disk name while it has none). */
void aatts_dm_name(struct aatts_c *ac, char name[DM_NAME_LEN]);
dev_t aatts_devt(struct aatts_c *ac);
/*
 * Devices for the control plane: a device found is held (aatts_device_put)
 * and its destructor waits until it is put.  Only live tables are found.
 */
struct aatts_c *aatts_device_get(const char *name, bool by_devt, dev_t devt);
struct aatts_c *aatts_device_get_id(u64 id);
struct aatts_c *aatts_device_get_nth(unsigned long n);
void aatts_device_put(struct aatts_c *ac);

/* aatts_sysfs.c: sysfs, /proc/aatts, and who may read them. */
int aatts_sysfs_add(struct aatts_c *ac);
void aatts_sysfs_del(struct aatts_c *ac);
int aatts_sysfs_init(void);
void aatts_sysfs_exit(void);
/* read_group: who may read besides CAP_NET_ADMIN (INVALID_GID: nobody). */
struct cred;
kgid_t aatts_read_gid(void);
bool aatts_in_read_group(const struct cred *cred);

/* aatts_netlink.c: the generic netlink family and its events. */
int aatts_nl_init(void);
void aatts_nl_exit(void);
extern struct notifier_block aatts_nl_notifier;
void aatts_nl_event_work(struct work_struct *work);
void aatts_nl_stats_work(struct work_struct *work);

#endif /* AATTS_H */
