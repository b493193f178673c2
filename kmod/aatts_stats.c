// SPDX-License-Identifier: GPL-2.0-only
/*
 * aatts visibility: one consistent snapshot of a device's counters
 * (aatts_get_stats), shown as files in /sys/kernel/aatts/<dm-N>/ and as
 * one line per device in /proc/aatts.  The names are the same everywhere,
 * and Documentation/admin-guide/aatts.rst describes each.
 *
 * They tell what others read (residency, hits), so they are for the same
 * readers as the netlink reading ops: the per-device files are mode 0440,
 * owned by root and the read_group (root's group while it is unset, and
 * given to the new group when it changes); /proc/aatts is refused at open
 * to whoever has neither CAP_NET_ADMIN nor the group.
 */

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/mutex.h>
#include <linux/sysfs.h>
#include <linux/dm-ioctl.h>

#include "aatts.h"

static const char * const aatts_state_names[] = {
	[AATTS_STATE_RUNNING] = "running",
	[AATTS_STATE_FAILED] = "failed",
};

const char *aatts_state_name(enum aatts_state state)
{
	return aatts_state_names[state];
}

void aatts_get_stats(struct aatts_c *ac, struct aatts_stats *s)
{
	/* Read hits found without the lock count once applied. */
	aatts_hits_flush(ac);
	spin_lock_irq(&ac->lock);
	aatts_cache_get_stats(ac->cache, &s->core);
	s->migrated_sectors = ac->mig.migrated_sectors;
	s->dropped = ac->mig.dropped;
	s->filled = ac->mig.filled;
	s->inflight_jobs = ac->mig.inflight_jobs;
	s->queued = ac->mig.queued;
	s->fast_errors = ac->fast_errors;
	s->slow_errors = ac->slow_errors;
	s->state = ac->state;
	s->policy = aatts_cache_policy(ac->cache);
	spin_unlock_irq(&ac->lock);
}

/* ------------------------------------------------------------------ */
/* sysfs: /sys/kernel/aatts/<dm-N>/<counter>                          */

static struct kset *aatts_kset;
static DEFINE_MUTEX(aatts_devices_lock);
/* Orders sysfs add/del with regroup; taken after aatts_devices_lock. */
static DEFINE_MUTEX(aatts_sysfs_lock);
static LIST_HEAD(aatts_devices);
static unsigned int aatts_nr_devices;	/* guarded by aatts_devices_lock */
static u64 aatts_next_id;		/* guarded by aatts_devices_lock */
static u64 aatts_resume_seq;		/* guarded by aatts_devices_lock */
static DECLARE_WAIT_QUEUE_HEAD(aatts_users_wait);

struct aatts_attr {
	struct attribute attr;
	ssize_t (*show)(struct aatts_c *ac, const struct aatts_stats *s,
			char *buf);
};

/* Read-only, for root and the read_group. */
#define AATTS_ATTR_RO(_name) __ATTR_RO_MODE(_name, 0440)

#define AATTS_U64_ATTR(_name, _expr)					\
static ssize_t _name##_show(struct aatts_c *ac,				\
			    const struct aatts_stats *s, char *buf)	\
{									\
	return sysfs_emit(buf, "%llu\n", (unsigned long long)(_expr));	\
}									\
static struct aatts_attr aatts_attr_##_name = AATTS_ATTR_RO(_name)

AATTS_U64_ATTR(read_hits, s->core.read_hits);
AATTS_U64_ATTR(read_misses, s->core.read_misses);
AATTS_U64_ATTR(write_hits, s->core.write_hits);
AATTS_U64_ATTR(write_misses, s->core.write_misses);
AATTS_U64_ATTR(promotions, s->core.promotions);
AATTS_U64_ATTR(demotions, s->core.evictions + s->core.invalidations);
AATTS_U64_ATTR(evictions, s->core.evictions);
AATTS_U64_ATTR(invalidations, s->core.invalidations);
AATTS_U64_ATTR(rejections, s->core.rejections);
AATTS_U64_ATTR(promotions_failed, s->core.promotions_failed);
AATTS_U64_ATTR(promotions_dropped, s->dropped);
AATTS_U64_ATTR(promotions_filled, s->filled);
AATTS_U64_ATTR(migrated_bytes, s->migrated_sectors << SECTOR_SHIFT);
AATTS_U64_ATTR(inflight_migrations, s->inflight_jobs);
AATTS_U64_ATTR(queued_migrations, s->queued);
AATTS_U64_ATTR(fast_blocks_used, s->core.nr_valid);
AATTS_U64_ATTR(fast_blocks_total, s->core.nr_slots);
AATTS_U64_ATTR(pinned_blocks, s->core.nr_pinned);
AATTS_U64_ATTR(fast_errors, s->fast_errors);
AATTS_U64_ATTR(slow_errors, s->slow_errors);
AATTS_U64_ATTR(hints, s->core.hints);
AATTS_U64_ATTR(epochs, s->core.epochs);
AATTS_U64_ATTR(block_size, ac->block_sectors << SECTOR_SHIFT);
AATTS_U64_ATTR(bytes_per_slot, aatts_bytes_per_slot(ac));

