// SPDX-License-Identifier: GPL-2.0-only
/*
 * aattsd: the kernel's uevents (NETLINK_KOBJECT_UEVENT, group 1: the
 * kernel's own, not udev's).  The aatts family has no event for a device
 * created or removed, so a device-mapper disk appearing ("add"), getting
 * its table ("change", on resume) or leaving ("remove") makes aattsd list
 * the aatts devices again.  Only messages from the kernel (port 0) count.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <linux/netlink.h>

#include "aattsd.h"

#define UEVENT_BUF 8192

/* "action@devpath\0KEY=value\0...": a dm disk? */
static bool dm_disk(const char *buf, size_t len, char *action, size_t alen)
{
	const char *p = buf, *end = buf + len, *at = memchr(buf, '@', len);
	bool block = false, disk = false, dm = false;

	if (!at)
		return false;
	snprintf(action, alen, "%.*s", (int)(at - buf), buf);
	while (p < end) {
		size_t n = strnlen(p, (size_t)(end - p));

		if (n == 15 && !strncmp(p, "SUBSYSTEM=block", 15))
			block = true;
		else if (n == 12 && !strncmp(p, "DEVTYPE=disk", 12))
			disk = true;
		else if (n > 10 && !strncmp(p, "DEVNAME=dm-", 11))
			dm = true;
		p += n + 1;
	}
	return block && disk && dm;
}

static void on_uevent(struct aattsd *d, struct watch *w, uint32_t events)
{
	char buf[UEVENT_BUF], action[32];
	struct sockaddr_nl sa;
	struct iovec iov = { buf, sizeof(buf) - 1 };
	struct msghdr mh = {
		.msg_name = &sa, .msg_namelen = sizeof(sa),
		.msg_iov = &iov, .msg_iovlen = 1,
	};
	bool resync = false;
	ssize_t n;

	(void)events;
	for (;;) {
		n = recvmsg(w->fd, &mh, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == ENOBUFS) {	/* overrun: uevents lost */
				resync = true;
				continue;
			}
			break;
		}
		if (sa.nl_pid != 0 || n == 0)
			continue;
		buf[n] = '\0';
		if (!dm_disk(buf, (size_t)n, action, sizeof(action)))
			continue;
		d->uevents++;
		log_debug("uevent %s", buf);
		if (!strcmp(action, "add") || !strcmp(action, "change") ||
		    !strcmp(action, "remove"))
			resync = true;
	}
	if (resync)
		genl_resync(d, "uevent");
}

int uevent_init(struct aattsd *d)
{
	struct sockaddr_nl sa = {
		.nl_family = AF_NETLINK,
		.nl_groups = 1,
	};
	int size = 1 << 20;

	d->uevent_watch.fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC |
				    SOCK_NONBLOCK, NETLINK_KOBJECT_UEVENT);
	if (d->uevent_watch.fd < 0) {
		log_err("uevent socket: %s", strerror(errno));
		return -errno;
	}
	setsockopt(d->uevent_watch.fd, SOL_SOCKET, SO_RCVBUF, &size,
		   sizeof(size));
	if (bind(d->uevent_watch.fd, (struct sockaddr *)&sa, sizeof(sa))) {
		log_err("uevent socket: bind: %s", strerror(errno));
		return -errno;
	}
	d->uevent_watch.fn = on_uevent;
	return loop_add(d, &d->uevent_watch, EPOLLIN);
}

void uevent_exit(struct aattsd *d)
{
	if (d->uevent_watch.fd >= 0) {
		loop_del(d, &d->uevent_watch);
		close(d->uevent_watch.fd);
	}
	d->uevent_watch.fd = -1;
}
