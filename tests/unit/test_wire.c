// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * Wire golden tests: struct sizes and offsets, vring layout sizes, and the
 * bytes of a resource table, an rpmsg header and a name-service message,
 * each compared with bytes written out by hand from ../shared/SPEC.md and
 * Linux 6.1's headers.
 */
#include <string.h>

#include "harness.h"
#include "rpmsg_internal.h"

/* clang-format off: hand-written bytes read best as rows */
#define LE32(x)                                                                           \
	(uint8_t)((x)&0xff), (uint8_t)(((x) >> 8) & 0xff), (uint8_t)(((x) >> 16) & 0xff), \
	    (uint8_t)(((x) >> 24) & 0xff)
#define LE16(x) (uint8_t)((x)&0xff), (uint8_t)(((x) >> 8) & 0xff)
#define ZERO8 0, 0, 0, 0, 0, 0, 0, 0
/* clang-format on */

static void test_struct_layout(void **state)
{
	(void)state;
	assert_int_equal(sizeof(struct asv_vring_desc), 16);
	assert_int_equal(offsetof(struct asv_vring_desc, addr), 0);
	assert_int_equal(offsetof(struct asv_vring_desc, len), 8);
	assert_int_equal(offsetof(struct asv_vring_desc, flags), 12);
	assert_int_equal(offsetof(struct asv_vring_desc, next), 14);
	assert_int_equal(offsetof(struct asv_vring_avail, flags), 0);
	assert_int_equal(offsetof(struct asv_vring_avail, idx), 2);
	assert_int_equal(offsetof(struct asv_vring_avail, ring), 4);
	assert_int_equal(offsetof(struct asv_vring_used, idx), 2);
	assert_int_equal(offsetof(struct asv_vring_used, ring), 4);
	assert_int_equal(sizeof(struct asv_vring_used_elem), 8);
	assert_int_equal(offsetof(struct asv_vring_used_elem, len), 4);

	assert_int_equal(sizeof(struct asv_rpmsg_hdr), 16);
	assert_int_equal(offsetof(struct asv_rpmsg_hdr, src), 0);
	assert_int_equal(offsetof(struct asv_rpmsg_hdr, dst), 4);
	assert_int_equal(offsetof(struct asv_rpmsg_hdr, reserved), 8);
	assert_int_equal(offsetof(struct asv_rpmsg_hdr, len), 12);
	assert_int_equal(offsetof(struct asv_rpmsg_hdr, flags), 14);
	assert_int_equal(offsetof(struct asv_rpmsg_hdr, data), 16);
	assert_int_equal(sizeof(struct asv_rpmsg_ns_msg), 40);
	assert_int_equal(offsetof(struct asv_rpmsg_ns_msg, addr), 32);
	assert_int_equal(offsetof(struct asv_rpmsg_ns_msg, flags), 36);

	assert_int_equal(sizeof(struct asv_resource_table), 16);
	assert_int_equal(offsetof(struct asv_resource_table, num), 4);
	assert_int_equal(offsetof(struct asv_resource_table, offset), 16);
	assert_int_equal(sizeof(struct asv_fw_rsc_hdr), 4);
	assert_int_equal(4 + sizeof(struct asv_fw_rsc_carveout), 56);
	assert_int_equal(offsetof(struct asv_fw_rsc_carveout, len), 8);
	assert_int_equal(offsetof(struct asv_fw_rsc_carveout, flags), 12);
	assert_int_equal(offsetof(struct asv_fw_rsc_carveout, name), 20);
	assert_int_equal(4 + sizeof(struct asv_fw_rsc_trace), 48);
	assert_int_equal(offsetof(struct asv_fw_rsc_trace, name), 12);
	assert_int_equal(4 + sizeof(struct asv_fw_rsc_vdev), 28);
	assert_int_equal(offsetof(struct asv_fw_rsc_vdev, notifyid), 4);
	assert_int_equal(offsetof(struct asv_fw_rsc_vdev, dfeatures), 8);
	assert_int_equal(offsetof(struct asv_fw_rsc_vdev, gfeatures), 12);
	assert_int_equal(offsetof(struct asv_fw_rsc_vdev, config_len), 16);
	assert_int_equal(offsetof(struct asv_fw_rsc_vdev, status), 20);
	assert_int_equal(offsetof(struct asv_fw_rsc_vdev, num_of_vrings), 21);
	assert_int_equal(offsetof(struct asv_fw_rsc_vdev, vring), 24);
	assert_int_equal(sizeof(struct asv_fw_rsc_vdev_vring), 20);
	assert_int_equal(offsetof(struct asv_fw_rsc_vdev_vring, notifyid), 12);
	assert_int_equal(offsetof(struct asv_fw_rsc_vdev_vring, pa), 16);
}

