// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * The remote role (virtio device). vring[0] carries our messages to the
 * host: we take the host's empty buffers from its avail ring and return
 * them filled through its used ring. vring[1] carries the host's
 * messages: we take them from avail and give the buffers back in used.
 */
#include "remote_internal.h"
#include "rx_drain.h"

/* vring[1] buffer states by descriptor id: ASV_RXB_* (rx_drain.h). */

/*
 * A hint written into the reserved field of a buffer we took: its id, so
 * a release finds it at once. Only a hint: the host can rewrite the field,
 * so it is checked against the private record and, if wrong, the records
 * are searched.
 */
#define HINT_MAGIC 0xA5000000u
#define HINT_MASK 0xFF000000u

static struct asv_remote *to_remote(struct asv_rpmsg_dev *d)
{
	return asv_container_of(d, struct asv_remote, dev);
}

static bool bit_test(const uint32_t *map, uint16_t i)
{
	return map[i / 32] & (1u << (i % 32));
}

static void bit_set(uint32_t *map, uint16_t i, bool on)
{
	if (on)
		map[i / 32] |= 1u << (i % 32);
	else
		map[i / 32] &= ~(1u << (i % 32));
}

static void *translate_any(struct asv_remote *r, uint64_t da, size_t len)
{
	unsigned int i;

	for (i = 0; i < r->nregions; i++) {
		void *va = asv_region_to_va(&r->regions[i], da, len);

		if (va)
			return va;
	}
	return NULL;
}

static int remote_tx_get(struct asv_rpmsg_dev *d, void **buf, uint16_t *id)
{
	struct asv_remote *r = to_remote(d);
	struct asv_rpmsg_hdr *h;
	struct asv_vring_buf b;
	int ret;

	/* The host reset the device since the sender looked (remote_reset.c):
	 * what is left of the rings is the old ones'. */
	if (!asv_load_relaxed(&d->link_up))
		return -ASV_ECONNRESET;
	if (r->nstash) {
		r->nstash--;
		*id = r->stash_id[r->nstash];
		*buf = r->stash_buf[r->nstash];
		d->tx_cap = r->stash_cap[r->nstash];
		bit_set(r->tx_held, *id, true);
		return 1;
	}
	ret = asv_vring_dev_get_avail(&r->tx_vr, &b);
	if (ret <= 0) {
		if (ret < 0)
			asv_rpmsg_break(d, ret, "vring0: corrupt avail index or descriptor");
		return ret;
	}
	/* The buffer's size is the host's choice: whole inside the region,
	 * room for a header at least (Linux posts 512 bytes). */
	h = asv_region_to_va(&r->bufs, b.addr, b.len);
	if (!h || b.len <= ASV_RPMSG_HDR_SIZE || ((uintptr_t)h & 3u)) {
		asv_dev_log(d, ASV_LOG_ERR,
			    "vring0 descriptor %u: buffer 0x%llx+%" PRIu32
			    " is outside the buffer region, "
			    "unaligned or too short for a header",
			    b.id, (unsigned long long)b.addr, b.len);
		asv_rpmsg_break(d, -ASV_EFAULT, "vring0: bad buffer address");
		return -ASV_EFAULT;
	}
	d->tx_cap = b.len - ASV_RPMSG_HDR_SIZE < 0xFFFFu ? b.len - ASV_RPMSG_HDR_SIZE : 0xFFFFu;
	if (bit_test(r->tx_held, b.id)) {
		asv_rpmsg_break(d, -ASV_EPROTO, "vring0: host re-posted a buffer we hold");
		return -ASV_EPROTO;
	}
	bit_set(r->tx_held, b.id, true);
	asv_ev(d, NULL, 0, .kind = ASV_EV_DESC_TAKEN, .vring = 0, .desc = b.id,
	       .idx = r->tx_vr.peer_idx);
	*id = b.id;
	*buf = h;
	return 1;
}

