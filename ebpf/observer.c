// SPDX-License-Identifier: GPL-2.0-only
/*
 * observer.c: loads ebpf/reads.bpf.c (embedded by its bpftool skeleton),
 * watches block devices, delivers the ranges: the implementation of
 * ebpf/observer.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/utsname.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "observer.h"
#include "reads.h"
#include "reads.skel.h"

struct aatts_observer {
	struct reads_bpf *skel;
	struct ring_buffer *rb;
	int runs_fd;
	/* Runs ended by aatts_observer_flush(), delivered by consume. */
	struct reads_event *pending;
	size_t npending, cap;
	/* The callback of the consume in progress. */
	aatts_range_fn fn;
	void *ctx;
	int consumed;
	uint64_t ranges;
};

static uint32_t kdev(uint32_t major, uint32_t minor)
{
	return major << 20 | minor;
}

static void to_range(const struct reads_event *e, struct aatts_read_range *r)
{
	memset(r, 0, sizeof(*r));
	r->time_ns = e->run.time_ns;
	r->cgroup_id = e->run.cgroup_id;
	r->ino = e->key.ino;
	r->offset = e->run.start;
	r->length = e->run.end - e->run.start;
	r->tgid = e->key.tgid;
	r->tid = e->run.tid;
	r->dev_major = e->key.dev >> 20;
	r->dev_minor = e->key.dev & ((1u << 20) - 1);
	r->generation = e->run.generation;
	r->flags = e->run.flags;
}

/* ---- probe ------------------------------------------------------------ */

struct probe_buf {
	char *buf;
	size_t len, used;
};

static void __attribute__((format(printf, 2, 3)))
pb_add(struct probe_buf *pb, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!pb->buf || pb->used >= pb->len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(pb->buf + pb->used, pb->len - pb->used, fmt, ap);
	va_end(ap);
	if (n > 0)
		pb->used += (size_t)n < pb->len - pb->used ?
			    (size_t)n : pb->len - pb->used - 1;
}

static int silent_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

/*
 * Loads "return 0" as a tracing program of the given attach type on the
 * BTF object id: the kernel checks there and then that the hook exists and
 * may be traced.  0 or a negative errno.
 */
static int probe_load(enum bpf_attach_type type, int btf_id)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = type,
		    .attach_btf_id = (__u32)btf_id);
	int fd;

	fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "aatts_probe", "GPL", insns,
			   2, &o);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

struct hook {
	const char *name;	/* as shown */
	const char *btf_name;	/* function or btf_trace_ typedef */
	int kind;		/* BTF_KIND_FUNC or BTF_KIND_TYPEDEF */
	enum bpf_attach_type type;
	const char *without;	/* NULL: required, else what is lost */
};

static const struct hook hooks[] = {
	{ "fexit/filemap_read", "filemap_read", BTF_KIND_FUNC,
	  BPF_TRACE_FEXIT, NULL },
	{ "tp_btf/mm_filemap_add_to_page_cache",
	  "btf_trace_mm_filemap_add_to_page_cache", BTF_KIND_TYPEDEF,
	  BPF_TRACE_RAW_TP, NULL },
	{ "fentry/filemap_fault", "filemap_fault", BTF_KIND_FUNC,
	  BPF_TRACE_FENTRY, "page faults on mappings (MMAP) not seen" },
	{ "fexit/filemap_fault", "filemap_fault", BTF_KIND_FUNC,
	  BPF_TRACE_FEXIT, "page faults on mappings (MMAP) not seen" },
	{ "tp_btf/sched_process_exit", "btf_trace_sched_process_exit",
	  BTF_KIND_TYPEDEF, BPF_TRACE_RAW_TP,
	  "runs of exited processes end only at aatts_observer_flush()" },
};

#define NHOOKS (sizeof(hooks) / sizeof(hooks[0]))
/* The optional ones, by index in hooks[]. */
enum { HOOK_FAULT_ENTER = 2, HOOK_FAULT_EXIT = 3, HOOK_EXIT = 4 };

