// SPDX-License-Identifier: GPL-2.0-only
/*
 * aattsd: metrics in the Prometheus text exposition format, written as a
 * file by the node_exporter textfile convention: on every timer tick, to
 * metrics_file + ".tmp" then renamed over metrics_file, so that a reader
 * never sees half a file.  Off while metrics_file is empty.
 *
 * Per device (labels device, devt): every counter of the target (a
 * monotonic one as aatts_<name>_total, a level as aatts_<name>), the read
 * hit ratio, whether the fast tier has failed, the events of the family.
 * The daemon's own counters as aattsd_*.  The file is mode 0640: the
 * counters are a side channel like residency (Documentation/aattsd.rst).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "aattsd.h"
#include "observer.h"

/* Counters that go up and down: gauges. */
static bool level(unsigned int stat)
{
	switch (stat) {
	case AATTS_STAT_A_INFLIGHT_MIGRATIONS:
	case AATTS_STAT_A_QUEUED_MIGRATIONS:
	case AATTS_STAT_A_FAST_BLOCKS_USED:
	case AATTS_STAT_A_FAST_BLOCKS_TOTAL:
	case AATTS_STAT_A_PINNED_BLOCKS:
	case AATTS_STAT_A_BYTES_PER_SLOT:
		return true;
	default:
		return false;
	}
}

