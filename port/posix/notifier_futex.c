// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * The futex doorbell: a counter in the shared block. raise() bumps it and
 * calls FUTEX_WAKE only when the waiter said it may sleep; wait() returns
 * as soon as the counter differs from the last value it saw, else polls
 * it for 3-50 us (futex_spin.h: longer after a sleep the peer soon ended,
 * shorter after a long wait), then sleeps in FUTEX_WAIT (shared, not
 * FUTEX_PRIVATE: the word is in a memfd mapped by two processes). The
 * words are written by the peer: any value is harmless (at worst a
 * spurious or a missed-then-timed-out interrupt).
 */
#include <errno.h>
#include <sched.h>
#include <linux/futex.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "asvirt/errors.h"
#include "asvirt/notifier.h"
#include "asvirt/posix.h"
#include "asvirt/shmctl.h"
#include "futex_spin.h"

struct futex_notifier {
	struct asv_notifier n;
	struct asv_shm_futex *f;
	uint32_t seen;
	uint32_t spin_ns; /* the waiter's own (one waiter per doorbell) */
};

static long futex(uint32_t *uaddr, int op, uint32_t val, const struct timespec *ts)
{
	return syscall(SYS_futex, uaddr, op, val, ts, NULL, 0);
}

static void futex_raise(struct asv_notifier *n)
{
	struct futex_notifier *x = (struct futex_notifier *)n;

	__atomic_add_fetch(&x->f->word, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&x->f->sleeping, __ATOMIC_SEQ_CST))
		futex(&x->f->word, FUTEX_WAKE, 1, NULL);
}

/* Has the doorbell rung since the last wait? Then take it. */
static bool futex_rang(struct futex_notifier *x)
{
	uint32_t cur = __atomic_load_n(&x->f->word, __ATOMIC_ACQUIRE);

	if (cur == x->seen)
		return false;
	x->seen = cur;
	return true;
}

static int futex_wait_ms(struct asv_notifier *n, uint32_t timeout_ms)
{
	struct futex_notifier *x = (struct futex_notifier *)n;
	uint64_t start = asv_posix_now_ns(), now;
	uint64_t end = start + (uint64_t)timeout_ms * 1000000ull;
	uint64_t spin_end = start + x->spin_ns < end ? start + x->spin_ns : end;
	struct timespec ts;
	unsigned int i;
	uint32_t cur;
	int rc;

	/*
	 * A doorbell rung within a few microseconds costs neither side a
	 * syscall: the raiser calls FUTEX_WAKE only for a waiter that said it
	 * sleeps, and on a shared mapping both calls look the page up.
	 */
	for (i = 1;; i++) {
		if (futex_rang(x))
			return 0;
		if (!(i & 7)) {
			now = asv_posix_now_ns();
			if (now >= spin_end)
				break;
			/*
			 * Past the shortest poll, a thread that wants this CPU
			 * (the peer, on a machine with fewer cores than
			 * runnable threads) goes first: the poll only uses a
			 * core nobody else wants.
			 */
			if (now - start >= FUTEX_SPIN_MIN_NS)
				sched_yield();
		}
		asv_posix_cpu_relax();
	}
	for (;;) {
		if (futex_rang(x)) {
			rc = 0;
			break;
		}
		cur = x->seen;
		now = asv_posix_now_ns();
		if (now >= end) {
			rc = -ASV_ETIMEDOUT;
			break;
		}
		ts.tv_sec = (time_t)((end - now) / 1000000000ull);
		ts.tv_nsec = (long)((end - now) % 1000000000ull);
		__atomic_store_n(&x->f->sleeping, 1, __ATOMIC_SEQ_CST);
		/* Dekker with raise(): re-check after announcing the sleep. */
		if (__atomic_load_n(&x->f->word, __ATOMIC_SEQ_CST) == cur)
			futex(&x->f->word, FUTEX_WAIT, cur, &ts);
		__atomic_store_n(&x->f->sleeping, 0, __ATOMIC_RELAXED);
	}
	/* a time-out is a long wait, whatever @timeout_ms was (a short one
	 * must not pass for a peer that rang soon and grow the poll) */
	x->spin_ns =
	    futex_spin_next(x->spin_ns, true, rc ? UINT64_MAX : asv_posix_now_ns() - start);
	return rc;
}

static void futex_destroy(struct asv_notifier *n)
{
	free(n);
}

struct asv_notifier *asv_notifier_futex_create(struct asv_shm_futex *f)
{
	struct futex_notifier *x;

	if (!f)
		return NULL;
	x = calloc(1, sizeof(*x));
	if (!x)
		return NULL;
	x->f = f;
	x->seen = 0; /* the block starts zeroed: any raise so far is pending */
	x->spin_ns = FUTEX_SPIN_MIN_NS;
	x->n.raise = futex_raise;
	x->n.wait = futex_wait_ms;
	x->n.destroy = futex_destroy;
	return &x->n;
}
