// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * Protocol events (asvirt/event.h): the ring (order, drops, what a hostile
 * or dead writer leaves), and what each role records for the steps of a
 * link coming up, a name-service announce, a message each way and a
 * message to nowhere, on the deterministic manual system.
 */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "asvirt/event.h"

#define CAP 8u
#define DATA 16u

static uint64_t fake_ns;

static uint64_t fake_clock(void *ctx)
{
	(void)ctx;
	return ++fake_ns;
}

struct rec {
	struct asv_evlog log;
	void *mem;
};

static void rec_init(struct rec *r, uint8_t role, uint32_t cap, uint32_t data)
{
	memset(r, 0, sizeof(*r));
	r->mem = calloc(1, asv_evring_bytes(cap));
	assert_non_null(r->mem);
	assert_int_equal(asv_evring_init(r->mem, cap, data), 0);
	r->log.ring = r->mem;
	r->log.cap = cap;
	r->log.data_size = data;
	r->log.role = role;
	r->log.now_ns = fake_clock;
}

static void emit(struct rec *r, uint8_t kind, uint16_t desc, const char *data)
{
	struct asv_event e = { .kind = kind, .desc = desc };

	asv_ev_emit(&r->log, &e, data, data ? strlen(data) : 0);
}

static int next(struct rec *r, struct asv_event *e, char *data)
{
	memset(data, 0, 64);
	return asv_evring_read(r->log.ring, r->log.cap, r->log.data_size, e, data, 63);
}

static void test_ring_order_and_drops(void **st)
{
	struct asv_event e;
	char data[64];
	struct rec r;
	uint64_t last = 0;
	unsigned int i;

	(void)st;
	rec_init(&r, ASV_EV_HOST, CAP, DATA);
	for (i = 0; i < CAP + 3; i++)
		emit(&r, ASV_EV_KICK, (uint16_t)i, i == 1 ? "a reason longer than the slot" : "x");
	/* the ring keeps the first CAP and counts the rest */
	assert_int_equal(asv_evring_drops(r.log.ring), 3);
	for (i = 0; i < CAP; i++) {
		assert_int_equal(next(&r, &e, data), 1);
		assert_int_equal(e.desc, i);
		assert_int_equal(e.kind, ASV_EV_KICK);
		assert_true(e.ts_ns > last);
		last = e.ts_ns;
		if (i == 1) {
			/* cut to the slot's data size, never past it */
			assert_int_equal(e.dlen, DATA);
			assert_memory_equal(data, "a reason longer ", DATA);
		}
	}
	assert_int_equal(next(&r, &e, data), 0);
	/* read out: room again */
	emit(&r, ASV_EV_ERROR, 42, "again");
	assert_int_equal(next(&r, &e, data), 1);
	assert_int_equal(e.desc, 42);
	assert_string_equal(data, "again");
	assert_int_equal(asv_evring_drops(r.log.ring), 3);
	free(r.mem);
}

/* Records of several units, one of them across the end of the ring. */
static void test_ring_records_wrap(void **st)
{
	char big[4][150], out[200];
	struct asv_event e;
	struct rec r;
	unsigned int i;

	(void)st;
	rec_init(&r, ASV_EV_HOST, 16, 200);
	for (i = 0; i < 4; i++)
		memset(big[i], 'A' + (int)i, sizeof(big[i]));
	assert_int_equal(ASV_EV_UNITS(150), 4);
	emit(&r, ASV_EV_KICK, 99, NULL); /* unit 0 */
	for (i = 0; i < 3; i++) {	 /* units 1-4, 5-8, 9-12 */
		struct asv_event t = { .kind = ASV_EV_TX, .desc = (uint16_t)i };

		asv_ev_emit(&r.log, &t, big[i], sizeof(big[i]));
	}
	/* no room for a fourth (13-16) until unit 0 is read */
	{
		struct asv_event t = { .kind = ASV_EV_TX, .desc = 3 };

		asv_ev_emit(&r.log, &t, big[3], sizeof(big[3]));
		assert_int_equal(asv_evring_drops(r.log.ring), 1);
		assert_int_equal(asv_evring_read(r.log.ring, 16, 200, &e, out, sizeof(out)), 1);
		assert_int_equal(e.desc, 99);
		for (i = 0; i < 2; i++) {
			assert_int_equal(asv_evring_read(r.log.ring, 16, 200, &e, out, sizeof(out)),
					 1);
			assert_int_equal(e.desc, i);
			assert_int_equal(e.dlen, 150);
			assert_memory_equal(out, big[i], 150);
		}
		asv_ev_emit(&r.log, &t, big[3], sizeof(big[3])); /* units 13-15, 0 */
	}
	assert_int_equal(asv_evring_drops(r.log.ring), 1);
	for (i = 2; i < 4; i++) {
		assert_int_equal(asv_evring_read(r.log.ring, 16, 200, &e, out, sizeof(out)), 1);
		assert_int_equal(e.desc, i);
		assert_int_equal(e.dlen, 150);
		assert_memory_equal(out, big[i], 150);
	}
	assert_int_equal(asv_evring_read(r.log.ring, 16, 200, &e, out, sizeof(out)), 0);
	free(r.mem);
}