static void remote_tx_commit(struct asv_rpmsg_dev *d, uint16_t id, uint32_t len)
{
	struct asv_remote *r = to_remote(d);
	struct asv_fault_plan *f = asv_load_relaxed(&d->fault);
	uint16_t held;
	uint32_t held_len;

	bit_set(r->tx_held, id, false);
	/* reorder= keeps this one back, to go out after the next one */
	if (f && asv_fault_hold(f, id, len))
		return;
	asv_vring_dev_put_used(&r->tx_vr, id, len);
	if (f && asv_fault_take_held(f, &held, &held_len)) {
		asv_vring_dev_put_used(&r->tx_vr, held, held_len);
		asv_atomic_add(&f->reordered, 1u);
	}
	asv_vring_dev_publish(&r->tx_vr);
	asv_ev(d, NULL, 0, .kind = ASV_EV_DESC_USED, .vring = 0, .desc = id,
	       .idx = r->tx_vr.shadow_idx);
	if (asv_vring_dev_need_intr(&r->tx_vr))
		asv_notify(d, r->tx_notifyid);
}

/*
 * A zero-copy buffer given back unsent stays ours (it left the avail ring
 * and cannot go back): keep it for the next send. At most ASV_MAX_ZC_TX
 * zero-copy buffers are held, plus the one a send found too small, so the
 * stash never overflows. @d->tx_cap is still this buffer's room.
 */
static void remote_tx_unget(struct asv_rpmsg_dev *d, uint16_t id, void *buf)
{
	struct asv_remote *r = to_remote(d);

	if (r->nstash >= ASV_ARRAY_SIZE(r->stash_id))
		return;
	bit_set(r->tx_held, id, false);
	r->stash_id[r->nstash] = id;
	r->stash_buf[r->nstash] = buf;
	r->stash_cap[r->nstash] = d->tx_cap;
	r->nstash++;
}

static bool remote_tx_arm(struct asv_rpmsg_dev *d, bool on)
{
	struct asv_remote *r = to_remote(d);

	if (!asv_load_acquire(&d->link_up))
		return false;
	if (on)
		return asv_vring_dev_enable_notify(&r->tx_vr);
	asv_vring_dev_disable_notify(&r->tx_vr);
	return false;
}

static void remote_rx_queue(struct asv_rpmsg_dev *d, struct asv_rx_queue *q)
{
	struct asv_remote *r = to_remote(d);

	q->state = r->rx_state;
	q->ret_id = r->ret_id;
	q->nret = &r->nret;
	q->num = r->rx_vr.num;
}

/*
 * Forget that buffer @id was held across a reset: 1 -> 0 once, whoever of
 * the ISR thread (the new rings took it at another address) and a releaser
 * comes first. True for the one that did.
 */
static bool rx_gone_clear(struct asv_remote *r, uint32_t id)
{
	uint8_t one = 1;

	if (!__atomic_compare_exchange_n(&r->rx_gone[id], &one, 0, false, __ATOMIC_RELAXED,
					 __ATOMIC_RELAXED))
		return false;
	asv_atomic_add(&r->rx_ngone, -1);
	return true;
}

/* Take the next message the host queued on vring[1]. RX lock held. */
static int remote_rx_next(struct asv_rpmsg_dev *d, uint16_t *id, struct asv_rpmsg_hdr **hdr,
			  uint32_t *len)
{
	struct asv_remote *r = to_remote(d);
	struct asv_rpmsg_hdr *h;
	struct asv_vring_buf b;
	uint8_t st;
	int ret;

	ret = asv_vring_dev_get_avail(&r->rx_vr, &b);
	if (ret <= 0) {
		if (ret < 0)
			asv_rpmsg_break(d, ret, "vring1: corrupt avail index or descriptor id");
		return ret;
	}
	h = asv_region_to_va(&r->bufs, b.addr, b.len);
	if (!h || b.len < ASV_RPMSG_HDR_SIZE || ((uintptr_t)h & 3u)) {
		asv_dev_log(d, ASV_LOG_ERR,
			    "vring1 descriptor %u: buffer 0x%llx+%" PRIu32 " outside the buffer "
			    "region or unaligned (EFAULT)",
			    b.id, (unsigned long long)b.addr, b.len);
		asv_rpmsg_break(d, -ASV_EFAULT, "vring1: bad buffer address");
		return -ASV_EFAULT;
	}
	st = asv_load_relaxed(&r->rx_state[b.id]);
	if (st != ASV_RXB_PEER) {
		asv_rpmsg_break(d, -ASV_EPROTO,
				"vring1: host re-posted a buffer we did not give back");
		return -ASV_EPROTO;
	}
	/* Held across a reset at another address: the record of that one
	 * goes (its release then finds nothing: -ASV_EINVAL, nothing given
	 * back); at the same address it stays, the old hold released first. */
	if (asv_load_relaxed(&r->rx_gone[b.id]) && asv_load_relaxed(&r->rx_hdr[b.id]) != h)
		rx_gone_clear(r, b.id);
	/* ours before the callback runs: see ASV_RXB_OURS */
	asv_store_relaxed(&r->rx_hdr[b.id], h);
	r->rx_len[b.id] = b.len;
	asv_store_relaxed(&r->rx_state[b.id], (uint8_t)ASV_RXB_OURS);
	asv_store_relaxed(&h->reserved, asv_cpu_to_le32(HINT_MAGIC | b.id));
	asv_ev(d, NULL, 0, .kind = ASV_EV_DESC_TAKEN, .vring = 1, .desc = b.id,
	       .idx = r->rx_vr.peer_idx);
	*id = b.id;
	*hdr = h;
	*len = b.len;
	return 1;
}

