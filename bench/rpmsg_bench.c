// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * asvirt's own figures on the in-process system (threads, semaphore or
 * adaptive interrupts): round-trip latency through the echo firmware and
 * one-way remote -> host throughput with copying or zero-copy buffers.
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "asvirt/errors.h"
#include "asvirt/vsys.h"
#include "bench.h"
#include "rtt.h"

/*
 * Read every byte of @n at @d, as a consumer of the payload does: 64 bytes
 * (a cache line) per step into independent accumulators, so the loads
 * overlap the way memcpy's do and the fold is not the bottleneck.
 */
uint8_t bench_fold(const void *data, size_t n)
{
	const uint8_t *d = data;
	uint64_t acc[8] = { 0 }, w[8], x = 0;
	size_t i, k;

	for (i = 0; i + 64 <= n; i += 64) {
		memcpy(w, d + i, 64);
		for (k = 0; k < 8; k++)
			acc[k] ^= w[k];
	}
	for (; i < n; i++)
		x ^= d[i];
	for (k = 0; k < 8; k++)
		x ^= acc[k];
	return (uint8_t)(x ^ (x >> 32) ^ (x >> 16) ^ (x >> 8));
}

/*
 * The one place the in-process systems of the bench are configured: the
 * adaptive interrupt pins each side's ISR thread to its own CPU.
 */
int bench_event_idx = 1;

void bench_vsys_config(struct asv_vsys_config *cfg, const struct asv_app *app, uint32_t spin_ns)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->app = app;
	cfg->spin_ns = spin_ns;
	cfg->pin = spin_ns != 0;
	cfg->no_event_idx = !bench_event_idx;
}

/* ---- round trip through the echo firmware (rtt.c) ---- */

int bench_rtt(uint32_t spin_ns, size_t payload, const struct bench_effort *e, struct lat *out)
{
	struct asv_vsys_config cfg;
	struct asv_vsys *s = calloc(1, sizeof(*s));
	struct rtt_ctx *c = rtt_new(payload, e);
	struct asv_endpoint *ept;
	int err;

	bench_vsys_config(&cfg, &asv_app_echo, spin_ns);
	err = c ? asv_vsys_start(s, &cfg) : -ASV_ENOMEM;
	if (!err)
		err = asv_vsys_wait_link(s, 5000);
	if (!err) {
		ept = asv_host_create_ept(&s->host, NULL, ASV_RPMSG_ADDR_ANY, rtt_cb, c, &err);
		if (ept) {
			err = rtt_run(c, ept);
			asv_host_destroy_ept(ept);
		}
	}
	asv_vsys_stop(s);
	free(s);
	return rtt_finish_free(c, err, out);
}

/* ---- one-way throughput, remote -> host ---- */

#define MAX_EPT 8

/*
 * Fields are grouped by the thread that writes them, each group on cache
 * lines of its own: a counter the host bumps per message next to a flag
 * the sender reads per message would cost a cache-line transfer per
 * message, and the figure would measure the benchmark, not asvirt.
 */
#define CACHELINE 64

struct tput_ctx {
	/* written once before the run, read by everyone */
	struct asv_vsys *s;
	struct asv_endpoint *hept[MAX_EPT];
	unsigned int nept;
	size_t len;
	int zero_copy;
	pthread_t sender;
	/* the main thread's: stop flag (atomic) */
	_Alignas(CACHELINE) int stop;
	/* the sender's (the remote side) */
	_Alignas(CACHELINE) struct asv_endpoint rept[MAX_EPT];
	unsigned long tx;
	int err;
	/* the host ISR thread's: received count (atomic) and the copy target */
	_Alignas(CACHELINE) unsigned long rx;
	uint8_t sink[ASV_RPMSG_MAX_PAYLOAD];
};

static int tput_cb(struct asv_endpoint *e, void *d, size_t n, uint32_t src, void *p)
{
	struct tput_ctx *c = p;

	(void)e, (void)src;
	if (c->zero_copy) {
		/* read in place, every byte: the data is used where it lies */
		c->sink[0] ^= bench_fold(d, n);
	} else {
		memcpy(c->sink, d, n);
	}
	__atomic_store_n(&c->rx, c->rx + 1, __ATOMIC_RELAXED);
	return 0;
}

static void *tput_sender(void *arg)
{
	struct tput_ctx *c = arg;
	uint8_t buf[ASV_RPMSG_MAX_PAYLOAD];
	unsigned long seq = 0;
	unsigned int j;
	int err = 0;

	/*
	 * The sender is the remote's application: with the adaptive interrupt
	 * each side has its own core (pinned ISR threads), and the sender runs
	 * on the remote's. Semaphore mode pins nothing: on a VM a wake-up that
	 * must cross to a halted vCPU costs more than the whole round trip.
	 */
	asv_posix_pin_self(c->s->remote_role.cpu);
	memset(buf, 0x3c, sizeof(buf));
	while (!err && !__atomic_load_n(&c->stop, __ATOMIC_RELAXED)) {
		for (j = 0; j < c->nept && !err; j++, seq++) {
			uint32_t dst = 0x500 + j;

			if (c->zero_copy) {
				uint8_t *p =
				    asv_get_tx_buffer(&c->s->remote.dev, NULL, 15000, &err);

				if (!p)
					break;
				/* produced in place, every byte */
				memset(p, (int)(seq & 0xff), c->len);
				err = asv_send_nocopy(&c->rept[j], dst, p, c->len);
			} else {
				memcpy(buf, &seq, c->len < 8 ? c->len : 8);
				err = asv_sendto(&c->rept[j], dst, buf, c->len);
			}
		}
	}
	c->tx = seq;
	c->err = err;
	return NULL;
}

