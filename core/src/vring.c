// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * Split virtqueue in both roles. Ordering follows the virtio spec and
 * Linux's virtio_ring.c: entries are written before the index is
 * released; the index is acquired before entries are read; a full
 * barrier separates publishing an index from reading the peer's
 * suppression flag (and clearing our flag from re-checking the ring), so
 * no notification is ever lost.
 */
#include "compat.h"
#include "asvirt/errors.h"
#include "asvirt/vring.h"

void *asv_region_to_va(const struct asv_mem_region *r, uint64_t da, size_t len)
{
	uint64_t off;

	if (!r || !r->va || da < r->da)
		return NULL;
	off = da - r->da;
	if (off > r->size || len > r->size - off)
		return NULL;
	return (uint8_t *)r->va + off;
}

int asv_region_to_da(const struct asv_mem_region *r, const void *va, size_t len, uint64_t *da)
{
	uintptr_t p = (uintptr_t)va, base = (uintptr_t)r->va;

	if (p < base || p - base > r->size || len > r->size - (p - base))
		return -ASV_EFAULT;
	*da = r->da + (p - base);
	return 0;
}

static bool is_pow2(unsigned long x)
{
	return x && !(x & (x - 1));
}

int asv_vring_init(struct asv_vring *vr, void *mem, unsigned int num, unsigned long align,
		   bool zero)
{
	uintptr_t used;

	if (!vr || !mem || !is_pow2(num) || num > ASV_VRING_MAX_NUM || !is_pow2(align) ||
	    ((uintptr_t)mem & 15u))
		return -ASV_EINVAL;
	if (zero)
		memset(mem, 0, asv_vring_size(num, align));
	vr->num = (uint16_t)num;
	vr->mask = (uint16_t)(num - 1);
	vr->desc = mem;
	vr->avail = (struct asv_vring_avail *)((uint8_t *)mem + 16u * num);
	/*
	 * The used ring's offset from the ring's start, aligned: the layout
	 * asv_vring_size() measures. Aligning the virtual address instead puts
	 * it elsewhere (past a checked window) when the ring's address is not
	 * a multiple of @align; the table validators refuse such addresses, and
	 * this keeps every access inside [mem, mem + asv_vring_size()) anyway.
	 */
	used = 16u * num + 2u * (3u + num);
	used = (used + align - 1) & ~(uintptr_t)(align - 1);
	vr->used = (struct asv_vring_used *)((uint8_t *)mem + used);
	vr->last_seen = 0;
	vr->shadow_idx = 0;
	vr->peer_idx = 0;
	/* no flags value matches: the first enable/disable always writes */
	vr->flags_shadow = 0xFFFFu;
	vr->event_idx = 0;
	vr->signalled_idx = 0;
	vr->peer_event = NULL;
	vr->own_event = NULL;
	vr->own_event_shadow = 0;
	return 0;
}

/* The event index after ring[num] of the avail ring (driver's) or used ring. */
static asv_le16 *used_event_of(struct asv_vring *vr)
{
	return &vr->avail->ring[vr->num];
}

static asv_le16 *avail_event_of(struct asv_vring *vr)
{
	return (asv_le16 *)&vr->used->ring[vr->num];
}

static void write_event(struct asv_vring *vr, uint16_t ev)
{
	vr->own_event_shadow = ev;
	asv_store_relaxed(vr->own_event, asv_cpu_to_le16(ev));
}

/*
 * Under EVENT_IDX, flags_shadow keeps the logical state (0 = notifications
 * wanted, else not) and the event index says where. Wanted: at the next
 * entry we have not consumed (last_seen). Not wanted: one behind it, an
 * index the peer has already passed, so it stays silent until the 16-bit
 * wrap (one spurious notification per 65536 entries at worst, never a lost
 * one).
 */
static void set_event_state(struct asv_vring *vr, bool want)
{
	uint16_t ev = want ? vr->last_seen : (uint16_t)(vr->last_seen - 1u);

	vr->flags_shadow = want ? 0 : 1;
	if (ev != vr->own_event_shadow)
		write_event(vr, ev);
}

