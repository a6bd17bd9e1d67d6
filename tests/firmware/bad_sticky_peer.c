// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * Broken on purpose (asvirt conform's msg.dead_ept): an echo that keeps
 * the first host address that wrote to it and answers there for good, as
 * a firmware that saves its peer once. When that host endpoint is
 * destroyed, the host drops what still comes for it ("msg received with
 * no recipient": drivers/rpmsg/virtio_rpmsg_bus.c rpmsg_recv_single) and
 * this firmware talks to nobody from then on; a new host endpoint never
 * gets an answer.
 */
#include "bad_common.h"

struct sticky {
	struct bad b;  /* first: bad_stop's state */
	uint32_t peer; /* the callback's only (one callback at a time) */
};

static int sticky_cb(struct asv_endpoint *e, void *data, size_t len, uint32_t src, void *priv)
{
	struct sticky *st = priv;

	if (!st->peer)
		st->peer = src;
	return asv_sendto(e, st->peer, data, len);
}

static int start(struct asv_remote *r, void *state)
{
	struct sticky *st = state;

	st->b.r = r;
	return asv_create_ept(&r->dev, &st->b.ept, "rpmsg-echo", 0x400, sticky_cb, st);
}

static const struct asv_app app = {
	.name = "bad-sticky-peer",
	.summary = "test: echo that answers its first peer for good",
	.state_size = sizeof(struct sticky),
	.start = start,
	.stop = bad_stop,
};

ASV_FIRMWARE(app);
