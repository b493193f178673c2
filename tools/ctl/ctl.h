/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * aattsctl: the control tool of AAT-TS.  Shared declarations.
 *
 * Every command returns its exit status: 0 ok, 1 runtime error (printed,
 * with the kernel's extended ACK message when there is one), 2 usage error.
 */
#ifndef AATTSCTL_H
#define AATTSCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <linux/aatts.h>

#include "aattsnl.h"

#define EXIT_RUNTIME	1
#define EXIT_USAGE	2

#define PROG "aattsctl"

/* main.c */
int err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int usage_error(const char *usage, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* For getopt_long(":..."): the error of c (':' or '?'), a usage error. */
int option_error(const char *usage, int c, char **argv);
/* --help: prints usage on stdout, returns 0. */
int help(const char *usage);

/* parse.c: no I/O, host-tested. */
int parse_u64(const char *s, uint64_t *v);
int parse_size(const char *s, uint64_t *v);
int parse_range(const char *s, uint64_t *off, uint64_t *len);
int parse_kv(const char *s, char key[AATTS_KEY_MAX], uint64_t *value);

struct hint {
	char *path;
	uint32_t score;
	unsigned int line;
};

/*
 * Parses a hints file: one "PATH SCORE" per line (the score is the last
 * word, so a path may hold blanks), blank lines and lines starting with
 * '#' ignored.  On error returns -1 with "line N: why" in msg.
 */
int hints_parse(FILE *f, struct hint **hints, size_t *nr, char *msg,
		size_t msglen);
void hints_free(struct hint *hints, size_t nr);

/* One aattstab line (Documentation/aattstab.rst). */
struct tab_entry {
	char name[AATTS_NAME_MAX];
	char *slow;		/* a path: UUID= etc. made /dev/disk/by-* */
	char *fast;
	uint64_t block_bytes;
	const char *policy;	/* NULL: the kernel's default */
	const char *mode;	/* NULL: writethrough */
	unsigned int line;
};

/*
 * Parses an aattstab: every line is checked (syntax, block size, policy,
 * options, names and devices used twice) before any is returned.  On
 * error returns -1 with "line N: why" in msg.
 */
int tab_parse(FILE *f, struct tab_entry **entries, size_t *nr, char *msg,
	      size_t msglen);
void tab_free(struct tab_entry *v, size_t nr);

struct rangev {
	struct aatts_range *v;
	size_t nr;
	size_t cap;
};

/* Appends, merging with the last range when contiguous, same score. */
int rangev_add(struct rangev *rv, uint64_t off, uint64_t len, uint32_t score);
void rangev_free(struct rangev *rv);

/* nl.c: aattsnl (lib/aattsnl) with the errors printed. */
/* Opens the socket; exit status. */
int ctl_nl_open(struct aatts_nl *nl);
/* Prints "aattsctl: what: strerror: extack" and returns EXIT_RUNTIME. */
int ctl_nl_error(const struct aatts_nl *nl, const char *what);
int ctl_nl_subscribe(struct aatts_nl *nl);
int ctl_nl_listen(struct aatts_nl *nl, aatts_nl_fn fn, void *arg);

/* DEV_GET of one device; exit status. */
int dev_get(struct aatts_nl *nl, const char *name, struct aatts_dev *d);
/* DEV_GET dump; exit status. */
int dev_list(struct aatts_nl *nl, struct aatts_dev **v, size_t *nr);
/*
 * name, or the only aatts device when name is NULL (none or several is a
 * usage error); fills d when not NULL.  Exit status.
 */
int dev_resolve(struct aatts_nl *nl, const char *usage, const char **name,
		struct aatts_dev *d);

/* ranges.c: rv in batches of AATTS_RANGES_MAX; sums the COUNT replies. */
int send_ranges(struct aatts_nl *nl, uint8_t cmd, const char *name,
		const struct rangev *rv, uint32_t flags, bool score,
		bool prio, uint32_t priority, uint64_t *count);

/* hints.c */
int epoch_commit(struct aatts_nl *nl, const char *name);

/* dm.c */
/* error_threshold: the feature, or -1 for the kernel's default. */
int dm_create_aatts(const char *name, const char *slow, const char *fast,
		    uint64_t block_bytes, const char *policy,
		    const char *mode, int error_threshold);
/* Removes an aatts device, and its pass-through tier if it has one. */
int dm_remove_aatts(const char *name);
/*
 * The pass-through tier: a device-mapper "error" device NAME-aatts-nofast
 * standing for a missing fast device (aattsctl apply).
 */
#define DM_NOFAST_SUFFIX "-aatts-nofast"
int dm_nofast_name(const char *name, char *buf, size_t len);
int dm_create_nofast(const char *name, uint64_t sectors);
int dm_remove_nofast(const char *name);
/*
 * "major:minor" and target type of a device-mapper device: 0, 1 when there
 * is no such device, -1 on error (printed).
 */
int dm_devt(const char *name, char *buf, size_t len, char *type,
	    size_t type_len);

/* fiemap.c: the device byte ranges of a file on the aatts device d. */
int file_ranges(const char *path, const struct aatts_dev *d, uint32_t score,
		struct rangev *rv, uint64_t *bytes);

/* output.c */
struct table;
struct table *table_new(unsigned int ncols);
void table_row(struct table *t, ...);	/* ncols strings */
void table_print(struct table *t, FILE *f, unsigned int indent);
void table_free(struct table *t);
const char *fmt_bytes(uint64_t b, char *buf, size_t len);

struct json_object;
void json_print(struct json_object *o, bool pretty);
void dev_print(const struct aatts_dev *d);
void stats_print(const struct aatts_dev *d, const struct aatts_dev *prev,
		 double secs);

/* Commands. */
int cmd_create(int argc, char **argv);
int cmd_remove(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_policy(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_ranges(int argc, char **argv);
int cmd_hints(int argc, char **argv);
int cmd_epoch(int argc, char **argv);
int cmd_residency(int argc, char **argv);
int cmd_events(int argc, char **argv);
int cmd_apply(int argc, char **argv);

#endif
