/* SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0 */
/*
 * POSIX port: one struct asv_posix_role per role instance supplies its
 * struct asv_env (biased locks, a condition variable for blocked
 * senders, CLOCK_MONOTONIC, calloc) and runs its ISR thread: a thread
 * blocked on the role's notifier, calling the role's ISR on each raise.
 */
#ifndef ASVIRT_POSIX_H
#define ASVIRT_POSIX_H

#include <pthread.h>
#include <stdbool.h>
#include <time.h>

#include "asvirt/biased_lock.h"
#include "asvirt/env.h"
#include "asvirt/notifier.h"

typedef int (*asv_isr_fn)(void *arg);
/* Poll mode of a role (asv_host_poll / asv_remote_poll and their _done). */
typedef int (*asv_poll_fn)(void *arg, unsigned int *work);
typedef bool (*asv_poll_done_fn)(void *arg);

struct asv_posix_role {
	struct asv_env env;
	const char *name; /* "host", "remote": for logs */
	/*
	 * The role's locks, each biased towards the one thread that takes
	 * it in the common case (asvirt/biased_lock.h); the gap keeps the
	 * first one's hot words off the line of the fields above.
	 */
	char gap_locks[64];
	struct asv_biased_lock locks[ASV_LOCK_COUNT];
	pthread_mutex_t wait_mu;
	pthread_cond_t wait_cv;
	uint32_t gen;
	struct asv_notifier *irq;  /* raised by the peer; our ISR waits */
	struct asv_notifier *peer; /* we raise it to interrupt the peer */
	pthread_t isr_thread;
	int isr_running;
	int destroyed; /* asv_posix_role_destroy() ran: a second call does nothing */
	int stop;      /* atomic */
	asv_isr_fn isr_fn;
	void *isr_arg;
	/*
	 * Adaptive interrupt: after an interrupt the ISR thread polls the ring
	 * (the peer's notifications off) until nothing arrived for spin_ns,
	 * then blocks. 0 = always block (pure semaphore mode). Needs poll_fn
	 * and poll_done_fn.
	 */
	uint64_t spin_ns;
	asv_poll_fn poll_fn;
	asv_poll_done_fn poll_done_fn;
	unsigned long spin_hits; /* messages handled while polling */
	/* CPU the ISR thread is pinned to (its "core"), or -1 for any. */
	int cpu;
	/*
	 * The role whose ISR thread runs this role's ISR: itself, or another
	 * instance on the same interrupt line (asv_posix_role_share_isr).
	 */
	struct asv_posix_role *isr_home;
	/*
	 * Set (ISR thread only) when a sender on that thread waited on the
	 * line and so took an interrupt another instance may be owed: the
	 * ISR that serves several instances runs them all again.
	 */
	int isr_rerun;
	/*
	 * When set, notify() records which vring it kicks: bit notifyid
	 * (ids < 32) is set in *kicked before the line is raised, so a peer
	 * whose interrupt carries the vring id learns it (a board-level
	 * firmware, asvirt/board.h). NULL: the line alone.
	 */
	uint32_t *kicked;
};

/* Fill @p->env. @irq and @peer stay owned by the caller. */
int asv_posix_role_init(struct asv_posix_role *p, const char *name, struct asv_notifier *irq,
			struct asv_notifier *peer, asv_log_fn log, void *log_ctx, int log_level);
/*
 * @p shares @home's interrupt line and ISR thread (a second vdev of one
 * processor): its ISR runs on @home's thread, so in_isr is true there.
 * @p then starts no thread of its own.
 */
void asv_posix_role_share_isr(struct asv_posix_role *p, struct asv_posix_role *home);
/* Start the ISR thread calling @fn(@arg) for every interrupt. */
int asv_posix_role_start(struct asv_posix_role *p, asv_isr_fn fn, void *arg);
/* Pin the calling thread to @cpu (-1: no-op). 0 or -ASV_EINVAL. */
int asv_posix_pin_self(int cpu);
/* Stop and join the ISR thread (at most one wait period, 50 ms). */
void asv_posix_role_stop(struct asv_posix_role *p);
void asv_posix_role_destroy(struct asv_posix_role *p);

/* Monotonic clock in ms / ns. */
uint64_t asv_posix_now_ms(void);
uint64_t asv_posix_now_ns(void);
/*
 * Every timed wait of ours runs on CLOCK_MONOTONIC, so setting the wall
 * clock never stretches or cuts a timeout: the absolute deadline
 * @timeout_ms from now, and a condition variable that waits on it.
 */
void asv_posix_deadline(struct timespec *ts, uint32_t timeout_ms);
int asv_posix_cond_init(pthread_cond_t *cv);

/* One step of a spin-wait: tells the CPU (and an SMT sibling) we poll. */
static inline void asv_posix_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__) || defined(__arm__)
	__asm__ __volatile__("yield" ::: "memory");
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}

/*
 * The level a config's (log_level, errors_only) pair asks for: log_level
 * when set, else errors only or, by default, warnings. (ASV_LOG_ERR is 0,
 * which zeroed configs must read as the default.)
 */
int asv_posix_log_level(int log_level, bool errors_only);

/* A logger that prints "[name] LEVEL: msg" to stderr (log_ctx = name). */
void asv_posix_log_stderr(void *ctx, int level, const char *msg);

/* Write the reason for @err into @why (@n bytes; NULL for none), return @err. */
int asv_whyf(char *why, size_t n, int err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
