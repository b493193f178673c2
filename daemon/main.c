// SPDX-License-Identifier: GPL-2.0-only
/*
 * aattsd: the AAT-TS daemon.  This file only reads the options and orders
 * setup and teardown; each concern lives in its own file (aattsd.h).
 *
 * Stopping aattsd (any way, kill -9 included) changes nothing in the
 * kernel: every device keeps serving I/O with the policy in force, and a
 * new aattsd picks every device up again without disturbing it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/capability.h>
#include <systemd/sd-daemon.h>

#include "aattsd.h"
#include "record.h"

static const char usage[] =
"usage: aattsd [--foreground] [--config FILE] [--socket PATH] [--record FILE]\n"
"  -f, --foreground  stay in the foreground, log to stderr (else: syslog)\n"
"  -c, --config FILE configuration (default " AATTSD_CONFIG ";\n"
"                    absent: the defaults); reloaded on SIGHUP\n"
"  -s, --socket PATH the control socket (default " AATTSD_SOCKET ")\n"
"  -r, --record FILE write what the devices' file systems read, in the\n"
"                    aatts-events 1 format (aatts-trace converts it)\n"
"  -h, --help        this text\n"
"  -V, --version     the version\n"
"Serves every aatts device on the host, and those created later.\n"
"See Documentation/aattsd.rst.\n";

static int setup(struct aattsd *d)
{
	int keep[4], nr = 0, r;
	char *caps;

	r = loop_init(d);
	if (!r)
		r = signals_init(d);
	if (!r)
		r = genl_init(d);
	if (!r)
		r = uevent_init(d);
	if (!r)
		r = control_init(d, d->socket_path);
	if (!r)
		r = record_open(d);
	if (!r)
		r = prefetch_init(d);
	if (!r)
		r = observer_init(d);
	if (!r)
		r = timer_init(d);
	if (r)
		return r;
	genl_resync(d, "start");
	log_info("serving %zu aatts device%s", d->devs.nr,
		 d->devs.nr == 1 ? "" : "s");

	/* Every genl request needs it, [read] ones included. */
	keep[nr++] = CAP_NET_ADMIN;
	/*
	 * --record and the prefetcher open the files read by handle
	 * (open_by_handle_at) for their FIEMAP extents; without observers
	 * there is nothing to open.
	 */
	if (d->record_path || d->obs)
		keep[nr++] = CAP_DAC_READ_SEARCH;
	r = caps_keep(keep, (unsigned int)nr);
	if (r) {
		log_err("dropping capabilities: %s", strerror(-r));
		return r;
	}
	caps = caps_text();
	log_info("capabilities kept: %s", caps ? caps : "?");
	free(caps);
	return 0;
}

static void teardown(struct aattsd *d)
{
	timer_exit(d);
	observer_exit(d);	/* its last ranges into the record */
	prefetch_exit(d);
	record_close(d);
	control_exit(d);
	uevent_exit(d);
	genl_exit(d);
	signals_exit(d);
	loop_exit(d);
	devtab_free(&d->devs);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "foreground", no_argument, NULL, 'f' },
		{ "config", required_argument, NULL, 'c' },
		{ "socket", required_argument, NULL, 's' },
		{ "record", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 }
	};
	struct aattsd d = {
		.epfd = -1,
		.config_path = AATTSD_CONFIG,
		.socket_path = AATTSD_SOCKET,
		.ev_watch.fd = -1,
		.uevent_watch.fd = -1,
		.signal_watch.fd = -1,
		.timer_watch.fd = -1,
		.control_watch.fd = -1,
		.obs_watch.fd = -1,
	};
	char msg[256];
	bool absent;
	int c, r;

	while ((c = getopt_long(argc, argv, ":fc:s:r:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			d.foreground = true;
			break;
		case 'c':
			d.config_path = optarg;
			break;
		case 's':
			d.socket_path = optarg;
			break;
		case 'r':
			d.record_path = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		case 'V':
			printf("aattsd %s (control protocol %d)\n",
			       AATTSD_VERSION, AATTSD_PROTO_VERSION);
			return 0;
		case ':':
			fprintf(stderr, "aattsd: %s needs an argument\n%s",
				argv[optind - 1], usage);
			return 2;
		default:
			fprintf(stderr, "aattsd: unknown option '%s'\n%s",
				argv[optind - 1], usage);
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "aattsd: unexpected argument '%s'\n%s",
			argv[optind], usage);
		return 2;
	}
	if (config_load(d.config_path, &d.cfg, &absent, msg, sizeof(msg))) {
		fprintf(stderr, "aattsd: %s: %s\n", d.config_path, msg);
		return 1;
	}
	if (!d.foreground && daemon(0, 0)) {
		fprintf(stderr, "aattsd: daemon: %s\n", strerror(errno));
		return 1;
	}
	log_init(d.foreground);
	log_set_level(d.cfg.log_level);
	d.started_ns = now_ns();
	log_info("aattsd %s starting (pid %d); configuration %s%s",
		 AATTSD_VERSION, (int)getpid(), d.config_path,
		 absent ? " absent: the defaults" : "");
	r = setup(&d);
	if (!r) {
		/* Type=notify: ready once the control socket listens. */
		sd_notifyf(0, "READY=1\nSTATUS=serving %zu aatts devices",
			   d.devs.nr);
		r = loop_run(&d);
	}
	sd_notify(0, "STOPPING=1");
	teardown(&d);
	log_info("aattsd stopped%s", r ? " on an error" : "");
	return r ? 1 : 0;
}
