// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * Poll mode (the adaptive interrupt's fast path) on the manual system:
 * while a side polls, the peer raises no interrupts; received buffers go
 * back to the peer in batches, not per message; they go back at once when
 * the peer waits for them, before the poller blocks, and when it stops (so
 * nothing the remote consumed is reported lost).
 */
#include <stdlib.h>
#include <string.h>

#include "harness.h"

struct rec {
	unsigned int n;
	uint8_t last[ASV_RPMSG_MAX_PAYLOAD];
};

static int rec_cb(struct asv_endpoint *e, void *d, size_t n, uint32_t src, void *p)
{
	struct rec *r = p;

	(void)e, (void)src;
	memcpy(r->last, d, n);
	r->n++;
	return 0;
}

static unsigned int g_lost;

static void lost_cb(struct asv_endpoint *e, uint32_t dst, const void *d, size_t n, int err)
{
	(void)e, (void)dst, (void)d, (void)n, (void)err;
	g_lost++;
}

struct fixture {
	struct msys m;
	struct asv_endpoint *h; /* host endpoint 0x500 */
	struct asv_endpoint re; /* remote endpoint 0x600 */
	struct rec hr, rr;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f || msys_pair_init(&f->m, &f->h, &f->re, rec_cb, &f->hr, &f->rr))
		return -1;
	f->h->tx_lost = lost_cb;
	g_lost = 0;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	msys_fini(&f->m);
	free(f);
	return 0;
}

static unsigned int host_poll(struct fixture *f)
{
	unsigned int work = 99;

	f->m.in_host_isr = 1;
	assert_int_equal(asv_host_poll(&f->m.host, &work), 0);
	f->m.in_host_isr = 0;
	return work;
}

static unsigned int remote_poll(struct fixture *f)
{
	unsigned int work = 99;

	f->m.in_remote_isr = 1;
	assert_int_equal(asv_remote_poll(&f->m.remote, &work), 0);
	f->m.in_remote_isr = 0;
	return work;
}

static void remote_send(struct fixture *f, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		assert_int_equal(asv_sendto(&f->re, 0x500, &i, sizeof(i)), 0);
}

static uint16_t host_avail_idx(struct fixture *f)
{
	return f->m.host.rx_vr.avail->idx; /* vring0: the host's rx buffers */
}

static void test_poll_suppresses_interrupts(void **state)
{
	struct fixture *f = *state;
	int irqs;

	remote_send(f, 1);
	assert_int_equal(f->m.host_pending, 1); /* interrupts on: the first one rings */
	f->m.host_pending = 0;
	assert_int_equal(host_poll(f), 1);
	assert_int_equal(f->hr.n, 1);
	/* polling: the remote sees NO_INTERRUPT and raises none */
	irqs = f->m.host_irqs;
	remote_send(f, 10);
	assert_int_equal(f->m.host_irqs, irqs);
	assert_int_equal(host_poll(f), 10);
	assert_int_equal(host_poll(f), 0);
	assert_int_equal(f->hr.n, 11);
	/* going idle: interrupts back on, nothing pending */
	assert_false(asv_host_poll_done(&f->m.host));
	remote_send(f, 1);
	assert_int_equal(f->m.host_irqs, irqs + 1);
}

static void test_poll_reposts_in_batches(void **state)
{
	struct fixture *f = *state;
	uint16_t idx;

	remote_send(f, 1);
	assert_int_equal(host_poll(f), 1);
	idx = host_avail_idx(f);
	remote_send(f, 10);
	assert_int_equal(host_poll(f), 10);
	/* 11 collected, fewer than a batch: the avail line is not written */
	assert_int_equal(host_avail_idx(f), idx);
	remote_send(f, 21);
	assert_int_equal(host_poll(f), 21);
	assert_int_equal((uint16_t)(host_avail_idx(f) - idx), ASV_RET_BATCH);
	/* before blocking, everything collected goes back */
	assert_false(asv_host_poll_done(&f->m.host));
	assert_int_equal((uint16_t)(host_avail_idx(f) - idx), 32);
	assert_int_equal(f->hr.n, 32);
}

static void test_poll_reposts_when_remote_waits(void **state)
{
	struct fixture *f = *state;
	int kicks;
	uint16_t idx;

	/* a remote with buffers left asks by its flag (EVENT_IDX: below) */
	if (f->m.remote.tx_vr.event_idx)
		skip();
	remote_send(f, 1);
	assert_int_equal(host_poll(f), 1);
	idx = host_avail_idx(f);
	remote_send(f, 5);
	assert_int_equal(host_poll(f), 5);
	assert_int_equal(host_avail_idx(f), idx);
	/* the remote runs short and asks to be kicked when buffers come back
	 * (what a blocked sender does): the next poll reposts and kicks */
	kicks = f->m.remote_irqs;
	asv_vring_dev_enable_notify(&f->m.remote.tx_vr);
	assert_int_equal(host_poll(f), 0);
	assert_int_equal((uint16_t)(host_avail_idx(f) - idx), 6);
	assert_int_equal(f->m.remote_irqs, kicks + 1);
}

/*
 * Under EVENT_IDX the remote that took every posted buffer asks to be
 * kicked at the next one (avail_event = its next index): the poller's
 * first give-back passes it and kicks once; the later batches of the same
 * poll do not, as the remote has not asked again (Linux's
 * virtqueue_kick_prepare_split: vring_need_event(avail_event, new, old)).
 */
