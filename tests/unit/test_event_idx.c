// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * VIRTIO_RING_F_EVENT_IDX: the 16-bit arithmetic, the negotiation, the
 * notifications it saves, and peers that write absurd event indices.
 *
 * The rule is the virtio 1.x spec's (2.7.10 "Used Buffer Notification
 * Suppression", 2.7.7.2) and Linux 6.1's: include/uapi/linux/virtio_ring.h
 * vring_need_event() "return (__u16)(new_idx - event_idx - 1) <
 * (__u16)(new_idx - old);", used by drivers/virtio/virtio_ring.c
 * virtqueue_kick_prepare_split() with vring_avail_event() and, on the
 * device side, by vhost's vhost_notify() with vring_used_event().
 */
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define EVENT_IDX (1u << ASV_VIRTIO_RING_F_EVENT_IDX)

struct rec {
	unsigned int n;
};

static int rec_cb(struct asv_endpoint *e, void *d, size_t n, uint32_t src, void *p)
{
	struct rec *r = p;

	(void)e, (void)d, (void)n, (void)src;
	r->n++;
	return 0;
}

/* Notify for the batch old..new exactly when event lies in [old, new). */
static void test_need_event_arithmetic(void **state)
{
	static const struct {
		uint16_t event, new_idx, old;
		bool want;
	} c[] = {
		{ 5, 6, 5, true },	       /* the next entry was awaited */
		{ 5, 10, 5, true },	       /* a batch passing it */
		{ 9, 10, 5, true },	       /* the batch's last entry */
		{ 10, 10, 5, false },	       /* not reached yet */
		{ 4, 10, 5, false },	       /* passed before: already notified */
		{ 5, 5, 5, false },	       /* nothing published */
		{ 0xFFFF, 0, 0xFFFF, true },   /* the wrap: 0xFFFF -> 0 */
		{ 0xFFFE, 2, 0xFFFD, true },   /* a batch across the wrap */
		{ 1, 2, 0xFFFD, true },	       /* ... event after the wrap */
		{ 2, 2, 0xFFFD, false },       /* ... not reached */
		{ 0xFFFC, 2, 0xFFFD, false },  /* ... passed before it */
		{ 0x8000, 0x10, 0x08, false }, /* absurd: half a ring away */
		{ 0x0C, 0x10, 0x08, true },
	};
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		if (asv_vring_need_event(c[i].event, c[i].new_idx, c[i].old) != c[i].want)
			fail_msg("case %u: event %#x new %#x old %#x", i, c[i].event, c[i].new_idx,
				 c[i].old);
	}
	/* Any event gives a plain answer, and exactly one per batch of one:
	 * over all 65536 events, a batch of n entries matches n of them. */
	for (i = 1; i <= 64; i *= 4) {
		unsigned int ev, hits = 0;

		for (ev = 0; ev < 0x10000u; ev++)
			hits +=
			    asv_vring_need_event((uint16_t)ev, (uint16_t)(0xFFF0u + i), 0xFFF0u);
		assert_int_equal(hits, i);
	}
}

static void expect_mode(struct msys *m, bool on)
{
	assert_int_equal(m->host.tx_vr.event_idx, on);
	assert_int_equal(m->host.rx_vr.event_idx, on);
	assert_int_equal(m->remote.tx_vr.event_idx, on);
	assert_int_equal(m->remote.rx_vr.event_idx, on);
	assert_int_equal(!!(asv_le32(m->rproc.vdev->gfeatures) & EVENT_IDX), on);
	/* virtio 1.x 2.7.7.2: under EVENT_IDX each side keeps its flags 0 */
	if (on) {
		assert_int_equal(m->host.tx_vr.avail->flags, 0);
		assert_int_equal(m->host.rx_vr.avail->flags, 0);
		assert_int_equal(m->remote.tx_vr.used->flags, 0);
		assert_int_equal(m->remote.rx_vr.used->flags, 0);
	}
}

/*
 * The remote offers EVENT_IDX with a bit of the table's dfeatures; the host
 * acknowledges it in gfeatures when it implements it and its configuration
 * allows; both sides then use the event indices, otherwise the flags
 * (remoteproc_virtio.c rproc_virtio_get_features() hands dfeatures to
 * virtio; rproc_virtio_finalize_features() writes the result to gfeatures).
 */
static void test_negotiation(void **state)
{
	struct asv_rsc_config cfg;
	struct msys_opts on = { .event_idx = 1 }, off = { .event_idx = -1 };
	struct msys_opts host_refuses = { .event_idx = 1,
					  .host_features = 1 << ASV_VIRTIO_RPMSG_F_NS };
	struct msys m;

	(void)state;
	asv_rsc_default_config(&cfg);
	assert_true(cfg.features & EVENT_IDX); /* offered by default */
	assert_int_equal(msys_init(&m, &on), 0);
	msys_pump(&m);
	expect_mode(&m, true);
	assert_true(logcap_has(&m.rlog, "event_idx on"));
	msys_fini(&m);

	assert_int_equal(msys_init(&m, &off), 0);
	msys_pump(&m);
	expect_mode(&m, false);
	assert_true(logcap_has(&m.rlog, "event_idx off"));
	msys_fini(&m);

	assert_int_equal(msys_init(&m, &host_refuses), 0);
	msys_pump(&m);
	expect_mode(&m, false);
	msys_fini(&m);
}

/* A pair up with endpoints 0x500 (host) and 0x600 (remote). */
static void pair(struct msys *m, int event_idx, struct asv_endpoint **h, struct asv_endpoint *re,
		 struct rec *hr, struct rec *rr)
{
	struct msys_opts o = { .event_idx = event_idx };
	int err;

