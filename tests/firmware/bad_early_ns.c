// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * Broken on purpose (asvirt conform's boot.driver_ok), a board-level image:
 * the board echo (fw_board_echo.c, asvirt's core over the board) whose
 * bring-up does not wait for DRIVER_OK. As soon as the host's receive
 * buffers and features are in the shared table it takes the link up on
 * its own and announces "rpmsg-echo", before the host set DRIVER_OK.
 * Linux posts its buffers first and sets DRIVER_OK after
 * (drivers/rpmsg/virtio_rpmsg_bus.c rpmsg_probe: virtqueue_add_inbuf,
 * then virtio_device_ready, then virtqueue_notify); a remote must not use
 * the rings in between. Everything else is the board echo's.
 *
 * The trick: the core reads a private copy of the table (BOARD_ECHO_TABLE),
 * which this image fills from the shared one with DRIVER_OK already set.
 */
#include <stdint.h>

#include "asvirt/board.h"

static uint32_t early_table[1024 / 4]; /* ASV_REMOTE_TABLE_MAX */

static void *early_copy(const struct asv_board *b)
{
	uint32_t i, n = b->rsc_size < sizeof(early_table) ? b->rsc_size / 4 : 0;

	for (i = 0; i < n; i++)
		early_table[i] = __atomic_load_n((uint32_t *)b->rsc_table + i, __ATOMIC_ACQUIRE);
	return early_table;
}

#define BOARD_ECHO_TABLE(b) early_copy(b)
#define BOARD_ECHO_NO_ENTRY
#include "fw_board_echo.c"

static pthread_t early_thread;
static int early_stop;

static void *early_main(void *arg)
{
	const struct asv_board *b = arg;
	const struct asv_fw_std_table *shared = b->rsc_table;
	struct asv_fw_std_table *mine = (void *)early_table;
	int i;

	/* The host writes the features after posting its buffers and before
	 * DRIVER_OK: once they are there, go. */
	for (i = 0; i < 5000 && !__atomic_load_n(&early_stop, __ATOMIC_ACQUIRE); i++) {
		if (__atomic_load_n(&shared->gfeatures, __ATOMIC_ACQUIRE))
			break;
		usleep(200);
	}
	if (i == 5000 || __atomic_load_n(&early_stop, __ATOMIC_ACQUIRE))
		return NULL;
	pthread_mutex_lock(&fw.isr_mu); /* the core reads our copy in its ISR */
	early_copy(b);
	mine->status =
	    ASV_VIRTIO_STATUS_ACKNOWLEDGE | ASV_VIRTIO_STATUS_DRIVER | ASV_VIRTIO_STATUS_DRIVER_OK;
	asv_remote_isr(&fw.r); /* link up from our copy: the announcement goes out */
	pthread_mutex_unlock(&fw.isr_mu);
	return NULL;
}

/*
 * Once the host's own DRIVER_OK is there, the copy follows the shared
 * table on every interrupt (its vdev status too: a reset by the host is
 * followed, life.attach_recovery is not this image's rule); before, the
 * early link's forced status stays.
 */
static void early_irq(void *priv, uint32_t vring_id)
{
	const struct asv_fw_std_table *shared = fw.b->rsc_table;
	static int host_ok; /* under isr_mu */

	pthread_mutex_lock(&fw.isr_mu);
	if (__atomic_load_n(&shared->status, __ATOMIC_ACQUIRE) & ASV_VIRTIO_STATUS_DRIVER_OK)
		host_ok = 1;
	if (host_ok)
		early_copy(fw.b);
	pthread_mutex_unlock(&fw.isr_mu);
	fw_irq(priv, vring_id);
}

static int early_start(const struct asv_board *b, void **state)
{
	int err;

	if (b->rsc_size < sizeof(struct asv_fw_std_table)) /* ASan pads the section */
		return -ASV_EINVAL;
	err = board_echo_start(b, state);
	if (!err)
		err = b->set_irq(b, early_irq, &fw);
	if (err)
		return err;
	return pthread_create(&early_thread, NULL, early_main, (void *)b) ? -ASV_ENOMEM : 0;
}

static void early_stop_fn(void *state)
{
	__atomic_store_n(&early_stop, 1, __ATOMIC_RELEASE);
	pthread_join(early_thread, NULL);
	board_echo_stop(state);
}

ASV_BOARD_FIRMWARE("bad-early-ns", early_start, early_stop_fn);
