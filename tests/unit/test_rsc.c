// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * Resource table: every malformed table is refused with -EINVAL and a log
 * line naming what is wrong; the host-side loader places entries in the
 * shared block and refuses fixed addresses outside it.
 */
#include <string.h>

#include "asvirt/firmware.h"
#include "harness.h"

static uint8_t good[512] __attribute__((aligned(8))); /* as a section is */
static int good_len;
/* Offsets of the good table's entries: carveout "vdev0buffer", carveout
 * "trace0mem", trace "trace0", vdev. */
static size_t co_off, tr_off, vd_off;
static struct logcap lc;
static struct asv_env env = { .log = logcap_fn, .log_ctx = &lc, .log_level = ASV_LOG_DEBUG };

static int setup(void **state)
{
	struct asv_rsc_config cfg;

	(void)state;
	logcap_init(&lc, "rsc");
	asv_rsc_default_config(&cfg);
	cfg.trace_da = 0x30001000; /* the page after the table in test_rproc_load's block */
	good_len = asv_rsc_build(good, sizeof(good), &cfg);
	co_off = good[16] | good[17] << 8;
	tr_off = good[24] | good[25] << 8;
	vd_off = good[28] | good[29] << 8;
	return good_len > 0 ? 0 : -1;
}

static void put32(uint8_t *t, size_t off, uint32_t v)
{
	memcpy(t + off, &v, 4);
}

/* Mutate a copy of the good table, expect -EINVAL and @why in the log. */
static void expect_bad(size_t size, void (*mut)(uint8_t *t), const char *why)
{
	uint8_t t[512];

	memcpy(t, good, sizeof(t));
	if (mut)
		mut(t);
	logcap_clear(&lc);
	assert_int_equal(asv_rsc_validate(t, size, &env), -ASV_EINVAL);
	if (!logcap_has(&lc, why))
		fail_msg("log does not say '%s' (%s)", why, lc.line[0]);
}

static void m_version(uint8_t *t)
{
	put32(t, 0, 2);
}
static void m_num_huge(uint8_t *t)
{
	put32(t, 4, 0x40000000);
}
static void m_num_past_end(uint8_t *t)
{
	put32(t, 4, 60);
}
static void m_offset_outside(uint8_t *t)
{
	put32(t, 16, 0x1000);
}
static void m_offset_unaligned(uint8_t *t)
{
	put32(t, 16, 37);
}
static void m_offset_in_header(uint8_t *t)
{
	put32(t, 16, 8);
}
static void m_offset_negative(uint8_t *t)
{
	put32(t, 20, 0xFFFFFFFC);
}
static void m_vdev_three_vrings(uint8_t *t)
{
	t[vd_off + 4 + 21] = 3;
}
static void m_vdev_one_vring(uint8_t *t)
{
	t[vd_off + 4 + 21] = 1;
}
static void m_config_len(uint8_t *t)
{
	put32(t, vd_off + 4 + 16, 1000);
}
static void m_vring_num(uint8_t *t)
{
	put32(t, vd_off + 4 + 24 + 8, 100);
}
static void m_vring_align(uint8_t *t)
{
	put32(t, vd_off + 4 + 24 + 20 + 4, 3000);
}
/* Linux 6.1 remoteproc_elf_loader.c find_table(): "non zero reserved bytes" */
static void m_hdr_reserved(uint8_t *t)
{
	put32(t, 12, 1);
}
/* remoteproc_core.c rproc_handle_carveout(): "carveout rsc has non zero
 * reserved bytes" */
static void m_carveout_reserved(uint8_t *t)
{
	put32(t, co_off + 4 + 16, 1);
}
/* rproc_handle_devmem(): "devmem rsc has non zero reserved bytes" */
static void m_devmem_reserved(uint8_t *t)
{
	put32(t, co_off, ASV_RSC_DEVMEM);
	put32(t, co_off + 4 + 16, 1);
}
/* rproc_handle_trace(): "trace rsc has non zero reserved bytes" */
static void m_trace_reserved(uint8_t *t)
{
	put32(t, tr_off + 4 + 8, 1);
}
/* rproc_handle_vdev(): `if (rsc->reserved[0] || rsc->reserved[1])` */
static void m_vdev_reserved(uint8_t *t)
{
	t[vd_off + 4 + 23] = 1;
}