static void test_vring_sizes(void **state)
{
	(void)state;
	assert_int_equal(asv_vring_size(16, 4096), 0x1086);
	assert_int_equal(asv_vring_size(32, 4096), 0x1106);
	assert_int_equal(asv_vring_size(64, 4096), 0x1206);
	assert_int_equal(asv_vring_size(256, 4096), 0x2806);
}

static void test_vring_init_layout(void **state)
{
	static uint8_t mem[0x3000] __attribute__((aligned(4096)));
	struct asv_vring vr;

	(void)state;
	assert_int_equal(asv_vring_init(&vr, mem, 256, 4096, true), 0);
	assert_ptr_equal(vr.desc, mem);
	assert_ptr_equal(vr.avail, mem + 16 * 256);
	assert_ptr_equal(vr.used, mem + 0x2000);
	assert_int_equal(asv_vring_init(&vr, mem, 100, 4096, false), -ASV_EINVAL);
	assert_int_equal(asv_vring_init(&vr, mem, 256, 1000, false), -ASV_EINVAL);
	assert_int_equal(asv_vring_init(&vr, mem, 65536, 4096, false), -ASV_EINVAL);
}

/* The default table, written out by hand from SPEC.md's struct listing.
 * Aligned as a .resource_table section is (ALIGN(8)): the core reads it as
 * structs, which a Cortex-M faults on when unaligned (tests/target). */
/* clang-format off */
static const uint8_t golden_table[] __attribute__((aligned(8))) = {
	/* struct resource_table: ver 1, num 4, reserved[2] */
	LE32(1), LE32(4), LE32(0), LE32(0),
	/* offset[4] */
	LE32(32), LE32(88), LE32(144), LE32(192),
	/* @32 RSC_CARVEOUT: da ANY, pa ANY, len 512 * 512, flags 0, reserved 0 */
	LE32(0), LE32(0xFFFFFFFF), LE32(0xFFFFFFFF), LE32(0x40000), LE32(0), LE32(0),
	'v', 'd', 'e', 'v', '0', 'b', 'u', 'f', 'f', 'e', 'r', 0, 0, 0, 0, 0,
	ZERO8, ZERO8,
	/* @88 RSC_CARVEOUT: da 0x10001000 (fixed: Linux allocates no trace at
	 * ANY), pa ANY, len 8192, flags 0, reserved 0, name "trace0mem" */
	LE32(0), LE32(0x10001000), LE32(0xFFFFFFFF), LE32(0x2000), LE32(0), LE32(0),
	't', 'r', 'a', 'c', 'e', '0', 'm', 'e', 'm', 0, 0, 0, 0, 0, 0, 0,
	ZERO8, ZERO8,
	/* @144 RSC_TRACE: da 0x10001000, len 8192, reserved 0, name "trace0" */
	LE32(2), LE32(0x10001000), LE32(0x2000), LE32(0),
	't', 'r', 'a', 'c', 'e', '0', 0, 0, ZERO8, ZERO8, ZERO8,
	/* @192 RSC_VDEV: id 7 (rpmsg), notifyid 0 (Linux never writes it),
	 * dfeatures F_NS (bit 0) and RING_F_EVENT_IDX (bit 29), gfeatures 0,
	 * config_len 0, status 0, num_of_vrings 2, reserved[2] */
	LE32(3), LE32(7), LE32(0), LE32(0x20000001), LE32(0), LE32(0), 0, 2, 0, 0,
	/* vring[0], vring[1]: da ANY, align 4096, num 256, notifyid ANY, pa 0 */
	LE32(0xFFFFFFFF), LE32(4096), LE32(256), LE32(0xFFFFFFFF), LE32(0),
	LE32(0xFFFFFFFF), LE32(4096), LE32(256), LE32(0xFFFFFFFF), LE32(0),
};
/* clang-format on */

