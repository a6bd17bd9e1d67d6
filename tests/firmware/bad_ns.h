/* SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0 */
/*
 * The broken images that break a name-service rule (bad_ns_*.c): the echo
 * of bad_common.h plus a thread that, once the link is up, sends the one
 * name-service message the image's bad_fill_ns() writes.
 */
#ifndef BAD_NS_H
#define BAD_NS_H

#include "bad_common.h"

/* Defined by each image: what its extra name-service message says. */
static void bad_fill_ns(struct asv_rpmsg_ns_msg *msg);

/*
 * Once per link-up: after the host's attach recovery (the vdev status
 * reset, DRIVER_OK again; life.attach_recovery) a firmware announces its
 * channels again, this one too; the rings' generation says when.
 */
static void *bad_ns_thread(void *arg)
{
	struct bad *b = arg;
	struct asv_rpmsg_ns_msg msg;
	uint32_t gen;

	memset(&msg, 0, sizeof(msg));
	bad_fill_ns(&msg);
	while (!bad_stopping(b)) {
		gen = __atomic_load_n(&b->r->dev.link_gen, __ATOMIC_RELAXED);
		bad_send_ns(b, &msg);
		while (!bad_stopping(b) &&
		       __atomic_load_n(&b->r->dev.link_gen, __ATOMIC_RELAXED) == gen)
			usleep(1000);
	}
	return NULL;
}

static int bad_ns_start(struct asv_remote *r, void *state)
{
	struct bad *b = state;
	int err;

	b->r = r;
	err = asv_create_ept(&r->dev, &b->ept, "rpmsg-echo", 0x400, bad_echo_cb, b);
	if (err)
		return err;
	if (pthread_create(&b->thread, NULL, bad_ns_thread, b))
		return -ASV_ENOMEM;
	b->thread_started = 1;
	return 0;
}

#endif
