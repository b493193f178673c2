// SPDX-License-Identifier: GPL-2.0-only
/*
 * aattsd: the table of aatts devices served, by dev_t.  A handful of
 * devices per host: a plain array.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "aattsd.h"

struct device *devtab_find(struct devtab *t, uint32_t devt)
{
	size_t i;

	for (i = 0; i < t->nr; i++)
		if (t->v[i].dev.devt == devt)
			return &t->v[i];
	return NULL;
}

struct device *devtab_find_name(struct devtab *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->nr; i++)
		if (!strcmp(t->v[i].dev.name, name))
			return &t->v[i];
	return NULL;
}

struct device *devtab_put(struct devtab *t, const struct aatts_dev *dev,
			  bool *added)
{
	struct device *dv = devtab_find(t, dev->devt);

	*added = false;
	if (dv && strcmp(dv->dev.name, dev->name)) {
		/* The dev_t was reused by another device: a new one. */
		devtab_del(t, dv);
		dv = NULL;
	}
	if (!dv) {
		if (t->nr == t->cap) {
			size_t cap = t->cap ? 2 * t->cap : 8;
			struct device *v = realloc(t->v, cap * sizeof(*v));

			if (!v)
				return NULL;
			t->v = v;
			t->cap = cap;
		}
		dv = &t->v[t->nr++];
		memset(dv, 0, sizeof(*dv));
		t->generation++;
		*added = true;
	}
	dv->dev = *dev;
	dv->seen_ns = now_ns();
	return dv;
}

void devtab_del(struct devtab *t, struct device *dv)
{
	size_t i = (size_t)(dv - t->v);

	memmove(&t->v[i], &t->v[i + 1], (t->nr - i - 1) * sizeof(*dv));
	t->nr--;
	t->generation++;
}

void devtab_free(struct devtab *t)
{
	free(t->v);
	memset(t, 0, sizeof(*t));
}
