// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * Broken on purpose (asvirt conform's ns.once): announces "rpmsg-echo" at
 * 0x400 a second time; Linux refuses the duplicate channel
 * (drivers/rpmsg/virtio_rpmsg_bus.c __rpmsg_create_channel: "already exist").
 */
#include "bad_common.h"

static void *announce_again(void *arg)
{
	struct bad *b = arg;
	struct asv_rpmsg_ns_msg msg;

	memset(&msg, 0, sizeof(msg));
	strcpy(msg.name, "rpmsg-echo");
	msg.addr = asv_cpu_to_le32(0x400);
	msg.flags = asv_cpu_to_le32(0);
	bad_send_ns(b, &msg);
	return NULL;
}

static int start(struct asv_remote *r, void *state)
{
	struct bad *b = state;
	int err;

	b->r = r;
	err = asv_create_ept(&r->dev, &b->ept, "rpmsg-echo", 0x400, bad_echo_cb, b);
	if (err)
		return err;
	if (pthread_create(&b->thread, NULL, announce_again, b))
		return -ASV_ENOMEM;
	b->thread_started = 1;
	return 0;
}

static const struct asv_app app = {
	.name = "bad-ns-twice",
	.summary = "test: announces its channel twice",
	.state_size = sizeof(struct bad),
	.start = start,
	.stop = bad_stop,
};

ASV_FIRMWARE(app);
