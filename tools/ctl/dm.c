// SPDX-License-Identifier: GPL-2.0-only
/*
 * aattsctl: creating and removing aatts devices with libdevmapper.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <libdevmapper.h>

#include "ctl.h"

static char dm_last[256];

static void dm_log(int level, const char *file, int line, int dm_errno,
		   const char *fmt, ...)
{
	va_list ap;

	(void)file;
	(void)line;
	(void)dm_errno;
	if ((level & 7) > 3)	/* errors only */
		return;
	va_start(ap, fmt);
	vsnprintf(dm_last, sizeof(dm_last), fmt, ap);
	va_end(ap);
}

static void dm_setup(void)
{
	dm_log_with_errno_init(dm_log);
	/* Create the /dev/mapper node ourselves when no udev runs. */
	dm_udev_set_sync_support(0);
	dm_last[0] = '\0';
}

static int dm_fail(const char *what, const char *name)
{
	if (dm_last[0])
		return err("%s %s: %s", what, name, dm_last);
	return err("%s %s failed", what, name);
}

/* Size in 512-byte sectors of a block device given as a path or M:m. */
static int dev_sectors(const char *dev, uint64_t *sectors)
{
	unsigned int maj, min;
	char path[64], extra;
	struct stat st;
	FILE *f;
	int ok;

	if (!stat(dev, &st)) {
		if (!S_ISBLK(st.st_mode))
			return err("%s: not a block device", dev);
		maj = major(st.st_rdev);
		min = minor(st.st_rdev);
	} else if (sscanf(dev, "%u:%u%c", &maj, &min, &extra) != 2) {
		return err("%s: %s", dev, strerror(errno));
	}
	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/size", maj, min);
	f = fopen(path, "r");
	if (!f)
		return err("%s: no block device %u:%u", dev, maj, min);
	ok = fscanf(f, "%" SCNu64, sectors) == 1;
	fclose(f);
	if (!ok)
		return err("%s: cannot read %s", dev, path);
	return 0;
}

/* Creates name with one target over 0..len and its /dev/mapper node. */
static int dm_create_table(const char *name, uint64_t len, const char *type,
			   const char *params)
{
	struct dm_task *dmt;
	int ok;

	dm_setup();
	dmt = dm_task_create(DM_DEVICE_CREATE);
	if (!dmt)
		return err("out of memory");
	ok = dm_task_set_name(dmt, name) &&
	     dm_task_add_target(dmt, 0, len, type, params) &&
	     dm_task_run(dmt);
	dm_task_destroy(dmt);
	/* What dmsetup mknodes does: no udev runs (dm_setup). */
	dm_task_update_nodes();
	return ok ? 0 : dm_fail("create", name);
}

int dm_create_aatts(const char *name, const char *slow, const char *fast,
		    uint64_t block_bytes, const char *policy,
		    const char *mode, int error_threshold)
{
	char params[1024], feat[64] = "";
	unsigned int nfeat = 0;
	uint64_t len;
	int n, r;

	r = dev_sectors(slow, &len);
	if (r)
		return r;
	if (dev_sectors(fast, &(uint64_t){ 0 }))
		return EXIT_RUNTIME;
	if (!len)
		return err("%s: the slow device is empty", slow);
	n = 0;
	if (mode) {
		n += snprintf(feat + n, sizeof(feat) - n, " %s", mode);
		nfeat++;
	}
	if (policy) {
		n += snprintf(feat + n, sizeof(feat) - n, " policy %s", policy);
		nfeat += 2;
	}
	if (error_threshold >= 0) {
		n += snprintf(feat + n, sizeof(feat) - n, " error_threshold %d",
			      error_threshold);
		nfeat += 2;
	}
	if (n >= (int)sizeof(feat))
		return err("policy name too long");
	n = snprintf(params, sizeof(params), "%s %s %" PRIu64, slow, fast,
		     block_bytes >> 9);
	if (nfeat)
		n += snprintf(params + n, sizeof(params) - n, " %u%s", nfeat,
			      feat);
	if (n >= (int)sizeof(params))
		return err("device paths too long");

	r = dm_create_table(name, len, AATTS_TARGET_NAME, params);
	if (r)
		fprintf(stderr, "%s: table '0 %" PRIu64 " aatts %s'; the kernel log says why\n",
			PROG, len, params);
	return r;
}