/* Give rx buffer @id back to the host, not yet published. RET lock held. */
static void remote_rx_give_back(struct asv_rpmsg_dev *d, uint16_t id)
{
	struct asv_remote *r = to_remote(d);

	asv_vring_dev_put_used(&r->rx_vr, id, r->rx_len[id]);
}

static void remote_rx_publish(struct asv_rpmsg_dev *d)
{
	struct asv_remote *r = to_remote(d);

	asv_vring_dev_publish(&r->rx_vr);
	asv_ev(d, NULL, 0, .kind = ASV_EV_IDX_PUB, .vring = 1, .idx = r->rx_vr.shadow_idx);
	if (asv_vring_dev_need_intr(&r->rx_vr))
		asv_notify(d, r->rx_notifyid);
}

static bool remote_rx_has_pending(struct asv_rpmsg_dev *d)
{
	return asv_vring_dev_has_avail(&to_remote(d)->rx_vr);
}

static bool remote_rx_peer_waits(struct asv_rpmsg_dev *d)
{
	return asv_vring_dev_peer_wants_intr(&to_remote(d)->rx_vr);
}

static void remote_rx_quiet(struct asv_rpmsg_dev *d)
{
	asv_vring_dev_disable_notify(&to_remote(d)->rx_vr);
}

static bool remote_rx_enable(struct asv_rpmsg_dev *d)
{
	return asv_vring_dev_enable_notify(&to_remote(d)->rx_vr);
}

static const struct asv_rx_role remote_rx = {
	.queue = remote_rx_queue,
	.next = remote_rx_next,
	.give_back = remote_rx_give_back,
	.publish = remote_rx_publish,
	.has_pending = remote_rx_has_pending,
	.peer_waits = remote_rx_peer_waits,
	.quiet = remote_rx_quiet,
	.enable = remote_rx_enable,
	/* notifications stay on while the rest is drained */
	.rearm = remote_rx_enable,
};

/* Is @h the buffer of record @i, and is it ours? (The ISR thread writes
 * records of other buffers meanwhile: atomics.) */
static bool rx_record_is(struct asv_remote *r, uint32_t i, const struct asv_rpmsg_hdr *h)
{
	return asv_load_relaxed(&r->rx_hdr[i]) == h &&
	       asv_load_relaxed(&r->rx_state[i]) != ASV_RXB_PEER;
}

/* The id of the buffer at @h we took, or -1. RET lock held. */
static int rx_id_of(struct asv_remote *r, const struct asv_rpmsg_hdr *h)
{
	uint32_t v = asv_le32(asv_load_relaxed(&h->reserved)), i;

	if ((v & HINT_MASK) == HINT_MAGIC && (v & 0xFFFFu) < r->rx_vr.num &&
	    rx_record_is(r, v & 0xFFFFu, h))
		return (int)(v & 0xFFFFu);
	/* no hint, or a wrong one (the host can rewrite it): search */
	for (i = 0; i < r->rx_vr.num; i++)
		if (rx_record_is(r, i, h))
			return (int)i;
	return -1;
}

/*
 * The id of a buffer at @h the application held when the host reset the
 * device, or -1. A pointer cannot tell that hold from one of the same
 * buffer the new rings gave: the old one is taken as released first.
 */
static int rx_gone_id_of(struct asv_remote *r, const struct asv_rpmsg_hdr *h)
{
	uint32_t i;

	if (!asv_load_relaxed(&r->rx_ngone))
		return -1;
	for (i = 0; i < ASV_REMOTE_MAX_NUM; i++)
		if (asv_load_relaxed(&r->rx_gone[i]) && asv_load_relaxed(&r->rx_hdr[i]) == h)
			return (int)i;
	return -1;
}

