// SPDX-License-Identifier: GPL-2.0-only
/*
 * aatts: device-mapper target of AAT-TS, the AI-aware Tiered Tensor Store.
 *
 * Stacks a fast tier over a slow tier.  The slow device holds every byte;
 * the fast device holds copies of the blocks the policy core chose.  This
 * file holds the target's life cycle: the table line, suspend and resume,
 * messages and status, and the module's init, which orders the layers.
 * aatts.h lists the other files, lowest first; none calls a file above it.
 */

#include <linux/module.h>
#include <linux/log2.h>
#include <linux/blkdev.h>

#include "aatts.h"

static sector_t aatts_dev_sectors(struct dm_dev *dev)
{
	return bdev_nr_sectors(dev->bdev);
}

static sector_t aatts_default_inflight(struct aatts_c *ac)
{
	return max_t(sector_t, AATTS_DEFAULT_INFLIGHT_BYTES >> SECTOR_SHIFT,
		     ac->block_sectors);
}

/* The table's settings, parsed before anything is allocated. */
struct aatts_args {
	enum aatts_mode mode;
	enum aatts_policy_id policy;
	struct aatts_kv policy_kv[AATTS_POLICY_PARAMS_NR];
	unsigned int nr_policy_kv;
	sector_t max_inflight;		/* 0: default */
	sector_t max_bandwidth;
	unsigned int error_threshold;
};

enum aatts_feature {
	AATTS_FEAT_MODE,
	AATTS_FEAT_POLICY,
	AATTS_FEAT_INFLIGHT,
	AATTS_FEAT_BANDWIDTH,
	AATTS_FEAT_THRESHOLD,
};

static int aatts_parse_block_size(struct aatts_c *ac, const char *arg,
				  char **error)
{
	unsigned long long bs;

	if (kstrtoull(arg, 10, &bs)) {
		*error = "Invalid block size";
		return -EINVAL;
	}
	if (bs < AATTS_BLOCK_SECTORS_MIN || bs > AATTS_BLOCK_SECTORS_MAX) {
		*error = "Block size out of range 8..2097152 sectors";
		return -EINVAL;
	}
	if (!is_power_of_2(bs)) {
		*error = "Block size is not a power of two";
		return -EINVAL;
	}
	ac->block_sectors = bs;
	ac->block_shift = ilog2(bs);
	return 0;
}

static int aatts_feature_value(struct dm_arg_set *as, unsigned int *argc,
			       unsigned long long *val, char **error,
			       char *invalid)
{
	if (!*argc) {
		*error = "Feature value missing";
		return -EINVAL;
	}
	(*argc)--;
	if (kstrtoull(dm_shift_arg(as), 10, val)) {
		*error = invalid;
		return -EINVAL;
	}
	return 0;
}

/*
 * The key=value parameters that follow "policy <name>": each known to the
 * policy, in range and given once.  Checked here, applied by aatts_alloc.
 */
static int aatts_parse_policy_params(struct aatts_args *a,
				     struct dm_arg_set *as, unsigned int *argc,
				     char **error)
{
	while (*argc && strchr(as->argv[0], '=')) {
		struct aatts_kv *kv = &a->policy_kv[a->nr_policy_kv];
		const char *arg, *eq;
		u64 min, max, def;
		unsigned int i;

		if (a->nr_policy_kv == AATTS_POLICY_PARAMS_NR) {
			*error = "Too many policy parameters";
			return -EINVAL;
		}
		(*argc)--;
		arg = dm_shift_arg(as);
		eq = strchr(arg, '=');
		if (eq - arg >= AATTS_PARAM_KEY_MAX) {
			*error = "Unknown policy parameter";
			return -EINVAL;
		}
		memset(kv->key, 0, sizeof(kv->key));
		memcpy(kv->key, arg, eq - arg);
		if (aatts_policy_param_range(a->policy, kv->key, &min, &max,
					     &def)) {
			DMERR("policy %s has no parameter '%s'",
			      aatts_policy_name(a->policy), kv->key);
			*error = "Unknown policy parameter";
			return -EINVAL;
		}
		if (kstrtoull(eq + 1, 10, &kv->value) || kv->value < min ||
		    kv->value > max) {
			DMERR("policy parameter %s: %llu..%llu", kv->key, min, max);
			*error = "Policy parameter out of range";
			return -EINVAL;
		}
		for (i = 0; i < a->nr_policy_kv; i++) {
			if (!strcmp(a->policy_kv[i].key, kv->key)) {
				*error = "Duplicate policy parameter";
				return -EINVAL;
			}
		}
		a->nr_policy_kv++;
	}
	return 0;
}