int bench_tput(uint32_t spin_ns, size_t payload, unsigned int nept, int zero_copy,
	       const struct bench_effort *e, struct tput *out)
{
	struct asv_vsys_config cfg;
	struct tput_ctx *c = aligned_alloc(CACHELINE, sizeof(*c));
	struct asv_stats hs0, rs0, hs1, rs1;
	double h0, r0, s0, h1, r1, s1;
	unsigned long rx0, rx1;
	uint64_t t0, t1, drain_end;
	unsigned int j;
	int err;

	if (!c)
		return -ASV_ENOMEM;
	memset(c, 0, sizeof(*c));
	if (nept > MAX_EPT)
		nept = MAX_EPT;
	c->s = calloc(1, sizeof(*c->s));
	if (!c->s) {
		free(c);
		return -ASV_ENOMEM;
	}
	c->nept = nept;
	c->len = payload;
	c->zero_copy = zero_copy;
	bench_vsys_config(&cfg, NULL, spin_ns);
	err = asv_vsys_start(c->s, &cfg);
	if (!err)
		err = asv_vsys_wait_link(c->s, 5000);
	for (j = 0; !err && j < nept; j++) {
		c->hept[j] = asv_host_create_ept(&c->s->host, NULL, 0x500 + j, tput_cb, c, &err);
		if (!err)
			err = asv_create_ept(&c->s->remote.dev, &c->rept[j], NULL, 0x600 + j,
					     tput_cb, c);
	}
	if (!err && pthread_create(&c->sender, NULL, tput_sender, c))
		err = -ASV_ENOMEM;
	if (!err) {
		struct timespec warm = { 0, (long)e->warmup_ms * 1000000L };
		uint64_t ns = (uint64_t)(e->tput_seconds * 1e9);
		struct timespec run = { (time_t)(ns / 1000000000u), (long)(ns % 1000000000u) };

		nanosleep(&warm, NULL);
		rx0 = __atomic_load_n(&c->rx, __ATOMIC_RELAXED);
		asv_get_stats(&c->s->host.dev, &hs0);
		asv_get_stats(&c->s->remote.dev, &rs0);
		h0 = bench_thread_cpu_ns(c->s->host_role.isr_thread);
		r0 = bench_thread_cpu_ns(c->s->remote_role.isr_thread);
		s0 = bench_thread_cpu_ns(c->sender);
		t0 = asv_posix_now_ns();
		nanosleep(&run, NULL);
		/* at least BENCH_TPUT_MIN_MSGS (bench.h) */
		while (__atomic_load_n(&c->rx, __ATOMIC_RELAXED) - rx0 < BENCH_TPUT_MIN_MSGS &&
		       asv_posix_now_ns() - t0 < 10000000000ull) {
			struct timespec ms = { 0, 1000000L };

			nanosleep(&ms, NULL);
		}
		/* The kicks are counted inside the messages' window (after rx0,
		 * before rx1): a preemption between two reads then leaves kicks
		 * out, never counts kicks whose messages are not counted. */
		asv_get_stats(&c->s->host.dev, &hs1);
		asv_get_stats(&c->s->remote.dev, &rs1);
		rx1 = __atomic_load_n(&c->rx, __ATOMIC_RELAXED);
		h1 = bench_thread_cpu_ns(c->s->host_role.isr_thread);
		r1 = bench_thread_cpu_ns(c->s->remote_role.isr_thread);
		s1 = bench_thread_cpu_ns(c->sender);
		t1 = asv_posix_now_ns();
		__atomic_store_n(&c->stop, 1, __ATOMIC_RELAXED);
		pthread_join(c->sender, NULL);
		err = c->err;
		/* let the host drain what is in flight before endpoints go */
		drain_end = asv_posix_now_ns() + 2000000000ull;
		while (__atomic_load_n(&c->rx, __ATOMIC_RELAXED) < c->tx &&
		       asv_posix_now_ns() < drain_end)
			sched_yield();
		memset(out, 0, sizeof(*out));
		out->msgs = rx1 - rx0;
		out->msg_s = (double)out->msgs * 1e9 / (double)(t1 - t0);
		out->bytes_s = out->msg_s * (double)payload;
		if (getenv("ASVIRT_BENCH_DEBUG")) {
			struct asv_stats hs, rs;

			asv_get_stats(&c->s->host.dev, &hs);
			asv_get_stats(&c->s->remote.dev, &rs);
			fprintf(stderr, "debug: rx %lu..%lu in %.3f s, host rx_msgs %lu\n", rx0,
				rx1, (double)(t1 - t0) / 1e9, hs.rx_msgs);
			fprintf(stderr,
				"debug: host isr %lu polled %lu notifies %lu waits %lu | remote "
				"isr %lu "
				"polled %lu notifies %lu waits %lu\n",
				hs.isr_runs, c->s->host_role.spin_hits, hs.notifies, hs.tx_waits,
				rs.isr_runs, c->s->remote_role.spin_hits, rs.notifies, rs.tx_waits);
		}
		if (out->msgs) {
			out->host_cpu_ns = (h1 - h0) / (double)out->msgs;
			out->remote_cpu_ns = (r1 - r0 + s1 - s0) / (double)out->msgs;
			out->remote_kicks =
			    (double)(rs1.notifies - rs0.notifies) / (double)out->msgs;
			out->host_kicks = (double)(hs1.notifies - hs0.notifies) / (double)out->msgs;
		}
	}
	for (j = 0; j < nept; j++) {
		if (c->hept[j])
			asv_host_destroy_ept(c->hept[j]);
		if (c->rept[j].dev)
			asv_destroy_ept(&c->rept[j]);
	}
	asv_vsys_stop(c->s);
	free(c->s);
	free(c);
	return err;
}
