/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The environment of the AAT-TS policy core: the few types and helpers it
 * needs, from the kernel when built into aatts.ko and from libc when built
 * into the user-space simulator.  Nothing else in kmod/policy/ may include
 * a kernel-only or libc-only header.
 */
#ifndef AATTS_ENV_H
#define AATTS_ENV_H

#ifdef __KERNEL__

#include <linux/kernel.h>
#include <linux/types.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/minmax.h>
#include <linux/sort.h>

/* Process context only (create/destroy): may sleep. */
static inline void *pc_zalloc(size_t n)
{
	return kvzalloc(n, GFP_KERNEL);
}

static inline void pc_free(void *p)
{
	kvfree(p);
}

#define PC_WARN_ON(x)	WARN_ON_ONCE(x)

/* In-place sort, no allocation, no recursion (lib/sort.c: heapsort). */
static inline void pc_sort(void *base, size_t num, size_t size,
			   int (*cmp)(const void *, const void *))
{
	sort(base, num, size, cmp, NULL);
}

#else /* user space */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>

typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;
typedef __s32 s32;
typedef __s64 s64;

static inline void *pc_zalloc(size_t n)
{
	return calloc(1, n ? n : 1);
}

static inline void pc_free(void *p)
{
	free(p);
}

static inline void pc_sort(void *base, size_t num, size_t size,
			   int (*cmp)(const void *, const void *))
{
	qsort(base, num, size, cmp);
}

/* Like WARN_ON_ONCE(): the condition's value, usable in an if. */
#define PC_WARN_ON(x)	(!!(x))

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

#ifndef min
#define min(a, b) ({ typeof(a) _a = (a); typeof(b) _b = (b); _a < _b ? _a : _b; })
#define max(a, b) ({ typeof(a) _a = (a); typeof(b) _b = (b); _a > _b ? _a : _b; })
#endif

#endif /* __KERNEL__ */

#endif /* AATTS_ENV_H */
