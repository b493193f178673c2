// SPDX-License-Identifier: GPL-2.0-only
/*
 * aattsd: files on the served devices' file systems opened by handle
 * (device, inode, generation), as the observers name them; moved out of
 * record.c so that the recorder and the prefetcher share it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/sysmacros.h>

#include "aattsd.h"
#include "fmap.h"

#define FILEID_INO32_GEN 1	/* include/linux/exportfs.h */

/* The mount point of the file system on dev, from mountinfo. */
static const char *mount_of(struct mnttab *r, uint64_t dev, bool again)
{
	char line[4096], mp[256];
	unsigned int maj, min, i;
	FILE *f;

	for (i = 0; i < r->nr_mnt; i++)
		if (r->mnt[i].dev == dev) {
			if (!again)
				return r->mnt[i].path;
			r->mnt[i] = r->mnt[--r->nr_mnt];
			break;
		}
	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return NULL;
	mp[0] = '\0';
	/* "id parent maj:min root mountpoint ..."; spaces in it are \040. */
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%*u %*u %u:%u %*s %255s", &maj, &min, mp) == 3 &&
		    makedev(maj, min) == dev)
			break;
		else
			mp[0] = '\0';
	fclose(f);
	if (!mp[0] || strchr(mp, '\\'))
		return NULL;
	i = r->nr_mnt < 16 ? r->nr_mnt++ : 0;
	r->mnt[i].dev = dev;
	snprintf(r->mnt[i].path, sizeof(r->mnt[i].path), "%s", mp);
	return r->mnt[i].path;
}

/* Opens the file of k by handle; -errno (-ESTALE: gone). */
int mnttab_open(struct mnttab *r, const struct fmap_key *k)
{
	struct {
		struct file_handle fh;
		uint32_t ino_gen[2];
	} h = {
		.fh = { .handle_bytes = 8, .handle_type = FILEID_INO32_GEN },
		.ino_gen = { (uint32_t)k->ino, k->gen },
	};
	const char *mp;
	bool again = false;
	int mfd, fd, e;

	if (k->ino > UINT32_MAX)
		return -EOVERFLOW;
	for (;;) {
		mp = mount_of(r, k->dev, again);
		if (!mp)
			return -ENOENT;
		mfd = open(mp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);	/* not O_PATH: EBADF */
		if (mfd < 0) {
			e = -errno;
		} else {
			fd = open_by_handle_at(mfd, &h.fh, O_RDONLY | O_CLOEXEC |
					       O_NONBLOCK);
			e = fd < 0 ? -errno : 0;
			close(mfd);
			if (!e)
				return fd;
		}
		/* The mount may have moved: look it up once more. */
		if (again || e == -ESTALE)
			return e;
		again = true;
	}
}
