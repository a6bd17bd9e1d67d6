// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * The slow paths of the biased lock (asvirt/biased_lock.h).
 *
 * Protocol. owner goes 0 -> T -> 1 and never back, changed only under
 * the shared lock. T takes the lock with
 *	owner_in = 1; (compiler barrier) if (!revoked) -> held
 * and drops it with owner_in = 0. Any other thread takes the shared lock,
 * and if owner is a thread:
 *	revoked = 1; membarrier(); wait until !owner_in; owner = 1
 * The membarrier puts a full barrier into every running thread of the
 * process, so of T's (store owner_in, load revoked) and the revoker's
 * (store revoked, load owner_in) at least one load sees the other's
 * store: they are never both inside. T seeing revoked takes the shared
 * lock like everyone else from then on.
 *
 * The bias goes to a thread that took the shared lock ASV_BIASED_STREAK
 * times in a row, and a revoked lock is never biased again: two threads
 * taking turns would pay a membarrier (an interrupt to every CPU running
 * us, microseconds) per turn. ASVIRT_LOCKS=shared in the environment
 * turns biasing off.
 */
#include <linux/membarrier.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "asvirt/biased_lock.h"
#include "asvirt/posix.h"

#define OWNER_NONE 0u
#define OWNER_NEVER 1u

__thread char asv_biased_thread;

_Static_assert(sizeof(struct asv_biased_lock) == 128, "two cache lines");

void asv_biased_init(struct asv_biased_lock *l, enum asv_biased_kind kind)
{
	*l = (struct asv_biased_lock){ .kind = kind };
	pthread_mutex_init(&l->mutex, NULL);
}

void asv_biased_destroy(struct asv_biased_lock *l)
{
	pthread_mutex_destroy(&l->mutex);
}

int asv_biased_is_biased(const struct asv_biased_lock *l)
{
	return __atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) > OWNER_NEVER;
}

/* Spin briefly, then yield, then sleep: a holder preempted on our CPU
 * runs even when we have a real-time priority. */
static void backoff(unsigned int *tries)
{
	if (++*tries < 100) {
		asv_posix_cpu_relax();
	} else if (*tries < 200) {
		sched_yield();
	} else {
		struct timespec ts = { 0, 20000 };

		nanosleep(&ts, NULL);
	}
}

static void shared_lock(struct asv_biased_lock *l)
{
	unsigned int tries = 0;

	if (l->kind == ASV_BIASED_MUTEX) {
		pthread_mutex_lock(&l->mutex);
		return;
	}
	while (__atomic_exchange_n(&l->spin, 1, __ATOMIC_ACQUIRE))
		do
			backoff(&tries);
		while (__atomic_load_n(&l->spin, __ATOMIC_RELAXED));
}

static void shared_unlock(struct asv_biased_lock *l)
{
	if (l->kind == ASV_BIASED_MUTEX)
		pthread_mutex_unlock(&l->mutex);
	else
		__atomic_store_n(&l->spin, 0, __ATOMIC_RELEASE);
}

static long membarrier(int cmd)
{
	return syscall(__NR_membarrier, cmd, 0, 0);
}

/*
 * Registered for the expedited private membarrier? Asked each time a lock
 * is biased (rarely): the answer is per process, and a child of fork()
 * must not trust its parent's.
 */
static int can_bias(void)
{
	const char *mode = getenv("ASVIRT_LOCKS");

	if (mode && !strcmp(mode, "shared"))
		return 0; /* asked for, e.g. to measure what the bias gives */
	return membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) == 0;
}

int asv_biased_supported(void)
{
	return can_bias();
}

/* A full barrier in every thread of ours: without it revoking is unsafe. */
static void barrier_all_threads(void)
{
	if (membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) == 0)
		return;
	/* registered in our parent before fork(), not in this process */
	if (membarrier(MEMBARRIER_CMD_GLOBAL) == 0)
		return;
	fprintf(stderr, "asvirt: membarrier failed, cannot revoke a lock bias\n");
	abort();
}

static void revoke_bias(struct asv_biased_lock *l)
{
	unsigned int tries = 0;

	__atomic_store_n(&l->revoked, 1, __ATOMIC_RELAXED);
	barrier_all_threads();
	while (__atomic_load_n(&l->owner_in, __ATOMIC_ACQUIRE))
		backoff(&tries);
	__atomic_store_n(&l->owner, OWNER_NEVER, __ATOMIC_RELAXED);
	l->revocations++;
}

void asv_biased_lock_slow(struct asv_biased_lock *l)
{
	uintptr_t self = asv_biased_self(), owner;

	shared_lock(l);
	owner = __atomic_load_n(&l->owner, __ATOMIC_RELAXED);
	if (owner > OWNER_NEVER && owner != self) {
		revoke_bias(l);
		return;
	}
	if (owner != OWNER_NONE)
		return;
	if (l->streak_tid != self) {
		l->streak_tid = self;
		l->streak = 0;
	}
	if (++l->streak == ASV_BIASED_STREAK && can_bias())
		__atomic_store_n(&l->owner, self, __ATOMIC_RELEASE);
}

void asv_biased_unlock_slow(struct asv_biased_lock *l)
{
	shared_unlock(l);
}
