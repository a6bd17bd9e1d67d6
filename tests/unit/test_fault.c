// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * The remote's fault plan (asvirt/fault.h): the spec parser on good and
 * bad specs, the per-event decisions, and each fault against asvirt's own
 * host, which must react as Linux 6.1's virtio_rpmsg_bus does (docs/faults.md):
 * drop a bad message with a log line and go on, deliver late what a lost
 * kick held back once the next kick comes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "harness.h"
#include "rpmsg_internal.h"
#include "asvirt/fault.h"

static void parse_ok(struct asv_fault_plan *p, const char *spec, const char *canon)
{
	char why[160], out[ASV_FAULT_SPEC_MAX + 1];

	memset(p, 0, sizeof(*p));
	if (asv_fault_parse(p, spec, why, sizeof(why)))
		fail_msg("'%s' refused: %s", spec, why);
	asv_fault_format(p, out, sizeof(out));
	assert_string_equal(out, canon);
}

static void test_parse_each_fault(void **state)
{
	struct asv_fault_plan p;

	(void)state;
	parse_ok(&p, "off", "off");
	assert_false(asv_fault_active(&p));
	parse_ok(&p, "off\n", "off");
	parse_ok(&p, "crash-after=100", "crash-after=100");
	assert_int_equal(p.crash_after, 100);
	assert_true(asv_fault_active(&p));
	parse_ok(&p, "drop-kick=1/4\n", "drop-kick=1/4");
	assert_int_equal(p.drop_k, 1);
	assert_int_equal(p.drop_m, 4);
	parse_ok(&p, "drop-kick=3", "drop-kick=3");
	assert_int_equal(p.drop_next, 3);
	parse_ok(&p, "drop-kick=4/4", "drop-kick=4/4");
	parse_ok(&p, "delay-kick=7ms", "delay-kick=7ms");
	parse_ok(&p, "stall=50ms", "stall=50ms");
	assert_int_equal(p.stall_ms, 50);
	parse_ok(&p, "stall=60000ms", "stall=60000ms");
	parse_ok(&p, "corrupt=src", "corrupt=src");
	parse_ok(&p, "corrupt=dst", "corrupt=dst");
	parse_ok(&p, "corrupt=len", "corrupt=len");
	assert_int_equal(p.corrupt, ASV_FAULT_F_LEN);
	parse_ok(&p, "corrupt=flags", "corrupt=flags");
	parse_ok(&p, "corrupt=ns-name", "corrupt=ns-name");
	parse_ok(&p, "corrupt=len@1", "corrupt=len");
	parse_ok(&p, "corrupt=dst@12", "corrupt=dst@12");
	assert_int_equal(p.corrupt_at, 12);
	parse_ok(&p, "reorder=on", "reorder=on");
	parse_ok(&p, "reorder=off", "off");
	parse_ok(&p, "crash-after=1000000", "crash-after=1000000");
	/* combined, printed in one canonical order; a later item wins */
	parse_ok(&p, "reorder=on,stall=5ms,crash-after=9,drop-kick=1/2,crash-after=10",
		 "crash-after=10,drop-kick=1/2,stall=5ms,reorder=on");
}

/* A bad spec is refused with a reason and leaves the plan as it was. */
static void parse_bad(const char *spec, const char *reason)
{
	struct asv_fault_plan p, before;
	char why[160];

	memset(&p, 0, sizeof(p));
	assert_int_equal(asv_fault_parse(&p, "crash-after=5,reorder=on", NULL, 0), 0);
	before = p;
	if (asv_fault_parse(&p, spec, why, sizeof(why)) != -ASV_EINVAL)
		fail_msg("'%s' accepted", spec);
	if (!strstr(why, reason))
		fail_msg("'%s': reason '%s' lacks '%s'", spec, why, reason);
	assert_memory_equal(&p, &before, sizeof(p));
}