static ssize_t state_show(struct aatts_c *ac, const struct aatts_stats *s,
			  char *buf)
{
	return sysfs_emit(buf, "%s\n", aatts_state_name(s->state));
}

static struct aatts_attr aatts_attr_state = AATTS_ATTR_RO(state);

static ssize_t policy_show(struct aatts_c *ac, const struct aatts_stats *s,
			   char *buf)
{
	return sysfs_emit(buf, "%s\n", aatts_policy_name(s->policy));
}

static struct aatts_attr aatts_attr_policy = AATTS_ATTR_RO(policy);

/* "key=value ..." of the policy in force, every parameter it has. */
static ssize_t policy_params_show(struct aatts_c *ac,
				  const struct aatts_stats *s, char *buf)
{
	struct aatts_kv kv[AATTS_POLICY_PARAMS_NR];
	enum aatts_policy_id id;
	unsigned int n, i;
	int len = 0;

	n = aatts_api_get_policy(ac, &id, kv, ARRAY_SIZE(kv));
	for (i = 0; i < n; i++)
		len += sysfs_emit_at(buf, len, "%s%s=%llu", i ? " " : "",
				     kv[i].key, kv[i].value);
	return len + sysfs_emit_at(buf, len, "\n");
}

static struct aatts_attr aatts_attr_policy_params = AATTS_ATTR_RO(policy_params);

static ssize_t mode_show(struct aatts_c *ac, const struct aatts_stats *s,
			 char *buf)
{
	return sysfs_emit(buf, "%s\n", aatts_mode_name(ac->mode));
}

static struct aatts_attr aatts_attr_mode = AATTS_ATTR_RO(mode);

/* The device-mapper name; it may change (dmsetup rename), so look it up. */
void aatts_dm_name(struct aatts_c *ac, char name[DM_NAME_LEN])
{
	if (dm_copy_name_and_uuid(dm_table_get_md(ac->ti->table), name, NULL))
		strscpy(name, ac->disk_name, DM_NAME_LEN);
}

static ssize_t name_show(struct aatts_c *ac, const struct aatts_stats *s,
			 char *buf)
{
	char name[DM_NAME_LEN];

	aatts_dm_name(ac, name);
	return sysfs_emit(buf, "%s\n", name);
}

static struct aatts_attr aatts_attr_name = AATTS_ATTR_RO(name);

static struct attribute *aatts_attrs[] = {
	&aatts_attr_name.attr,
	&aatts_attr_state.attr,
	&aatts_attr_policy.attr,
	&aatts_attr_policy_params.attr,
	&aatts_attr_mode.attr,
	&aatts_attr_block_size.attr,
	&aatts_attr_bytes_per_slot.attr,
	&aatts_attr_fast_blocks_used.attr,
	&aatts_attr_fast_blocks_total.attr,
	&aatts_attr_pinned_blocks.attr,
	&aatts_attr_read_hits.attr,
	&aatts_attr_read_misses.attr,
	&aatts_attr_write_hits.attr,
	&aatts_attr_write_misses.attr,
	&aatts_attr_promotions.attr,
	&aatts_attr_promotions_failed.attr,
	&aatts_attr_promotions_dropped.attr,
	&aatts_attr_promotions_filled.attr,
	&aatts_attr_rejections.attr,
	&aatts_attr_demotions.attr,
	&aatts_attr_evictions.attr,
	&aatts_attr_invalidations.attr,
	&aatts_attr_migrated_bytes.attr,
	&aatts_attr_inflight_migrations.attr,
	&aatts_attr_queued_migrations.attr,
	&aatts_attr_fast_errors.attr,
	&aatts_attr_slow_errors.attr,
	&aatts_attr_hints.attr,
	&aatts_attr_epochs.attr,
	NULL
};
ATTRIBUTE_GROUPS(aatts);

static ssize_t aatts_attr_show(struct kobject *kobj, struct attribute *attr,
			       char *buf)
{
	struct aatts_c *ac = container_of(kobj, struct aatts_c, kobj);
	struct aatts_attr *a = container_of(attr, struct aatts_attr, attr);
	struct aatts_stats s;

	aatts_get_stats(ac, &s);
	return a->show(ac, &s, buf);
}