/* rproc_handle_carveout(), l. 848-853: a carveout whose name an earlier
 * one of the table has is "already associated" (-ENOMEM): here entry 1
 * points at entry 0's carveout */
static void m_carveout_twice(uint8_t *t)
{
	put32(t, 20, co_off);
}

static void test_validate_rejects(void **state)
{
	(void)state;
	assert_int_equal(asv_rsc_validate(good, (size_t)good_len, &env), 0);
	expect_bad(8, NULL, "smaller than the 16-byte header");
	expect_bad((size_t)good_len, m_version, "version 2");
	expect_bad((size_t)good_len, m_num_huge, "entries, at most");
	expect_bad(100, m_num_past_end, "offset array");
	expect_bad((size_t)good_len, m_offset_outside, "outside the table");
	expect_bad((size_t)good_len, m_offset_unaligned, "unaligned");
	expect_bad((size_t)good_len, m_offset_in_header, "overlaps the table header");
	expect_bad((size_t)good_len, m_offset_negative, "outside the table");
	expect_bad((size_t)good_len, m_vdev_one_vring, "needs 2");
	expect_bad((size_t)good_len, m_config_len, "config space");
	expect_bad((size_t)good_len, m_vring_num, "not a power of two");
	expect_bad((size_t)good_len, m_vring_align, "align 3000");
	/* truncated anywhere inside the last entry */
	expect_bad((size_t)good_len - 1, NULL, "run past the table end");
	expect_bad(vd_off + 10, NULL, "past the table end");
}

/*
 * What Linux 6.1 refuses, refused the same way. The vring count:
 * remoteproc_core.c rproc_handle_vdev(), "we currently support only two
 * vrings per rvdev": num_of_vrings > ARRAY_SIZE(rvdev->vring) (2) is
 * -EINVAL "too many vrings: %d" (after the truncation check, so the table
 * here has room for a third vring).
 */
static void test_validate_refuses_what_linux_refuses(void **state)
{
	(void)state;
	expect_bad((size_t)good_len + 20, m_vdev_three_vrings, "too many vrings: 3");
	expect_bad((size_t)good_len, m_hdr_reserved, "non zero reserved bytes in the header");
	expect_bad((size_t)good_len, m_carveout_reserved, "carveout has non zero reserved");
	expect_bad((size_t)good_len, m_devmem_reserved, "carveout has non zero reserved");
	expect_bad((size_t)good_len, m_trace_reserved, "trace has non zero reserved");
	expect_bad((size_t)good_len, m_vdev_reserved, "vdev has non zero reserved");
	expect_bad((size_t)good_len, m_carveout_twice, "entry 1: carveout of entry 0's name");
}

/*
 * What Linux 6.1 accepts is accepted. remoteproc_core.c
 * rproc_handle_resources(): a type in RSC_VENDOR_START..RSC_VENDOR_END
 * (128..512, inclusive: `hdr->type <= RSC_VENDOR_END`) that no vendor
 * handler claims is skipped with "unsupported vendor resource %d"; any
 * other type >= RSC_LAST (4) with "unsupported resource %d".
 */
static void expect_skipped(uint32_t type, const char *why)
{
	uint8_t t[512];

	memcpy(t, good, sizeof(t));
	put32(t, tr_off, type); /* the trace entry becomes @type */
	logcap_clear(&lc);
	assert_int_equal(asv_rsc_validate(t, (size_t)good_len, &env), 0);
	if (!logcap_has(&lc, why))
		fail_msg("log does not say '%s' (%s)", why, lc.line[0]);
	assert_null(asv_rsc_find_trace(t, 0));
	assert_non_null(asv_rsc_find_vdev(t, 7));
}

