// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * Blocking sends on the threaded system: with every buffer in use a send
 * waits on the simulated interrupt and times out with -ETIMEDOUT; when the
 * peer frees buffers, its interrupt wakes the waiting sender, which then
 * succeeds. Both directions, and from inside a receive callback. Reading
 * a role's statistics never waits for a callback.
 */
#include <stdlib.h>
#include <string.h>

#include "harness.h"

struct gate {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int open;
	unsigned int received; /* atomic */
	unsigned int blocked;  /* atomic: callbacks waiting at the gate */
};

static void gate_init(struct gate *g)
{
	memset(g, 0, sizeof(*g));
	pthread_mutex_init(&g->mu, NULL);
	pthread_cond_init(&g->cv, NULL);
}

static void gate_open(struct gate *g)
{
	pthread_mutex_lock(&g->mu);
	g->open = 1;
	pthread_cond_broadcast(&g->cv);
	pthread_mutex_unlock(&g->mu);
}

static int gated_cb(struct asv_endpoint *e, void *d, size_t n, uint32_t src, void *p)
{
	struct gate *g = p;

	(void)e, (void)d, (void)n, (void)src;
	pthread_mutex_lock(&g->mu);
	__atomic_add_fetch(&g->blocked, 1, __ATOMIC_SEQ_CST);
	while (!g->open)
		pthread_cond_wait(&g->cv, &g->mu);
	pthread_mutex_unlock(&g->mu);
	__atomic_add_fetch(&g->received, 1, __ATOMIC_SEQ_CST);
	return 0;
}

struct sendarg {
	struct asv_endpoint *ept;
	uint32_t dst;
	int ret;
};

static void *send_thread(void *p)
{
	struct sendarg *a = p;

	a->ret = asv_send_timeout(a->ept, a->dst, "late", 4, 10000);
	return NULL;
}

static void run(int remote_sends)
{
	struct asv_vsys_config cfg = { 0 };
	struct asv_vsys *s = calloc(1, sizeof(*s));
	struct asv_endpoint *h, re, *from;
	struct sendarg a;
	struct logcap lc;
	struct gate g;
	pthread_t th;
	unsigned int i;
	uint32_t dst;
	int err;

	gate_init(&g);
	logcap_init(&lc, "sys");
	cfg.log = logcap_fn;
	cfg.log_ctx = &lc;
	assert_int_equal(test_vsys_start(s, &cfg), 0);
	assert_int_equal(asv_vsys_wait_link(s, 5000), 0);
	h = asv_host_create_ept(&s->host, NULL, 0x500, gated_cb, &g, &err);
	assert_int_equal(asv_create_ept(&s->remote.dev, &re, NULL, 0x600, gated_cb, &g), 0);
	from = remote_sends ? &re : h;
	dst = remote_sends ? 0x500 : 0x600;
	/* the receiver's ISR blocks in the first callback: nothing comes back */
	for (i = 0; i < 256; i++)
		assert_int_equal(asv_trysendto(from, dst, &i, sizeof(i)), 0);
	assert_int_equal(wait_atleast(&g.blocked, 1, 10000), 0);
	assert_int_equal(asv_trysendto(from, dst, "x", 1), -ASV_ENOMEM);
	assert_int_equal(asv_send_timeout(from, dst, "x", 1, 100), -ASV_ETIMEDOUT);
	/* a sender blocked on the interrupt is woken when buffers return */
	a = (struct sendarg){ from, dst, 1 };
	pthread_create(&th, NULL, send_thread, &a);
	usleep(20000);
	gate_open(&g);
	pthread_join(th, NULL);
	assert_int_equal(a.ret, 0);
	assert_int_equal(wait_atleast(&g.received, 257, 10000), 0);
	assert_int_equal(asv_destroy_ept(&re), 0);
	asv_host_destroy_ept(h);
	asv_vsys_stop(s);
	free(s);
}

static void test_remote_send_blocks_then_wakes(void **state)
{
	(void)state;
	run(1);
}

static void test_host_send_blocks_then_wakes(void **state)
{
	(void)state;
	run(0);
}

/*
 * The echo firmware answers from its receive callback, on the remote's
 * ISR thread. When the host is slow to give buffers back, that send waits
 * on the interrupt itself (it cannot wait for its own ISR). Nothing lost.
 */
struct counter {
	unsigned int n; /* atomic */
	int hold;
	void *held[600];
};

