// SPDX-License-Identifier: GPL-2.0-only
/*
 * reads.bpf.c: which files, at which offsets, processes read on the file
 * systems of watched block devices (the aatts devices), coalesced in the
 * kernel into sequential runs and handed to user space as ranges over a
 * ring buffer.  Loaded by ebpf/observer.c; Documentation/ebpf.rst explains
 * the hook points.
 *
 *   fexit filemap_read             buffered reads (read, pread, readv,
 *                                  io_uring, splice on 6.1): the file, the
 *                                  offset and the bytes copied
 *   fentry/fexit filemap_fault     page faults on file mappings (MMAP)
 *   tp_btf mm_filemap_add_to_page_cache
 *                                  a folio of a watched file entered the
 *                                  page cache in this thread: its next read
 *                                  (or the fault in progress) of that file
 *                                  is MISSED, not CACHED
 *   tp_btf sched_process_exit      a process's open runs end with it
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "reads.h"

#define S_IFMT		00170000
#define S_IFREG		0100000
/* VM_FAULT_ERROR (a macro, so not in vmlinux.h), from enum vm_fault_reason. */
#define FAULT_ERROR	(VM_FAULT_OOM | VM_FAULT_SIGBUS | VM_FAULT_SIGSEGV | \
			 VM_FAULT_HWPOISON | VM_FAULT_HWPOISON_LARGE | \
			 VM_FAULT_FALLBACK)

/*
 * A sequential walk through a mapping faults only every so often: the
 * pages readahead brought in are mapped by fault-around without a fault,
 * so faults come once per readahead window (128 KiB by default; 96 to
 * 160 KiB apart in the VM test).  A fault at most this far past a run's
 * end continues it.
 */
#define MMAP_GAP_BYTES	(256u << 10)

/* Knobs, set by the loader before load. */
const volatile __u32 targ_tgid;		/* 0: every process */
const volatile __u64 targ_cgroup;	/* 0: every cgroup */
const volatile __u64 max_run_bytes = READS_MAX_RUN_BYTES;
const volatile __u32 page_size = 4096;
const volatile bool exit_flush = true;	/* bpf_for_each_map_elem usable */
/*
 * bpf_get_current_cgroup_id() exists (CONFIG_CGROUPS): false leaves its
 * calls unreached, which the verifier then does not check, and the ids 0.
 */
const volatile bool cgroup_ids = true;
/*
 * Prompt ranges (aatts_observer_opts.prompt): the first read of each run
 * goes out at once as a range of its own (the run goes on from its end),
 * and a thread that turns to another file ends its run of the previous
 * one.  A prefetcher learns that a file is being read when its read
 * starts, not when the reader exits.
 */
const volatile bool prompt;

/*
 * Watched block devices, kernel dev_t encoding: the map, and in front of
 * it the loader's table (reads.h), one load for a read of a file on a
 * device that is not watched.
 */
__u32 watch_slots[READS_WATCH_SLOTS];

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, READS_MAX_WATCHED);
	__type(key, __u32);
	__type(value, __u8);
} watched SEC(".maps");

/*
 * Open runs.  A plain hash, not an LRU one: an LRU map drops its oldest
 * entry silently, and the range with it; here a run that finds no room is
 * delivered at once instead (READS_STAT_EVICTED).
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, READS_MAX_RUNS);
	__type(key, struct reads_run_key);
	__type(value, struct reads_run);
} runs SEC(".maps");

/*
 * Per thread, in task local storage (a few loads on the hot path, where a
 * hash keyed by tid costs an update and a delete):
 * - the page-cache misses not yet claimed by a read: the tracepoint counts
 *   folios a thread adds to the page cache of a watched file, the next
 *   filemap_read() exit of that thread on that file claims them;
 * - the page fault in progress (filemap_fault() entry to exit).
 */
struct slot {
	struct inode *inode;	/* only compared, never dereferenced */
	__u64 pos;
	__u64 ino;
	__u32 dev;
	__u32 generation;
	__u32 misses;		/* folios of this inode added meanwhile */
	__u32 active;
};

struct task_state {
	struct inode *miss_inode;	/* only compared */
	__u32 misses;			/* folios of miss_inode added */
	__u32 pad;
	struct slot fault;
	struct reads_run_key last;	/* prompt: the run read last */
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct task_state);
} tstate SEC(".maps");

/* Processes that have (or had) open runs: only their exit walks the runs. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, READS_MAX_TGIDS);
	__type(key, __u32);
	__type(value, __u8);
} tgids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, READS_RING_BYTES);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, READS_STAT_NR);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

static __always_inline void count(__u32 which)
{
	__u64 *v = bpf_map_lookup_elem(&stats, &which);

	if (v)
		*v += 1;
}

static __always_inline void emit(const struct reads_run_key *key,
				 const struct reads_run *run)
{
	struct reads_event *e;

	if (run->end == run->start)
		return;		/* a prompt run with nothing after its head */
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count(READS_STAT_DROPS);
		return;
	}
	e->key = *key;
	e->run = *run;
	bpf_ringbuf_submit(e, 0);
	count(READS_STAT_RANGES);
}

