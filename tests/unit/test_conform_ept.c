// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * asvirt conform's host endpoints (cli/conform_run.c) when the link goes
 * down under them: a firmware that dies or hangs is torn down by the
 * process monitor (port/posix/proc.c crashed(): the hosts deinit, the
 * endpoints left on them freed), and a reattach deinits the hosts too. An
 * endpoint conform still holds is then gone: sending on it fails, closing
 * it is a no-op, neither touches freed memory (asvirt conform crashed so,
 * host.bad_desc's endpoint closed after the watchdog had taken the link
 * down), and a new endpoint on the next link works.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "asvirt/proc.h"
#include "conform_state.h"

#ifndef FW_DIR
#error FW_DIR
#endif

#define ECHO_FW FW_DIR "/asvirt-echo.so"
#define ECHO_DST 0x400u /* apps/echo.c: "rpmsg-echo" at a fixed address */

static struct logcap plog;

/* A conform state with the echo firmware running (max_restarts 0, as
 * asvirt conform runs it: a crash is not recovered). */
static struct conform_state *start_state(void)
{
	struct conform_state *s = calloc(1, sizeof(*s));
	struct asv_proc_config pc;
	char why[256];

	assert_non_null(s);
	pthread_mutex_init(&s->mu, NULL);
	logcap_init(&plog, "proc");
	memset(&pc, 0, sizeof(pc));
	pc.runner = RUNNER;
	pc.max_restarts = 0;
	pc.log = logcap_fn;
	pc.log_ctx = &plog;
	pc.log_level = ASV_LOG_WARN;
	if (asv_proc_init(&s->p, &pc, ECHO_FW, why, sizeof(why)))
		fail_msg("init: %s", why);
	if (asv_proc_start(&s->p, why, sizeof(why)))
		fail_msg("start: %s", why);
	return s;
}

static void free_state(struct conform_state *s)
{
	asv_proc_destroy(&s->p);
	conform_free_epts(s);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

static enum asv_proc_state state_of(struct conform_state *s)
{
	struct asv_proc_status st;

	asv_proc_get_status(&s->p, &st);
	return st.state;
}

/* A round trip on @e to the echo, retried while its channel comes up. */
static int echo_ok(struct conform_state *s, struct conform_ept *e)
{
	static const uint8_t ping[] = "still there?";
	uint64_t end = asv_posix_now_ms() + 5000;
	size_t got;
	int err;

	do {
		err = conform_round_trip(s, e, ECHO_DST, ping, sizeof(ping), &got);
		if (!err)
			return 0;
		usleep(10000);
	} while (asv_posix_now_ms() < end);
	return err;
}

/* Wait until the monitor has taken the crashed firmware's link down. */
static void wait_crashed(struct conform_state *s)
{
	uint64_t end = asv_posix_now_ms() + 5000;

	while (state_of(s) != ASV_PROC_CRASHED) {
		assert_true(asv_posix_now_ms() < end);
		usleep(5000);
	}
}

static void restart(struct conform_state *s)
{
	char why[256];

	asv_proc_stop(&s->p);
	if (asv_proc_start(&s->p, why, sizeof(why)))
		fail_msg("restart: %s", why);
}

/* The firmware killed, the monitor tears the link down (what its
 * watchdog does to a hung one): our endpoint went with it. */
static void test_ept_after_crash(void **state)
{
	static const uint8_t msg[] = "to nobody";
	struct conform_state *s = start_state();
	struct conform_ept *e, *stale, *fresh;

	(void)state;
	e = conform_open_ept(s);
	assert_non_null(e);
	assert_int_equal(echo_ok(s, e), 0);
	stale = conform_open_ept(s); /* never closed before the crash */
	assert_non_null(stale);

	assert_int_equal(asv_proc_kill(&s->p, SIGKILL), 0);
	wait_crashed(s);
	/* freed with the link: refused, not used */
	assert_int_not_equal(conform_send_to(s, e, ECHO_DST, msg, sizeof(msg)), 0);
	assert_int_equal(conform_round_trip(s, e, ECHO_DST, msg, sizeof(msg), &(size_t){ 0 }), -2);
	conform_close_ept(s, e);

	/* a new link: the endpoint of the old one stays gone, a new one works */
	restart(s);
	fresh = conform_open_ept(s);
	assert_non_null(fresh);
	assert_int_not_equal(conform_send_to(s, stale, ECHO_DST, msg, sizeof(msg)), 0);
	conform_close_ept(s, stale);
	assert_int_equal(echo_ok(s, fresh), 0);
	conform_close_ept(s, fresh);
	free_state(s);
}

/* asv_proc_reattach deinits the hosts (their endpoints freed) while the
 * firmware keeps running. */
static void test_ept_after_reattach(void **state)
{
	static const uint8_t msg[] = "across a reattach";
	struct conform_state *s = start_state();
	struct conform_ept *e, *fresh;
	char why[256];

	(void)state;
	e = conform_open_ept(s);
	assert_non_null(e);
	assert_int_equal(echo_ok(s, e), 0);
	if (asv_proc_reattach(&s->p, why, sizeof(why)))
		fail_msg("reattach: %s", why);
	assert_int_not_equal(conform_send_to(s, e, ECHO_DST, msg, sizeof(msg)), 0);
	conform_close_ept(s, e);
	fresh = conform_open_ept(s);
	assert_non_null(fresh);
	assert_int_equal(echo_ok(s, fresh), 0);
	conform_close_ept(s, fresh);
	free_state(s);
}

/* On a link that stays up: endpoints opened and closed, many times over,
 * and some left open (freed with the link at the stop). */
static void test_ept_same_link(void **state)
{
	struct conform_state *s = start_state();
	struct conform_ept *e;
	unsigned int i;

	(void)state;
	for (i = 0; i < 300; i++) {
		e = conform_open_ept(s);
		assert_non_null(e);
		if (i % 50 == 0)
			assert_int_equal(echo_ok(s, e), 0);
		conform_close_ept(s, e);
	}
	for (i = 0; i < 4; i++)
		assert_non_null(conform_open_ept(s));
	e = conform_open_ept(s);
	assert_non_null(e);
	assert_int_equal(echo_ok(s, e), 0);
	free_state(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ept_after_crash),
		cmocka_unit_test(test_ept_after_reattach),
		cmocka_unit_test(test_ept_same_link),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