int dm_nofast_name(const char *name, char *buf, size_t len)
{
	if ((size_t)snprintf(buf, len, "%s%s", name, DM_NOFAST_SUFFIX) >= len ||
	    strlen(buf) >= AATTS_NAME_MAX)
		return err("%s: name too long for its pass-through tier %s%s",
			   name, name, DM_NOFAST_SUFFIX);
	return 0;
}

int dm_create_nofast(const char *name, uint64_t sectors)
{
	return dm_create_table(name, sectors, "error", "");
}

/*
 * The info and the only target of name; 0 with *exists false when there is
 * no such device.  *type is freed with the task: copied to type_buf.
 */
static int dm_lookup(const char *name, struct dm_info *info, char *type_buf,
		     size_t type_len)
{
	char *type = NULL, *params = NULL;
	uint64_t start, len;
	struct dm_task *dmt;
	int ok;

	type_buf[0] = '\0';
	dm_setup();
	/* INFO first: TABLE fails on a name that does not exist. */
	dmt = dm_task_create(DM_DEVICE_INFO);
	if (!dmt)
		return err("out of memory");
	ok = dm_task_set_name(dmt, name) && dm_task_run(dmt) &&
	     dm_task_get_info(dmt, info);
	dm_task_destroy(dmt);
	if (!ok)
		return dm_fail("lookup", name);
	if (!info->exists)
		return 0;

	dmt = dm_task_create(DM_DEVICE_TABLE);
	if (!dmt)
		return err("out of memory");
	ok = dm_task_set_name(dmt, name) && dm_task_run(dmt) &&
	     dm_task_get_info(dmt, info);
	if (!ok) {
		dm_task_destroy(dmt);
		return dm_fail("lookup", name);
	}
	if (info->exists)
		dm_get_next_target(dmt, NULL, &start, &len, &type, &params);
	snprintf(type_buf, type_len, "%s", type ? type : "");
	dm_task_destroy(dmt);
	return 0;
}

int dm_devt(const char *name, char *buf, size_t len, char *type,
	    size_t type_len)
{
	struct dm_info info;
	int r;

	r = dm_lookup(name, &info, type, type_len);
	if (r)
		return -1;
	if (!info.exists)
		return 1;
	snprintf(buf, len, "%u:%u", info.major, info.minor);
	return 0;
}

static int dm_remove_one(const char *name)
{
	struct dm_task *dmt;
	int ok;

	dm_setup();
	dmt = dm_task_create(DM_DEVICE_REMOVE);
	if (!dmt)
		return err("out of memory");
	ok = dm_task_set_name(dmt, name) && dm_task_run(dmt);
	dm_task_destroy(dmt);
	dm_task_update_nodes();
	return ok ? 0 : dm_fail("remove", name);
}

/* The pass-through tier of name, when there is one (an error target). */
int dm_remove_nofast(const char *name)
{
	char nofast[AATTS_NAME_MAX + 32], type[32];
	struct dm_info info;

	if (dm_nofast_name(name, nofast, sizeof(nofast)))
		return 0;	/* there cannot be one */
	if (dm_lookup(nofast, &info, type, sizeof(type)))
		return EXIT_RUNTIME;
	if (!info.exists || strcmp(type, "error"))
		return 0;
	return dm_remove_one(nofast);
}

int dm_remove_aatts(const char *name)
{
	struct dm_info info;
	char type[32];
	int r;

	r = dm_lookup(name, &info, type, sizeof(type));
	if (r)
		return r;
	if (!info.exists)
		return err("remove %s: no such device-mapper device", name);
	if (strcmp(type, AATTS_TARGET_NAME))
		return err("remove %s: not an aatts device (target '%s'); use dmsetup",
			   name, type[0] ? type : "none");
	r = dm_remove_one(name);
	if (!r)
		r = dm_remove_nofast(name);
	return r;
}