static int remote_rx_release(struct asv_rpmsg_dev *d, void *buf)
{
	struct asv_remote *r = to_remote(d);
	uint64_t da;
	int id;

	if (asv_region_to_da(&r->bufs, buf, ASV_RPMSG_HDR_SIZE, &da))
		return -ASV_EINVAL;
	id = rx_gone_id_of(r, buf);
	if (id >= 0 && rx_gone_clear(r, (uint32_t)id))
		return -ASV_ECONNRESET; /* the old rings' (the host reset the device) */
	id = rx_id_of(r, buf);
	if (id < 0)
		return -ASV_EINVAL;
	return asv_rx_release(d, &remote_rx, (uint16_t)id);
}

/* Give the batched rx buffers back (the role op; ISR thread, RX held). */
static void remote_rx_flush(struct asv_rpmsg_dev *d)
{
	asv_rx_flush(d, &remote_rx);
}

uint8_t asv_remote_status(struct asv_remote *r)
{
	/* a plain pointer: the kernel's smp_load_acquire() dereferences its
	 * argument unparenthesised */
	const uint8_t *status =
	    (const uint8_t *)r->table + r->vdev_off + offsetof(struct asv_fw_rsc_vdev, status);

	return asv_load_acquire(status);
}

/* The host reset the device under a sender waiting for a buffer. */
static bool remote_peer_gone(struct asv_rpmsg_dev *d)
{
	return !(asv_remote_status(to_remote(d)) & ASV_VIRTIO_STATUS_DRIVER_OK);
}

static const struct asv_role_ops remote_ops = {
	.tx_get = remote_tx_get,
	.tx_commit = remote_tx_commit,
	.tx_unget = remote_tx_unget,
	.tx_arm = remote_tx_arm,
	.rx_release = remote_rx_release,
	.rx_flush = remote_rx_flush,
	.ns_rx = asv_remote_ns_rx,
	.peer_gone = remote_peer_gone,
};

/*
 * Copy the shared table into table_copy, each word read once (relaxed):
 * whatever the host writes meanwhile, the remote validates and then uses
 * one consistent snapshot. The word at @first (a 4-byte aligned offset, or
 * NO_FIRST) is read first, with acquire: the vdev status word, so that
 * everything the host wrote before setting DRIVER_OK is in the copy.
 */
#define NO_FIRST ((size_t)-1)

static void copy_table(struct asv_remote *r, size_t first)
{
	const uint32_t *src = r->table;
	const uint8_t *tail = (const uint8_t *)r->table + (r->table_size & ~(size_t)3);
	uint8_t *dst_tail = (uint8_t *)r->table_copy + (r->table_size & ~(size_t)3);
	size_t i, n = r->table_size / 4;

	if (first != NO_FIRST)
		r->table_copy[first / 4] = asv_load_acquire(&src[first / 4]);
	for (i = 0; i < n; i++)
		if (i != first / 4)
			r->table_copy[i] = asv_load_relaxed(&src[i]);
	for (i = 0; i < (r->table_size & 3u); i++)
		dst_tail[i] = asv_load_relaxed(&tail[i]);
}

/* The trace buffer was placed by the host before start (as remoteproc
 * does), so it can be used from the first line the firmware prints. Its
 * address and length come from the private copy: checked, then used. */
static void setup_trace(struct asv_remote *r)
{
	const struct asv_fw_rsc_trace *tr = asv_rsc_find_trace(r->table_copy, 0);
	uint32_t da, len;
	void *va;

	if (!tr)
		return;
	da = asv_le32(tr->da);
	len = asv_le32(tr->len);
	va = translate_any(r, da, len);
	if (va)
		asv_trace_init(&r->trace, va, len);
	else
		asv_dev_log(&r->dev, ASV_LOG_WARN,
			    "trace buffer 0x%" PRIx32 "+0x%" PRIx32 " outside our memory", da, len);
}

int asv_remote_set_buffers(struct asv_remote *r, const struct asv_mem_region *bufs)
{
	if (!r || !bufs || !bufs->va || !bufs->size)
		return -ASV_EINVAL;
	if (asv_load_acquire(&r->dev.link_up) || r->linked_once)
		return -ASV_EBUSY;
	r->bufs = *bufs;
	r->bufs_set = 1;
	return 0;
}

