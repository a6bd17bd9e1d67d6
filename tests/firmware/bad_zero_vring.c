// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * Broken on purpose (asvirt conform's boot.rsc_table), a board-level image:
 * the board echo (fw_board_echo.c) whose resource table declares, after
 * the rpmsg vdev, a virtio console (virtio id 3) of two vrings with only
 * the first filled in: vring[1] is left zero (num 0, align 0), as a table
 * written for one vring and given num_of_vrings 2 would be.
 *
 * Linux 6.1 boots it and never creates the console:
 * remoteproc_core.c rproc_handle_vdev (l. 475-526) registers an
 * "rproc-virtio" platform device for the entry and returns 0 whatever its
 * probe does (l. 518-526); remoteproc_virtio.c rproc_virtio_probe
 * (l. 494-573) parses every vring first (l. 532-537) and returns the
 * error of rproc_parse_vring (remoteproc_core.c l. 386-408: "invalid qsz
 * (0) or alignment (0)", -EINVAL, l. 397-400) before it allocates a vring
 * (l. 543-547) or adds the subdevice whose start registers the virtio
 * device (l. 554; rproc_vdev_do_start l. 476-481). The rpmsg vdev before
 * it is served as usual (its notify ids 0 and 1; the console takes none).
 *
 * asvirt's host does the same (core/src/rproc.c vdev_usable: a vdev with a
 * vring of num or align 0 gets no rings and no notify ids) and serves the
 * rpmsg vdev, so every other check runs on the board echo and passes:
 * what fails is the table, and only by `fw-check --linux`'s rule (a device
 * of the table that does not work under Linux).
 */
#include <stddef.h>

#include "asvirt/firmware.h"

#define ZERO_VIRTIO_ID_CONSOLE 3u /* include/uapi/linux/virtio_ids.h */

/* asv_fw_std_table with a 4th offset and the console vdev. */
struct zero_vring_rsc {
	asv_le32 ver, num, reserved[2];
	asv_le32 offset[4];
	asv_le32 trace_mem_type;
	struct asv_fw_rsc_carveout trace_mem;
	asv_le32 trace_type;
	struct asv_fw_rsc_trace trace;
	asv_le32 vdev_type;
	asv_le32 id, notifyid, dfeatures, gfeatures, config_len;
	uint8_t status, num_of_vrings, vdev_reserved[2];
	struct asv_fw_rsc_vdev_vring vring[2];
	asv_le32 con_type;
	asv_le32 con_id, con_notifyid, con_dfeatures, con_gfeatures, con_config_len;
	uint8_t con_status, con_num_of_vrings, con_reserved[2];
	struct asv_fw_rsc_vdev_vring con_vring[2];
};

#define ZERO_VRING_ANY(num_)                                                                \
	{                                                                                   \
		.da = asv_cpu_to_le32(ASV_FW_RSC_ADDR_ANY), .align = asv_cpu_to_le32(4096), \
		.num = asv_cpu_to_le32(num_)                                                \
	}

__attribute__((section(".resource_table"), used))
const struct zero_vring_rsc asvirt_resource_table = {
	.ver = asv_cpu_to_le32(1),
	.num = asv_cpu_to_le32(4),
	.offset = { asv_cpu_to_le32(offsetof(struct zero_vring_rsc, trace_mem_type)),
		    asv_cpu_to_le32(offsetof(struct zero_vring_rsc, trace_type)),
		    asv_cpu_to_le32(offsetof(struct zero_vring_rsc, vdev_type)),
		    asv_cpu_to_le32(offsetof(struct zero_vring_rsc, con_type)) },
	.trace_mem_type = asv_cpu_to_le32(ASV_RSC_CARVEOUT),
	.trace_mem = { .da = asv_cpu_to_le32(ASV_RSC_TRACE_DA),
		       .pa = asv_cpu_to_le32(ASV_FW_RSC_ADDR_ANY),
		       .len = asv_cpu_to_le32(4096),
		       .name = ASV_RSC_TRACE_CARVEOUT },
	.trace_type = asv_cpu_to_le32(ASV_RSC_TRACE),
	.trace = { .da = asv_cpu_to_le32(ASV_RSC_TRACE_DA),
		   .len = asv_cpu_to_le32(4096),
		   .name = "trace0" },
	/* the board echo's rpmsg vdev, as ASV_FW_STD_TABLE_INIT(256, 4096) */
	.vdev_type = asv_cpu_to_le32(ASV_RSC_VDEV),
	.id = asv_cpu_to_le32(ASV_VIRTIO_ID_RPMSG),
	.dfeatures = asv_cpu_to_le32(ASV_FW_STD_FEATURES),
	.num_of_vrings = 2,
	.vring = { ZERO_VRING_ANY(256), ZERO_VRING_ANY(256) },
	.con_type = asv_cpu_to_le32(ASV_RSC_VDEV),
	.con_id = asv_cpu_to_le32(ZERO_VIRTIO_ID_CONSOLE),
	.con_num_of_vrings = 2,
	.con_vring = { ZERO_VRING_ANY(16) /* vring[1] left zero: the bug */ },
};

#define BOARD_ECHO_OWN_TABLE
#define BOARD_ECHO_NO_ENTRY
#include "fw_board_echo.c"

ASV_BOARD_FIRMWARE("bad-zero-vring", board_echo_start, board_echo_stop);
