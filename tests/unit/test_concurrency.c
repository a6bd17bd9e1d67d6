// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * Concurrency: the threaded system (an ISR thread per side blocked on its
 * semaphore) moves 1,000,000 messages each way at the same time over 4
 * endpoint pairs. Every message carries its endpoint, a per-endpoint
 * sequence number, a length that varies with it and a checksum; the
 * receivers check that nothing is lost, duplicated, reordered or
 * corrupted. ASVIRT_TEST_SCALE=tenth moves a tenth as many.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#define NEPT 4
#define HOST_BASE 0x500u
#define REMOTE_BASE 0x600u

struct msg {
	uint32_t ept;
	uint32_t seq;
	uint32_t len;
	uint32_t sum;
	uint8_t data[ASV_RPMSG_MAX_PAYLOAD - 16];
};

struct stream {
	uint32_t expect; /* next sequence number (receiver) */
	uint32_t errors;
	uint32_t received;
};

struct ctx {
	struct asv_vsys sys;
	struct asv_endpoint *hept[NEPT];
	struct asv_endpoint rept[NEPT];
	struct stream to_host[NEPT], to_remote[NEPT];
	unsigned long per_ept;
	int send_errors;
	struct logcap log;
};

static uint32_t checksum(const uint8_t *p, uint32_t n, uint32_t seed)
{
	uint32_t h = 2166136261u ^ seed;

	while (n--)
		h = (h ^ *p++) * 16777619u;
	return h;
}

static size_t fill(struct msg *m, uint32_t ept, uint32_t seq)
{
	uint32_t i;

	m->ept = ept;
	m->seq = seq;
	m->len = (seq * 37u + ept * 11u) % (uint32_t)sizeof(m->data);
	for (i = 0; i < m->len; i++)
		m->data[i] = (uint8_t)(seq + i * 3u + ept);
	m->sum = checksum(m->data, m->len, seq ^ (ept << 24));
	return 16u + m->len;
}

static void check(struct stream *s, const void *data, size_t len, uint32_t ept)
{
	const struct msg *m = data;

	if (len < 16 || m->ept != ept || m->seq != s->expect || len != 16u + m->len ||
	    m->sum != checksum(m->data, m->len, m->seq ^ (ept << 24))) {
		s->errors++;
		s->expect = len >= 16 ? m->seq + 1 : s->expect + 1;
	} else {
		s->expect++;
	}
	/* last, and atomic: the main thread's read of it orders the rest */
	__atomic_add_fetch(&s->received, 1, __ATOMIC_SEQ_CST);
}

static int host_cb(struct asv_endpoint *e, void *d, size_t n, uint32_t src, void *p)
{
	struct ctx *c = p;
	uint32_t i = e->addr - HOST_BASE;

	if (src != REMOTE_BASE + i)
		c->to_host[i].errors++;
	check(&c->to_host[i], d, n, i);
	return 0;
}

static int remote_cb(struct asv_endpoint *e, void *d, size_t n, uint32_t src, void *p)
{
	struct ctx *c = p;
	uint32_t i = e->addr - REMOTE_BASE;

	if (src != HOST_BASE + i)
		c->to_remote[i].errors++;
	check(&c->to_remote[i], d, n, i);
	return 0;
}

struct sender {
	struct ctx *c;
	int remote; /* which side sends */
	int first;  /* endpoints first, first + 1 */
};

static void *sender_main(void *arg)
{
	struct sender *s = arg;
	struct msg m;
	unsigned long k;
	int j;

	for (k = 0; k < s->c->per_ept; k++) {
		for (j = s->first; j < s->first + 2; j++) {
			size_t n = fill(&m, (uint32_t)j, (uint32_t)k);
			int err;

			if (s->remote)
				err = asv_sendto(&s->c->rept[j], HOST_BASE + (uint32_t)j, &m, n);
			else
				err = asv_sendto(s->c->hept[j], REMOTE_BASE + (uint32_t)j, &m, n);
			if (err)
				__atomic_add_fetch(&s->c->send_errors, 1, __ATOMIC_RELAXED);
		}
	}
	return NULL;
}

static uint32_t total(struct stream *s)
{
	uint32_t t = 0;
	int i;

	for (i = 0; i < NEPT; i++)
		t += __atomic_load_n(&s[i].received, __ATOMIC_SEQ_CST);
	return t;
}

