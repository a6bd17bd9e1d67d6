// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * Broken on purpose (asvirt conform's ns.destroy_recreate): an echo that
 * takes the host's NS DESTROY of its channel's name as the end of the
 * session and answers nothing from then on, not even after the host's
 * CREATE of it again. Linux sends that DESTROY when the driver of a
 * host-side channel with a fixed address unbinds and the CREATE when it
 * binds again (drivers/rpmsg/rpmsg_core.c rpmsg_dev_remove, rpmsg_dev_probe
 * -> virtio_rpmsg_bus.c virtio_rpmsg_announce_destroy, _create), e.g.
 * RPMSG_RELEASE_DEV_IOCTL then RPMSG_CREATE_DEV_IOCTL (rpmsg_ctrl.c).
 */
#include "bad_common.h"

struct ends {
	struct bad b; /* first: bad_stop's state */
	int ended;    /* the ISR thread's only (ns_bind and the callback) */
};

static void ends_ns(struct asv_remote *r, const char *name, uint32_t addr, uint32_t flags,
		    void *priv)
{
	struct ends *st = priv;

	(void)r;
	(void)addr;
	if ((flags & ASV_RPMSG_NS_DESTROY) && !strcmp(name, "rpmsg-echo"))
		st->ended = 1;
}

static int ends_cb(struct asv_endpoint *e, void *data, size_t len, uint32_t src, void *priv)
{
	struct ends *st = priv;

	return st->ended ? 0 : asv_sendto(e, src, data, len);
}

static int start(struct asv_remote *r, void *state)
{
	struct ends *st = state;

	st->b.r = r;
	/* before the link's ISR thread runs: the core calls it for each
	 * name-service message from the host */
	r->ns_bind = ends_ns;
	r->ns_priv = st;
	return asv_create_ept(&r->dev, &st->b.ept, "rpmsg-echo", 0x400, ends_cb, st);
}

static const struct asv_app app = {
	.name = "bad-destroy-ends",
	.summary = "test: echo that stops for good at the host's NS DESTROY",
	.state_size = sizeof(struct ends),
	.start = start,
	.stop = bad_stop,
};

ASV_FIRMWARE(app);