/* Parses one feature (and its value) into a; *kind says which it was. */
static int aatts_parse_feature(struct aatts_c *ac, struct aatts_args *a,
			       struct dm_arg_set *as, unsigned int *argc,
			       enum aatts_feature *kind, char **error)
{
	const char *name = dm_shift_arg(as);
	unsigned long long v;
	int r;

	r = aatts_mode_lookup(name);
	if (r >= 0) {
		*kind = AATTS_FEAT_MODE;
		a->mode = r;
		return 0;
	}
	if (!strcasecmp(name, "policy")) {
		*kind = AATTS_FEAT_POLICY;
		if (!*argc) {
			*error = "Feature value missing";
			return -EINVAL;
		}
		(*argc)--;
		r = aatts_policy_lookup(dm_shift_arg(as));
		if (r < 0) {
			*error = "Unknown policy";
			return -EINVAL;
		}
		a->policy = r;
		return aatts_parse_policy_params(a, as, argc, error);
	}
	if (!strcasecmp(name, "migration_inflight")) {
		*kind = AATTS_FEAT_INFLIGHT;
		r = aatts_feature_value(as, argc, &v, error,
					"Invalid migration_inflight");
		if (!r && v < ac->block_sectors) {
			*error = "Migration in-flight limit smaller than one block";
			r = -EINVAL;
		}
		a->max_inflight = v;
		return r;
	}
	if (!strcasecmp(name, "migration_bandwidth")) {
		*kind = AATTS_FEAT_BANDWIDTH;
		r = aatts_feature_value(as, argc, &v, error,
					"Invalid migration_bandwidth");
		if (!r && v && v < ac->block_sectors) {
			*error = "Migration bandwidth below one block per second";
			r = -EINVAL;
		}
		a->max_bandwidth = v;
		return r;
	}
	if (!strcasecmp(name, "error_threshold")) {
		*kind = AATTS_FEAT_THRESHOLD;
		r = aatts_feature_value(as, argc, &v, error,
					"Invalid error_threshold");
		if (!r && v > UINT_MAX) {
			*error = "Invalid error_threshold";
			r = -EINVAL;
		}
		a->error_threshold = v;
		return r;
	}
	DMERR("unknown feature '%s'", name);
	*error = "Unknown feature";
	return -EINVAL;
}

/*
 * [<#features> <feature>...]: each feature at most once; the two cache
 * modes exclude each other.
 */
static int aatts_parse_features(struct aatts_c *ac, struct aatts_args *a,
				struct dm_arg_set *as, char **error)
{
	static const struct dm_arg _args[] = {
		{0, 9 + AATTS_POLICY_PARAMS_NR,
		 "Invalid number of feature arguments"},
	};
	enum aatts_feature kind;
	unsigned long seen = 0;
	unsigned int argc;
	const char *name;
	int r;

	a->mode = AATTS_MODE_WRITETHROUGH;
	a->policy = AATTS_POLICY_DEFAULT;
	a->error_threshold = AATTS_DEFAULT_ERROR_THRESHOLD;
	if (!as->argc)
		return 0;

	r = dm_read_arg_group(_args, as, &argc, error);
	if (r)
		return r;

	while (argc--) {
		enum aatts_mode mode = a->mode;

		name = as->argv[0];
		r = aatts_parse_feature(ac, a, as, &argc, &kind, error);
		if (r)
			return r;
		if (test_and_set_bit(kind, &seen)) {
			if (kind == AATTS_FEAT_MODE && mode != a->mode) {
				*error = "Conflicting cache modes";
				return -EINVAL;
			}
			DMERR("duplicate feature '%s'", name);
			*error = "Duplicate feature";
			return -EINVAL;
		}
	}