/* Per hook: 1 usable, 0 not; returns 0 or -ENOTSUP; report into pb. */
static int probe(struct probe_buf *pb, bool have[NHOOKS], bool *for_each,
		 bool *cgroup_ids)
{
	libbpf_print_fn_t old = libbpf_set_print(silent_print);
	struct utsname u;
	struct btf *btf;
	int missing = 0, r;
	size_t i;

	if (uname(&u) == 0)
		pb_add(pb, "kernel: %s %s\n", u.release, u.machine);
	else
		pb_add(pb, "kernel: unknown (uname: %s)\n", strerror(errno));

	btf = btf__load_vmlinux_btf();
	if (!btf) {
		pb_add(pb, "btf: missing (%s; the kernel needs CONFIG_DEBUG_INFO_BTF=y, /sys/kernel/btf/vmlinux)\n",
		       strerror(errno));
		missing++;
	} else {
		pb_add(pb, "btf: ok (/sys/kernel/btf/vmlinux, %u types)\n",
		       btf__type_cnt(btf));
	}

	r = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL);
	if (r == 1) {
		pb_add(pb, "map ringbuf: ok\n");
	} else {
		pb_add(pb, "map ringbuf: missing (%s; Linux >= 5.8)\n",
		       r < 0 ? strerror(-r) : "not supported");
		missing++;
	}
	r = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_TASK_STORAGE, NULL);
	if (r == 1) {
		pb_add(pb, "map task_storage: ok\n");
	} else {
		pb_add(pb, "map task_storage: missing (%s; Linux >= 5.11)\n",
		       r < 0 ? strerror(-r) : "not supported");
		missing++;
	}
	r = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_HASH, NULL);
	if (r != 1) {
		pb_add(pb, "map hash: missing (%s)\n",
		       r < 0 ? strerror(-r) : "not supported");
		missing++;
	}
	r = libbpf_probe_bpf_helper(BPF_PROG_TYPE_KPROBE,
				    BPF_FUNC_for_each_map_elem, NULL);
	*for_each = r == 1;
	pb_add(pb, "helper bpf_for_each_map_elem: %s\n", r == 1 ? "ok" :
	       "missing (Linux >= 5.13; runs of exited processes end only at aatts_observer_flush())");
	r = libbpf_probe_bpf_helper(BPF_PROG_TYPE_KPROBE,
				    BPF_FUNC_get_current_cgroup_id, NULL);
	*cgroup_ids = r == 1;
	pb_add(pb, "helper bpf_get_current_cgroup_id: %s\n", r == 1 ? "ok" :
	       "missing (a kernel without CONFIG_CGROUPS; cgroup ids are 0, no cgroup filter)");

	for (i = 0; i < NHOOKS; i++) {
		const struct hook *h = &hooks[i];
		int id = btf ? btf__find_by_name_kind(btf, h->btf_name,
						      h->kind) : -ENOENT;

		have[i] = false;
		r = id < 0 ? id : probe_load(h->type, id);
		if (id < 0) {
			pb_add(pb, "hook %s: missing (no %s %s in the kernel's BTF)",
			       h->name, h->kind == BTF_KIND_FUNC ?
			       "function" : "tracepoint type", h->btf_name);
		} else if (r < 0) {
			pb_add(pb, "hook %s: missing (loading a program on it: %s%s)",
			       h->name, strerror(-r), r != -EPERM ? "" :
			       geteuid() ? "; needs root or CAP_BPF and CAP_PERFMON" :
			       "; refused to root: lockdown, an LSM or a sandbox");
		} else {
			have[i] = true;
			pb_add(pb, "hook %s: ok\n", h->name);
			continue;
		}
		if (h->without) {
			pb_add(pb, ", optional: %s\n", h->without);
		} else {
			pb_add(pb, ", required\n");
			missing++;
		}
	}
	btf__free(btf);
	libbpf_set_print(old);
	pb_add(pb, "observers: %s\n", missing ? "cannot run" : "can run");
	return missing ? -ENOTSUP : 0;
}

