// SPDX-License-Identifier: GPL-2.0-only
/*
 * aatts events: what the datapath and the control API tell the layers
 * above them.  They raise an event on one notifier chain, which the
 * target's init subscribes the netlink family to; so the files below
 * never call the files above (io and migrate never call the control
 * plane, the control API never calls netlink).
 *
 * Events may be raised in any context, a bio's completion included: the
 * chain is atomic, and a subscriber that must sleep defers (netlink sends
 * its messages from a work item).
 */

#include <linux/notifier.h>

#include "aatts.h"

static ATOMIC_NOTIFIER_HEAD(aatts_event_chain);

void aatts_event(struct aatts_c *ac, enum aatts_event ev)
{
	atomic_notifier_call_chain(&aatts_event_chain, ev, ac);
}

int aatts_event_subscribe(struct notifier_block *nb)
{
	return atomic_notifier_chain_register(&aatts_event_chain, nb);
}

void aatts_event_unsubscribe(struct notifier_block *nb)
{
	atomic_notifier_chain_unregister(&aatts_event_chain, nb);
}

/*
 * A fast-tier I/O error: counted, and the error_threshold-th puts the fast
 * tier out of service (FAILED: every I/O goes to the slow tier alone).
 * Called from bio completions and the copy callbacks.
 */
void aatts_fast_error(struct aatts_c *ac)
{
	unsigned long flags;
	bool failed = false;

	spin_lock_irqsave(&ac->lock, flags);
	ac->fast_errors++;
	if (ac->state == AATTS_STATE_RUNNING && ac->error_threshold &&
	    ac->fast_errors >= ac->error_threshold) {
		ac->state = AATTS_STATE_FAILED;
		failed = true;
	}
	spin_unlock_irqrestore(&ac->lock, flags);

	if (failed) {
		DMERR("%s: fast tier out of service after %u errors, now pass-through",
		      ac->disk_name, ac->error_threshold);
		aatts_event(ac, AATTS_EVENT_FAST_FAILED);
	} else {
		DMWARN_LIMIT("%s: fast-tier I/O error, block dropped, served from the slow tier",
			     ac->disk_name);
	}
}