	if (as->argc) {
		*error = "Too many arguments";
		return -EINVAL;
	}
	return 0;
}

static void aatts_tick_work(struct work_struct *work)
{
	struct aatts_c *ac = container_of(to_delayed_work(work),
					  struct aatts_c, tick_work);

	aatts_hits_flush(ac);
	spin_lock_irq(&ac->lock);
	aatts_cache_tick(ac->cache);
	spin_unlock_irq(&ac->lock);
	queue_delayed_work(ac->wq, &ac->tick_work, HZ);
}

/* Everything that needs the devices and the block size in place. */
static int aatts_alloc(struct aatts_c *ac, const struct aatts_args *a,
		       char **error)
{
	struct aatts_cache_params p = {
		.nr_slots = ac->nr_slots,
		.nr_blocks = ac->nr_blocks,
		.policy = a->policy,
	};
	int r;

	ac->cache = aatts_cache_create(&p);
	if (!ac->cache) {
		*error = "Cannot allocate the policy core";
		return -ENOMEM;
	}
	/* Checked by aatts_parse_policy_params(): cannot fail. */
	r = aatts_cache_set_policy_kv(ac->cache, a->policy, a->policy_kv,
				      a->nr_policy_kv, NULL);
	if (WARN_ON_ONCE(r)) {
		*error = "Invalid policy parameters";
		goto bad_slots;
	}
	/* default's shadows are replayed in batches, off the read's hold. */
	aatts_cache_defer_shadows(ac->cache, true);
	ac->slots = kvcalloc(ac->nr_slots, sizeof(*ac->slots), GFP_KERNEL);
	if (!ac->slots) {
		*error = "Cannot allocate slot table";
		r = -ENOMEM;
		goto bad_slots;
	}
	r = aatts_hits_init(ac);
	if (r) {
		*error = "Cannot allocate per-CPU hit batches";
		goto bad_hits;
	}
	r = aatts_mig_init(ac, a->max_inflight ? a->max_inflight :
			   aatts_default_inflight(ac), a->max_bandwidth);
	if (r) {
		*error = "Cannot allocate migration queue";
		goto bad_mig;
	}
	ac->kc = dm_kcopyd_client_create(NULL);
	if (IS_ERR(ac->kc)) {
		*error = "Cannot create kcopyd client";
		r = PTR_ERR(ac->kc);
		goto bad_kc;
	}
	/* Clones are allocated in map: a rescuer keeps that from deadlocking. */
	r = bioset_init(&ac->bs, BIO_POOL_SIZE, 0, BIOSET_NEED_RESCUER);
	if (r) {
		*error = "Cannot allocate bio set";
		goto bad_bs;
	}
	/* Unbound: the bios end_io hands over run on every CPU at once. */
	ac->wq = alloc_workqueue("aatts-%s", WQ_MEM_RECLAIM | WQ_UNBOUND, 0,
				 ac->disk_name);
	if (!ac->wq) {
		*error = "Cannot create workqueue";
		r = -ENOMEM;
		goto bad_wq;
	}
	return 0;

bad_wq:
	bioset_exit(&ac->bs);
bad_bs:
	dm_kcopyd_client_destroy(ac->kc);
bad_kc:
	aatts_mig_exit(ac);
bad_mig:
	aatts_hits_exit(ac);
bad_hits:
	kvfree(ac->slots);
bad_slots:
	aatts_cache_destroy(ac->cache);
	return r;
}

static void aatts_free(struct aatts_c *ac)
{
	destroy_workqueue(ac->wq);
	bioset_exit(&ac->bs);
	dm_kcopyd_client_destroy(ac->kc);
	aatts_mig_exit(ac);
	aatts_hits_exit(ac);
	kvfree(ac->slots);
	aatts_cache_destroy(ac->cache);
}

/* The largest power-of-two block size that leaves a device <= max blocks. */
static sector_t aatts_block_size_for(sector_t sectors, u32 max)
{
	return roundup_pow_of_two(DIV_ROUND_UP_SECTOR_T(sectors, max));
}

