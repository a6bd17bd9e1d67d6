// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/* struct asv_env for POSIX threads, and the ISR thread. */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "asvirt/errors.h"
#include "asvirt/posix.h"

static __thread struct asv_posix_role *current_isr;

uint64_t asv_posix_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t asv_posix_now_ms(void)
{
	return asv_posix_now_ns() / 1000000ull;
}

void asv_posix_deadline(struct timespec *ts, uint32_t timeout_ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += timeout_ms / 1000;
	ts->tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

int asv_posix_cond_init(pthread_cond_t *cv)
{
	pthread_condattr_t ca;
	int rc;

	if (pthread_condattr_init(&ca))
		return -ASV_ENOMEM;
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	rc = pthread_cond_init(cv, &ca);
	pthread_condattr_destroy(&ca);
	return rc ? -ASV_ENOMEM : 0;
}

static void env_notify(void *ctx, uint32_t notifyid)
{
	struct asv_posix_role *p = ctx;

	/* one interrupt line per side; the ISR scans both rings. The id is
	 * recorded for a peer that wants it, before the raise that makes
	 * the peer look. */
	if (p->kicked && notifyid < 32)
		__atomic_fetch_or(p->kicked, 1u << notifyid, __ATOMIC_RELEASE);
	p->peer->raise(p->peer);
}

static uint32_t env_wait_gen(void *ctx)
{
	struct asv_posix_role *p = ctx;

	return __atomic_load_n(&p->gen, __ATOMIC_ACQUIRE);
}

static int env_wait(void *ctx, uint32_t gen, uint32_t timeout_ms)
{
	struct asv_posix_role *p = ctx;
	struct timespec ts;
	int rc = 0;

	asv_posix_deadline(&ts, timeout_ms);
	pthread_mutex_lock(&p->wait_mu);
	while (__atomic_load_n(&p->gen, __ATOMIC_ACQUIRE) == gen && rc == 0)
		rc = pthread_cond_timedwait(&p->wait_cv, &p->wait_mu, &ts);
	pthread_mutex_unlock(&p->wait_mu);
	return rc == ETIMEDOUT ? -ASV_ETIMEDOUT : 0;
}

static void env_wake(void *ctx)
{
	struct asv_posix_role *p = ctx;

	pthread_mutex_lock(&p->wait_mu);
	__atomic_add_fetch(&p->gen, 1, __ATOMIC_RELEASE);
	pthread_cond_broadcast(&p->wait_cv);
	pthread_mutex_unlock(&p->wait_mu);
}

static int env_isr_wait(void *ctx, uint32_t timeout_ms)
{
	struct asv_posix_role *p = ctx;
	int rc = p->irq->wait(p->irq, timeout_ms);

	if (rc == 0)
		p->isr_home->isr_rerun = 1;
	return rc;
}

static bool env_in_isr(void *ctx)
{
	const struct asv_posix_role *p = ctx;

	return current_isr == p->isr_home;
}

static void env_lock(void *ctx, enum asv_lock_id id)
{
	struct asv_posix_role *p = ctx;

	asv_biased_lock(&p->locks[id]);
}

static void env_unlock(void *ctx, enum asv_lock_id id)
{
	struct asv_posix_role *p = ctx;

	asv_biased_unlock(&p->locks[id]);
}

static uint64_t env_now_ms(void *ctx)
{
	(void)ctx;
	return asv_posix_now_ms();
}

/*
 * Whole cache lines: the core's per-buffer state arrays are written per
 * message by one side's ISR thread, and must not share a line with
 * whatever the allocator puts next to them (another thread's hot data).
 */
static void *env_alloc(void *ctx, size_t n)
{
	size_t size = (n + 63u) & ~(size_t)63u;
	void *p;

	(void)ctx;
	if (!size || size < n)
		return NULL;
	p = aligned_alloc(64, size);
	if (p)
		memset(p, 0, size);
	return p;
}

static void env_free(void *ctx, void *ptr)
{
	(void)ctx;
	free(ptr);
}

int asv_posix_log_level(int log_level, bool errors_only)
{
	if (log_level)
		return log_level;
	return errors_only ? ASV_LOG_ERR : ASV_LOG_WARN;
}

void asv_posix_log_stderr(void *ctx, int level, const char *msg)
{
	static const char *const lv[] = { "error", "warning", "info", "debug" };

	fprintf(stderr, "[%s] %s: %s\n", ctx ? (const char *)ctx : "asvirt",
		lv[level < 0   ? 0
		   : level > 3 ? 3
			       : level],
		msg);
}

int asv_posix_role_init(struct asv_posix_role *p, const char *name, struct asv_notifier *irq,
			struct asv_notifier *peer, asv_log_fn log, void *log_ctx, int log_level)
{
	int i;

	if (!p || !irq || !peer)
		return -ASV_EINVAL;
	*p = (struct asv_posix_role){ 0 };
	p->name = name;
	p->irq = irq;
	p->peer = peer;
	p->cpu = -1;
	p->isr_home = p;
	/*
	 * Nothing waits under TX, a few stores per send: its shared lock is a
	 * test-and-set lock (released by a plain store; a mutex's unlock is a
	 * second locked instruction per message). The others are held across
	 * callbacks, which may block: mutexes.
	 */
	for (i = 0; i < ASV_LOCK_COUNT; i++)
		asv_biased_init(&p->locks[i],
				i == ASV_LOCK_TX ? ASV_BIASED_SPIN : ASV_BIASED_MUTEX);
	pthread_mutex_init(&p->wait_mu, NULL);
	asv_posix_cond_init(&p->wait_cv);
	p->env = (struct asv_env){
		.ctx = p,
		.notify = env_notify,
		.wait_gen = env_wait_gen,
		.wait = env_wait,
		.wake = env_wake,
		.isr_wait = env_isr_wait,
		.in_isr = env_in_isr,
		.lock = env_lock,
		.unlock = env_unlock,
		.now_ms = env_now_ms,
		.alloc = env_alloc,
		.free = env_free,
		.log = log,
		.log_ctx = log_ctx,
		.log_level = log_level,
	};
	return 0;
}

/*
 * The adaptive interrupt, NAPI style: after an interrupt, keep the peer's
 * notifications off and poll the ring; only when nothing arrived for
 * spin_ns turn them back on and block. A peer that sends while we poll
 * raises no interrupt at all. Empty polls yield now and then, so a thread
 * sharing this core (the MCU's application) still runs.
 */
static void isr_adaptive(struct asv_posix_role *p)
{
	uint64_t now, end = asv_posix_now_ns() + p->spin_ns;
	unsigned int work = 0, idle = 0;
	bool busy = false;

	for (;;) {
		/* Leaving the loop, poll_done gives back what polling collected:
		 * a remote that stops must not leave consumed messages unreturned. */
		if (__atomic_load_n(&p->stop, __ATOMIC_ACQUIRE) ||
		    p->poll_fn(p->isr_arg, &work) < 0) {
			p->poll_done_fn(p->isr_arg);
			return;
		}
		if (work) {
			/* no clock read per message: the idle window restarts at
			 * the next idle check */
			p->spin_hits += work;
			work = 0;
			busy = true;
			idle = 0;
			continue;
		}
		if (!(++idle & 15)) {
			now = asv_posix_now_ns();
			if (busy) {
				busy = false;
				end = now + p->spin_ns;
			} else if (now >= end) {
				if (!p->poll_done_fn(p->isr_arg))
					return;
				end = asv_posix_now_ns() + p->spin_ns;
			}
		}
		if (!(idle & 1023))
			sched_yield();
		else
			asv_posix_cpu_relax();
	}
}

static void *isr_main(void *arg)
{
	struct asv_posix_role *p = arg;

	current_isr = p;
	asv_posix_pin_self(p->cpu);
	while (!__atomic_load_n(&p->stop, __ATOMIC_ACQUIRE)) {
		/* A bounded wait so stop is noticed even with no interrupt. */
		if (p->irq->wait(p->irq, 50) != 0)
			continue;
		if (__atomic_load_n(&p->stop, __ATOMIC_ACQUIRE))
			break;
		if (p->spin_ns && p->poll_fn && p->poll_done_fn)
			isr_adaptive(p);
		else
			p->isr_fn(p->isr_arg);
	}
	current_isr = NULL;
	return NULL;
}

int asv_posix_pin_self(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return 0;
	if (cpu >= CPU_SETSIZE)
		return -ASV_EINVAL;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return pthread_setaffinity_np(pthread_self(), sizeof(set), &set) ? -ASV_EINVAL : 0;
}

void asv_posix_role_share_isr(struct asv_posix_role *p, struct asv_posix_role *home)
{
	p->isr_home = home;
}

int asv_posix_role_start(struct asv_posix_role *p, asv_isr_fn fn, void *arg)
{
	if (p->isr_running)
		return -ASV_EBUSY;
	p->isr_fn = fn;
	p->isr_arg = arg;
	__atomic_store_n(&p->stop, 0, __ATOMIC_RELEASE);
	if (pthread_create(&p->isr_thread, NULL, isr_main, p))
		return -ASV_ENOMEM;
	p->isr_running = 1;
	return 0;
}

void asv_posix_role_stop(struct asv_posix_role *p)
{
	if (!p->isr_running)
		return;
	__atomic_store_n(&p->stop, 1, __ATOMIC_RELEASE);
	p->irq->raise(p->irq);
	pthread_join(p->isr_thread, NULL);
	p->isr_running = 0;
}

void asv_posix_role_destroy(struct asv_posix_role *p)
{
	int i;

	if (p->destroyed)
		return;
	p->destroyed = 1;
	asv_posix_role_stop(p);
	for (i = 0; i < ASV_LOCK_COUNT; i++)
		asv_biased_destroy(&p->locks[i]);
	pthread_mutex_destroy(&p->wait_mu);
	pthread_cond_destroy(&p->wait_cv);
}