static const struct sysfs_ops aatts_sysfs_ops = {
	.show = aatts_attr_show,
};

static void aatts_kobj_release(struct kobject *kobj)
{
	struct aatts_c *ac = container_of(kobj, struct aatts_c, kobj);

	complete(&ac->kobj_released);
}

static kgid_t aatts_sysfs_gid(void)
{
	kgid_t gid = aatts_read_gid();

	return gid_valid(gid) ? gid : GLOBAL_ROOT_GID;
}

static void aatts_kobj_ownership(struct kobject *kobj, kuid_t *uid,
				 kgid_t *gid)
{
	*uid = GLOBAL_ROOT_UID;
	*gid = aatts_sysfs_gid();
}

static const struct kobj_type aatts_ktype = {
	.sysfs_ops = &aatts_sysfs_ops,
	.default_groups = aatts_groups,
	.release = aatts_kobj_release,
	.get_ownership = aatts_kobj_ownership,
};

/*
 * The directory exists while the device is live (resumed): a table reload
 * constructs the new target before the old one is gone, and both must not
 * claim the same name.
 */
int aatts_sysfs_add(struct aatts_c *ac)
{
	int r = 0;

	mutex_lock(&aatts_sysfs_lock);
	if (ac->kobj_added)
		goto out;
	memset(&ac->kobj, 0, sizeof(ac->kobj));
	init_completion(&ac->kobj_released);
	ac->kobj.kset = aatts_kset;
	r = kobject_init_and_add(&ac->kobj, &aatts_ktype, NULL, "%s",
				 ac->disk_name);
	if (r) {
		kobject_put(&ac->kobj);
		wait_for_completion(&ac->kobj_released);
		goto out;
	}
	ac->kobj_added = true;
out:
	mutex_unlock(&aatts_sysfs_lock);
	return r;
}

void aatts_sysfs_del(struct aatts_c *ac)
{
	mutex_lock(&aatts_sysfs_lock);
	if (ac->kobj_added) {
		kobject_del(&ac->kobj);
		kobject_put(&ac->kobj);
		wait_for_completion(&ac->kobj_released);
		ac->kobj_added = false;
	}
	mutex_unlock(&aatts_sysfs_lock);
}

/*
 * After a change of read_group.  Every device with a directory is on the
 * list (added at construction, taken off after its directory is gone), and
 * aatts_sysfs_lock keeps directories from coming and going meanwhile.
 */
int aatts_sysfs_regroup(void)
{
	kgid_t gid = aatts_sysfs_gid();
	struct aatts_c *ac;
	int r = 0, err;

	mutex_lock(&aatts_devices_lock);
	mutex_lock(&aatts_sysfs_lock);
	list_for_each_entry(ac, &aatts_devices, node) {
		if (!ac->kobj_added)
			continue;
		err = sysfs_change_owner(&ac->kobj, GLOBAL_ROOT_UID, gid);
		if (err && !r)
			r = err;
	}
	mutex_unlock(&aatts_sysfs_lock);
	mutex_unlock(&aatts_devices_lock);
	return r;
}

/* ------------------------------------------------------------------ */
/* /proc/aatts: one line per device                                   */

void aatts_devices_add(struct aatts_c *ac)
{
	atomic_set(&ac->users, 0);
	mutex_lock(&aatts_devices_lock);
	ac->id = ++aatts_next_id;
	list_add_tail(&ac->node, &aatts_devices);
	aatts_nr_devices++;
	mutex_unlock(&aatts_devices_lock);
}

/*
 * Takes the device off the list, then waits for the control-plane
 * operations that hold it.  They never wait for device-mapper (no dm lock,
 * no suspend, no I/O to this device), so this cannot deadlock with the
 * dm locks the destructor runs under.
 */
void aatts_devices_del(struct aatts_c *ac)
{
	mutex_lock(&aatts_devices_lock);
	list_del(&ac->node);
	aatts_nr_devices--;
	WRITE_ONCE(ac->dying, true);
	mutex_unlock(&aatts_devices_lock);
	/* Long range loops see dying and stop; room waits are woken. */
	aatts_mig_wake(ac);
	wait_event(aatts_users_wait, !atomic_read(&ac->users));
}

dev_t aatts_devt(struct aatts_c *ac)
{
	return disk_devt(dm_disk(dm_table_get_md(ac->ti->table)));
}

/*
 * A reload constructs the new table while the old one is still live, and
 * both are on the list: the one resumed last (live_seq) is the device's.
 * A table never resumed is no device yet.  (dm_get_live_table() is not
 * exported to modules in 6.1.)
 */