/* A label value: backslash, double quote and newline escaped. */
static void label(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', f);
		if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

static void dev_labels(FILE *f, const struct device *dv)
{
	char devt[24];

	aatts_devt_str(dv->dev.devt, devt, sizeof(devt));
	fputs("{device=\"", f);
	label(f, dv->dev.name);
	fprintf(f, "\",devt=\"%s\"}", devt);
}

static void daemon_metric(FILE *f, const char *name, const char *type,
			  const char *help, uint64_t v)
{
	fprintf(f, "# HELP aattsd_%s %s\n# TYPE aattsd_%s %s\naattsd_%s %" PRIu64 "\n",
		name, help, name, type, name, v);
}

/* One of prefetch_metrics()' values. */
static double prefetch_value(const struct prefetch_stats *ps, size_t k)
{
	switch (k) {
	case 0:
		return (double)ps->issued;
	case 1:
		return (double)ps->used;
	case 2:
		return (double)ps->wasted;
	case 3:
		return (double)ps->lead_ns / 1e9;
	case 4:
		return ps->used + ps->wasted ?
		       (double)ps->used / (double)(ps->used + ps->wasted) : 0;
	default:
		return ps->read_blocks ?
		       (double)ps->used / (double)ps->read_blocks : 0;
	}
}

/* The planner's counters per device with prefetch state (prefetch.c). */
static void prefetch_metrics(struct aattsd *d, FILE *f)
{
	static const struct {
		const char *name, *type, *help;
	} m[] = {
		{ "prefetch_issued_blocks_total", "counter", "blocks the prefetch planner issued" },
		{ "prefetch_used_blocks_total", "counter", "issued blocks read afterwards" },
		{ "prefetch_wasted_blocks_total", "counter", "issued blocks forgotten unread" },
		{ "prefetch_lead_seconds_total", "counter", "summed over used blocks: read time - issue time" },
		{ "prefetch_precision", "gauge", "used / (used + wasted)" },
		{ "prefetch_recall", "gauge", "used / blocks read" },
	};
	struct prefetch_stats ps;
	size_t i, k;

	for (k = 0; k < sizeof(m) / sizeof(m[0]); k++) {
		fprintf(f, "# HELP aatts_%s %s\n# TYPE aatts_%s %s\n", m[k].name,
			m[k].help, m[k].name, m[k].type);
		for (i = 0; i < d->devs.nr; i++) {
			if (prefetch_get(d, d->devs.v[i].dev.devt, &ps))
				continue;
			fprintf(f, "aatts_%s", m[k].name);
			dev_labels(f, &d->devs.v[i]);
			fprintf(f, k < 3 ? " %.0f\n" : " %.6f\n",
				prefetch_value(&ps, k));
		}
	}
}

static void write_all(struct aattsd *d, FILE *f)
{
	const char *name;
	unsigned int s;
	size_t i;

	for (s = 1; s <= AATTS_STAT_A_MAX; s++) {
		name = aatts_stat_names[s];
		if (!name)
			continue;
		fprintf(f, "# HELP aatts_%s%s the target's %s counter\n",
			name, level(s) ? "" : "_total", name);
		fprintf(f, "# TYPE aatts_%s%s %s\n", name,
			level(s) ? "" : "_total", level(s) ? "gauge" : "counter");
		for (i = 0; i < d->devs.nr; i++) {
			const struct device *dv = &d->devs.v[i];

			if (!dv->dev.has_stat[s])
				continue;
			fprintf(f, "aatts_%s%s", name, level(s) ? "" : "_total");
			dev_labels(f, dv);
			fprintf(f, " %" PRIu64 "\n", dv->dev.stat[s]);
		}
	}
	fputs("# HELP aatts_read_hit_ratio read hits / (read hits + read misses) since the device was created\n"
	      "# TYPE aatts_read_hit_ratio gauge\n", f);
	for (i = 0; i < d->devs.nr; i++) {
		const struct device *dv = &d->devs.v[i];
		uint64_t h = dv->dev.stat[AATTS_STAT_A_READ_HITS];
		uint64_t m = dv->dev.stat[AATTS_STAT_A_READ_MISSES];

		if (!h && !m)
			continue;
		fputs("aatts_read_hit_ratio", f);
		dev_labels(f, dv);
		fprintf(f, " %.6f\n", (double)h / (double)(h + m));
	}
	fputs("# HELP aatts_fast_failed 1 while the fast tier is out of service\n"
	      "# TYPE aatts_fast_failed gauge\n", f);
	for (i = 0; i < d->devs.nr; i++) {
		fputs("aatts_fast_failed", f);
		dev_labels(f, &d->devs.v[i]);
		fprintf(f, " %d\n", !strcmp(d->devs.v[i].dev.state, "failed"));
	}
	fputs("# HELP aatts_events_total events of the aatts family about the device since aattsd serves it\n"
	      "# TYPE aatts_events_total counter\n", f);
	for (i = 0; i < d->devs.nr; i++) {
		fputs("aatts_events_total", f);
		dev_labels(f, &d->devs.v[i]);
		fprintf(f, " %" PRIu64 "\n", d->devs.v[i].events);
	}
	prefetch_metrics(d, f);
	daemon_metric(f, "devices", "gauge", "aatts devices served",
		      d->devs.nr);
	daemon_metric(f, "netlink_events_total", "counter",
		      "events of the aatts family received", d->nl_events);
	daemon_metric(f, "netlink_overruns_total", "counter",
		      "times the events socket overran (events lost)",
		      d->nl_overruns);
	daemon_metric(f, "uevents_total", "counter",
		      "uevents of device-mapper disks", d->uevents);
	daemon_metric(f, "requests_total", "counter",
		      "control requests", d->requests);
	daemon_metric(f, "request_errors_total", "counter",
		      "control requests answered with an error",
		      d->request_errors);
	daemon_metric(f, "clients", "gauge", "control connections open",
		      d->nr_clients);
	daemon_metric(f, "reload_errors_total", "counter",
		      "configuration reloads refused", d->reload_errors);
	if (d->obs) {
		struct aatts_observer_stats os;

		observer_get_stats(d, &os);
		daemon_metric(f, "observer_ranges_total", "counter",
			      "file ranges the eBPF observers delivered",
			      os.ranges);
		daemon_metric(f, "observer_reads_total", "counter",
			      "file reads the observers saw on served devices",
			      os.reads);
		daemon_metric(f, "observer_drops_total", "counter",
			      "ranges lost: the ring buffer was full", os.drops);
	}
}

void metrics_write(struct aattsd *d)
{
	static int last_error;
	char tmp[sizeof(d->cfg.metrics_file) + 8];
	FILE *f;
	int fd, e = 0;

	if (!d->cfg.metrics_file[0])
		return;
	snprintf(tmp, sizeof(tmp), "%s.tmp", d->cfg.metrics_file);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	f = fd < 0 ? NULL : fdopen(fd, "w");
	if (!f) {
		e = errno;
		if (fd >= 0)
			close(fd);
		goto out;
	}
	write_all(d, f);
	if (fflush(f) || ferror(f))
		e = errno ? errno : EIO;
	if (fclose(f) && !e)
		e = errno;
	if (!e && rename(tmp, d->cfg.metrics_file))
		e = errno;
	if (e)
		unlink(tmp);
out:
	if (e && e != last_error)
		log_err("metrics_file %s: %s", d->cfg.metrics_file,
			strerror(e));
	else if (!e && last_error)
		log_info("metrics_file %s written again", d->cfg.metrics_file);
	last_error = e;
	d->metrics_writes += !e;
}