/* Checks the tiers against the table and sizes the slots and blocks. */
static int aatts_size_tiers(struct aatts_c *ac, char **error)
{
	sector_t fast = aatts_dev_sectors(ac->fast);
	sector_t slots = fast >> ac->block_shift;

	if (ac->slow->bdev == ac->fast->bdev) {
		*error = "Slow and fast device must differ";
		return -EINVAL;
	}
	if (ac->ti->len > aatts_dev_sectors(ac->slow)) {
		*error = "Slow device smaller than target length";
		return -EINVAL;
	}
	if (!slots) {
		*error = "Fast device smaller than one block";
		return -EINVAL;
	}
	if (slots > AATTS_CACHE_MAX_SLOTS) {
		DMERR("fast device of %llu blocks, at most %u: use blocks of %llu sectors or more",
		      (unsigned long long)slots, AATTS_CACHE_MAX_SLOTS,
		      (unsigned long long)aatts_block_size_for(fast,
							       AATTS_CACHE_MAX_SLOTS));
		*error = "Fast device has more than 33554432 blocks: use a larger block size";
		return -EINVAL;
	}
	ac->nr_slots = slots;
	ac->nr_blocks = DIV_ROUND_UP_SECTOR_T(ac->ti->len, ac->block_sectors);
	return 0;
}

/* A context with nothing allocated or opened yet: only the works set up. */
static struct aatts_c *aatts_new(struct dm_target *ti)
{
	struct aatts_c *ac = kzalloc(sizeof(*ac), GFP_KERNEL);

	if (!ac)
		return NULL;
	ac->ti = ti;
	spin_lock_init(&ac->lock);
	INIT_DELAYED_WORK(&ac->mig_work, aatts_mig_work);
	INIT_DELAYED_WORK(&ac->tick_work, aatts_tick_work);
	INIT_DELAYED_WORK(&ac->stats_work, aatts_nl_stats_work);
	INIT_WORK(&ac->event_work, aatts_nl_event_work);
	INIT_WORK(&ac->fill_work, aatts_fill_work);
	INIT_WORK(&ac->hits_work, aatts_hits_work);
	INIT_WORK(&ac->unpark_work, aatts_unpark_work);
	INIT_LIST_HEAD(&ac->fills_aside);
	mutex_init(&ac->ctl_lock);
	ac->suspended = true;
	strscpy(ac->disk_name, dm_disk(dm_table_get_md(ti->table))->disk_name,
		sizeof(ac->disk_name));
	return ac;
}

static int aatts_get_devices(struct aatts_c *ac, char **argv, char **error)
{
	struct dm_target *ti = ac->ti;
	fmode_t mode = dm_table_get_mode(ti->table);
	int r;

	r = dm_get_device(ti, argv[0], mode, &ac->slow);
	if (r) {
		*error = "Slow device lookup failed";
		return r;
	}
	r = dm_get_device(ti, argv[1], mode, &ac->fast);
	if (r) {
		*error = "Fast device lookup failed";
		dm_put_device(ti, ac->slow);
	}
	return r;
}

static void aatts_put_devices(struct aatts_c *ac)
{
	dm_put_device(ac->ti, ac->fast);
	dm_put_device(ac->ti, ac->slow);
}

static void aatts_set_target(struct aatts_c *ac)
{
	struct dm_target *ti = ac->ti;

	ti->num_flush_bios = 2;		/* bio 0: slow tier, bio 1: fast tier */
	ti->num_discard_bios = 1;
	/* Discards go to the slow tier only: its support is what counts. */
	ti->discards_supported = bdev_max_discard_sectors(ac->slow->bdev) > 0;
	ti->num_write_zeroes_bios = 1;
	ti->per_io_data_size = aatts_per_bio_size();
	ti->private = ac;
}

/*
 * <slow_dev> <fast_dev> <block_size> [<#features> <feature>...]
 */
