// SPDX-License-Identifier: GPL-2.0-only
/*
 * aattsctl: the generic netlink client of lib/aattsnl, with its errors
 * printed as aattsctl prints them, and the range batches.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/netlink.h>
#include <netlink/genl/genl.h>

#include "ctl.h"

int ctl_nl_open(struct aatts_nl *nl)
{
	if (aatts_nl_open(nl))
		return err("%s", nl->extack);
	return 0;
}

int ctl_nl_error(const struct aatts_nl *nl, const char *what)
{
	if (nl->extack[0])
		return err("%s: %s: %s", what, strerror(-nl->error),
			   nl->extack);
	/* The generic netlink core refuses [admin] commands without a word. */
	if (nl->error == -EPERM)
		return err("%s: %s: this needs CAP_NET_ADMIN", what,
			   strerror(EPERM));
	return err("%s: %s", what, strerror(-nl->error));
}

int dev_get(struct aatts_nl *nl, const char *name, struct aatts_dev *d)
{
	return aatts_nl_dev_get(nl, name, d) ? ctl_nl_error(nl, name) : 0;
}

int dev_list(struct aatts_nl *nl, struct aatts_dev **v, size_t *nr)
{
	return aatts_nl_dev_list(nl, v, nr) ? ctl_nl_error(nl, "list") : 0;
}

int dev_resolve(struct aatts_nl *nl, const char *usage, const char **name,
		struct aatts_dev *d)
{
	struct aatts_dev *v;
	size_t nr, i, len = 0;
	char names[256] = "";
	int r;

	if (*name)
		return d ? dev_get(nl, *name, d) : 0;
	r = dev_list(nl, &v, &nr);
	if (r)
		return r;
	if (nr != 1) {
		for (i = 0; i < nr && len < sizeof(names) - 1; i++)
			len += snprintf(names + len, sizeof(names) - len,
					"%s%s", i ? ", " : "", v[i].name);
		free(v);
		if (!nr)
			return usage_error(usage,
					   "no aatts device exists; create one first");
		return usage_error(usage,
				   "%zu aatts devices exist (%s): name one",
				   nr, names);
	}
	/* The name outlives v: static storage for this one process. */
	{
		static char only[AATTS_NAME_MAX];

		snprintf(only, sizeof(only), "%s", v[0].name);
		*name = only;
	}
	if (d)
		*d = v[0];
	free(v);
	return 0;
}

int ctl_nl_subscribe(struct aatts_nl *nl)
{
	return aatts_nl_subscribe(nl) ? err("%s", nl->extack) : 0;
}

int ctl_nl_listen(struct aatts_nl *nl, aatts_nl_fn fn, void *arg)
{
	return aatts_nl_listen(nl, fn, arg) ? err("%s", nl->extack) : 0;
}
