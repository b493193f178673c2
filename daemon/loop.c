// SPDX-License-Identifier: GPL-2.0-only
/*
 * aattsd: the epoll loop.  One thread; every fd is a struct watch whose
 * function runs when the fd is ready.  Nothing a watch does may block.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <time.h>
#include <sys/epoll.h>

#include "aattsd.h"

#define EVENTS_PER_WAIT 32

int loop_init(struct aattsd *d)
{
	d->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (d->epfd < 0) {
		log_err("epoll_create1: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

int loop_add(struct aattsd *d, struct watch *w, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = w };

	if (epoll_ctl(d->epfd, EPOLL_CTL_ADD, w->fd, &ev)) {
		log_err("epoll_ctl(ADD, %d): %s", w->fd, strerror(errno));
		return -errno;
	}
	return 0;
}

void loop_del(struct aattsd *d, struct watch *w)
{
	if (w->fd >= 0)
		epoll_ctl(d->epfd, EPOLL_CTL_DEL, w->fd, NULL);
}

int loop_run(struct aattsd *d)
{
	struct epoll_event ev[EVENTS_PER_WAIT];
	int n, i;

	while (!d->stop) {
		n = epoll_wait(d->epfd, ev, EVENTS_PER_WAIT, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_err("epoll_wait: %s", strerror(errno));
			return -errno;
		}
		for (i = 0; i < n && !d->stop; i++) {
			struct watch *w = ev[i].data.ptr;

			w->fn(d, w, ev[i].events);
		}
	}
	return 0;
}

void loop_exit(struct aattsd *d)
{
	if (d->epfd >= 0)
		close(d->epfd);
	d->epfd = -1;
}

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
