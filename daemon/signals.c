// SPDX-License-Identifier: GPL-2.0-only
/*
 * aattsd: signals by signalfd.  SIGTERM and SIGINT stop the loop (the
 * kernel keeps serving I/O with the last policy: nothing is undone);
 * SIGHUP reloads the configuration file, keeping the old one when the new
 * one has an error.  SIGPIPE is ignored (a control client may go away).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>

#include <systemd/sd-daemon.h>

#include "aattsd.h"
#include "record.h"

static void reload(struct aattsd *d)
{
	struct config c;
	bool absent;
	char msg[256];

	d->reloads++;
	sd_notify(0, "RELOADING=1");
	if (config_load(d->config_path, &c, &absent, msg, sizeof(msg))) {
		d->reload_errors++;
		log_err("SIGHUP: %s: %s; keeping the configuration in force",
			d->config_path, msg);
		sd_notify(0, "READY=1");
		return;
	}
	log_info("SIGHUP: configuration reloaded from %s%s", d->config_path,
		 absent ? " (absent: the defaults)" : "");
	if (c.poll_interval_ms != d->cfg.poll_interval_ms)
		timer_set(d, c.poll_interval_ms);
	log_set_level(c.log_level);
	d->cfg = c;
	record_config(d);
	sd_notify(0, "READY=1");
}

static void on_signal(struct aattsd *d, struct watch *w, uint32_t events)
{
	struct signalfd_siginfo si;

	(void)events;
	while (read(w->fd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGTERM:
		case SIGINT:
			log_info("%s from pid %u: stopping",
				 strsignal(si.ssi_signo), si.ssi_pid);
			d->stop = true;
			break;
		case SIGHUP:
			reload(d);
			break;
		}
	}
}

int signals_init(struct aattsd *d)
{
	sigset_t set;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL)) {
		log_err("sigprocmask: %s", strerror(errno));
		return -errno;
	}
	d->signal_watch.fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (d->signal_watch.fd < 0) {
		log_err("signalfd: %s", strerror(errno));
		return -errno;
	}
	d->signal_watch.fn = on_signal;
	return loop_add(d, &d->signal_watch, EPOLLIN);
}

void signals_exit(struct aattsd *d)
{
	if (d->signal_watch.fd >= 0) {
		loop_del(d, &d->signal_watch);
		close(d->signal_watch.fd);
	}
	d->signal_watch.fd = -1;
}
