// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * Protocol tests on the manual system (both roles in this thread):
 * endpoints and addresses, the name service, unknown destinations,
 * payload sizes, buffer exhaustion, zero-copy, event suppression.
 */
#include <stdlib.h>
#include <string.h>

#include "harness.h"

struct rec {
	unsigned int n;
	uint32_t src[600];
	size_t len[600];
	uint8_t last[512];
	int hold; /* return ASV_RX_HOLD */
	void *held[300];
};

static int rec_cb(struct asv_endpoint *e, void *d, size_t n, uint32_t src, void *p)
{
	struct rec *r = p;

	(void)e;
	if (r->n < 600) {
		r->src[r->n] = src;
		r->len[r->n] = n;
	}
	memcpy(r->last, d, n);
	if (r->hold && r->n < 300)
		r->held[r->n] = d;
	r->n++;
	return r->hold ? ASV_RX_HOLD : 0;
}

static int setup(void **state)
{
	struct msys *m = calloc(1, sizeof(*m));

	if (msys_init(m, NULL))
		return -1;
	msys_pump(m);
	*state = m;
	return 0;
}

static int teardown(void **state)
{
	msys_fini(*state);
	free(*state);
	return 0;
}

static void test_ept_create_destroy(void **state)
{
	struct msys *m = *state;
	struct asv_endpoint a, b, c;
	struct rec r = { 0 };

	assert_int_equal(asv_create_ept(&m->remote.dev, &a, NULL, 0x2000, rec_cb, &r), 0);
	assert_int_equal(a.addr, 0x2000);
	assert_int_equal(asv_create_ept(&m->remote.dev, &b, NULL, 0x2000, rec_cb, &r), -ASV_EBUSY);
	/* the name-service address is taken */
	assert_int_equal(asv_create_ept(&m->remote.dev, &b, NULL, 53, rec_cb, &r), -ASV_EBUSY);
	assert_int_equal(asv_create_ept(&m->remote.dev, &b, NULL, ASV_RPMSG_ADDR_ANY, rec_cb, &r),
			 0);
	assert_true(b.addr >= 1024);
	assert_int_equal(asv_create_ept(&m->remote.dev, &c, NULL, ASV_RPMSG_ADDR_ANY, NULL, &r),
			 -ASV_EINVAL);
	assert_int_equal(asv_create_ept(&m->remote.dev, &c, "a-name-that-is-thirty-two-bytes!",
					0x3000, rec_cb, &r),
			 -ASV_EINVAL);
	assert_int_equal(asv_destroy_ept(&a), 0);
	assert_int_equal(asv_destroy_ept(&a), -ASV_ENOENT);
	assert_int_equal(asv_create_ept(&m->remote.dev, &a, NULL, 0x2000, rec_cb, &r), 0);
	assert_int_equal(asv_destroy_ept(&a), 0);
	assert_int_equal(asv_destroy_ept(&b), 0);
}

static void test_address_exhaustion(void **state)
{
	struct msys *m = *state;
	struct asv_endpoint *e = calloc(ASV_DYN_ADDRS + 1, sizeof(*e));
	struct rec r = { 0 };
	unsigned int i;
	uint32_t freed;

	for (i = 0; i < ASV_DYN_ADDRS; i++) {
		assert_int_equal(
		    asv_create_ept(&m->remote.dev, &e[i], NULL, ASV_RPMSG_ADDR_ANY, rec_cb, &r), 0);
		assert_true(e[i].addr >= 1024 && e[i].addr < 1024 + ASV_DYN_ADDRS);
	}
	assert_int_equal(
	    asv_create_ept(&m->remote.dev, &e[ASV_DYN_ADDRS], NULL, ASV_RPMSG_ADDR_ANY, rec_cb, &r),
	    -ASV_ENOSPC);
	/* a fixed address outside the dynamic range still works */
	assert_int_equal(
	    asv_create_ept(&m->remote.dev, &e[ASV_DYN_ADDRS], NULL, 0x10000, rec_cb, &r), 0);
	assert_int_equal(asv_destroy_ept(&e[ASV_DYN_ADDRS]), 0);
	freed = e[17].addr;
	assert_int_equal(asv_destroy_ept(&e[17]), 0);
	assert_int_equal(
	    asv_create_ept(&m->remote.dev, &e[17], NULL, ASV_RPMSG_ADDR_ANY, rec_cb, &r), 0);
	assert_int_equal(e[17].addr, freed);
	for (i = 0; i < ASV_DYN_ADDRS; i++)
		assert_int_equal(asv_destroy_ept(&e[i]), 0);
	free(e);
}