/* A writer in another process is not trusted: a dlen past the slot is cut. */
static void test_ring_hostile_dlen(void **st)
{
	struct asv_event e, *slot;
	char data[64];
	struct rec r;

	(void)st;
	rec_init(&r, ASV_EV_REMOTE, CAP, DATA);
	emit(&r, ASV_EV_TX, 1, "0123456789");
	slot = (struct asv_event *)(void *)((struct asv_evring *)r.log.ring + 1);
	slot->dlen = 0xFFFF;
	assert_int_equal(next(&r, &e, data), 1);
	assert_int_equal(e.dlen, DATA);
	free(r.mem);
}

/* A writer that died between reserving and committing a slot: the reader
 * waits at it until the ring is abandoned, then moves on. */
static void test_ring_abandoned_slot(void **st)
{
	struct asv_evring *ring;
	struct asv_event e;
	char data[64];
	struct rec r;

	(void)st;
	rec_init(&r, ASV_EV_REMOTE, CAP, DATA);
	ring = r.log.ring;
	emit(&r, ASV_EV_KICK, 1, NULL);
	ring->head++; /* reserved, never committed */
	assert_int_equal(next(&r, &e, data), 1);
	assert_int_equal(e.desc, 1);
	assert_int_equal(next(&r, &e, data), 0);
	assert_int_equal(next(&r, &e, data), 0);
	asv_evring_abandon(ring, CAP, r.log.data_size);
	assert_int_equal(next(&r, &e, data), 1);
	assert_int_equal(e.kind, ASV_EV_NONE);
	/* a head the dead writer set absurdly far: a ring's worth is skipped,
	 * then the next writer records again */
	ring->head += 1000000u;
	asv_evring_abandon(ring, CAP, r.log.data_size);
	while (next(&r, &e, data))
		assert_int_equal(e.kind, ASV_EV_NONE);
	emit(&r, ASV_EV_KICK, 7, NULL);
	assert_int_equal(next(&r, &e, data), 1);
	assert_int_equal(e.desc, 7);
	free(r.mem);
}

/* ---- the roles' events on the manual system ---- */

#define NEV 512

struct evlist {
	struct asv_event e[NEV];
	char data[NEV][64];
	unsigned int n;
};

static void drain(struct rec *r, struct evlist *l)
{
	while (l->n < NEV && next(r, &l->e[l->n], l->data[l->n]))
		l->n++;
}

/* The first event of @kind at or after *@from (moved past it), or NULL. */
static const struct asv_event *find(const struct evlist *l, unsigned int *from, uint8_t kind,
				    const char **data)
{
	unsigned int i;

	for (i = *from; i < l->n; i++) {
		if (l->e[i].kind == kind) {
			*from = i + 1;
			if (data)
				*data = l->data[i];
			return &l->e[i];
		}
	}
	return NULL;
}

static int rx_cb(struct asv_endpoint *ept, void *data, size_t len, uint32_t src, void *priv)
{
	(void)ept;
	(void)data;
	(void)len;
	(void)src;
	(void)priv;
	return 0;
}

