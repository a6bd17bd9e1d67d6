/* SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0 */
/*
 * A simulated interrupt line. The peer raises it; this side's ISR thread
 * waits on it. Transports fill one: a POSIX semaphore (in-process
 * threads), an eventfd or a futex (separate processes), ...
 */
#ifndef ASVIRT_NOTIFIER_H
#define ASVIRT_NOTIFIER_H

#include <stdint.h>

struct asv_notifier {
	/* Raise the line (any thread, any process that shares it). */
	void (*raise)(struct asv_notifier *n);
	/* Consume one raise, waiting up to @timeout_ms: 0 or -ETIMEDOUT. */
	int (*wait)(struct asv_notifier *n, uint32_t timeout_ms);
	void (*destroy)(struct asv_notifier *n);
};

/* A counting POSIX semaphore: the seed's simulated interrupt. */
struct asv_notifier *asv_notifier_sem_create(void);

/*
 * @inner's raises delivered late (asvirt conform's host.irq_delay: a
 * mailbox interrupt that comes milliseconds after its doorbell): a raise
 * marks the line pending and returns, a thread raises @inner once a delay
 * drawn in [min_ms, max_ms] has passed; raises while one is pending go
 * with it. wait() is @inner's. No delay (the default): raises go straight
 * through. Destroy it before @inner.
 */
struct asv_notifier *asv_notifier_delay_create(struct asv_notifier *inner);
/* 0, -ASV_EINVAL (max < min), -ASV_ENOMEM (no thread). 0, 0: no delay,
 * what is pending is raised now. */
int asv_notifier_delay_set(struct asv_notifier *n, uint32_t min_ms, uint32_t max_ms);
/*
 * The vring ids kicks name travel with their interrupt, as a mailbox's
 * message comes with its interrupt: bits set (atomically) in the word this
 * returns are moved to *@out just before @n raises @inner, late or not,
 * never earlier. For asv_posix_role's kicked (a board-level image reads
 * *@out, and looks at it on its own while it waits). Call it once, before
 * the first raise.
 */
uint32_t *asv_notifier_delay_ids(struct asv_notifier *n, uint32_t *out);

#endif
