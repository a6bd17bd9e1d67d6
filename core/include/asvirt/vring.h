/* SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0 */
/*
 * Split virtqueue, both roles, over shared memory that is never trusted.
 *
 * Driver role (the host): posts descriptors into the avail ring and
 * collects them back from the used ring. Device role (the remote): takes
 * descriptors from the avail ring and returns them through the used ring.
 * Each side keeps its own indices in private memory; every index, id,
 * address and length read from the ring is checked before it is used.
 * Production is split into put (fill an entry) and publish (release the
 * index) so a caller can batch several entries under one index update.
 */
#ifndef ASVIRT_VRING_H
#define ASVIRT_VRING_H

#include "asvirt/wire.h"

#ifndef __KERNEL__
#include <stdbool.h>
#endif

#define ASV_VRING_MAX_NUM 32768u

/* A window of shared memory and the device address it has for the peer. */
struct asv_mem_region {
	void *va;
	uint64_t da;
	size_t size;
};

/*
 * Checked translation: the host pointer of [da, da+len) when it lies wholly
 * inside @r, else NULL. Overflow-safe for any da and len.
 */
void *asv_region_to_va(const struct asv_mem_region *r, uint64_t da, size_t len);
/* The device address of [va, va+len) when it lies inside @r; 0 or -EFAULT. */
int asv_region_to_da(const struct asv_mem_region *r, const void *va, size_t len, uint64_t *da);

struct asv_vring {
	uint16_t num; /* power of two */
	uint16_t mask;
	struct asv_vring_desc *desc;
	struct asv_vring_avail *avail;
	struct asv_vring_used *used;
	/* private: driver = last used idx consumed, device = last avail idx */
	uint16_t last_seen;
	/* private: next index this side will publish (avail or used) */
	uint16_t shadow_idx;
	/*
	 * private: the peer's index as last read and checked. Entries up to
	 * it are consumed without reading the index again, so its cache line,
	 * which the peer writes per message, moves only once per batch (as
	 * Linux's vhost does with the avail index).
	 */
	uint16_t peer_idx;
	/* private: the suppression flags we last wrote (avail or used), so
	 * an unchanged value is not written again: the peer reads that line
	 * on every message it sends. */
	uint16_t flags_shadow;
	/*
	 * VIRTIO_RING_F_EVENT_IDX negotiated: the peer is notified only when
	 * our published index passes the event index it wrote (used_event
	 * after the avail ring, avail_event after the used ring), and we
	 * write ours instead of the suppression flags.
	 */
	uint8_t event_idx;
	/* private: our published index when we last decided on a
	 * notification: the batch since then is [signalled_idx, shadow_idx). */
	uint16_t signalled_idx;
	/* where the peer's event index (ours to read) and ours (to write) live */
	asv_le16 *peer_event;
	asv_le16 *own_event;
	uint16_t own_event_shadow; /* the value we last wrote there */
};

/*
 * The virtio rule (virtio 1.x 2.7.10, Linux's vring_need_event()): having
 * moved an index from @old to @new_idx, notify when the peer's @event lies
 * in [old, new_idx), all in 16-bit arithmetic so the wrap needs no care.
 * Any @event, however absurd, gives a plain yes or no.
 */
static inline bool asv_vring_need_event(uint16_t event, uint16_t new_idx, uint16_t old)
{
	return (uint16_t)(new_idx - event - 1u) < (uint16_t)(new_idx - old);
}

/*
 * Bind @vr to the ring memory at @mem (num entries, align bytes). The
 * driver passes @zero = true to clear the ring; the device never writes
 * a ring it did not produce. Returns 0 or -ASV_EINVAL (num not a power of
 * two, num > ASV_VRING_MAX_NUM, align not a power of two).
 */
int asv_vring_init(struct asv_vring *vr, void *mem, unsigned int num, unsigned long align,
		   bool zero);

