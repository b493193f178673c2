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
#include <linux/math64.h>

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

/* u64 / u32: a 32-bit kernel has no 64-bit '/' (no __udivdi3). */
static inline u64 pc_div_u64(u64 n, u32 d)
{
	return div_u64(n, d);
}

static inline u32 pc_rem_u64(u64 n, u32 d)
{
	u32 r;

	div_u64_rem(n, d, &r);
	return r;
}

/* For the map's lockless readers (aatts_cache_peek()). */
#define PC_READ_ONCE(x)		READ_ONCE(x)
#define PC_WRITE_ONCE(x, v)	WRITE_ONCE(x, v)
/* Orders a lockless reader's loads; pairs with pc_smp_wmb(). */
#define pc_smp_rmb()		smp_rmb()
/* Orders the map writer's stores; pairs with pc_smp_rmb(). */
#define pc_smp_wmb()		smp_wmb()

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

static inline u64 pc_div_u64(u64 n, u32 d)
{
	return n / d;
}

static inline u32 pc_rem_u64(u64 n, u32 d)
{
	return n % d;
}

/* Like WARN_ON_ONCE(): the condition's value, usable in an if. */
#define PC_WARN_ON(x)	(!!(x))

#define PC_READ_ONCE(x)		__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define PC_WRITE_ONCE(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_RELAXED)
#define pc_smp_rmb()		__atomic_thread_fence(__ATOMIC_ACQUIRE)
#define pc_smp_wmb()		__atomic_thread_fence(__ATOMIC_RELEASE)

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

#ifndef min
#define min(a, b) ({ typeof(a) _a = (a); typeof(b) _b = (b); _a < _b ? _a : _b; })
#define max(a, b) ({ typeof(a) _a = (a); typeof(b) _b = (b); _a > _b ? _a : _b; })
#endif

#endif /* __KERNEL__ */

#endif /* AATTS_ENV_H */
