// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * Tear-down while other threads are in the send path. The remote stops
 * answering (its ISR thread stops, as when it hangs or crashes), 1-4 host
 * threads keep sending until every buffer is in flight and they block,
 * and the host is torn down (asv_host_deinit(), the recovery case) while
 * they are blocked or still sending. Every sender must return
 * -ASV_ESHUTDOWN, nothing may touch the host's freed state, and every
 * message a send accepted must be either delivered or reported through
 * tx_lost, exactly once. The mirror for the remote role: the host stops
 * answering and the remote is shut down under its senders, whose port
 * state (locks, condition variable) is destroyed as soon as the shutdown
 * returns.
 */
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define MAX_SENDERS 4
#define MAX_SEQ 2048

enum { SEEN_DELIVERED = 1, SEEN_LOST = 2 };

struct msg {
	uint32_t sender, seq;
};

struct teardown;

struct sender {
	struct teardown *t;
	pthread_t th;
	uint32_t id;
	int zero_copy;
	uint32_t accepted; /* seqs 0..accepted-1 were accepted */
	int last_err;
};

struct teardown {
	struct asv_vsys *s;
	struct asv_endpoint hept, rept;
	struct sender snd[MAX_SENDERS];
	unsigned int nsenders;
	int remote_sends;
	unsigned int delivered; /* atomic */
	unsigned int dup;	/* atomic: delivered or lost twice, or never sent */
	unsigned int parked;	/* atomic: senders waiting to send their last */
	uint8_t seen[MAX_SENDERS][MAX_SEQ];
	struct logcap lc;
};

static void mark(struct teardown *t, const void *data, size_t len, uint8_t what)
{
	struct msg m;

	if (len != sizeof(m)) {
		__atomic_add_fetch(&t->dup, 1, __ATOMIC_SEQ_CST);
		return;
	}
	memcpy(&m, data, sizeof(m));
	if (m.sender >= t->nsenders || m.seq >= MAX_SEQ ||
	    __atomic_fetch_or(&t->seen[m.sender][m.seq], what, __ATOMIC_SEQ_CST))
		__atomic_add_fetch(&t->dup, 1, __ATOMIC_SEQ_CST);
}

static int rx_cb(struct asv_endpoint *e, void *d, size_t n, uint32_t src, void *p)
{
	struct teardown *t = p;

	(void)e, (void)src;
	mark(t, d, n, SEEN_DELIVERED);
	__atomic_add_fetch(&t->delivered, 1, __ATOMIC_SEQ_CST);
	return 0;
}

static void lost_cb(struct asv_endpoint *e, uint32_t dst, const void *d, size_t n, int err)
{
	struct teardown *t = e->priv;

	(void)dst;
	assert_int_equal(err, -ASV_ECONNRESET);
	mark(t, d, n, SEEN_LOST);
}

static int send_one(struct sender *s, struct asv_endpoint *from, uint32_t dst, struct msg *m)
{
	void *buf;
	int err;

	if (!s->zero_copy)
		return asv_send_timeout(from, dst, m, sizeof(*m), 5000);
	buf = asv_get_tx_buffer(from->dev, NULL, 5000, &err);
	if (!buf)
		return err;
	memcpy(buf, m, sizeof(*m));
	return asv_send_nocopy(from, dst, buf, sizeof(*m));
}

static void *send_thread(void *p)
{
	struct sender *s = p;
	struct teardown *t = s->t;
	struct asv_endpoint *from = t->remote_sends ? &t->rept : &t->hept;
	uint32_t dst = t->remote_sends ? 0x500 : 0x600;
	struct msg m = { s->id, 0 };
	int err;

	for (m.seq = 0; m.seq < MAX_SEQ; m.seq++) {
		/* the last one waits for the tear-down, so it must be refused */
		if (m.seq == MAX_SEQ - 1) {
			uint64_t end = asv_posix_now_ms() + 10000;

			__atomic_add_fetch(&t->parked, 1, __ATOMIC_SEQ_CST);
			while (asv_link_ready(from->dev) && asv_posix_now_ms() < end)
				usleep(100);
		}
		err = send_one(s, from, dst, &m);
		if (err) {
			s->last_err = err;
			break;
		}
		s->accepted = m.seq + 1;
	}
	return NULL;
}

/* Wait until every sender waits for a buffer or is parked (or 2 s pass). */
static void wait_all_blocked(struct teardown *t, struct asv_rpmsg_dev *d)
{
	uint64_t end = asv_posix_now_ms() + 2000;

	while ((unsigned int)__atomic_load_n(&d->tx_waiters, __ATOMIC_SEQ_CST) +
		       __atomic_load_n(&t->parked, __ATOMIC_SEQ_CST) <
		   t->nsenders &&
	       asv_posix_now_ms() < end)
		usleep(100);
}