static int aatts_ctr(struct dm_target *ti, unsigned int argc, char **argv)
{
	struct dm_arg_set as = { .argc = argc, .argv = argv };
	struct aatts_args a = {};
	struct aatts_c *ac;
	int r;

	if (argc < 3) {
		ti->error = "Not enough arguments";
		return -EINVAL;
	}
	ac = aatts_new(ti);
	if (!ac) {
		ti->error = "Cannot allocate context";
		return -ENOMEM;
	}

	/* Parse the text first: a bad line must not touch any device. */
	r = aatts_parse_block_size(ac, argv[2], &ti->error);
	if (r)
		goto bad;
	dm_consume_args(&as, 3);
	r = aatts_parse_features(ac, &a, &as, &ti->error);
	if (r)
		goto bad;
	ac->mode = a.mode;
	ac->error_threshold = a.error_threshold;

	r = aatts_get_devices(ac, argv, &ti->error);
	if (r)
		goto bad;
	r = aatts_size_tiers(ac, &ti->error) ?: aatts_alloc(ac, &a, &ti->error);
	if (r)
		goto bad_devs;

	aatts_set_target(ac);
	aatts_devices_add(ac);
	return 0;

bad_devs:
	aatts_put_devices(ac);
bad:
	kfree(ac);
	return r;
}

static void aatts_dtr(struct dm_target *ti)
{
	struct aatts_c *ac = ti->private;

	aatts_devices_del(ac);		/* waits for netlink ops */
	aatts_sysfs_del(ac);
	aatts_mig_drain(ac);
	cancel_delayed_work_sync(&ac->tick_work);
	cancel_delayed_work_sync(&ac->stats_work);
	cancel_work_sync(&ac->event_work);
	aatts_free(ac);
	aatts_put_devices(ac);
	mutex_destroy(&ac->ctl_lock);
	kfree(ac);
}

static void aatts_presuspend(struct dm_target *ti)
{
	aatts_mig_quiesce(ti->private, true);
}

static void aatts_presuspend_undo(struct dm_target *ti)
{
	aatts_mig_quiesce(ti->private, false);
}

static void aatts_postsuspend(struct dm_target *ti)
{
	struct aatts_c *ac = ti->private;

	aatts_sysfs_del(ac);
	aatts_mig_drain(ac);		/* sets suspended: no STATS re-arm */
	cancel_delayed_work_sync(&ac->tick_work);
	cancel_delayed_work_sync(&ac->stats_work);
	/* Suspended: control operations work again (copies wait for resume). */
	aatts_mig_quiesce(ac, false);
}

static void aatts_resume(struct dm_target *ti)
{
	struct aatts_c *ac = ti->private;

	spin_lock_irq(&ac->lock);
	ac->suspended = false;
	ac->quiescing = false;
	if (ac->stats_interval)
		queue_delayed_work(system_wq, &ac->stats_work,
				   msecs_to_jiffies(ac->stats_interval));
	spin_unlock_irq(&ac->lock);
	queue_delayed_work(ac->wq, &ac->tick_work, HZ);
	queue_delayed_work(ac->wq, &ac->mig_work, 0);
	aatts_devices_resumed(ac);
	if (aatts_sysfs_add(ac))
		DMWARN("%s: cannot add /sys/kernel/aatts/%s", ac->disk_name,
		       ac->disk_name);
}

/* ------------------------------------------------------------------ */
/* Messages                                                            */

static int aatts_msg_sectors(char **argv, sector_t *start, sector_t *len)
{
	unsigned long long s, l;

	if (kstrtoull(argv[0], 10, &s) || kstrtoull(argv[1], 10, &l))
		return -EINVAL;
	*start = s;
	*len = l;
	return 0;
}

