// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * The simulated interrupt lines (asvirt/notifier.h): the semaphore of the
 * in-process system, the eventfd and the futex doorbell of the separate-
 * process transport. A raise wakes a wait; a wait with no raise returns
 * -ETIMEDOUT after about its timeout, and still does when the wall clock
 * was just set back (by NTP or by hand): timeouts must run on the
 * monotonic clock, or a blocked sender's timeout stretches by the jump.
 * The same for the condition variables of the demo and the bench.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "asvirt/notifier.h"
#include "asvirt/posix.h"
#include "asvirt/shmctl.h"
#include "futex_spin.h"

/* Seconds this binary's wall clock reads ahead of the kernel's. */
static long wall_ahead_s;

/*
 * Replaces the C library's for this test binary: CLOCK_REALTIME read
 * @wall_ahead_s ahead, as if the clock had been set back by that much
 * right after a waiter read it to build an absolute deadline.
 */
int clock_gettime(clockid_t id, struct timespec *ts)
{
	long r = syscall(SYS_clock_gettime, id, ts);

	if (r == 0 && id == CLOCK_REALTIME)
		ts->tv_sec += __atomic_load_n(&wall_ahead_s, __ATOMIC_RELAXED);
	return (int)r;
}

/*
 * A line made of what the demo and the bench wait with: a counter under a
 * mutex, a condition variable from asv_posix_cond_init() and a deadline
 * from asv_posix_deadline().
 */
struct cond_line {
	struct asv_notifier n;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	unsigned int raised;
};

static void cond_raise(struct asv_notifier *n)
{
	struct cond_line *c = (struct cond_line *)n;

	pthread_mutex_lock(&c->mu);
	c->raised++;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
}

static int cond_wait_ms(struct asv_notifier *n, uint32_t timeout_ms)
{
	struct cond_line *c = (struct cond_line *)n;
	struct timespec ts;
	int rc = 0;

	asv_posix_deadline(&ts, timeout_ms);
	pthread_mutex_lock(&c->mu);
	while (!c->raised && rc == 0)
		rc = pthread_cond_timedwait(&c->cv, &c->mu, &ts);
	if (c->raised) {
		c->raised--;
		rc = 0;
	}
	pthread_mutex_unlock(&c->mu);
	return rc == ETIMEDOUT ? -ASV_ETIMEDOUT : rc ? -ASV_EIO : 0;
}

