// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * Broken on purpose (asvirt conform's msg.slow_cb): an echo that answers
 * from a worker thread, and keeps what is waiting for an answer on a stack,
 * not in a queue: once nothing new came for 5 ms it answers what piled up
 * newest first. Linux's host takes messages in ring order and each
 * endpoint's callback sees them in that order (drivers/rpmsg/
 * virtio_rpmsg_bus.c rpmsg_recv_done, rpmsg_recv_single); a protocol on an
 * rpmsg channel (a tty, a request stream) counts on it. Messages sent back
 * to back, as to a host busy in its callback, come back out of order.
 */
#include <time.h>

#include "bad_common.h"

#define LIFO_MAX 1024u
#define LIFO_QUIET_MS 5u

struct lifo_msg {
	uint32_t src;
	uint16_t len;
	uint8_t data[ASV_RPMSG_BUF_SIZE - ASV_RPMSG_HDR_SIZE];
};

struct lifo {
	struct bad b; /* first: its endpoint */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	unsigned int n;
	uint64_t last_ms; /* when the newest came */
	int started;
	struct lifo_msg stack[LIFO_MAX];
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int lifo_cb(struct asv_endpoint *e, void *data, size_t len, uint32_t src, void *priv)
{
	struct lifo *st = priv;

	(void)e;
	if (len > sizeof(st->stack[0].data))
		return 0;
	pthread_mutex_lock(&st->mu);
	if (st->n < LIFO_MAX) {
		st->stack[st->n].src = src;
		st->stack[st->n].len = (uint16_t)len;
		memcpy(st->stack[st->n].data, data, len);
		st->n++;
	}
	st->last_ms = now_ms();
	pthread_cond_signal(&st->cv);
	pthread_mutex_unlock(&st->mu);
	return 0;
}

static void *worker(void *arg)
{
	struct lifo *st = arg;
	struct lifo_msg m;

	pthread_mutex_lock(&st->mu);
	while (!st->b.stop) {
		if (!st->n) {
			pthread_cond_wait(&st->cv, &st->mu);
			continue;
		}
		if (now_ms() - st->last_ms < LIFO_QUIET_MS) {
			pthread_mutex_unlock(&st->mu);
			usleep(1000);
			pthread_mutex_lock(&st->mu);
			continue;
		}
		m = st->stack[--st->n]; /* the bug: the newest first */
		pthread_mutex_unlock(&st->mu);
		asv_sendto(&st->b.ept, m.src, m.data, m.len);
		pthread_mutex_lock(&st->mu);
	}
	pthread_mutex_unlock(&st->mu);
	return NULL;
}

static int start(struct asv_remote *r, void *state)
{
	struct lifo *st = state;
	int err;

	st->b.r = r;
	pthread_mutex_init(&st->mu, NULL);
	pthread_cond_init(&st->cv, NULL);
	err = asv_create_ept(&r->dev, &st->b.ept, "rpmsg-echo", 0x400, lifo_cb, st);
	if (err)
		return err;
	if (pthread_create(&st->b.thread, NULL, worker, st)) {
		asv_destroy_ept(&st->b.ept);
		return -ASV_ENOMEM;
	}
	st->started = 1;
	return 0;
}

static void stop(struct asv_remote *r, void *state)
{
	struct lifo *st = state;

	(void)r;
	pthread_mutex_lock(&st->mu);
	st->b.stop = 1;
	pthread_cond_broadcast(&st->cv);
	pthread_mutex_unlock(&st->mu);
	if (st->started)
		pthread_join(st->b.thread, NULL);
	asv_destroy_ept(&st->b.ept);
}

static const struct asv_app app = {
	.name = "bad-lifo",
	.summary = "test: echo that answers what piled up newest first",
	.state_size = sizeof(struct lifo),
	.start = start,
	.stop = stop,
};

ASV_FIRMWARE(app);