int aatts_observer_probe(char *buf, size_t len)
{
	struct probe_buf pb = { buf, len, 0 };
	bool have[NHOOKS], for_each, cgroup_ids;

	if (buf && len)
		buf[0] = '\0';
	return probe(&pb, have, &for_each, &cgroup_ids);
}

/* ---- open / close ------------------------------------------------------ */

static char *open_err;
static size_t open_errlen;

/* libbpf's messages while opening: the last warning is kept for err. */
static int capture_print(enum libbpf_print_level level, const char *fmt,
			 va_list ap)
{
	char line[512];
	size_t n;

	if (level == LIBBPF_DEBUG)
		return 0;
	if (getenv("AATTS_OBSERVER_DEBUG")) {
		va_list aq;

		va_copy(aq, ap);
		vfprintf(stderr, fmt, aq);
		va_end(aq);
	}
	if (level != LIBBPF_WARN || !open_err || !open_errlen)
		return 0;
	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n && line[n - 1] == '\n')
		line[--n] = '\0';
	if (n)
		snprintf(open_err, open_errlen, "%s%s", line,
			 " (AATTS_OBSERVER_DEBUG=1 shows libbpf's messages)");
	return 0;
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct aatts_observer *obs = ctx;
	struct aatts_read_range r;

	if (size < sizeof(struct reads_event))
		return 0;
	to_range(data, &r);
	obs->ranges++;
	obs->consumed++;
	if (obs->fn)
		obs->fn(obs->ctx, &r);
	return 0;
}

static void set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