static void cond_destroy(struct asv_notifier *n)
{
	struct cond_line *c = (struct cond_line *)n;

	pthread_cond_destroy(&c->cv);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

static struct asv_notifier *cond_line_create(void)
{
	struct cond_line *c = calloc(1, sizeof(*c));

	assert_non_null(c);
	pthread_mutex_init(&c->mu, NULL);
	assert_int_equal(asv_posix_cond_init(&c->cv), 0);
	c->n = (struct asv_notifier){ cond_raise, cond_wait_ms, cond_destroy };
	return &c->n;
}

enum kind { SEM, EVENTFD, FUTEX, COND };

struct line {
	struct asv_notifier *n;
	struct asv_shm_futex *futex;
	int fd;
};

static void line_open(struct line *l, enum kind k)
{
	*l = (struct line){ .fd = -1 };
	if (k == SEM) {
		l->n = asv_notifier_sem_create();
	} else if (k == EVENTFD) {
		l->n = asv_notifier_eventfd_create(&l->fd);
	} else if (k == COND) {
		l->n = cond_line_create();
	} else {
		l->futex = calloc(1, sizeof(*l->futex));
		assert_non_null(l->futex);
		l->n = asv_notifier_futex_create(l->futex);
	}
	assert_non_null(l->n);
}

static void line_close(struct line *l)
{
	l->n->destroy(l->n);
	free(l->futex);
}

/* The wait under test runs here, so a wait that never returns fails the
 * test instead of hanging it. */
struct waiter {
	struct asv_notifier *n;
	uint32_t timeout_ms;
	int rc;
	uint64_t took_ms;
	int done;
};

static void *waiter_main(void *arg)
{
	struct waiter *w = arg;
	uint64_t t0 = asv_posix_now_ms();

	w->rc = w->n->wait(w->n, w->timeout_ms);
	w->took_ms = asv_posix_now_ms() - t0;
	__atomic_store_n(&w->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* Wait on @n for @timeout_ms in a thread; false if it took over 3 s. */
static bool timed_wait(struct asv_notifier *n, uint32_t timeout_ms, struct waiter *w)
{
	uint64_t end = asv_posix_now_ms() + 3000;
	pthread_t th;

	*w = (struct waiter){ n, timeout_ms, 0, 0, 0 };
	assert_int_equal(pthread_create(&th, NULL, waiter_main, w), 0);
	while (!__atomic_load_n(&w->done, __ATOMIC_ACQUIRE) && asv_posix_now_ms() < end)
		usleep(1000);
	if (!__atomic_load_n(&w->done, __ATOMIC_ACQUIRE)) {
		pthread_detach(th); /* stuck for good: the process ends soon */
		return false;
	}
	pthread_join(th, NULL);
	return true;
}

static void raise_then_time_out(enum kind k, long ahead_s)
{
	struct waiter w;
	struct line l;

	line_open(&l, k);
	__atomic_store_n(&wall_ahead_s, ahead_s, __ATOMIC_RELAXED);
	l.n->raise(l.n);
	assert_true(timed_wait(l.n, 1000, &w));
	assert_int_equal(w.rc, 0);
	assert_true(w.took_ms < 500);
	assert_true(timed_wait(l.n, 100, &w));
	__atomic_store_n(&wall_ahead_s, 0, __ATOMIC_RELAXED);
	assert_int_equal(w.rc, -ASV_ETIMEDOUT);
	assert_true(w.took_ms >= 90);
	assert_true(w.took_ms < 2000);
	line_close(&l);
}

static void test_semaphore(void **state)
{
	(void)state;
	raise_then_time_out(SEM, 0);
}

static void test_eventfd(void **state)
{
	(void)state;
	raise_then_time_out(EVENTFD, 0);
}

static void test_futex(void **state)
{
	(void)state;
	raise_then_time_out(FUTEX, 0);
}

/* The wall clock an hour off: every timeout still about its length. */
static void test_semaphore_wall_clock_set_back(void **state)
{
	(void)state;
	raise_then_time_out(SEM, 3600);
}

static void test_eventfd_wall_clock_set_back(void **state)
{
	(void)state;
	raise_then_time_out(EVENTFD, 3600);
}

static void test_futex_wall_clock_set_back(void **state)
{
	(void)state;
	raise_then_time_out(FUTEX, 3600);
}

/* The helpers the demo's and the bench's waits use, through the same
 * raise/time-out steps: a condition variable waiting for a deadline. */
static void test_cond_wall_clock_set_back(void **state)
{
	(void)state;
	raise_then_time_out(COND, 3600);
}

static unsigned int raised_now(struct asv_notifier *n)
{
	struct cond_line *c = (struct cond_line *)n;
	unsigned int r;

	pthread_mutex_lock(&c->mu);
	r = c->raised;
	pthread_mutex_unlock(&c->mu);
	return r;
}

/*
 * The late line of asvirt conform's host.irq_delay (notifier_delay.c): with
 * no delay a raise goes straight through; with one, a raise returns
 * without raising the inner line, raises while one is pending go with it
 * (an interrupt line keeps "pending", not a count: drivers/virtio/
 * virtio_ring.c vring_interrupt looks at the ring, not at how many kicks
 * came), and the thread delivers it; turning the delay off delivers what
 * is pending at once.
 */
static void test_delay_line(void **state)
{
	struct asv_notifier *inner = cond_line_create(), *late;

	(void)state;
	late = asv_notifier_delay_create(inner);
	assert_non_null(late);
	late->raise(late);
	assert_int_equal(raised_now(inner), 1);	  /* no delay: through */
	assert_int_equal(late->wait(late, 0), 0); /* the inner line's wait */
	assert_int_equal(asv_notifier_delay_set(late, 2, 1), -ASV_EINVAL);
	/* a delay no test run reaches: nothing is delivered by the thread */
	assert_int_equal(asv_notifier_delay_set(late, 600000, 600000), 0);
	late->raise(late);
	late->raise(late);
	late->raise(late);
	assert_int_equal(raised_now(inner), 0);
	assert_int_equal(asv_notifier_delay_set(late, 0, 0), 0);
	assert_int_equal(raised_now(inner), 1); /* three kicks, one interrupt */
	assert_int_equal(late->wait(late, 0), 0);
	/* a short delay: the thread raises it */
	assert_int_equal(asv_notifier_delay_set(late, 1, 3), 0);
	late->raise(late);
	assert_int_equal(late->wait(late, 10000), 0);
	late->raise(late); /* pending when destroyed: dropped with the line */
	late->destroy(late);
	inner->destroy(inner);
}

/*
 * The vring ids a kick names travel with its interrupt (a mailbox's
 * message comes with its interrupt, not before): a board-level image's
 * board reads them and, while it waits, looks at them on its own
 * (firmware/board_pc.c irq_thread, every 50 ms), so ids seen before the
 * late interrupt would cut every delay to that poll. Without a delay they
 * are out before the raise; with one, only when the thread raises; turning
 * the delay off delivers them with what is pending.
 */
static void test_delay_line_ids(void **state)
{
	struct asv_notifier *inner = cond_line_create(), *late;
	uint32_t out = 0, *ids;

	(void)state;
	late = asv_notifier_delay_create(inner);
	assert_non_null(late);
	ids = asv_notifier_delay_ids(late, &out);
	assert_non_null(ids);
	__atomic_fetch_or(ids, 1u << 1, __ATOMIC_RELEASE); /* as asv_posix_role's notify */
	late->raise(late);
	assert_int_equal(out, 1u << 1);
	assert_int_equal(raised_now(inner), 1);
	assert_int_equal(late->wait(late, 0), 0);
	out = 0;
	assert_int_equal(asv_notifier_delay_set(late, 600000, 600000), 0);
	__atomic_fetch_or(ids, 1u << 1, __ATOMIC_RELEASE);
	late->raise(late);
	__atomic_fetch_or(ids, 1u << 0, __ATOMIC_RELEASE);
	late->raise(late);
	assert_int_equal(__atomic_load_n(&out, __ATOMIC_ACQUIRE), 0); /* not before */
	assert_int_equal(asv_notifier_delay_set(late, 0, 0), 0);
	assert_int_equal(out, (1u << 0) | (1u << 1));
	assert_int_equal(raised_now(inner), 1);
	assert_int_equal(late->wait(late, 0), 0);
	/* the thread publishes them before it raises */
	__atomic_store_n(&out, 0, __ATOMIC_RELEASE);
	assert_int_equal(asv_notifier_delay_set(late, 1, 3), 0);
	__atomic_fetch_or(ids, 1u << 2, __ATOMIC_RELEASE);
	late->raise(late);
	assert_int_equal(late->wait(late, 10000), 0);
	assert_int_equal(__atomic_load_n(&out, __ATOMIC_ACQUIRE), 1u << 2);
	late->destroy(late);
	inner->destroy(inner);
}

/*
 * The futex doorbell's poll, adapted wait by wait (futex_spin.h): kept
 * while the peer rings within it, grown after a sleep the peer ended soon,
 * shrunk after a long wait, always within [MIN, MAX].
 */
static void test_futex_spin_policy(void **state)
{
	uint32_t s;
	int i;

	(void)state;
	assert_int_equal(futex_spin_next(FUTEX_SPIN_MIN_NS, false, 1000), FUTEX_SPIN_MIN_NS);
	assert_int_equal(futex_spin_next(20000, false, 19000), 20000);
	assert_int_equal(futex_spin_next(FUTEX_SPIN_MIN_NS, true, 13000), 2 * FUTEX_SPIN_MIN_NS);
	assert_int_equal(futex_spin_next(40000, true, FUTEX_SPIN_MAX_NS), FUTEX_SPIN_MAX_NS);
	assert_int_equal(futex_spin_next(FUTEX_SPIN_MAX_NS, true, 60000), FUTEX_SPIN_MAX_NS / 2);
	assert_int_equal(futex_spin_next(FUTEX_SPIN_MIN_NS, true, 1000000000ull),
			 FUTEX_SPIN_MIN_NS);
	assert_int_equal(futex_spin_next(FUTEX_SPIN_MIN_NS + 1, true, UINT64_MAX),
			 FUTEX_SPIN_MIN_NS);
	/*
	 * The slow mode of back-to-back round trips: the peer's wake-up
	 * takes 13 us, longer than the first poll. After the sleeps it
	 * costs, the poll outlasts it, and the waits after it (the peer
	 * polling too) end in the poll: the poll stays.
	 */
	s = FUTEX_SPIN_MIN_NS;
	for (i = 0; i < 3 && s < 13000; i++)
		s = futex_spin_next(s, true, 13000 + s);
	assert_true(s >= 13000);
	assert_int_equal(futex_spin_next(s, false, 500), s);
	/* An idle link (a wait of a second each): back to the shortest poll
	 * within a handful of waits, and never below it. */
	s = FUTEX_SPIN_MAX_NS;
	for (i = 0; i < 5; i++)
		s = futex_spin_next(s, true, 1000000000ull);
	assert_int_equal(s, FUTEX_SPIN_MIN_NS);
	for (i = 0; i < 100; i++) {
		s = futex_spin_next(s, i & 1, (uint64_t)i * 997u);
		assert_true(s >= FUTEX_SPIN_MIN_NS && s <= FUTEX_SPIN_MAX_NS);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_semaphore),
		cmocka_unit_test(test_eventfd),
		cmocka_unit_test(test_futex),
		cmocka_unit_test(test_semaphore_wall_clock_set_back),
		cmocka_unit_test(test_eventfd_wall_clock_set_back),
		cmocka_unit_test(test_futex_wall_clock_set_back),
		cmocka_unit_test(test_cond_wall_clock_set_back),
		cmocka_unit_test(test_delay_line),
		cmocka_unit_test(test_delay_line_ids),
		cmocka_unit_test(test_futex_spin_policy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
