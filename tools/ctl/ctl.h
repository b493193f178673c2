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

struct range {
	uint64_t off;
	uint64_t len;
	uint32_t score;
};

struct rangev {
	struct range *v;
	size_t nr;
	size_t cap;
};

/* Appends, merging with the last range when contiguous, same score. */
int rangev_add(struct rangev *rv, uint64_t off, uint64_t len, uint32_t score);
void rangev_free(struct rangev *rv);

/* nl.c */
struct nl_sock;
struct nl_msg;
struct nlattr;

struct ctl_nl {
	struct nl_sock *sk;
	int family;
	int error;		/* of the last exchange, -errno */
	char extack[512];	/* its extended ACK message, if any */
	uint32_t bad_off;	/* the attribute at fault, offset in the request */
};

int ctl_nl_open(struct ctl_nl *nl);
void ctl_nl_close(struct ctl_nl *nl);
struct nl_msg *ctl_nl_request(struct ctl_nl *nl, uint8_t cmd, int flags,
			  size_t payload);
/* Called for every reply message with its attributes parsed. */
typedef int (*nl_reply_fn)(struct nlattr **tb, uint8_t cmd, void *arg);
/* Sends msg (freed) and waits for the ACK or the end of a dump; -errno. */
int ctl_nl_exchange(struct ctl_nl *nl, struct nl_msg *msg, nl_reply_fn fn,
		void *arg);
/* Prints "aattsctl: what: strerror: extack" and returns EXIT_RUNTIME. */
int ctl_nl_error(const struct ctl_nl *nl, const char *what);
int ctl_nl_put_ranges(struct nl_msg *msg, const struct range *r, size_t nr,
		  bool score, bool priority, uint32_t prio);
int ctl_nl_subscribe(struct ctl_nl *nl);
int ctl_nl_listen(struct ctl_nl *nl, nl_reply_fn fn, void *arg);

/* A device as DEV_GET describes it. */
struct kv {
	char key[AATTS_KEY_MAX];
	uint64_t value;
};

struct aatts_dev {
	char name[AATTS_NAME_MAX];
	uint32_t devt;
	char disk[32];
	char slow[32];
	char fast[32];
	uint64_t size;
	uint32_t block_size;
	char mode[16];
	char state[16];
	char policy[16];
	struct kv kv[AATTS_POLICY_PARAMS_MAX];
	unsigned int nr_kv;
	bool has_params;
	uint64_t param[AATTS_PARAMS_A_MAX + 1];
	bool has_stats;
	uint64_t stat[AATTS_STAT_A_MAX + 1];
	bool has_stat[AATTS_STAT_A_MAX + 1];
	/* AATTS_DEV_A_ADAPT (under default, kernel 1.3 and later). */
	bool has_adapt;
	struct adapt {
		char mode[16];		/* the policy default runs now */
		bool warm;
		uint64_t switches, periods, shadow_bytes;
		uint32_t shadow_slots, sampled_ppm;
		unsigned int nr;	/* shadows */
		struct shadow {
			char name[16];
			uint32_t ratio, last;	/* per mille */
		} shadow[8];
	} adapt;
};

extern const char *const stat_names[AATTS_STAT_A_MAX + 1];
extern const char *const param_names[AATTS_PARAMS_A_MAX + 1];

int dev_parse(struct nlattr **tb, struct aatts_dev *d);
int ctl_nl_put_dev(struct nl_msg *msg, const char *name);
/* DEV_GET of one device; exit status. */
int dev_get(struct ctl_nl *nl, const char *name, struct aatts_dev *d);
/* DEV_GET dump; exit status. */
int dev_list(struct ctl_nl *nl, struct aatts_dev **v, size_t *nr);
/*
 * name, or the only aatts device when name is NULL (none or several is a
 * usage error); fills d when not NULL.  Exit status.
 */
int dev_resolve(struct ctl_nl *nl, const char *usage, const char **name,
		struct aatts_dev *d);
void devt_str(uint32_t devt, char *buf, size_t len);
void devt_split(uint32_t devt, unsigned int *maj, unsigned int *min);

/* ranges.c: rv in batches of AATTS_RANGES_MAX; sums the COUNT replies. */
int send_ranges(struct ctl_nl *nl, uint8_t cmd, const char *name,
		const struct rangev *rv, uint32_t flags, bool score,
		bool prio, uint32_t priority, uint64_t *count);

/* hints.c */
int epoch_commit(struct ctl_nl *nl, const char *name);

/* dm.c */
int dm_create_aatts(const char *name, const char *slow, const char *fast,
		    uint64_t block_bytes, const char *policy,
		    const char *mode);
int dm_remove_aatts(const char *name);

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
struct json_object *dev_json(const struct aatts_dev *d);
struct json_object *kv_json(const struct kv *kv, unsigned int nr);
struct json_object *stats_json(const struct aatts_dev *d);
struct json_object *adapt_json(const struct adapt *a);
/* "MODE (SHADOW=RATIO... per mille, N switches)" */
void adapt_str(const struct adapt *a, char *buf, size_t len);
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

#endif
