// SPDX-License-Identifier: GPL-2.0-only
#define _GNU_SOURCE
#include "dmtest.h"

#include <errno.h>
#include <fcntl.h>
#include <libdevmapper.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/fs.h>

static char last_error[512];

static void dmt_log(int level, const char *file, int line, int dm_errno,
		    const char *fmt, ...)
{
	va_list ap;

	(void)file;
	(void)line;
	(void)dm_errno;
	if (level > 3)	/* keep errors and warnings only */
		return;
	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
}

void dmt_init(void)
{
	dm_log_with_errno_init(dmt_log);
	dm_udev_set_sync_support(0);
}

const char *dmt_last_error(void)
{
	return last_error;
}

static int dmt_table_task(int type, const char *name, uint64_t len,
			  const char *target, const char *params)
{
	struct dm_task *dmt = dm_task_create(type);
	int ok;

	if (!dmt)
		return -1;
	ok = dm_task_set_name(dmt, name) &&
	     dm_task_add_target(dmt, 0, len, target, params) &&
	     dm_task_run(dmt);
	dm_task_destroy(dmt);
	return ok ? 0 : -1;
}

int dmt_create(const char *name, uint64_t len, const char *target,
	       const char *params)
{
	return dmt_table_task(DM_DEVICE_CREATE, name, len, target, params);
}

int dmt_reload(const char *name, uint64_t len, const char *target,
	       const char *params)
{
	return dmt_table_task(DM_DEVICE_RELOAD, name, len, target, params);
}

static int dmt_simple(int type, const char *name)
{
	struct dm_task *dmt = dm_task_create(type);
	int ok;

	if (!dmt)
		return -1;
	ok = dm_task_set_name(dmt, name) && dm_task_run(dmt);
	dm_task_destroy(dmt);
	return ok ? 0 : -1;
}

int dmt_resume(const char *name)
{
	return dmt_simple(DM_DEVICE_RESUME, name);
}

int dmt_remove(const char *name)
{
	return dmt_simple(DM_DEVICE_REMOVE, name);
}

static struct dm_task *dmt_info(const char *name, int type,
				struct dm_info *info)
{
	struct dm_task *dmt = dm_task_create(type);

	if (!dmt)
		return NULL;
	if (!dm_task_set_name(dmt, name) || !dm_task_run(dmt) ||
	    !dm_task_get_info(dmt, info)) {
		dm_task_destroy(dmt);
		return NULL;
	}
	return dmt;
}

int dmt_exists(const char *name)
{
	struct dm_info info;
	struct dm_task *dmt = dmt_info(name, DM_DEVICE_INFO, &info);
	int exists;

	if (!dmt)
		return 0;
	exists = info.exists;
	dm_task_destroy(dmt);
	return exists;
}

int dmt_devno(const char *name, char *buf, size_t size)
{
	struct dm_info info;
	struct dm_task *dmt = dmt_info(name, DM_DEVICE_INFO, &info);

	if (!dmt)
		return -1;
	snprintf(buf, size, "%u:%u", info.major, info.minor);
	dm_task_destroy(dmt);
	return info.exists ? 0 : -1;
}

int dmt_params(const char *name, int table, char *buf, size_t size)
{
	struct dm_info info;
	struct dm_task *dmt;
	uint64_t start, length;
	char *type = NULL, *params = NULL;

	dmt = dmt_info(name, table ? DM_DEVICE_TABLE : DM_DEVICE_STATUS, &info);
	if (!dmt)
		return -1;
	dm_get_next_target(dmt, NULL, &start, &length, &type, &params);
	snprintf(buf, size, "%s", params ? params : "");
	dm_task_destroy(dmt);
	return params ? 0 : -1;
}

uint64_t dev_sectors(const char *path)
{
	uint64_t bytes = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	if (ioctl(fd, BLKGETSIZE64, &bytes))
		bytes = 0;
	close(fd);
	return bytes >> 9;
}

int kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

int kmsg_find(int fd, const char *needle)
{
	char rec[8192];
	int found = 0;
	ssize_t n;

	for (;;) {
		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)	/* overwritten records */
			continue;
		if (n <= 0)
			break;
		rec[n] = '\0';
		if (strstr(rec, needle))
			found = 1;
	}
	return found;
}

void aatts_sysfs_str(const char *disk, const char *file, char *buf, size_t n)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/kernel/aatts/%s/%s", disk, file);
	buf[0] = '\0';
	f = fopen(path, "r");
	if (!f)
		return;
	if (fgets(buf, (int)n, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}
