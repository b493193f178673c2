// SPDX-License-Identifier: GPL-2.0-only
/*
 * aattsctl apply: makes the running aatts devices match an aattstab
 * (Documentation/aattstab.rst).  The whole file is checked before anything
 * is done; then each line is applied on its own: a missing device is
 * created, one that matches is left alone, one that differs is reported and
 * left alone.  A device whose fast device is missing comes up in
 * pass-through: its fast tier is a device-mapper "error" device (see
 * dm_create_nofast) and is taken out of service at once.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>

#include "ctl.h"

#define AATTSTAB "/etc/aatts/aattstab"

/* Exit status of apply when every device is up, some in pass-through. */
#define EXIT_PASSTHROUGH 3

static const char usage[] =
"usage: aattsctl apply [--file PATH] [--dry-run] [--remove-unlisted]\n"
"                      [--allow-different]\n"
"       aattsctl apply --down [--file PATH] [--dry-run]\n"
"  --file PATH         the aattstab (default " AATTSTAB "; - stdin)\n"
"  --dry-run           print what would be done, change nothing\n"
"  --remove-unlisted   remove the aatts devices the file does not list\n"
"  --allow-different   a device that differs from its line is reported\n"
"                      but does not make the exit status nonzero\n"
"  --down              remove the listed devices instead (last line first)\n"
"exit status: 0 every device as listed, 1 an error or a device that\n"
"differs, 2 usage error, 3 every device up, some in pass-through\n";

struct apply {
	const char *file;
	bool dry_run;
	struct aatts_nl nl;
	unsigned int errors, different, passthrough;
};

/* "major:minor" of a block device path; errno when it cannot be used. */
static int path_devt(const char *path, char *buf, size_t len)
{
	struct stat st;

	if (stat(path, &st))
		return -errno;
	if (!S_ISBLK(st.st_mode))
		return -ENOTBLK;
	snprintf(buf, len, "%u:%u", major(st.st_rdev), minor(st.st_rdev));
	return 0;
}

