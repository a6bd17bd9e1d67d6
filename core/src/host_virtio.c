// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * The host role's virtio transport (virtio driver), modelled on Linux's
 * virtio_rpmsg_bus.c: vrings, buffers, tx/rx ops, init and tear-down; the
 * channels and drivers are host_bus.c's, the name service ns.c's.
 * Descriptor id i of vring[0] is always receive buffer i and descriptor
 * id i of vring[1] transmit buffer i; the host never reads a descriptor
 * back, it trusts only its own state arrays, so a remote that rewrites
 * the descriptor table cannot steer it.
 */
#include "host_internal.h"
#include "rx_drain.h"

/* Receive buffer states: ASV_RXB_* (rx_drain.h), PEER meaning posted. */
enum { TX_FREE = 0, TX_TAKEN = 1, TX_INFLIGHT = 2 };

/* Take one from fault counter *@n when it is not zero. */
static bool fault_take(int32_t *n)
{
	if (asv_load_relaxed(n) <= 0)
		return false;
	if (asv_atomic_add(n, -1) >= 0)
		return true;
	asv_atomic_add(n, 1); /* another thread took the last one */
	return false;
}

/* Kick the remote, unless a fault plan drops or doubles the kick. */
static void host_kick(struct asv_host *h, uint32_t notifyid)
{
	struct asv_host_fault *f = asv_load_relaxed(&h->fault);

	if (f) {
		if (fault_take(&f->drop_kicks)) {
			asv_dev_log(&h->dev, ASV_LOG_INFO, "fault: kick %" PRIu32 " dropped",
				    notifyid);
			return;
		}
		if (fault_take(&f->dup_kicks))
			asv_notify(&h->dev, notifyid);
	}
	asv_notify(&h->dev, notifyid);
}

/* A fault plan's malformed descriptor for message @id, just queued (the
 * id is ours: the avail entry is shared memory, not read back). */
static void host_bad_desc(struct asv_host *h, struct asv_host_fault *f, uint16_t id)
{
	struct asv_vring *vr = &h->tx_vr;
	uint16_t slot = (uint16_t)(vr->shadow_idx - 1) & vr->mask;

	switch (f->bad_desc) {
	case ASV_HOST_DESC_ADDR: /* 1 GiB past the buffers: no window is that large */
		vr->desc[id].addr = asv_cpu_to_le64(h->rx_da + (1ull << 30));
		break;
	case ASV_HOST_DESC_LEN:
		vr->desc[id].len = asv_cpu_to_le32(1u << 30);
		break;
	case ASV_HOST_DESC_ID:
		vr->avail->ring[slot] = asv_cpu_to_le16((uint16_t)(vr->num + id));
		break;
	default:
		return;
	}
	asv_dev_log(&h->dev, ASV_LOG_INFO, "fault: vring1 descriptor %u malformed (%d)", id,
		    (int)f->bad_desc);
}

void asv_host_kick(struct asv_host *h)
{
	asv_notify(&h->dev, h->tx_notifyid);
}

void asv_host_set_fault(struct asv_host *h, struct asv_host_fault *f)
{
	asv_store_release(&h->fault, f);
}

static int host_tx_get(struct asv_rpmsg_dev *d, void **buf, uint16_t *id)
{
	struct asv_host *h = to_host(d);
	uint16_t i;
	uint32_t len;
	int ret;

	if (h->ntx_free) {
		i = h->tx_free[--h->ntx_free];
	} else {
		ret = asv_vring_drv_get_used(&h->tx_vr, &i, &len);
		if (ret <= 0) {
			if (ret < 0)
				asv_rpmsg_break(d, ret, "vring1: corrupt used index or id");
			return ret;
		}
		if (i >= h->nbufs || h->tx_state[i] != TX_INFLIGHT) {
			asv_dev_log(d, ASV_LOG_ERR, "vring1: used id %u was not in flight", i);
			asv_rpmsg_break(d, -ASV_EPROTO, "vring1: used id not in flight");
			return -ASV_EPROTO;
		}
		asv_ev(d, NULL, 0, .kind = ASV_EV_DESC_TAKEN, .vring = 1, .desc = i,
		       .idx = h->tx_vr.peer_idx);
	}
	h->tx_state[i] = TX_TAKEN;
	*id = i;
	*buf = h->tx_base + (size_t)i * ASV_RPMSG_BUF_SIZE;
	return 1;
}

