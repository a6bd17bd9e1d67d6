// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * Zero-copy receive with the buffer handed to a worker thread, as code
 * ported from RPMsg-Lite's rpmsg_queue does: the callback queues the
 * buffer and returns ASV_RX_HOLD, and the worker releases it whenever it
 * gets to it, often before the callback has returned. Both roles, both
 * directions at once. Nothing may be lost, every release must succeed,
 * and afterwards every buffer must be back: with the receiver stopped,
 * the sender can again put all of its buffers in flight.
 */
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define QLEN 1024

struct side {
	struct asv_rpmsg_dev *dev; /* the receiving device */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	void *q[QLEN];
	unsigned int head, tail; /* mu */
	int stop;		 /* mu */
	unsigned int received;	 /* atomic */
	unsigned int released;	 /* atomic */
	unsigned int returned;	 /* atomic: callbacks that returned ASV_RX_HOLD */
	unsigned int bad;	 /* atomic: failed releases, out-of-order payloads */
	unsigned int gate;	 /* atomic: callbacks block while set */
	unsigned int at_gate;	 /* atomic */
	pthread_t worker;
};

static int hold_cb(struct asv_endpoint *e, void *d, size_t n, uint32_t src, void *p)
{
	struct side *s = p;
	unsigned int k = __atomic_load_n(&s->received, __ATOMIC_SEQ_CST);
	uint32_t seq;
	uint64_t end;

	(void)e, (void)src;
	if (__atomic_load_n(&s->gate, __ATOMIC_SEQ_CST)) {
		__atomic_add_fetch(&s->at_gate, 1, __ATOMIC_SEQ_CST);
		while (__atomic_load_n(&s->gate, __ATOMIC_SEQ_CST))
			usleep(200);
		return 0;
	}
	memcpy(&seq, d, sizeof(seq));
	if (n != sizeof(seq) || seq != k)
		__atomic_add_fetch(&s->bad, 1, __ATOMIC_SEQ_CST);
	/*
	 * counted before the worker can release it: the test reads received
	 * once released reached n (counted after, a callback preempted between
	 * the hand-over and the count made the last one look missing, seen
	 * under TSan on a loaded machine)
	 */
	__atomic_add_fetch(&s->received, 1, __ATOMIC_SEQ_CST);
	pthread_mutex_lock(&s->mu);
	while (s->head - s->tail == QLEN)
		pthread_cond_wait(&s->cv, &s->mu);
	s->q[s->head++ % QLEN] = d;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	/* every other message: wait until the worker has released it */
	end = asv_posix_now_ms() + 2000;
	if (k & 1)
		while (__atomic_load_n(&s->released, __ATOMIC_SEQ_CST) <= k &&
		       asv_posix_now_ms() < end)
			sched_yield();
	__atomic_add_fetch(&s->returned, 1, __ATOMIC_SEQ_CST);
	return ASV_RX_HOLD;
}

static void *worker(void *p)
{
	struct side *s = p;

	for (;;) {
		void *d;

		pthread_mutex_lock(&s->mu);
		while (s->head == s->tail && !s->stop)
			pthread_cond_wait(&s->cv, &s->mu);
		if (s->head == s->tail) {
			pthread_mutex_unlock(&s->mu);
			return NULL;
		}
		d = s->q[s->tail++ % QLEN];
		pthread_cond_broadcast(&s->cv);
		pthread_mutex_unlock(&s->mu);
		if (asv_release_rx_buffer(s->dev, d))
			__atomic_add_fetch(&s->bad, 1, __ATOMIC_SEQ_CST);
		__atomic_add_fetch(&s->released, 1, __ATOMIC_SEQ_CST);
	}
}

struct stream {
	struct asv_endpoint *from;
	uint32_t dst, n;
	int err;
};

static void *send_thread(void *p)
{
	struct stream *st = p;
	uint32_t i;

	for (i = 0; i < st->n && !st->err; i++)
		st->err = asv_send_timeout(st->from, st->dst, &i, sizeof(i), 3000);
	return NULL;
}

static void side_init(struct side *s, struct asv_rpmsg_dev *dev)
{
	memset(s, 0, sizeof(*s));
	s->dev = dev;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	assert_int_equal(pthread_create(&s->worker, NULL, worker, s), 0);
}

static void side_stop(struct side *s)
{
	pthread_mutex_lock(&s->mu);
	s->stop = 1;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->worker, NULL);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
}