static void test_poll_one_kick_per_wait_event_idx(void **state)
{
	struct fixture *f = *state;
	int kicks;
	uint16_t idx;

	if (!f->m.remote.tx_vr.event_idx)
		skip();
	idx = host_avail_idx(f);
	remote_send(f, 256);
	assert_false(asv_vring_dev_enable_notify(&f->m.remote.tx_vr));
	assert_true(vring_asks_notify(&f->m.remote.tx_vr, false));
	kicks = f->m.remote_irqs;
	assert_int_equal(host_poll(f), 256);
	/* every batch went back (8 x 32), one kick for all of them */
	assert_int_equal((uint16_t)(host_avail_idx(f) - idx), 256);
	assert_int_equal(f->m.remote_irqs, kicks + 1);
	assert_int_equal(f->hr.n, 256);
}

static void test_remote_poll_returns_in_batches(void **state)
{
	struct fixture *f = *state;
	struct asv_vring *vr = &f->m.host.tx_vr; /* vring1: host -> remote */
	uint16_t used;
	unsigned int i;

	assert_int_equal(asv_sendto(f->h, 0x600, "a", 1), 0);
	assert_int_equal(remote_poll(f), 1);
	used = vr->used->idx;
	for (i = 0; i < 7; i++)
		assert_int_equal(asv_sendto(f->h, 0x600, "b", 1), 0);
	assert_int_equal(remote_poll(f), 7);
	assert_int_equal(f->rr.n, 8);
	assert_int_equal(vr->used->idx, used);
	assert_false(asv_remote_poll_done(&f->m.remote));
	assert_int_equal((uint16_t)(vr->used->idx - used), 8);
}

/* A poller on its way out (stop, or a broken link) calls poll_done: what
 * it collected goes back even after the link went down, so the host does
 * not report messages the remote consumed as lost. */
static void test_poll_done_after_shutdown_gives_back(void **state)
{
	struct fixture *f = *state;
	unsigned int i;

	assert_int_equal(asv_sendto(f->h, 0x600, "a", 1), 0);
	assert_int_equal(remote_poll(f), 1);
	for (i = 0; i < 5; i++)
		assert_int_equal(asv_sendto(f->h, 0x600, "b", 1), 0);
	assert_int_equal(remote_poll(f), 5);
	assert_int_equal(f->rr.n, 6);
	asv_remote_shutdown(&f->m.remote);
	assert_false(asv_remote_poll_done(&f->m.remote));
	asv_host_deinit(&f->m.host);
	assert_int_equal(g_lost, 0);
}

/*
 * Found when lazy returns came in: stopping an adaptive system reported
 * delivered messages as lost, because the remote's polling ISR thread
 * still held their buffers. The whole path: POSIX ISR threads polling,
 * the system stopped while they poll.
 */
static unsigned int g_vsys_rx;

static int count_cb(struct asv_endpoint *e, void *d, size_t n, uint32_t src, void *p)
{
	(void)e, (void)d, (void)n, (void)src, (void)p;
	__atomic_add_fetch(&g_vsys_rx, 1, __ATOMIC_SEQ_CST);
	return 0;
}

static void test_stop_while_polling_loses_nothing(void **state)
{
	struct asv_vsys_config cfg = { .spin_ns = 2000000000u }; /* polls for 2 s */
	struct asv_vsys *s = calloc(1, sizeof(*s));
	struct asv_endpoint *h, re;
	unsigned int i;
	int err, tries;

	(void)state;
	g_lost = 0;
	g_vsys_rx = 0;
	assert_int_equal(test_vsys_start(s, &cfg), 0);
	assert_int_equal(asv_vsys_wait_link(s, 5000), 0);
	h = asv_host_create_ept(&s->host, NULL, 0x500, count_cb, NULL, &err);
	assert_non_null(h);
	h->tx_lost = lost_cb;
	assert_int_equal(asv_create_ept(&s->remote.dev, &re, NULL, 0x600, count_cb, NULL), 0);
	for (i = 0; i < 5; i++)
		assert_int_equal(asv_sendto(h, 0x600, &i, sizeof(i)), 0);
	for (tries = 0; tries < 5000 && __atomic_load_n(&g_vsys_rx, __ATOMIC_SEQ_CST) < 5; tries++)
		usleep(1000);
	assert_int_equal(g_vsys_rx, 5);
	asv_vsys_stop(s);
	assert_int_equal(g_lost, 0);
	free(s);
}

/* The control: a message the remote never took is still reported. */
static void test_shutdown_reports_untaken_as_lost(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(asv_sendto(f->h, 0x600, "a", 1), 0);
	assert_int_equal(remote_poll(f), 1);
	assert_int_equal(asv_sendto(f->h, 0x600, "b", 1), 0);
	asv_remote_shutdown(&f->m.remote);
	assert_false(asv_remote_poll_done(&f->m.remote));
	asv_host_deinit(&f->m.host);
	assert_int_equal(g_lost, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_poll_suppresses_interrupts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_poll_reposts_in_batches, setup, teardown),
		cmocka_unit_test_setup_teardown(test_poll_reposts_when_remote_waits, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_poll_one_kick_per_wait_event_idx, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_remote_poll_returns_in_batches, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_poll_done_after_shutdown_gives_back, setup,
						teardown),
		cmocka_unit_test(test_stop_while_polling_loses_nothing),
		cmocka_unit_test_setup_teardown(test_shutdown_reports_untaken_as_lost, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