static void test_unknown_and_vendor_entries_skipped(void **state)
{
	(void)state;
	expect_skipped(4, "unsupported resource 4");
	expect_skipped(77, "unsupported resource 77");
	expect_skipped(127, "unsupported resource 127");
	expect_skipped(128, "unsupported vendor resource 128");
	expect_skipped(200, "unsupported vendor resource 200");
	expect_skipped(512, "unsupported vendor resource 512");
	expect_skipped(513, "unsupported resource 513");
	assert_null(asv_rsc_find_vdev(good, 5));
	assert_non_null(asv_rsc_find_carveout(good, "vdev0buffer"));
	assert_null(asv_rsc_find_carveout(good, "nope"));
}

static void test_rproc_load(void **state)
{
	static uint8_t shm[1 << 20] __attribute__((aligned(4096)));
	struct asv_mem_region r = { shm, 0x30000000, sizeof(shm) };
	struct asv_fw_rsc_vdev *v;
	struct asv_rproc rp;
	uint8_t t[512];

	(void)state;
	assert_int_equal(asv_rproc_load(&rp, &r, good, (size_t)good_len, &env), 0);
	v = rp.vdev;
	assert_int_equal(v->vring[0].notifyid, 0);
	assert_int_equal(v->vring[1].notifyid, 1);
	assert_int_equal(v->vring[0].da & 0xFFF, 0);
	assert_true(v->vring[0].da >= 0x30000000 && v->vring[1].da < 0x30000000 + sizeof(shm));
	assert_ptr_equal(rp.vring_va[0], shm + (v->vring[0].da - 0x30000000));
	assert_int_equal(rp.bufs.size, 512 * 512);
	assert_int_equal(rp.trace_len, 8192);
	assert_ptr_equal(rp.trace_va, shm + 0x1000);
	assert_int_equal(asv_rsc_find_carveout(rp.table, "vdev0buffer")->da, rp.bufs.da);
	/* a fixed vring address outside the block */
	memcpy(t, good, sizeof(t));
	put32(t, vd_off + 4 + 24, 0x1000);
	logcap_clear(&lc);
	assert_int_equal(asv_rproc_load(&rp, &r, t, (size_t)good_len, &env), -ASV_EFAULT);
	assert_true(logcap_has(&lc, "outside the shared block"));
	/* a carveout larger than the block */
	memcpy(t, good, sizeof(t));
	put32(t, co_off + 4 + 8, 0x7FFFFFFF);
	assert_int_equal(asv_rproc_load(&rp, &r, t, (size_t)good_len, &env), -ASV_ENOMEM);
	/* a bad table never reaches the block */
	memcpy(t, good, sizeof(t));
	put32(t, 16, 0x1000);
	assert_int_equal(asv_rproc_load(&rp, &r, t, (size_t)good_len, &env), -ASV_EINVAL);
}

/*
 * Linux 6.1 remoteproc_core.c rproc_handle_trace() allocates nothing: it
 * records trace->trace_mem.da = rsc->da, and remoteproc_debugfs.c
 * rproc_trace_read() translates it with rproc_da_to_va() on each read
 * ("Trace %s not available" when that fails, as for FW_RSC_ADDR_ANY). The
 * host does the same: a trace at ANY gets no memory; one at a fixed da
 * inside a carveout is used in place.
 */
static void test_trace_follows_linux(void **state)
{
	static uint8_t shm[1 << 20] __attribute__((aligned(4096)));
	struct asv_mem_region r = { shm, 0x30000000, sizeof(shm) };
	struct asv_rsc_config cfg;
	struct asv_rproc rp;
	uint8_t t[512];
	int n;

	(void)state;
	asv_rsc_default_config(&cfg);
	cfg.trace_da = ASV_FW_RSC_ADDR_ANY;
	n = asv_rsc_build(t, sizeof(t), &cfg);
	logcap_clear(&lc);
	assert_int_equal(asv_rproc_load(&rp, &r, t, (size_t)n, &env), 0);
	assert_null(rp.trace_va);
	assert_int_equal(asv_le32(asv_rsc_find_trace(rp.table, 0)->da), ASV_FW_RSC_ADDR_ANY);
	assert_true(logcap_has(&lc, "at FW_RSC_ADDR_ANY is not allocated"));
	/* fixed, inside its carveout (the default): used in place */
	asv_rsc_default_config(&cfg);
	cfg.trace_da = 0x30008000;
	n = asv_rsc_build(t, sizeof(t), &cfg);
	assert_int_equal(asv_rproc_load(&rp, &r, t, (size_t)n, &env), 0);
	assert_ptr_equal(rp.trace_va, shm + 0x8000);
	assert_int_equal(asv_le32(asv_rsc_find_carveout(rp.table, "trace0mem")->da), 0x30008000);
	/* fixed but outside the block: not available, not fatal (as Linux) */
	cfg.trace_da = 0x50000000;
	cfg.trace_carveout = 0;
	n = asv_rsc_build(t, sizeof(t), &cfg);
	logcap_clear(&lc);
	assert_int_equal(asv_rproc_load(&rp, &r, t, (size_t)n, &env), 0);
	assert_null(rp.trace_va);
	assert_true(logcap_has(&lc, "not available"));
}

