// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * Sending, both roles: the fast path (one TX lock hold), the slow path
 * that waits for a buffer (and that asv_rpmsg_close() waits for), the
 * zero-copy buffers. Each role's struct asv_role_ops takes and hands over
 * the buffers on its vring.
 */
#include "rpmsg_internal.h"

/*
 * A callback on the ISR thread that waits for a tx buffer sleeps on the
 * ISR's own interrupt, which a close on another thread cannot raise: it
 * waits in slices this long, so it sees the close within one slice.
 */
#define ISR_WAIT_SLICE_MS 10u

static uint64_t now_ms(struct asv_rpmsg_dev *d)
{
	return d->env.now_ms ? d->env.now_ms(d->env.ctx) : 0;
}

/*
 * Take a free tx buffer unless the device is closing; *@cap: its payload
 * room. TX lock held.
 */
static int tx_get_open(struct asv_rpmsg_dev *d, void **buf, uint16_t *id, uint32_t *cap)
{
	int r;

	if (asv_load_relaxed(&d->closing))
		return -ASV_ESHUTDOWN;
	r = d->ops->tx_get(d, buf, id);
	*cap = d->tx_cap;
	return r;
}

/*
 * The slow send path touches the device outside the TX lock (waits, the
 * copy into a buffer taken here): asv_rpmsg_close() waits for it to end.
 * slow_leave() is the caller's last access to the device.
 */
static void slow_enter(struct asv_rpmsg_dev *d)
{
	asv_atomic_add(&d->in_slow, 1);
}

static void slow_leave(struct asv_rpmsg_dev *d)
{
	asv_atomic_add(&d->in_slow, -1);
}

/*
 * The peer reset the device while we waited: the rings we waited on are
 * gone (a new generation), or about to go (peer_gone: the reset not yet
 * taken by the ISR, e.g. while a callback on the ISR thread waits here).
 * TX lock held.
 */
static bool tx_reset_since(struct asv_rpmsg_dev *d, uint32_t gen)
{
	return d->link_gen != gen || (d->ops->peer_gone && d->ops->peer_gone(d));
}

/*
 * Take a tx buffer, waiting up to @timeout_ms for the peer to free one;
 * *@took_gen: the rings' generation it was taken in (a commit checks it).
 * Called between slow_enter() and slow_leave().
 */
static int tx_take(struct asv_rpmsg_dev *d, void **buf, uint16_t *id, uint32_t *cap,
		   uint32_t timeout_ms, uint32_t *took_gen)
{
	uint32_t spins;
	uint64_t deadline;
	bool isr;
	int r;

	r = asv_link_state_err(d);
	if (r)
		return r;
	asv_lock(d, ASV_LOCK_TX);
	*took_gen = d->link_gen;
	r = tx_get_open(d, buf, id, cap);
	asv_unlock(d, ASV_LOCK_TX);
	if (r)
		return r < 0 ? r : 0;
	isr = asv_in_isr(d);
	if (!timeout_ms || !d->env.now_ms || (isr ? !d->env.isr_wait : !d->env.wait))
		return -ASV_ENOMEM;

	/*
	 * Adaptive senders: a peer that polls frees buffers within
	 * microseconds, so retry a bounded number of times before the
	 * interrupt-and-sleep path, which costs two wake-ups.
	 */
	for (spins = d->env.tx_spin; spins && !isr; spins--) {
		asv_cpu_relax();
		asv_lock(d, ASV_LOCK_TX);
		r = d->link_gen != *took_gen ? -ASV_ECONNRESET : tx_get_open(d, buf, id, cap);
		asv_unlock(d, ASV_LOCK_TX);
		if (r)
			return r < 0 ? r : 0;
	}
	deadline = now_ms(d) + timeout_ms;
	asv_atomic_add(&d->tx_waiters, 1);
	asv_lock(d, ASV_LOCK_TX);
	asv_stat_inc(&d->stats.tx_waits);
	asv_unlock(d, ASV_LOCK_TX);
	for (;;) {
		uint32_t gen = isr ? 0 : d->env.wait_gen(d->env.ctx);
		uint64_t now;

		asv_lock(d, ASV_LOCK_TX);
		if (asv_load_relaxed(&d->closing)) {
			r = -ASV_ESHUTDOWN;
		} else if (tx_reset_since(d, *took_gen)) {
			r = -ASV_ECONNRESET;
		} else {
			d->ops->tx_arm(d, true);
			r = d->ops->tx_get(d, buf, id);
			*cap = d->tx_cap;
		}
		asv_unlock(d, ASV_LOCK_TX);
		if (r)
			break;
		r = asv_link_state_err(d);
		if (r) {
			/*
			 * A reset between the ring and this check took the
			 * link down: this sender waited across it. The reset
			 * moves link_gen under the TX lock with link_up.
			 */
			asv_lock(d, ASV_LOCK_TX);
			if (tx_reset_since(d, *took_gen))
				r = -ASV_ECONNRESET;
			asv_unlock(d, ASV_LOCK_TX);
			break;
		}
		now = now_ms(d);
		if (now >= deadline) {
			r = -ASV_ETIMEDOUT;
			break;
		}
		if (isr) {
			uint32_t left = (uint32_t)(deadline - now);

			/* Buffers we batched may be what the peer waits for. */
			if (d->ops->rx_flush)
				d->ops->rx_flush(d);
			d->env.isr_wait(d->env.ctx,
					left < ISR_WAIT_SLICE_MS ? left : ISR_WAIT_SLICE_MS);
		} else {
			d->env.wait(d->env.ctx, gen, (uint32_t)(deadline - now));
		}
	}
	asv_lock(d, ASV_LOCK_TX);
	if (asv_atomic_add(&d->tx_waiters, -1) == 0 && !asv_load_relaxed(&d->closing))
		d->ops->tx_arm(d, false);
	asv_unlock(d, ASV_LOCK_TX);
	return r < 0 ? r : 0;
}

