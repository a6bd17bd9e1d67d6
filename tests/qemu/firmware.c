// SPDX-License-Identifier: GPL-2.0
/*
 * Test firmware image for asvirt_remoteproc: an ELF file whose only content
 * is a remoteproc resource table (section .resource_table) and the name of
 * the app the virtual MCU runs (section .asvirt_app).  Built per app:
 *
 *   gcc -c -DAPP='"echo"' firmware.c && ld -T firmware.ld -e 0 ...
 *
 * -DCORRUPT makes a table whose second offset points outside the table, which
 * the kernel must refuse. -DEVENT_IDX offers VIRTIO_RING_F_EVENT_IDX as well:
 * Linux then uses used_event/avail_event instead of the ring flags (6.1
 * remoteproc_virtio.c rproc_virtio_get_features() hands dfeatures to virtio,
 * virtio_ring.c vring_transport_features() keeps bit 29).
 */
#include <stdint.h>

#define RSC_TRACE 2
#define RSC_VDEV 3
#define VIRTIO_ID_RPMSG 7
#define VIRTIO_RPMSG_F_NS 0
#define VIRTIO_RING_F_EVENT_IDX 29
#ifdef EVENT_IDX
#define DFEATURES ((1u << VIRTIO_RPMSG_F_NS) | (1u << VIRTIO_RING_F_EVENT_IDX))
#else
#define DFEATURES (1u << VIRTIO_RPMSG_F_NS)
#endif
#define FW_RSC_ADDR_ANY 0xffffffffu
#define SRAM_DA 0x20000000u
#define TRACE_DA (SRAM_DA + 0x8000u) /* inside the MCU SRAM */
#define TRACE_LEN 0x4000u

struct vring_rsc {
	uint32_t da, align, num, notifyid, pa;
};

struct fw_table {
	/* struct resource_table */
	uint32_t ver, num, reserved[2];
	uint32_t offset[2];
	/* struct fw_rsc_trace */
	uint32_t trace_type, trace_da, trace_len, trace_reserved;
	char trace_name[32];
	/* struct fw_rsc_vdev + 2 vrings */
	uint32_t vdev_type, id, notifyid, dfeatures, gfeatures, config_len;
	uint8_t status, num_of_vrings, vdev_reserved[2];
	struct vring_rsc vring[2];
};

#define OFF(m) ((uint32_t) __builtin_offsetof(struct fw_table, m))

__attribute__((section(".resource_table"), used, aligned(8)))
const struct fw_table resource_table = {
	.ver = 1,
	.num = 2,
	.offset = { OFF(trace_type),
#ifdef CORRUPT
		    0x10000 },
#else
		    OFF(vdev_type) },
#endif
	.trace_type = RSC_TRACE,
	.trace_da = TRACE_DA,
	.trace_len = TRACE_LEN,
	.trace_name = "trace0",
	.vdev_type = RSC_VDEV,
	.id = VIRTIO_ID_RPMSG,
	.dfeatures = DFEATURES,
	.num_of_vrings = 2,
	.vring = {
		{ FW_RSC_ADDR_ANY, 4096, 256, 0, 0 },	/* remote -> host */
		{ FW_RSC_ADDR_ANY, 4096, 256, 1, 0 },	/* host -> remote */
	},
};

__attribute__((section(".asvirt_app"), used)) const char asvirt_app[32] = APP;