static void setup(struct teardown *t, unsigned int nsenders, int remote_sends, unsigned int seed)
{
	struct asv_vsys_config cfg = { 0 };
	unsigned int i;

	memset(t, 0, sizeof(*t));
	logcap_init(&t->lc, "sys");
	cfg.log = logcap_fn;
	cfg.log_ctx = &t->lc;
	cfg.timeout_ms = 5000;
	t->s = calloc(1, sizeof(*t->s));
	assert_non_null(t->s);
	t->nsenders = nsenders;
	t->remote_sends = remote_sends;
	assert_int_equal(test_vsys_start(t->s, &cfg), 0);
	assert_int_equal(asv_vsys_wait_link(t->s, 5000), 0);
	assert_int_equal(asv_create_ept(&t->s->host.dev, &t->hept, NULL, 0x500, rx_cb, t), 0);
	t->hept.tx_lost = lost_cb;
	assert_int_equal(asv_create_ept(&t->s->remote.dev, &t->rept, NULL, 0x600, rx_cb, t), 0);
	for (i = 0; i < nsenders; i++) {
		t->snd[i] = (struct sender){ .t = t, .id = i, .zero_copy = (int)((seed >> i) & 1) };
		assert_int_equal(pthread_create(&t->snd[i].th, NULL, send_thread, &t->snd[i]), 0);
	}
}

static void join_senders(struct teardown *t)
{
	unsigned int i;

	for (i = 0; i < t->nsenders; i++) {
		pthread_join(t->snd[i].th, NULL);
		if (t->snd[i].last_err != -ASV_ESHUTDOWN)
			fail_msg("sender %u (%s) ended with %s, not ESHUTDOWN", i,
				 t->snd[i].zero_copy ? "zero-copy" : "copying",
				 asv_strerror(t->snd[i].last_err));
	}
}

/* Let the receiver take some messages, then stop its ISR thread. */
static void stop_receiver(struct teardown *t, struct asv_posix_role *role, unsigned int seed)
{
	unsigned int want = seed % 300;
	uint64_t end = asv_posix_now_ms() + 2000;

	while (__atomic_load_n(&t->delivered, __ATOMIC_SEQ_CST) < want && asv_posix_now_ms() < end)
		usleep(50);
	asv_posix_role_stop(role);
}

static void host_round(unsigned int nsenders, unsigned int seed)
{
	struct teardown *t = malloc(sizeof(*t));
	unsigned int i, q, lost = 0;

	assert_non_null(t);
	setup(t, nsenders, 0, seed);
	stop_receiver(t, &t->s->remote_role, seed);
	/* every other round: all senders blocked; else some still sending */
	if (seed & 16)
		wait_all_blocked(t, &t->s->host.dev);
	asv_posix_role_stop(&t->s->host_role);
	asv_host_deinit(&t->s->host);
	join_senders(t);
	/* each accepted message delivered or lost, exactly once; no other */
	assert_int_equal(__atomic_load_n(&t->dup, __ATOMIC_SEQ_CST), 0);
	for (i = 0; i < nsenders; i++) {
		for (q = 0; q < MAX_SEQ; q++) {
			uint8_t v = t->seen[i][q];

			if (q < t->snd[i].accepted && v != SEEN_DELIVERED && v != SEEN_LOST)
				fail_msg("round %u: sender %u message %u accepted, %s", seed, i, q,
					 v ? "delivered and lost" : "neither delivered nor lost");
			if (q >= t->snd[i].accepted && v)
				fail_msg("round %u: sender %u message %u refused, yet seen", seed,
					 i, q);
			lost += v == SEEN_LOST;
		}
	}
	assert_int_equal(lost, __atomic_load_n(&t->s->host.dev.stats.tx_lost, __ATOMIC_RELAXED));
	asv_vsys_stop(t->s);
	free(t->s);
	free(t);
}

static void remote_round(unsigned int nsenders, unsigned int seed)
{
	struct teardown *t = malloc(sizeof(*t));
	unsigned int i, accepted = 0;

	assert_non_null(t);
	setup(t, nsenders, 1, seed);
	stop_receiver(t, &t->s->host_role, seed);
	if (seed & 16)
		wait_all_blocked(t, &t->s->remote.dev);
	asv_remote_shutdown(&t->s->remote);
	/*
	 * Once the shutdown returns no sender may be inside the remote's send
	 * path: the port's locks and condition variable go away now, while
	 * the senders are still to be joined.
	 */
	asv_posix_role_destroy(&t->s->remote_role);
	join_senders(t);
	/* fresh locks for asv_vsys_stop(), which shuts the remote down again */
	asv_posix_role_init(&t->s->remote_role, "remote", t->s->remote_irq, t->s->host_irq,
			    logcap_fn, &t->lc, ASV_LOG_WARN);
	assert_int_equal(__atomic_load_n(&t->dup, __ATOMIC_SEQ_CST), 0);
	for (i = 0; i < nsenders; i++)
		accepted += t->snd[i].accepted;
	assert_true(__atomic_load_n(&t->delivered, __ATOMIC_SEQ_CST) <= accepted);
	asv_vsys_stop(t->s);
	free(t->s);
	free(t);
}

static unsigned int rounds(void)
{
	const char *e = getenv("ASVIRT_TEARDOWN_ROUNDS");

	return e ? (unsigned int)strtoul(e, NULL, 0) : 1000;
}

static void test_host_deinit_under_senders(void **state)
{
	unsigned int r, n = rounds();

	(void)state;
	for (r = 0; r < n; r++)
		host_round(1 + r % MAX_SENDERS, r * 2654435761u >> 8 ^ r);
}

static void test_remote_shutdown_under_senders(void **state)
{
	unsigned int r, n = rounds();

	(void)state;
	for (r = 0; r < n; r++)
		remote_round(1 + r % MAX_SENDERS, r * 2654435761u >> 8 ^ r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_host_deinit_under_senders),
		cmocka_unit_test(test_remote_shutdown_under_senders),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
