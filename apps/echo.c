// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * echo: returns every message to its sender, byte for byte. Announced as
 * "rpmsg-echo" at the fixed address 0x400, so a host can also reach it
 * without the name service (e.g. Linux's RPMSG_CREATE_EPT_IOCTL).
 */
#include "asvirt/app.h"

struct echo_state {
	struct asv_endpoint ept;
};

static int echo_cb(struct asv_endpoint *ept, void *data, size_t len, uint32_t src, void *priv)
{
	(void)priv;
	return asv_sendto(ept, src, data, len);
}

static int echo_start(struct asv_remote *r, void *state)
{
	struct echo_state *s = state;

	return asv_create_ept(&r->dev, &s->ept, ASV_ECHO_NAME, ASV_ECHO_ADDR, echo_cb, s);
}

static void echo_stop(struct asv_remote *r, void *state)
{
	struct echo_state *s = state;

	(void)r;
	asv_destroy_ept(&s->ept);
}

const struct asv_app asv_app_echo = {
	.name = "echo",
	.summary = "returns every message to its sender (\"rpmsg-echo\" at 0x400)",
	.state_size = sizeof(struct echo_state),
	.start = echo_start,
	.stop = echo_stop,
};
