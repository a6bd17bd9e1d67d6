// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * Broken on purpose (asvirt conform's msg.unknown_dst), a board-level
 * image: the board echo (fw_board_echo.c) whose interrupt handler first
 * looks at each new message the host queued on vring[1] (checked: the id
 * in the ring, the buffer in the window) and, at a destination it has no
 * endpoint for, stops taking messages for good: the ring is wedged, every
 * later message waits forever. A receiver drops such a message with a log
 * line and goes on (drivers/rpmsg/virtio_rpmsg_bus.c rpmsg_recv_single:
 * "msg received with no recipient", the buffer given back).
 */
#define BOARD_ECHO_NO_ENTRY
#include "fw_board_echo.c"

#define WEDGE_ECHO_ADDR 0x400u /* the board echo's only endpoint */
#define WEDGE_NS_ADDR 53u

static uint16_t peeked; /* the next avail entry to look at (interrupt thread) */
static int wedged;	/* interrupt thread only */

/* Does the message in avail entry @i go to an address we have? */
static int known_dst(const struct asv_vring_desc *desc, const struct asv_vring_avail *avail,
		     uint32_t num, uint16_t i)
{
	uint16_t id = asv_le16(__atomic_load_n(&avail->ring[i & (num - 1)], __ATOMIC_RELAXED));
	const struct asv_rpmsg_hdr *hdr;
	uint32_t dst;

	if (id >= num)
		return 1; /* the core refuses it */
	hdr = asv_board_da_to_va(fw.b, asv_le64(__atomic_load_n(&desc[id].addr, __ATOMIC_RELAXED)),
				 sizeof(*hdr));
	if (!hdr)
		return 1; /* likewise */
	dst = asv_le32(__atomic_load_n(&hdr->dst, __ATOMIC_RELAXED));
	return dst == WEDGE_ECHO_ADDR || dst == WEDGE_NS_ADDR;
}

static void wedge_irq(void *priv, uint32_t vring_id)
{
	const struct asv_fw_std_table *t = fw.b->rsc_table;
	uint32_t num = t->vring[1].num, da = t->vring[1].da;
	const struct asv_vring_desc *desc;
	const struct asv_vring_avail *avail;
	uint16_t idx;
	bool up = __atomic_load_n(&t->status, __ATOMIC_ACQUIRE) & ASV_VIRTIO_STATUS_DRIVER_OK;

	if (!up) /* the host reset the device: its new rings start from 0 */
		peeked = 0;
	desc = asv_board_da_to_va(fw.b, da, asv_vring_size(num, 4096));
	if (up && !wedged && desc && num && !(num & (num - 1))) {
		avail = (const void *)(desc + num);
		idx = __atomic_load_n(&avail->idx, __ATOMIC_ACQUIRE);
		for (; peeked != idx && !wedged; peeked++)
			wedged = !known_dst(desc, avail, num, peeked); /* the bug */
	}
	if (!wedged)
		fw_irq(priv, vring_id);
}

static int wedge_start(const struct asv_board *b, void **state)
{
	int err;

	if (b->rsc_size < sizeof(struct asv_fw_std_table)) /* ASan pads the section */
		return -ASV_EINVAL;
	err = board_echo_start(b, state);
	return err ? err : b->set_irq(b, wedge_irq, &fw);
}

ASV_BOARD_FIRMWARE("bad-unknown-wedge", wedge_start, board_echo_stop);
