// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * The semaphore notifier: sem_post raises, sem_clockwait waits. Its
 * deadline is on CLOCK_MONOTONIC: sem_timedwait's CLOCK_REALTIME one
 * would stretch every timeout by however far the wall clock is set back
 * meanwhile (tests/unit/test_notifier.c).
 */
#include <errno.h>
#include <semaphore.h>
#include <stdlib.h>
#include <time.h>

#include "asvirt/errors.h"
#include "asvirt/notifier.h"
#include "asvirt/posix.h"

/*
 * ThreadSanitizer sees sem_post (a release) but has no interceptor for
 * sem_clockwait: after a wake-up we do the acquire its sem_timedwait
 * interceptor would have done. The runtime defines this only under TSan.
 */
void __tsan_acquire(void *addr) __attribute__((weak));

struct sem_notifier {
	struct asv_notifier n;
	sem_t sem;
};

static void sem_raise(struct asv_notifier *n)
{
	sem_post(&((struct sem_notifier *)n)->sem);
}

static int sem_wait_ms(struct asv_notifier *n, uint32_t timeout_ms)
{
	struct sem_notifier *s = (struct sem_notifier *)n;
	struct timespec ts;

	asv_posix_deadline(&ts, timeout_ms);
	while (sem_clockwait(&s->sem, CLOCK_MONOTONIC, &ts) != 0) {
		if (errno == ETIMEDOUT)
			return -ASV_ETIMEDOUT;
		if (errno != EINTR)
			return -ASV_EIO;
	}
	if (__tsan_acquire)
		__tsan_acquire(&s->sem);
	return 0;
}

static void sem_destroy_notifier(struct asv_notifier *n)
{
	struct sem_notifier *s = (struct sem_notifier *)n;

	sem_destroy(&s->sem);
	free(s);
}

struct asv_notifier *asv_notifier_sem_create(void)
{
	struct sem_notifier *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	if (sem_init(&s->sem, 0, 0)) {
		free(s);
		return NULL;
	}
	s->n.raise = sem_raise;
	s->n.wait = sem_wait_ms;
	s->n.destroy = sem_destroy_notifier;
	return &s->n;
}