/* policy <name> [<key>=<value>...] */
static int aatts_msg_policy(struct aatts_c *ac, unsigned int argc, char **argv,
			    const char *name)
{
	struct aatts_kv kv[AATTS_POLICY_PARAMS_NR];
	unsigned int i, bad;
	int r;

	if (argc > ARRAY_SIZE(kv)) {
		DMERR("%s: policy: too many parameters", ac->disk_name);
		return -EINVAL;
	}
	for (i = 0; i < argc; i++) {
		char *eq = strchr(argv[i], '=');

		if (!eq || eq == argv[i] || eq - argv[i] >= AATTS_PARAM_KEY_MAX ||
		    kstrtoull(eq + 1, 10, &kv[i].value)) {
			DMERR("%s: policy: invalid parameter '%s'",
			      ac->disk_name, argv[i]);
			return -EINVAL;
		}
		memset(kv[i].key, 0, sizeof(kv[i].key));
		memcpy(kv[i].key, argv[i], eq - argv[i]);
	}
	r = aatts_api_set_policy(ac, name, kv, argc, &bad);
	if (r == -EINVAL && bad == argc)
		DMERR("%s: unknown policy '%s'", ac->disk_name, name);
	else if (r == -EINVAL)
		DMERR("%s: policy %s: unknown, repeated or out of range parameter '%s'",
		      ac->disk_name, name, argv[bad]);
	return r;
}

/*
 * policy <name> [<key>=<value>...]
 * promote|prefetch|demote|pin|unpin <start> <len>
 * hint <start> <len> <score>
 * epoch_commit
 * migration <max_inflight_sectors> <max_bandwidth_sectors_per_s>
 * error_threshold <n>
 * restore_fast
 */
static int aatts_message_locked(struct dm_target *ti, unsigned int argc,
				char **argv, char *result, unsigned int maxlen)
{
	struct aatts_c *ac = ti->private;
	unsigned long long a, b;
	sector_t start, len;
	unsigned int sz = 0, t;
	const char *cmd;
	u64 n = 0;
	int r;

	if (!argc)
		return -EINVAL;
	cmd = argv[0];

	if (!strcasecmp(cmd, "policy") && argc >= 2)
		return aatts_msg_policy(ac, argc - 2, argv + 2, argv[1]);
	if (!strcasecmp(cmd, "epoch_commit") && argc == 1)
		return aatts_api_epoch_commit(ac);
	if (!strcasecmp(cmd, "restore_fast") && argc == 1)
		return aatts_api_restore_fast(ac);
	if (!strcasecmp(cmd, "error_threshold") && argc == 2) {
		if (kstrtouint(argv[1], 10, &t))
			goto bad;
		return aatts_api_set_error_threshold(ac, t);
	}
	if (!strcasecmp(cmd, "migration") && argc == 3) {
		if (kstrtoull(argv[1], 10, &a) || kstrtoull(argv[2], 10, &b))
			goto bad;
		r = aatts_api_set_migration(ac, a, b);
		if (r)
			DMERR("%s: migration limits below one block", ac->disk_name);
		return r;
	}
	if (!strcasecmp(cmd, "hint") && argc == 4) {
		if (aatts_msg_sectors(argv + 1, &start, &len) ||
		    kstrtoull(argv[3], 10, &a) || a > AATTS_SCORE_MAX)
			goto bad;
		r = aatts_api_hint(ac, start, len, a);
		goto out;
	}
	if (argc != 3)
		goto bad;
	if (aatts_msg_sectors(argv + 1, &start, &len))
		goto bad;
	if (!strcasecmp(cmd, "promote"))
		r = aatts_api_promote(ac, start, len, true, &n);
	else if (!strcasecmp(cmd, "prefetch"))
		r = aatts_api_promote(ac, start, len, false, &n);
	else if (!strcasecmp(cmd, "demote"))
		r = aatts_api_demote(ac, start, len, &n);
	else if (!strcasecmp(cmd, "pin"))
		r = aatts_api_pin(ac, start, len, true);
	else if (!strcasecmp(cmd, "unpin"))
		r = aatts_api_pin(ac, start, len, false);
	else
		goto bad;
	if (!r && n) {
		DMEMIT("%llu", (unsigned long long)n);
		return 1;
	}
out:
	if (r == -ERANGE)
		DMERR("%s: %s: range past the end of the device", ac->disk_name, cmd);
	else if (r == -ENOSPC)
		DMERR("%s: %s: no room on the fast tier", ac->disk_name, cmd);
	return r;
bad:
	DMERR("%s: invalid message '%s' with %u arguments", ac->disk_name, cmd,
	      argc - 1);
	return -EINVAL;
}

