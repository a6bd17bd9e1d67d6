// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * Broken on purpose (asvirt conform's life.event_idx), a board-level image:
 * the board echo (fw_board_echo.c) that offers VIRTIO_RING_F_EVENT_IDX and
 * uses it whether or not the host acknowledged it. A host that negotiates
 * it off (Linux's virtio core keeps only the features both sides have:
 * drivers/virtio/virtio.c virtio_dev_probe) never writes the event indexes
 * this firmware waits on, so its answers stop reaching the host.
 *
 * The trick: the core reads a private copy of the table (BOARD_ECHO_TABLE),
 * which this image refreshes from the shared one on each interrupt, with
 * the EVENT_IDX bit set in the acknowledged features (the core takes them
 * at each link-up only).
 */
#include <stdint.h>

#include "asvirt/board.h"

static uint32_t forced_table[1024 / 4]; /* ASV_REMOTE_TABLE_MAX */

static void *forced_copy(const struct asv_board *b)
{
	uint32_t i, n = b->rsc_size < sizeof(forced_table) ? b->rsc_size / 4 : 0;

	for (i = 0; i < n; i++)
		forced_table[i] = __atomic_load_n((uint32_t *)b->rsc_table + i, __ATOMIC_ACQUIRE);
	return forced_table;
}

#define BOARD_ECHO_TABLE(b) forced_copy(b)
#define BOARD_ECHO_NO_ENTRY
#include "fw_board_echo.c"

/* The interrupt thread is the only one that runs the core's ISR. The
 * copy follows the shared table on every interrupt (the vdev status too:
 * the host's reset is followed, life.attach_recovery is not this image's
 * rule), the EVENT_IDX bit forced in. */
static void forced_irq(void *priv, uint32_t vring_id)
{
	struct asv_fw_std_table *mine = (void *)forced_table;

	pthread_mutex_lock(&fw.isr_mu);
	forced_copy(fw.b);
	mine->gfeatures |= asv_cpu_to_le32(1u << ASV_VIRTIO_RING_F_EVENT_IDX);
	pthread_mutex_unlock(&fw.isr_mu);
	fw_irq(priv, vring_id);
}

static int forced_start(const struct asv_board *b, void **state)
{
	int err;

	if (b->rsc_size < sizeof(struct asv_fw_std_table)) /* ASan pads the section */
		return -ASV_EINVAL;
	err = board_echo_start(b, state);
	return err ? err : b->set_irq(b, forced_irq, &fw);
}

ASV_BOARD_FIRMWARE("bad-forced-event-idx", forced_start, board_echo_stop);
