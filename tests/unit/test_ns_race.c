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

/* What the host did with the name-service messages of one boot. */
struct tally {
	int channels; /* channels that exist now */
	int events;   /* name-service messages acted on (one create or destroy each) */
	int late;     /* this boot's host holds its first event until the test judges */
	int judging;  /* the test is about to judge */
};

/*
 * A late host: its first create waits (up to 1 s) until the test starts
 * judging, so the test judges while every announcement is still queued.
 * Judging the channel count alone would then see 0 channels (none created
 * yet) and pass, or see the host half-way through and fail: the count is
 * only final once the host acted on every message the remote sent.
 */
static void on_channel(struct asv_host *h, struct asv_channel *ch, bool created, void *priv)
{
	struct tally *t = priv;
	unsigned int i;

	(void)h, (void)ch;
	if (created && __atomic_load_n(&t->late, __ATOMIC_SEQ_CST)) {
		for (i = 0; i < 1000 && !__atomic_load_n(&t->judging, __ATOMIC_SEQ_CST); i++)
			usleep(1000);
		__atomic_store_n(&t->late, 0, __ATOMIC_SEQ_CST);
	}
	__atomic_add_fetch(&t->channels, created ? 1 : -1, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&t->events, 1, __ATOMIC_SEQ_CST);
}

/* Name-service messages the remote sent (it sends nothing else here). */
static int ns_sent(struct asv_vsys *s)
{
	struct asv_stats st;

	asv_get_stats(&s->remote.dev, &st);
	return (int)st.tx_msgs;
}

static void one_boot(unsigned int seed)
{
	struct asv_vsys_config cfg = { .defer_host = true };
	struct asv_vsys *s = calloc(1, sizeof(*s));
	struct churn c;
	struct logcap lc;
	pthread_t th;
	uint64_t end;
	struct tally t = { 0 };
	int left, acted, sent;

	assert_non_null(s);
	logcap_init(&lc, "sys");
	cfg.log = logcap_fn;
	cfg.log_ctx = &lc;
	cfg.log_level = ASV_LOG_WARN;
	cfg.on_channel = on_channel;
	cfg.on_channel_priv = &t;
	t.late = !!(seed & 2);
	assert_int_equal(test_vsys_start(s, &cfg), 0);
	c = (struct churn){ &s->remote, seed, 0 };
	assert_int_equal(pthread_create(&th, NULL, churn_thread, &c), 0);
	if (seed & 1)
		sched_yield();
	assert_int_equal(asv_vsys_start_host(s), 0);
	pthread_join(th, NULL);
	assert_int_equal(c.err, 0);
	assert_int_equal(asv_vsys_wait_link(s, 5000), 0);
	/*
	 * Every endpoint is gone: so must every channel be, once the host has
	 * acted on every message the remote sent. A channel count of 0 alone
	 * proves nothing: a host that has not processed the first CREATE yet
	 * has no channels either (with defer_host it starts late).
	 */
	__atomic_store_n(&t.judging, 1, __ATOMIC_SEQ_CST);
	end = asv_posix_now_ms() + 5000;
	while ((__atomic_load_n(&t.events, __ATOMIC_SEQ_CST) < ns_sent(s) ||
		__atomic_load_n(&t.channels, __ATOMIC_SEQ_CST)) &&
	       asv_posix_now_ms() < end)
		usleep(200);
	left = __atomic_load_n(&t.channels, __ATOMIC_SEQ_CST);
	acted = __atomic_load_n(&t.events, __ATOMIC_SEQ_CST);
	sent = ns_sent(s);
	asv_vsys_stop(s);
	if (acted != sent)
		fail_msg("boot %u: judged after the host acted on %d of %d ns messages", seed,
			 acted, sent);
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
