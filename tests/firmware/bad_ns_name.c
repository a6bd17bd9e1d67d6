// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * Broken on purpose (asvirt conform's ns.name): besides a valid
 * "rpmsg-echo", announces a channel at 0x401 whose 32-byte name has no
 * NUL; Linux cuts it to 31 bytes (drivers/rpmsg/rpmsg_ns.c rpmsg_ns_cb).
 */
#include "bad_common.h"

static void *announce_bad_name(void *arg)
{
	struct bad *b = arg;
	struct asv_rpmsg_ns_msg msg;

	memset(&msg, 'x', sizeof(msg.name));
	msg.addr = asv_cpu_to_le32(0x401);
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
	if (pthread_create(&b->thread, NULL, announce_bad_name, b))
		return -ASV_ENOMEM;
	b->thread_started = 1;
	return 0;
}

static const struct asv_app app = {
	.name = "bad-ns-name",
	.summary = "test: announces a name without NUL",
	.state_size = sizeof(struct bad),
	.start = start,
	.stop = bad_stop,
};

ASV_FIRMWARE(app);
