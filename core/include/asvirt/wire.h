/* SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0 */
/*
 * asvirt wire format: every structure that crosses shared memory, laid out
 * exactly as Linux 6.1 lays it out (include/uapi/linux/virtio_ring.h,
 * include/linux/rsc_table.h, drivers/rpmsg/virtio_rpmsg_bus.c,
 * include/linux/rpmsg/ns.h). All multi-byte fields are little-endian on
 * the wire: read and write them only through asv_le*() / asv_cpu_to_le*().
 * Every layout here has a compile-time check below and a golden byte test
 * in tests/unit/test_wire.c.
 */
#ifndef ASVIRT_WIRE_H
#define ASVIRT_WIRE_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/build_bug.h>
#include <linux/stddef.h>
#define ASV_STATIC_ASSERT(c, m) static_assert(c, m)
#else
#include <stddef.h>
#include <stdint.h>
#define ASV_STATIC_ASSERT(c, m) _Static_assert(c, m)
#endif

/* ---- little-endian wire integers ------------------------------------- */

/* Distinct names so that a missing conversion is visible in review. */
typedef uint16_t asv_le16;
typedef uint32_t asv_le32;
typedef uint64_t asv_le64;

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define asv_le16(x) __builtin_bswap16(x)
#define asv_le32(x) __builtin_bswap32(x)
#define asv_le64(x) __builtin_bswap64(x)
#else
#define asv_le16(x) ((uint16_t)(x))
#define asv_le32(x) ((uint32_t)(x))
#define asv_le64(x) ((uint64_t)(x))
#endif
/* Conversion is its own inverse. */
#define asv_cpu_to_le16(x) asv_le16(x)
#define asv_cpu_to_le32(x) asv_le32(x)
#define asv_cpu_to_le64(x) asv_le64(x)

/* ---- split virtqueue (legacy layout) ---------------------------------- */

#define ASV_VRING_DESC_F_NEXT 1u
#define ASV_VRING_DESC_F_WRITE 2u
#define ASV_VRING_DESC_F_INDIRECT 4u
/* avail.flags: the driver asks the device not to interrupt it. */
#define ASV_VRING_AVAIL_F_NO_INTERRUPT 1u
/* used.flags: the device asks the driver not to kick it. */
#define ASV_VRING_USED_F_NO_NOTIFY 1u

struct asv_vring_desc {
	asv_le64 addr;
	asv_le32 len;
	asv_le16 flags;
	asv_le16 next;
};

struct asv_vring_avail {
	asv_le16 flags;
	asv_le16 idx;
	asv_le16 ring[];
	/* asv_le16 used_event follows ring[num] */
};

struct asv_vring_used_elem {
	asv_le32 id;
	asv_le32 len;
};

struct asv_vring_used {
	asv_le16 flags;
	asv_le16 idx;
	struct asv_vring_used_elem ring[];
	/* asv_le16 avail_event follows ring[num] */
};

/* Bytes of one vring of @num entries laid out with @align (power of 2). */
static inline size_t asv_vring_size(unsigned int num, unsigned long align)
{
	size_t head = 16u * num + 2u * (3u + num);

	return ((head + align - 1) & ~(size_t)(align - 1)) + 2u * 3u + 8u * num;
}

/* ---- rpmsg ------------------------------------------------------------ */

#define ASV_RPMSG_BUF_SIZE 512u
#define ASV_RPMSG_HDR_SIZE 16u
#define ASV_RPMSG_MAX_PAYLOAD (ASV_RPMSG_BUF_SIZE - ASV_RPMSG_HDR_SIZE)
#define ASV_RPMSG_ADDR_ANY 0xFFFFFFFFu
#define ASV_RPMSG_RESERVED_ADDRESSES 1024u
#define ASV_RPMSG_NS_ADDR 53u
#define ASV_RPMSG_NAME_SIZE 32u
#define ASV_VIRTIO_RPMSG_F_NS 0u /* feature bit number */
/* Ring feature bit: notify at the peer's event index (used_event /
 * avail_event) rather than by its suppression flag. */
#define ASV_VIRTIO_RING_F_EVENT_IDX 29u
/*
 * The features asvirt implements, in both roles: the host acknowledges no
 * others, and a remote refuses a table that offers others (Linux would use
 * ring features such as INDIRECT_DESC that the device offers).
 */
#define ASV_RPMSG_FEATURES_IMPLEMENTED \
	((1u << ASV_VIRTIO_RPMSG_F_NS) | (1u << ASV_VIRTIO_RING_F_EVENT_IDX))
#define ASV_VIRTIO_ID_RPMSG 7u

struct asv_rpmsg_hdr {
	asv_le32 src;
	asv_le32 dst;
	asv_le32 reserved;
	asv_le16 len;
	asv_le16 flags;
	uint8_t data[];
};

#define ASV_RPMSG_NS_CREATE 0u
#define ASV_RPMSG_NS_DESTROY 1u

struct asv_rpmsg_ns_msg {
	char name[ASV_RPMSG_NAME_SIZE];
	asv_le32 addr;
	asv_le32 flags;
};