static void test_parse_refuses_bad_specs(void **state)
{
	(void)state;
	parse_bad("", "empty spec");
	parse_bad("\n", "empty spec");
	parse_bad("crash-after", "key=value");
	parse_bad("=5", "key=value");
	parse_bad("crash-after=", "key=value");
	parse_bad("stall=5ms,", "key=value");
	parse_bad(",stall=5ms", "key=value");
	parse_bad("stall=5ms,,reorder=on", "key=value");
	parse_bad("off,stall=5ms", "key=value");
	parse_bad("crash-after=0", "crash-after wants");
	parse_bad("crash-after=-1", "crash-after wants");
	parse_bad("crash-after=1x", "crash-after wants");
	parse_bad("crash-after= 1", "crash-after wants");
	parse_bad("crash-after=1000001", "crash-after wants");
	parse_bad("crash-after=99999999999999999999", "crash-after wants");
	parse_bad("drop-kick=5/4", "drop-kick wants");
	parse_bad("drop-kick=0/4", "drop-kick wants");
	parse_bad("drop-kick=1/0", "drop-kick wants");
	parse_bad("drop-kick=/4", "drop-kick wants");
	parse_bad("drop-kick=1/", "drop-kick wants");
	parse_bad("drop-kick=1/2/3", "drop-kick wants");
	parse_bad("stall=50", "stall wants");
	parse_bad("stall=ms", "stall wants");
	parse_bad("stall=50s", "stall wants");
	parse_bad("stall=60001ms", "stall wants");
	parse_bad("delay-kick=0ms", "delay-kick wants");
	parse_bad("corrupt=", "key=value");
	parse_bad("corrupt=lenx", "corrupt wants");
	parse_bad("corrupt=le", "corrupt wants");
	parse_bad("corrupt=LEN", "corrupt wants");
	parse_bad("corrupt=len@", "corrupt wants");
	parse_bad("corrupt=len@0", "corrupt wants");
	parse_bad("corrupt=len@x", "corrupt wants");
	parse_bad("corrupt=@3", "corrupt wants");
	parse_bad("corrupt=len@3@4", "corrupt wants");
	parse_bad("reorder=1", "reorder wants");
	parse_bad("Off", "key=value");
	parse_bad("explode=now", "unknown fault 'explode'");
	parse_bad("stall=5ms\n\n", "stall wants");
}