struct drvlog {
	int probes, removes;
	uint32_t src, dst;
	struct rec rx;
};

static int drv_probe(struct asv_channel *ch)
{
	struct drvlog *l = ch->drv->priv;

	l->probes++;
	l->src = ch->src;
	l->dst = ch->dst;
	ch->drvdata = l;
	return asv_channel_send(ch, "hello world!", 12);
}

static void drv_remove(struct asv_channel *ch)
{
	((struct drvlog *)ch->drv->priv)->removes++;
}

static int drv_cb(struct asv_endpoint *e, void *d, size_t n, uint32_t src, void *p)
{
	struct asv_channel *ch = p;

	return rec_cb(e, d, n, src, &((struct drvlog *)ch->drvdata)->rx);
}

static void test_name_service(void **state)
{
	struct msys *m = *state;
	struct drvlog l = { 0 };
	struct asv_host_driver drv = { .name = "svc-a",
				       .probe = drv_probe,
				       .remove = drv_remove,
				       .callback = drv_cb,
				       .priv = &l };
	struct asv_endpoint a, b;
	struct rec ra = { 0 };

	/* a channel announced after the link is up ... */
	assert_int_equal(
	    asv_create_ept(&m->remote.dev, &a, "svc-a", ASV_RPMSG_ADDR_ANY, rec_cb, &ra), 0);
	msys_pump(m);
	assert_non_null(m->host.channels);
	assert_string_equal(m->host.channels->name, "svc-a");
	assert_int_equal(m->host.channels->dst, a.addr);
	assert_null(m->host.channels->ept);
	/* ... gets probed when a driver for its name registers */
	assert_int_equal(asv_host_register_driver(&m->host, &drv), 0);
	assert_int_equal(l.probes, 1);
	assert_true(l.src >= 1024);
	assert_int_equal(l.dst, a.addr);
	msys_pump(m);
	assert_int_equal(ra.n, 1);
	assert_int_equal(ra.src[0], l.src);
	assert_memory_equal(ra.last, "hello world!", 12);
	/* the remote endpoint adopted the first sender as its peer */
	assert_int_equal(a.dst, l.src);
	assert_int_equal(asv_send(&a, "pong", 4), 0);
	msys_pump(m);
	assert_int_equal(l.rx.n, 1);
	assert_int_equal(l.rx.src[0], a.addr);
	/* a second channel with another name is not bound to this driver */
	assert_int_equal(
	    asv_create_ept(&m->remote.dev, &b, "svc-b", ASV_RPMSG_ADDR_ANY, rec_cb, &ra), 0);
	msys_pump(m);
	assert_int_equal(m->host.nchannels, 2);
	assert_int_equal(l.probes, 1);
	/* DESTROY removes the channel and tells the driver */
	assert_int_equal(asv_destroy_ept(&a), 0);
	msys_pump(m);
	assert_int_equal(l.removes, 1);
	assert_int_equal(m->host.nchannels, 1);
	assert_string_equal(m->host.channels->name, "svc-b");
	/* a duplicate CREATE for an existing channel is refused (EEXIST) */
	b.ns_state = ASV_NS_NONE;
	assert_int_equal(asv_sendto(&b, 53,
				    &(struct asv_rpmsg_ns_msg){ .name = "svc-b", .addr = b.addr },
				    sizeof(struct asv_rpmsg_ns_msg)),
			 0);
	msys_pump(m);
	assert_true(logcap_has(&m->hlog, "already exists"));
	assert_int_equal(m->host.nchannels, 1);
	assert_int_equal(asv_destroy_ept(&b), 0);
	asv_host_unregister_driver(&m->host, &drv);
}

static void test_without_name_service(void **state)
{
	struct msys m;
	struct asv_endpoint a;
	struct asv_stats st;
	struct rec r = { 0 };
	struct msys_opts o = { .no_ns = 1 };

	(void)state;
	assert_int_equal(msys_init(&m, &o), 0);
	assert_int_equal(asv_create_ept(&m.remote.dev, &a, "svc", ASV_RPMSG_ADDR_ANY, rec_cb, &r),
			 0);
	msys_pump(&m);
	assert_true(asv_link_ready(&m.remote.dev));
	assert_false(m.remote.dev.ns_enabled);
	assert_int_equal(m.host.nchannels, 0);
	assert_int_equal(a.ns_state, ASV_NS_PENDING);
	/* an NS message sent anyway is dropped by the host as unknown */
	assert_int_equal(asv_sendto(&a, 53, &(struct asv_rpmsg_ns_msg){ .name = "x" }, 40), 0);
	msys_pump(&m);
	asv_get_stats(&m.host.dev, &st);
	assert_int_equal(st.rx_unknown_dst, 1);
	assert_int_equal(m.host.nchannels, 0);
	msys_fini(&m);
}