static int count_cb(struct asv_endpoint *e, void *d, size_t n, uint32_t src, void *p)
{
	struct counter *c = p;
	unsigned int k = __atomic_load_n(&c->n, __ATOMIC_SEQ_CST);

	int hold = __atomic_load_n(&c->hold, __ATOMIC_SEQ_CST);

	(void)e, (void)n, (void)src;
	if (hold)
		c->held[k] = d;
	__atomic_add_fetch(&c->n, 1, __ATOMIC_SEQ_CST);
	return hold ? ASV_RX_HOLD : 0;
}

static void test_echo_from_callback_waits(void **state)
{
	struct asv_vsys_config cfg = { .app = &asv_app_echo };
	struct asv_vsys *s = calloc(1, sizeof(*s));
	struct counter *c = calloc(1, sizeof(*c));
	struct asv_endpoint *h;
	struct logcap lc;
	unsigned int i;
	int err;

	(void)state;
	logcap_init(&lc, "sys");
	cfg.log = logcap_fn;
	cfg.log_ctx = &lc;
	assert_int_equal(test_vsys_start(s, &cfg), 0);
	assert_int_equal(asv_vsys_wait_link(s, 5000), 0);
	/* the host holds every reply, so after 256 the remote runs dry */
	__atomic_store_n(&c->hold, 1, __ATOMIC_SEQ_CST);
	h = asv_host_create_ept(&s->host, NULL, 0x500, count_cb, c, &err);
	for (i = 0; i < 300; i++)
		assert_int_equal(asv_sendto(h, ASV_ECHO_ADDR, &i, sizeof(i)), 0);
	assert_int_equal(wait_atleast(&c->n, 256, 10000), 0);
	usleep(50000);
	assert_int_equal(__atomic_load_n(&c->n, __ATOMIC_SEQ_CST), 256);
	/* give the buffers back: the waiting echo continues, all 300 arrive */
	__atomic_store_n(&c->hold, 0, __ATOMIC_SEQ_CST);
	for (i = 0; i < 256; i++)
		assert_int_equal(asv_release_rx_buffer(&s->host.dev, c->held[i]), 0);
	assert_int_equal(wait_atleast(&c->n, 300, 10000), 0);
	asv_host_destroy_ept(h);
	asv_vsys_stop(s);
	free(c);
	free(s);
}

/*
 * A sender waits for buffers while its own side receives a flood: its
 * receive thread never finds the ring empty, so it never leaves its drain
 * loop, and the peer's "buffers freed" interrupt is taken by that same
 * loop. The waiting sender must still be woken while the flood goes on
 * (found by test_zc_rx: the host's sender sat blocked until the remote's
 * 100000-message stream ended, 0.7 s idle, over 3 s on a loaded machine).
 */
struct flood {
	struct asv_endpoint *from;
	uint32_t dst;
	int stop;    /* atomic */
	int expired; /* atomic: it ended on its own */
};

static void *flood_main(void *p)
{
	struct flood *f = p;
	uint64_t end = asv_posix_now_ms() + 5000; /* the blocked send waits 10000 */
	uint32_t i = 0;

	while (!__atomic_load_n(&f->stop, __ATOMIC_SEQ_CST)) {
		if (asv_posix_now_ms() >= end) {
			__atomic_store_n(&f->expired, 1, __ATOMIC_SEQ_CST);
			break;
		}
		if (asv_send_timeout(f->from, f->dst, &i, sizeof(i), 1000) == 0)
			i++;
	}
	return NULL;
}

/* slower than the flood: the receiver's ring never runs empty */
static int slow_cb(struct asv_endpoint *e, void *d, size_t n, uint32_t src, void *p)
{
	(void)e, (void)d, (void)n, (void)src;
	__atomic_add_fetch((unsigned int *)p, 1, __ATOMIC_SEQ_CST);
	usleep(100);
	return 0;
}