/* Prints "FILE:LINE: NAME: ..." on stderr. */
static void __attribute__((format(printf, 3, 4)))
line_msg(const struct apply *a, const struct tab_entry *e, const char *fmt,
	 ...)
{
	va_list ap;

	fflush(stdout);
	va_start(ap, fmt);
	fprintf(stderr, "%s: %s:%u: %s: ", PROG, a->file, e->line, e->name);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* Appends "; what" to a difference list. */
static void diff_add(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void diff_add(char *buf, size_t len, const char *fmt, ...)
{
	size_t n = strlen(buf);
	va_list ap;

	if (n && n < len)
		n += snprintf(buf + n, len - n, "; ");
	if (n >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + n, len - n, fmt, ap);
	va_end(ap);
}

/* A device that exists: unchanged, or its differences reported. */
static void compare(struct apply *a, const struct tab_entry *e,
		    const struct aatts_dev *d)
{
	const char *mode = e->mode ? e->mode : "writethrough";
	const char *policy = e->policy ? e->policy : "default";
	char nofast[AATTS_NAME_MAX + 32], devt[32], type[32], diff[1024] = "";
	char b1[32], b2[32];
	bool passthrough = false;
	int r;

	r = path_devt(e->slow, devt, sizeof(devt));
	if (r)
		diff_add(diff, sizeof(diff), "slow tier %s, slow device %s: %s",
			 d->slow, e->slow, strerror(-r));
	else if (strcmp(devt, d->slow))
		diff_add(diff, sizeof(diff), "slow tier %s, aattstab %s (%s)",
			 d->slow, e->slow, devt);

	if (!dm_nofast_name(e->name, nofast, sizeof(nofast)) &&
	    !dm_devt(nofast, b1, sizeof(b1), type, sizeof(type)) &&
	    !strcmp(type, "error") && !strcmp(b1, d->fast))
		passthrough = true;
	r = path_devt(e->fast, devt, sizeof(devt));
	if (passthrough && r)
		;	/* still missing: as created */
	else if (passthrough)
		diff_add(diff, sizeof(diff),
			 "in pass-through, but fast device %s is present now (remove the device and apply again)",
			 e->fast);
	else if (r)
		diff_add(diff, sizeof(diff), "fast tier %s, fast device %s: %s",
			 d->fast, e->fast, strerror(-r));
	else if (strcmp(devt, d->fast))
		diff_add(diff, sizeof(diff), "fast tier %s, aattstab %s (%s)",
			 d->fast, e->fast, devt);

	if (d->block_size != e->block_bytes)
		diff_add(diff, sizeof(diff), "block size %s, aattstab %s",
			 fmt_bytes(d->block_size, b1, sizeof(b1)),
			 fmt_bytes(e->block_bytes, b2, sizeof(b2)));
	if (strcmp(d->mode, mode))
		diff_add(diff, sizeof(diff), "mode %s, aattstab %s", d->mode,
			 mode);
	if (strcmp(d->policy, policy))
		diff_add(diff, sizeof(diff), "policy %s, aattstab %s",
			 d->policy, policy);

	if (diff[0]) {
		line_msg(a, e, "differs, left alone: %s", diff);
		printf("%s: differs\n", e->name);
		a->different++;
		return;
	}
	if (passthrough) {
		line_msg(a, e, "fast device %s missing: in pass-through (state %s)",
			 e->fast, d->state);
		printf("%s: unchanged (pass-through)\n", e->name);
		a->passthrough++;
		return;
	}
	printf("%s: unchanged\n", e->name);
}

/*
 * Takes the fast tier of a new pass-through device out of service: one
 * forced promotion fails on the error device (error_threshold 1).  Waits
 * up to 10 s for the state to say so.
 */
static int fail_fast_tier(struct apply *a, const struct tab_entry *e)
{
	struct rangev rv = { 0 };
	struct aatts_dev d;
	uint64_t count;
	int i, r;

	r = rangev_add(&rv, 0, e->block_bytes, 0);
	if (r)
		return err("out of memory");
	r = send_ranges(&a->nl, AATTS_CMD_PREFETCH, e->name, &rv,
			AATTS_F_FORCE, false, false, 0, &count);
	rangev_free(&rv);
	if (r)
		return r;
	for (i = 0; i < 200; i++) {
		r = dev_get(&a->nl, e->name, &d);
		if (r)
			return r;
		if (!strcmp(d.state, "failed"))
			return 0;
		nanosleep(&(struct timespec){ .tv_nsec = 50000000 }, NULL);
	}
	return err("%s: the fast tier is still in state %s", e->name, d.state);
}

/* A pass-through device: an error device stands for the fast tier. */
static int create_passthrough(const struct tab_entry *e)
{
	char nofast[AATTS_NAME_MAX + 32], devt[32], type[32];
	int r;

	r = dm_nofast_name(e->name, nofast, sizeof(nofast));
	if (r)
		return r;
	/* One left behind (its device removed with dmsetup) is unused. */
	r = dm_remove_nofast(e->name);
	if (r)
		return r;
	r = dm_create_nofast(nofast, e->block_bytes >> 9);
	if (r)
		return r;
	r = dm_devt(nofast, devt, sizeof(devt), type, sizeof(type));
	if (r) {
		dm_remove_nofast(e->name);
		return r < 0 ? EXIT_RUNTIME : err("%s: vanished", nofast);
	}
	r = dm_create_aatts(e->name, e->slow, devt, e->block_bytes, e->policy,
			    e->mode, 1);
	if (r)
		dm_remove_nofast(e->name);
	return r;
}

/* A device that does not exist yet. */
static void create(struct apply *a, const struct tab_entry *e)
{
	bool passthrough = false;
	char devt[32];
	int r;

	r = path_devt(e->slow, devt, sizeof(devt));
	if (r) {
		line_msg(a, e, "slow device %s: %s: not created", e->slow,
			 strerror(-r));
		printf("%s: not created\n", e->name);
		a->errors++;
		return;
	}
	r = path_devt(e->fast, devt, sizeof(devt));
	if (r == -ENOENT || r == -ENXIO || r == -ENODEV) {
		passthrough = true;
	} else if (r) {
		line_msg(a, e, "fast device %s: %s: not created", e->fast,
			 strerror(-r));
		printf("%s: not created\n", e->name);
		a->errors++;
		return;
	}
	if (a->dry_run) {
		if (passthrough)
			line_msg(a, e, "fast device %s: %s: would come up in pass-through",
				 e->fast, strerror(-r));
		printf("%s: would be created%s\n", e->name,
		       passthrough ? " (pass-through)" : "");
		return;
	}
	if (passthrough) {
		line_msg(a, e, "fast device %s: %s: coming up in pass-through (every I/O to the slow device)",
			 e->fast, strerror(-r));
		r = create_passthrough(e);
	} else {
		r = dm_create_aatts(e->name, e->slow, e->fast, e->block_bytes,
				    e->policy, e->mode, -1);
	}
	if (r) {
		line_msg(a, e, "not created");
		printf("%s: not created\n", e->name);
		a->errors++;
		return;
	}
	printf("%s: created%s\n", e->name, passthrough ? " (pass-through)" : "");
	if (!passthrough)
		return;
	a->passthrough++;
	/*
	 * Up either way: until its first fast-tier error the device runs on
	 * the error device, which never holds a block (a failed promotion
	 * drops it).
	 */
	if (fail_fast_tier(a, e)) {
		line_msg(a, e, "the fast tier is not out of service yet; it will be at its first promotion");
		a->errors++;
	}
}

/* --down: the listed devices that exist, last line first. */
static void down(struct apply *a, const struct aatts_dev *v, size_t nr,
		 const struct tab_entry *e, size_t ne)
{
	size_t i, j;

	for (i = ne; i--;) {
		for (j = 0; j < nr && strcmp(v[j].name, e[i].name); j++)
			;
		if (j == nr) {
			printf("%s: not present\n", e[i].name);
		} else if (a->dry_run) {
			printf("%s: would be removed\n", e[i].name);
		} else if (dm_remove_aatts(e[i].name)) {
			line_msg(a, &e[i], "not removed");
			printf("%s: not removed\n", e[i].name);
			a->errors++;
		} else {
			printf("%s: removed\n", e[i].name);
		}
	}
}

static void remove_unlisted(struct apply *a, const struct aatts_dev *v,
			    size_t nr, const struct tab_entry *e, size_t ne)
{
	size_t i, j;

	for (i = 0; i < nr; i++) {
		for (j = 0; j < ne && strcmp(v[i].name, e[j].name); j++)
			;
		if (j < ne)
			continue;
		if (a->dry_run) {
			printf("%s: would be removed (not in %s)\n", v[i].name,
			       a->file);
		} else if (dm_remove_aatts(v[i].name)) {
			printf("%s: not removed\n", v[i].name);
			a->errors++;
		} else {
			printf("%s: removed (not in %s)\n", v[i].name, a->file);
		}
	}
}

int cmd_apply(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "file", required_argument, NULL, 'f' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "remove-unlisted", no_argument, NULL, 'r' },
		{ "allow-different", no_argument, NULL, 'a' },
		{ "down", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct apply a = { .file = AATTSTAB };
	bool unlisted = false, allow = false, take_down = false;
	struct tab_entry *e;
	struct aatts_dev *v;
	size_t ne, nr, i, j;
	char msg[256];
	FILE *f;
	int c, r;

	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			a.file = optarg;
			break;
		case 'n':
			a.dry_run = true;
			break;
		case 'r':
			unlisted = true;
			break;
		case 'a':
			allow = true;
			break;
		case 'd':
			take_down = true;
			break;
		case 'h':
			return help(usage);
		default:
			return option_error(usage, c, argv);
		}
	}
	if (optind != argc)
		return usage_error(usage, "too many arguments");
	if (take_down && (unlisted || allow))
		return usage_error(usage,
				   "--down takes neither --remove-unlisted nor --allow-different");

	f = strcmp(a.file, "-") ? fopen(a.file, "r") : stdin;
	if (!f)
		return err("%s: %s", a.file, strerror(errno));
	r = tab_parse(f, &e, &ne, msg, sizeof(msg));
	if (f != stdin)
		fclose(f);
	if (r)
		return err("%s: %s; nothing applied", a.file, msg);

	r = ctl_nl_open(&a.nl);
	if (r)
		goto out;
	r = dev_list(&a.nl, &v, &nr);
	if (r)
		goto close;
	for (i = 0; i < ne && !take_down; i++) {
		for (j = 0; j < nr && strcmp(v[j].name, e[i].name); j++)
			;
		if (j < nr)
			compare(&a, &e[i], &v[j]);
		else
			create(&a, &e[i]);
	}
	if (take_down)
		down(&a, v, nr, e, ne);
	if (unlisted)
		remove_unlisted(&a, v, nr, e, ne);
	free(v);
	if (a.errors || (a.different && !allow))
		r = EXIT_RUNTIME;
	else if (a.passthrough)
		r = EXIT_PASSTHROUGH;
	else
		r = 0;
close:
	aatts_nl_close(&a.nl);
out:
	tab_free(e, ne);
	return r;
}