/* ---- resource table --------------------------------------------------- */

#define ASV_RSC_CARVEOUT 0u
#define ASV_RSC_DEVMEM 1u
#define ASV_RSC_TRACE 2u
#define ASV_RSC_VDEV 3u
#define ASV_RSC_VENDOR_START 128u
#define ASV_RSC_VENDOR_END 512u
#define ASV_FW_RSC_ADDR_ANY 0xFFFFFFFFu
#define ASV_RSC_NAME_SIZE 32u

/* virtio status bits written by the host into fw_rsc_vdev.status */
#define ASV_VIRTIO_STATUS_ACKNOWLEDGE 1u
#define ASV_VIRTIO_STATUS_DRIVER 2u
#define ASV_VIRTIO_STATUS_DRIVER_OK 4u
#define ASV_VIRTIO_STATUS_FEATURES_OK 8u
#define ASV_VIRTIO_STATUS_NEEDS_RESET 0x40u
#define ASV_VIRTIO_STATUS_FAILED 0x80u

struct asv_resource_table {
	asv_le32 ver;
	asv_le32 num;
	asv_le32 reserved[2];
	asv_le32 offset[];
};

struct asv_fw_rsc_hdr {
	asv_le32 type;
	uint8_t data[];
};

/* carveout and devmem share one layout */
struct asv_fw_rsc_carveout {
	asv_le32 da;
	asv_le32 pa;
	asv_le32 len;
	asv_le32 flags;
	asv_le32 reserved;
	char name[ASV_RSC_NAME_SIZE];
};

struct asv_fw_rsc_trace {
	asv_le32 da;
	asv_le32 len;
	asv_le32 reserved;
	char name[ASV_RSC_NAME_SIZE];
};

struct asv_fw_rsc_vdev_vring {
	asv_le32 da;
	asv_le32 align;
	asv_le32 num;
	asv_le32 notifyid;
	asv_le32 pa;
};

struct asv_fw_rsc_vdev {
	asv_le32 id;
	asv_le32 notifyid;
	asv_le32 dfeatures;
	asv_le32 gfeatures;
	asv_le32 config_len;
	uint8_t status;
	uint8_t num_of_vrings;
	uint8_t reserved[2];
	struct asv_fw_rsc_vdev_vring vring[];
};

/* ---- compile-time layout checks (values from Linux 6.1) ---------------- */

ASV_STATIC_ASSERT(sizeof(struct asv_vring_desc) == 16, "vring_desc");
ASV_STATIC_ASSERT(offsetof(struct asv_vring_desc, len) == 8, "desc.len");
ASV_STATIC_ASSERT(offsetof(struct asv_vring_desc, flags) == 12, "desc.flags");
ASV_STATIC_ASSERT(offsetof(struct asv_vring_desc, next) == 14, "desc.next");
ASV_STATIC_ASSERT(sizeof(struct asv_vring_avail) == 4, "vring_avail");
ASV_STATIC_ASSERT(offsetof(struct asv_vring_avail, ring) == 4, "avail.ring");
ASV_STATIC_ASSERT(sizeof(struct asv_vring_used_elem) == 8, "used_elem");
ASV_STATIC_ASSERT(sizeof(struct asv_vring_used) == 4, "vring_used");
ASV_STATIC_ASSERT(offsetof(struct asv_vring_used, ring) == 4, "used.ring");
ASV_STATIC_ASSERT(sizeof(struct asv_rpmsg_hdr) == 16, "rpmsg_hdr");
ASV_STATIC_ASSERT(offsetof(struct asv_rpmsg_hdr, len) == 12, "hdr.len");
ASV_STATIC_ASSERT(offsetof(struct asv_rpmsg_hdr, flags) == 14, "hdr.flags");
ASV_STATIC_ASSERT(sizeof(struct asv_rpmsg_ns_msg) == 40, "rpmsg_ns_msg");
ASV_STATIC_ASSERT(offsetof(struct asv_rpmsg_ns_msg, addr) == 32, "ns.addr");
ASV_STATIC_ASSERT(sizeof(struct asv_resource_table) == 16, "resource_table");
ASV_STATIC_ASSERT(sizeof(struct asv_fw_rsc_hdr) == 4, "fw_rsc_hdr");
ASV_STATIC_ASSERT(sizeof(struct asv_fw_rsc_carveout) == 52, "carveout");
ASV_STATIC_ASSERT(offsetof(struct asv_fw_rsc_carveout, name) == 20, "co.name");
ASV_STATIC_ASSERT(sizeof(struct asv_fw_rsc_trace) == 44, "trace");
ASV_STATIC_ASSERT(sizeof(struct asv_fw_rsc_vdev_vring) == 20, "vdev_vring");
ASV_STATIC_ASSERT(sizeof(struct asv_fw_rsc_vdev) == 24, "vdev");
ASV_STATIC_ASSERT(offsetof(struct asv_fw_rsc_vdev, status) == 20, "vdev.status");

#endif /* ASVIRT_WIRE_H */
