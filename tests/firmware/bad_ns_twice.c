// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * Broken on purpose (asvirt conform's ns.once): announces "rpmsg-echo" at
 * 0x400 a second time; Linux refuses the duplicate channel
 * (drivers/rpmsg/virtio_rpmsg_bus.c __rpmsg_create_channel: "already exist").
 */
#include "bad_ns.h"

static void bad_fill_ns(struct asv_rpmsg_ns_msg *msg)
{
	strcpy(msg->name, "rpmsg-echo");
	msg->addr = asv_cpu_to_le32(0x400);
	msg->flags = asv_cpu_to_le32(0);
}

static const struct asv_app app = {
	.name = "bad-ns-twice",
	.summary = "test: announces its channel twice",
	.state_size = sizeof(struct bad),
	.start = bad_ns_start,
	.stop = bad_stop,
};

ASV_FIRMWARE(app);
