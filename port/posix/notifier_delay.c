// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * A line whose raises reach the peer late (asvirt/notifier.h,
 * asv_notifier_delay_create): the interrupt a mailbox delivers a few
 * milliseconds after the doorbell was rung, as asvirt conform's
 * host.irq_delay wants it. A raise never waits: it marks the line pending
 * with a due time and a thread of this line raises the inner line then.
 * Raises while one is pending go with it (they came before it is
 * delivered: what they announce is in the ring by then), as a real
 * interrupt line keeps one "pending", not a count. With no delay set a
 * raise goes straight through, and no thread is started. The vring ids of
 * the kicks (asv_notifier_delay_ids) are held until the inner raise too.
 */
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "asvirt/errors.h"
#include "asvirt/notifier.h"
#include "asvirt/posix.h"

struct delay_notifier {
	struct asv_notifier n;
	struct asv_notifier *inner;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t thread;
	int thread_started;
	int stop;
	uint32_t min_ms, max_ms; /* atomic: raise reads them without the lock */
	int pending;
	uint64_t due_ns;
	uint32_t rng;  /* the next delay within [min_ms, max_ms] */
	uint32_t ids;  /* atomic: the kicks' vring ids, not yet out */
	uint32_t *out; /* atomic: where they go (asv_notifier_delay_ids) */
};

/* Before each inner raise: the ids set before it go with it (one set
 * after the exchange is followed by its own raise). */
static void ids_out(struct delay_notifier *d)
{
	uint32_t *out = __atomic_load_n(&d->out, __ATOMIC_ACQUIRE), bits;

	if (!out)
		return;
	bits = __atomic_exchange_n(&d->ids, 0u, __ATOMIC_ACQ_REL);
	if (bits)
		__atomic_fetch_or(out, bits, __ATOMIC_RELEASE);
}

static uint32_t next_delay_ms(struct delay_notifier *d)
{
	uint32_t span = d->max_ms - d->min_ms + 1u;

	d->rng = d->rng * 1103515245u + 12345u;
	return d->min_ms + (d->rng >> 8) % span;
}

static void delay_raise(struct asv_notifier *n)
{
	struct delay_notifier *d = (struct delay_notifier *)n;

	if (!__atomic_load_n(&d->max_ms, __ATOMIC_ACQUIRE)) {
		ids_out(d);
		d->inner->raise(d->inner);
		return;
	}
	pthread_mutex_lock(&d->mu);
	if (!d->max_ms) { /* turned off meanwhile */
		pthread_mutex_unlock(&d->mu);
		ids_out(d);
		d->inner->raise(d->inner);
		return;
	}
	if (!d->pending) {
		d->pending = 1;
		d->due_ns = asv_posix_now_ns() + (uint64_t)next_delay_ms(d) * 1000000ull;
		pthread_cond_signal(&d->cv);
	}
	pthread_mutex_unlock(&d->mu);
}

static int delay_wait(struct asv_notifier *n, uint32_t timeout_ms)
{
	struct delay_notifier *d = (struct delay_notifier *)n;

	return d->inner->wait(d->inner, timeout_ms);
}

static void *delay_thread(void *arg)
{
	struct delay_notifier *d = arg;
	struct timespec ts;
	uint64_t now;

	pthread_mutex_lock(&d->mu);
	while (!d->stop) {
		if (!d->pending) {
			pthread_cond_wait(&d->cv, &d->mu);
			continue;
		}
		now = asv_posix_now_ns();
		if (now < d->due_ns) {
			clock_gettime(CLOCK_MONOTONIC, &ts);
			ts.tv_sec += (time_t)((d->due_ns - now) / 1000000000ull);
			ts.tv_nsec += (long)((d->due_ns - now) % 1000000000ull);
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&d->cv, &d->mu, &ts);
			continue;
		}
		/* cleared before the raise: one that comes meanwhile is due later */
		d->pending = 0;
		pthread_mutex_unlock(&d->mu);
		ids_out(d);
		d->inner->raise(d->inner);
		pthread_mutex_lock(&d->mu);
	}
	pthread_mutex_unlock(&d->mu);
	return NULL;
}

int asv_notifier_delay_set(struct asv_notifier *n, uint32_t min_ms, uint32_t max_ms)
{
	struct delay_notifier *d = (struct delay_notifier *)n;
	int deliver = 0;

	if (max_ms < min_ms)
		return -ASV_EINVAL;
	pthread_mutex_lock(&d->mu);
	if (max_ms && !d->thread_started) {
		if (pthread_create(&d->thread, NULL, delay_thread, d)) {
			pthread_mutex_unlock(&d->mu);
			return -ASV_ENOMEM;
		}
		d->thread_started = 1;
	}
	d->min_ms = min_ms;
	__atomic_store_n(&d->max_ms, max_ms, __ATOMIC_RELEASE);
	/* off: what is pending goes now */
	if (!max_ms && d->pending) {
		d->pending = 0;
		deliver = 1;
	}
	pthread_cond_signal(&d->cv);
	pthread_mutex_unlock(&d->mu);
	if (deliver) {
		ids_out(d);
		d->inner->raise(d->inner);
	}
	return 0;
}

uint32_t *asv_notifier_delay_ids(struct asv_notifier *n, uint32_t *out)
{
	struct delay_notifier *d = (struct delay_notifier *)n;

	__atomic_store_n(&d->out, out, __ATOMIC_RELEASE);
	return &d->ids;
}

static void delay_destroy(struct asv_notifier *n)
{
	struct delay_notifier *d = (struct delay_notifier *)n;

	pthread_mutex_lock(&d->mu);
	d->stop = 1;
	pthread_cond_signal(&d->cv);
	pthread_mutex_unlock(&d->mu);
	if (d->thread_started)
		pthread_join(d->thread, NULL);
	pthread_cond_destroy(&d->cv);
	pthread_mutex_destroy(&d->mu);
	free(d);
}

struct asv_notifier *asv_notifier_delay_create(struct asv_notifier *inner)
{
	struct delay_notifier *d;

	if (!inner)
		return NULL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	if (pthread_mutex_init(&d->mu, NULL)) {
		free(d);
		return NULL;
	}
	if (asv_posix_cond_init(&d->cv)) {
		pthread_mutex_destroy(&d->mu);
		free(d);
		return NULL;
	}
	d->inner = inner;
	d->rng = 0x2545f491u;
	d->n.raise = delay_raise;
	d->n.wait = delay_wait;
	d->n.destroy = delay_destroy;
	return &d->n;
}