/* Fill the header of buffer @id and hand it to the peer. TX lock held. */
static ASV_ALWAYS_INLINE void commit_locked(struct asv_rpmsg_dev *d, struct asv_rpmsg_hdr *h,
					    uint16_t id, uint32_t src, uint32_t dst, size_t len)
{
	struct asv_fault_plan *f = asv_load_relaxed(&d->fault);

	asv_rpmsg_fill_hdr(h, src, dst, (uint16_t)len);
	/* A fault plan (remote only) may corrupt it, or crash instead. */
	if (f && asv_fault_on_send(f, h, len)) {
		d->ops->tx_unget(d, id, h);
		return;
	}
	asv_ev(d, h, ASV_RPMSG_HDR_SIZE + len, .kind = ASV_EV_TX, .vring = d->is_remote ? 0 : 1,
	       .desc = id, .src = src, .dst = dst, .len = (uint16_t)len);
	d->ops->tx_commit(d, id, (uint32_t)(ASV_RPMSG_HDR_SIZE + len));
	asv_stat_inc(&d->stats.tx_msgs);
}

/*
 * Hand over a buffer the slow path took in generation @gen, unless the
 * device closed since, or the peer reset it (the buffer is the old rings':
 * neither handed over nor put back).
 */
static int tx_commit(struct asv_rpmsg_dev *d, struct asv_rpmsg_hdr *h, uint16_t id, uint32_t src,
		     uint32_t dst, size_t len, uint32_t gen)
{
	int err = 0;

	asv_lock(d, ASV_LOCK_TX);
	if (asv_load_relaxed(&d->closing)) {
		d->ops->tx_unget(d, id, h);
		err = -ASV_ESHUTDOWN;
	} else if (d->link_gen != gen) {
		err = -ASV_ECONNRESET;
	} else {
		commit_locked(d, h, id, src, dst, len);
	}
	asv_unlock(d, ASV_LOCK_TX);
	return err;
}

/*
 * The largest payload a send may try: the host's buffers are its own (512
 * bytes); the remote's are the host's, whatever size their descriptors say
 * (checked against each buffer it takes).
 */
static uint32_t max_payload(const struct asv_rpmsg_dev *d)
{
	return d->is_remote ? 0xFFFFu : ASV_RPMSG_MAX_PAYLOAD;
}

/* Refuse a payload larger than @cap, saying why at the default level. */
static int too_big(struct asv_rpmsg_dev *d, uint32_t src, size_t len, uint32_t cap)
{
	asv_dev_log(d, ASV_LOG_WARN,
		    "send of %zu bytes from 0x%" PRIx32
		    " refused: the buffer holds at most %" PRIu32 " (EMSGSIZE)",
		    len, src, cap);
	return -ASV_EMSGSIZE;
}