void aatts_devices_resumed(struct aatts_c *ac)
{
	mutex_lock(&aatts_devices_lock);
	ac->live_seq = ++aatts_resume_seq;
	mutex_unlock(&aatts_devices_lock);
}

/* Called with aatts_devices_lock held. */
static bool aatts_live(struct aatts_c *ac)
{
	struct mapped_device *md = dm_table_get_md(ac->ti->table);
	struct aatts_c *other;

	if (!ac->live_seq)
		return false;
	list_for_each_entry(other, &aatts_devices, node)
		if (other->live_seq > ac->live_seq &&
		    dm_table_get_md(other->ti->table) == md)
			return false;
	return true;
}

static struct aatts_c *aatts_hold(struct aatts_c *ac)
{
	atomic_inc(&ac->users);
	return ac;
}

void aatts_device_put(struct aatts_c *ac)
{
	if (atomic_dec_and_test(&ac->users))
		wake_up_all(&aatts_users_wait);
}

/* By name (NULL: any) and, if by_devt, dev_t. */
struct aatts_c *aatts_device_get(const char *name, bool by_devt, dev_t devt)
{
	struct aatts_c *ac, *found = NULL;
	char dm_name[DM_NAME_LEN];

	mutex_lock(&aatts_devices_lock);
	list_for_each_entry(ac, &aatts_devices, node) {
		if (by_devt && aatts_devt(ac) != devt)
			continue;
		if (name) {
			if (dm_copy_name_and_uuid(dm_table_get_md(ac->ti->table),
						  dm_name, NULL) ||
			    strcmp(dm_name, name))
				continue;
		}
		if (aatts_live(ac)) {
			found = aatts_hold(ac);
			break;
		}
	}
	mutex_unlock(&aatts_devices_lock);
	return found;
}

struct aatts_c *aatts_device_get_id(u64 id)
{
	struct aatts_c *ac, *found = NULL;

	mutex_lock(&aatts_devices_lock);
	list_for_each_entry(ac, &aatts_devices, node) {
		if (ac->id == id) {
			found = aatts_hold(ac);
			break;
		}
	}
	mutex_unlock(&aatts_devices_lock);
	return found;
}

/* The n-th live device (from 0), for dumps. */
struct aatts_c *aatts_device_get_nth(unsigned long n)
{
	struct aatts_c *ac, *found = NULL;

	mutex_lock(&aatts_devices_lock);
	list_for_each_entry(ac, &aatts_devices, node) {
		if (!aatts_live(ac))
			continue;
		if (!n--) {
			found = aatts_hold(ac);
			break;
		}
	}
	mutex_unlock(&aatts_devices_lock);
	return found;
}

void aatts_stat_values(struct aatts_c *ac, const struct aatts_stats *s,
		       u64 v[AATTS_STAT_A_MAX + 1])
{
	memset(v, 0, (AATTS_STAT_A_MAX + 1) * sizeof(*v));
	v[AATTS_STAT_A_READ_HITS] = s->core.read_hits;
	v[AATTS_STAT_A_READ_MISSES] = s->core.read_misses;
	v[AATTS_STAT_A_WRITE_HITS] = s->core.write_hits;
	v[AATTS_STAT_A_WRITE_MISSES] = s->core.write_misses;
	v[AATTS_STAT_A_PROMOTIONS] = s->core.promotions;
	v[AATTS_STAT_A_PROMOTIONS_FAILED] = s->core.promotions_failed;
	v[AATTS_STAT_A_PROMOTIONS_DROPPED] = s->dropped;
	v[AATTS_STAT_A_REJECTIONS] = s->core.rejections;
	v[AATTS_STAT_A_DEMOTIONS] = s->core.evictions + s->core.invalidations;
	v[AATTS_STAT_A_EVICTIONS] = s->core.evictions;
	v[AATTS_STAT_A_INVALIDATIONS] = s->core.invalidations;
	v[AATTS_STAT_A_MIGRATED_BYTES] = s->migrated_sectors << SECTOR_SHIFT;
	v[AATTS_STAT_A_INFLIGHT_MIGRATIONS] = s->inflight_jobs;
	v[AATTS_STAT_A_QUEUED_MIGRATIONS] = s->queued;
	v[AATTS_STAT_A_FAST_BLOCKS_USED] = s->core.nr_valid;
	v[AATTS_STAT_A_FAST_BLOCKS_TOTAL] = s->core.nr_slots;
	v[AATTS_STAT_A_PINNED_BLOCKS] = s->core.nr_pinned;
	v[AATTS_STAT_A_FAST_ERRORS] = s->fast_errors;
	v[AATTS_STAT_A_SLOW_ERRORS] = s->slow_errors;
	v[AATTS_STAT_A_HINTS] = s->core.hints;
	v[AATTS_STAT_A_EPOCHS] = s->core.epochs;
	v[AATTS_STAT_A_BYTES_PER_SLOT] = aatts_bytes_per_slot(ac);
}

