/* SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0 */
/*
 * The round-trip measurement both transports share: the host sends to the
 * echo firmware and sends the next message from its receive callback, so
 * a round trip is two simulated interrupts, like Linux's client sample.
 */
#ifndef ASVIRT_BENCH_RTT_H
#define ASVIRT_BENCH_RTT_H

#include <pthread.h>

#include "asvirt/rpmsg.h"
#include "bench.h"

struct rtt_ctx {
	uint8_t payload[ASV_RPMSG_MAX_PAYLOAD];
	size_t len;
	unsigned long i, n, warmup;
	uint64_t t0;
	uint64_t *samples;
	int err;
	int done;
	pthread_mutex_t mu;
	pthread_cond_t cv;
};

struct rtt_ctx *rtt_new(size_t payload, const struct bench_effort *e);
/* The host endpoint's receive callback (priv = the rtt_ctx). */
int rtt_cb(struct asv_endpoint *e, void *d, size_t n, uint32_t src, void *priv);
/* Send the first message from @ept and wait for the last answer. */
int rtt_run(struct rtt_ctx *c, struct asv_endpoint *ept);
/* Percentiles into @out when @err is 0; frees @c. Returns @err. */
int rtt_finish_free(struct rtt_ctx *c, int err, struct lat *out);

/* CPU time a thread has used, in ns. */
double bench_thread_cpu_ns(pthread_t t);

#endif