int asv_remote_printf(struct asv_remote *r, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!r)
		return -ASV_EINVAL;
	va_start(ap, fmt);
	asv_lock(&r->dev, ASV_LOCK_RET);
	n = asv_trace_vprintf(&r->trace, fmt, ap);
	asv_unlock(&r->dev, ASV_LOCK_RET);
	va_end(ap);
	return n;
}

int asv_remote_init(struct asv_remote *r, const struct asv_remote_config *cfg)
{
	unsigned int i;
	int err;

	if (!r || !cfg || !cfg->rsc_table || !cfg->regions || !cfg->nregions ||
	    cfg->nregions > ASV_REMOTE_MAX_REGIONS || !cfg->env.notify)
		return -ASV_EINVAL;
	memset(r, 0, sizeof(*r));
	asv_rpmsg_dev_init(&r->dev, &remote_ops, &cfg->env, true);
	if (cfg->timeout_ms)
		r->dev.timeout_ms = cfg->timeout_ms;
	for (i = 0; i < cfg->nregions; i++)
		r->regions[i] = cfg->regions[i];
	r->nregions = cfg->nregions;
	r->table = cfg->rsc_table;
	r->table_size = cfg->rsc_size;
	r->ns_bind = cfg->ns_bind;
	r->ns_priv = cfg->ns_priv;
	r->on_link = cfg->on_link;
	r->link_priv = cfg->link_priv;
	if ((uintptr_t)r->table & 3u) {
		asv_dev_log(&r->dev, ASV_LOG_ERR, "resource table at %p is not 4-byte aligned",
			    r->table);
		return -ASV_EINVAL;
	}
	if (r->table_size > sizeof(r->table_copy)) {
		asv_dev_log(&r->dev, ASV_LOG_ERR,
			    "resource table of %zu bytes is larger than the remote's copy (%zu, "
			    "ASV_REMOTE_TABLE_MAX)",
			    r->table_size, sizeof(r->table_copy));
		return -ASV_EOVERFLOW;
	}
	copy_table(r, NO_FIRST);
	err = asv_rsc_validate(r->table_copy, r->table_size, &r->dev.env);
	if (err)
		return err;
	/* Each rpmsg vdev is its own device (remoteproc_core.c
	 * rproc_handle_vdev: one rproc_vdev per vdev resource). */
	r->rpmsg_vdev = cfg->rpmsg_vdev;
	r->vdev = asv_rsc_find_rpmsg_vdev(r->table_copy, r->rpmsg_vdev, &r->vdev_index);
	if (!r->vdev) {
		asv_dev_log(&r->dev, ASV_LOG_ERR, "resource table has no rpmsg vdev (id 7) #%u",
			    r->rpmsg_vdev);
		return -ASV_EINVAL;
	}
	if (asv_le32(r->vdev->dfeatures) & ~ASV_RPMSG_FEATURES_IMPLEMENTED) {
		asv_dev_log(&r->dev, ASV_LOG_ERR,
			    "the table offers feature bits 0x%" PRIx32
			    " the remote does not implement "
			    "(Linux would use them)",
			    asv_le32(r->vdev->dfeatures) & ~ASV_RPMSG_FEATURES_IMPLEMENTED);
		return -ASV_EINVAL;
	}
	r->vdev_off = (size_t)((const uint8_t *)r->vdev - (const uint8_t *)r->table_copy);
	/* One console per MCU: a second writer would race the first. */
	if (!r->rpmsg_vdev)
		setup_trace(r);
	r->dev.trace = &r->trace;
	return 0;
}

