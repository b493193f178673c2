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

int dm_create_aatts(const char *name, const char *slow, const char *fast,
		    uint64_t block_bytes, const char *policy,
		    const char *mode)
{
	char params[1024];
	struct dm_task *dmt;
	uint64_t len;
	int n, r, ok;

	r = dev_sectors(slow, &len);
	if (r)
		return r;
	if (dev_sectors(fast, &(uint64_t){ 0 }))
		return EXIT_RUNTIME;
	if (!len)
		return err("%s: the slow device is empty", slow);
	n = snprintf(params, sizeof(params), "%s %s %" PRIu64, slow, fast,
		     block_bytes >> 9);
	if (policy || mode)
		n += snprintf(params + n, sizeof(params) - n, " %d%s%s%s%s",
			      (policy ? 2 : 0) + (mode ? 1 : 0),
			      mode ? " " : "", mode ? mode : "",
			      policy ? " policy " : "", policy ? policy : "");
	if (n >= (int)sizeof(params))
		return err("device paths too long");

	dm_setup();
	dmt = dm_task_create(DM_DEVICE_CREATE);
	if (!dmt)
		return err("out of memory");
	ok = dm_task_set_name(dmt, name) &&
	     dm_task_add_target(dmt, 0, len, AATTS_TARGET_NAME, params) &&
	     dm_task_run(dmt);
	dm_task_destroy(dmt);
	dm_task_update_nodes();
	if (!ok) {
		r = dm_fail("create", name);
		fprintf(stderr, "%s: table '0 %" PRIu64 " aatts %s'; the kernel log says why\n",
			PROG, len, params);
		return r;
	}
	return 0;
}

int dm_remove_aatts(const char *name)
{
	char *type = NULL, *params = NULL;
	uint64_t start, len;
	struct dm_info info;
	struct dm_task *dmt;
	int ok;

	dm_setup();
	dmt = dm_task_create(DM_DEVICE_TABLE);
	if (!dmt)
		return err("out of memory");
	ok = dm_task_set_name(dmt, name) && dm_task_run(dmt) &&
	     dm_task_get_info(dmt, &info);
	if (!ok) {
		dm_task_destroy(dmt);
		return dm_fail("remove", name);
	}
	if (!info.exists) {
		dm_task_destroy(dmt);
		return err("remove %s: no such device-mapper device", name);
	}
	dm_get_next_target(dmt, NULL, &start, &len, &type, &params);
	if (!type || strcmp(type, AATTS_TARGET_NAME)) {
		err("remove %s: not an aatts device (target '%s'); use dmsetup",
		    name, type ? type : "none");
		dm_task_destroy(dmt);
		return EXIT_RUNTIME;
	}
	dm_task_destroy(dmt);

	dmt = dm_task_create(DM_DEVICE_REMOVE);
	if (!dmt)
		return err("out of memory");
	ok = dm_task_set_name(dmt, name) && dm_task_run(dmt);
	dm_task_destroy(dmt);
	dm_task_update_nodes();
	return ok ? 0 : dm_fail("remove", name);
}
