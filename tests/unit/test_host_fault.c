// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * The host's fault plan (asv_host_set_fault, asvirt conform's host.*
 * checks): a kick dropped or sent twice, a malformed descriptor, each
 * exactly as many times as asked; and asvirt's remote against them: a
 * kick may be coalesced, never needed twice (drivers/virtio/virtio_ring.c
 * virtqueue_kick_prepare decides whether to notify at all), and a
 * descriptor outside its memory is refused with a log line, the link shut
 * down cleanly.
 */
#include <string.h>

#include "harness.h"

struct rx {
	unsigned int n;
	char last[16];
};

static int rx_cb(struct asv_endpoint *e, void *d, size_t len, uint32_t src, void *p)
{
	struct rx *r = p;

	(void)e, (void)src;
	r->n++;
	memcpy(r->last, d, len < sizeof(r->last) ? len : sizeof(r->last));
	return 0;
}

/*
 * The remote asks for kicks while idle, so the first send kicks: dropped.
 * The second kicks only without EVENT_IDX (with it, the remote's event
 * index was passed already): else the host kicks on its own. Either way
 * one kick for two messages, and it delivers both.
 */
static void test_dropped_kick_made_up_by_the_next(void **state)
{
	struct asv_host_fault f = { .drop_kicks = 1 };
	struct asv_endpoint *h, re;
	struct rx hr = { 0 }, rr = { 0 };
	struct msys m;
	int irqs;

	(void)state;
	assert_int_equal(msys_pair_init(&m, &h, &re, rx_cb, &hr, &rr), 0);
	asv_host_set_fault(&m.host, &f);
	irqs = m.remote_irqs;
	assert_int_equal(asv_sendto(h, 0x600, "a", 2), 0);
	assert_int_equal(m.remote_irqs, irqs); /* dropped */
	assert_int_equal(f.drop_kicks, 0);
	msys_pump(&m);
	assert_int_equal(rr.n, 0); /* nothing told the remote */
	assert_int_equal(asv_sendto(h, 0x600, "b", 2), 0);
	if (m.remote_irqs == irqs)
		asv_host_kick(&m.host);
	assert_int_equal(m.remote_irqs, irqs + 1);
	msys_pump(&m);
	assert_int_equal(rr.n, 2); /* the second kick delivered both */
	assert_string_equal(rr.last, "b");
	asv_host_set_fault(&m.host, NULL);
	msys_fini(&m);
}

static void test_duplicated_kick_is_harmless(void **state)
{
	struct asv_host_fault f = { .dup_kicks = 1 };
	struct asv_endpoint *h, re;
	struct rx hr = { 0 }, rr = { 0 };
	struct msys m;
	int irqs;

	(void)state;
	assert_int_equal(msys_pair_init(&m, &h, &re, rx_cb, &hr, &rr), 0);
	asv_host_set_fault(&m.host, &f);
	irqs = m.remote_irqs;
	assert_int_equal(asv_sendto(h, 0x600, "a", 2), 0);
	assert_int_equal(m.remote_irqs, irqs + 2);
	msys_pump(&m);
	assert_int_equal(asv_sendto(h, 0x600, "b", 2), 0);
	msys_pump(&m);
	assert_int_equal(rr.n, 2); /* once each */
	assert_int_equal(f.dup_kicks, 0);
	msys_fini(&m);
}

static void bad_desc(enum asv_host_bad_desc kind, const char *log)
{
	struct asv_host_fault f = { .bad_descs = 1, .bad_desc = kind };
	struct asv_endpoint *h, re;
	struct rx hr = { 0 }, rr = { 0 };
	struct msys m;

	assert_int_equal(msys_pair_init(&m, &h, &re, rx_cb, &hr, &rr), 0);
	asv_host_set_fault(&m.host, &f);
	assert_int_equal(asv_sendto(h, 0x600, "bad", 4), 0);
	assert_int_equal(f.bad_descs, 0);
	msys_pump(&m);
	assert_int_equal(rr.n, 0);
	assert_true(logcap_has(&m.rlog, log));
	assert_int_not_equal(m.remote.dev.broken, 0);
	/* the next message is not malformed, but the remote stopped cleanly */
	assert_int_equal(asv_sendto(h, 0x600, "good", 5), 0);
	msys_pump(&m);
	assert_int_equal(rr.n, 0);
	msys_fini(&m);
}

static void test_desc_addr_outside_refused(void **state)
{
	(void)state;
	bad_desc(ASV_HOST_DESC_ADDR, "outside the buffer region");
}

static void test_desc_len_past_buffer_refused(void **state)
{
	(void)state;
	bad_desc(ASV_HOST_DESC_LEN, "outside the buffer region");
}

static void test_desc_id_beyond_ring_refused(void **state)
{
	(void)state;
	bad_desc(ASV_HOST_DESC_ID, "descriptor id");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dropped_kick_made_up_by_the_next),
		cmocka_unit_test(test_duplicated_kick_is_harmless),
		cmocka_unit_test(test_desc_addr_outside_refused),
		cmocka_unit_test(test_desc_len_past_buffer_refused),
		cmocka_unit_test(test_desc_id_beyond_ring_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
