// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * Broken on purpose (asvirt conform's host.bad_desc), a board-level image:
 * the board echo (fw_board_echo.c) whose interrupt handler first looks at
 * each new message the host queued on vring[1] through the descriptor as
 * the host wrote it, its address not checked against the window, as a
 * stack that trusts the host. A descriptor naming an address outside the
 * window makes it read there and crash. A device-side ring reader refuses
 * such a descriptor (drivers/vhost/vringh.c range_check, __vringh_get_head:
 * "Guest says index %u > %u is available").
 */
#define BOARD_ECHO_NO_ENTRY
#include "fw_board_echo.c"

static uint16_t peeked; /* the next avail entry to look at (interrupt thread) */

static void trusting_irq(void *priv, uint32_t vring_id)
{
	const struct asv_fw_std_table *t = fw.b->rsc_table;
	uint32_t num = t->vring[1].num, da = t->vring[1].da;
	const struct asv_vring_desc *desc;
	const struct asv_vring_avail *avail;
	const struct asv_rpmsg_hdr *hdr;
	volatile uint16_t len;
	uint16_t idx, id;

	bool up = __atomic_load_n(&t->status, __ATOMIC_ACQUIRE) & ASV_VIRTIO_STATUS_DRIVER_OK;

	/* the host reset the device (life.attach_recovery): its new rings
	 * start from 0, as the core's copy of the index does */
	if (!up)
		peeked = 0;
	/* the vring itself is where the table says: a fair start */
	desc = asv_board_da_to_va(fw.b, da, asv_vring_size(num, 4096));
	if (up && desc && num && !(num & (num - 1))) {
		avail = (const void *)(desc + num);
		idx = __atomic_load_n(&avail->idx, __ATOMIC_ACQUIRE);
		for (; peeked != idx; peeked++) {
			id = avail->ring[peeked & (num - 1)];
			/* trusted: the id and the address */
			hdr = (const void *)((uint8_t *)fw.b->window +
					     (desc[id].addr - fw.b->window_da));
			len = hdr->len;
			(void)len;
		}
	}
	fw_irq(priv, vring_id);
}

static int trusting_start(const struct asv_board *b, void **state)
{
	int err;

	if (b->rsc_size < sizeof(struct asv_fw_std_table)) /* ASan pads the section */
		return -ASV_EINVAL;
	err = board_echo_start(b, state);
	return err ? err : b->set_irq(b, trusting_irq, &fw);
}

ASV_BOARD_FIRMWARE("bad-trust-desc", trusting_start, board_echo_stop);