	assert_int_equal(msys_init(m, &o), 0);
	msys_pump(m);
	*h = asv_host_create_ept(&m->host, NULL, 0x500, rec_cb, hr, &err);
	assert_non_null(*h);
	assert_int_equal(asv_create_ept(&m->remote.dev, re, NULL, 0x600, rec_cb, rr), 0);
	msys_pump(m);
}

/*
 * Ten messages while the receiver's ISR has not run yet: with the flags
 * each publish sees interrupts on and raises one (the receiver turns them
 * off only when its ISR runs); with EVENT_IDX only the first passes the
 * receiver's event index. Both directions.
 */
static void burst(bool event_idx)
{
	struct asv_endpoint *h, re;
	struct rec hr = { 0 }, rr = { 0 };
	struct msys m;
	unsigned int i;
	int irqs;

	pair(&m, event_idx ? 1 : -1, &h, &re, &hr, &rr);
	irqs = m.host_irqs;
	for (i = 0; i < 10; i++)
		assert_int_equal(asv_sendto(&re, 0x500, &i, sizeof(i)), 0);
	assert_int_equal(m.host_irqs - irqs, event_idx ? 1 : 10);
	irqs = m.remote_irqs;
	for (i = 0; i < 10; i++)
		assert_int_equal(asv_sendto(h, 0x600, &i, sizeof(i)), 0);
	assert_int_equal(m.remote_irqs - irqs, event_idx ? 1 : 10);
	msys_pump(&m);
	assert_int_equal(hr.n, 10);
	assert_int_equal(rr.n, 10);
	/* the receivers ran and asked again: the next message rings once */
	irqs = m.host_irqs;
	assert_int_equal(asv_sendto(&re, 0x500, &i, sizeof(i)), 0);
	assert_int_equal(m.host_irqs - irqs, 1);
	msys_pump(&m);
	assert_int_equal(hr.n, 11);
	asv_host_destroy_ept(h);
	assert_int_equal(asv_destroy_ept(&re), 0);
	msys_fini(&m);
}

static void test_burst_rings_once(void **state)
{
	(void)state;
	burst(true);
	burst(false);
}

/* Many messages across the 16-bit wrap of every index: nothing lost, and
 * the receiver that drains after each message is told of each one. */
static void test_across_the_wrap(void **state)
{
	struct asv_endpoint *h, re;
	struct rec hr = { 0 }, rr = { 0 };
	struct msys m;
	unsigned int i;
	uint16_t seen;
	int irqs;

	(void)state;
	pair(&m, 1, &h, &re, &hr, &rr);
	irqs = m.host_irqs;
	seen = m.host.rx_vr.last_seen;
	for (i = 0; i < 70000; i++) {
		assert_int_equal(asv_sendto(&re, 0x500, &i, sizeof(i)), 0);
		msys_pump(&m);
	}
	assert_int_equal(hr.n, 70000);
	assert_int_equal(m.host_irqs - irqs, 70000);
	assert_int_equal(m.host.rx_vr.last_seen, (uint16_t)(seen + 70000u));
	asv_host_destroy_ept(h);
	assert_int_equal(asv_destroy_ept(&re), 0);
	msys_fini(&m);
}

/*
 * A peer that writes absurd event indices (here into the fields each side
 * reads: the remote's avail_event and the host's used_event) can only
 * silence notifications to itself: our side reads the index once, answers
 * yes or no, never loops on it, and every message is delivered once the
 * receiver runs; a notification is raised at most once per publish.
 */
static void test_absurd_event_indices(void **state)
{
	struct asv_endpoint *h, re;
	struct rec hr = { 0 }, rr = { 0 };
	struct msys m;
	unsigned int i, sent = 0;
	uint32_t seed = 12345;
	int hirqs, rirqs;

	(void)state;
	pair(&m, 1, &h, &re, &hr, &rr);
	hirqs = m.host_irqs;
	rirqs = m.remote_irqs;
	for (i = 0; i < 2000; i++) {
		seed = seed * 1103515245u + 12345u;
		/* the "peer" scribbles over the index the other side reads */
		m.host.rx_vr.avail->ring[m.host.rx_vr.num] = asv_cpu_to_le16((uint16_t)(seed >> 8));
		*(asv_le16 *)&m.remote.rx_vr.used->ring[m.remote.rx_vr.num] =
		    asv_cpu_to_le16((uint16_t)(seed >> 16));
		assert_int_equal(asv_sendto(&re, 0x500, &i, sizeof(i)), 0);
		assert_int_equal(asv_sendto(h, 0x600, &i, sizeof(i)), 0);
		sent++;
		/* run both ISRs whether or not they were told */
		m.host_pending = m.remote_pending = 1;
		msys_pump(&m);
	}
	assert_int_equal(hr.n, sent);
	assert_int_equal(rr.n, sent);
	/* at most one notification per publish (and the pump's re-runs) */
	assert_true(m.host_irqs - hirqs <= (int)(2 * sent));
	assert_true(m.remote_irqs - rirqs <= (int)(2 * sent));
	assert_int_equal(m.host.dev.broken, 0);
	assert_int_equal(m.remote.dev.broken, 0);
	asv_host_destroy_ept(h);
	assert_int_equal(asv_destroy_ept(&re), 0);
	msys_fini(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_need_event_arithmetic),
		cmocka_unit_test(test_negotiation),
		cmocka_unit_test(test_burst_rings_once),
		cmocka_unit_test(test_across_the_wrap),
		cmocka_unit_test(test_absurd_event_indices),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
