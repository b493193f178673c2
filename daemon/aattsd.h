/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * aattsd: the AAT-TS daemon.  Shared declarations; one concern per file:
 *
 *   main.c      options, the order of setup and teardown
 *   log.c       messages (stderr in the foreground, else syslog)
 *   loop.c      the epoll loop: one thread, every fd a watch
 *   signals.c   signalfd: SIGTERM/SIGINT stop, SIGHUP reloads the config
 *   timer.c     timerfd: periodic work (device and counter polling)
 *   config.c    the key = value configuration file
 *   devices.c   the table of aatts devices served
 *   genl.c      the aatts generic netlink request and events sockets
 *   uevent.c    the kernel's uevents: block devices appearing and leaving
 *   control.c   the Unix control socket: clients, lines, credentials
 *   protocol.c  the control protocol: JSON requests, validation, replies
 *   caps.c      capabilities kept after setup
 *   fmap.c      file -> device extents (FIEMAP), cached
 *   record.c    --record: the aatts-events 1 file (record.h)
 *   metrics.c   Prometheus metrics, a textfile for node_exporter
 *   observer.c  the eBPF read observers (ebpf/observer.h) in the loop
 *   trainer.c   the trainer ops: manifest, importance, order, epoch_end,
 *               residency (Documentation/aattsd.rst)
 *   mnttab.c    observed files opened by handle
 *   prefetch.c  the prefetch planner and the performance / cost knob
 */
#ifndef AATTSD_H
#define AATTSD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "aattsnl.h"

#define AATTSD_VERSION		"0.1.0"
#define AATTSD_PROTO_VERSION	1
#define AATTSD_CONFIG		"/etc/aatts/aattsd.conf"
#define AATTSD_SOCKET		"/run/aatts/aattsd.sock"
#define AATTSD_GROUP		"aatts"