static int send_common(struct asv_endpoint *ept, uint32_t dst, const void *data, size_t len,
		       uint32_t timeout_ms)
{
	struct asv_rpmsg_dev *d;
	uint32_t src, cap, gen = 0;
	void *buf;
	uint16_t id;
	int err;

	if (!ept || !ept->dev || (len && !data))
		return -ASV_EINVAL;
	d = ept->dev;
	src = ept->addr;
	if (len > max_payload(d))
		return too_big(d, src, len, max_payload(d));
	if (dst == ASV_RPMSG_ADDR_ANY)
		return -ASV_EINVAL;
	/* Fast path: a free buffer, one lock hold for take, fill and hand-over. */
	if (!asv_link_state_err(d)) {
		asv_lock(d, ASV_LOCK_TX);
		err = tx_get_open(d, &buf, &id, &cap);
		if (err > 0 && len <= cap) {
			if (len)
				memcpy(((struct asv_rpmsg_hdr *)buf)->data, data, len);
			commit_locked(d, buf, id, src, dst, len);
			asv_unlock(d, ASV_LOCK_TX);
			return 0;
		}
		if (err > 0)
			d->ops->tx_unget(d, id, buf);
		asv_unlock(d, ASV_LOCK_TX);
		if (err > 0)
			return too_big(d, src, len, cap);
		if (err < 0)
			return err; /* the peer broke the ring, or the device closed */
	}
	slow_enter(d);
	err = tx_take(d, &buf, &id, &cap, timeout_ms, &gen);
	if (!err && len > cap) {
		asv_lock(d, ASV_LOCK_TX);
		d->tx_cap = cap; /* the room tx_unget() records with it */
		if (d->link_gen == gen)
			d->ops->tx_unget(d, id, buf);
		asv_unlock(d, ASV_LOCK_TX);
		err = too_big(d, src, len, cap);
	} else if (!err) {
		if (len)
			memcpy(((struct asv_rpmsg_hdr *)buf)->data, data, len);
		err = tx_commit(d, buf, id, src, dst, len, gen);
	}
	slow_leave(d);
	return err;
}

static uint32_t ept_dst(struct asv_endpoint *ept)
{
	return ept ? asv_load_relaxed(&ept->dst) : ASV_RPMSG_ADDR_ANY;
}

int asv_send(struct asv_endpoint *ept, const void *data, size_t len)
{
	return send_common(ept, ept_dst(ept), data, len, ept ? ept->dev->timeout_ms : 0);
}

int asv_sendto(struct asv_endpoint *ept, uint32_t dst, const void *data, size_t len)
{
	return send_common(ept, dst, data, len, ept ? ept->dev->timeout_ms : 0);
}

int asv_trysend(struct asv_endpoint *ept, const void *data, size_t len)
{
	return send_common(ept, ept_dst(ept), data, len, 0);
}

int asv_trysendto(struct asv_endpoint *ept, uint32_t dst, const void *data, size_t len)
{
	return send_common(ept, dst, data, len, 0);
}

int asv_send_timeout(struct asv_endpoint *ept, uint32_t dst, const void *data, size_t len,
		     uint32_t timeout_ms)
{
	return send_common(ept, dst, data, len, timeout_ms);
}

/* Remember zero-copy buffer @hdr as descriptor @id of generation @gen.
 * TX lock held. */
static void zc_track(struct asv_rpmsg_dev *d, void *hdr, uint16_t id, uint32_t cap, uint32_t gen)
{
	d->zc_buf[d->nzc] = hdr;
	d->zc_cap[d->nzc] = cap;
	d->zc_gen[d->nzc] = gen;
	d->zc_id[d->nzc++] = id;
}

/*
 * @hdr is a zero-copy buffer we handed out: forget it, set *id, *cap (its
 * payload room) and *gen, return 0; anything else: -EINVAL. Latest first:
 * senders usually send what they took last. TX lock held.
 */
static int zc_untrack(struct asv_rpmsg_dev *d, const void *hdr, uint16_t *id, uint32_t *cap,
		      uint32_t *gen)
{
	unsigned int i;

	for (i = d->nzc; i-- > 0;) {
		if (d->zc_buf[i] != hdr)
			continue;
		*id = d->zc_id[i];
		*cap = d->zc_cap[i];
		*gen = d->zc_gen[i];
		d->nzc--;
		d->zc_buf[i] = d->zc_buf[d->nzc];
		d->zc_cap[i] = d->zc_cap[d->nzc];
		d->zc_gen[i] = d->zc_gen[d->nzc];
		d->zc_id[i] = d->zc_id[d->nzc];
		d->zc_tx_held--;
		return 0;
	}
	return -ASV_EINVAL;
}

/*
 * Take a zero-copy tx buffer. zc_tx_held counts buffers taken or being
 * waited for, never more than ASV_MAX_ZC_TX (so the remote's stash of
 * buffers given back unsent cannot overflow). The common case is one lock
 * hold: count, take, done.
 */
