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

static void *bad_ns_thread(void *arg)
{
	struct asv_rpmsg_ns_msg msg;

	memset(&msg, 0, sizeof(msg));
	bad_fill_ns(&msg);
	bad_send_ns(arg, &msg);
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
