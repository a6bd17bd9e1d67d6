// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * Broken on purpose (asvirt conform's ns.unbound): announces "rpmsg-ctrl"
 * (0x400) and "rpmsg-echo" (0x401) and answers nothing on the echo channel
 * until the host has spoken on rpmsg-ctrl, as a firmware that waits for
 * its control channel's driver before it serves anything. Linux creates a
 * channel for each announcement (drivers/rpmsg/rpmsg_ns.c rpmsg_ns_cb) but
 * binds only those it has a driver for, and sends nothing on the others:
 * with no driver for rpmsg-ctrl this firmware's echo never answers.
 *
 * rpmsg-ctrl answers "ack" (not an echo: conform's probe moves on at once).
 * Its lower address is announced first (the core announces by address
 * bucket), so conform's probes reach it before the echo channel.
 */
#include "bad_common.h"

struct wait_bind {
	struct bad b; /* first: bad_stop's state (the echo endpoint) */
	struct asv_endpoint ctrl;
	int bound; /* the ISR thread's only (the callbacks) */
};

static int ctrl_cb(struct asv_endpoint *e, void *data, size_t len, uint32_t src, void *priv)
{
	struct wait_bind *st = priv;

	(void)data;
	(void)len;
	st->bound = 1;
	return asv_sendto(e, src, "ack", 3);
}

static int echo_cb(struct asv_endpoint *e, void *data, size_t len, uint32_t src, void *priv)
{
	struct wait_bind *st = priv;

	return st->bound ? asv_sendto(e, src, data, len) : 0;
}

static int start(struct asv_remote *r, void *state)
{
	struct wait_bind *st = state;
	int err;

	st->b.r = r;
	err = asv_create_ept(&r->dev, &st->ctrl, "rpmsg-ctrl", 0x400, ctrl_cb, st);
	if (err)
		return err;
	err = asv_create_ept(&r->dev, &st->b.ept, "rpmsg-echo", 0x401, echo_cb, st);
	if (err)
		asv_destroy_ept(&st->ctrl);
	return err;
}

static void stop(struct asv_remote *r, void *state)
{
	struct wait_bind *st = state;

	bad_stop(r, state);
	asv_destroy_ept(&st->ctrl);
}

static const struct asv_app app = {
	.name = "bad-wait-bind",
	.summary = "test: echo silent until the host speaks on its control channel",
	.state_size = sizeof(struct wait_bind),
	.start = start,
	.stop = stop,
};

ASV_FIRMWARE(app);
