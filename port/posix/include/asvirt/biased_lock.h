/* SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0 */
/*
 * A lock biased towards the one thread that uses it: the role's locks are
 * in the common case taken by one thread only (the application thread
 * sends, the ISR thread receives), and that thread then takes and drops
 * the lock with plain loads and stores: no atomic read-modify-write, no
 * fence. A second thread revokes the bias once, for good, with an
 * asymmetric fence (membarrier(2) forces a full barrier on every running
 * thread of the process), and from then on everyone takes the shared
 * lock. The same scheme as asymmetric Dekker locks and Java's biased
 * locking; see biased_lock.c for the protocol.
 */
#ifndef ASVIRT_BIASED_LOCK_H
#define ASVIRT_BIASED_LOCK_H

#include <pthread.h>
#include <stdint.h>

enum asv_biased_kind {
	/* shared lock: test-and-set, for short holds where nothing waits */
	ASV_BIASED_SPIN,
	/* shared lock: a pthread mutex, for holds that may block */
	ASV_BIASED_MUTEX,
};

/*
 * In the biased state only the owner touches the lock, once revoked it is
 * the shared lock's. The hot words come first and a lock spans two cache
 * lines, so the hot words of two locks (the TX lock of the sender, the RX
 * lock of the ISR thread) never share a line, at any alignment.
 */
struct asv_biased_lock {
	union {
		struct {
			uintptr_t owner;       /* atomic: 0 none yet, 1 never, else a thread */
			uint32_t owner_in;     /* atomic: held by the owner; the owner writes it */
			uint32_t revoked;      /* atomic: set once, before the owner is dropped */
			uint32_t spin;	       /* atomic: the shared lock of ASV_BIASED_SPIN */
			uint32_t kind;	       /* enum asv_biased_kind */
			uintptr_t streak_tid;  /* the last thread through the shared lock */
			uint32_t streak;       /* its consecutive holds of the shared lock */
			uint32_t revocations;  /* times the bias was revoked (0 or 1) */
			pthread_mutex_t mutex; /* the shared lock of ASV_BIASED_MUTEX */
		};
		char two_lines[128];
	};
};

/*
 * Consecutive holds of the shared lock by one thread after which the lock
 * is biased towards it; a lock used by two threads in turn never is.
 */
#define ASV_BIASED_STREAK 64u

void asv_biased_init(struct asv_biased_lock *l, enum asv_biased_kind kind);
void asv_biased_destroy(struct asv_biased_lock *l);
void asv_biased_lock_slow(struct asv_biased_lock *l);
void asv_biased_unlock_slow(struct asv_biased_lock *l);

/* Names the calling thread: the address of a thread-local variable. */
extern __thread char asv_biased_thread;

static inline uintptr_t asv_biased_self(void)
{
	return (uintptr_t)&asv_biased_thread;
}

static inline void asv_biased_lock(struct asv_biased_lock *l)
{
	if (__atomic_load_n(&l->owner, __ATOMIC_RELAXED) == asv_biased_self()) {
		__atomic_store_n(&l->owner_in, 1, __ATOMIC_RELAXED);
		/*
		 * Only the compiler is kept from moving the load above the
		 * store: a revoker's membarrier(2) orders the CPU, so either
		 * it sees owner_in set or we see revoked.
		 */
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
		if (!__atomic_load_n(&l->revoked, __ATOMIC_ACQUIRE))
			return;
		__atomic_store_n(&l->owner_in, 0, __ATOMIC_RELEASE);
	}
	asv_biased_lock_slow(l);
}

static inline void asv_biased_unlock(struct asv_biased_lock *l)
{
	/* The owner holding it by the fast path: owner_in is set, and only
	 * the owner sets it. */
	if (__atomic_load_n(&l->owner, __ATOMIC_RELAXED) == asv_biased_self() &&
	    __atomic_load_n(&l->owner_in, __ATOMIC_RELAXED)) {
		__atomic_store_n(&l->owner_in, 0, __ATOMIC_RELEASE);
		return;
	}
	asv_biased_unlock_slow(l);
}

/* The thread the lock is biased towards now holds it with plain stores. */
int asv_biased_is_biased(const struct asv_biased_lock *l);
/* Can locks be biased in this process (membarrier(2) with private
 * expedited barriers, and ASVIRT_LOCKS=shared not set)? If not, every
 * lock is its shared lock. */
int asv_biased_supported(void);

#endif