static void host_tx_commit(struct asv_rpmsg_dev *d, uint16_t id, uint32_t len)
{
	struct asv_host *h = to_host(d);
	struct asv_host_fault *f;

	const struct asv_rpmsg_hdr *hdr =
	    (const void *)(h->tx_base + (size_t)id * ASV_RPMSG_BUF_SIZE);

	/* Our own header, not yet visible to the remote: keep a copy. */
	h->tx_rec[id].src = asv_le32(hdr->src);
	h->tx_rec[id].dst = asv_le32(hdr->dst);
	h->tx_rec[id].len = asv_le16(hdr->len);
	h->tx_state[id] = TX_INFLIGHT;
	asv_vring_drv_put(&h->tx_vr, id, h->tx_da + (uint64_t)id * ASV_RPMSG_BUF_SIZE, len, 0);
	f = asv_load_relaxed(&h->fault);
	if (f && fault_take(&f->bad_descs))
		host_bad_desc(h, f, id);
	asv_vring_drv_publish(&h->tx_vr);
	asv_ev(d, NULL, 0, .kind = ASV_EV_DESC_ADD, .vring = 1, .desc = id,
	       .idx = h->tx_vr.shadow_idx);
	if (asv_vring_drv_need_kick(&h->tx_vr))
		host_kick(h, h->tx_notifyid);
}

static void host_tx_unget(struct asv_rpmsg_dev *d, uint16_t id, void *buf)
{
	struct asv_host *h = to_host(d);

	(void)buf;
	h->tx_state[id] = TX_FREE;
	h->tx_free[h->ntx_free++] = id;
}

static bool host_tx_arm(struct asv_rpmsg_dev *d, bool on)
{
	struct asv_host *h = to_host(d);

	if (on)
		return asv_vring_drv_enable_intr(&h->tx_vr);
	asv_vring_drv_disable_intr(&h->tx_vr);
	return false;
}

static int buf_index(const uint8_t *base, unsigned int n, const void *p, uint16_t *id)
{
	uintptr_t off = (uintptr_t)p - (uintptr_t)base;

	if ((uintptr_t)p < (uintptr_t)base || off % ASV_RPMSG_BUF_SIZE ||
	    off / ASV_RPMSG_BUF_SIZE >= n)
		return -ASV_EINVAL;
	*id = (uint16_t)(off / ASV_RPMSG_BUF_SIZE);
	return 0;
}

static void host_rx_queue(struct asv_rpmsg_dev *d, struct asv_rx_queue *q)
{
	struct asv_host *h = to_host(d);

	q->state = h->rx_state;
	q->ret_id = h->ret_id;
	q->nret = &h->nret;
	q->num = h->rx_vr.num;
}

