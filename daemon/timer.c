// SPDX-License-Identifier: GPL-2.0-only
/*
 * aattsd: periodic work by timerfd, every poll_interval_ms: a DEV_GET dump
 * that refreshes every device's counters and state and catches any change
 * the events did not tell (a lost event, an overrun socket); the --record
 * file is flushed and the metrics file written.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>

#include "aattsd.h"
#include "record.h"

static void on_timer(struct aattsd *d, struct watch *w, uint32_t events)
{
	uint64_t n;

	(void)events;
	if (read(w->fd, &n, sizeof(n)) != sizeof(n))
		return;
	d->polls++;
	genl_resync(d, NULL);
	observer_tick(d);
	prefetch_tick(d);
	record_flush(d);
	metrics_write(d);
}

int timer_set(struct aattsd *d, unsigned int ms)
{
	struct itimerspec its = {
		.it_interval = { ms / 1000, (long)(ms % 1000) * 1000000 },
		.it_value = { ms / 1000, (long)(ms % 1000) * 1000000 },
	};

	if (timerfd_settime(d->timer_watch.fd, 0, &its, NULL)) {
		log_err("timerfd_settime: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

int timer_init(struct aattsd *d)
{
	d->timer_watch.fd = timerfd_create(CLOCK_MONOTONIC,
					   TFD_NONBLOCK | TFD_CLOEXEC);
	if (d->timer_watch.fd < 0) {
		log_err("timerfd_create: %s", strerror(errno));
		return -errno;
	}
	d->timer_watch.fn = on_timer;
	if (timer_set(d, d->cfg.poll_interval_ms))
		return -EINVAL;
	return loop_add(d, &d->timer_watch, EPOLLIN);
}

void timer_exit(struct aattsd *d)
{
	if (d->timer_watch.fd >= 0) {
		loop_del(d, &d->timer_watch);
		close(d->timer_watch.fd);
	}
	d->timer_watch.fd = -1;
}