static void test_roles_record_the_steps(void **st)
{
	struct msys *m = calloc(1, sizeof(*m));
	struct rec hr, rr;
	struct evlist *hl = calloc(1, sizeof(*hl)), *rl = calloc(1, sizeof(*rl));
	struct asv_endpoint *h, re;
	const struct asv_event *e, *tx;
	const char *d;
	unsigned int i = 0, j = 0;
	int err;

	(void)st;
	assert_non_null(m);
	rec_init(&hr, ASV_EV_HOST, 1024, 64);
	rec_init(&rr, ASV_EV_REMOTE, 1024, 64);
	assert_int_equal(msys_init_remote(m, NULL), 0);
	/* the remote's env was copied at init: record from here on */
	m->remote.dev.env.evlog = &rr.log;
	rr.log.in_isr = m->renv.in_isr;
	rr.log.isr_ctx = m;
	assert_int_equal(asv_create_ept(&m->remote.dev, &re, "ev-test", 0x600, rx_cb, NULL), 0);
	m->henv.evlog = &hr.log;
	hr.log.in_isr = m->henv.in_isr;
	hr.log.isr_ctx = m;
	assert_int_equal(msys_start_host(m, NULL), 0);
	msys_pump(m);
	h = asv_host_create_ept(&m->host, NULL, 0x500, rx_cb, NULL, &err);
	assert_non_null(h);
	assert_int_equal(asv_sendto(h, 0x600, "ping", 4), 0);
	msys_pump(m);
	assert_int_equal(asv_sendto(&re, 0x500, "pong!", 5), 0);
	msys_pump(m);
	assert_int_equal(asv_sendto(h, 0x777, "lost", 4), 0);
	msys_pump(m);
	drain(&hr, hl);
	drain(&rr, rl);

	/* the host: link up at DRIVER_OK, then the first kick (vring 0's notify id) */
	assert_non_null(find(hl, &i, ASV_EV_LINK_UP, NULL));
	e = find(hl, &i, ASV_EV_KICK, NULL);
	assert_non_null(e);
	assert_int_equal(e->vring, m->host.rx_notifyid);
	/* the remote: its ISR, the link up in it, the CREATE sent */
	assert_non_null(find(rl, &j, ASV_EV_ISR_START, NULL));
	assert_non_null(find(rl, &j, ASV_EV_LINK_UP, NULL));
	tx = find(rl, &j, ASV_EV_TX, &d);
	assert_non_null(tx);
	assert_int_equal(tx->dst, 53);
	assert_int_equal(tx->vring, 0);
	assert_int_equal(tx->dlen, 16 + 40);
	/* the host decodes the name service */
	e = find(hl, &i, ASV_EV_NS, &d);
	assert_non_null(e);
	assert_string_equal(d, "ev-test");
	assert_int_equal(e->ept, 0x600);
	assert_int_equal(e->aux, ASV_RPMSG_NS_CREATE);
	assert_true(e->flags & ASV_EVF_ISR);
	/* ping: sent on vring 1 by the host, taken and delivered by the remote */
	tx = find(hl, &i, ASV_EV_TX, &d);
	assert_non_null(tx);
	assert_int_equal(tx->vring, 1);
	assert_int_equal(tx->src, 0x500);
	assert_int_equal(tx->dst, 0x600);
	assert_int_equal(tx->len, 4);
	assert_int_equal(tx->dlen, 16 + 4);
	assert_memory_equal(d + 16, "ping", 4);
	e = find(hl, &i, ASV_EV_DESC_ADD, NULL);
	assert_non_null(e);
	assert_int_equal(e->desc, tx->desc);
	e = find(rl, &j, ASV_EV_DESC_TAKEN, NULL);
	assert_non_null(e);
	assert_int_equal(e->vring, 1);
	assert_int_equal(e->desc, tx->desc);
	e = find(rl, &j, ASV_EV_RX, &d);
	assert_non_null(e);
	assert_int_equal(e->desc, tx->desc);
	assert_int_equal(e->ept, 0x600);
	assert_int_equal(e->src, 0x500);
	assert_memory_equal(d + 16, "ping", 4);
	assert_true(e->ts_ns > tx->ts_ns);
	e = find(rl, &j, ASV_EV_DESC_USED, NULL);
	assert_non_null(e);
	assert_int_equal(e->vring, 1);
	assert_non_null(find(rl, &j, ASV_EV_ISR_END, NULL));
	/* pong: the other way, on vring 0 */
	tx = find(rl, &j, ASV_EV_TX, &d);
	assert_non_null(tx);
	assert_int_equal(tx->vring, 0);
	assert_memory_equal(d + 16, "pong!", 5);
	e = find(hl, &i, ASV_EV_RX, &d);
	assert_non_null(e);
	assert_int_equal(e->vring, 0);
	assert_int_equal(e->desc, tx->desc);
	assert_int_equal(e->len, 5);
	/* a message to no endpoint: the remote records the error and why */
	e = find(rl, &j, ASV_EV_ERROR, &d);
	assert_non_null(e);
	assert_non_null(strstr(d, "no endpoint"));
	assert_int_equal(e->aux, ASV_LOG_WARN);
	assert_int_equal(asv_evring_drops(hr.log.ring) + asv_evring_drops(rr.log.ring), 0);
	msys_fini(m);
	free(hr.mem);
	free(rr.mem);
	free(hl);
	free(rl);
	free(m);
}