/* Take the next message the remote queued on vring[0]. RX lock held. */
static int host_rx_next(struct asv_rpmsg_dev *d, uint16_t *idp, struct asv_rpmsg_hdr **hdr,
			uint32_t *lenp)
{
	struct asv_host *h = to_host(d);
	uint32_t len;
	uint16_t id;
	int ret;

	ret = asv_vring_drv_get_used(&h->rx_vr, &id, &len);
	if (ret <= 0) {
		if (ret < 0)
			asv_rpmsg_break(d, ret, "vring0: corrupt used index or id");
		return ret;
	}
	if (id >= h->nbufs || asv_load_relaxed(&h->rx_state[id]) != ASV_RXB_PEER) {
		asv_dev_log(d, ASV_LOG_ERR, "vring0: used id %u was not posted", id);
		asv_rpmsg_break(d, -ASV_EPROTO, "vring0: used id not posted");
		return -ASV_EPROTO;
	}
	/* ours before the callback runs: see ASV_RXB_OURS */
	asv_store_relaxed(&h->rx_state[id], (uint8_t)ASV_RXB_OURS);
	asv_ev(d, NULL, 0, .kind = ASV_EV_DESC_TAKEN, .vring = 0, .desc = id,
	       .idx = h->rx_vr.peer_idx);
	*idp = id;
	*hdr = NULL;
	if (len > ASV_RPMSG_BUF_SIZE) {
		asv_stat_inc(&d->stats.rx_malformed);
		asv_dev_log(d, ASV_LOG_ERR,
			    "vring0: used len %" PRIu32 " exceeds the %u-byte buffer (EBADMSG)",
			    len, ASV_RPMSG_BUF_SIZE);
	} else {
		*hdr = (void *)(h->rx_base + (size_t)id * ASV_RPMSG_BUF_SIZE);
		*lenp = len;
	}
	return 1;
}

/*
 * Queue rx buffer @id in the avail ring again (not yet published). Its
 * descriptor never changes (written once at init), so only the ring entry
 * is written. The host never reads a descriptor back, so a remote that
 * rewrites one only hurts itself: its own checks refuse the address.
 */
static void host_rx_give_back(struct asv_rpmsg_dev *d, uint16_t id)
{
	asv_vring_drv_requeue(&to_host(d)->rx_vr, id);
}

static void host_rx_publish(struct asv_rpmsg_dev *d)
{
	struct asv_host *h = to_host(d);

	asv_vring_drv_publish(&h->rx_vr);
	asv_ev(d, NULL, 0, .kind = ASV_EV_IDX_PUB, .vring = 0, .idx = h->rx_vr.shadow_idx);
	if (asv_vring_drv_need_kick(&h->rx_vr))
		host_kick(h, h->rx_notifyid);
}

static bool host_rx_has_pending(struct asv_rpmsg_dev *d)
{
	return asv_vring_drv_has_used(&to_host(d)->rx_vr);
}

static bool host_rx_peer_waits(struct asv_rpmsg_dev *d)
{
	return asv_vring_drv_peer_wants_kick(&to_host(d)->rx_vr);
}

static void host_rx_quiet(struct asv_rpmsg_dev *d)
{
	asv_vring_drv_disable_intr(&to_host(d)->rx_vr);
}

static bool host_rx_enable(struct asv_rpmsg_dev *d)
{
	return asv_vring_drv_enable_intr(&to_host(d)->rx_vr);
}

static bool host_rx_rearm(struct asv_rpmsg_dev *d)
{
	if (!host_rx_enable(d))
		return false;
	host_rx_quiet(d);
	return true;
}

static const struct asv_rx_role host_rx = {
	.queue = host_rx_queue,
	.next = host_rx_next,
	.give_back = host_rx_give_back,
	.publish = host_rx_publish,
	.has_pending = host_rx_has_pending,
	.peer_waits = host_rx_peer_waits,
	.quiet = host_rx_quiet,
	.enable = host_rx_enable,
	.rearm = host_rx_rearm,
};

static int host_rx_release(struct asv_rpmsg_dev *d, void *hdr)
{
	struct asv_host *h = to_host(d);
	uint16_t id;

	if (buf_index(h->rx_base, h->nbufs, hdr, &id))
		return -ASV_EINVAL;
	return asv_rx_release(d, &host_rx, id);
}

/* Give the batched rx buffers back (the role op; ISR thread, RX held). */
static void host_rx_flush(struct asv_rpmsg_dev *d)
{
	asv_rx_flush(d, &host_rx);
}

