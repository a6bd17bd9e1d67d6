// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/* The shared round-trip measurement. See rtt.h. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "asvirt/app.h"
#include "asvirt/errors.h"
#include "asvirt/posix.h"
#include "rtt.h"

struct rtt_ctx *rtt_new(size_t payload, const struct bench_effort *e)
{
	struct rtt_ctx *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->len = payload;
	c->n = e->rtt_count;
	c->warmup = e->rtt_count / 10 + 1;
	c->samples = calloc(c->n, sizeof(uint64_t));
	memset(c->payload, 0xa5, sizeof(c->payload));
	pthread_mutex_init(&c->mu, NULL);
	asv_posix_cond_init(&c->cv);
	return c;
}

static void rtt_done(struct rtt_ctx *c, int err)
{
	pthread_mutex_lock(&c->mu);
	c->err = err;
	c->done = 1;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
}

int rtt_cb(struct asv_endpoint *e, void *d, size_t n, uint32_t src, void *priv)
{
	struct rtt_ctx *c = priv;
	uint64_t now = asv_posix_now_ns();
	int err;

	(void)d, (void)src;
	if (c->i >= c->n + c->warmup)
		return 0; /* finished: a late duplicate must not write past samples */
	if (n != c->len) {
		rtt_done(c, -ASV_EBADMSG);
		return 0;
	}
	/*
	 * t0 is atomic: with the remote in another process, the order between
	 * setting it and this callback runs through that process, which a
	 * race detector in this one cannot see.
	 */
	if (c->i >= c->warmup)
		c->samples[c->i - c->warmup] = now - __atomic_load_n(&c->t0, __ATOMIC_RELAXED);
	if (++c->i == c->n + c->warmup) {
		rtt_done(c, 0);
		return 0;
	}
	__atomic_store_n(&c->t0, asv_posix_now_ns(), __ATOMIC_RELAXED);
	err = asv_sendto(e, ASV_ECHO_ADDR, c->payload, c->len);
	if (err)
		rtt_done(c, err);
	return 0;
}

int rtt_run(struct rtt_ctx *c, struct asv_endpoint *ept)
{
	struct timespec ts;
	int rc = 0, err;

	__atomic_store_n(&c->t0, asv_posix_now_ns(), __ATOMIC_RELAXED);
	err = asv_sendto(ept, ASV_ECHO_ADDR, c->payload, c->len);
	if (err)
		return err;
	asv_posix_deadline(&ts, 120000);
	pthread_mutex_lock(&c->mu);
	while (!c->done && rc == 0)
		rc = pthread_cond_timedwait(&c->cv, &c->mu, &ts);
	pthread_mutex_unlock(&c->mu);
	return c->done ? c->err : -ASV_ETIMEDOUT;
}

int rtt_finish_free(struct rtt_ctx *c, int err, struct lat *out)
{
	if (!c)
		return err ? err : -ASV_ENOMEM;
	if (!err)
		lat_from_samples(c->samples, c->n, out);
	pthread_mutex_destroy(&c->mu);
	pthread_cond_destroy(&c->cv);
	free(c->samples);
	free(c);
	return err;
}

double bench_thread_cpu_ns(pthread_t t)
{
	struct timespec ts;
	clockid_t id;

	if (pthread_getcpuclockid(t, &id) || clock_gettime(id, &ts))
		return 0;
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}
