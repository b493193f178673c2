// SPDX-License-Identifier: GPL-2.0-only
/*
 * aattsd: capabilities.  Setup needs more than the loop: CAP_CHOWN for the
 * control socket's group, CAP_BPF/CAP_PERFMON (or CAP_SYS_ADMIN) to load
 * the eBPF observers.  After setup, main.c keeps only what the loop uses
 * (Documentation/aattsd.rst, "Capabilities"): permitted and effective
 * become exactly that set, inheritable and ambient empty, and no new
 * privileges can be gained (PR_SET_NO_NEW_PRIVS).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/capability.h>

#include "aattsd.h"

int caps_keep(const int *keep, unsigned int nr)
{
	cap_t c = cap_init();	/* all clear */
	cap_value_t v[16];
	unsigned int i;
	int r = 0;

	if (!c)
		return -errno;
	if (nr > sizeof(v) / sizeof(v[0]))
		nr = sizeof(v) / sizeof(v[0]);
	for (i = 0; i < nr; i++)
		v[i] = keep[i];
	if (nr && (cap_set_flag(c, CAP_PERMITTED, (int)nr, v, CAP_SET) ||
		   cap_set_flag(c, CAP_EFFECTIVE, (int)nr, v, CAP_SET)))
		r = -errno;
	if (!r && cap_set_proc(c))
		r = -errno;
	cap_free(c);
	if (!r && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		r = -errno;
	return r;
}

char *caps_text(void)
{
	cap_t c = cap_get_proc();
	char *t, *s;

	if (!c)
		return NULL;
	t = cap_to_text(c, NULL);
	cap_free(c);
	if (!t)
		return NULL;
	s = strdup(t);
	cap_free(t);
	return s;
}