static const struct asv_role_ops host_ops = {
	.tx_get = host_tx_get,
	.tx_commit = host_tx_commit,
	.tx_unget = host_tx_unget,
	.tx_arm = host_tx_arm,
	.rx_release = host_rx_release,
	.rx_flush = host_rx_flush,
	.ns_rx = asv_host_ns_rx,
};

int asv_host_init(struct asv_host *h, const struct asv_host_config *cfg)
{
	uint32_t dfeat, gfeat;
	unsigned int i, n;

	if (!h || !cfg || !cfg->vdev || !cfg->vring_va[0] || !cfg->vring_va[1] || !cfg->env.alloc ||
	    !cfg->env.free || !cfg->env.notify)
		return -ASV_EINVAL;
	memset(h, 0, sizeof(*h));
	asv_rpmsg_dev_init(&h->dev, &host_ops, &cfg->env, false);
	if (cfg->timeout_ms)
		h->dev.timeout_ms = cfg->timeout_ms;
	if (asv_vring_init(&h->rx_vr, cfg->vring_va[0], cfg->vring_num[0], cfg->vring_align[0],
			   true) ||
	    asv_vring_init(&h->tx_vr, cfg->vring_va[1], cfg->vring_num[1], cfg->vring_align[1],
			   true))
		return -ASV_EINVAL;
	n = cfg->nbufs;
	if (!n)
		n = cfg->vring_num[0] < 256 ? cfg->vring_num[0] : 256;
	if (n > cfg->vring_num[0] || n > cfg->vring_num[1] ||
	    cfg->bufs.size / (2u * ASV_RPMSG_BUF_SIZE) < n) {
		asv_dev_log(&h->dev, ASV_LOG_ERR,
			    "%u buffers per direction do not fit the vrings (%" PRIu32 "/%" PRIu32
			    ") or %zu bytes",
			    n, cfg->vring_num[0], cfg->vring_num[1], cfg->bufs.size);
		return -ASV_EINVAL;
	}
	h->nbufs = n;
	h->vdev = cfg->vdev;
	h->rx_notifyid = cfg->notifyid[0];
	h->tx_notifyid = cfg->notifyid[1];
	h->rx_base = cfg->bufs.va;
	h->rx_da = cfg->bufs.da;
	h->tx_base = h->rx_base + (size_t)n * ASV_RPMSG_BUF_SIZE;
	h->tx_da = h->rx_da + (uint64_t)n * ASV_RPMSG_BUF_SIZE;
	h->on_channel = cfg->on_channel;
	h->on_channel_priv = cfg->on_channel_priv;
	h->rx_state = zalloc(h, n);
	h->tx_state = zalloc(h, n);
	h->tx_free = zalloc(h, n * sizeof(uint16_t));
	h->tx_rec = zalloc(h, n * sizeof(*h->tx_rec));
	if (!h->rx_state || !h->tx_state || !h->tx_free || !h->tx_rec) {
		asv_host_deinit(h);
		return -ASV_ENOMEM;
	}
	/* Hand out tx buffers in order 0, 1, 2, ... like Linux. */
	for (i = 0; i < n; i++)
		h->tx_free[i] = (uint16_t)(n - 1 - i);
	h->ntx_free = n;
	for (i = 0; i < n; i++) {
		h->rx_state[i] = ASV_RXB_PEER;
		asv_vring_drv_put(&h->rx_vr, (uint16_t)i,
				  h->rx_da + (uint64_t)i * ASV_RPMSG_BUF_SIZE, ASV_RPMSG_BUF_SIZE,
				  ASV_VRING_DESC_F_WRITE);
	}
	asv_vring_drv_publish(&h->rx_vr);
	/* Like Linux: no tx-complete interrupts unless a sender waits. */
	asv_vring_drv_disable_intr(&h->tx_vr);

	dfeat = asv_le32(h->vdev->dfeatures);
	gfeat = dfeat & ASV_RPMSG_FEATURES_IMPLEMENTED;
	if (cfg->features)
		gfeat &= cfg->features;
	/* Relaxed atomic: remotes copy the whole table meanwhile (with two
	 * vdevs, the other vdev's remote already runs). */
	asv_store_relaxed(&h->vdev->gfeatures, asv_cpu_to_le32(gfeat));
	h->dev.ns_enabled = !!(gfeat & (1u << ASV_VIRTIO_RPMSG_F_NS));
	asv_vring_set_event_idx(&h->tx_vr, gfeat & (1u << ASV_VIRTIO_RING_F_EVENT_IDX), true);
	asv_vring_set_event_idx(&h->rx_vr, gfeat & (1u << ASV_VIRTIO_RING_F_EVENT_IDX), true);
	if (cfg->before_driver_ok)
		cfg->before_driver_ok(h, cfg->before_driver_ok_priv);
	asv_rpmsg_set_link(&h->dev, true);
	/* A legacy device: Linux sets FEATURES_OK only with VIRTIO_F_VERSION_1,
	 * which remoteproc's 32-bit features cannot carry. */
	asv_store_release(&h->vdev->status,
			  (uint8_t)(ASV_VIRTIO_STATUS_ACKNOWLEDGE | ASV_VIRTIO_STATUS_DRIVER |
				    ASV_VIRTIO_STATUS_DRIVER_OK));
	asv_dev_log(&h->dev, ASV_LOG_INFO, "DRIVER_OK: %u+%u buffers, features 0x%" PRIx32, n, n,
		    gfeat);
	/* Tell the remote it has receive buffers and may start. */
	asv_notify(&h->dev, h->rx_notifyid);
	return 0;
}