static void flooded_sender(int remote_sends)
{
	struct asv_vsys_config cfg = { .errors_only = true };
	struct asv_vsys *s = calloc(1, sizeof(*s));
	struct counter *held = calloc(1, sizeof(*held));
	struct asv_rpmsg_dev *sd, *pd; /* the sender's device, its peer's */
	struct asv_endpoint se, pe;
	unsigned int flooded = 0, i, n = 0;
	struct flood f;
	struct sendarg a;
	pthread_t tf, ts;

	assert_int_equal(test_vsys_start(s, &cfg), 0);
	assert_int_equal(asv_vsys_wait_link(s, 5000), 0);
	sd = remote_sends ? &s->remote.dev : &s->host.dev;
	pd = remote_sends ? &s->host.dev : &s->remote.dev;
	assert_int_equal(asv_create_ept(sd, &se, NULL, 0x500, slow_cb, &flooded), 0);
	assert_int_equal(asv_create_ept(pd, &pe, NULL, 0x600, count_cb, held), 0);
	/* the peer keeps every message: all of the sender's buffers in use */
	__atomic_store_n(&held->hold, 1, __ATOMIC_SEQ_CST);
	while (asv_trysendto(&se, 0x600, &n, sizeof(n)) == 0)
		n++;
	assert_true(n > 0 && n <= 600);
	assert_int_equal(wait_atleast(&held->n, n, 10000), 0);
	/* the peer floods the sender's side */
	f = (struct flood){ &pe, 0x500, 0, 0 };
	pthread_create(&tf, NULL, flood_main, &f);
	assert_int_equal(wait_atleast(&flooded, 100, 10000), 0);
	/* a blocked sender; then the peer frees every buffer */
	a = (struct sendarg){ &se, 0x600, 1 };
	pthread_create(&ts, NULL, send_thread, &a);
	usleep(20000);
	__atomic_store_n(&held->hold, 0, __ATOMIC_SEQ_CST);
	for (i = 0; i < n; i++)
		assert_int_equal(asv_release_rx_buffer(pd, held->held[i]), 0);
	pthread_join(ts, NULL);
	/* woken while the flood went on, not by its end */
	assert_int_equal(__atomic_load_n(&f.expired, __ATOMIC_SEQ_CST), 0);
	__atomic_store_n(&f.stop, 1, __ATOMIC_SEQ_CST);
	pthread_join(tf, NULL);
	assert_int_equal(a.ret, 0);
	assert_int_equal(wait_atleast(&held->n, n + 1, 10000), 0);
	assert_int_equal(asv_destroy_ept(&pe), 0);
	assert_int_equal(asv_destroy_ept(&se), 0);
	asv_vsys_stop(s);
	free(held);
	free(s);
}

static void test_host_sender_woken_during_a_flood(void **state)
{
	(void)state;
	flooded_sender(0);
}

static void test_remote_sender_woken_during_a_flood(void **state)
{
	(void)state;
	flooded_sender(1);
}

struct stopper {
	struct asv_vsys *s;
	int done; /* atomic */
};

