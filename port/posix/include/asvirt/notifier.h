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

#endif