/*
 * Messages change state as the netlink family's mutating ops do, and are
 * serialised with them (PARAMS_SET reads, changes and writes back).
 */
static int aatts_message(struct dm_target *ti, unsigned int argc, char **argv,
			 char *result, unsigned int maxlen)
{
	struct aatts_c *ac = ti->private;
	int r;

	/* A message may wait for another: a kill ends the wait. */
	if (mutex_lock_killable(&ac->ctl_lock))
		return -EINTR;
	r = aatts_message_locked(ti, argc, argv, result, maxlen);
	mutex_unlock(&ac->ctl_lock);
	return r;
}

/* ------------------------------------------------------------------ */
/* Status                                                              */

/* The policy's parameters whose values differ from their defaults. */
static unsigned int aatts_changed_params(struct aatts_c *ac,
					 struct aatts_kv kv[AATTS_POLICY_PARAMS_NR])
{
	enum aatts_policy_id id;
	unsigned int n, i, changed = 0;
	u64 min, max, def;

	n = aatts_api_get_policy(ac, &id, kv, AATTS_POLICY_PARAMS_NR);
	for (i = 0; i < n; i++) {
		if (aatts_policy_param_range(id, kv[i].key, &min, &max, &def) ||
		    kv[i].value == def)
			continue;
		kv[changed++] = kv[i];
	}
	return changed;
}

static void aatts_status(struct dm_target *ti, status_type_t type,
			 unsigned int status_flags, char *result,
			 unsigned int maxlen)
{
	struct aatts_c *ac = ti->private;
	struct aatts_kv kv[AATTS_POLICY_PARAMS_NR];
	unsigned int sz = 0, nfeat = 0, nkv, i;
	struct aatts_stats s;
	sector_t inflight, bandwidth;

	aatts_get_stats(ac, &s);
	spin_lock_irq(&ac->lock);
	inflight = ac->mig.max_inflight;
	bandwidth = ac->mig.max_bandwidth;
	spin_unlock_irq(&ac->lock);

	switch (type) {
	case STATUSTYPE_INFO:
		DMEMIT("%llu %s %s %s %u/%u %llu %llu %llu %llu %llu %llu %llu %u %llu %u",
		       (unsigned long long)ac->block_sectors,
		       aatts_state_name(s.state), aatts_policy_name(s.policy),
		       aatts_mode_name(ac->mode),
		       s.core.nr_valid, s.core.nr_slots,
		       s.core.read_hits, s.core.read_misses,
		       s.core.write_hits, s.core.write_misses,
		       s.core.promotions, s.core.evictions + s.core.invalidations,
		       s.migrated_sectors << SECTOR_SHIFT, s.inflight_jobs,
		       s.fast_errors, aatts_bytes_per_slot(ac));
		/*
		 * Appended (since 1.3): what the policy runs now and, under
		 * default, why: its shadows' sampled hit ratios (per mille).
		 */
		DMEMIT(" %s", aatts_cache_mode_name(s.adapt.mode));
		if (!s.adapting) {
			DMEMIT(" 0");
			break;
		}
		DMEMIT(" %d warm=%d switches=%llu periods=%llu",
		       AATTS_POLICY_NR + 3, s.adapt.warm, s.adapt.switches,
		       s.adapt.periods);
		for (i = 0; i < AATTS_POLICY_NR; i++)
			DMEMIT(" %s=%u", aatts_cache_mode_name(i),
			       s.adapt.ratio[i]);
		break;

	case STATUSTYPE_TABLE:
		DMEMIT("%s %s %llu", ac->slow->name, ac->fast->name,
		       (unsigned long long)ac->block_sectors);
		nkv = aatts_changed_params(ac, kv);
		nfeat += ac->mode != AATTS_MODE_WRITETHROUGH;
		nfeat += (2 + nkv) * (s.policy != AATTS_POLICY_DEFAULT || nkv);
		nfeat += 2 * (inflight != aatts_default_inflight(ac));
		nfeat += 2 * !!bandwidth;
		nfeat += 2 * (ac->error_threshold != AATTS_DEFAULT_ERROR_THRESHOLD);
		if (!nfeat)
			break;
		DMEMIT(" %u", nfeat);
		if (ac->mode != AATTS_MODE_WRITETHROUGH)
			DMEMIT(" %s", aatts_mode_name(ac->mode));
		if (s.policy != AATTS_POLICY_DEFAULT || nkv)
			DMEMIT(" policy %s", aatts_policy_name(s.policy));
		for (i = 0; i < nkv; i++)
			DMEMIT(" %s=%llu", kv[i].key, kv[i].value);
		if (inflight != aatts_default_inflight(ac))
			DMEMIT(" migration_inflight %llu",
			       (unsigned long long)inflight);
		if (bandwidth)
			DMEMIT(" migration_bandwidth %llu",
			       (unsigned long long)bandwidth);
		if (ac->error_threshold != AATTS_DEFAULT_ERROR_THRESHOLD)
			DMEMIT(" error_threshold %u", ac->error_threshold);
		break;

	case STATUSTYPE_IMA:
		DMEMIT_TARGET_NAME_VERSION(ti->type);
		DMEMIT(",slow_dev=%s,fast_dev=%s,block_size=%llu,mode=%s,policy=%s;",
		       ac->slow->name, ac->fast->name,
		       (unsigned long long)ac->block_sectors,
		       aatts_mode_name(ac->mode), aatts_policy_name(s.policy));
		break;
	}
}

