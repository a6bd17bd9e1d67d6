/* SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0 */
/*
 * The receive loop of both roles, written once: drain what the peer queued
 * (interrupt or poll mode), deliver each message, and give the buffers back
 * in batches. A role supplies struct asv_rx_role: how it takes the next
 * message from its ring and how it gives a buffer back. The functions here
 * are inlined into each role with its hooks as a compile-time constant, so
 * the per-message path makes direct calls only, no indirect ones.
 */
#ifndef ASVIRT_RX_DRAIN_H
#define ASVIRT_RX_DRAIN_H

#include "rpmsg_internal.h"

/*
 * Receive buffer states by buffer id (private memory; atomics, as a worker
 * thread may release a buffer while the ISR thread delivers others).
 * OURS: taken from the ring, being delivered or waiting in the give-back
 * batch; a buffer is OURS before its callback runs, so a worker may release
 * it while the callback still runs (RELEASED: the ISR gives it back when the
 * callback returns). HELD: the callback kept it (ASV_RX_HOLD) and returned.
 */
enum {
	ASV_RXB_PEER = 0, /* the peer's: posted to (host) or owned by (remote) it */
	ASV_RXB_OURS = 1,
	ASV_RXB_HELD = 2,
	ASV_RXB_RELEASED = 3,
};

/* A role's receive bookkeeping, as pointers into its own structure. */
struct asv_rx_queue {
	uint8_t *state;	    /* ASV_RXB_* by buffer id */
	uint16_t *ret_id;   /* ids to give back, ASV_RET_BATCH at most */
	unsigned int *nret; /* how many (ISR thread only) */
	unsigned int num;   /* ring size: sets the batch in poll mode */
};

struct asv_rx_role {
	void (*queue)(struct asv_rpmsg_dev *d, struct asv_rx_queue *q);
	/*
	 * Take the next message the peer queued and mark its buffer OURS:
	 * 1 (*id; *hdr and *len, or *hdr NULL: not deliverable, counted and
	 * logged, the buffer just goes back), 0 ring empty, or < 0: the peer
	 * broke the ring (the link is broken, the reason logged). RX lock held.
	 */
	int (*next)(struct asv_rpmsg_dev *d, uint16_t *id, struct asv_rpmsg_hdr **hdr,
		    uint32_t *len);
	/* Put buffer @id back in the ring, not yet published. RET lock held. */
	void (*give_back)(struct asv_rpmsg_dev *d, uint16_t id);
	/* Publish what give_back() queued; notify the peer if it asks. RET held. */
	void (*publish)(struct asv_rpmsg_dev *d);
	bool (*has_pending)(struct asv_rpmsg_dev *d);
	/* The peer waits for buffers: it asked to be told of given-back ones. */
	bool (*peer_waits)(struct asv_rpmsg_dev *d);
	/* No notifications from the peer while we drain. */
	void (*quiet)(struct asv_rpmsg_dev *d);
	/* Notifications on again; true when messages arrived meanwhile. */
	bool (*enable)(struct asv_rpmsg_dev *d);
	/* Interrupt mode, the ring empty: notifications on; true to keep draining. */
	bool (*rearm)(struct asv_rpmsg_dev *d);
};

/* Received buffer @id given back: queued in avail (host), in used (remote). */
static inline void asv_rx_ev_given(struct asv_rpmsg_dev *d, uint16_t id)
{
	asv_ev(d, NULL, 0, .kind = d->is_remote ? ASV_EV_DESC_USED : ASV_EV_DESC_ADD,
	       .vring = d->is_remote ? 1 : 0, .desc = id);
}

/* Give the batched buffers back under one lock and one index update.
 * RX lock held (the batch belongs to whoever drains the ring). */
static ASV_ALWAYS_INLINE void asv_rx_flush(struct asv_rpmsg_dev *d, const struct asv_rx_role *role)
{
	struct asv_rx_queue q;
	unsigned int i;

	role->queue(d, &q);
	if (!*q.nret)
		return;
	asv_lock(d, ASV_LOCK_RET);
	for (i = 0; i < *q.nret; i++) {
		asv_store_relaxed(&q.state[q.ret_id[i]], (uint8_t)ASV_RXB_PEER);
		role->give_back(d, q.ret_id[i]);
	}
	/* one test per batch, not per buffer */
	if (asv_ev_on(d))
		for (i = 0; i < *q.nret; i++)
			asv_rx_ev_given(d, q.ret_id[i]);
	role->publish(d);
	asv_unlock(d, ASV_LOCK_RET);
	*q.nret = 0;
}

/*
 * The callback of the buffer in *@state returned ASV_RX_HOLD: true when the
 * buffer is now held, false when a worker released it while the callback
 * ran (it goes back with the batch). RX lock held.
 */
static inline bool asv_rx_hold(struct asv_rpmsg_dev *d, uint8_t *state, uint16_t id)
{
	bool held;

	asv_lock(d, ASV_LOCK_RET);
	held = asv_load_relaxed(state) == ASV_RXB_OURS;
	asv_store_relaxed(state, (uint8_t)(held ? ASV_RXB_HELD : ASV_RXB_OURS));
	asv_unlock(d, ASV_LOCK_RET);
	if (held)
		asv_ev(d, NULL, 0, .kind = ASV_EV_BUF_HOLD, .vring = d->is_remote ? 1 : 0,
		       .desc = id);
	return held;
}

