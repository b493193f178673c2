// SPDX-License-Identifier: GPL-2.0-only
/*
 * aattsctl: a file's extents (FIEMAP) as byte ranges of the aatts device
 * that holds its file system.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <linux/fiemap.h>
#include <linux/fs.h>

#include "ctl.h"

#define EXTENTS_PER_CALL 256

/* "M:m (name)" of a device number, the name from sysfs when it has one. */
static void dev_name(dev_t dev, char *buf, size_t len)
{
	char path[64], line[128];
	const char *name = NULL;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/uevent",
		 major(dev), minor(dev));
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "DEVNAME=", 8)) {
			line[strcspn(line, "\n")] = '\0';
			name = line + 8;
			break;
		}
	if (name)
		snprintf(buf, len, "%u:%u, %s", major(dev), minor(dev), name);
	else
		snprintf(buf, len, "%u:%u", major(dev), minor(dev));
	if (f)
		fclose(f);
}

static const char *refused(uint32_t flags)
{
	if (flags & FIEMAP_EXTENT_UNKNOWN)
		return "an extent of unknown location";
	if (flags & FIEMAP_EXTENT_DELALLOC)
		return "a delayed-allocation extent";
	if (flags & FIEMAP_EXTENT_DATA_INLINE)
		return "inline data";
	if (flags & FIEMAP_EXTENT_DATA_TAIL)
		return "a packed tail";
	if (flags & FIEMAP_EXTENT_ENCODED)
		return "an encoded (compressed) extent";
	if (flags & FIEMAP_EXTENT_NOT_ALIGNED)
		return "an extent not block-aligned";
	return NULL;
}

int file_ranges(const char *path, const struct aatts_dev *d, uint32_t score,
		struct rangev *rv, uint64_t *bytes)
{
	struct fiemap *fm;
	unsigned int maj, min, i;
	char here[160], there[160];
	bool last = false;
	struct stat st;
	uint64_t start = 0;
	int fd, r = 0;

	*bytes = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err("%s: %s", path, strerror(errno));
	if (fstat(fd, &st)) {
		r = err("%s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		r = err("%s: not a regular file", path);
		goto out;
	}
	aatts_devt_split(d->devt, &maj, &min);
	if (st.st_dev != makedev(maj, min)) {
		dev_name(st.st_dev, here, sizeof(here));
		dev_name(makedev(maj, min), there, sizeof(there));
		r = err("%s: on device %s, not on the aatts device %s (%s)",
			path, here, d->name, there);
		goto out;
	}
	fm = calloc(1, sizeof(*fm) +
		    EXTENTS_PER_CALL * sizeof(struct fiemap_extent));
	if (!fm) {
		r = err("out of memory");
		goto out;
	}
	while (!last) {
		memset(fm, 0, sizeof(*fm));
		fm->fm_start = start;
		fm->fm_length = FIEMAP_MAX_OFFSET - start;
		fm->fm_flags = FIEMAP_FLAG_SYNC;
		fm->fm_extent_count = EXTENTS_PER_CALL;
		if (ioctl(fd, FS_IOC_FIEMAP, fm)) {
			r = err("%s: FIEMAP: %s", path, strerror(errno));
			break;
		}
		if (!fm->fm_mapped_extents)
			break;
		for (i = 0; i < fm->fm_mapped_extents; i++) {
			struct fiemap_extent *e = &fm->fm_extents[i];
			const char *why = refused(e->fe_flags);

			if (why) {
				r = err("%s: %s at file offset %llu: its device location is not known",
					path, why,
					(unsigned long long)e->fe_logical);
				goto done;
			}
			if (e->fe_physical + e->fe_length > d->size) {
				r = err("%s: extent at device offset %llu past the end of %s",
					path,
					(unsigned long long)e->fe_physical,
					d->name);
				goto done;
			}
			if (rangev_add(rv, e->fe_physical, e->fe_length, score)) {
				r = err("out of memory");
				goto done;
			}
			*bytes += e->fe_length;
			start = e->fe_logical + e->fe_length;
			if (e->fe_flags & FIEMAP_EXTENT_LAST)
				last = true;
		}
	}
done:
	free(fm);
out:
	close(fd);
	return r;
}