void asv_host_early_look(struct asv_host *h, struct asv_host_early *e)
{
	const struct asv_rpmsg_hdr *hdr;
	const struct asv_rpmsg_ns_msg *ns;
	uint32_t id, len;
	size_t i;

	memset(e, 0, sizeof(*e));
	e->used_idx[0] = asv_le16(asv_load_acquire(&h->rx_vr.used->idx));
	e->used_idx[1] = asv_le16(asv_load_acquire(&h->tx_vr.used->idx));
	if (!e->used_idx[0])
		return;
	id = asv_le32(asv_load_relaxed(&h->rx_vr.used->ring[0].id));
	len = asv_le32(asv_load_relaxed(&h->rx_vr.used->ring[0].len));
	if (id >= h->nbufs || len < sizeof(*hdr) || len > ASV_RPMSG_BUF_SIZE)
		return;
	hdr = (const void *)(h->rx_base + (size_t)id * ASV_RPMSG_BUF_SIZE);
	e->msg = true;
	e->src = asv_le32(asv_load_relaxed(&hdr->src));
	e->dst = asv_le32(asv_load_relaxed(&hdr->dst));
	e->len = asv_le16(asv_load_relaxed(&hdr->len));
	if (e->dst != ASV_RPMSG_NS_ADDR || len < sizeof(*hdr) + sizeof(*ns))
		return;
	ns = (const void *)hdr->data;
	for (i = 0; i + 1 < sizeof(e->name); i++)
		e->name[i] = asv_load_relaxed(&ns->name[i]);
}

/*
 * The device is closed (no sender takes or hands over a buffer any more):
 * each message still in flight (handed over, never given back) goes back
 * to its sender as lost, exactly once, never silently dropped. Called with
 * the RX lock held, so no callback runs meanwhile; the tx_lost hooks run
 * without the TX lock, so they may call anything (a send fails at once).
 */
