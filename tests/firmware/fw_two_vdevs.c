// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * Test image (not shipped): the echo app with a table of two rpmsg vdevs
 * (the standard table, then a second vdev like the first). Linux serves
 * each as a device of its own (remoteproc_core.c rproc_handle_vdev: one
 * rproc_vdev per RSC_VDEV entry; virtio_rpmsg_bus.c rpmsg_probe: one bus
 * per virtio device), so the echo channel is announced on each.
 */
#include <stddef.h>

#include "asvirt/firmware.h"

/* asv_fw_std_table with a 4th offset and a second rpmsg vdev. */
struct two_vdev_rsc {
	asv_le32 ver, num, reserved[2];
	asv_le32 offset[4];
	asv_le32 trace_mem_type;
	struct asv_fw_rsc_carveout trace_mem;
	asv_le32 trace_type;
	struct asv_fw_rsc_trace trace;
	asv_le32 vdev0_type;
	asv_le32 id0, notifyid0, dfeatures0, gfeatures0, config_len0;
	uint8_t status0, num_of_vrings0, vdev0_reserved[2];
	struct asv_fw_rsc_vdev_vring vring0[2];
	asv_le32 vdev1_type;
	asv_le32 id1, notifyid1, dfeatures1, gfeatures1, config_len1;
	uint8_t status1, num_of_vrings1, vdev1_reserved[2];
	struct asv_fw_rsc_vdev_vring vring1[2];
};

#define VRING_ANY                                                                           \
	{                                                                                   \
		.da = asv_cpu_to_le32(ASV_FW_RSC_ADDR_ANY), .align = asv_cpu_to_le32(4096), \
		.num = asv_cpu_to_le32(64)                                                  \
	}

__attribute__((section(".resource_table"), used))
const struct two_vdev_rsc asvirt_resource_table = {
	.ver = asv_cpu_to_le32(1),
	.num = asv_cpu_to_le32(4),
	.offset = { asv_cpu_to_le32(offsetof(struct two_vdev_rsc, trace_mem_type)),
		    asv_cpu_to_le32(offsetof(struct two_vdev_rsc, trace_type)),
		    asv_cpu_to_le32(offsetof(struct two_vdev_rsc, vdev0_type)),
		    asv_cpu_to_le32(offsetof(struct two_vdev_rsc, vdev1_type)) },
	.trace_mem_type = asv_cpu_to_le32(ASV_RSC_CARVEOUT),
	.trace_mem = { .da = asv_cpu_to_le32(ASV_RSC_TRACE_DA),
		       .pa = asv_cpu_to_le32(ASV_FW_RSC_ADDR_ANY),
		       .len = asv_cpu_to_le32(4096),
		       .name = ASV_RSC_TRACE_CARVEOUT },
	.trace_type = asv_cpu_to_le32(ASV_RSC_TRACE),
	.trace = { .da = asv_cpu_to_le32(ASV_RSC_TRACE_DA),
		   .len = asv_cpu_to_le32(4096),
		   .name = "trace0" },
	.vdev0_type = asv_cpu_to_le32(ASV_RSC_VDEV),
	.id0 = asv_cpu_to_le32(7),
	.dfeatures0 = asv_cpu_to_le32(1),
	.num_of_vrings0 = 2,
	.vring0 = { VRING_ANY, VRING_ANY },
	.vdev1_type = asv_cpu_to_le32(ASV_RSC_VDEV),
	.id1 = asv_cpu_to_le32(7),
	.dfeatures1 = asv_cpu_to_le32(1),
	.num_of_vrings1 = 2,
	.vring1 = { VRING_ANY, VRING_ANY },
};

__attribute__((section(ASV_FW_ENTRY_SECTION), used)) const struct asv_fw_entry asvirt_firmware = {
	ASV_FW_MAGIC, ASV_FW_ABI, ASV_FW_LAYOUT_N, 0, { ASV_FW_LAYOUT_ITEMS(ASV_FW_LAYOUT_VALUE_) },
	&asv_app_echo
};