void asv_vring_set_event_idx(struct asv_vring *vr, bool on, bool driver)
{
	bool want = vr->flags_shadow != 1; /* never set: the zeroed ring wants them */

	vr->event_idx = on;
	vr->signalled_idx = vr->shadow_idx;
	if (!on)
		return;
	vr->peer_event = driver ? avail_event_of(vr) : used_event_of(vr);
	vr->own_event = driver ? used_event_of(vr) : avail_event_of(vr);
	/* The flags must be 0 under EVENT_IDX (virtio 1.x 2.7.7.2, 2.7.10). */
	asv_store_relaxed(driver ? &vr->avail->flags : &vr->used->flags, asv_cpu_to_le16(0));
	write_event(vr, want ? vr->last_seen : (uint16_t)(vr->last_seen - 1u));
	vr->flags_shadow = want ? 0 : 1;
}

/*
 * After publishing: notify the peer for the batch since the last decision?
 * Under EVENT_IDX the peer's event index is read once and any value gives a
 * plain answer; the batch is then counted as notified either way.
 */
static bool need_event_notify(struct asv_vring *vr)
{
	uint16_t ev = asv_le16(asv_load_relaxed(vr->peer_event));
	uint16_t old = vr->signalled_idx;

	vr->signalled_idx = vr->shadow_idx;
	return asv_vring_need_event(ev, vr->shadow_idx, old);
}

/* The hint form: the peer's event lies at or ahead of our published index
 * (it waits for entries), within one ring. No barrier, no state change. */
static bool peer_event_waits(const struct asv_vring *vr)
{
	uint16_t ev = asv_le16(asv_load_relaxed(vr->peer_event));

	return (uint16_t)(ev - vr->signalled_idx) < vr->num;
}

/* ---- driver ---- */

void asv_vring_drv_put(struct asv_vring *vr, uint16_t id, uint64_t addr, uint32_t len,
		       uint16_t flags)
{
	struct asv_vring_desc *d = &vr->desc[id & vr->mask];

	d->addr = asv_cpu_to_le64(addr);
	d->len = asv_cpu_to_le32(len);
	d->flags = asv_cpu_to_le16(flags);
	d->next = 0;
	vr->avail->ring[vr->shadow_idx & vr->mask] = asv_cpu_to_le16(id);
	vr->shadow_idx++;
}

void asv_vring_drv_requeue(struct asv_vring *vr, uint16_t id)
{
	vr->avail->ring[vr->shadow_idx & vr->mask] = asv_cpu_to_le16(id);
	vr->shadow_idx++;
}

void asv_vring_drv_publish(struct asv_vring *vr)
{
	asv_store_release(&vr->avail->idx, asv_cpu_to_le16(vr->shadow_idx));
}

bool asv_vring_drv_need_kick(struct asv_vring *vr)
{
	asv_mb();
	if (vr->event_idx)
		return need_event_notify(vr);
	return asv_vring_drv_peer_wants_kick(vr);
}

/*
 * Read the peer's index again when everything up to the cached one was
 * consumed. Returns 1 when entries are pending, 0 when none, -EPROTO when
 * the index is more than num ahead (a corrupt peer). The acquire orders
 * the entries after the index, for the whole batch.
 */
static int refresh_peer_idx(struct asv_vring *vr, const asv_le16 *idx_p)
{
	uint16_t idx;

	if (vr->peer_idx != vr->last_seen)
		return 1;
	idx = asv_le16(asv_load_acquire(idx_p));
	if (idx == vr->last_seen)
		return 0;
	if ((uint16_t)(idx - vr->last_seen) > vr->num)
		return -ASV_EPROTO;
	vr->peer_idx = idx;
	return 1;
}

/* Entries pending: cached ones, or the peer's index moved (no consumption). */
static bool peer_pending(const struct asv_vring *vr, const asv_le16 *idx_p)
{
	return vr->peer_idx != vr->last_seen || asv_le16(asv_load_acquire(idx_p)) != vr->last_seen;
}

/* Write our suppression flags only when they change. */
static void set_flags(struct asv_vring *vr, asv_le16 *flags_p, uint16_t flags)
{
	if (vr->flags_shadow == flags)
		return;
	vr->flags_shadow = flags;
	asv_store_relaxed(flags_p, asv_cpu_to_le16(flags));
}

