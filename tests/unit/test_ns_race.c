// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * Name-service announces on the remote race endpoint creation and
 * destruction: the remote's ISR thread announces the endpoints that exist
 * when the link comes up, while an application thread creates and
 * destroys named endpoints (freeing each right after its destroy). Over
 * many boots: no endpoint is announced twice (the host would log EEXIST),
 * none after its DESTROY (a stale channel stays on the host), no DESTROY
 * without its CREATE, and nothing touches a freed endpoint (ASan).
 */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define CHURN 24
/* Boots: TSan runs the threads ten times slower, and needs fewer to see a race. */
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define ASVIRT_NS_BOOTS 1000
#endif
#endif
#ifndef ASVIRT_NS_BOOTS
#define ASVIRT_NS_BOOTS 10000
#endif

struct churn {
	struct asv_remote *r;
	unsigned int seed;
	int err;
};

static int nop_cb(struct asv_endpoint *e, void *d, size_t n, uint32_t src, void *p)
{
	(void)e, (void)d, (void)n, (void)src, (void)p;
	return 0;
}

/* Create and destroy named endpoints; some live until the end. */
static void *churn_thread(void *p)
{
	struct churn *c = p;
	struct asv_endpoint *live[CHURN] = { 0 };
	unsigned int i, x = c->seed;

	for (i = 0; i < CHURN; i++) {
		char name[ASV_RPMSG_NAME_SIZE];
		struct asv_endpoint *e = malloc(sizeof(*e));

		snprintf(name, sizeof(name), "svc-%u", i);
		if (!e || asv_create_ept(&c->r->dev, e, name, ASV_RPMSG_ADDR_ANY, nop_cb, NULL)) {
			c->err = 1;
			free(e);
			return NULL;
		}
		x = x * 1103515245u + 12345u;
		if (x & 0x10000) {
			live[i] = e;
			continue;
		}
		if (x & 0x20000)
			sched_yield();
		if (asv_destroy_ept(e))
			c->err = 1;
		free(e);
	}
	for (i = 0; i < CHURN; i++) {
		if (live[i] && asv_destroy_ept(live[i]))
			c->err = 1;
		free(live[i]);
	}
	return NULL;
}

static void on_channel(struct asv_host *h, struct asv_channel *ch, bool created, void *priv)
{
	(void)h, (void)ch;
	__atomic_add_fetch((int *)priv, created ? 1 : -1, __ATOMIC_SEQ_CST);
}

/* The host has received every message the remote sent. */
static bool all_delivered(struct asv_vsys *s)
{
	struct asv_stats hs, rs;

	asv_get_stats(&s->host.dev, &hs);
	asv_get_stats(&s->remote.dev, &rs);
	return hs.rx_msgs >= rs.tx_msgs;
}

static void one_boot(unsigned int seed)
{
	struct asv_vsys_config cfg = { .defer_host = true };
	struct asv_vsys *s = calloc(1, sizeof(*s));
	struct churn c;
	struct logcap lc;
	pthread_t th;
	uint64_t end;
	int channels = 0, left;

	assert_non_null(s);
	logcap_init(&lc, "sys");
	cfg.log = logcap_fn;
	cfg.log_ctx = &lc;
	cfg.log_level = ASV_LOG_WARN;
	cfg.on_channel = on_channel;
	cfg.on_channel_priv = &channels;
	assert_int_equal(asv_vsys_start(s, &cfg), 0);
	c = (struct churn){ &s->remote, seed, 0 };
	assert_int_equal(pthread_create(&th, NULL, churn_thread, &c), 0);
	if (seed & 1)
		sched_yield();
	assert_int_equal(asv_vsys_start_host(s), 0);
	pthread_join(th, NULL);
	assert_int_equal(c.err, 0);
	assert_int_equal(asv_vsys_wait_link(s, 5000), 0);
	/*
	 * Every endpoint is gone: so must every channel be, once the DESTROYs
	 * land. First every message the remote sent must have reached the
	 * host: a host ISR thread that lags behind (a loaded machine) passes
	 * through zero channels between one endpoint's DESTROY and the next
	 * one's CREATE, and a count read there says nothing.
	 */
	end = asv_posix_now_ms() + 5000;
	while (!all_delivered(s) && asv_posix_now_ms() < end)
		usleep(200);
	while (__atomic_load_n(&channels, __ATOMIC_SEQ_CST) && asv_posix_now_ms() < end)
		usleep(200);
	left = __atomic_load_n(&channels, __ATOMIC_SEQ_CST);
	asv_vsys_stop(s);
	if (left || logcap_has(&lc, "already exists") || logcap_has(&lc, "unknown channel"))
		fail_msg("boot %u: %d stale channel(s); log: %s", seed, left,
			 lc.n ? lc.line[0] : "(empty)");
	free(s);
}

static void test_announce_races_create_destroy(void **state)
{
	unsigned int i, n = (unsigned int)test_count(ASVIRT_NS_BOOTS);

	(void)state;
	for (i = 0; i < n; i++)
		one_boot(i * 2654435761u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_announce_races_create_destroy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