static __always_inline __u64 current_cgroup(void)
{
	return cgroup_ids ? bpf_get_current_cgroup_id() : 0;
}

/* Whether a read of this inode by the current task is to be recorded. */
static __always_inline bool wanted(struct inode *inode)
{
	__u32 dev, slot;

	if (!inode)
		return false;
	if (targ_tgid && (bpf_get_current_pid_tgid() >> 32) != targ_tgid)
		return false;
	dev = inode->i_sb->s_dev;
	slot = watch_slots[reads_watch_slot(dev)];
	if (slot != dev && (slot != READS_WATCH_SHARED ||
			    !bpf_map_lookup_elem(&watched, &dev)))
		return false;
	if ((inode->i_mode & S_IFMT) != S_IFREG)
		return false;
	if (targ_cgroup && current_cgroup() != targ_cgroup)
		return false;
	return true;
}

/* The inode's number, device and generation: plain loads (typed pointer). */
static __always_inline void identify(struct slot *sl, struct inode *inode)
{
	sl->inode = inode;
	sl->ino = inode->i_ino;
	sl->dev = inode->i_sb->s_dev;
	sl->generation = inode->i_generation;
}

/*
 * Prompt: when this thread read another run last, that run ends now (a
 * loader reading file after file in one process delivers each file when
 * it turns to the next, not at its exit).  Other threads' runs are left
 * alone: readers of different files in one process do not end each
 * other's runs.
 */
static __always_inline void end_last_run(struct task_state *ts,
					 const struct reads_run_key *key)
{
	struct reads_run *run;

	if (!ts)
		return;
	if (ts->last.ino != key->ino || ts->last.dev != key->dev ||
	    ts->last.tgid != key->tgid) {
		run = bpf_map_lookup_elem(&runs, &ts->last);
		if (run && run->tid == (__u32)bpf_get_current_pid_tgid()) {
			emit(&ts->last, run);
			bpf_map_delete_elem(&runs, &ts->last);
		}
		ts->last = *key;
	}
}

/* Adds [off, off + len) of the slot's file, just read, to the run. */
static __always_inline void record(struct task_state *ts, const struct slot *sl,
				   __u64 off, __u64 len, __u32 kind)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 flags = kind | (sl->misses ? READS_MISSED : READS_CACHED);
	struct reads_run_key key = {};
	struct reads_run *run, fresh = {};
	__u64 now = bpf_ktime_get_ns();
	__u8 one = 1;

	count(READS_STAT_READS);
	key.ino = sl->ino;
	key.tgid = id >> 32;
	key.dev = sl->dev;
	if (prompt)
		end_last_run(ts, &key);

	run = bpf_map_lookup_elem(&runs, &key);
	if (run && kind == READS_MMAP && (run->flags & READS_MMAP) &&
	    off + len > run->start && off + len <= run->end) {
		/* A fault again on pages of the run (a retry, a refault). */
		run->time_ns = now;
		if (flags & READS_MISSED)
			run->flags = (run->flags & ~READS_CACHED) |
				     READS_MISSED;
		return;
	}
	if (run && kind == READS_MMAP && (run->flags & READS_MMAP) &&
	    off > run->end && off - run->end <= MMAP_GAP_BYTES) {
		/* Fault-around mapped the pages in between. */
		len += off - run->end;
		off = run->end;
	}
	if (run) {
		if (off == run->end && (run->flags & READS_MMAP) == kind) {
			run->end += len;
			run->time_ns = now;
			run->tid = (__u32)id;
			if (flags & READS_MISSED)
				run->flags = (run->flags & ~READS_CACHED) |
					     READS_MISSED;
			if (run->end - run->start >= max_run_bytes) {
				emit(&key, run);
				bpf_map_delete_elem(&runs, &key);
			}
			return;
		}
		/* Not a continuation: the run ends, this read starts one. */
		emit(&key, run);
		run->start = off;
		run->end = off + len;
		run->time_ns = now;
		run->tid = (__u32)id;
		run->flags = flags;
		run->cgroup_id = current_cgroup();
		run->generation = sl->generation;
		if (prompt && len < max_run_bytes) {
			emit(&key, run);
			run->start = run->end;
			run->flags = kind | READS_CACHED;
		}
		return;
	}

	fresh.start = off;
	fresh.end = off + len;
	fresh.time_ns = now;
	fresh.cgroup_id = current_cgroup();
	fresh.tid = (__u32)id;
	fresh.generation = sl->generation;
	fresh.flags = flags;
	if (prompt && len < max_run_bytes) {
		/* The head now; the run goes on, empty, from its end. */
		emit(&key, &fresh);
		fresh.start = fresh.end;
		fresh.flags = kind | READS_CACHED;
	}
	if (len < max_run_bytes &&
	    !bpf_map_update_elem(&runs, &key, &fresh, BPF_NOEXIST)) {
		if (exit_flush)
			bpf_map_update_elem(&tgids, &key.tgid, &one, BPF_ANY);
		return;
	}
	/* No room (or a run as long as the limit): delivered right away. */
	if (len < max_run_bytes)
		count(READS_STAT_EVICTED);
	emit(&key, &fresh);
}