/*
 * The firmware template follows what Linux does with it: its trace has a
 * fixed da inside a carveout (so rproc_da_to_va finds it), and the vdev's
 * own notify id is concrete: Linux never writes it (remoteproc_core.c
 * rproc_alloc_vring() assigns ids to the vrings only, "TODO: assign a
 * notifyid for rvdev updates as well"), so 0xFFFFFFFF would stay there and
 * an OpenAMP remote reads it as "any".
 */
static void test_firmware_template_linux_ready(void **state)
{
	static const struct asv_fw_std_table tpl = ASV_FW_STD_TABLE_INIT(256, 4096);
	static uint8_t shm[1 << 20] __attribute__((aligned(4096)));
	struct asv_mem_region r = { shm, ASV_SHM_DA_DEFAULT, sizeof(shm) };
	struct asv_fw_rsc_carveout *co;
	struct asv_fw_rsc_trace *tr;
	struct asv_rproc rp;

	(void)state;
	assert_int_equal(asv_rsc_validate(&tpl, sizeof(tpl), &env), 0);
	assert_int_equal(asv_le32(tpl.notifyid), 0);
	assert_int_equal(asv_rproc_load(&rp, &r, &tpl, sizeof(tpl), &env), 0);
	co = asv_rsc_find_carveout(rp.table, ASV_RSC_TRACE_CARVEOUT);
	tr = asv_rsc_find_trace(rp.table, 0);
	assert_non_null(co);
	assert_non_null(tr);
	assert_true(asv_le32(tr->da) >= asv_le32(co->da) &&
		    asv_le32(tr->da) + asv_le32(tr->len) <= asv_le32(co->da) + asv_le32(co->len));
	assert_ptr_equal(rp.trace_va, shm + (ASV_RSC_TRACE_DA - ASV_SHM_DA_DEFAULT));
	/* the host leaves the vdev's notify id as the firmware wrote it */
	assert_int_equal(asv_le32(rp.vdev->notifyid), 0);
	assert_int_equal(asv_le32(rp.vdev->vring[0].notifyid), 0);
	assert_int_equal(asv_le32(rp.vdev->vring[1].notifyid), 1);
}

/* A table of @n vdev entries copied from the good one, ids from @ids. */
static size_t vdevs_table(uint8_t *t, size_t size, const uint32_t *ids, unsigned int n)
{
	size_t vsz = 4 + 24 + 40, off = 16 + 4u * n;
	unsigned int i;

	memset(t, 0, size);
	put32(t, 0, 1);
	put32(t, 4, n);
	for (i = 0; i < n; i++) {
		put32(t, 16 + 4 * i, (uint32_t)off);
		memcpy(t + off, good + vd_off, vsz);
		put32(t, off + 4, ids[i]);
		off += vsz;
	}
	return off;
}

/*
 * Linux serves every vdev: rproc_handle_vdev() registers one rproc-virtio
 * device per entry, whatever its id, and rproc_alloc_vring() gives their
 * vrings notify ids from one idr, in table order. So a second rpmsg vdev
 * is accepted, both get their vrings (no overlap), the ids run 0..3, and a
 * vdev of another type before the rpmsg one shifts its ids to 2, 3.
 */