static void *held;

static int hold_cb(struct asv_endpoint *ept, void *data, size_t len, uint32_t src, void *priv)
{
	(void)ept;
	(void)len;
	(void)src;
	(void)priv;
	held = data;
	return ASV_RX_HOLD;
}

/* Zero-copy receive: the buffer a callback keeps, then gives back. */
static void test_hold_release(void **st)
{
	struct msys *m = calloc(1, sizeof(*m));
	struct evlist *l = calloc(1, sizeof(*l));
	const struct asv_event *rx, *e;
	struct asv_endpoint *h, re;
	struct rec rr;
	unsigned int i = 0;
	int err;

	(void)st;
	rec_init(&rr, ASV_EV_REMOTE, 1024, 64);
	assert_int_equal(msys_init(m, NULL), 0);
	m->remote.dev.env.evlog = &rr.log;
	msys_pump(m);
	h = asv_host_create_ept(&m->host, NULL, 0x500, rx_cb, NULL, &err);
	assert_non_null(h);
	assert_int_equal(asv_create_ept(&m->remote.dev, &re, NULL, 0x600, hold_cb, NULL), 0);
	held = NULL;
	assert_int_equal(asv_sendto(h, 0x600, "keep", 4), 0);
	msys_pump(m);
	assert_non_null(held);
	assert_int_equal(asv_release_rx_buffer(&m->remote.dev, held), 0);
	drain(&rr, l);
	rx = find(l, &i, ASV_EV_RX, NULL);
	assert_non_null(rx);
	e = find(l, &i, ASV_EV_BUF_HOLD, NULL);
	assert_non_null(e);
	assert_int_equal(e->desc, rx->desc);
	assert_int_equal(e->vring, 1);
	e = find(l, &i, ASV_EV_BUF_RELEASE, NULL);
	assert_non_null(e);
	assert_int_equal(e->desc, rx->desc);
	/* a buffer given back twice is refused, and not recorded as released */
	assert_int_not_equal(asv_release_rx_buffer(&m->remote.dev, held), 0);
	drain(&rr, l);
	assert_null(find(l, &i, ASV_EV_BUF_RELEASE, NULL));
	msys_fini(m);
	free(rr.mem);
	free(l);
	free(m);
}

/* Off (the default): a role without a recorder records nothing, and the
 * other one's recorder sees only its own role. */
static void test_off_records_nothing(void **st)
{
	struct msys *m = calloc(1, sizeof(*m));
	struct evlist *l = calloc(1, sizeof(*l));
	struct asv_endpoint *h, re;
	struct rec hr;
	unsigned int i;
	int err;

	(void)st;
	rec_init(&hr, ASV_EV_HOST, 1024, 64);
	assert_int_equal(msys_init_remote(m, NULL), 0);
	m->henv.evlog = &hr.log;
	assert_int_equal(msys_start_host(m, NULL), 0);
	msys_pump(m);
	assert_null(m->remote.dev.env.evlog);
	h = asv_host_create_ept(&m->host, NULL, 0x500, rx_cb, NULL, &err);
	assert_non_null(h);
	assert_int_equal(asv_create_ept(&m->remote.dev, &re, NULL, 0x600, rx_cb, NULL), 0);
	assert_int_equal(asv_sendto(&re, 0x500, "x", 1), 0);
	msys_pump(m);
	drain(&hr, l);
	assert_true(l->n > 0);
	for (i = 0; i < l->n; i++)
		assert_int_equal(l->e[i].role, ASV_EV_HOST);
	i = 0;
	assert_non_null(find(l, &i, ASV_EV_RX, NULL));
	msys_fini(m);
	free(hr.mem);
	free(l);
	free(m);
}

