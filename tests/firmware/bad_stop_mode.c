// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * Broken on purpose (asvirt conform's host.kick_drop), a board-level image:
 * the board echo (fw_board_echo.c) with a stop mode. After IDLE_MS without
 * an interrupt it stops its clocks; the interrupt that wakes it only
 * brings them back, and what comes while they settle (WAKE_MS) is
 * acknowledged, not handled: the rings are not looked at. A message whose
 * kick woke the MCU waits for the next kick, so it needs two. Linux kicks
 * once for what it queued, and only when the remote asked to be told
 * (drivers/virtio/virtio_ring.c virtqueue_kick_prepare_split, vring_need_event
 * under EVENT_IDX): after a quiet spell, one kick for one message (or for
 * two, one kick lost or coalesced) is all there will be. An interrupt
 * means "look at the ring" whenever it comes (vring_interrupt).
 *
 * The other checks pause at most ns.unbound's 500 ms; a firmware that
 * needs a second kick after each of those would fail them too.
 */
#define BOARD_ECHO_NO_ENTRY
#include "fw_board_echo.c"

#define IDLE_MS 1200u
#define WAKE_MS 5u

/* the interrupt thread only: when the last call returned (0: none yet,
 * the MCU starts awake) and when the last wake-up began */
static uint64_t last_us, woke_us;

static void stop_mode_irq(void *priv, uint32_t vring_id)
{
	const struct asv_board *b = fw.b;
	uint64_t now = b->now_us(b);

	if (last_us && now - last_us >= IDLE_MS * 1000ull) {
		woke_us = now;
		b->console(b, "bad-stop-mode: woken from stop mode");
	}
	if (!woke_us || now - woke_us >= WAKE_MS * 1000ull)
		fw_irq(priv, vring_id);
	/* else the bug: acknowledged while the clocks settle */
	last_us = b->now_us(b);
}

static int stop_mode_start(const struct asv_board *b, void **state)
{
	int err = board_echo_start(b, state);

	return err ? err : b->set_irq(b, stop_mode_irq, &fw);
}

ASV_BOARD_FIRMWARE("bad-stop-mode", stop_mode_start, board_echo_stop);
