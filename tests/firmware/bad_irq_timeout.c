// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * Broken on purpose (asvirt conform's host.irq_delay), a board-level
 * image: the board echo (fw_board_echo.c) with a "lost interrupt" watchdog.
 * Every millisecond it looks at vring[1]: a message the host queued that
 * no interrupt announced within LOST_IRQ_MS is taken for one whose
 * interrupt was lost, and what the next interrupt brings is dropped as
 * stale (the host is assumed to have given up on it). A doorbell carries
 * no deadline: Linux's kick is a mailbox write whose interrupt comes when
 * the mailbox delivers it (drivers/remoteproc/remoteproc_virtio.c
 * rproc_virtio_notify -> rproc->ops->kick), and what the ring holds then
 * is still due (drivers/virtio/virtio_ring.c vring_interrupt). With
 * interrupts on time it answers everything; with them 100-160 ms late it
 * drops a run.
 */
#include <stdatomic.h>

#include "asvirt/remote.h"

static atomic_int dropping; /* the interrupt handler's drain: drop, not answer */

static int timeout_send(struct asv_endpoint *e, uint32_t dst, const void *data, size_t len)
{
	if (atomic_load(&dropping))
		return 0;
	return asv_sendto(e, dst, data, len);
}

#define BOARD_ECHO_NO_ENTRY
#define BOARD_ECHO_SEND timeout_send
#include "fw_board_echo.c"

/* Under the check's shortest delay (100 ms) by enough for a loaded
 * watchdog to see it, and over what a loaded machine delays an interrupt
 * by: at 8, 20 and 30 ms the image dropped messages in other checks during
 * a make check on two cores (msg.sizes under ASan; msg.dead_ept under
 * TSan, the four ctest builds side by side), each time making the run fail
 * a check the image does not break. */
#define LOST_IRQ_MS 60u

static struct watchdog {
	pthread_t thread;
	int started;
	atomic_int stop;
	atomic_uint irqs;		      /* interrupts taken */
	atomic_int in_handler;		      /* the handler runs: it drains what is queued */
	atomic_int stale;		      /* the next interrupt's messages are dropped */
	const uint16_t *avail_idx, *used_idx; /* vring[1]'s, in the window */
} wd;

static void timeout_irq(void *priv, uint32_t vring_id)
{
	atomic_store(&wd.in_handler, 1);
	atomic_fetch_add(&wd.irqs, 1);
	if (atomic_exchange(&wd.stale, 0))
		atomic_store(&dropping, 1);
	fw_irq(priv, vring_id);
	atomic_store(&dropping, 0);
	atomic_store(&wd.in_handler, 0);
}

static void *watchdog_main(void *arg)
{
	struct timespec tick = { 0, 1000000L };
	unsigned int irqs = 0, now_irqs;
	uint64_t since = 0, now;
	uint16_t pending;

	(void)arg;
	while (!atomic_load(&wd.stop)) {
		nanosleep(&tick, NULL);
		pending = (uint16_t)(__atomic_load_n(wd.avail_idx, __ATOMIC_ACQUIRE) -
				     __atomic_load_n(wd.used_idx, __ATOMIC_ACQUIRE));
		now_irqs = atomic_load(&wd.irqs);
		now = fw.b->now_us(fw.b) / 1000u;
		if (!pending || atomic_load(&wd.in_handler) || now_irqs != irqs) {
			irqs = now_irqs;
			since = 0;
			continue;
		}
		if (!since) {
			since = now;
		} else if (now - since >= LOST_IRQ_MS) {
			/* the bug: late is not lost, and lost is not stale */
			atomic_store(&wd.stale, 1);
			since = 0;
		}
	}
	return NULL;
}

static int timeout_start(const struct asv_board *b, void **state)
{
	const struct asv_fw_std_table *t = b->rsc_table;
	uint32_t num, align;
	uint8_t *ring;
	size_t used_off;
	int err;

	if (b->rsc_size < sizeof(struct asv_fw_std_table)) /* ASan pads the section */
		return -ASV_EINVAL;
	num = t->vring[1].num;
	align = t->vring[1].align;
	if (!num || (num & (num - 1)) || !align || (align & (align - 1)))
		return -ASV_EINVAL;
	ring = asv_board_da_to_va(b, t->vring[1].da, asv_vring_size(num, align));
	if (!ring)
		return -ASV_EINVAL;
	used_off = (16u * num + 2u * (3u + num) + align - 1) & ~(size_t)(align - 1);
	wd.avail_idx = (const uint16_t *)(ring + 16u * num + 2u);
	wd.used_idx = (const uint16_t *)(ring + used_off + 2u);
	err = board_echo_start(b, state);
	if (!err && pthread_create(&wd.thread, NULL, watchdog_main, NULL))
		err = -ASV_ENOMEM;
	if (err)
		return err;
	wd.started = 1;
	return b->set_irq(b, timeout_irq, &fw);
}

static void timeout_stop(void *state)
{
	atomic_store(&wd.stop, 1);
	if (wd.started)
		pthread_join(wd.thread, NULL);
	board_echo_stop(state);
}

ASV_BOARD_FIRMWARE("bad-irq-timeout", timeout_start, timeout_stop);