static void report_lost_tx(struct asv_host *h)
{
	struct asv_rpmsg_dev *d = &h->dev;
	unsigned int i, nlost = 0;
	uint16_t *lost = h->tx_free; /* the free list is dead: reuse it */
	uint32_t len;
	uint16_t id;

	asv_lock(d, ASV_LOCK_TX);
	/* What the remote gave back before it went down was not lost. */
	while (asv_vring_drv_get_used(&h->tx_vr, &id, &len) > 0)
		if (id < h->nbufs && h->tx_state[id] == TX_INFLIGHT)
			h->tx_state[id] = TX_FREE;
	for (i = 0; i < h->nbufs; i++) {
		if (h->tx_state[i] != TX_INFLIGHT)
			continue;
		h->tx_state[i] = TX_FREE;
		lost[nlost++] = (uint16_t)i;
	}
	h->ntx_free = 0;
	asv_unlock(d, ASV_LOCK_TX);
	for (i = 0; i < nlost; i++) {
		struct asv_host_txrec *t = &h->tx_rec[lost[i]];
		const struct asv_rpmsg_hdr *hdr;
		struct asv_endpoint *ept;

		hdr = (const void *)(h->tx_base + (size_t)lost[i] * ASV_RPMSG_BUF_SIZE);
		asv_stat_inc(&d->stats.tx_lost);
		ept = asv_ept_lookup(d, t->src);
		if (ept && ept->tx_lost) {
			ept->tx_lost(ept, t->dst, hdr->data,
				     t->len <= ASV_RPMSG_MAX_PAYLOAD ? t->len : 0, -ASV_ECONNRESET);
		} else {
			asv_dev_log(d, ASV_LOG_WARN,
				    "message 0x%" PRIx32 " -> 0x%" PRIx32
				    " (%u bytes) lost: the remote went down",
				    t->src, t->dst, t->len);
		}
	}
}

void asv_host_deinit(struct asv_host *h)
{
	bool isr;

	if (!h || !h->dev.ops)
		return;
	/* Senders first: they return -ESHUTDOWN and leave the send path. */
	asv_rpmsg_close(&h->dev, "host deinit");
	asv_rpmsg_set_link(&h->dev, false);
	isr = asv_in_isr(&h->dev);
	if (!isr)
		asv_lock(&h->dev, ASV_LOCK_RX);
	if (h->tx_state)
		report_lost_tx(h);
	asv_host_bus_teardown(h);
	if (!isr)
		asv_unlock(&h->dev, ASV_LOCK_RX);
	if (h->vdev)
		asv_store_release(&h->vdev->status, (uint8_t)0);
	zfree(h, h->rx_state);
	zfree(h, h->tx_state);
	zfree(h, h->tx_free);
	zfree(h, h->tx_rec);
	h->tx_rec = NULL;
	h->rx_state = NULL;
	h->tx_state = NULL;
	h->tx_free = NULL;
	h->dev.ops = NULL;
}

/* 0 when the link is usable, else why not. */
static int host_link_err(struct asv_host *h)
{
	int up, ret;

	if (!h || !h->dev.ops)
		return -ASV_EINVAL;
	up = asv_load_acquire(&h->dev.link_up); /* first: see asv_link_state_err() */
	ret = asv_load_acquire(&h->dev.broken);
	if (ret)
		return ret;
	return up ? 0 : -ASV_ENODEV;
}

int asv_host_isr(struct asv_host *h)
{
	unsigned int work = 0;
	int ret = host_link_err(h);

	if (ret)
		return ret;
	asv_ev(&h->dev, NULL, 0, .kind = ASV_EV_ISR_START);
	ret = asv_rx_drain(&h->dev, &host_rx, true, &work);
	asv_ev(&h->dev, NULL, 0, .kind = ASV_EV_ISR_END, .err = ret, .len = (uint16_t)work);
	return ret;
}

int asv_host_poll(struct asv_host *h, unsigned int *work)
{
	int ret;

	if (work)
		*work = 0;
	ret = host_link_err(h);
	if (ret)
		return ret;
	return asv_rx_poll(&h->dev, &host_rx, work);
}

bool asv_host_poll_done(struct asv_host *h)
{
	if (!h || !h->dev.ops)
		return false;
	return asv_rx_poll_done(&h->dev, &host_rx);
}
