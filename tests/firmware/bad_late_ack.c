// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * Broken on purpose (asvirt conform's host.irq_busy), a board-level image:
 * the board echo (fw_board_echo.c) with the bare-metal pattern "the
 * interrupt sets a flag, the receive task does the work". Normally the
 * task clears the flag, then drains the ring (right). Back from a sleep
 * (nothing for IDLE_MS), it waits for its clocks (WAKE_MS), drains the
 * ring, restores what the sleep turned off (RESTORE_MS), and only then
 * clears the flag, its answers going out after: a kick that came during
 * the restore is cleared with it, and its message waits for a kick that
 * never comes. A notification says that something changed, not which
 * message: Linux takes each interrupt as "look at the ring"
 * (drivers/remoteproc/remoteproc_virtio.c rproc_vq_interrupt ->
 * drivers/virtio/virtio_ring.c vring_interrupt) and, turning its own
 * callbacks back on, looks at the ring once more (virtqueue_enable_cb,
 * "to detect a possible race between the driver checking for more work,
 * and enabling callbacks"); clearing the flag after the drain skips that.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "asvirt/remote.h"

/* Well above the quiet spells of the other checks (a re-attach's remove,
 * kick, wait and add take tens of ms, more on a loaded machine: at 100 ms
 * the image lost a message after life.attach_recovery's re-add too), below
 * host.irq_busy's quiet (400 ms). */
#define IDLE_MS 300u
#define WAKE_MS 10u
#define RESTORE_MS 60u
#define DEFER_MAX 32u

struct deferred {
	uint32_t src;
	uint16_t len;
	uint8_t data[ASV_RPMSG_MAX_PAYLOAD];
};

static struct late_ack {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t thread;
	int started, stop, flag;
	atomic_int deferring; /* the wake-up path: answers after the flag is cleared */
	unsigned int ndeferred;
	struct deferred q[DEFER_MAX];
} la;

static int late_send(struct asv_endpoint *e, uint32_t dst, const void *data, size_t len)
{
	struct deferred *d;

	if (!atomic_load(&la.deferring) || la.ndeferred == DEFER_MAX || len > sizeof(d->data))
		return asv_sendto(e, dst, data, len);
	d = &la.q[la.ndeferred++]; /* the task's thread only */
	d->src = dst;
	d->len = (uint16_t)len;
	memcpy(d->data, data, len);
	return 0;
}

#define BOARD_ECHO_NO_ENTRY
#define BOARD_ECHO_SEND late_send
#include "fw_board_echo.c"

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { (time_t)(ms / 1000u), (long)(ms % 1000u) * 1000000L };

	nanosleep(&ts, NULL);
}

/* The interrupt: set the flag, wake the task. */
static void flag_irq(void *priv, uint32_t vring_id)
{
	(void)priv;
	(void)vring_id;
	pthread_mutex_lock(&la.mu);
	la.flag = 1;
	pthread_cond_signal(&la.cv);
	pthread_mutex_unlock(&la.mu);
}

static void *task_main(void *arg)
{
	uint64_t last_ms = fw.b->now_us(fw.b) / 1000u, now; /* awake at start */
	unsigned int i;
	int asleep;

	(void)arg;
	pthread_mutex_lock(&la.mu);
	for (;;) {
		while (!la.flag && !la.stop)
			pthread_cond_wait(&la.cv, &la.mu);
		if (la.stop)
			break;
		now = fw.b->now_us(fw.b) / 1000u;
		asleep = now - last_ms >= IDLE_MS;
		if (!asleep)
			la.flag = 0; /* right: cleared before the drain */
		pthread_mutex_unlock(&la.mu);
		if (asleep) {
			sleep_ms(WAKE_MS);
			atomic_store(&la.deferring, 1);
		}
		fw_irq(&fw, 0); /* the core drains both rings */
		if (asleep) {
			sleep_ms(RESTORE_MS);
			pthread_mutex_lock(&la.mu);
			la.flag = 0; /* the bug: cleared after the drain */
			pthread_mutex_unlock(&la.mu);
			atomic_store(&la.deferring, 0);
			for (i = 0; i < la.ndeferred; i++)
				asv_sendto(&fw.ept, la.q[i].src, la.q[i].data, la.q[i].len);
			la.ndeferred = 0;
		}
		last_ms = fw.b->now_us(fw.b) / 1000u;
		pthread_mutex_lock(&la.mu);
	}
	pthread_mutex_unlock(&la.mu);
	return NULL;
}

static int late_ack_start(const struct asv_board *b, void **state)
{
	int err;

	pthread_mutex_init(&la.mu, NULL);
	pthread_cond_init(&la.cv, NULL);
	err = board_echo_start(b, state);
	if (!err && pthread_create(&la.thread, NULL, task_main, NULL))
		err = -ASV_ENOMEM;
	if (err)
		return err;
	la.started = 1;
	return b->set_irq(b, flag_irq, &fw);
}

static void late_ack_stop(void *state)
{
	pthread_mutex_lock(&la.mu);
	la.stop = 1;
	pthread_cond_signal(&la.cv);
	pthread_mutex_unlock(&la.mu);
	if (la.started)
		pthread_join(la.thread, NULL);
	board_echo_stop(state);
}

ASV_BOARD_FIRMWARE("bad-late-ack", late_ack_start, late_ack_stop);
