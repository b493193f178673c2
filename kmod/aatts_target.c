// SPDX-License-Identifier: GPL-2.0-only
/*
 * aatts: device-mapper target of AAT-TS, the AI-aware Tiered Tensor Store.
 *
 * Stacks a fast tier over a slow tier.  The slow device holds every byte;
 * the fast device will hold copies of the blocks worth having close.  At
 * this stage the target validates and holds both devices and remaps all
 * I/O to the slow device.
 */

#include <linux/device-mapper.h>
#include <linux/module.h>
#include <linux/log2.h>
#include <linux/blkdev.h>
#include <linux/bio.h>
#include <uapi/linux/aatts.h>

#define DM_MSG_PREFIX AATTS_TARGET_NAME

enum aatts_mode {
	AATTS_MODE_WRITETHROUGH,
	AATTS_MODE_WRITEAROUND,
};

static const char * const aatts_mode_names[] = {
	[AATTS_MODE_WRITETHROUGH] = "writethrough",
	[AATTS_MODE_WRITEAROUND] = "writearound",
};

struct aatts_c {
	struct dm_dev *slow;
	struct dm_dev *fast;
	sector_t block_sectors;
	sector_t fast_blocks;
	enum aatts_mode mode;
};

static sector_t aatts_dev_sectors(struct dm_dev *dev)
{
	return bdev_nr_sectors(dev->bdev);
}

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
	return 0;
}

/*
 * Features are parsed into a bitmask first so that duplicates and
 * conflicts are reported whatever order they come in.
 */
static int aatts_parse_features(struct aatts_c *ac, struct dm_arg_set *as,
				char **error)
{
	static const struct dm_arg _args[] = {
		{0, 2, "Invalid number of feature arguments"},
	};
	unsigned long seen = 0;
	unsigned int argc;
	const char *name;
	int i, r;

	ac->mode = AATTS_MODE_WRITETHROUGH;
	if (!as->argc)
		return 0;

	r = dm_read_arg_group(_args, as, &argc, error);
	if (r)
		return r;

	while (argc--) {
		name = dm_shift_arg(as);
		for (i = 0; i < ARRAY_SIZE(aatts_mode_names); i++)
			if (!strcasecmp(name, aatts_mode_names[i]))
				break;
		if (i == ARRAY_SIZE(aatts_mode_names)) {
			DMERR("unknown feature '%s'", name);
			*error = "Unknown feature";
			return -EINVAL;
		}
		if (test_and_set_bit(i, &seen)) {
			DMERR("duplicate feature '%s'", name);
			*error = "Duplicate feature";
			return -EINVAL;
		}
		if (seen & ~BIT(i)) {
			*error = "Conflicting cache modes";
			return -EINVAL;
		}
		ac->mode = i;
	}

	if (as->argc) {
		*error = "Too many arguments";
		return -EINVAL;
	}
	return 0;
}

/*
 * <slow_dev> <fast_dev> <block_size> [<#features> <feature>...]
 */
static int aatts_ctr(struct dm_target *ti, unsigned int argc, char **argv)
{
	struct dm_arg_set as = { .argc = argc, .argv = argv };
	struct aatts_c *ac;
	fmode_t mode;
	int r;

	if (argc < 3) {
		ti->error = "Not enough arguments";
		return -EINVAL;
	}

	ac = kzalloc(sizeof(*ac), GFP_KERNEL);
	if (!ac) {
		ti->error = "Cannot allocate context";
		return -ENOMEM;
	}

	/* Parse the text first: a bad line must not touch any device. */
	r = aatts_parse_block_size(ac, argv[2], &ti->error);
	if (r)
		goto bad;

	dm_consume_args(&as, 3);
	r = aatts_parse_features(ac, &as, &ti->error);
	if (r)
		goto bad;

	mode = dm_table_get_mode(ti->table);
	r = dm_get_device(ti, argv[0], mode, &ac->slow);
	if (r) {
		ti->error = "Slow device lookup failed";
		goto bad;
	}

	r = dm_get_device(ti, argv[1], mode, &ac->fast);
	if (r) {
		ti->error = "Fast device lookup failed";
		goto bad_fast;
	}

	if (ac->slow->bdev == ac->fast->bdev) {
		ti->error = "Slow and fast device must differ";
		r = -EINVAL;
		goto bad_devs;
	}

	if (ti->len > aatts_dev_sectors(ac->slow)) {
		ti->error = "Slow device smaller than target length";
		r = -EINVAL;
		goto bad_devs;
	}

	ac->fast_blocks = aatts_dev_sectors(ac->fast) >> ilog2(ac->block_sectors);
	if (!ac->fast_blocks) {
		ti->error = "Fast device smaller than one block";
		r = -EINVAL;
		goto bad_devs;
	}

	ti->num_flush_bios = 1;
	ti->num_discard_bios = 1;
	ti->private = ac;
	return 0;

bad_devs:
	dm_put_device(ti, ac->fast);
bad_fast:
	dm_put_device(ti, ac->slow);
bad:
	kfree(ac);
	return r;
}

static void aatts_dtr(struct dm_target *ti)
{
	struct aatts_c *ac = ti->private;

	dm_put_device(ti, ac->fast);
	dm_put_device(ti, ac->slow);
	kfree(ac);
}

static int aatts_map(struct dm_target *ti, struct bio *bio)
{
	struct aatts_c *ac = ti->private;

	bio_set_dev(bio, ac->slow->bdev);
	if (bio_sectors(bio))
		bio->bi_iter.bi_sector = dm_target_offset(ti, bio->bi_iter.bi_sector);
	return DM_MAPIO_REMAPPED;
}

static void aatts_status(struct dm_target *ti, status_type_t type,
			 unsigned int status_flags, char *result,
			 unsigned int maxlen)
{
	struct aatts_c *ac = ti->private;
	unsigned int sz = 0;

	switch (type) {
	case STATUSTYPE_INFO:
		DMEMIT("%llu passthrough", (unsigned long long)ac->block_sectors);
		break;

	case STATUSTYPE_TABLE:
		DMEMIT("%s %s %llu", ac->slow->name, ac->fast->name,
		       (unsigned long long)ac->block_sectors);
		if (ac->mode != AATTS_MODE_WRITETHROUGH)
			DMEMIT(" 1 %s", aatts_mode_names[ac->mode]);
		break;

	case STATUSTYPE_IMA:
		DMEMIT_TARGET_NAME_VERSION(ti->type);
		DMEMIT(",slow_dev=%s,fast_dev=%s,block_size=%llu,mode=%s;",
		       ac->slow->name, ac->fast->name,
		       (unsigned long long)ac->block_sectors,
		       aatts_mode_names[ac->mode]);
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
	.ctr		 = aatts_ctr,
	.dtr		 = aatts_dtr,
	.map		 = aatts_map,
	.status		 = aatts_status,
	.iterate_devices = aatts_iterate_devices,
};

static int __init aatts_init(void)
{
	return dm_register_target(&aatts_target);
}

static void __exit aatts_exit(void)
{
	dm_unregister_target(&aatts_target);
}

module_init(aatts_init);
module_exit(aatts_exit);

MODULE_DESCRIPTION(DM_NAME " AI-aware tiered tensor store target");
MODULE_AUTHOR("AAT-TS developers");
MODULE_LICENSE("GPL");