/* log.c */
enum { LOG_LVL_ERR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };
void log_init(bool foreground);
void log_set_level(int level);
void log_msg(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
#define log_err(...)	log_msg(LOG_LVL_ERR, __VA_ARGS__)
#define log_warn(...)	log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...)	log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...)	log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

/* loop.c */
struct aattsd;
struct watch;
typedef void (*watch_fn)(struct aattsd *d, struct watch *w, uint32_t events);
struct watch {
	int fd;
	watch_fn fn;
	void *arg;
};
int loop_init(struct aattsd *d);
int loop_add(struct aattsd *d, struct watch *w, uint32_t events);
void loop_del(struct aattsd *d, struct watch *w);
/* Runs until d->stop; returns 0, or -errno when epoll itself fails. */
int loop_run(struct aattsd *d);
void loop_exit(struct aattsd *d);

/* config.c: parsing is pure (host-tested). */
struct config {
	unsigned int poll_interval_ms;	/* device and counter polling */
	int log_level;			/* LOG_LVL_* */
	char control_group[64];		/* group allowed on the control socket */
	unsigned int max_clients;	/* control connections at once */
	unsigned int fmap_files;	/* files in the FIEMAP cache at most */
	unsigned int fmap_revalidate_ms; /* recheck a cached file after */
	char metrics_file[256];		/* Prometheus textfile; "": none */
	unsigned int prefetch_mode;	/* mode: enum tune_mode, or _OFF */
	unsigned int prefetch_budget;	/* slow-tier bytes/s; 0: the mode's */
	unsigned int page_cache_advice;	/* 1: POSIX_FADV_WILLNEED, 0: off */
};
#define CONFIG_PREFETCH_OFF	3	/* prefetch_mode: observe only */
extern const char *const config_modes[4];
void config_defaults(struct config *c);
/*
 * Parses the text of a config file into c (from the defaults).  Returns 0,
 * or -1 with "line N: why" in msg (c is then unspecified).
 */
int config_parse(const char *text, struct config *c, char *msg,
		 size_t msglen);
/* Reads path (absent: the defaults, *absent set); -1 with msg on error. */
int config_load(const char *path, struct config *c, bool *absent, char *msg,
		size_t msglen);

/* devices.c */
struct device {
	struct aatts_dev dev;	/* as DEV_GET or the last event said */
	uint64_t events;	/* events of the family about it */
	uint64_t seen_ns;	/* CLOCK_MONOTONIC of the last update */
	bool mark;		/* resync: still there */
};
struct devtab {
	struct device *v;
	size_t nr, cap;
	uint64_t generation;	/* bumped on every add or removal */
};
struct device *devtab_find(struct devtab *t, uint32_t devt);
struct device *devtab_find_name(struct devtab *t, const char *name);
/* Adds or updates; NULL without memory.  *added tells which. */
struct device *devtab_put(struct devtab *t, const struct aatts_dev *dev,
			  bool *added);
void devtab_del(struct devtab *t, struct device *dv);
void devtab_free(struct devtab *t);

/* genl.c */
int genl_init(struct aattsd *d);
void genl_exit(struct aattsd *d);
/* DEV_GET dump: adds the new devices, drops the gone ones; -errno. */
int genl_resync(struct aattsd *d, const char *why);

/* uevent.c */
int uevent_init(struct aattsd *d);
void uevent_exit(struct aattsd *d);

/* signals.c */
int signals_init(struct aattsd *d);
void signals_exit(struct aattsd *d);

/* timer.c */
int timer_init(struct aattsd *d);
int timer_set(struct aattsd *d, unsigned int ms);
void timer_exit(struct aattsd *d);

/* control.c */
#define PEER_GROUPS_MAX	256
/* Who is on the other end of a control connection (SO_PEERCRED/GROUPS). */
struct peer {
	pid_t pid;
	uid_t uid;
	gid_t gid;
	gid_t groups[PEER_GROUPS_MAX];
	unsigned int nr_groups;
	struct trainer_job *job;	/* its own trainer job, if any */
};
int control_init(struct aattsd *d, const char *path);
void control_exit(struct aattsd *d);

/* protocol.c: one request line in, one reply line out (malloc'ed, no \n). */
struct json_object;
char *protocol_handle(struct aattsd *d, struct peer *p, const char *line,
		      size_t len);
char *protocol_error(const char *code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/*
 * A request line, '\n' included, at most (version 1 said 4096 until the
 * trainer ops, whose batches need more).  control.c grows each client's
 * buffer up to it as lines need.
 */
#define PROTO_LINE_MAX	(1 << 20)

/*
 * trainer.c.  Each op fills the reply o (v, ok and id already in it) and
 * returns 0, or returns -1 with an error code and message in e.
 */
struct trainer_err {
	const char *code;
	char msg[256];
};
typedef int (*trainer_op_fn)(struct aattsd *d, struct peer *p,
			     struct json_object *req, struct json_object *o,
			     struct trainer_err *e);
int trainer_manifest(struct aattsd *d, struct peer *p, struct json_object *req,
		     struct json_object *o, struct trainer_err *e);
int trainer_importance(struct aattsd *d, struct peer *p,
		       struct json_object *req, struct json_object *o,
		       struct trainer_err *e);
int trainer_order(struct aattsd *d, struct peer *p, struct json_object *req,
		  struct json_object *o, struct trainer_err *e);
int trainer_epoch_end(struct aattsd *d, struct peer *p,
		      struct json_object *req, struct json_object *o,
		      struct trainer_err *e);
int trainer_residency(struct aattsd *d, struct peer *p,
		      struct json_object *req, struct json_object *o,
		      struct trainer_err *e);
/* The fields each op knows (besides v, op and id). */
extern const char *const trainer_manifest_fields[];
extern const char *const trainer_importance_fields[];
extern const char *const trainer_order_fields[];
extern const char *const trainer_epoch_end_fields[];
extern const char *const trainer_residency_fields[];
/* The connection of p closed: its own job goes. */
void trainer_peer_gone(struct aattsd *d, struct peer *p);
void trainer_exit(struct aattsd *d);
/* For "stats". */
void trainer_stats(struct aattsd *d, struct json_object *s);
/*
 * Work a trainer op left for after its reply (a cursor's page-cache
 * advice); control.c calls it once the reply is queued.
 */
void trainer_after_reply(struct aattsd *d);

/* observer.c */
struct aatts_observer_stats;
int observer_init(struct aattsd *d);
void observer_exit(struct aattsd *d);
void observer_tick(struct aattsd *d);
void observer_watch(struct aattsd *d, uint32_t devt, bool on);
void observer_get_stats(const struct aattsd *d,
			struct aatts_observer_stats *st);

/* prefetch.c: the planner and the knob per served device. */
struct aatts_read_range;
struct prefetch_stats {
	uint64_t issued, used, wasted, read_blocks;	/* planner, blocks */
	uint64_t advised, advised_bytes;	/* POSIX_FADV_WILLNEED calls */
	uint64_t lead_ns;			/* summed over used blocks */
	uint64_t markov, seq;			/* extents predicted, by kind */
	uint64_t requests, errors, started;	/* PREFETCH requests */
	uint64_t busy;				/* EBUSY: device busy */
	uint64_t slow_bps;			/* tune: the slow tier's bandwidth */
	uint32_t level;				/* tune level applied */
};
int prefetch_init(struct aattsd *d);
void prefetch_exit(struct aattsd *d);
void prefetch_range(struct aattsd *d, const struct aatts_read_range *rr);
void prefetch_tick(struct aattsd *d);
void prefetch_forget(struct aattsd *d, uint32_t devt);
/* -ENOENT when the device has no prefetch state yet. */
int prefetch_get(const struct aattsd *d, uint32_t devt,
		 struct prefetch_stats *ps);

/* metrics.c: writes metrics_file (when set), atomically. */
void metrics_write(struct aattsd *d);

/* caps.c */
/* Keeps only the capabilities of keep (CAP_* values, nr of them); -errno. */
int caps_keep(const int *keep, unsigned int nr);
/* The effective capabilities as text (for the log and "hello"). */
char *caps_text(void);

/* The daemon. */
struct client;
struct recorder;
struct aatts_observer;
struct aattsd {
	int epfd;
	bool stop;
	bool foreground;
	const char *config_path;
	const char *socket_path;
	const char *record_path;
	struct config cfg;

	struct aatts_nl req;	/* requests and replies */
	struct aatts_nl ev;	/* the events multicast group */
	struct watch ev_watch;
	struct watch uevent_watch;
	struct watch signal_watch;
	struct watch timer_watch;
	struct watch control_watch;
	gid_t control_gid;	/* (gid_t)-1: root only */

	struct devtab devs;
	struct client *clients;
	unsigned int nr_clients;
	struct recorder *rec;
	struct prefetch *pf;
	struct aatts_observer *obs;	/* NULL: the kernel cannot run them */
	struct trainer *trainer;	/* made at the first trainer op */
	struct watch obs_watch;
	uint64_t obs_ranges;
	uint64_t obs_reads_seen;	/* observer reads at the last tick */
	uint64_t obs_flushes;

	/* Counters, for "stats". */
	uint64_t started_ns;
	uint64_t nl_events;
	uint64_t nl_overruns;
	uint64_t uevents;
	uint64_t resyncs;
	uint64_t polls;
	uint64_t reloads;
	uint64_t reload_errors;
	uint64_t requests;
	uint64_t request_errors;
	uint64_t clients_refused;
	uint64_t metrics_writes;
};

uint64_t now_ns(void);

#endif