static int zc_take(struct asv_rpmsg_dev *d, void **buf, uint32_t *cap, uint32_t timeout_ms)
{
	uint32_t gen = 0;
	uint16_t id;
	int r = asv_link_state_err(d);

	if (r)
		return r;
	asv_lock(d, ASV_LOCK_TX);
	if (d->zc_tx_held >= ASV_MAX_ZC_TX) {
		r = -ASV_ENOMEM;
	} else {
		r = tx_get_open(d, buf, &id, cap);
		/* taken, or none free: then reserved while we wait below */
		if (r >= 0)
			d->zc_tx_held++;
		if (r > 0)
			zc_track(d, *buf, id, *cap, d->link_gen);
	}
	asv_unlock(d, ASV_LOCK_TX);
	if (r)
		return r < 0 ? r : 0;
	slow_enter(d);
	r = tx_take(d, buf, &id, cap, timeout_ms, &gen);
	asv_lock(d, ASV_LOCK_TX);
	if (!r && asv_load_relaxed(&d->closing)) {
		d->ops->tx_unget(d, id, *buf);
		r = -ASV_ESHUTDOWN;
	}
	if (r)
		d->zc_tx_held--;
	else
		zc_track(d, *buf, id, *cap, gen);
	asv_unlock(d, ASV_LOCK_TX);
	slow_leave(d);
	return r;
}

void *asv_get_tx_buffer(struct asv_rpmsg_dev *d, uint32_t *size, uint32_t timeout_ms, int *err)
{
	void *buf = NULL;
	uint32_t cap = 0;
	int e = d ? zc_take(d, &buf, &cap, timeout_ms) : -ASV_EINVAL;

	if (err)
		*err = e;
	if (e)
		return NULL;
	if (size)
		*size = cap;
	return ((struct asv_rpmsg_hdr *)buf)->data;
}

/* A zero-copy buffer the caller gives up, back to the ring's free list
 * (TX lock held; the caller wakes the senders after unlocking). */
static void zc_give_back_locked(struct asv_rpmsg_dev *d, struct asv_rpmsg_hdr *h, uint16_t id,
				uint32_t cap)
{
	d->tx_cap = cap; /* the room tx_unget() records with it */
	d->ops->tx_unget(d, id, h);
}

int asv_send_nocopy(struct asv_endpoint *ept, uint32_t dst, void *buf, size_t len)
{
	struct asv_rpmsg_hdr *h;
	struct asv_rpmsg_dev *d;
	uint32_t cap = 0, gen = 0;
	bool gave_back = false;
	uint16_t id;
	int err;

	if (!ept || !ept->dev || !buf || dst == ASV_RPMSG_ADDR_ANY)
		return -ASV_EINVAL;
	d = ept->dev;
	if (len > max_payload(d))
		return too_big(d, ept->addr, len, max_payload(d));
	h = (struct asv_rpmsg_hdr *)((uint8_t *)buf - ASV_RPMSG_HDR_SIZE);
	/*
	 * One lock hold: check the buffer is ours, then hand it over. The
	 * buffer's generation before the link's state: one held across a
	 * reset is -ASV_ECONNRESET whether the link is up again or still down
	 * (a reset takes link_up down and moves link_gen under this lock).
	 */
	asv_lock(d, ASV_LOCK_TX);
	err = zc_untrack(d, h, &id, &cap, &gen);
	if (!err && asv_load_relaxed(&d->closing)) {
		err = -ASV_ESHUTDOWN; /* the role's rings are gone: just forget it */
	} else if (!err && gen != d->link_gen) {
		err = -ASV_ECONNRESET; /* the host reset the device: forget it */
	} else if (!err && (err = asv_link_state_err(d)) != 0) {
		zc_give_back_locked(d, h, id, cap); /* broken: as a release would */
		gave_back = true;
	} else if (!err && len > cap) {
		zc_track(d, h, id, cap, gen); /* still the caller's */
		d->zc_tx_held++;
		err = -ASV_EMSGSIZE;
	} else if (!err) {
		commit_locked(d, h, id, ept->addr, dst, len);
	}
	asv_unlock(d, ASV_LOCK_TX);
	if (gave_back)
		asv_rpmsg_wake_senders(d);
	if (err == -ASV_EMSGSIZE)
		too_big(d, ept->addr, len, cap);
	return err;
}

int asv_release_tx_buffer(struct asv_rpmsg_dev *d, void *buf)
{
	struct asv_rpmsg_hdr *h;
	uint32_t cap = 0, gen = 0;
	bool closing;
	uint16_t id;
	int err;

	if (!d || !buf)
		return -ASV_EINVAL;
	h = (struct asv_rpmsg_hdr *)((uint8_t *)buf - ASV_RPMSG_HDR_SIZE);
	asv_lock(d, ASV_LOCK_TX);
	err = zc_untrack(d, h, &id, &cap, &gen);
	/* closed, or the old rings' (the host reset the device): just forget it */
	closing = asv_load_relaxed(&d->closing) || gen != d->link_gen;
	if (!err && !closing)
		zc_give_back_locked(d, h, id, cap);
	asv_unlock(d, ASV_LOCK_TX);
	if (!err && !closing)
		asv_rpmsg_wake_senders(d);
	return err;
}