/* Deliver what the peer queued. RX lock held. */
static ASV_ALWAYS_INLINE int asv_rx_process(struct asv_rpmsg_dev *d, const struct asv_rx_role *role,
					    bool rearm, unsigned int *work)
{
	struct asv_rpmsg_hdr *hdr;
	struct asv_rx_queue q;
	uint32_t len = 0;
	uint16_t id;
	int ret;

	role->queue(d, &q);
	role->quiet(d);
	for (;;) {
		ret = role->next(d, &id, &hdr, &len);
		if (ret == 0) {
			if (!rearm) {
				/* poll mode: give back only when due (asv_ret_due) */
				if (asv_ret_due(*q.nret, q.num, role->peer_waits(d)))
					asv_rx_flush(d, role);
				break;
			}
			asv_rx_flush(d, role);
			/* Empty: re-arm, then look once more (no lost notification). */
			if (!role->rearm(d))
				break;
			continue;
		}
		if (ret < 0)
			break;
		/*
		 * A peer that keeps the ring full keeps us in this loop, and
		 * its "buffers freed" interrupt lands here too: wake blocked
		 * senders every batch, not only when the ring runs empty.
		 */
		if ((++(*work) & (ASV_RET_BATCH - 1)) == 0)
			asv_rpmsg_wake_senders(d);
		if (hdr && asv_rpmsg_deliver(d, hdr, len, id) == ASV_RX_HOLD &&
		    asv_rx_hold(d, &q.state[id], id))
			continue;
		q.ret_id[(*q.nret)++] = id;
		if (*q.nret == ASV_RET_BATCH)
			asv_rx_flush(d, role);
	}
	if (ret < 0)
		asv_rx_flush(d, role);
	return ret < 0 ? ret : 0;
}

/*
 * Deliver what is pending under the RX lock, then wake blocked senders.
 * @rearm: interrupt mode (notifications back on when the ring is empty);
 * poll mode leaves them off.
 */
static ASV_ALWAYS_INLINE int asv_rx_drain(struct asv_rpmsg_dev *d, const struct asv_rx_role *role,
					  bool rearm, unsigned int *work)
{
	int ret;

	asv_lock(d, ASV_LOCK_RX);
	if (rearm)
		asv_stat_inc(&d->stats.isr_runs);
	ret = asv_rx_process(d, role, rearm, work);
	asv_unlock(d, ASV_LOCK_RX);
	asv_rpmsg_wake_senders(d);
	return ret;
}

/* Give the batch back now (RX lock taken here). */
static ASV_ALWAYS_INLINE void asv_rx_flush_now(struct asv_rpmsg_dev *d,
					       const struct asv_rx_role *role)
{
	asv_lock(d, ASV_LOCK_RX);
	asv_rx_flush(d, role);
	asv_unlock(d, ASV_LOCK_RX);
}

/* One poll of a live link; *@work (if set): messages delivered. */
static ASV_ALWAYS_INLINE int asv_rx_poll(struct asv_rpmsg_dev *d, const struct asv_rx_role *role,
					 unsigned int *work)
{
	unsigned int n = 0;
	int ret;

	/* Cheap check first: a polling ISR calls this in a loop. The
	 * notification may have been for freed tx buffers: wake their waiters. */
	if (!role->has_pending(d)) {
		/* the peer waits for buffers: give back what we collected */
		if (role->peer_waits(d))
			asv_rx_flush_now(d, role);
		asv_rpmsg_wake_senders(d);
		return 0;
	}
	ret = asv_rx_drain(d, role, false, &n);
	if (work)
		*work = n;
	return ret;
}

/* The poller is about to block or stop: nothing stays collected; then
 * notifications on, true when messages arrived meanwhile. */
static ASV_ALWAYS_INLINE bool asv_rx_poll_done(struct asv_rpmsg_dev *d,
					       const struct asv_rx_role *role)
{
	asv_rx_flush_now(d, role);
	if (!asv_link_ready(d))
		return false;
	return role->enable(d);
}

/*
 * A worker releases received buffer @id (RET lock held): a HELD buffer goes
 * back to the peer now; one whose callback still runs goes back after it.
 */
static ASV_ALWAYS_INLINE int asv_rx_release(struct asv_rpmsg_dev *d, const struct asv_rx_role *role,
					    uint16_t id)
{
	struct asv_rx_queue q;

	role->queue(d, &q);
	switch (asv_load_relaxed(&q.state[id])) {
	case ASV_RXB_HELD:
		asv_ev(d, NULL, 0, .kind = ASV_EV_BUF_RELEASE, .vring = d->is_remote ? 1 : 0,
		       .desc = id);
		asv_store_relaxed(&q.state[id], (uint8_t)ASV_RXB_PEER);
		role->give_back(d, id);
		asv_rx_ev_given(d, id);
		role->publish(d);
		return 0;
	case ASV_RXB_OURS:
		/* its callback still runs: the ISR gives it back after it */
		asv_ev(d, NULL, 0, .kind = ASV_EV_BUF_RELEASE, .vring = d->is_remote ? 1 : 0,
		       .desc = id);
		asv_store_relaxed(&q.state[id], (uint8_t)ASV_RXB_RELEASED);
		return 0;
	default:
		return -ASV_EINVAL;
	}
}

#endif
