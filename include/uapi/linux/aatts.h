/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * AAT-TS, the AI-aware Tiered Tensor Store: the kernel/user contract.
 *
 * This header is the one place that defines what user space may rely on
 * when it talks to aatts.ko.  Today that is the device-mapper table line;
 * the generic netlink protocol will be documented here as well.
 *
 * Device-mapper table line
 * ------------------------
 *
 *   <start> <len> aatts <slow_dev> <fast_dev> <block_size> [<#features> <feature>...]
 *
 *   slow_dev    the device whose contents are cached (path or major:minor);
 *               the target's <len> must not exceed its size.
 *   fast_dev    the fast tier (NVMe, pmem, RAM disk); at least one block.
 *               It must not be the same device as slow_dev.
 *   block_size  cache block size in 512-byte sectors: a power of two within
 *               AATTS_BLOCK_SECTORS_MIN..AATTS_BLOCK_SECTORS_MAX.
 *   features    each at most once:
 *                 writethrough  writes go to the slow tier and update a
 *                               resident copy on the fast tier (default);
 *                 writearound   writes go to the slow tier only and drop a
 *                               resident copy from the fast tier.
 *               The two modes exclude each other.
 *
 * The fast tier never holds the only copy of any data, whatever the mode.
 */
#ifndef _UAPI_LINUX_AATTS_H
#define _UAPI_LINUX_AATTS_H

#define AATTS_TARGET_NAME		"aatts"

#define AATTS_VERSION_MAJOR		1
#define AATTS_VERSION_MINOR		0
#define AATTS_VERSION_PATCH		0

/* Cache block size bounds, in 512-byte sectors (4 KiB .. 1 GiB). */
#define AATTS_BLOCK_SECTORS_MIN		8
#define AATTS_BLOCK_SECTORS_MAX		2097152

#endif /* _UAPI_LINUX_AATTS_H */