/*
 * Switch VIRTIO_RING_F_EVENT_IDX on or off, once the features are
 * negotiated and before the ring carries messages. The batch already
 * published counts as notified: the first kick of a link is unconditional.
 */
void asv_vring_set_event_idx(struct asv_vring *vr, bool on, bool driver);

/* ---- driver role ---- */

/* Fill descriptor @id and queue it in the avail ring (not yet visible). */
void asv_vring_drv_put(struct asv_vring *vr, uint16_t id, uint64_t addr, uint32_t len,
		       uint16_t flags);
/*
 * Queue descriptor @id again exactly as it was last filled (not yet
 * visible). For buffers that always have the same address, length and
 * flags: the descriptor line is not written, so it stays clean in the
 * device's cache.
 */
void asv_vring_drv_requeue(struct asv_vring *vr, uint16_t id);
/* Make every queued avail entry visible to the device (release). */
void asv_vring_drv_publish(struct asv_vring *vr);
/* After publishing: does the device want a kick? (honours NO_NOTIFY, or
 * avail_event under EVENT_IDX) */
bool asv_vring_drv_need_kick(struct asv_vring *vr);
/*
 * Take the next used entry. Returns 1 with *id and *len set, 0 when the
 * used ring is empty, -ASV_EPROTO when the device published an index more
 * than num ahead or an id >= num. The caller checks that *id is one it
 * handed over and that *len fits the buffer.
 */
int asv_vring_drv_get_used(struct asv_vring *vr, uint16_t *id, uint32_t *len);
/* Is at least one used entry pending (no consumption)? */
bool asv_vring_drv_has_used(struct asv_vring *vr);
/* Does the device want a kick when buffers are posted (no barrier: a
 * hint for deferring work, not a replacement for need_kick)? */
bool asv_vring_drv_peer_wants_kick(struct asv_vring *vr);
/* Ask for (enable) or refuse (disable) used-buffer interrupts. enable
 * returns true when used entries are already pending, so the caller
 * processes them instead of sleeping. Under EVENT_IDX, enable asks for an
 * interrupt at the next used entry and disable writes nothing: the device
 * has passed the event index we wrote, so it stays silent (Linux's
 * virtqueue_enable_cb_prepare / virtqueue_disable_cb). */
bool asv_vring_drv_enable_intr(struct asv_vring *vr);
void asv_vring_drv_disable_intr(struct asv_vring *vr);

/* ---- device role ---- */

struct asv_vring_buf {
	uint16_t id;
	uint16_t flags;
	uint32_t len;
	uint64_t addr;
};

/*
 * Take the next available descriptor, read once into @buf. Returns 1, 0
 * when empty, -ASV_EPROTO for a corrupt avail index, an id >= num, or a
 * chained/indirect descriptor (rpmsg never chains).
 */
int asv_vring_dev_get_avail(struct asv_vring *vr, struct asv_vring_buf *buf);
/* Is at least one avail entry pending (no consumption)? */
bool asv_vring_dev_has_avail(struct asv_vring *vr);
/* Queue a used entry (not yet visible). */
void asv_vring_dev_put_used(struct asv_vring *vr, uint16_t id, uint32_t len);
/* Make queued used entries visible to the driver (release). */
void asv_vring_dev_publish(struct asv_vring *vr);
/* After publishing: does the driver want an interrupt? (NO_INTERRUPT, or
 * used_event under EVENT_IDX) */
bool asv_vring_dev_need_intr(struct asv_vring *vr);
/* Does the driver want an interrupt when buffers are used (no barrier:
 * a hint for deferring work, not a replacement for need_intr)? */
bool asv_vring_dev_peer_wants_intr(struct asv_vring *vr);
/* Ask for (enable) or refuse (disable) kicks. enable returns true when
 * avail entries are already pending. */
bool asv_vring_dev_enable_notify(struct asv_vring *vr);
void asv_vring_dev_disable_notify(struct asv_vring *vr);

#endif /* ASVIRT_VRING_H */
