// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * Broken on purpose (asvirt conform's ns.name): besides a valid
 * "rpmsg-echo", announces a channel at 0x401 whose 32-byte name has no
 * NUL; Linux cuts it to 31 bytes (drivers/rpmsg/rpmsg_ns.c rpmsg_ns_cb).
 */
#include "bad_ns.h"

static void bad_fill_ns(struct asv_rpmsg_ns_msg *msg)
{
	memset(msg->name, 'x', sizeof(msg->name));
	msg->addr = asv_cpu_to_le32(0x401);
	msg->flags = asv_cpu_to_le32(0);
}

static const struct asv_app app = {
	.name = "bad-ns-name",
	.summary = "test: announces a name without NUL",
	.state_size = sizeof(struct bad),
	.start = bad_ns_start,
	.stop = bad_stop,
};

ASV_FIRMWARE(app);
