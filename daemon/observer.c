// SPDX-License-Identifier: GPL-2.0-only
/*
 * aattsd: the eBPF read observers (ebpf/observer.h) in the loop.  At setup
 * (before capabilities are dropped: loading needs CAP_BPF and CAP_PERFMON,
 * or CAP_SYS_ADMIN) the running kernel is probed and the programs loaded;
 * every served device's file systems are watched from the moment it is
 * served, and unwatched when it goes.  Ranges go to the recorder.  Open
 * runs are ended on a timer tick when no read was seen during the tick
 * (readers idle), and at exit.  Without the observers (a kernel without
 * BTF or a hook, no capability) aattsd serves on and says what is missing.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>

#include "aattsd.h"
#include "observer.h"
#include "record.h"

static void on_range(void *ctx, const struct aatts_read_range *r)
{
	struct aattsd *d = ctx;

	d->obs_ranges++;
	record_range(d, r);
	prefetch_range(d, r);
}

static void consume(struct aattsd *d)
{
	int r = aatts_observer_consume(d->obs, on_range, d);

	if (r < 0)
		log_warn("observers: consume: %s", strerror(-r));
}

static void on_ranges(struct aattsd *d, struct watch *w, uint32_t events)
{
	(void)w;
	(void)events;
	consume(d);
}

/*
 * Ends the open runs when no read was seen since the last tick: readers
 * idle for a tick have their ranges delivered, while a run still growing
 * is not cut in two (its second half, read from what its own readahead
 * brought in, would look served by the page cache).
 */
void observer_tick(struct aattsd *d)
{
	struct aatts_observer_stats st;

	if (!d->obs)
		return;
	aatts_observer_get_stats(d->obs, &st);
	if (st.reads == d->obs_reads_seen) {
		aatts_observer_flush(d->obs);
		d->obs_flushes++;
	}
	d->obs_reads_seen = st.reads;
	consume(d);
}

void observer_watch(struct aattsd *d, uint32_t devt, bool on)
{
	unsigned int maj, min;
	int r;

	if (!d->obs)
		return;
	aatts_devt_split(devt, &maj, &min);
	r = on ? aatts_observer_watch(d->obs, maj, min) :
		 aatts_observer_unwatch(d->obs, maj, min);
	if (r)
		log_warn("observers: %s %u:%u: %s", on ? "watch" : "unwatch",
			 maj, min, strerror(-r));
	else
		log_debug("observers: %s %u:%u", on ? "watching" : "unwatched",
			  maj, min);
}

/* Logs each line of text at level. */
static void log_lines(int level, const char *what, char *text)
{
	char *line, *save = NULL;

	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		log_msg(level, "%s: %s", what, line);
}

int observer_init(struct aattsd *d)
{
	struct aatts_observer_opts opts = { .prompt = true };	/* prefetch */
	char buf[2048], err[512];
	int r;

	buf[0] = '\0';
	r = aatts_observer_probe(buf, sizeof(buf));
	log_lines(r ? LOG_LVL_WARN : LOG_LVL_DEBUG, "observers: probe", buf);
	if (r) {
		log_warn("observers: the kernel cannot run them (%s): serving without file read events",
			 strerror(-r));
		return d->record_path ? r : 0;
	}
	err[0] = '\0';
	r = aatts_observer_open(&d->obs, &opts, err, sizeof(err));
	if (r) {
		d->obs = NULL;
		log_warn("observers: %s (%s): serving without file read events",
			 err[0] ? err : "cannot load", strerror(-r));
		return d->record_path ? r : 0;
	}
	d->obs_watch.fd = aatts_observer_fd(d->obs);
	d->obs_watch.fn = on_ranges;
	log_info("observers loaded");
	return loop_add(d, &d->obs_watch, EPOLLIN);
}

void observer_exit(struct aattsd *d)
{
	if (!d->obs)
		return;
	aatts_observer_flush(d->obs);	/* the runs still open, into the record */
	consume(d);
	loop_del(d, &d->obs_watch);
	aatts_observer_close(d->obs);
	d->obs = NULL;
	d->obs_watch.fd = -1;
}

void observer_get_stats(const struct aattsd *d,
			struct aatts_observer_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (d->obs)
		aatts_observer_get_stats(d->obs, st);
}
