/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * aattsnl: a small client of the aatts generic netlink family (libnl-genl-3),
 * shared by aattsctl and aattsd.  Requests, replies, dumps, extended ACK
 * messages, the device attributes and the events multicast group.
 *
 * Nothing here prints: every function returns 0 or -errno and leaves the
 * reason (the kernel's extended ACK message, or ours) in nl->extack.
 */
#ifndef AATTSNL_H
#define AATTSNL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/aatts.h>

struct nl_sock;
struct nl_msg;
struct nlattr;

struct aatts_nl {
	struct nl_sock *sk;
	int family;
	int error;		/* of the last exchange, -errno */
	char extack[512];	/* its extended ACK message, if any */
	uint32_t bad_off;	/* the attribute at fault, offset in the request */
};

/* Connects and resolves the family; -errno, the reason in nl->extack. */
int aatts_nl_open(struct aatts_nl *nl);
void aatts_nl_close(struct aatts_nl *nl);
int aatts_nl_fd(const struct aatts_nl *nl);
struct nl_msg *aatts_nl_request(struct aatts_nl *nl, uint8_t cmd, int flags,
				size_t payload);
/*
 * Called for every reply message with its attributes parsed: 0 goes on,
 * > 0 stops without an error, < 0 stops with that error.
 */
typedef int (*aatts_nl_fn)(struct nlattr **tb, uint8_t cmd, void *arg);
/* Sends msg (freed) and waits for the ACK or the end of a dump; -errno. */
int aatts_nl_exchange(struct aatts_nl *nl, struct nl_msg *msg, aatts_nl_fn fn,
		      void *arg);
int aatts_nl_put_dev(struct nl_msg *msg, const char *name);

/* A device range in bytes (PREFETCH, DEMOTE, PIN, UNPIN, RESIDENCY_GET). */
struct aatts_range {
	uint64_t off;
	uint64_t len;
	uint32_t score;
};

/*
 * Puts AATTS_DEV_A_RANGES of r[0..nr) (nr <= AATTS_RANGES_MAX), with each
 * range's score when score, and priority prio on each when priority;
 * -EMSGSIZE.
 */
int aatts_nl_put_ranges(struct nl_msg *msg, const struct aatts_range *r,
			size_t nr, bool score, bool priority, uint32_t prio);

/*
 * One RESIDENCY_GET reply fragment (tb: its attributes): sets in bits the
 * bit of each resident block b in [first, first + nr), bit b - first.
 * 0; -EPROTO when the fragment is malformed (a fragment with no
 * AATTS_DEV_A_RESIDENCY is none of it: 0).
 */
int aatts_residency_mark(struct nlattr **tb, uint64_t first, uint64_t nr,
			 uint64_t *bits);

/* Joins the events multicast group (needs CAP_NET_ADMIN); -errno. */
int aatts_nl_subscribe(struct aatts_nl *nl);
/* Blocks, calling fn for every event, until it returns non-zero. */
int aatts_nl_listen(struct aatts_nl *nl, aatts_nl_fn fn, void *arg);
/*
 * On a non-blocking socket: calls fn for every event waiting, returns 0
 * when none is left; -ENOBUFS when the socket overran (events were lost).
 */
int aatts_nl_drain(struct aatts_nl *nl, aatts_nl_fn fn, void *arg);

/* A device as DEV_GET describes it. */
struct aatts_kv {
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
	struct aatts_kv kv[AATTS_POLICY_PARAMS_MAX];
	unsigned int nr_kv;
	bool has_params;
	uint64_t param[AATTS_PARAMS_A_MAX + 1];
	bool has_stats;
	uint64_t stat[AATTS_STAT_A_MAX + 1];
	bool has_stat[AATTS_STAT_A_MAX + 1];
	/* AATTS_DEV_A_ADAPT (under default, kernel 1.3 and later). */
	bool has_adapt;
	struct aatts_adapt {
		char mode[16];		/* the policy default runs now */
		bool warm;
		uint64_t switches, periods, shadow_bytes;
		uint32_t shadow_slots, sampled_ppm;
		unsigned int nr;	/* shadows */
		struct aatts_shadow {
			char name[16];
			uint32_t ratio, last;	/* per mille */
		} shadow[8];
	} adapt;
};

extern const char *const aatts_stat_names[AATTS_STAT_A_MAX + 1];
extern const char *const aatts_param_names[AATTS_PARAMS_A_MAX + 1];

int aatts_dev_parse(struct nlattr **tb, struct aatts_dev *d);
/* DEV_GET of one device; -errno (ENODEV: none such). */
int aatts_nl_dev_get(struct aatts_nl *nl, const char *name,
		     struct aatts_dev *d);
/* DEV_GET dump into a malloc'ed array; -errno. */
int aatts_nl_dev_list(struct aatts_nl *nl, struct aatts_dev **v, size_t *nr);
/* new_decode_dev() of AATTS_DEV_A_DEVT. */
void aatts_devt_split(uint32_t devt, unsigned int *maj, unsigned int *min);
void aatts_devt_str(uint32_t devt, char *buf, size_t len);

/* json.c: new json-c objects (the caller puts them). */
struct json_object;
struct json_object *aatts_dev_json(const struct aatts_dev *d);
struct json_object *aatts_kv_json(const struct aatts_kv *kv, unsigned int nr);
struct json_object *aatts_stats_json(const struct aatts_dev *d);
struct json_object *aatts_adapt_json(const struct aatts_adapt *a);

#endif
