// SPDX-License-Identifier: GPL-2.0-only
/*
 * aatts files: a device's counters (aatts_get_stats) as files in
 * /sys/kernel/aatts/<dm-N>/, one line per device in /proc/aatts, and the
 * module's own files in /sys/kernel/aatts/.  The names are the same
 * everywhere, and Documentation/admin-guide/aatts.rst describes each.
 *
 * They tell what others read (residency, hits), so they are for the same
 * readers as the netlink reading ops, and read_group, which names them,
 * lives here: the per-device files are mode 0440, owned by root and the
 * read_group (root's group while it is unset, and given to the new group
 * when it changes); /proc/aatts is refused at open to whoever has neither
 * CAP_NET_ADMIN nor the group.
 */

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/moduleparam.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/mutex.h>
#include <linux/sysfs.h>
#include <linux/dm-ioctl.h>

#include "aatts.h"

static struct kset *aatts_kset;
/* Orders sysfs add/del with regroup; taken after the registry's lock. */
static DEFINE_MUTEX(aatts_sysfs_lock);

static int aatts_sysfs_regroup(void);

/* ------------------------------------------------------------------ */
/* Who may read                                                        */

/* A gid in the initial user namespace, or -1: CAP_NET_ADMIN only. */
static int aatts_read_group = -1;

static int aatts_read_group_set(const char *val, const struct kernel_param *kp)
{
	int gid, err;

	err = kstrtoint(val, 0, &gid);
	if (err)
		return err;
	if (gid < -1)
		return -EINVAL;
	WRITE_ONCE(aatts_read_group, gid);
	/* The sysfs files of live devices follow. */
	return aatts_sysfs_regroup();
}

static const struct kernel_param_ops aatts_read_group_ops = {
	.set = aatts_read_group_set,
	.get = param_get_int,
};

module_param_cb(read_group, &aatts_read_group_ops, &aatts_read_group, 0644);
MODULE_PARM_DESC(read_group,
		 "gid whose members may read residency, counters and device details (DEV_GET, POLICY_GET, STATS_GET, RESIDENCY_GET, sysfs, /proc/aatts) without CAP_NET_ADMIN; -1 (default): nobody");

kgid_t aatts_read_gid(void)
{
	int gid = READ_ONCE(aatts_read_group);

	return gid < 0 ? INVALID_GID : make_kgid(&init_user_ns, gid);
}

/* A binary search of the sorted groups (groups_search() is not exported). */
static bool aatts_groups_have(const struct group_info *gi, kgid_t gid)
{
	unsigned int lo = 0, hi = gi->ngroups, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (gid_gt(gid, gi->gid[mid]))
			lo = mid + 1;
		else if (gid_lt(gid, gi->gid[mid]))
			hi = mid;
		else
			return true;
	}
	return false;
}

/* Whether cred is in read_group, as in_group_p() says for current. */
bool aatts_in_read_group(const struct cred *cred)
{
	kgid_t gid = aatts_read_gid();

	if (!gid_valid(gid))
		return false;
	return gid_eq(cred->fsgid, gid) ||
	       aatts_groups_have(cred->group_info, gid);
}

/* ------------------------------------------------------------------ */
/* sysfs: /sys/kernel/aatts/<dm-N>/<counter>                          */

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

#define AATTS_STR_ATTR(_name, _expr)					\
static ssize_t _name##_show(struct aatts_c *ac,				\
			    const struct aatts_stats *s, char *buf)	\
{									\
	return sysfs_emit(buf, "%s\n", _expr);				\
}									\
static struct aatts_attr aatts_attr_##_name = AATTS_ATTR_RO(_name)

AATTS_U64_ATTR(read_hits, s->core.read_hits);
AATTS_U64_ATTR(read_misses, s->core.read_misses);
AATTS_U64_ATTR(write_hits, s->core.write_hits);
AATTS_U64_ATTR(write_misses, s->core.write_misses);
AATTS_U64_ATTR(promotions, s->core.promotions);
AATTS_U64_ATTR(demotions, s->core.evictions + s->core.invalidations);
AATTS_U64_ATTR(evictions, s->core.evictions);
AATTS_U64_ATTR(dead_evictions, s->core.dead_evictions);
AATTS_U64_ATTR(read_filling, s->core.read_filling);
AATTS_U64_ATTR(invalidations, s->core.invalidations);
AATTS_U64_ATTR(rejections, s->core.rejections);
AATTS_U64_ATTR(promotions_failed, s->core.promotions_failed);
AATTS_U64_ATTR(promotions_dropped, s->dropped);
AATTS_U64_ATTR(promotions_filled, s->filled);
AATTS_U64_ATTR(migration_copies, s->copies);
AATTS_U64_ATTR(fills_aside, s->aside);
AATTS_U64_ATTR(fills_aside_spare, s->aside_spare);
AATTS_U64_ATTR(reads_parked, s->reads_parked);
AATTS_U64_ATTR(fills_adopted, s->adopted);
AATTS_U64_ATTR(fill_copy_ns, s->fill_copy_ns);
AATTS_U64_ATTR(fill_write_ns, s->fill_write_ns);
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

