/* SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0 */
/*
 * The deliberately broken firmware images of `asvirt conform`'s tests
 * (tests/firmware/bad_*.c): each is an echo ("rpmsg-echo" at 0x400) that
 * breaks exactly one rule. Some send a raw name-service message from a
 * thread once the link is up, as a stack of their own would.
 */
#ifndef BAD_COMMON_H
#define BAD_COMMON_H

#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "asvirt/errors.h"
#include "asvirt/firmware.h"
#include "asvirt/wire.h"

struct bad {
	struct asv_endpoint ept;
	struct asv_remote *r;
	pthread_t thread;
	int thread_started;
	volatile int stop;
};

/* The image is stopping (its stop() runs on another thread). */
static inline int bad_stopping(struct bad *b)
{
	return __atomic_load_n(&b->stop, __ATOMIC_ACQUIRE);
}

/* Send @msg to the host's name service once the link is up. */
static inline void bad_send_ns(struct bad *b, const struct asv_rpmsg_ns_msg *msg)
{
	int i;

	for (i = 0; i < 5000 && !bad_stopping(b) && !asv_link_ready(&b->r->dev); i++)
		usleep(1000);
	/* after our own endpoint's announcement, which the core sends first */
	usleep(20000);
	if (!bad_stopping(b))
		asv_sendto(&b->ept, ASV_RPMSG_NS_ADDR, msg, sizeof(*msg));
}

static inline int bad_echo_cb(struct asv_endpoint *e, void *data, size_t len, uint32_t src,
			      void *priv)
{
	(void)priv;
	return asv_sendto(e, src, data, len);
}

static inline void bad_stop(struct asv_remote *r, void *state)
{
	struct bad *b = state;

	(void)r;
	__atomic_store_n(&b->stop, 1, __ATOMIC_RELEASE);
	if (b->thread_started)
		pthread_join(b->thread, NULL);
	asv_destroy_ept(&b->ept);
}

#endif
