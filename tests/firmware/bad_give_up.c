// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * Broken on purpose (asvirt conform's msg.hold): an echo that waits at
 * most 200 ms for a buffer to answer in, then drops the answer. Linux's
 * own sender waits up to 15 s (drivers/rpmsg/virtio_rpmsg_bus.c
 * rpmsg_send_offchannel_raw), and a host may keep its receive buffers
 * longer than 200 ms (a zero-copy reader, a slow callback): a message the
 * firmware accepted is then lost.
 */
#include "bad_common.h"

static int give_up_cb(struct asv_endpoint *e, void *data, size_t len, uint32_t src, void *priv)
{
	(void)priv;
	return asv_send_timeout(e, src, data, len, 200);
}

static int start(struct asv_remote *r, void *state)
{
	struct bad *b = state;

	b->r = r;
	return asv_create_ept(&r->dev, &b->ept, "rpmsg-echo", 0x400, give_up_cb, b);
}

static const struct asv_app app = {
	.name = "bad-give-up",
	.summary = "test: echo that drops an answer after 200 ms without a buffer",
	.state_size = sizeof(struct bad),
	.start = start,
	.stop = bad_stop,
};

ASV_FIRMWARE(app);