/* The parser reads no byte past ASV_FAULT_SPEC_MAX + 1, NUL or not. */
static void test_parse_long_spec_without_nul(void **state)
{
	long pg = sysconf(_SC_PAGESIZE);
	uint8_t *m =
	    mmap(NULL, (size_t)pg * 2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct asv_fault_plan p;
	char why[160], *s;

	(void)state;
	assert_true(m != MAP_FAILED);
	assert_int_equal(mprotect(m + pg, (size_t)pg, PROT_NONE), 0);
	/* ASV_FAULT_SPEC_MAX + 1 bytes of 'a' ending at the guard page */
	s = (char *)m + pg - (ASV_FAULT_SPEC_MAX + 1);
	memset(s, 'a', ASV_FAULT_SPEC_MAX + 1);
	memset(&p, 0, sizeof(p));
	assert_int_equal(asv_fault_parse(&p, s, why, sizeof(why)), -ASV_EINVAL);
	assert_non_null(strstr(why, "longer than"));
	/* exactly ASV_FAULT_SPEC_MAX bytes is read to its end (and refused: 'aaa...') */
	s[ASV_FAULT_SPEC_MAX] = '\0';
	assert_int_equal(asv_fault_parse(&p, s, why, sizeof(why)), -ASV_EINVAL);
	assert_non_null(strstr(why, "key=value"));
	assert_int_equal(asv_fault_parse(NULL, "off", why, sizeof(why)), -ASV_EINVAL);
	assert_int_equal(asv_fault_parse(&p, NULL, why, sizeof(why)), -ASV_EINVAL);
	munmap(m, (size_t)pg * 2);
}

struct hooks_rec {
	unsigned int crashes, stalls;
	uint32_t stalled_ms;
};

static void rec_crash(void *ctx, const char *why)
{
	struct hooks_rec *h = ctx;

	assert_non_null(strstr(why, "crash-after"));
	h->crashes++;
}

static void rec_stall(void *ctx, uint32_t ms)
{
	struct hooks_rec *h = ctx;

	h->stalls++;
	h->stalled_ms += ms;
}

static void plan_with_hooks(struct asv_fault_plan *p, struct hooks_rec *h, const char *spec)
{
	memset(p, 0, sizeof(*p));
	memset(h, 0, sizeof(*h));
	p->hooks = (struct asv_fault_hooks){ h, rec_crash, rec_stall };
	assert_int_equal(asv_fault_parse(p, spec, NULL, 0), 0);
}

static void test_decisions(void **state)
{
	struct asv_fault_plan p;
	struct hooks_rec h;
	uint8_t buf[16 + 40];
	struct asv_rpmsg_hdr *hdr = (void *)buf;
	char rep[200];
	int i, pattern = 0;

	(void)state;
	/* drop-kick=1/4: the first of every 4 kicks */
	plan_with_hooks(&p, &h, "drop-kick=1/4");
	for (i = 0; i < 8; i++)
		pattern |= !asv_fault_on_kick(&p) << i;
	assert_int_equal(pattern, 0x11);
	/* drop-kick=2: the next two, then none */
	plan_with_hooks(&p, &h, "drop-kick=2");
	assert_false(asv_fault_on_kick(&p));
	assert_false(asv_fault_on_kick(&p));
	assert_true(asv_fault_on_kick(&p));
	assert_true(asv_fault_on_kick(&p));
	assert_false(asv_fault_active(&p));
	/* delay-kick: every kick, through the hook */
	plan_with_hooks(&p, &h, "delay-kick=3ms");
	assert_true(asv_fault_on_kick(&p));
	assert_true(asv_fault_on_kick(&p));
	assert_int_equal(h.stalled_ms, 6);
	/* stall: the next interrupt only */
	plan_with_hooks(&p, &h, "stall=20ms");
	asv_fault_on_isr(&p);
	asv_fault_on_isr(&p);
	assert_int_equal(h.stalls, 1);
	assert_int_equal(h.stalled_ms, 20);
	/* crash-after=3: three go out, the fourth crashes, once */
	plan_with_hooks(&p, &h, "crash-after=3");
	memset(buf, 0, sizeof(buf));
	for (i = 0; i < 3; i++)
		assert_false(asv_fault_on_send(&p, hdr, 0));
	assert_int_equal(h.crashes, 0);
	assert_true(asv_fault_on_send(&p, hdr, 0));
	assert_int_equal(h.crashes, 1);
	assert_false(asv_fault_on_send(&p, hdr, 0));
	assert_int_equal(h.crashes, 1);
	asv_fault_report(&p, rep, sizeof(rep));
	assert_non_null(strstr(rep, "sent 4 "));
	assert_non_null(strstr(rep, "crashes 1"));
	/* corrupt=len: the next message only */
	plan_with_hooks(&p, &h, "corrupt=len");
	asv_rpmsg_fill_hdr(hdr, 0x400, 0x401, 5);
	assert_false(asv_fault_on_send(&p, hdr, 5));
	assert_int_equal(asv_le16(hdr->len), 0xFFFF);
	asv_rpmsg_fill_hdr(hdr, 0x400, 0x401, 5);
	assert_false(asv_fault_on_send(&p, hdr, 5));
	assert_int_equal(asv_le16(hdr->len), 5);
	/* corrupt=flags@3: the third message only */
	plan_with_hooks(&p, &h, "corrupt=flags@3");
	for (i = 1; i <= 4; i++) {
		asv_rpmsg_fill_hdr(hdr, 0x400, 0x401, 5);
		assert_false(asv_fault_on_send(&p, hdr, 5));
		assert_int_equal(asv_le16(hdr->flags), i == 3 ? 0xFFFF : 0);
	}
	/* corrupt=ns-name waits for a name-service message */
	plan_with_hooks(&p, &h, "corrupt=ns-name");
	memset(buf, 0, sizeof(buf));
	asv_rpmsg_fill_hdr(hdr, 0x400, 0x401, 40);
	assert_false(asv_fault_on_send(&p, hdr, 40));
	assert_int_equal(hdr->data[0], 0);
	asv_rpmsg_fill_hdr(hdr, 0x400, ASV_RPMSG_NS_ADDR, 40);
	assert_false(asv_fault_on_send(&p, hdr, 40));
	for (i = 0; i < 32; i++)
		assert_int_equal(hdr->data[i], 'X');
	assert_int_equal(hdr->data[32], 0); /* the address stays */
}

/* ---- against asvirt's own host (msys) ---- */

struct inbox {
	unsigned int n;
	char msg[8][16];
};

static int inbox_cb(struct asv_endpoint *e, void *d, size_t n, uint32_t src, void *priv)
{
	struct inbox *in = priv;

	(void)e, (void)src;
	if (in->n < 8 && n < 16) {
		memcpy(in->msg[in->n], d, n);
		in->msg[in->n][n] = '\0';
	}
	in->n++;
	return 0;
}

struct fixture {
	struct msys m;
	struct asv_endpoint *h; /* host 0x500 */
	struct asv_endpoint re; /* remote 0x600 */
	struct inbox hin, rin;
	struct asv_fault_plan plan;
	struct hooks_rec hooks;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f || msys_pair_init(&f->m, &f->h, &f->re, inbox_cb, &f->hin, &f->rin))
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

static void set_plan(struct fixture *f, const char *spec)
{
	plan_with_hooks(&f->plan, &f->hooks, spec);
	assert_int_equal(asv_remote_set_fault(&f->m.remote, &f->plan), 0);
}

static void say(struct fixture *f, const char *s)
{
	assert_int_equal(asv_sendto(&f->re, 0x500, s, strlen(s)), 0);
}

/*
 * corrupt=len: Linux's rpmsg_recv_single() (6.1 virtio_rpmsg_bus.c:731-735)
 * drops it with "inbound msg too big"; asvirt's host drops it with a log
 * line too and the next message arrives.
 */
static void test_host_drops_corrupt_len(void **state)
{
	struct fixture *f = *state;

	set_plan(f, "corrupt=len");
	say(f, "one");
	msys_pump(&f->m);
	assert_int_equal(f->hin.n, 0);
	assert_true(logcap_has(&f->m.hlog, "exceeds its"));
	say(f, "two");
	msys_pump(&f->m);
	assert_int_equal(f->hin.n, 1);
	assert_string_equal(f->hin.msg[0], "two");
}

/* corrupt=dst: no endpoint there; Linux: "msg received with no recipient" (6.1 :762). */
static void test_host_drops_corrupt_dst(void **state)
{
	struct fixture *f = *state;

	set_plan(f, "corrupt=dst");
	say(f, "one");
	say(f, "two");
	msys_pump(&f->m);
	assert_int_equal(f->hin.n, 1);
	assert_string_equal(f->hin.msg[0], "two");
	assert_true(logcap_has(&f->m.hlog, "no endpoint"));
}

/*
 * drop-kick=1: the message waits in the used ring until the host's next
 * interrupt. With the ring flags that is the next message's kick. With
 * VIRTIO_RING_F_EVENT_IDX the host asked for one interrupt when the used
 * index passes its used_event (Linux: virtqueue_enable_cb_prepare_split(),
 * virtio_ring.c), the remote passed it with the kick dropped, and
 * vring_need_event() then says no kick is owed for later ones: the host
 * stays stalled until it looks at the ring for another reason.
 */
static void test_dropped_kick_delivered_with_the_next(void **state)
{
	struct fixture *f = *state;

	set_plan(f, "drop-kick=1");
	say(f, "one");
	msys_pump(&f->m);
	assert_int_equal(f->hin.n, 0);
	assert_int_equal(f->plan.dropped, 1);
	say(f, "two");
	msys_pump(&f->m);
	if (f->m.remote.tx_vr.event_idx) {
		assert_int_equal(f->hin.n, 0);
		assert_int_equal(f->plan.kicks, 1);
		f->m.in_host_isr = 1;
		asv_host_isr(&f->m.host);
		f->m.in_host_isr = 0;
	} else {
		assert_int_equal(f->plan.kicks, 2);
	}
	assert_int_equal(f->hin.n, 2);
	assert_string_equal(f->hin.msg[0], "one");
	assert_string_equal(f->hin.msg[1], "two");
}

/* crash-after=2: two arrive, the third crashes the firmware (hook) and is not sent. */
static void test_crash_after(void **state)
{
	struct fixture *f = *state;

	set_plan(f, "crash-after=2");
	say(f, "one");
	say(f, "two");
	say(f, "three");
	msys_pump(&f->m);
	assert_int_equal(f->hooks.crashes, 1);
	assert_int_equal(f->hin.n, 2);
	assert_string_equal(f->hin.msg[1], "two");
}

/* reorder=on: pairs go out later one first; a lone one at the end of the ISR. */
static void test_reorder(void **state)
{
	struct fixture *f = *state;
	struct asv_stats st;

	set_plan(f, "reorder=on");
	say(f, "a");
	say(f, "b");
	say(f, "c");
	msys_pump(&f->m);
	assert_int_equal(f->hin.n, 2);
	assert_string_equal(f->hin.msg[0], "b");
	assert_string_equal(f->hin.msg[1], "a");
	/* "c" is held until the remote's next interrupt ends */
	f->m.in_remote_isr = 1;
	asv_remote_isr(&f->m.remote);
	f->m.in_remote_isr = 0;
	msys_pump(&f->m);
	assert_int_equal(f->hin.n, 3);
	assert_string_equal(f->hin.msg[2], "c");
	assert_int_equal(f->plan.reordered, 1);
	/* turning the plan off hands over a held buffer at once */
	say(f, "d");
	assert_int_equal(asv_remote_set_fault(&f->m.remote, NULL), 0);
	msys_pump(&f->m);
	assert_int_equal(f->hin.n, 4);
	assert_string_equal(f->hin.msg[3], "d");
	asv_get_stats(&f->m.host.dev, &st);
	assert_int_equal(st.rx_malformed, 0);
}

/* stall: the next interrupt waits in the hook, then runs normally. */
static void test_stall(void **state)
{
	struct fixture *f = *state;

	set_plan(f, "stall=30ms");
	assert_int_equal(asv_sendto(f->h, 0x600, "hi", 2), 0);
	msys_pump(&f->m);
	assert_int_equal(f->hooks.stalls, 1);
	assert_int_equal(f->hooks.stalled_ms, 30);
	assert_int_equal(f->rin.n, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_each_fault),
		cmocka_unit_test(test_parse_refuses_bad_specs),
		cmocka_unit_test(test_parse_long_spec_without_nul),
		cmocka_unit_test(test_decisions),
		cmocka_unit_test_setup_teardown(test_host_drops_corrupt_len, setup, teardown),
		cmocka_unit_test_setup_teardown(test_host_drops_corrupt_dst, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dropped_kick_delivered_with_the_next, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_crash_after, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reorder, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stall, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
