// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * Broken on purpose (asvirt conform's msg.sizes), a Cortex-M image for the
 * virtual board (built like port/cortex-m/fw_echo.c's): "rpmsg-echo" at
 * 0x400 that copies each message into a 256-byte buffer of its own (an
 * MCU's RAM budget) before answering, and so answers at most 256 bytes.
 * Linux's rpmsg buffers are 512 bytes, 496 of payload
 * (drivers/rpmsg/virtio_rpmsg_bus.c: MAX_RPMSG_BUF_SIZE, checked in
 * rpmsg_send_offchannel_raw): a remote must take what fits in one.
 */
#include <string.h>

#include "asvirt/cm_firmware.h"

#define SMALL_BUF 256u

struct small_buf {
	struct asv_endpoint ept;
	uint8_t buf[SMALL_BUF];
};

static int small_cb(struct asv_endpoint *ept, void *data, size_t len, uint32_t src, void *priv)
{
	struct small_buf *s = priv;
	size_t n = len < sizeof(s->buf) ? len : sizeof(s->buf); /* the bug: cut to fit */

	memcpy(s->buf, data, n);
	return asv_sendto(ept, src, s->buf, n);
}

static int small_start(struct asv_remote *r, void *state)
{
	struct small_buf *s = state;

	return asv_create_ept(&r->dev, &s->ept, ASV_ECHO_NAME, ASV_ECHO_ADDR, small_cb, s);
}

static void small_stop(struct asv_remote *r, void *state)
{
	struct small_buf *s = state;

	(void)r;
	asv_destroy_ept(&s->ept);
}

static const struct asv_app small_buf_app = {
	.name = "bad-cm-small-buf",
	.summary = "test: echo that answers at most 256 bytes",
	.state_size = sizeof(struct small_buf),
	.start = small_start,
	.stop = small_stop,
};

ASV_CM_FIRMWARE(small_buf_app);