static void test_send_unknown_address(void **state)
{
	struct msys *m = *state;
	struct asv_endpoint *h;
	struct asv_stats st;
	struct rec r = { 0 };
	int err;

	h = asv_host_create_ept(&m->host, NULL, ASV_RPMSG_ADDR_ANY, rec_cb, &r, &err);
	assert_non_null(h);
	/* like Linux, the sender cannot know: the receiver drops and says so */
	assert_int_equal(asv_sendto(h, 0x999, "x", 1), 0);
	msys_pump(m);
	asv_get_stats(&m->remote.dev, &st);
	assert_int_equal(st.rx_unknown_dst, 1);
	assert_int_equal(st.rx_msgs, 0);
	assert_true(logcap_has(&m->rlog, "0x999"));
	/* no destination at all is an error at the sender */
	assert_int_equal(asv_send(h, "x", 1), -ASV_EINVAL);
	asv_host_destroy_ept(h);
}

static void test_payload_sizes(void **state)
{
	struct msys *m = *state;
	struct asv_endpoint *h, re;
	struct rec *hr = calloc(1, sizeof(*hr)), *rr = calloc(1, sizeof(*rr));
	uint8_t buf[ASV_RPMSG_MAX_PAYLOAD + 1];
	size_t n, i;
	int err;

	h = asv_host_create_ept(&m->host, NULL, 0x500, rec_cb, hr, &err);
	assert_non_null(h);
	assert_int_equal(asv_create_ept(&m->remote.dev, &re, NULL, 0x600, rec_cb, rr), 0);
	for (n = 0; n <= ASV_RPMSG_MAX_PAYLOAD; n++) {
		for (i = 0; i < n; i++)
			buf[i] = (uint8_t)(n * 7 + i);
		assert_int_equal(asv_sendto(h, 0x600, buf, n), 0);
		msys_pump(m);
		assert_int_equal(rr->n, n + 1);
		assert_int_equal(rr->len[n], n);
		assert_memory_equal(rr->last, buf, n);
		assert_int_equal(asv_sendto(&re, 0x500, buf, n), 0);
		msys_pump(m);
		assert_int_equal(hr->n, n + 1);
		assert_int_equal(hr->len[n], n);
		assert_int_equal(hr->src[n], 0x600);
		assert_memory_equal(hr->last, buf, n);
	}
	assert_int_equal(asv_sendto(h, 0x600, buf, ASV_RPMSG_MAX_PAYLOAD + 1), -ASV_EMSGSIZE);
	assert_int_equal(asv_sendto(&re, 0x500, buf, ASV_RPMSG_MAX_PAYLOAD + 1), -ASV_EMSGSIZE);
	assert_int_equal(asv_sendto(h, 0x600, NULL, 4), -ASV_EINVAL);
	assert_int_equal(asv_destroy_ept(&re), 0);
	asv_host_destroy_ept(h);
	free(hr);
	free(rr);
}

static void test_exhaustion_host_to_remote(void **state)
{
	struct msys *m = *state;
	struct asv_endpoint *h, re;
	struct rec *rr = calloc(1, sizeof(*rr));
	struct asv_stats st;
	uint64_t t0;
	unsigned int i;
	int err;

	h = asv_host_create_ept(&m->host, NULL, 0x500, rec_cb, NULL, &err);
	assert_int_equal(asv_create_ept(&m->remote.dev, &re, NULL, 0x600, rec_cb, rr), 0);
	/* the remote does not run: 256 tx buffers, then none */
	for (i = 0; i < 256; i++)
		assert_int_equal(asv_trysendto(h, 0x600, &i, sizeof(i)), 0);
	assert_int_equal(asv_trysendto(h, 0x600, &i, sizeof(i)), -ASV_ENOMEM);
	t0 = asv_posix_now_ms();
	assert_int_equal(asv_send_timeout(h, 0x600, &i, sizeof(i), 30), -ASV_ETIMEDOUT);
	assert_true(asv_posix_now_ms() - t0 >= 30);
	/* done waiting, the host again refuses tx-complete interrupts */
	assert_false(vring_asks_notify(&m->host.tx_vr, true));
	asv_get_stats(&m->host.dev, &st);
	assert_int_equal(st.tx_waits, 1);
	msys_pump(m);
	assert_int_equal(rr->n, 256);
	/* the buffers came back: sending works again, nothing was lost */
	assert_int_equal(asv_trysendto(h, 0x600, &i, sizeof(i)), 0);
	msys_pump(m);
	assert_int_equal(rr->n, 257);
	assert_int_equal(asv_destroy_ept(&re), 0);
	asv_host_destroy_ept(h);
	free(rr);
}