static void test_million_each_way(void **state)
{
	struct ctx *c = calloc(1, sizeof(*c));
	struct asv_vsys_config cfg = { .log = logcap_fn, .timeout_ms = 15000 };
	struct sender snd[4];
	pthread_t th[4];
	struct asv_stats hs, rs;
	uint64_t end;
	int i, err;

	(void)state;
	logcap_init(&c->log, "sys");
	cfg.log_ctx = &c->log;
	c->per_ept = test_count(1000000) / NEPT;
	assert_int_equal(test_vsys_start(&c->sys, &cfg), 0);
	for (i = 0; i < NEPT; i++) {
		c->hept[i] = asv_host_create_ept(&c->sys.host, NULL, HOST_BASE + (uint32_t)i,
						 host_cb, c, &err);
		assert_non_null(c->hept[i]);
		assert_int_equal(asv_create_ept(&c->sys.remote.dev, &c->rept[i], NULL,
						REMOTE_BASE + (uint32_t)i, remote_cb, c),
				 0);
	}
	assert_int_equal(asv_vsys_wait_link(&c->sys, 5000), 0);
	for (i = 0; i < 4; i++) {
		snd[i] = (struct sender){ c, i & 1, (i / 2) * 2 };
		pthread_create(&th[i], NULL, sender_main, &snd[i]);
	}
	for (i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	end = asv_posix_now_ms() + 30000;
	while ((total(c->to_host) < c->per_ept * NEPT || total(c->to_remote) < c->per_ept * NEPT) &&
	       asv_posix_now_ms() < end)
		usleep(1000);
	asv_get_stats(&c->sys.host.dev, &hs);
	asv_get_stats(&c->sys.remote.dev, &rs);
	print_message("%lu messages each way; host: %lu tx waits, %lu irqs handled; remote: %lu tx "
		      "waits, %lu irqs handled\n",
		      c->per_ept * NEPT, hs.tx_waits, hs.isr_runs, rs.tx_waits, rs.isr_runs);
	assert_int_equal(c->send_errors, 0);
	for (i = 0; i < NEPT; i++) {
		assert_int_equal(c->to_host[i].errors, 0);
		assert_int_equal(c->to_remote[i].errors, 0);
		assert_int_equal(c->to_host[i].received, c->per_ept);
		assert_int_equal(c->to_remote[i].received, c->per_ept);
		assert_int_equal(c->to_host[i].expect, c->per_ept);
		assert_int_equal(c->to_remote[i].expect, c->per_ept);
	}
	assert_int_equal(hs.rx_msgs, c->per_ept * NEPT);
	assert_int_equal(rs.rx_msgs, c->per_ept * NEPT);
	assert_int_equal(hs.rx_malformed + hs.rx_unknown_dst + rs.rx_malformed + rs.rx_unknown_dst,
			 0);
	for (i = 0; i < NEPT; i++) {
		asv_host_destroy_ept(c->hept[i]);
		assert_int_equal(asv_destroy_ept(&c->rept[i]), 0);
	}
	asv_vsys_stop(&c->sys);
	free(c);
}

/*
 * The POSIX port's TX lock (biased to one thread, then a test-and-set
 * lock; see biased_lock.c) keeps senders apart even when all of them
 * share one CPU, so holders are preempted inside the lock: each waiter,
 * and a revoker waiting for the owner, must let the holder run (one that
 * only spun would stall for whole time slices).
 */
struct lock_user {
	struct asv_posix_role *role;
	unsigned long *count;
	int *inside;
	unsigned long n;
	int overlaps;
};

static void *lock_user_main(void *arg)
{
	struct lock_user *u = arg;
	unsigned long i;

	asv_posix_pin_self(0);
	for (i = 0; i < u->n; i++) {
		u->role->env.lock(u->role->env.ctx, ASV_LOCK_TX);
		if (__atomic_exchange_n(u->inside, 1, __ATOMIC_RELAXED))
			u->overlaps++;
		/* a read-modify-write a second holder would break */
		*u->count = *u->count + 1;
		__atomic_store_n(u->inside, 0, __ATOMIC_RELAXED);
		u->role->env.unlock(u->role->env.ctx, ASV_LOCK_TX);
	}
	return NULL;
}

static void test_tx_lock_on_one_cpu(void **state)
{
	struct asv_notifier *irq = asv_notifier_sem_create(), *peer = asv_notifier_sem_create();
	struct asv_posix_role *role = calloc(1, sizeof(*role));
	struct lock_user u[3];
	pthread_t th[3];
	unsigned long count = 0;
	int inside = 0, i;

	(void)state;
	assert_non_null(irq);
	assert_non_null(peer);
	assert_non_null(role);
	assert_int_equal(asv_posix_role_init(role, "lock", irq, peer, NULL, NULL, ASV_LOG_ERR), 0);
	for (i = 0; i < 3; i++) {
		u[i] = (struct lock_user){ role, &count, &inside, test_count(300000), 0 };
		assert_int_equal(pthread_create(&th[i], NULL, lock_user_main, &u[i]), 0);
	}
	for (i = 0; i < 3; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(u[i].overlaps, 0);
	}
	assert_int_equal(count, 3 * u[0].n);
	asv_posix_role_destroy(role);
	free(role);
	irq->destroy(irq);
	peer->destroy(peer);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tx_lock_on_one_cpu),
		cmocka_unit_test(test_million_each_way),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
