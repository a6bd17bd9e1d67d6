// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * Broken on purpose (asvirt conform's msg.sizes): an echo that answers at
 * most 256 bytes, where Linux sends up to 496 (512-byte buffers less the
 * header: drivers/rpmsg/virtio_rpmsg_bus.c rpmsg_send_offchannel_raw).
 */
#include "bad_common.h"

static int trunc_cb(struct asv_endpoint *e, void *data, size_t len, uint32_t src, void *priv)
{
	(void)priv;
	return asv_sendto(e, src, data, len > 256 ? 256 : len);
}

static int start(struct asv_remote *r, void *state)
{
	struct bad *b = state;

	b->r = r;
	return asv_create_ept(&r->dev, &b->ept, "rpmsg-echo", 0x400, trunc_cb, b);
}

static const struct asv_app app = {
	.name = "bad-trunc256",
	.summary = "test: echo that truncates at 256 bytes",
	.state_size = sizeof(struct bad),
	.start = start,
	.stop = bad_stop,
};

ASV_FIRMWARE(app);