static void test_exhaustion_remote_to_host(void **state)
{
	struct msys *m = *state;
	struct asv_endpoint *h, re;
	struct rec *hr = calloc(1, sizeof(*hr));
	unsigned int i;
	int err;

	h = asv_host_create_ept(&m->host, NULL, 0x500, rec_cb, hr, &err);
	assert_int_equal(asv_create_ept(&m->remote.dev, &re, NULL, 0x600, rec_cb, NULL), 0);
	for (i = 0; i < 256; i++)
		assert_int_equal(asv_trysendto(&re, 0x500, &i, sizeof(i)), 0);
	assert_int_equal(asv_trysendto(&re, 0x500, &i, sizeof(i)), -ASV_ENOMEM);
	assert_int_equal(asv_send_timeout(&re, 0x500, &i, sizeof(i), 20), -ASV_ETIMEDOUT);
	/* done waiting, the remote again refuses kicks for refilled buffers */
	assert_false(vring_asks_notify(&m->remote.tx_vr, false));
	m->remote_pending = 0;
	m->host_pending = 1;
	msys_pump(m);
	assert_int_equal(hr->n, 256);
	for (i = 0; i < 256; i++)
		assert_int_equal(*(unsigned int *)(void *)&hr->last[0], 255);
	assert_int_equal(asv_trysendto(&re, 0x500, &i, sizeof(i)), 0);
	msys_pump(m);
	assert_int_equal(hr->n, 257);
	assert_int_equal(asv_destroy_ept(&re), 0);
	asv_host_destroy_ept(h);
	free(hr);
}

static void test_zero_copy(void **state)
{
	struct msys *m = *state;
	struct asv_endpoint *h, re;
	struct rec *hr = calloc(1, sizeof(*hr));
	uint32_t size;
	char *buf, *buf2;
	unsigned int i;
	int err;

	h = asv_host_create_ept(&m->host, NULL, 0x500, rec_cb, hr, &err);
	assert_int_equal(asv_create_ept(&m->remote.dev, &re, NULL, 0x600, rec_cb, NULL), 0);
	/* send: get, fill, send */
	buf = asv_get_tx_buffer(&m->remote.dev, &size, 0, &err);
	assert_non_null(buf);
	assert_int_equal(size, ASV_RPMSG_MAX_PAYLOAD);
	memcpy(buf, "zero-copy", 9);
	assert_int_equal(asv_send_nocopy(&re, 0x500, buf, 9), 0);
	/* a buffer given back unsent is reused, not lost */
	buf = asv_get_tx_buffer(&m->remote.dev, &size, 0, &err);
	assert_non_null(buf);
	assert_int_equal(asv_release_tx_buffer(&m->remote.dev, buf), 0);
	assert_int_equal(asv_release_tx_buffer(&m->remote.dev, buf), -ASV_EINVAL);
	buf2 = asv_get_tx_buffer(&m->remote.dev, &size, 0, &err);
	assert_ptr_equal(buf2, buf);
	assert_int_equal(asv_send_nocopy(&re, 0x500, buf2, 0), 0);
	assert_int_equal(asv_send_nocopy(&re, 0x500, buf2, 0), -ASV_EINVAL);
	/* receive: hold, release later */
	hr->hold = 1;
	msys_pump(m);
	assert_int_equal(hr->n, 2);
	assert_memory_equal(hr->held[0], "zero-copy", 9);
	assert_int_equal(m->host.rx_state[0] + m->host.rx_state[1], 4); /* both HELD */
	assert_int_equal(asv_release_rx_buffer(&m->host.dev, hr->held[0]), 0);
	assert_int_equal(asv_release_rx_buffer(&m->host.dev, hr->held[0]), -ASV_EINVAL);
	assert_int_equal(asv_release_rx_buffer(&m->host.dev, (char *)hr->held[1] + 1), -ASV_EINVAL);
	assert_int_equal(asv_release_rx_buffer(&m->host.dev, hr->held[1]), 0);
	/* and the host-to-remote direction, held on the remote */
	{
		struct rec *rr = calloc(1, sizeof(*rr));

		assert_int_equal(asv_destroy_ept(&re), 0);
		assert_int_equal(asv_create_ept(&m->remote.dev, &re, NULL, 0x600, rec_cb, rr), 0);
		rr->hold = 1;
		for (i = 0; i < 3; i++) {
			buf = asv_get_tx_buffer(&m->host.dev, &size, 0, &err);
			assert_non_null(buf);
			buf[0] = (char)('a' + i);
			assert_int_equal(asv_send_nocopy(h, 0x600, buf, 1), 0);
		}
		msys_pump(m);
		assert_int_equal(rr->n, 3);
		assert_int_equal(*(char *)rr->held[2], 'c');
		assert_int_equal(m->remote.rx_vr.shadow_idx, 0); /* nothing returned yet */
		for (i = 0; i < 3; i++)
			assert_int_equal(asv_release_rx_buffer(&m->remote.dev, rr->held[i]), 0);
		assert_int_equal(asv_release_rx_buffer(&m->remote.dev, rr->held[0]), -ASV_EINVAL);
		assert_int_equal(m->remote.rx_vr.shadow_idx, 3);
		assert_int_equal(asv_destroy_ept(&re), 0);
		free(rr);
	}
	asv_host_destroy_ept(h);
	free(hr);
}