static void *stop_thread(void *arg)
{
	struct stopper *st = arg;

	asv_vsys_stop(st->s);
	__atomic_store_n(&st->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

/*
 * Found with the bench-source firmware, which streams from its receive
 * callback: vsys_stop() ran the app's stop first, which waits for that
 * callback to return, and it never did. The remote now goes down first.
 */
static void test_stop_while_a_callback_streams(void **state)
{
	struct asv_vsys_config cfg = { .app = &asv_app_bench_source };
	struct asv_vsys *s = calloc(1, sizeof(*s));
	struct counter *c = calloc(1, sizeof(*c));
	struct asv_bench_req req = { 0 };
	struct stopper st = { s, 0 };
	struct asv_endpoint *h;
	pthread_t th;
	int err, ms;

	(void)state;
	assert_int_equal(test_vsys_start(s, &cfg), 0);
	assert_int_equal(asv_vsys_wait_link(s, 5000), 0);
	h = asv_host_create_ept(&s->host, NULL, 0x500, count_cb, c, &err);
	assert_non_null(h);
	req.magic = asv_cpu_to_le32(ASV_BENCH_REQ_MAGIC);
	req.count = asv_cpu_to_le32(0x7fffffffu); /* hours of messages */
	req.size = asv_cpu_to_le32(16);
	req.nept = asv_cpu_to_le32(1);
	req.dst_base = asv_cpu_to_le32(0x500);
	assert_int_equal(asv_sendto(h, ASV_BENCH_SOURCE_ADDR, &req, sizeof(req)), 0);
	assert_int_equal(wait_atleast(&c->n, 1000, 10000), 0);
	pthread_create(&th, NULL, stop_thread, &st);
	for (ms = 0; ms < 10000 && !__atomic_load_n(&st.done, __ATOMIC_SEQ_CST); ms++)
		usleep(1000);
	assert_true(__atomic_load_n(&st.done, __ATOMIC_SEQ_CST)); /* else: hung */
	pthread_join(th, NULL);
	free(c);
	free(s);
}

/*
 * A warning (a message to an address nobody has) is logged at the default
 * level and not with errors_only. Found with `asvirt demo --log-level
 * error`, which printed warnings: level 0 (error) read as "default".
 */
static int logged_drop(bool errors_only)
{
	struct asv_vsys_config cfg = { .errors_only = errors_only };
	struct asv_vsys *s = calloc(1, sizeof(*s));
	struct counter *c = calloc(1, sizeof(*c));
	struct asv_endpoint *h, re;
	struct logcap lc;
	int err, found;

	logcap_init(&lc, "sys");
	cfg.log = logcap_fn;
	cfg.log_ctx = &lc;
	assert_int_equal(test_vsys_start(s, &cfg), 0);
	assert_int_equal(asv_vsys_wait_link(s, 5000), 0);
	h = asv_host_create_ept(&s->host, NULL, 0x500, count_cb, c, &err);
	assert_non_null(h);
	assert_int_equal(asv_create_ept(&s->remote.dev, &re, NULL, 0x600, count_cb, c), 0);
	/* in order on one ring: when "sync" arrives, the drop was logged */
	assert_int_equal(asv_sendto(h, 0x777, "nobody", 6), 0);
	assert_int_equal(asv_sendto(h, 0x600, "sync", 4), 0);
	assert_int_equal(wait_atleast(&c->n, 1, 10000), 0);
	found = logcap_has(&lc, "no endpoint");
	assert_int_equal(asv_destroy_ept(&re), 0);
	asv_host_destroy_ept(h);
	asv_vsys_stop(s);
	free(c);
	free(s);
	return found;
}

struct stats_reader {
	struct asv_rpmsg_dev *dev;
	struct asv_stats st;
	int done; /* atomic */
};

static void *stats_main(void *arg)
{
	struct stats_reader *r = arg;

	asv_get_stats(r->dev, &r->st);
	__atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/*
 * A monitor (asvirt up's status, say) reads the host's counters while the
 * host's ISR thread sits in a slow callback: the read returns at once
 * instead of waiting for the callback, and the counters are right.
 */
static void test_stats_while_a_callback_blocks(void **state)
{
	struct asv_vsys_config cfg = { .errors_only = true };
	struct asv_vsys *s = calloc(1, sizeof(*s));
	struct stats_reader r = { 0 };
	struct asv_endpoint *h, re;
	struct asv_stats st;
	uint64_t end;
	struct gate g;
	pthread_t th;
	int err;

	(void)state;
	gate_init(&g);
	assert_int_equal(test_vsys_start(s, &cfg), 0);
	assert_int_equal(asv_vsys_wait_link(s, 5000), 0);
	h = asv_host_create_ept(&s->host, NULL, 0x500, gated_cb, &g, &err);
	assert_non_null(h);
	assert_int_equal(asv_create_ept(&s->remote.dev, &re, NULL, 0x600, gated_cb, &g), 0);
	assert_int_equal(asv_sendto(&re, 0x500, "a", 1), 0);
	assert_int_equal(asv_sendto(&re, 0x500, "b", 1), 0);
	assert_int_equal(wait_atleast(&g.blocked, 1, 10000), 0);
	r.dev = &s->host.dev;
	assert_int_equal(pthread_create(&th, NULL, stats_main, &r), 0);
	end = asv_posix_now_ms() + 2000;
	while (!__atomic_load_n(&r.done, __ATOMIC_ACQUIRE) && asv_posix_now_ms() < end)
		usleep(1000);
	gate_open(&g); /* a reader that waited for the callback ends now */
	pthread_join(th, NULL);
	assert_true(asv_posix_now_ms() < end);
	assert_int_equal(r.st.rx_msgs, 1); /* counted as its callback starts */
	assert_int_equal(wait_atleast(&g.received, 2, 10000), 0);
	asv_get_stats(&s->host.dev, &st);
	assert_int_equal(st.rx_msgs, 2);
	asv_get_stats(&s->remote.dev, &st);
	assert_int_equal(st.tx_msgs, 2);
	assert_int_equal(asv_destroy_ept(&re), 0);
	asv_host_destroy_ept(h);
	asv_vsys_stop(s);
	free(s);
}

static void test_errors_only_hides_warnings(void **state)
{
	(void)state;
	assert_true(logged_drop(false));
	assert_false(logged_drop(true));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_remote_send_blocks_then_wakes),
		cmocka_unit_test(test_host_send_blocks_then_wakes),
		cmocka_unit_test(test_echo_from_callback_waits),
		cmocka_unit_test(test_host_sender_woken_during_a_flood),
		cmocka_unit_test(test_remote_sender_woken_during_a_flood),
		cmocka_unit_test(test_stop_while_a_callback_streams),
		cmocka_unit_test(test_stats_while_a_callback_blocks),
		cmocka_unit_test(test_errors_only_hides_warnings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