static int aatts_proc_show(struct seq_file *m, void *v)
{
	char name[DM_NAME_LEN];
	struct aatts_stats s;
	struct aatts_c *ac;

	seq_puts(m, "name disk slow fast block_size state policy mode fast_blocks_used fast_blocks_total read_hits read_misses write_hits write_misses promotions demotions migrated_bytes inflight_migrations fast_errors\n");
	mutex_lock(&aatts_devices_lock);
	list_for_each_entry(ac, &aatts_devices, node) {
		aatts_get_stats(ac, &s);
		aatts_dm_name(ac, name);
		seq_printf(m, "%s %s %s %s %llu %s %s %s %u %u %llu %llu %llu %llu %llu %llu %llu %u %llu\n",
			   name, ac->disk_name, ac->slow->name, ac->fast->name,
			   (unsigned long long)ac->block_sectors << SECTOR_SHIFT,
			   aatts_state_name(s.state),
			   aatts_policy_name(s.policy),
			   aatts_mode_name(ac->mode),
			   s.core.nr_valid, s.core.nr_slots,
			   s.core.read_hits, s.core.read_misses,
			   s.core.write_hits, s.core.write_misses,
			   s.core.promotions,
			   s.core.evictions + s.core.invalidations,
			   s.migrated_sectors << SECTOR_SHIFT,
			   s.inflight_jobs, s.fast_errors);
	}
	mutex_unlock(&aatts_devices_lock);
	return 0;
}

/* Decided at open, by the opener, as the netlink reading ops decide. */
static int aatts_proc_open(struct inode *inode, struct file *file)
{
	if (!aatts_in_read_group(current_cred()) && !capable(CAP_NET_ADMIN))
		return -EPERM;
	return single_open(file, aatts_proc_show, NULL);
}

static const struct proc_ops aatts_proc_ops = {
	.proc_open = aatts_proc_open,
	.proc_read = seq_read,
	.proc_lseek = seq_lseek,
	.proc_release = single_release,
};

/* ------------------------------------------------------------------ */
/* Module-wide files: /sys/kernel/aatts/{version,devices,genl_family}   */

static ssize_t version_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%u.%u.%u\n", AATTS_VERSION_MAJOR,
			  AATTS_VERSION_MINOR, AATTS_VERSION_PATCH);
}

static struct kobj_attribute aatts_mod_version = __ATTR_RO(version);

static ssize_t devices_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	unsigned int n;

	mutex_lock(&aatts_devices_lock);
	n = aatts_nr_devices;
	mutex_unlock(&aatts_devices_lock);
	return sysfs_emit(buf, "%u\n", n);
}

static struct kobj_attribute aatts_mod_devices = __ATTR_RO(devices);

static ssize_t genl_family_show(struct kobject *kobj,
				struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s %u %s\n", AATTS_GENL_NAME,
			  AATTS_GENL_VERSION, AATTS_GENL_MCGRP);
}

static struct kobj_attribute aatts_mod_genl_family = __ATTR_RO(genl_family);

static struct attribute *aatts_mod_attrs[] = {
	&aatts_mod_version.attr,
	&aatts_mod_devices.attr,
	&aatts_mod_genl_family.attr,
	NULL
};

static const struct attribute_group aatts_mod_group = {
	.attrs = aatts_mod_attrs,
};

int aatts_stats_init(void)
{
	int r;

	aatts_kset = kset_create_and_add(AATTS_TARGET_NAME, NULL, kernel_kobj);
	if (!aatts_kset)
		return -ENOMEM;
	r = sysfs_create_group(&aatts_kset->kobj, &aatts_mod_group);
	if (r)
		goto bad_group;
	if (!proc_create(AATTS_TARGET_NAME, 0444, NULL, &aatts_proc_ops)) {
		r = -ENOMEM;
		goto bad_proc;
	}
	return 0;

bad_proc:
	sysfs_remove_group(&aatts_kset->kobj, &aatts_mod_group);
bad_group:
	kset_unregister(aatts_kset);
	return r;
}

void aatts_stats_exit(void)
{
	remove_proc_entry(AATTS_TARGET_NAME, NULL);
	sysfs_remove_group(&aatts_kset->kobj, &aatts_mod_group);
	kset_unregister(aatts_kset);
}