AATTS_STR_ATTR(state, aatts_state_name(s->state));

AATTS_STR_ATTR(policy, aatts_policy_name(s->policy));

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

/*
 * What the default policy runs now and its shadows' sampled hit ratios
 * (per mille); "-" under another policy.
 */
static ssize_t policy_adapt_show(struct aatts_c *ac,
				 const struct aatts_stats *s, char *buf)
{
	const struct aatts_cache_adapt *a = &s->adapt;
	int id, len;

	if (!s->adapting)
		return sysfs_emit(buf, "-\n");
	len = sysfs_emit(buf, "mode=%s switches=%llu periods=%llu warm=%d",
			 aatts_cache_mode_name(a->mode), a->switches,
			 a->periods, a->warm);
	len += sysfs_emit_at(buf, len,
			     " shadow_slots=%u sampled_ppm=%u shadow_bytes=%llu",
			     a->shadow_slots, a->sampled_ppm, a->shadow_bytes);
	for (id = 0; id < AATTS_POLICY_NR; id++)
		len += sysfs_emit_at(buf, len, " %s=%u",
				     aatts_cache_mode_name(id), a->ratio[id]);
	return len + sysfs_emit_at(buf, len, "\n");
}

static struct aatts_attr aatts_attr_policy_adapt = AATTS_ATTR_RO(policy_adapt);

/* Reads that waited for their fills instead of copying them aside, by cause. */
static ssize_t fill_aside_fallbacks_show(struct aatts_c *ac,
					 const struct aatts_stats *s, char *buf)
{
	int why, len = 0;

	for (why = 0; why < AATTS_ASIDE_NR; why++)
		len += sysfs_emit_at(buf, len, "%s%s=%llu", why ? " " : "",
				     aatts_aside_fallback_name(why),
				     s->aside_fallbacks[why]);
	return len + sysfs_emit_at(buf, len, "\n");
}

static struct aatts_attr aatts_attr_fill_aside_fallbacks =
	AATTS_ATTR_RO(fill_aside_fallbacks);

AATTS_STR_ATTR(mode, aatts_mode_name(ac->mode));

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
	&aatts_attr_policy_adapt.attr,
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
	&aatts_attr_fills_aside.attr,
	&aatts_attr_fills_aside_spare.attr,
	&aatts_attr_reads_parked.attr,
	&aatts_attr_fills_adopted.attr,
	&aatts_attr_fill_aside_fallbacks.attr,
	&aatts_attr_fill_copy_ns.attr,
	&aatts_attr_fill_write_ns.attr,
	&aatts_attr_migration_copies.attr,
	&aatts_attr_rejections.attr,
	&aatts_attr_demotions.attr,
	&aatts_attr_evictions.attr,
	&aatts_attr_dead_evictions.attr,
	&aatts_attr_read_filling.attr,
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

static int aatts_sysfs_regroup_one(struct aatts_c *ac, void *arg)
{
	kgid_t gid = aatts_sysfs_gid();
	int *r = arg, err = 0;

	mutex_lock(&aatts_sysfs_lock);
	if (ac->kobj_added)
		err = sysfs_change_owner(&ac->kobj, GLOBAL_ROOT_UID, gid);
	mutex_unlock(&aatts_sysfs_lock);
	if (err && !*r)
		*r = err;
	return 0;
}

/*
 * After a change of read_group.  Every device with a directory is on the
 * registry's list (added at construction, taken off after its directory
 * is gone), so each directory is given to the new group.
 */
static int aatts_sysfs_regroup(void)
{
	int r = 0;

	aatts_devices_each(aatts_sysfs_regroup_one, &r);
	return r;
}

/* ------------------------------------------------------------------ */
/* /proc/aatts: one line per device                                   */

static int aatts_proc_show_one(struct aatts_c *ac, void *arg)
{
	struct seq_file *m = arg;
	char name[DM_NAME_LEN];
	struct aatts_stats s;

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
	return 0;
}

static int aatts_proc_show(struct seq_file *m, void *v)
{
	seq_puts(m, "name disk slow fast block_size state policy mode fast_blocks_used fast_blocks_total read_hits read_misses write_hits write_misses promotions demotions migrated_bytes inflight_migrations fast_errors\n");
	return aatts_devices_each(aatts_proc_show_one, m);
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
	return sysfs_emit(buf, "%u\n", aatts_devices_count());
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

int aatts_sysfs_init(void)
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

void aatts_sysfs_exit(void)
{
	remove_proc_entry(AATTS_TARGET_NAME, NULL);
	sysfs_remove_group(&aatts_kset->kobj, &aatts_mod_group);
	kset_unregister(aatts_kset);
}