static void test_event_suppression(void **state)
{
	struct msys *m = *state;
	struct asv_endpoint *h, re;
	struct rec *rr = calloc(1, sizeof(*rr)), *hr = calloc(1, sizeof(*hr));
	int irqs, kicks, err;

	h = asv_host_create_ept(&m->host, NULL, 0x500, rec_cb, hr, &err);
	assert_int_equal(asv_create_ept(&m->remote.dev, &re, NULL, 0x600, rec_cb, rr), 0);
	/* host -> remote: the remote returns the buffer without interrupting */
	irqs = m->host_irqs;
	assert_int_equal(asv_sendto(h, 0x600, "a", 1), 0);
	assert_int_equal(m->remote_pending, 1);
	msys_pump(m);
	assert_int_equal(rr->n, 1);
	assert_int_equal(m->host_irqs, irqs);
	/* remote -> host: one interrupt; the host reposts without kicking */
	kicks = m->remote_irqs;
	assert_int_equal(asv_sendto(&re, 0x500, "b", 1), 0);
	assert_int_equal(m->host_irqs, irqs + 1);
	msys_pump(m);
	assert_int_equal(hr->n, 1);
	assert_int_equal(m->remote_irqs, kicks);
	/* a remote busy in its ISR asks for no kicks; idle, it wants them */
	assert_int_equal(m->remote.rx_vr.used->flags, 0);
	assert_int_equal(asv_destroy_ept(&re), 0);
	asv_host_destroy_ept(h);
	free(rr);
	free(hr);
}

static void test_not_ready(void **state)
{
	struct msys m;
	struct asv_endpoint a;

	(void)state;
	assert_int_equal(msys_init_remote(&m, NULL), 0);
	assert_int_equal(
	    asv_create_ept(&m.remote.dev, &a, "early", ASV_RPMSG_ADDR_ANY, rec_cb, NULL), 0);
	/* no DRIVER_OK yet: the remote does not touch the rings */
	assert_int_equal(asv_sendto(&a, 0x400, "x", 1), -ASV_ENODEV);
	assert_int_equal(asv_remote_isr(&m.remote), -ASV_ENODEV);
	assert_false(asv_link_ready(&m.remote.dev));
	assert_int_equal(msys_start_host(&m, NULL), 0);
	msys_pump(&m);
	/* the endpoint created before the link was announced once it came up */
	assert_int_equal(a.ns_state, ASV_NS_ANNOUNCED);
	assert_int_equal(m.host.nchannels, 1);
	msys_fini(&m);
}

struct lost {
	int n;
	uint32_t dst[8];
	size_t len[8];
	char data[8][16];
	int err;
};

static struct lost g_lost;

static void lost_cb(struct asv_endpoint *e, uint32_t dst, const void *d, size_t n, int err)
{
	(void)e;
	g_lost.dst[g_lost.n] = dst;
	g_lost.len[g_lost.n] = n;
	memcpy(g_lost.data[g_lost.n], d, n < 16 ? n : 16);
	g_lost.err = err;
	g_lost.n++;
}