static void test_rsc_table_golden(void **state)
{
	struct asv_rsc_config cfg;
	uint8_t buf[512] __attribute__((aligned(8)));
	int n;

	(void)state;
	asv_rsc_default_config(&cfg);
	assert_int_equal(asv_rsc_build(NULL, 0, &cfg), sizeof(golden_table));
	n = asv_rsc_build(buf, sizeof(buf), &cfg);
	assert_int_equal(n, 260);
	assert_int_equal(n, sizeof(golden_table));
	assert_memory_equal(buf, golden_table, sizeof(golden_table));
	assert_int_equal(asv_rsc_validate(buf, (size_t)n, NULL), 0);
	assert_int_equal(asv_rsc_build(buf, 259, &cfg), -ASV_EOVERFLOW);
	/* and the hand-written bytes are a valid table to us too */
	assert_int_equal(asv_rsc_validate(golden_table, sizeof(golden_table), NULL), 0);
}

static void test_rpmsg_hdr_bytes(void **state)
{
	static const uint8_t want[16] = { LE32(0x400), LE32(0x35), LE32(0), LE16(40), LE16(0) };
	uint8_t buf[16];

	(void)state;
	memset(buf, 0xEE, sizeof(buf));
	asv_rpmsg_fill_hdr((struct asv_rpmsg_hdr *)buf, 0x400, 0x35, 40);
	assert_memory_equal(buf, want, sizeof(want));
}

/*
 * The first message a remote sends once the link is up is the NS CREATE
 * of its endpoint: check the header and the 40 bytes on the wire.
 */
static int nop_cb(struct asv_endpoint *e, void *d, size_t n, uint32_t s, void *p)
{
	(void)e, (void)d, (void)n, (void)s, (void)p;
	return 0;
}

static void test_ns_message_bytes(void **state)
{
	/* clang-format off */
	static const uint8_t want[16 + 40] = {
		LE32(0x400), LE32(53), LE32(0), LE16(40), LE16(0),
		'r', 'p', 'm', 's', 'g', '-', 'e', 'c', 'h', 'o', 0, 0, 0, 0, 0, 0,
		ZERO8, ZERO8, LE32(0x400), LE32(0) /* CREATE */
	};
	/* clang-format on */
	struct asv_endpoint ept;
	struct msys m;
	struct asv_vring_used_elem *e;
	uint8_t *buf;
	uint64_t da;

	(void)state;
	assert_int_equal(msys_init_remote(&m, NULL), 0);
	assert_int_equal(asv_create_ept(&m.remote.dev, &ept, "rpmsg-echo", 0x400, nop_cb, NULL), 0);
	assert_int_equal(msys_start_host(&m, NULL), 0);
	/* one kick from DRIVER_OK: the remote links up and announces */
	assert_int_equal(m.remote_pending, 1);
	m.remote_pending = 0;
	assert_int_equal(asv_remote_isr(&m.remote), 0);
	assert_int_equal(m.host.rx_vr.used->idx, 1);
	e = &m.host.rx_vr.used->ring[0];
	assert_int_equal(e->len, 56);
	da = m.host.rx_vr.desc[e->id].addr;
	buf = asv_region_to_va(&m.region, da, 56);
	assert_non_null(buf);
	assert_memory_equal(buf, want, sizeof(want));
	msys_fini(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_struct_layout),	  cmocka_unit_test(test_vring_sizes),
		cmocka_unit_test(test_vring_init_layout), cmocka_unit_test(test_rsc_table_golden),
		cmocka_unit_test(test_rpmsg_hdr_bytes),	  cmocka_unit_test(test_ns_message_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