static void test_two_vdevs_placed_as_linux(void **state)
{
	static uint8_t shm[1 << 20] __attribute__((aligned(4096)));
	struct asv_mem_region r = { shm, 0x30000000, sizeof(shm) };
	static const uint32_t two_rpmsg[2] = { 7, 7 }, other_first[2] = { 5, 7 };
	struct asv_fw_rsc_vdev *v0, *v1;
	struct asv_rproc rp;
	uint8_t t[512];
	size_t n;
	uint32_t k;

	(void)state;
	n = vdevs_table(t, sizeof(t), two_rpmsg, 2);
	assert_int_equal(asv_rsc_validate(t, n, &env), 0);
	logcap_clear(&lc);
	assert_int_equal(asv_rproc_load(&rp, &r, t, n, &env), 0);
	v0 = (void *)((uint8_t *)rp.table + 16 + 8 + 4);
	v1 = (void *)((uint8_t *)rp.table + 16 + 8 + 68 + 4);
	assert_ptr_equal(rp.vdev, v0);
	for (k = 0; k < 2; k++) {
		assert_int_equal(asv_le32(v0->vring[k].notifyid), k);
		assert_int_equal(asv_le32(v1->vring[k].notifyid), 2 + k);
		assert_int_not_equal(asv_le32(v1->vring[k].da), ASV_FW_RSC_ADDR_ANY);
		assert_true(asv_le32(v1->vring[k].da) >= asv_le32(v0->vring[1].da) + 0x2806);
	}
	/* each its own device, with its own vrings, notify ids and buffers */
	assert_int_equal(rp.nrpmsg, 2);
	assert_ptr_equal(rp.rpmsg[1].vdev, v1);
	assert_int_equal(rp.rpmsg[1].index, 1);
	assert_int_equal(rp.rpmsg[1].notifyid[0], 2);
	assert_int_equal(rp.rpmsg[1].notifyid[1], 3);
	assert_true(rp.rpmsg[1].bufs.da >= rp.rpmsg[0].bufs.da + rp.rpmsg[0].bufs.size ||
		    rp.rpmsg[0].bufs.da >= rp.rpmsg[1].bufs.da + rp.rpmsg[1].bufs.size);
	n = vdevs_table(t, sizeof(t), other_first, 2);
	assert_int_equal(asv_rproc_load(&rp, &r, t, n, &env), 0);
	assert_ptr_equal(rp.vdev, (uint8_t *)rp.table + 16 + 8 + 68 + 4);
	assert_int_equal(rp.nrpmsg, 1);
	assert_int_equal(rp.rpmsg[0].index, 1); /* Linux's rvdev->index counts every vdev */
	assert_int_equal(rp.notifyid[0], 2);
	assert_int_equal(rp.notifyid[1], 3);
}

static void test_build_rejects_bad_config(void **state)
{
	struct asv_rsc_config cfg;
	uint8_t t[512];

	(void)state;
	asv_rsc_default_config(&cfg);
	cfg.vring_num = 100;
	assert_int_equal(asv_rsc_build(t, sizeof(t), &cfg), -ASV_EINVAL);
	asv_rsc_default_config(&cfg);
	cfg.vring_align[1] = 0;
	assert_int_equal(asv_rsc_build(t, sizeof(t), &cfg), -ASV_EINVAL);
	asv_rsc_default_config(&cfg);
	cfg.trace_len = 0;
	cfg.buf_len = 0;
	assert_int_equal(asv_rsc_build(t, sizeof(t), &cfg), 16 + 4 + 4 + 24 + 40);
	assert_int_equal(asv_rsc_validate(t, 88, &env), 0);
	/* the default: vdev0buffer, trace0mem, trace0, vdev */
	asv_rsc_default_config(&cfg);
	assert_int_equal(asv_rsc_build(t, sizeof(t), &cfg), 16 + 16 + 56 + 56 + 48 + 68);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_validate_rejects),
		cmocka_unit_test(test_validate_refuses_what_linux_refuses),
		cmocka_unit_test(test_unknown_and_vendor_entries_skipped),
		cmocka_unit_test(test_rproc_load),
		cmocka_unit_test(test_trace_follows_linux),
		cmocka_unit_test(test_firmware_template_linux_ready),
		cmocka_unit_test(test_two_vdevs_placed_as_linux),
		cmocka_unit_test(test_build_rejects_bad_config),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
