// SPDX-License-Identifier: GPL-2.0-only
/*
 * aattsnl: a device as DEV_GET describes it, in JSON (json-c): the objects
 * of aattsctl's --json output and of aattsd's "devices" replies.
 */
#include <json.h>

#include "aattsnl.h"

struct json_object *aatts_kv_json(const struct aatts_kv *kv, unsigned int nr)
{
	struct json_object *o = json_object_new_object();
	unsigned int i;

	for (i = 0; i < nr; i++)
		json_object_object_add(o, kv[i].key,
				       json_object_new_uint64(kv[i].value));
	return o;
}

struct json_object *aatts_stats_json(const struct aatts_dev *d)
{
	struct json_object *o = json_object_new_object();
	int i;

	for (i = 1; i <= AATTS_STAT_A_MAX; i++)
		if (aatts_stat_names[i] && d->has_stat[i])
			json_object_object_add(o, aatts_stat_names[i],
					       json_object_new_uint64(d->stat[i]));
	return o;
}

struct json_object *aatts_adapt_json(const struct aatts_adapt *a)
{
	struct json_object *o = json_object_new_object();
	struct json_object *r = json_object_new_object();
	unsigned int i;

	json_object_object_add(o, "mode", json_object_new_string(a->mode));
	json_object_object_add(o, "warm", json_object_new_boolean(a->warm));
	json_object_object_add(o, "switches",
			       json_object_new_uint64(a->switches));
	json_object_object_add(o, "periods", json_object_new_uint64(a->periods));
	json_object_object_add(o, "shadow_slots",
			       json_object_new_uint64(a->shadow_slots));
	json_object_object_add(o, "sampled_ppm",
			       json_object_new_uint64(a->sampled_ppm));
	json_object_object_add(o, "shadow_bytes",
			       json_object_new_uint64(a->shadow_bytes));
	for (i = 0; i < a->nr; i++)
		json_object_object_add(r, a->shadow[i].name,
				       json_object_new_uint64(a->shadow[i].ratio));
	json_object_object_add(o, "ratios", r);
	return o;
}

struct json_object *aatts_dev_json(const struct aatts_dev *d)
{
	struct json_object *o = json_object_new_object();
	char devt[24];
	int i;

	aatts_devt_str(d->devt, devt, sizeof(devt));
	json_object_object_add(o, "name", json_object_new_string(d->name));
	json_object_object_add(o, "devt", json_object_new_string(devt));
	json_object_object_add(o, "disk", json_object_new_string(d->disk));
	json_object_object_add(o, "slow", json_object_new_string(d->slow));
	json_object_object_add(o, "fast", json_object_new_string(d->fast));
	json_object_object_add(o, "size", json_object_new_uint64(d->size));
	json_object_object_add(o, "block_size",
			       json_object_new_uint64(d->block_size));
	json_object_object_add(o, "mode", json_object_new_string(d->mode));
	json_object_object_add(o, "state", json_object_new_string(d->state));
	json_object_object_add(o, "policy", json_object_new_string(d->policy));
	json_object_object_add(o, "policy_params", aatts_kv_json(d->kv, d->nr_kv));
	if (d->has_params) {
		struct json_object *p = json_object_new_object();

		for (i = 1; i <= AATTS_PARAMS_A_MAX; i++)
			if (aatts_param_names[i])
				json_object_object_add(p, aatts_param_names[i],
						       json_object_new_uint64(d->param[i]));
		json_object_object_add(o, "params", p);
	}
	if (d->has_stats)
		json_object_object_add(o, "stats", aatts_stats_json(d));
	if (d->has_adapt)
		json_object_object_add(o, "adapt", aatts_adapt_json(&d->adapt));
	return o;
}