int aatts_observer_open(struct aatts_observer **obsp,
			const struct aatts_observer_opts *opts,
			char *err, size_t errlen)
{
	struct aatts_observer_opts none = { 0 };
	struct aatts_observer *obs;
	libbpf_print_fn_t old;
	bool have[NHOOKS], for_each, cgroup_ids;
	char why[1024];
	struct probe_buf pb = { why, sizeof(why), 0 };
	uint32_t ring;
	long page;
	int r;

	*obsp = NULL;
	if (err && errlen)
		err[0] = '\0';
	if (!opts)
		opts = &none;
	ring = opts->ring_bytes ? opts->ring_bytes : READS_RING_BYTES;
	page = sysconf(_SC_PAGESIZE);
	if (page <= 0)
		page = 4096;
	if (ring & (ring - 1) || ring < (uint32_t)page) {
		set_err(err, errlen, "ring_bytes %u: not a power of two of at least a page",
			ring);
		return -EINVAL;
	}

	r = probe(&pb, have, &for_each, &cgroup_ids);
	if (r) {
		/* The lines naming what is missing, on one line. */
		char *line, *save = NULL, miss[768] = "";

		for (line = strtok_r(why, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save))
			if (strstr(line, "missing") && !strstr(line, "optional"))
				snprintf(miss + strlen(miss),
					 sizeof(miss) - strlen(miss), "%s%s",
					 miss[0] ? "; " : "", line);
		set_err(err, errlen, "the kernel cannot run the observers: %s",
			miss);
		return r;
	}

	if (opts->cgroup_id && !cgroup_ids) {
		set_err(err, errlen,
			"the kernel has no cgroup ids (CONFIG_CGROUPS off): cannot filter on a cgroup");
		return -ENOTSUP;
	}

	obs = calloc(1, sizeof(*obs));
	if (!obs) {
		set_err(err, errlen, "out of memory");
		return -ENOMEM;
	}
	open_err = err;
	open_errlen = errlen;
	old = libbpf_set_print(capture_print);

	obs->skel = reads_bpf__open();
	if (!obs->skel) {
		r = -errno;
		set_err(err, errlen, "opening the BPF object: %s", strerror(-r));
		goto fail;
	}
	obs->skel->rodata->targ_tgid = opts->tgid;
	obs->skel->rodata->targ_cgroup = opts->cgroup_id;
	obs->skel->rodata->cgroup_ids = cgroup_ids;
	obs->skel->rodata->page_size = (uint32_t)page;
	obs->skel->rodata->exit_flush = for_each && have[HOOK_EXIT];
	obs->skel->rodata->prompt = opts->prompt;
	bpf_map__set_max_entries(obs->skel->maps.events, ring);
	/* filemap_fault and sched_process_exit are optional (see probe). */
	if (!have[HOOK_FAULT_ENTER] || !have[HOOK_FAULT_EXIT]) {
		bpf_program__set_autoload(obs->skel->progs.fault_enter, false);
		bpf_program__set_autoload(obs->skel->progs.fault_exit, false);
	}
	if (!obs->skel->rodata->exit_flush)
		bpf_program__set_autoload(obs->skel->progs.process_exit, false);

	r = reads_bpf__load(obs->skel);
	if (r) {
		if (!err || !err[0])
			set_err(err, errlen, "loading the BPF programs: %s",
				strerror(-r));
		goto fail;
	}
	r = reads_bpf__attach(obs->skel);
	if (r) {
		set_err(err, errlen, "attaching the BPF programs: %s",
			strerror(-r));
		goto fail;
	}
	obs->runs_fd = bpf_map__fd(obs->skel->maps.runs);
	obs->rb = ring_buffer__new(bpf_map__fd(obs->skel->maps.events),
				   on_event, obs, NULL);
	if (!obs->rb) {
		r = -errno;
		set_err(err, errlen, "ring buffer: %s", strerror(-r));
		goto fail;
	}
	libbpf_set_print(old);
	open_err = NULL;
	if (err && errlen)
		err[0] = '\0';
	*obsp = obs;
	return 0;

fail:
	libbpf_set_print(old);
	open_err = NULL;
	aatts_observer_close(obs);
	return r < 0 ? r : -EINVAL;
}

void aatts_observer_close(struct aatts_observer *obs)
{
	if (!obs)
		return;
	ring_buffer__free(obs->rb);
	reads_bpf__destroy(obs->skel);
	free(obs->pending);
	free(obs);
}

/* ---- watching ------------------------------------------------------------ */

static int check_dev(uint32_t major, uint32_t minor)
{
	return major >= (1u << 12) || minor >= (1u << 20) ? -EINVAL : 0;
}

/*
 * What slot reads_watch_slot() of the program's filter must hold: from the
 * map, the authority.  At most READS_MAX_WATCHED keys.
 */
static uint32_t watch_slot_value(int fd, uint32_t slot)
{
	uint32_t key, next, value = 0;
	void *prev = NULL;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (reads_watch_slot(key) != slot)
			continue;
		if (value) {
			value = READS_WATCH_SHARED;
			break;
		}
		value = key;
	}
	return value;
}

/*
 * The map first, then the filter's slot: a read that finds the slot
 * SHARED finds the device in the map.  The program loads the slot once,
 * a 4-byte aligned word: a store is seen whole.
 */
static void watch_slot_update(struct aatts_observer *obs, uint32_t dev)
{
	uint32_t slot = reads_watch_slot(dev);
	int fd = bpf_map__fd(obs->skel->maps.watched);

	__atomic_store_n(&obs->skel->bss->watch_slots[slot],
			 watch_slot_value(fd, slot), __ATOMIC_RELAXED);
}

int aatts_observer_watch(struct aatts_observer *obs, uint32_t major,
			 uint32_t minor)
{
	uint32_t dev = kdev(major, minor);
	uint8_t one = 1;

	if (!obs || check_dev(major, minor) || !dev)
		return -EINVAL;
	if (bpf_map_update_elem(bpf_map__fd(obs->skel->maps.watched), &dev,
				&one, BPF_ANY))
		return -errno;
	watch_slot_update(obs, dev);
	return 0;
}

