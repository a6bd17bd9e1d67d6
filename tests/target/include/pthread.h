/* SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0 */
/*
 * The target's unit tests run on one thread with no OS (picolibc has no
 * pthread.h): the mutex the test harness's log capture takes is a no-op.
 */
#ifndef ASVIRT_TARGET_PTHREAD_H
#define ASVIRT_TARGET_PTHREAD_H

typedef struct {
	int unused;
} pthread_mutex_t;
typedef int pthread_mutexattr_t;

#define PTHREAD_MUTEX_INITIALIZER \
	{                         \
		0                 \
	}

static inline int pthread_mutex_init(pthread_mutex_t *m, const pthread_mutexattr_t *a)
{
	(void)m, (void)a;
	return 0;
}

static inline int pthread_mutex_lock(pthread_mutex_t *m)
{
	(void)m;
	return 0;
}

static inline int pthread_mutex_unlock(pthread_mutex_t *m)
{
	(void)m;
	return 0;
}

static inline int pthread_mutex_destroy(pthread_mutex_t *m)
{
	(void)m;
	return 0;
}

#endif