static int link_up(struct asv_remote *r)
{
	struct asv_rpmsg_dev *d = &r->dev;
	const struct asv_fw_rsc_carveout *co;
	const struct asv_fw_rsc_vdev *vdev;
	struct asv_vring *vr[2] = { &r->tx_vr, &r->rx_vr };
	uint32_t notifyid[2], feat;
	char bufname[ASV_RSC_NAME_SIZE];
	unsigned int i;

	/*
	 * The host wrote into the table since init (vring addresses, notify
	 * ids, features, status): copy it once more, status word first, and
	 * from here on read only the copy.
	 */
	copy_table(r, r->vdev_off + offsetof(struct asv_fw_rsc_vdev, status));
	vdev = (const void *)((const uint8_t *)r->table_copy + r->vdev_off);
	if (!(vdev->status & ASV_VIRTIO_STATUS_DRIVER_OK))
		return -ASV_ENODEV;
	/* Once per DRIVER_OK: again after the host reset the device and set
	 * it once more (remote_reset.c), over the rings it placed then; never
	 * after a shut-down (closing is final). */
	if (asv_load_relaxed(&d->closing))
		return -ASV_ESHUTDOWN;
	r->linked_once = 1;
	if (asv_rsc_validate(r->table_copy, r->table_size, &d->env) ||
	    asv_rsc_find_rpmsg_vdev(r->table_copy, r->rpmsg_vdev, NULL) != vdev) {
		asv_rpmsg_break(d, -ASV_EINVAL, "resource table changed shape");
		return -ASV_EINVAL;
	}
	r->vdev = vdev;
	for (i = 0; i < 2; i++) {
		const struct asv_fw_rsc_vdev_vring *v = &vdev->vring[i];
		uint32_t num = asv_le32(v->num), align = asv_le32(v->align), da = asv_le32(v->da);
		void *va;

		if (num > ASV_REMOTE_MAX_NUM) {
			asv_dev_log(d, ASV_LOG_ERR, "vring%u: num %" PRIu32 " > %u", i, num,
				    ASV_REMOTE_MAX_NUM);
			asv_rpmsg_break(d, -ASV_EINVAL, "vring too large");
			return -ASV_EINVAL;
		}
		va = translate_any(r, da, asv_vring_size(num, align));
		if (!va || asv_vring_init(vr[i], va, num, align, false)) {
			asv_dev_log(d, ASV_LOG_ERR,
				    "vring%u: da 0x%" PRIx32 " (num %" PRIu32 " align %" PRIu32
				    ") outside our memory",
				    i, da, num, align);
			asv_rpmsg_break(d, -ASV_EFAULT, "vring outside shared memory");
			return -ASV_EFAULT;
		}
		notifyid[i] = asv_le32(v->notifyid);
	}
	r->tx_notifyid = notifyid[0];
	r->rx_notifyid = notifyid[1];
	/* "vdev%dbuffer" with the vdev's index among all vdevs, as Linux
	 * names it (remoteproc_virtio.c rproc_add_virtio_dev). */
	asv_rsc_vdev_buffer_name(bufname, r->vdev_index);
	co = asv_rsc_find_carveout(r->table_copy, bufname);
	if (r->bufs_set) {
		/* the port told us where the host's buffers are */
	} else if (co) {
		uint32_t da = asv_le32(co->da), len = asv_le32(co->len);
		void *va = translate_any(r, da, len);

		if (!va) {
			asv_dev_log(d, ASV_LOG_ERR,
				    "%s 0x%" PRIx32 "+0x%" PRIx32 " outside our memory", bufname,
				    da, len);
			asv_rpmsg_break(d, -ASV_EFAULT, "buffer carveout outside shared memory");
			return -ASV_EFAULT;
		}
		r->bufs.va = va;
		r->bufs.da = da;
		r->bufs.size = len;
	} else {
		r->bufs = r->regions[0];
	}
	feat = asv_le32(vdev->gfeatures) & asv_le32(vdev->dfeatures);
	d->ns_enabled = !!(feat & (1u << ASV_VIRTIO_RPMSG_F_NS));
	for (i = 0; i < 2; i++)
		asv_vring_set_event_idx(vr[i], feat & (1u << ASV_VIRTIO_RING_F_EVENT_IDX), false);
	/* We want kicks for host messages, not for refilled rx buffers. */
	asv_vring_dev_disable_notify(&r->tx_vr);
	asv_vring_dev_enable_notify(&r->rx_vr);
	asv_rpmsg_set_link(d, true);
	asv_dev_log(d, ASV_LOG_INFO,
		    "link up: vring0 %u x notify %" PRIu32 ", vring1 %u x notify %" PRIu32
		    ", ns %s, event_idx %s",
		    r->tx_vr.num, r->tx_notifyid, r->rx_vr.num, r->rx_notifyid,
		    d->ns_enabled ? "on" : "off", r->tx_vr.event_idx ? "on" : "off");
	if (d->ns_enabled)
		asv_ns_announce_all(d);
	return 0;
}

