// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * The remote follows a reset of its vdev status: Linux's attach recovery
 * (drivers/remoteproc/remoteproc_core.c rproc_attach_recovery, l. 1777:
 * __rproc_detach, l. 1742, then __rproc_attach, l. 1325; taken when the
 * rproc has RPROC_FEAT_ATTACH_ON_RECOVERY). The firmware keeps running
 * while the host removes its virtio devices (virtio_rpmsg_bus.c rpmsg_remove:
 * the vdev reset, every channel and host endpoint gone), puts the clean
 * table back (rproc_reset_rsc_table_on_detach, l. 1490: the status 0), tells
 * the firmware (->detach, e.g. stm32_rproc_detach's mailbox message), then
 * adds the devices again: new vrings, receive buffers posted, DRIVER_OK
 * and a kick (rpmsg_probe).
 *
 * So the remote, finding the status without DRIVER_OK while its link is
 * up, takes the link down without breaking the device: what it knew of
 * the rings is dropped, the application's endpoints stay (their host peers
 * are forgotten, their announcements due again), and the next DRIVER_OK
 * takes the host's new rings up as the first did (remote.c link_up).
 *
 * Senders get a clear error rather than a wait for the next link: one that
 * arrives while the link is down -ASV_ENODEV, one that waited for a buffer
 * or held one across the reset -ASV_ECONNRESET. Linux's peers expect no
 * message across it: every host endpoint the message could be for was
 * destroyed with its channel, and the channels of the next attach are new
 * (their addresses allocated again); OpenAMP's rpmsg_virtio_send_offchannel_raw
 * refuses a send without DRIVER_OK at once (RPMSG_ERR_DEV_STATE) likewise.
 */
#include "remote_internal.h"
#include "rx_drain.h"

/* Each endpoint's host peer is gone, its announcement due again. RX and
 * EPT held (deliver writes dst under RX, the name service under both). */
static void forget_host(struct asv_endpoint *e, void *arg)
{
	unsigned int *n = arg;

	if (e == &e->dev->ns_ept)
		return;
	if (e->dst_learned) {
		asv_store_relaxed(&e->dst, (uint32_t)ASV_RPMSG_ADDR_ANY);
		e->dst_learned = 0;
	}
	if (e->ns_state == ASV_NS_ANNOUNCED) {
		e->ns_state = ASV_NS_PENDING;
		(*n)++;
	}
}

/*
 * A CREATE in flight on another thread ends soon: its send fails (the
 * link is down, its generation old) or it was handed over before the reset
 * and the endpoint is ANNOUNCED, to be announced again. Wait for it, as a
 * destroy does (ns.c asv_ept_ns_gone).
 */
static void wait_announcing(struct asv_rpmsg_dev *d)
{
	unsigned int b;
	bool busy;

	for (;;) {
		struct asv_endpoint *e;

		busy = false;
		asv_lock(d, ASV_LOCK_EPT);
		for (b = 0; b < ASV_EPT_BUCKETS && !busy; b++)
			for (e = d->bucket[b]; e && !busy; e = e->next)
				busy = e->ns_state == ASV_NS_ANNOUNCING;
		asv_unlock(d, ASV_LOCK_EPT);
		if (!busy)
			return;
		if (d->env.wait && d->env.wait_gen)
			d->env.wait(d->env.ctx, d->env.wait_gen(d->env.ctx), 1);
		else
			asv_cpu_relax();
	}
}

void asv_remote_link_reset(struct asv_remote *r)
{
	struct asv_rpmsg_dev *d = &r->dev;
	struct asv_fault_plan *f = asv_load_relaxed(&d->fault);
	unsigned int i, lost = 0, held_rx = 0, zc, again = 0;
	uint32_t len;
	uint16_t id;

	asv_lock(d, ASV_LOCK_RX); /* no drain: the ring records are ours */
	asv_lock(d, ASV_LOCK_TX); /* no sender in the fast path */
	if (asv_load_relaxed(&d->closing)) {
		/* shut down meanwhile: nothing more to follow */
		asv_unlock(d, ASV_LOCK_TX);
		asv_unlock(d, ASV_LOCK_RX);
		return;
	}
	/* Senders from here on: -ENODEV; those that took a buffer before: a
	 * new generation, their commit refused (send.c). */
	asv_store_release(&d->link_up, 0);
	/* atomic: an application may watch it without the lock */
	asv_store_relaxed(&d->link_gen, d->link_gen + 1u);
	/* reorder= kept one back: accepted, never handed over: lost */
	if (f && asv_fault_take_held(f, &id, &len))
		lost++;
	r->nstash = 0;
	memset(r->tx_held, 0, sizeof(r->tx_held));
	zc = d->nzc; /* the application's: stale, its send fails */
	asv_unlock(d, ASV_LOCK_TX);

	asv_lock(d, ASV_LOCK_RET);
	for (i = 0; i < r->rx_vr.num; i++) {
		uint8_t st = asv_load_relaxed(&r->rx_state[i]);

		/* HELD: a callback kept it; its release will be refused
		 * (rx_gone). OURS (waiting in the give-back batch) goes with
		 * the old rings. Either way the new rings may post the id. */
		if (st == ASV_RXB_HELD) {
			held_rx++;
			if (!asv_load_relaxed(&r->rx_gone[i])) {
				asv_store_relaxed(&r->rx_gone[i], 1);
				asv_atomic_add(&r->rx_ngone, 1);
			}
		}
		if (st != ASV_RXB_PEER)
			asv_store_relaxed(&r->rx_state[i], (uint8_t)ASV_RXB_PEER);
	}
	r->nret = 0;
	asv_unlock(d, ASV_LOCK_RET);
	asv_unlock(d, ASV_LOCK_RX);

	/* blocked senders wake and leave (-ECONNRESET); LINK_DOWN recorded */
	asv_rpmsg_set_link(d, false);
	wait_announcing(d);
	asv_lock(d, ASV_LOCK_RX);
	asv_ept_for_each(d, forget_host, &again);
	asv_unlock(d, ASV_LOCK_RX);

	if (lost)
		asv_store_relaxed(&d->stats.tx_lost, asv_load_relaxed(&d->stats.tx_lost) + lost);
	asv_dev_log(d, lost ? ASV_LOG_WARN : ASV_LOG_INFO,
		    "host reset the device (vdev status without DRIVER_OK): link down until "
		    "DRIVER_OK; %u message(s) accepted and lost, %u held receive buffer(s) and "
		    "%u zero-copy send buffer(s) of the old rings refused, %u channel(s) to "
		    "announce again",
		    lost, held_rx, zc, again);
}
