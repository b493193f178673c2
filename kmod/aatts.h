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
#include <linux/bio.h>
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
 * Per fast slot, beside the policy core's metadata.  gen and writing are
 * guarded by aatts_c.lock; inflight is atomic so that a read hit completes
 * without the lock.  A slot is not refilled while I/O to it is in flight.
 */
struct aatts_slot_io {
	atomic_t inflight;	/* reads and writes to this slot in flight */
	u16 gen;	/* bumped whenever the slot is reserved for a block */
	u16 writing;	/* a write-through update of this slot in flight */
};

/* The most blocks one bio is mapped as a whole for (bounds lock holds). */
#define AATTS_MAX_BIO_BLOCKS	256

/* A promotion queued or being copied. */
struct aatts_mig {
	struct list_head list;
	struct aatts_c *ac;
	u64 block;
	u32 slot;
	sector_t sectors;
};

/* Migration limits and accounting; guarded by aatts_c.lock. */
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
	u64 dropped;			/* promotions dropped: queue full */
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

	spinlock_t lock;		/* everything below, and the core */
	struct aatts_cache *cache;
	struct aatts_slot_io *slots;
	struct aatts_migration mig;
	enum aatts_state state;
	unsigned int error_threshold;	/* fast errors before FAILED; 0: never */
	u64 fast_errors;
	u64 slow_errors;
	bool suspended;

	struct dm_kcopyd_client *kc;
	struct workqueue_struct *wq;
	struct work_struct io_work;	/* resubmits deferred bios */
	struct bio_list deferred;
	struct delayed_work mig_work;	/* starts queued promotions */
	struct delayed_work tick_work;	/* policy aging, bandwidth refill */

	struct kobject kobj;		/* /sys/kernel/aatts/<dm-N>/ */
	struct completion kobj_released;
	bool kobj_added;
	char disk_name[32];
	struct list_head node;		/* aatts_devices, for /proc/aatts */
};

/* Defaults for the table's feature arguments. */
#define AATTS_DEFAULT_INFLIGHT_BYTES	(64ULL << 20)
#define AATTS_DEFAULT_ERROR_THRESHOLD	16
#define AATTS_MIG_POOL_MAX		4096U

static inline u64 aatts_block_of(struct aatts_c *ac, sector_t sector)
{
	return sector >> ac->block_shift;
}

static inline sector_t aatts_slot_sector(struct aatts_c *ac, u32 slot)
{
	return (sector_t)slot << ac->block_shift;
}

/* aatts_target.c */
const char *aatts_mode_name(enum aatts_mode mode);
/* Kernel memory per fast slot: the policy core's and the target's. */
u32 aatts_bytes_per_slot(struct aatts_c *ac);

/* aatts_io.c */
int aatts_map(struct dm_target *ti, struct bio *bio);
int aatts_end_io(struct dm_target *ti, struct bio *bio, blk_status_t *error);
void aatts_io_work(struct work_struct *work);
void aatts_fast_error(struct aatts_c *ac);
size_t aatts_per_bio_size(void);

/* aatts_migrate.c */
int aatts_mig_init(struct aatts_c *ac, sector_t max_inflight,
		   sector_t max_bandwidth);
void aatts_mig_exit(struct aatts_c *ac);
void aatts_mig_queue(struct aatts_c *ac, const struct aatts_promotion *p);
void aatts_mig_work(struct work_struct *work);
void aatts_mig_drain(struct aatts_c *ac);
void aatts_mig_refill(struct aatts_c *ac, u64 now_ns);

/* aatts_api.c: the one internal control API (dm messages, netlink). */
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

/* aatts_stats.c: status, sysfs and procfs. */
struct aatts_stats {
	struct aatts_cache_stats core;
	u64 migrated_sectors;
	u64 dropped;
	unsigned int inflight_jobs;
	unsigned int queued;
	u64 fast_errors;
	u64 slow_errors;
	enum aatts_state state;
	enum aatts_policy_id policy;
};

void aatts_get_stats(struct aatts_c *ac, struct aatts_stats *s);
const char *aatts_state_name(enum aatts_state state);
void aatts_devices_add(struct aatts_c *ac);
void aatts_devices_del(struct aatts_c *ac);
int aatts_sysfs_add(struct aatts_c *ac);
void aatts_sysfs_del(struct aatts_c *ac);
int aatts_stats_init(void);
void aatts_stats_exit(void);

#endif /* AATTS_H */