static void test_lost_messages_reported(void **state)
{
	struct msys *m = *state;
	struct asv_endpoint *h, re;
	struct rec *rr = calloc(1, sizeof(*rr));
	int err;

	memset(&g_lost, 0, sizeof(g_lost));
	h = asv_host_create_ept(&m->host, NULL, 0x500, rec_cb, NULL, &err);
	h->tx_lost = lost_cb;
	assert_int_equal(asv_create_ept(&m->remote.dev, &re, NULL, 0x600, rec_cb, rr), 0);
	/* one message delivered and returned: not lost */
	assert_int_equal(asv_sendto(h, 0x600, "done", 4), 0);
	msys_pump(m);
	assert_int_equal(rr->n, 1);
	/* three handed over, then the remote "crashes" before running */
	assert_int_equal(asv_sendto(h, 0x600, "one", 3), 0);
	assert_int_equal(asv_sendto(h, 0x601, "two!", 4), 0);
	assert_int_equal(asv_sendto(h, 0x602, "", 0), 0);
	asv_host_deinit(&m->host);
	assert_int_equal(g_lost.n, 3);
	assert_int_equal(g_lost.err, -ASV_ECONNRESET);
	assert_int_equal(g_lost.dst[0] + g_lost.dst[1] + g_lost.dst[2], 0x600 + 0x601 + 0x602);
	assert_int_equal(g_lost.len[0] + g_lost.len[1] + g_lost.len[2], 7);
	assert_false(asv_link_ready(&m->host.dev));
	assert_int_equal(m->host.vdev->status, 0);
	free(rr);
}

/* Found by the adaptive bench: a shut-down remote must never relink. */
static void test_shutdown_is_final(void **state)
{
	struct msys *m = *state;
	struct asv_endpoint *h, re;
	struct rec *rr = calloc(1, sizeof(*rr));
	int err;

	h = asv_host_create_ept(&m->host, NULL, 0x500, rec_cb, NULL, &err);
	assert_int_equal(asv_create_ept(&m->remote.dev, &re, NULL, 0x600, rec_cb, rr), 0);
	assert_int_equal(asv_sendto(h, 0x600, "a", 1), 0);
	msys_pump(m);
	assert_int_equal(rr->n, 1);
	asv_remote_shutdown(&m->remote);
	/* the status still says DRIVER_OK, as after any host's start */
	m->remote.dev.broken = 0; /* even if only the link flag were seen */
	assert_int_equal(asv_remote_isr(&m->remote), -ASV_ESHUTDOWN);
	assert_int_equal(rr->n, 1);
	assert_int_equal(asv_destroy_ept(&re), 0);
	free(rr);
}

static void test_trace_buffer(void **state)
{
	struct msys *m = *state;
	const char *trace = m->rproc.trace_va;
	struct asv_trace t;
	char small[16];
	int i;

	/* the link-up line of the remote went to its trace buffer */
	assert_non_null(trace);
	assert_non_null(strstr(trace, "asvirt info: link up"));
	assert_true(asv_remote_printf(&m->remote, "app: hello %d\n", 42) > 0);
	assert_non_null(strstr(trace, "app: hello 42\n"));
	/* a full buffer starts over and stays NUL-terminated */
	asv_trace_init(&t, small, sizeof(small));
	for (i = 0; i < 10; i++)
		asv_trace_printf(&t, "line%d\n", i);
	assert_string_equal(small, "line8\nline9\n");
	assert_true(t.wraps > 0);
	asv_trace_printf(&t, "a-line-longer-than-the-buffer\n");
	assert_int_equal(strlen(small), sizeof(small) - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ept_create_destroy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_address_exhaustion, setup, teardown),
		cmocka_unit_test_setup_teardown(test_name_service, setup, teardown),
		cmocka_unit_test(test_without_name_service),
		cmocka_unit_test_setup_teardown(test_send_unknown_address, setup, teardown),
		cmocka_unit_test_setup_teardown(test_payload_sizes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exhaustion_host_to_remote, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exhaustion_remote_to_host, setup, teardown),
		cmocka_unit_test_setup_teardown(test_zero_copy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_event_suppression, setup, teardown),
		cmocka_unit_test(test_not_ready),
		cmocka_unit_test_setup_teardown(test_lost_messages_reported, setup, teardown),
		cmocka_unit_test_setup_teardown(test_trace_buffer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shutdown_is_final, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