int asv_vring_drv_get_used(struct asv_vring *vr, uint16_t *id, uint32_t *len)
{
	struct asv_vring_used_elem *e;
	uint32_t eid;
	int ret = refresh_peer_idx(vr, &vr->used->idx);

	if (ret <= 0)
		return ret;
	e = &vr->used->ring[vr->last_seen & vr->mask];
	eid = asv_le32(e->id);
	if (eid >= vr->num)
		return -ASV_EPROTO;
	*id = (uint16_t)eid;
	*len = asv_le32(e->len);
	vr->last_seen++;
	return 1;
}

bool asv_vring_drv_has_used(struct asv_vring *vr)
{
	return peer_pending(vr, &vr->used->idx);
}

bool asv_vring_drv_peer_wants_kick(struct asv_vring *vr)
{
	if (vr->event_idx)
		return peer_event_waits(vr);
	return !(asv_le16(asv_load_relaxed(&vr->used->flags)) & ASV_VRING_USED_F_NO_NOTIFY);
}

bool asv_vring_drv_enable_intr(struct asv_vring *vr)
{
	if (vr->event_idx)
		set_event_state(vr, true);
	else
		set_flags(vr, &vr->avail->flags, 0);
	asv_mb();
	return asv_vring_drv_has_used(vr);
}

void asv_vring_drv_disable_intr(struct asv_vring *vr)
{
	if (vr->event_idx) {
		if (vr->flags_shadow != 1)
			set_event_state(vr, false);
		return;
	}
	set_flags(vr, &vr->avail->flags, ASV_VRING_AVAIL_F_NO_INTERRUPT);
}

/* ---- device ---- */

int asv_vring_dev_get_avail(struct asv_vring *vr, struct asv_vring_buf *buf)
{
	const struct asv_vring_desc *d;
	uint16_t id;
	int ret = refresh_peer_idx(vr, &vr->avail->idx);

	if (ret <= 0)
		return ret;
	id = asv_le16(asv_load_relaxed(&vr->avail->ring[vr->last_seen & vr->mask]));
	if (id >= vr->num)
		return -ASV_EPROTO;
	d = &vr->desc[id];
	/* Each field is read exactly once (the compiler may not reload a
	 * relaxed atomic): later checks use the copy. */
	buf->id = id;
	buf->addr = asv_le64(asv_load_relaxed(&d->addr));
	buf->len = asv_le32(asv_load_relaxed(&d->len));
	buf->flags = asv_le16(asv_load_relaxed(&d->flags));
	if (buf->flags & (ASV_VRING_DESC_F_NEXT | ASV_VRING_DESC_F_INDIRECT))
		return -ASV_EPROTO;
	vr->last_seen++;
	return 1;
}

bool asv_vring_dev_has_avail(struct asv_vring *vr)
{
	return peer_pending(vr, &vr->avail->idx);
}

void asv_vring_dev_put_used(struct asv_vring *vr, uint16_t id, uint32_t len)
{
	struct asv_vring_used_elem *e = &vr->used->ring[vr->shadow_idx & vr->mask];

	e->id = asv_cpu_to_le32(id);
	e->len = asv_cpu_to_le32(len);
	vr->shadow_idx++;
}

void asv_vring_dev_publish(struct asv_vring *vr)
{
	asv_store_release(&vr->used->idx, asv_cpu_to_le16(vr->shadow_idx));
}

bool asv_vring_dev_need_intr(struct asv_vring *vr)
{
	asv_mb();
	if (vr->event_idx)
		return need_event_notify(vr);
	return asv_vring_dev_peer_wants_intr(vr);
}

bool asv_vring_dev_peer_wants_intr(struct asv_vring *vr)
{
	if (vr->event_idx)
		return peer_event_waits(vr);
	return !(asv_le16(asv_load_relaxed(&vr->avail->flags)) & ASV_VRING_AVAIL_F_NO_INTERRUPT);
}

bool asv_vring_dev_enable_notify(struct asv_vring *vr)
{
	if (vr->event_idx)
		set_event_state(vr, true);
	else
		set_flags(vr, &vr->used->flags, 0);
	asv_mb();
	return asv_vring_dev_has_avail(vr);
}

void asv_vring_dev_disable_notify(struct asv_vring *vr)
{
	if (vr->event_idx) {
		if (vr->flags_shadow != 1)
			set_event_state(vr, false);
		return;
	}
	set_flags(vr, &vr->used->flags, ASV_VRING_USED_F_NO_NOTIFY);
}
