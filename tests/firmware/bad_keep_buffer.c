// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * Broken on purpose (asvirt conform's msg.burst): an echo that keeps the
 * buffer of the first message it receives (a zero-copy reader,
 * ASV_RX_HOLD) and never gives it back: the host has one transmit buffer
 * less for good. Linux's sender then waits for a buffer that never comes
 * once the others are in flight (drivers/rpmsg/virtio_rpmsg_bus.c
 * rpmsg_send_offchannel_raw: up to 15 s, then -ERESTARTSYS), and a
 * firmware that keeps one now and then ends with none.
 */
#include "bad_common.h"

struct keep {
	struct bad b; /* first: bad_stop's state */
	int kept;     /* the callback's only (one callback at a time) */
};

static int keep_cb(struct asv_endpoint *e, void *data, size_t len, uint32_t src, void *priv)
{
	struct keep *st = priv;
	int err = asv_sendto(e, src, data, len);

	if (st->kept)
		return err;
	st->kept = 1;
	return ASV_RX_HOLD; /* never released */
}

static int start(struct asv_remote *r, void *state)
{
	struct keep *st = state;

	st->b.r = r;
	return asv_create_ept(&r->dev, &st->b.ept, "rpmsg-echo", 0x400, keep_cb, st);
}

static const struct asv_app app = {
	.name = "bad-keep-buffer",
	.summary = "test: echo that keeps its first message's buffer for good",
	.state_size = sizeof(struct keep),
	.start = start,
	.stop = bad_stop,
};

ASV_FIRMWARE(app);
