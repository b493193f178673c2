// SPDX-License-Identifier: GPL-2.0-only
/*
 * aatts devices: the registry of constructed targets, for everything that
 * finds a device by name, dev_t or id (the netlink family, /proc/aatts,
 * sysfs ownership changes).  A device is on the list from construction to
 * destruction; a reload's new table is on it beside the old one, and the
 * table resumed last is the device's ("live").
 *
 * A device found is held (aatts_device_put); the destructor takes it off
 * the list and waits until nobody holds it.
 */

#include <linux/mutex.h>
#include <linux/wait.h>
#include <linux/dm-ioctl.h>

#include "aatts.h"

static DEFINE_MUTEX(aatts_devices_lock);
static LIST_HEAD(aatts_devices);
static unsigned int aatts_nr_devices;	/* guarded by aatts_devices_lock */
static u64 aatts_next_id;		/* guarded by aatts_devices_lock */
static u64 aatts_resume_seq;		/* guarded by aatts_devices_lock */
static DECLARE_WAIT_QUEUE_HEAD(aatts_users_wait);

/* The device-mapper name; it may change (dmsetup rename), so look it up. */
void aatts_dm_name(struct aatts_c *ac, char name[DM_NAME_LEN])
{
	if (dm_copy_name_and_uuid(dm_table_get_md(ac->ti->table), name, NULL))
		strscpy(name, ac->disk_name, DM_NAME_LEN);
}

void aatts_devices_add(struct aatts_c *ac)
{
	atomic_set(&ac->users, 0);
	mutex_lock(&aatts_devices_lock);
	ac->id = ++aatts_next_id;
	list_add_tail(&ac->node, &aatts_devices);
	aatts_nr_devices++;
	mutex_unlock(&aatts_devices_lock);
}

/*
 * Takes the device off the list, then waits for the control-plane
 * operations that hold it.  They never wait for device-mapper (no dm lock,
 * no suspend, no I/O to this device), so this cannot deadlock with the
 * dm locks the destructor runs under.
 */
void aatts_devices_del(struct aatts_c *ac)
{
	mutex_lock(&aatts_devices_lock);
	list_del(&ac->node);
	aatts_nr_devices--;
	WRITE_ONCE(ac->dying, true);
	mutex_unlock(&aatts_devices_lock);
	/* Long range loops see dying and stop; room waits are woken. */
	aatts_mig_wake(ac);
	wait_event(aatts_users_wait, !atomic_read(&ac->users));
}

dev_t aatts_devt(struct aatts_c *ac)
{
	return disk_devt(dm_disk(dm_table_get_md(ac->ti->table)));
}

/*
 * A reload constructs the new table while the old one is still live, and
 * both are on the list: the one resumed last (live_seq) is the device's.
 * A table never resumed is no device yet.  (dm_get_live_table() is not
 * exported to modules in 6.1.)
 */
void aatts_devices_resumed(struct aatts_c *ac)
{
	mutex_lock(&aatts_devices_lock);
	ac->live_seq = ++aatts_resume_seq;
	mutex_unlock(&aatts_devices_lock);
}

/* Called with aatts_devices_lock held. */
static bool aatts_live(struct aatts_c *ac)
{
	struct mapped_device *md = dm_table_get_md(ac->ti->table);
	struct aatts_c *other;

	if (!ac->live_seq)
		return false;
	list_for_each_entry(other, &aatts_devices, node)
		if (other->live_seq > ac->live_seq &&
		    dm_table_get_md(other->ti->table) == md)
			return false;
	return true;
}

static struct aatts_c *aatts_hold(struct aatts_c *ac)
{
	atomic_inc(&ac->users);
	return ac;
}

void aatts_device_put(struct aatts_c *ac)
{
	if (atomic_dec_and_test(&ac->users))
		wake_up_all(&aatts_users_wait);
}

/* By name (NULL: any) and, if by_devt, dev_t. */
struct aatts_c *aatts_device_get(const char *name, bool by_devt, dev_t devt)
{
	struct aatts_c *ac, *found = NULL;
	char dm_name[DM_NAME_LEN];

	mutex_lock(&aatts_devices_lock);
	list_for_each_entry(ac, &aatts_devices, node) {
		if (by_devt && aatts_devt(ac) != devt)
			continue;
		if (name) {
			if (dm_copy_name_and_uuid(dm_table_get_md(ac->ti->table),
						  dm_name, NULL) ||
			    strcmp(dm_name, name))
				continue;
		}
		if (aatts_live(ac)) {
			found = aatts_hold(ac);
			break;
		}
	}
	mutex_unlock(&aatts_devices_lock);
	return found;
}

struct aatts_c *aatts_device_get_id(u64 id)
{
	struct aatts_c *ac, *found = NULL;

	mutex_lock(&aatts_devices_lock);
	list_for_each_entry(ac, &aatts_devices, node) {
		if (ac->id == id) {
			found = aatts_hold(ac);
			break;
		}
	}
	mutex_unlock(&aatts_devices_lock);
	return found;
}

/* The n-th live device (from 0), for dumps. */
struct aatts_c *aatts_device_get_nth(unsigned long n)
{
	struct aatts_c *ac, *found = NULL;

	mutex_lock(&aatts_devices_lock);
	list_for_each_entry(ac, &aatts_devices, node) {
		if (!aatts_live(ac))
			continue;
		if (!n--) {
			found = aatts_hold(ac);
			break;
		}
	}
	mutex_unlock(&aatts_devices_lock);
	return found;
}

unsigned int aatts_devices_count(void)
{
	unsigned int n;

	mutex_lock(&aatts_devices_lock);
	n = aatts_nr_devices;
	mutex_unlock(&aatts_devices_lock);
	return n;
}

/*
 * Calls fn for every device on the list, live or not, with the registry
 * locked (fn may sleep, but must not come back to the registry); stops at
 * fn's first error and returns it.
 */
int aatts_devices_each(int (*fn)(struct aatts_c *ac, void *arg), void *arg)
{
	struct aatts_c *ac;
	int r = 0;

	mutex_lock(&aatts_devices_lock);
	list_for_each_entry(ac, &aatts_devices, node) {
		r = fn(ac, arg);
		if (r)
			break;
	}
	mutex_unlock(&aatts_devices_lock);
	return r;
}
