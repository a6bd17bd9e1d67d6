// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * Hostile peer: each test lets one side corrupt the shared block the way
 * a broken or malicious peer could, then checks that the other side
 * returns the documented error, logs the reason, and either keeps working
 * or shuts the link down cleanly. The block has PROT_NONE guard pages on
 * both sides, and the sanitizer builds run these too, so any access
 * outside it fails the test.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

struct rec {
	unsigned int n;
	size_t len;
	int hold;
};

static int rec_cb(struct asv_endpoint *e, void *d, size_t n, uint32_t src, void *p)
{
	struct rec *r = p;

	(void)e, (void)d, (void)src;
	r->n++;
	r->len = n;
	return r->hold ? ASV_RX_HOLD : 0;
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

static void remote_isr(struct fixture *f, int expect)
{
	f->m.in_remote_isr = 1;
	assert_int_equal(asv_remote_isr(&f->m.remote), expect);
	f->m.in_remote_isr = 0;
}

static void host_isr(struct fixture *f, int expect)
{
	f->m.in_host_isr = 1;
	assert_int_equal(asv_host_isr(&f->m.host), expect);
	f->m.in_host_isr = 0;
}

/* The remote shut its link down: sends fail, the ISR reports @err. */
static void assert_remote_down(struct fixture *f, int err)
{
	struct asv_stats st;

	assert_false(asv_link_ready(&f->m.remote.dev));
	assert_int_equal(asv_sendto(&f->re, 0x500, "x", 1), -ASV_ESHUTDOWN);
	asv_get_stats(&f->m.remote.dev, &st);
	assert_int_equal(st.link_error, err);
	assert_true(logcap_has(&f->m.rlog, "link shut down"));
}

static void assert_host_down(struct fixture *f, int err)
{
	struct asv_stats st;

	assert_false(asv_link_ready(&f->m.host.dev));
	assert_int_equal(asv_sendto(f->h, 0x600, "x", 1), -ASV_ESHUTDOWN);
	asv_get_stats(&f->m.host.dev, &st);
	assert_int_equal(st.link_error, err);
	assert_true(logcap_has(&f->m.hlog, "link shut down"));
}

/* ---- the host is hostile: the remote must defend itself ---- */

static void test_corrupt_avail_index(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(asv_sendto(f->h, 0x600, "ok", 2), 0);
	msys_pump(&f->m);
	assert_int_equal(f->rr.n, 1);
	/* avail idx jumps more than num ahead of what the remote consumed */
	f->m.host.tx_vr.avail->idx = (uint16_t)(f->m.remote.rx_vr.last_seen + 257);
	remote_isr(f, -ASV_EPROTO);
	assert_remote_down(f, -ASV_EPROTO);
	assert_true(logcap_has(&f->m.rlog, "corrupt avail index"));
	/* a later interrupt does nothing and still reports the error */
	remote_isr(f, -ASV_EPROTO);
	assert_int_equal(f->rr.n, 1);
}

static void test_corrupt_avail_index_tx_side(void **state)
{
	struct fixture *f = *state;

	/* vring[0]: the host's receive buffers, taken by the remote's sends */
	f->m.host.rx_vr.avail->idx = (uint16_t)(f->m.remote.tx_vr.last_seen + 1000);
	assert_int_equal(asv_sendto(&f->re, 0x500, "x", 1), -ASV_EPROTO);
	assert_remote_down(f, -ASV_EPROTO);
}

/*
 * The remote reads the avail index once per batch (as vhost does): what
 * it already read and checked is used, the corrupt index is caught when it
 * reads again, and every message sent before that reaches the host.
 */
static void test_corrupt_avail_index_after_cached_batch(void **state)
{
	struct fixture *f = *state;
	unsigned int sent = 0, cached;
	int err;

	assert_int_equal(asv_sendto(&f->re, 0x500, "first", 5), 0);
	cached = (uint16_t)(f->m.remote.tx_vr.peer_idx - f->m.remote.tx_vr.last_seen);
	assert_true(cached > 0);
	f->m.host.rx_vr.avail->idx = (uint16_t)(f->m.remote.tx_vr.last_seen + 1000);
	while ((err = asv_sendto(&f->re, 0x500, "x", 1)) == 0 && sent <= cached)
		sent++;
	assert_int_equal(err, -ASV_EPROTO);
	assert_int_equal(sent, cached);
	assert_true(logcap_has(&f->m.rlog, "corrupt avail index"));
	host_isr(f, 0);
	assert_int_equal(f->hr.n, 1 + cached);
}

static void test_avail_descriptor_id_out_of_range(void **state)
{
	struct fixture *f = *state;
	struct asv_vring *vr = &f->m.host.tx_vr;

	assert_int_equal(asv_sendto(f->h, 0x600, "ok", 2), 0);
	/* rewrite the avail entry the remote will read to id 256 (num 256) */
	vr->avail->ring[(uint16_t)(vr->shadow_idx - 1) & vr->mask] = 256;
	remote_isr(f, -ASV_EPROTO);
	assert_remote_down(f, -ASV_EPROTO);
	assert_int_equal(f->rr.n, 0);
}

static void test_descriptor_outside_block(void **state)
{
	struct fixture *f = *state;
	struct asv_vring *vr = &f->m.host.tx_vr;
	uint16_t id;

	assert_int_equal(asv_sendto(f->h, 0x600, "ok", 2), 0);
	id = vr->avail->ring[(uint16_t)(vr->shadow_idx - 1) & vr->mask];
	vr->desc[id].addr = f->m.region.da + f->m.size + 4096; /* past the block */
	remote_isr(f, -ASV_EFAULT);
	assert_remote_down(f, -ASV_EFAULT);
	assert_true(logcap_has(&f->m.rlog, "outside the buffer region"));
}

/* Found by test_random_scribbles under UBSan: a misaligned rpmsg header. */
static void test_descriptor_misaligned(void **state)
{
	struct fixture *f = *state;
	struct asv_vring *vr = &f->m.host.tx_vr;
	uint16_t id;

	assert_int_equal(asv_sendto(f->h, 0x600, "ok", 2), 0);
	id = vr->avail->ring[(uint16_t)(vr->shadow_idx - 1) & vr->mask];
	vr->desc[id].addr += 1;
	remote_isr(f, -ASV_EFAULT);
	assert_remote_down(f, -ASV_EFAULT);
	assert_true(logcap_has(&f->m.rlog, "unaligned"));
}

static void test_descriptor_into_vrings(void **state)
{
	struct fixture *f = *state;
	struct asv_vring *vr = &f->m.host.tx_vr;
	uint16_t id;

	/* inside the block but not in the buffer carveout: the vrings */
	assert_int_equal(asv_sendto(f->h, 0x600, "ok", 2), 0);
	id = vr->avail->ring[(uint16_t)(vr->shadow_idx - 1) & vr->mask];
	vr->desc[id].addr = asv_le32(f->m.remote.vdev->vring[0].da);
	remote_isr(f, -ASV_EFAULT);
	assert_remote_down(f, -ASV_EFAULT);
}

static void test_descriptor_length_overflow(void **state)
{
	struct fixture *f = *state;
	struct asv_vring *vr = &f->m.host.tx_vr;
	uint16_t id;

	assert_int_equal(asv_sendto(f->h, 0x600, "ok", 2), 0);
	id = vr->avail->ring[(uint16_t)(vr->shadow_idx - 1) & vr->mask];
	vr->desc[id].len = 0xFFFFFFF0u; /* addr + len wraps */
	remote_isr(f, -ASV_EFAULT);
	assert_remote_down(f, -ASV_EFAULT);
}

static void test_short_rx_buffer_for_remote_tx(void **state)
{
	struct fixture *f = *state;
	struct asv_vring *vr = &f->m.host.rx_vr;
	uint16_t seen = f->m.remote.tx_vr.last_seen;
	char big[200] = { 0 };

	/*
	 * The buffer size is the host's choice (an OpenAMP host may post 256
	 * or 1024 bytes): the remote takes it from the descriptor. A payload
	 * that does not fit is refused, with the reason at the default log
	 * level, and the link stays up; the buffer serves the next send.
	 */
	vr->desc[vr->avail->ring[seen & vr->mask]].len = 100;
	vr->desc[vr->avail->ring[(uint16_t)(seen + 1) & vr->mask]].len = 100;
	assert_int_equal(asv_sendto(&f->re, 0x500, "x", 1), 0);
	assert_int_equal(asv_sendto(&f->re, 0x500, big, sizeof(big)), -ASV_EMSGSIZE);
	assert_true(logcap_has(&f->m.rlog, "holds at most 84"));
	assert_true(asv_link_ready(&f->m.remote.dev));
	assert_int_equal(asv_sendto(&f->re, 0x500, big, 84), 0);
	msys_pump(&f->m);
	assert_int_equal(f->hr.n, 2);
	assert_int_equal(f->hr.len, 84);
	/* one too short for a header is a broken host: the link goes down */
	vr->desc[vr->avail->ring[f->m.remote.tx_vr.last_seen & vr->mask]].len = 16;
	assert_int_equal(asv_sendto(&f->re, 0x500, "x", 1), -ASV_EFAULT);
	assert_remote_down(f, -ASV_EFAULT);
}

static void test_chained_descriptor(void **state)
{
	struct fixture *f = *state;
	struct asv_vring *vr = &f->m.host.tx_vr;
	uint16_t id;

	assert_int_equal(asv_sendto(f->h, 0x600, "ok", 2), 0);
	id = vr->avail->ring[(uint16_t)(vr->shadow_idx - 1) & vr->mask];
	vr->desc[id].flags = ASV_VRING_DESC_F_NEXT;
	vr->desc[id].next = 9999;
	remote_isr(f, -ASV_EPROTO);
	assert_remote_down(f, -ASV_EPROTO);
}

static void test_rpmsg_len_too_large_to_remote(void **state)
{
	struct fixture *f = *state;
	struct asv_vring *vr = &f->m.host.tx_vr;
	struct asv_rpmsg_hdr *hdr;
	struct asv_stats st;
	uint16_t id;

	assert_int_equal(asv_sendto(f->h, 0x600, "ok", 2), 0);
	id = vr->avail->ring[(uint16_t)(vr->shadow_idx - 1) & vr->mask];
	hdr = asv_region_to_va(&f->m.region, vr->desc[id].addr, 16);
	hdr->len = 497; /* more than the 18-byte descriptor holds */
	remote_isr(f, 0);
	asv_get_stats(&f->m.remote.dev, &st);
	assert_int_equal(st.rx_malformed, 1);
	assert_int_equal(f->rr.n, 0);
	assert_true(logcap_has(&f->m.rlog, "EBADMSG"));
	/* the message was dropped with a reason; the link keeps working */
	assert_int_equal(asv_sendto(f->h, 0x600, "ok", 2), 0);
	msys_pump(&f->m);
	assert_int_equal(f->rr.n, 1);
	assert_int_equal(f->rr.len, 2);
}

static void test_table_rewritten_before_link(void **state)
{
	struct msys m;
	struct asv_resource_table *t;

	(void)state;
	assert_int_equal(msys_init_remote(&m, NULL), 0);
	/* the host points the vdev entry past the table before DRIVER_OK */
	t = m.rproc.table;
	t->offset[2] = 0x10000;
	assert_int_equal(msys_start_host(&m, NULL), 0);
	m.in_remote_isr = 1;
	assert_int_equal(asv_remote_isr(&m.remote), -ASV_EINVAL);
	m.in_remote_isr = 0;
	assert_false(asv_link_ready(&m.remote.dev));
	assert_true(logcap_has(&m.rlog, "outside the table"));
	msys_fini(&m);
}

static void test_vring_address_outside_block(void **state)
{
	struct msys m;

	(void)state;
	assert_int_equal(msys_init_remote(&m, NULL), 0);
	assert_int_equal(msys_start_host(&m, NULL), 0);
	/* aligned (a misaligned da is refused earlier, by the validator) but
	 * the ring's 0x2806 bytes run past the block's end */
	m.rproc.vdev->vring[1].da = (uint32_t)(m.region.da + m.size - 4096);
	m.in_remote_isr = 1;
	assert_int_equal(asv_remote_isr(&m.remote), -ASV_EFAULT);
	m.in_remote_isr = 0;
	assert_true(logcap_has(&m.rlog, "outside our memory"));
	msys_fini(&m);
}

/* ---- the remote is hostile: the host must defend itself ---- */

static void test_corrupt_used_index(void **state)
{
	struct fixture *f = *state;

	f->m.remote.tx_vr.used->idx = (uint16_t)(f->m.host.rx_vr.last_seen + 300);
	host_isr(f, -ASV_EPROTO);
	assert_host_down(f, -ASV_EPROTO);
	assert_true(logcap_has(&f->m.hlog, "corrupt used index"));
}

static void test_used_id_out_of_range(void **state)
{
	struct fixture *f = *state;
	struct asv_vring *vr = &f->m.remote.tx_vr;

	assert_int_equal(asv_sendto(&f->re, 0x500, "x", 1), 0);
	vr->used->ring[(uint16_t)(vr->shadow_idx - 1) & vr->mask].id = 4096;
	host_isr(f, -ASV_EPROTO);
	assert_host_down(f, -ASV_EPROTO);
	assert_int_equal(f->hr.n, 0);
}

static void test_used_id_not_in_flight(void **state)
{
	struct fixture *f = *state;
	struct asv_vring *vr = &f->m.remote.tx_vr;

	/* the host holds the first message's buffer (zero-copy) ... */
	f->hr.hold = 1;
	assert_int_equal(asv_sendto(&f->re, 0x500, "a", 1), 0);
	assert_int_equal(asv_sendto(&f->re, 0x500, "b", 1), 0);
	/* ... and the second used entry repeats that id */
	vr->used->ring[(uint16_t)(vr->shadow_idx - 1) & vr->mask].id =
	    vr->used->ring[(uint16_t)(vr->shadow_idx - 2) & vr->mask].id;
	host_isr(f, -ASV_EPROTO);
	assert_int_equal(f->hr.n, 1); /* the first message was delivered */
	assert_host_down(f, -ASV_EPROTO);
	assert_true(logcap_has(&f->m.hlog, "was not posted"));
}

static void test_used_tx_not_in_flight(void **state)
{
	struct fixture *f = *state;
	unsigned int i;

	void *buf, *buf2;
	int err;

	/* all 256 transmit buffers in flight, none returned yet */
	for (i = 0; i < 256; i++)
		assert_int_equal(asv_trysendto(f->h, 0x600, "x", 1), 0);
	/* the remote returns ids 7 and 8: legit, the host takes them for zero-copy */
	f->m.host.tx_vr.used->ring[0].id = 7;
	f->m.host.tx_vr.used->ring[1].id = 8;
	f->m.host.tx_vr.used->idx = 2;
	buf = asv_get_tx_buffer(&f->m.host.dev, NULL, 0, &err);
	assert_non_null(buf);
	buf2 = asv_get_tx_buffer(&f->m.host.dev, NULL, 0, &err);
	assert_non_null(buf2);
	/* then returns id 7 again while the host holds it: not in flight */
	f->m.host.tx_vr.used->ring[2].id = 7;
	f->m.host.tx_vr.used->idx = 3;
	assert_int_equal(asv_trysendto(f->h, 0x600, "x", 1), -ASV_EPROTO);
	assert_true(logcap_has(&f->m.hlog, "was not in flight"));
	assert_host_down(f, -ASV_EPROTO);
	/* a held buffer can still be given back */
	assert_int_equal(asv_release_tx_buffer(&f->m.host.dev, buf), 0);
	/* and a send of the other is refused and gives it back as a release
	 * would: the caller holds nothing after it */
	assert_int_equal(asv_send_nocopy(f->h, 0x600, buf2, 1), -ASV_ESHUTDOWN);
	assert_int_equal(asv_release_tx_buffer(&f->m.host.dev, buf2), -ASV_EINVAL);
}

static void test_rpmsg_len_too_large_to_host(void **state)
{
	struct fixture *f = *state;
	struct asv_vring *vr = &f->m.remote.tx_vr;
	struct asv_rpmsg_hdr *hdr;
	struct asv_stats st;
	uint16_t id;

	assert_int_equal(asv_sendto(&f->re, 0x500, "abc", 3), 0);
	id = (uint16_t)vr->used->ring[(uint16_t)(vr->shadow_idx - 1) & vr->mask].id;
	hdr = (struct asv_rpmsg_hdr *)(void *)(f->m.host.rx_base + id * 512u);
	hdr->len = 600;
	host_isr(f, 0);
	asv_get_stats(&f->m.host.dev, &st);
	assert_int_equal(st.rx_malformed, 1);
	assert_int_equal(f->hr.n, 0);
	/* a used length larger than the buffer is malformed as well */
	assert_int_equal(asv_sendto(&f->re, 0x500, "abc", 3), 0);
	vr->used->ring[(uint16_t)(vr->shadow_idx - 1) & vr->mask].len = 4096;
	host_isr(f, 0);
	asv_get_stats(&f->m.host.dev, &st);
	assert_int_equal(st.rx_malformed, 2);
	/* both buffers were reposted and the link works */
	assert_int_equal(asv_sendto(&f->re, 0x500, "abc", 3), 0);
	host_isr(f, 0);
	assert_int_equal(f->hr.n, 1);
	assert_int_equal(f->hr.len, 3);
}

static void test_ns_name_without_nul(void **state)
{
	struct fixture *f = *state;
	struct asv_rpmsg_ns_msg ns;

	memset(&ns, 'A', sizeof(ns.name));
	ns.addr = 0x600;
	ns.flags = ASV_RPMSG_NS_CREATE;
	assert_int_equal(asv_sendto(&f->re, 53, &ns, sizeof(ns)), 0);
	msys_pump(&f->m);
	/* as Linux: the name is cut at 31 bytes, with a warning */
	assert_int_equal(f->m.host.nchannels, 1);
	assert_int_equal(strlen(f->m.host.channels->name), 31);
	assert_true(logcap_has(&f->m.hlog, "without NUL"));
	/* a name-service message of the wrong size is refused */
	assert_int_equal(asv_sendto(&f->re, 53, &ns, sizeof(ns) - 1), 0);
	msys_pump(&f->m);
	assert_int_equal(f->m.host.nchannels, 1);
	assert_true(logcap_has(&f->m.hlog, "malformed ns msg"));
	/* unknown flag bits are ignored, as Linux's rpmsg_ns_cb() does: 7 has
	 * the DESTROY bit, so the channel goes */
	ns.flags = 7;
	assert_int_equal(asv_sendto(&f->re, 53, &ns, sizeof(ns)), 0);
	msys_pump(&f->m);
	assert_int_equal(f->m.host.nchannels, 0);
	assert_true(asv_link_ready(&f->m.host.dev));
}

static void test_ns_flood_is_bounded(void **state)
{
	struct fixture *f = *state;
	struct asv_rpmsg_ns_msg ns;
	unsigned int i;

	memset(&ns, 0, sizeof(ns));
	for (i = 0; i < ASV_HOST_MAX_CHANNELS + 10; i++) {
		snprintf(ns.name, sizeof(ns.name), "flood-%u", i);
		ns.addr = 0x700 + i;
		assert_int_equal(asv_sendto(&f->re, 53, &ns, sizeof(ns)), 0);
		msys_pump(&f->m);
	}
	assert_int_equal(f->m.host.nchannels, ASV_HOST_MAX_CHANNELS);
	assert_true(logcap_has(&f->m.hlog, "ENOSPC"));
}

/*
 * Seeded random scribbles over the rings, the table and the buffers, in
 * both directions, with traffic: whatever happens, no crash, no access
 * outside the block (guard pages), no hang (every call returns).
 */
static uint32_t rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void test_random_scribbles(void **state)
{
	unsigned long iters = test_count(2000), it;
	uint32_t seed = 12345;

	(void)state;
	for (it = 0; it < iters; it++) {
		struct fixture f;
		struct asv_fixture_region {
			uint8_t *p;
			size_t n;
		} areas[4];
		unsigned int k, nbytes;

		memset(&f, 0, sizeof(f));
		assert_int_equal(msys_init(&f.m, NULL), 0);
		msys_pump(&f.m);
		f.h = asv_host_create_ept(&f.m.host, NULL, 0x500, rec_cb, &f.hr, NULL);
		assert_int_equal(asv_create_ept(&f.m.remote.dev, &f.re, NULL, 0x600, rec_cb, &f.rr),
				 0);
		areas[0] = (struct asv_fixture_region){ f.m.rproc.vring_va[0], 0x2806 };
		areas[1] = (struct asv_fixture_region){ f.m.rproc.vring_va[1], 0x2806 };
		areas[2] = (struct asv_fixture_region){ f.m.rproc.table, f.m.rproc.table_size };
		areas[3] = (struct asv_fixture_region){ f.m.rproc.bufs.va, f.m.rproc.bufs.size };
		for (k = 0; k < 4; k++) {
			asv_sendto(f.h, 0x600, "hello", 5);
			asv_sendto(&f.re, 0x500, "world", 5);
		}
		nbytes = 1 + rnd(&seed) % 16;
		for (k = 0; k < nbytes; k++) {
			struct asv_fixture_region *a = &areas[rnd(&seed) % 4];

			a->p[rnd(&seed) % a->n] = (uint8_t)rnd(&seed);
		}
		f.m.host_pending = f.m.remote_pending = 1;
		msys_pump(&f.m);
		for (k = 0; k < 4; k++) {
			asv_trysendto(f.h, 0x600, "again", 5);
			asv_trysendto(&f.re, 0x500, "again", 5);
		}
		f.m.host_pending = f.m.remote_pending = 1;
		msys_pump(&f.m);
		msys_fini(&f.m);
	}
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_corrupt_avail_index),
		T(test_corrupt_avail_index_tx_side),
		T(test_corrupt_avail_index_after_cached_batch),
		T(test_avail_descriptor_id_out_of_range),
		T(test_descriptor_outside_block),
		T(test_descriptor_misaligned),
		T(test_descriptor_into_vrings),
		T(test_descriptor_length_overflow),
		T(test_short_rx_buffer_for_remote_tx),
		T(test_chained_descriptor),
		T(test_rpmsg_len_too_large_to_remote),
		cmocka_unit_test(test_table_rewritten_before_link),
		cmocka_unit_test(test_vring_address_outside_block),
		T(test_corrupt_used_index),
		T(test_used_id_out_of_range),
		T(test_used_id_not_in_flight),
		T(test_used_tx_not_in_flight),
		T(test_rpmsg_len_too_large_to_host),
		T(test_ns_name_without_nul),
		T(test_ns_flood_is_bounded),
		cmocka_unit_test(test_random_scribbles),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
