// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * Broken on purpose (asvirt conform's life.attach_recovery), a board-level
 * image: the board echo (fw_board_echo.c) that takes the rings up once and
 * never looks at the vdev status again, as a firmware that reads its
 * resource table once, when the host's DRIVER_OK first appears. Linux's
 * attach recovery (drivers/remoteproc/remoteproc_core.c
 * rproc_attach_recovery: __rproc_detach, __rproc_attach) resets the status
 * and brings the device up again over new rings while the firmware runs:
 * this one keeps its old ring indexes, announces nothing again and
 * answers nothing. Everything else (every boot is a fresh process) is the
 * board echo's.
 *
 * The trick: the core reads a private copy of the table (BOARD_ECHO_TABLE),
 * refreshed from the shared one on each interrupt until it holds DRIVER_OK,
 * then never again.
 */
#include <stdint.h>

#include "asvirt/board.h"

static uint32_t once_table[1024 / 4]; /* ASV_REMOTE_TABLE_MAX */
static int once_frozen;		      /* the interrupt thread's, under isr_mu */

static void *once_copy(const struct asv_board *b)
{
	uint32_t i, n = b->rsc_size < sizeof(once_table) ? b->rsc_size / 4 : 0;

	for (i = 0; i < n; i++)
		once_table[i] = __atomic_load_n((uint32_t *)b->rsc_table + i, __ATOMIC_ACQUIRE);
	return once_table;
}

#define BOARD_ECHO_TABLE(b) once_copy(b)
#define BOARD_ECHO_NO_ENTRY
#include "fw_board_echo.c"

static void once_irq(void *priv, uint32_t vring_id)
{
	const struct asv_fw_std_table *mine = (const void *)once_table;

	pthread_mutex_lock(&fw.isr_mu);
	if (!once_frozen) {
		once_copy(fw.b);
		once_frozen = !!(mine->status & ASV_VIRTIO_STATUS_DRIVER_OK);
	}
	pthread_mutex_unlock(&fw.isr_mu);
	fw_irq(priv, vring_id);
}

static int once_start(const struct asv_board *b, void **state)
{
	int err;

	if (b->rsc_size < sizeof(struct asv_fw_std_table)) /* ASan pads the section */
		return -ASV_EINVAL;
	err = board_echo_start(b, state);
	return err ? err : b->set_irq(b, once_irq, &fw);
}

ASV_BOARD_FIRMWARE("bad-link-once", once_start, board_echo_stop);