static int aatts_iterate_devices(struct dm_target *ti,
				 iterate_devices_callout_fn fn, void *data)
{
	struct aatts_c *ac = ti->private;
	int r;

	r = fn(ti, ac->fast, 0, aatts_dev_sectors(ac->fast), data);
	if (!r)
		r = fn(ti, ac->slow, 0, ti->len, data);
	return r;
}

static struct target_type aatts_target = {
	.name		 = AATTS_TARGET_NAME,
	.version	 = {AATTS_VERSION_MAJOR, AATTS_VERSION_MINOR,
			    AATTS_VERSION_PATCH},
	.module		 = THIS_MODULE,
	/* One aatts target per table: netlink names devices, not targets. */
	.features	 = DM_TARGET_SINGLETON,
	.ctr		 = aatts_ctr,
	.dtr		 = aatts_dtr,
	.map		 = aatts_map,
	.end_io		 = aatts_end_io,
	.presuspend	 = aatts_presuspend,
	.presuspend_undo = aatts_presuspend_undo,
	.postsuspend	 = aatts_postsuspend,
	.resume		 = aatts_resume,
	.message	 = aatts_message,
	.status		 = aatts_status,
	.iterate_devices = aatts_iterate_devices,
};

/*
 * Init orders the layers: the files and the netlink family first, then
 * the family subscribes to the devices' events, the target last: once
 * registered a table may use it, and an error after that would free the
 * module under the table.  Until then every netlink op finds no device
 * (ENODEV).
 */
static int __init aatts_init(void)
{
	int r;

	r = aatts_sysfs_init();
	if (r)
		return r;
	r = aatts_nl_init();
	if (r)
		goto bad_nl;
	r = aatts_event_subscribe(&aatts_nl_notifier);
	if (r)
		goto bad_events;
	r = dm_register_target(&aatts_target);
	if (r)
		goto bad_target;
	return 0;

bad_target:
	aatts_event_unsubscribe(&aatts_nl_notifier);
bad_events:
	aatts_nl_exit();
bad_nl:
	aatts_sysfs_exit();
	return r;
}

static void __exit aatts_exit(void)
{
	dm_unregister_target(&aatts_target);
	aatts_event_unsubscribe(&aatts_nl_notifier);
	aatts_nl_exit();
	aatts_sysfs_exit();
}

module_init(aatts_init);
module_exit(aatts_exit);

MODULE_DESCRIPTION(DM_NAME " AI-aware tiered tensor store target");
MODULE_AUTHOR("AAT-TS developers");
MODULE_LICENSE("GPL");