/*
 * Buffered reads: fexit only, one program per read.  filemap_read() has
 * advanced iocb->ki_pos past the bytes it copied, ret - already_read.
 */
SEC("fexit/filemap_read")
int BPF_PROG(read_exit, struct kiocb *iocb, struct iov_iter *iter,
	     ssize_t already_read, ssize_t ret)
{
	struct file *file = iocb->ki_filp;
	struct slot cur = {};
	struct task_state *ts;
	struct inode *inode;
	__u64 len;

	if (ret <= already_read || !file)
		return 0;
	inode = file->f_inode;
	if (!wanted(inode))
		return 0;
	len = ret - already_read;
	identify(&cur, inode);
	cur.pos = iocb->ki_pos - len;
	/* Prompt ranges keep the thread's last run here (end_last_run()). */
	ts = bpf_task_storage_get(&tstate, bpf_get_current_task_btf(), 0,
				  prompt ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0);
	if (ts && ts->misses && ts->miss_inode == inode) {
		cur.misses = ts->misses;
		ts->misses = 0;
	}
	record(ts, &cur, cur.pos, len, 0);
	return 0;
}

SEC("fentry/filemap_fault")
int BPF_PROG(fault_enter, struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct task_state *ts;
	struct inode *inode;
	struct file *file;

	if (!vma)
		return 0;
	file = vma->vm_file;
	if (!file)
		return 0;
	inode = file->f_inode;
	if (!wanted(inode))
		return 0;
	ts = bpf_task_storage_get(&tstate, bpf_get_current_task_btf(), 0,
				  BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!ts)
		return 0;
	identify(&ts->fault, inode);
	ts->fault.pos = (__u64)vmf->pgoff * page_size;
	ts->fault.misses = 0;
	ts->fault.active = 1;
	return 0;
}

SEC("fexit/filemap_fault")
int BPF_PROG(fault_exit, struct vm_fault *vmf, vm_fault_t ret)
{
	struct task_state *ts;
	struct slot cur;

	ts = bpf_task_storage_get(&tstate, bpf_get_current_task_btf(), 0, 0);
	if (!ts || !ts->fault.active)
		return 0;
	cur = ts->fault;
	ts->fault.active = 0;
	/*
	 * VM_FAULT_RETRY after reading the page in (mmap_lock dropped for
	 * the I/O) counts: the retry usually finds the page mapped by
	 * fault-around and never comes back here; if it does, record()
	 * absorbs the repeat.
	 */
	if (ret & FAULT_ERROR)
		return 0;
	record(ts, &cur, cur.pos, page_size, READS_MMAP);
	return 0;
}

/*
 * A folio entered the page cache, in the context of the thread that needed
 * it (a read's synchronous or asynchronous readahead, a fault; also a
 * write's new page).  Counted for the fault in progress on that file, else
 * for the thread's next read of that file.
 */
SEC("tp_btf/mm_filemap_add_to_page_cache")
int BPF_PROG(page_added, struct folio *folio)
{
	struct address_space *mapping = folio->mapping;
	struct task_state *ts;
	struct inode *host;

	if (!mapping)
		return 0;
	host = mapping->host;
	if (!wanted(host))
		return 0;
	ts = bpf_task_storage_get(&tstate, bpf_get_current_task_btf(), 0,
				  BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!ts)
		return 0;
	if (ts->fault.active && ts->fault.inode == host) {
		ts->fault.misses++;
		return 0;
	}
	if (ts->miss_inode != host) {
		ts->miss_inode = host;
		ts->misses = 0;
	}
	ts->misses++;
	return 0;
}

struct exit_ctx {
	__u32 tgid;
};

static long end_runs_of(struct bpf_map *map, struct reads_run_key *key,
			struct reads_run *run, struct exit_ctx *ctx)
{
	if (key->tgid == ctx->tgid) {
		emit(key, run);
		bpf_map_delete_elem(map, key);
	}
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(process_exit, struct task_struct *p)
{
	struct exit_ctx ec;

	if (!exit_flush || p->pid != p->tgid)
		return 0;
	ec.tgid = p->tgid;
	if (!bpf_map_lookup_elem(&tgids, &ec.tgid))
		return 0;
	bpf_map_delete_elem(&tgids, &ec.tgid);
	bpf_for_each_map_elem(&runs, end_runs_of, &ec, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