int aatts_observer_unwatch(struct aatts_observer *obs, uint32_t major,
			   uint32_t minor)
{
	uint32_t dev = kdev(major, minor);

	if (!obs || check_dev(major, minor) || !dev)
		return -EINVAL;
	if (bpf_map_delete_elem(bpf_map__fd(obs->skel->maps.watched), &dev))
		return -errno;
	watch_slot_update(obs, dev);
	return 0;
}

/* ---- ranges ---------------------------------------------------------------- */

int aatts_observer_fd(const struct aatts_observer *obs)
{
	return obs ? ring_buffer__epoll_fd(obs->rb) : -EINVAL;
}

int aatts_observer_consume(struct aatts_observer *obs, aatts_range_fn fn,
			   void *ctx)
{
	struct aatts_read_range r;
	size_t i;
	int ret;

	if (!obs)
		return -EINVAL;
	obs->fn = fn;
	obs->ctx = ctx;
	obs->consumed = 0;
	ret = ring_buffer__consume(obs->rb);
	obs->fn = NULL;
	if (ret < 0)
		return ret;
	/* Then the runs the last flush ended: they are newer. */
	for (i = 0; i < obs->npending; i++) {
		to_range(&obs->pending[i], &r);
		obs->ranges++;
		obs->consumed++;
		if (fn)
			fn(ctx, &r);
	}
	obs->npending = 0;
	return obs->consumed;
}

int aatts_observer_flush(struct aatts_observer *obs)
{
	struct reads_run_key key, next;
	struct reads_event e;
	unsigned int tries = 0;

	if (!obs)
		return -EINVAL;
	/*
	 * Takes the first key and deletes it until none is left: each key is
	 * gone once taken, so the walk needs no cursor.  Bounded: the kernel
	 * may open runs meanwhile, so at most twice the map's size.
	 */
	while (tries++ < 2 * READS_MAX_RUNS) {
		if (bpf_map_get_next_key(obs->runs_fd, NULL, &next)) {
			if (errno == ENOENT)
				return 0;
			return -errno;
		}
		key = next;
		/*
		 * Atomic for hash maps: the kernel extends the run before or
		 * starts a new one after, never both.
		 */
		if (bpf_map_lookup_and_delete_elem(obs->runs_fd, &key, &e.run)) {
			if (errno == ENOENT)	/* ended meanwhile */
				continue;
			return -errno;
		}
		e.key = key;
		if (obs->npending == obs->cap) {
			size_t cap = obs->cap ? obs->cap * 2 : 64;
			struct reads_event *p;

			p = realloc(obs->pending, cap * sizeof(*p));
			if (!p)
				return -ENOMEM;
			obs->pending = p;
			obs->cap = cap;
		}
		obs->pending[obs->npending++] = e;
	}
	return 0;
}

void aatts_observer_get_stats(const struct aatts_observer *obs,
			      struct aatts_observer_stats *st)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t sum[READS_STAT_NR] = { 0 };
	uint32_t k;
	int c;

	memset(st, 0, sizeof(*st));
	if (!obs)
		return;
	st->ranges = obs->ranges;
	if (ncpu <= 0)
		return;
	{
		uint64_t vals[ncpu];

		for (k = 0; k < READS_STAT_NR; k++) {
			if (bpf_map_lookup_elem(bpf_map__fd(obs->skel->maps.stats),
						&k, vals))
				continue;
			for (c = 0; c < ncpu; c++)
				sum[k] += vals[c];
		}
	}
	st->reads = sum[READS_STAT_READS];
	st->drops = sum[READS_STAT_DROPS];
	st->evicted_runs = sum[READS_STAT_EVICTED];
}
