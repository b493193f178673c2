// SPDX-License-Identifier: GPL-2.0-only
/*
 * aattsd: the aatts generic netlink family.  Two sockets: one for requests
 * (DEV_GET dumps; later PREFETCH and the rest), blocking, each exchange
 * short; one joined to the "events" multicast group, non-blocking, in the
 * loop: policy changes, the fast tier failed or restored, counters.
 *
 * The family announces no device creation or removal: those come from the
 * kernel's uevents (uevent.c), which call genl_resync().  An overrun events
 * socket (events lost) and every timer tick resync too.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>

#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "aattsd.h"

static void device_added(struct aattsd *d, struct device *dv)
{
	char devt[24];

	aatts_devt_str(dv->dev.devt, devt, sizeof(devt));
	log_info("serving %s (%s, %s): policy %s, %s", dv->dev.name, devt,
		 dv->dev.disk, dv->dev.policy, dv->dev.state);
	observer_watch(d, dv->dev.devt, true);
}

static void device_removed(struct aattsd *d, struct device *dv)
{
	log_info("%s is gone", dv->dev.name);
	observer_watch(d, dv->dev.devt, false);
	prefetch_forget(d, dv->dev.devt);
}

int genl_resync(struct aattsd *d, const char *why)
{
	static int last_error;
	struct aatts_dev *v;
	struct device *dv;
	size_t nr, i;
	bool added;
	int r;

	r = aatts_nl_dev_list(&d->req, &v, &nr);
	if (r) {
		if (r != last_error)
			log_err("listing aatts devices: %s%s%s", strerror(-r),
				d->req.extack[0] ? ": " : "", d->req.extack);
		last_error = r;
		return r;
	}
	if (last_error)
		log_info("listing aatts devices works again");
	last_error = 0;
	if (why) {
		d->resyncs++;
		log_debug("resync (%s): %zu aatts devices", why, nr);
	}
	for (i = 0; i < d->devs.nr; i++)
		d->devs.v[i].mark = false;
	for (i = 0; i < nr; i++) {
		dv = devtab_put(&d->devs, &v[i], &added);
		if (!dv) {
			log_err("out of memory for device %s", v[i].name);
			continue;
		}
		dv->mark = true;
		if (added)
			device_added(d, dv);
	}
	free(v);
	for (i = d->devs.nr; i-- > 0;)
		if (!d->devs.v[i].mark) {
			device_removed(d, &d->devs.v[i]);
			devtab_del(&d->devs, &d->devs.v[i]);
		}
	return 0;
}

static int on_event(struct nlattr **tb, uint8_t cmd, void *arg)
{
	struct aattsd *d = arg;
	struct aatts_dev ev;
	struct device *dv;
	unsigned int i;

	if (aatts_dev_parse(tb, &ev)) {
		log_warn("an aatts event (command %u) did not parse", cmd);
		return 0;
	}
	d->nl_events++;
	dv = devtab_find(&d->devs, ev.devt);
	if (!dv || strcmp(dv->dev.name, ev.name)) {
		/* A device we have not seen yet: learn all about it. */
		genl_resync(d, "event about a new device");
		dv = devtab_find(&d->devs, ev.devt);
		if (!dv)
			return 0;
	}
	dv->events++;
	dv->seen_ns = now_ns();
	switch (cmd) {
	case AATTS_CMD_POLICY_CHANGED:
		snprintf(dv->dev.policy, sizeof(dv->dev.policy), "%s",
			 ev.policy);
		memcpy(dv->dev.kv, ev.kv, sizeof(ev.kv));
		dv->dev.nr_kv = ev.nr_kv;
		log_info("%s: policy %s", ev.name, ev.policy);
		break;
	case AATTS_CMD_FAST_FAILED:
	case AATTS_CMD_FAST_RESTORED:
		snprintf(dv->dev.state, sizeof(dv->dev.state), "%s", ev.state);
		log_info("%s: fast tier %s (state %s)", ev.name,
			 cmd == AATTS_CMD_FAST_FAILED ? "failed" : "restored",
			 ev.state);
		break;
	case AATTS_CMD_STATS:
		for (i = 1; i <= AATTS_STAT_A_MAX; i++)
			if (ev.has_stat[i]) {
				dv->dev.stat[i] = ev.stat[i];
				dv->dev.has_stat[i] = true;
			}
		dv->dev.has_stats = true;
		break;
	default:
		break;	/* a newer kernel's event */
	}
	return 0;
}

static void on_events(struct aattsd *d, struct watch *w, uint32_t events)
{
	int r;

	(void)w;
	(void)events;
	r = aatts_nl_drain(&d->ev, on_event, d);
	if (r == -ENOBUFS) {
		d->nl_overruns++;
		log_warn("aatts events lost (socket overrun): resync");
		genl_resync(d, "events lost");
	} else if (r) {
		log_warn("aatts events: %s", d->ev.extack);
	}
}

int genl_init(struct aattsd *d)
{
	int r;

	r = aatts_nl_open(&d->req);
	if (r) {
		log_err("%s", d->req.extack);
		return r;
	}
	r = aatts_nl_open(&d->ev);
	if (r) {
		log_err("%s", d->ev.extack);
		return r;
	}
	r = aatts_nl_subscribe(&d->ev);
	if (r) {
		log_err("%s", d->ev.extack);
		return r;
	}
	nl_socket_set_nonblocking(d->ev.sk);
	d->ev_watch.fd = aatts_nl_fd(&d->ev);
	d->ev_watch.fn = on_events;
	return loop_add(d, &d->ev_watch, EPOLLIN);
}

void genl_exit(struct aattsd *d)
{
	if (d->ev.sk)
		loop_del(d, &d->ev_watch);
	aatts_nl_close(&d->ev);
	aatts_nl_close(&d->req);
}