/* What a port's sink (the kernel module's tracepoint) is handed. */
struct sunk {
	struct asv_event e[64];
	uint8_t data[64][40];
	size_t n[64];
	unsigned int count;
};

static void sink_cb(void *ctx, const struct asv_event *e, const void *data, size_t n)
{
	struct sunk *k = ctx;

	if (k->count >= 64)
		return;
	k->e[k->count] = *e;
	k->n[k->count] = n;
	if (n)
		memcpy(k->data[k->count], data, n < 40 ? n : 40);
	k->count++;
}

static const struct asv_event *sunk_find(const struct sunk *k, uint8_t kind, unsigned int *at)
{
	unsigned int i;

	for (i = 0; i < k->count; i++) {
		if (k->e[i].kind == kind) {
			*at = i;
			return &k->e[i];
		}
	}
	return NULL;
}

/*
 * A sink instead of a ring: each event handed over stamped, with its role
 * and its bytes cut to data_size; and the recorder set and cleared while
 * the role runs (the kernel module does so when its tracepoint is enabled
 * and disabled): only what happened in between reaches the sink.
 */
static void test_sink_and_toggle(void **st)
{
	struct msys *m = calloc(1, sizeof(*m));
	struct sunk *k = calloc(1, sizeof(*k));
	struct asv_evlog log = { 0 };
	struct asv_endpoint *h, re;
	const struct asv_event *e;
	unsigned int at = 0;
	int err;

	(void)st;
	log.data_size = ASV_RPMSG_HDR_SIZE + 8;
	log.role = ASV_EV_REMOTE;
	log.now_ns = fake_clock;
	log.sink = sink_cb;
	log.sink_ctx = k;
	assert_int_equal(msys_init(m, NULL), 0);
	msys_pump(m);
	h = asv_host_create_ept(&m->host, NULL, 0x500, rx_cb, NULL, &err);
	assert_non_null(h);
	assert_int_equal(asv_create_ept(&m->remote.dev, &re, NULL, 0x600, rx_cb, NULL), 0);
	assert_int_equal(asv_sendto(&re, 0x500, "before", 6), 0);
	msys_pump(m);
	assert_int_equal(k->count, 0);

	m->remote.dev.env.evlog = &log;
	assert_int_equal(asv_sendto(&re, 0x500, "a long message", 14), 0);
	assert_int_equal(asv_sendto(h, 0x600, "ping", 4), 0);
	msys_pump(m);
	m->remote.dev.env.evlog = NULL;
	assert_int_equal(asv_sendto(&re, 0x500, "after", 5), 0);
	msys_pump(m);

	e = sunk_find(k, ASV_EV_TX, &at);
	assert_non_null(e);
	assert_int_equal(e->role, ASV_EV_REMOTE);
	assert_int_equal(e->src, 0x600);
	assert_int_equal(e->dst, 0x500);
	assert_int_equal(e->len, 14);
	assert_int_equal(e->vring, 0);
	assert_true(e->ts_ns > 0);
	/* the rpmsg header and the payload, cut to data_size */
	assert_int_equal(k->n[at], ASV_RPMSG_HDR_SIZE + 8);
	assert_int_equal(e->dlen, ASV_RPMSG_HDR_SIZE + 8);
	assert_memory_equal(k->data[at] + ASV_RPMSG_HDR_SIZE, "a long m", 8);
	e = sunk_find(k, ASV_EV_RX, &at);
	assert_non_null(e);
	assert_int_equal(e->ept, 0x600);
	assert_int_equal(e->src, 0x500);
	assert_memory_equal(k->data[at] + ASV_RPMSG_HDR_SIZE, "ping", 4);
	/* one message each way was sent while on: one tx, one rx */
	for (at = 0, err = 0; at < k->count; at++)
		err += k->e[at].kind == ASV_EV_TX || k->e[at].kind == ASV_EV_RX;
	assert_int_equal(err, 2);
	msys_fini(m);
	free(k);
	free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ring_order_and_drops),
		cmocka_unit_test(test_ring_records_wrap),
		cmocka_unit_test(test_ring_hostile_dlen),
		cmocka_unit_test(test_ring_abandoned_slot),
		cmocka_unit_test(test_roles_record_the_steps),
		cmocka_unit_test(test_off_records_nothing),
		cmocka_unit_test(test_hold_release),
		cmocka_unit_test(test_sink_and_toggle),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
