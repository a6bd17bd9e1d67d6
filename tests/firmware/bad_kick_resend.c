// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * Broken on purpose (asvirt conform's host.kick_dup), a board-level image:
 * the board echo (fw_board_echo.c) with a retry protocol of its own: an
 * interrupt for vring[1] with nothing new in the ring, more than
 * RESEND_QUIET_MS after its last answer, is taken for the host asking
 * again, and the last answer is sent once more. A kick carries no meaning
 * beyond "look at the ring" (drivers/remoteproc/remoteproc_virtio.c
 * rproc_virtio_notify: the mailbox write, no count, no request), and one
 * that finds nothing is no work (drivers/virtio/virtio_ring.c
 * vring_interrupt, "virtqueue interrupt with no work"): a mailbox that
 * delivers a doorbell twice, the second late, makes this image answer a
 * message twice.
 */
#include <stdatomic.h>
#include <string.h>

#include "asvirt/remote.h"

#define RESEND_QUIET_MS 50u

static struct last_answer {
	int have;
	uint32_t dst;
	uint16_t len;
	uint64_t at_ms;
	uint8_t data[ASV_RPMSG_MAX_PAYLOAD];
} last; /* the interrupt thread's: the echo answers in its handler */

static uint64_t resend_now_ms(void);

static int resend_send(struct asv_endpoint *e, uint32_t dst, const void *data, size_t len)
{
	if (len <= sizeof(last.data)) {
		last.have = 1;
		last.dst = dst;
		last.len = (uint16_t)len;
		memcpy(last.data, data, len);
		last.at_ms = resend_now_ms();
	}
	return asv_sendto(e, dst, data, len);
}

#define BOARD_ECHO_NO_ENTRY
#define BOARD_ECHO_SEND resend_send
#include "fw_board_echo.c"

static const uint16_t *avail_idx; /* vring[1]'s, in the window */
static uint32_t tx_id;		  /* vring[1]'s notify id */
static uint16_t seen_avail;	  /* its avail index after the last handler ran */

static uint64_t resend_now_ms(void)
{
	return fw.b->now_us(fw.b) / 1000u;
}

static void resend_irq(void *priv, uint32_t vring_id)
{
	uint16_t a = __atomic_load_n(avail_idx, __ATOMIC_ACQUIRE);
	int empty = vring_id == tx_id && a == seen_avail;

	fw_irq(priv, vring_id);
	/*
	 * What the handler drained, read after it: read before, a message
	 * added while the handler ran (its kicks coalesced into this one)
	 * made the next kick with nothing new look like news, and the bug
	 * went unseen (under TSan on a loaded machine). One added after the
	 * drain, counted here unread, is answered by the handler of its kick,
	 * which the resend below then follows by less than RESEND_QUIET_MS.
	 */
	seen_avail = __atomic_load_n(avail_idx, __ATOMIC_ACQUIRE);
	/* the bug: nothing new is no request */
	if (empty && last.have && resend_now_ms() - last.at_ms >= RESEND_QUIET_MS) {
		asv_sendto(&fw.ept, last.dst, last.data, last.len);
		last.at_ms = resend_now_ms();
	}
}

static int resend_start(const struct asv_board *b, void **state)
{
	const struct asv_fw_std_table *t = b->rsc_table;
	uint32_t num, align;
	uint8_t *ring;
	int err;

	if (b->rsc_size < sizeof(struct asv_fw_std_table)) /* ASan pads the section */
		return -ASV_EINVAL;
	num = t->vring[1].num;
	align = t->vring[1].align;
	tx_id = t->vring[1].notifyid;
	if (!num || (num & (num - 1)) || !align || (align & (align - 1)))
		return -ASV_EINVAL;
	ring = asv_board_da_to_va(b, t->vring[1].da, asv_vring_size(num, align));
	if (!ring)
		return -ASV_EINVAL;
	avail_idx = (const uint16_t *)(ring + 16u * num + 2u);
	err = board_echo_start(b, state);
	return err ? err : b->set_irq(b, resend_irq, &fw);
}

ASV_BOARD_FIRMWARE("bad-kick-resend", resend_start, board_echo_stop);
