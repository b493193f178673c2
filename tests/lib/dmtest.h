/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers for the VM tests: device-mapper through libdevmapper, the kernel
 * log through /dev/kmsg, block device sizes.
 */
#ifndef AATTS_TESTS_DMTEST_H
#define AATTS_TESTS_DMTEST_H

#include <stddef.h>
#include <stdint.h>

/* Silences libdevmapper's own logging; the last message is kept. */
void dmt_init(void);
const char *dmt_last_error(void);

/* One-target tables.  Return 0 on success, -1 on failure. */
int dmt_create(const char *name, uint64_t len, const char *target,
	       const char *params);
int dmt_reload(const char *name, uint64_t len, const char *target,
	       const char *params);
int dmt_resume(const char *name);
int dmt_remove(const char *name);
int dmt_exists(const char *name);
/* "major:minor" of a dm device. */
int dmt_devno(const char *name, char *buf, size_t size);

/* STATUSTYPE_TABLE (table != 0) or STATUSTYPE_INFO params of one target. */
int dmt_params(const char *name, int table, char *buf, size_t size);

/* /sys/kernel/aatts/DISK/FILE without its newline; "" if unreadable. */
void aatts_sysfs_str(const char *disk, const char *file, char *buf, size_t n);

/* Size of a block device in 512-byte sectors, or 0 on error. */
uint64_t dev_sectors(const char *path);

/*
 * kmsg_open() positions at the end of the kernel log; kmsg_find() reads what
 * was logged since and returns 1 if a record contains needle.
 */
int kmsg_open(void);
int kmsg_find(int fd, const char *needle);

#endif
