// SPDX-License-Identifier: GPL-2.0-only
/* aattsctl policy set|get: the policy in force and its parameters. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <string.h>
#include <json.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "ctl.h"

static const char usage[] =
"usage: aattsctl policy set [NAME] POLICY [KEY=VALUE...]\n"
"       aattsctl policy get [NAME] [--json]\n"
"  POLICY     default, lru, fifo, lfu, minio or isa\n"
"  KEY=VALUE  a parameter of that policy, e.g. aging=5 for lfu; those not\n"
"             given take their defaults\n"
"  NAME may be omitted when exactly one aatts device exists.\n";

static int policy_set(int argc, char **argv)
{
	const char *name = NULL, *policy;
	struct nlattr *pp, *kv;
	struct nl_msg *msg;
	struct aatts_nl nl;
	char key[AATTS_KEY_MAX];
	uint64_t value;
	int i, first, r;

	if (argc < 1)
		return usage_error(usage, "POLICY missing");
	/* NAME POLICY [KEY=VALUE...] or POLICY [KEY=VALUE...] */
	if (argc >= 2 && !strchr(argv[1], '=')) {
		name = argv[0];
		policy = argv[1];
		first = 2;
	} else {
		policy = argv[0];
		first = 1;
	}
	if (strchr(policy, '='))
		return usage_error(usage, "POLICY missing before '%s'", policy);
	for (i = first; i < argc; i++) {
		r = parse_kv(argv[i], key, &value);
		if (r == -ERANGE && strchr(argv[i], '=') - argv[i] >= AATTS_KEY_MAX)
			return usage_error(usage, "key too long in '%s'", argv[i]);
		if (r)
			return usage_error(usage, "'%s' is not KEY=VALUE (a decimal number)",
					   argv[i]);
	}
	r = ctl_nl_open(&nl);
	if (r)
		return r;
	r = dev_resolve(&nl, usage, &name, NULL);
	if (r)
		goto out;
	msg = aatts_nl_request(&nl, AATTS_CMD_POLICY_SET, NLM_F_ACK, 0);
	if (!msg || aatts_nl_put_dev(msg, name) ||
	    nla_put_string(msg, AATTS_DEV_A_POLICY, policy))
		goto nomem;
	if (argc > first) {
		pp = nla_nest_start(msg, AATTS_DEV_A_POLICY_PARAMS);
		if (!pp)
			goto nomem;
		for (i = first; i < argc; i++) {
			parse_kv(argv[i], key, &value);
			kv = nla_nest_start(msg, AATTS_PARAM_A_KV);
			if (!kv || nla_put_string(msg, AATTS_KV_A_KEY, key) ||
			    nla_put_u64(msg, AATTS_KV_A_VALUE, value))
				goto nomem;
			nla_nest_end(msg, kv);
		}
		nla_nest_end(msg, pp);
	}
	if (aatts_nl_exchange(&nl, msg, NULL, NULL))
		r = ctl_nl_error(&nl, name);
out:
	aatts_nl_close(&nl);
	return r;
nomem:
	nlmsg_free(msg);
	aatts_nl_close(&nl);
	return err("out of memory");
}

static int got_policy(struct nlattr **tb, uint8_t cmd, void *arg)
{
	(void)cmd;
	return aatts_dev_parse(tb, arg);
}

static int policy_get(int argc, char **argv, bool json)
{
	const char *name = NULL;
	struct aatts_dev d;
	struct nl_msg *msg;
	struct aatts_nl nl;
	unsigned int i;
	int r;

	if (argc > 1)
		return usage_error(usage, "too many arguments");
	if (argc)
		name = argv[0];
	r = ctl_nl_open(&nl);
	if (r)
		return r;
	r = dev_resolve(&nl, usage, &name, NULL);
	if (r)
		goto out;
	msg = aatts_nl_request(&nl, AATTS_CMD_POLICY_GET, NLM_F_ACK, 0);
	if (msg && aatts_nl_put_dev(msg, name)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	memset(&d, 0, sizeof(d));
	if (aatts_nl_exchange(&nl, msg, got_policy, &d)) {
		r = ctl_nl_error(&nl, name);
		goto out;
	}
	if (json) {
		struct json_object *o = json_object_new_object();
		char devt[24];

		aatts_devt_str(d.devt, devt, sizeof(devt));
		json_object_object_add(o, "name", json_object_new_string(d.name));
		json_object_object_add(o, "devt", json_object_new_string(devt));
		json_object_object_add(o, "policy",
				       json_object_new_string(d.policy));
		json_object_object_add(o, "params", aatts_kv_json(d.kv, d.nr_kv));
		json_print(o, true);
	} else {
		printf("%s\n", d.policy);
		for (i = 0; i < d.nr_kv; i++)
			printf("  %s=%" PRIu64 "\n", d.kv[i].key, d.kv[i].value);
	}
out:
	aatts_nl_close(&nl);
	return r;
}

int cmd_policy(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	bool json = false;
	int c;

	while ((c = getopt_long(argc, argv, ":hj", opts, NULL)) != -1) {
		if (c == 'h')
			return help(usage);
		if (c != 'j')
			return option_error(usage, c, argv);
		json = true;
	}
	if (optind == argc)
		return usage_error(usage, "'set' or 'get' missing");
	if (!strcmp(argv[optind], "set")) {
		if (json)
			return usage_error(usage, "--json is for 'policy get'");
		return policy_set(argc - optind - 1, argv + optind + 1);
	}
	if (!strcmp(argv[optind], "get"))
		return policy_get(argc - optind - 1, argv + optind + 1, json);
	return usage_error(usage, "unknown policy command '%s'", argv[optind]);
}