/* Hand over the buffer reorder= kept back, if any. Takes the TX lock. */
static void flush_held(struct asv_remote *r, struct asv_fault_plan *f)
{
	struct asv_rpmsg_dev *d = &r->dev;
	uint32_t len;
	uint16_t id;

	asv_lock(d, ASV_LOCK_TX);
	if (asv_fault_take_held(f, &id, &len) && !asv_load_relaxed(&d->closing) &&
	    asv_load_relaxed(&d->link_up)) {
		asv_vring_dev_put_used(&r->tx_vr, id, len);
		asv_vring_dev_publish(&r->tx_vr);
		if (asv_vring_dev_need_intr(&r->tx_vr))
			asv_notify(d, r->tx_notifyid);
	}
	asv_unlock(d, ASV_LOCK_TX);
}

/* The application's on_link, if any (asv_remote_set_on_link: atomics). */
static void tell_link(struct asv_remote *r, bool up)
{
	asv_link_fn fn = asv_load_acquire(&r->on_link);

	if (fn)
		fn(r, up, asv_load_relaxed(&r->link_priv));
}

void asv_remote_set_on_link(struct asv_remote *r, asv_link_fn fn, void *priv)
{
	if (!r)
		return;
	asv_store_relaxed(&r->link_priv, priv);
	asv_store_release(&r->on_link, fn);
}

int asv_remote_isr(struct asv_remote *r)
{
	struct asv_fault_plan *fault;
	unsigned int work = 0;
	int ret;

	if (!r)
		return -ASV_EINVAL;
	ret = asv_load_acquire(&r->dev.broken);
	if (ret)
		return ret;
	asv_ev(&r->dev, NULL, 0, .kind = ASV_EV_ISR_START);
	/* The status word, once per interrupt: a reset comes with a kick. */
	if (asv_load_acquire(&r->dev.link_up) &&
	    !(asv_remote_status(r) & ASV_VIRTIO_STATUS_DRIVER_OK)) {
		asv_remote_link_reset(r);
		/* down, unless a shutdown came first (then nothing is said) */
		if (!asv_load_acquire(&r->dev.link_up))
			tell_link(r, false);
	}
	if (!asv_load_acquire(&r->dev.link_up)) {
		ret = link_up(r);
		if (ret) {
			asv_ev(&r->dev, NULL, 0, .kind = ASV_EV_ISR_END, .err = ret);
			return ret;
		}
		tell_link(r, true);
	}
	fault = asv_load_relaxed(&r->dev.fault);
	if (fault)
		asv_fault_on_isr(fault);
	ret = asv_rx_drain(&r->dev, &remote_rx, true, &work);
	/* reorder=: what no later message followed goes out now, alone */
	if (fault && asv_load_relaxed(&fault->held))
		flush_held(r, fault);
	asv_ev(&r->dev, NULL, 0, .kind = ASV_EV_ISR_END, .err = ret, .len = (uint16_t)work);
	return ret;
}

int asv_remote_set_fault(struct asv_remote *r, struct asv_fault_plan *plan)
{
	struct asv_fault_plan *old;

	if (!r)
		return -ASV_EINVAL;
	old = asv_load_relaxed(&r->dev.fault);
	if (old)
		flush_held(r, old);
	asv_store_release(&r->dev.fault, plan && asv_fault_active(plan) ? plan : NULL);
	return 0;
}

int asv_remote_poll(struct asv_remote *r, unsigned int *work)
{
	int ret;

	if (work)
		*work = 0;
	if (!r)
		return -ASV_EINVAL;
	ret = asv_load_acquire(&r->dev.broken);
	if (ret)
		return ret;
	/* link down, or the host reset the device: the handshake path */
	if (!asv_load_acquire(&r->dev.link_up) ||
	    !(asv_remote_status(r) & ASV_VIRTIO_STATUS_DRIVER_OK))
		return asv_remote_isr(r);
	return asv_rx_poll(&r->dev, &remote_rx, work);
}

bool asv_remote_poll_done(struct asv_remote *r)
{
	if (!r || !r->linked_once)
		return false;
	/* About to block or stop: nothing stays collected, or the host would
	 * count messages we consumed as lost when we go down. */
	return asv_rx_poll_done(&r->dev, &remote_rx);
}

void asv_remote_shutdown(struct asv_remote *r)
{
	if (!r)
		return;
	/*
	 * Closed (and so broken) first: an ISR running between the two steps
	 * must not see "link down, not broken" and redo the handshake over
	 * the old rings. When the close returns no sender is left in the send
	 * path, so the caller may free what the remote's env points to.
	 */
	asv_rpmsg_close(&r->dev, "remote shut down");
	asv_rpmsg_set_link(&r->dev, false);
}