/* With the receiver's ISR parked in a callback, how many sends fit? */
static unsigned int capacity(struct side *rx, struct asv_endpoint *from, uint32_t dst)
{
	unsigned int n = 0;
	uint32_t v = 0;

	__atomic_store_n(&rx->gate, 1, __ATOMIC_SEQ_CST);
	assert_int_equal(asv_send_timeout(from, dst, &v, sizeof(v), 3000), 0);
	assert_int_equal(wait_atleast(&rx->at_gate, 1, 20000), 0);
	while (asv_trysendto(from, dst, &v, sizeof(v)) == 0)
		n++;
	__atomic_store_n(&rx->gate, 0, __ATOMIC_SEQ_CST);
	return n + 1;
}

static void test_workers_release_both_ways(void **state)
{
	struct asv_vsys_config cfg = { 0 };
	struct asv_vsys *s = calloc(1, sizeof(*s));
	struct asv_endpoint hept, rept;
	struct side hs, rs; /* receiving on the host, on the remote */
	struct stream up, down;
	pthread_t tu, td;
	uint32_t n = (uint32_t)test_count(100000);
	struct logcap lc;

	(void)state;
	logcap_init(&lc, "sys");
	cfg.log = logcap_fn;
	cfg.log_ctx = &lc;
	assert_int_equal(test_vsys_start(s, &cfg), 0);
	assert_int_equal(asv_vsys_wait_link(s, 5000), 0);
	side_init(&hs, &s->host.dev);
	side_init(&rs, &s->remote.dev);
	assert_int_equal(asv_create_ept(&s->host.dev, &hept, NULL, 0x500, hold_cb, &hs), 0);
	assert_int_equal(asv_create_ept(&s->remote.dev, &rept, NULL, 0x600, hold_cb, &rs), 0);
	up = (struct stream){ &rept, 0x500, n, 0 };
	down = (struct stream){ &hept, 0x600, n, 0 };
	pthread_create(&tu, NULL, send_thread, &up);
	pthread_create(&td, NULL, send_thread, &down);
	pthread_join(tu, NULL);
	pthread_join(td, NULL);
	assert_int_equal(up.err, 0);
	assert_int_equal(down.err, 0);
	assert_int_equal(wait_atleast(&hs.released, n, 20000), 0);
	assert_int_equal(wait_atleast(&rs.released, n, 20000), 0);
	assert_int_equal(__atomic_load_n(&hs.bad, __ATOMIC_SEQ_CST), 0);
	assert_int_equal(__atomic_load_n(&rs.bad, __ATOMIC_SEQ_CST), 0);
	assert_int_equal(hs.received, n);
	assert_int_equal(rs.received, n);
	/* the last callbacks may still be on their way out: capacity() wants
	 * each receive thread back at its ring */
	assert_int_equal(wait_atleast(&hs.returned, n, 20000), 0);
	assert_int_equal(wait_atleast(&rs.returned, n, 20000), 0);
	/* every buffer came back: each sender fills all of them again */
	assert_int_equal(capacity(&rs, &hept, 0x600), s->host.nbufs);
	assert_int_equal(capacity(&hs, &rept, 0x500), s->host.nbufs);
	/* no callback after this; then the workers release what they have */
	assert_int_equal(asv_destroy_ept(&rept), 0);
	assert_int_equal(asv_destroy_ept(&hept), 0);
	side_stop(&hs);
	side_stop(&rs);
	asv_vsys_stop(s);
	free(s);
}

/* A release of a buffer that is not held is refused, on both roles. */
static void test_release_of_unheld_buffer(void **state)
{
	struct asv_vsys_config cfg = { 0 };
	struct asv_vsys *s = calloc(1, sizeof(*s));
	struct logcap lc;

	(void)state;
	logcap_init(&lc, "sys");
	cfg.log = logcap_fn;
	cfg.log_ctx = &lc;
	assert_int_equal(test_vsys_start(s, &cfg), 0);
	assert_int_equal(asv_vsys_wait_link(s, 5000), 0);
	/* the first rx buffer of each side: posted, never delivered */
	assert_int_equal(asv_release_rx_buffer(&s->host.dev, s->host.rx_base + 16), -ASV_EINVAL);
	assert_int_equal(asv_release_rx_buffer(&s->remote.dev, s->host.tx_base + 16), -ASV_EINVAL);
	assert_int_equal(asv_release_rx_buffer(&s->host.dev, (char *)s->shm + 3), -ASV_EINVAL);
	asv_vsys_stop(s);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_workers_release_both_ways),
		cmocka_unit_test(test_release_of_unheld_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
