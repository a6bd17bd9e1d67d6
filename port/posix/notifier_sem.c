// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/* The semaphore notifier: sem_post raises, sem_timedwait waits. */
#include <errno.h>
#include <semaphore.h>
#include <stdlib.h>
#include <time.h>

#include "asvirt/errors.h"
#include "asvirt/notifier.h"

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

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += timeout_ms / 1000;
	ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	while (sem_timedwait(&s->sem, &ts) != 0) {
		if (errno == ETIMEDOUT)
			return -ASV_ETIMEDOUT;
		if (errno != EINTR)
			return -ASV_EIO;
	}
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
