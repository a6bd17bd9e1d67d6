// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * Resource table: every malformed table is refused with -EINVAL and a log
 * line naming what is wrong; the host-side loader places entries in the
 * shared block and refuses fixed addresses outside it.
 */
#include <string.h>

#include "harness.h"

static uint8_t good[512];
static int good_len;
static struct logcap lc;
static struct asv_env env = { .log = logcap_fn, .log_ctx = &lc, .log_level = ASV_LOG_DEBUG };

static int setup(void **state)
{
	struct asv_rsc_config cfg;

	(void)state;
	logcap_init(&lc, "rsc");
	asv_rsc_default_config(&cfg);
	good_len = asv_rsc_build(good, sizeof(good), &cfg);
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
	put32(t, 16, 29);
}
static void m_offset_in_header(uint8_t *t)
{
	put32(t, 16, 8);
}
static void m_offset_negative(uint8_t *t)
{
	put32(t, 20, 0xFFFFFFFC);
}
static void m_unknown_type(uint8_t *t)
{
	put32(t, 28, 77);
}
static void m_vdev_vrings(uint8_t *t)
{
	t[132 + 4 + 21] = 9;
}
static void m_vdev_one_vring(uint8_t *t)
{
	t[132 + 4 + 21] = 1;
}
static void m_config_len(uint8_t *t)
{
	put32(t, 132 + 4 + 16, 1000);
}
static void m_vring_num(uint8_t *t)
{
	put32(t, 160 + 8, 100);
}
static void m_vring_align(uint8_t *t)
{
	put32(t, 160 + 20 + 4, 3000);
}
static void m_two_vdevs(uint8_t *t)
{
	put32(t, 20, 132);
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
	expect_bad((size_t)good_len, m_unknown_type, "unknown resource type 77");
	expect_bad((size_t)good_len, m_vdev_vrings, "vrings");
	expect_bad((size_t)good_len, m_vdev_one_vring, "needs 2");
	expect_bad((size_t)good_len, m_config_len, "config space");
	expect_bad((size_t)good_len, m_vring_num, "not a power of two");
	expect_bad((size_t)good_len, m_vring_align, "align 3000");
	expect_bad((size_t)good_len, m_two_vdevs, "second rpmsg vdev");
	/* truncated anywhere inside the last entry */
	expect_bad((size_t)good_len - 1, NULL, "run past the table end");
	expect_bad(140, NULL, "past the table end");
}

static void test_vendor_entries_skipped(void **state)
{
	uint8_t t[512];

	(void)state;
	memcpy(t, good, sizeof(t));
	put32(t, 84, 200); /* the trace entry becomes a vendor entry */
	assert_int_equal(asv_rsc_validate(t, (size_t)good_len, &env), 0);
	assert_null(asv_rsc_find_trace(t, 0));
	assert_non_null(asv_rsc_find_vdev(t, 7));
	assert_null(asv_rsc_find_vdev(t, 5));
	assert_non_null(asv_rsc_find_carveout(t, "vdev0buffer"));
	assert_null(asv_rsc_find_carveout(t, "nope"));
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
	assert_int_equal(asv_rsc_find_carveout(rp.table, "vdev0buffer")->da, rp.bufs.da);
	/* a fixed vring address outside the block */
	memcpy(t, good, sizeof(t));
	put32(t, 160, 0x1000);
	logcap_clear(&lc);
	assert_int_equal(asv_rproc_load(&rp, &r, t, (size_t)good_len, &env), -ASV_EFAULT);
	assert_true(logcap_has(&lc, "outside the shared block"));
	/* a carveout larger than the block */
	memcpy(t, good, sizeof(t));
	put32(t, 28 + 12, 0x7FFFFFFF);
	assert_int_equal(asv_rproc_load(&rp, &r, t, (size_t)good_len, &env), -ASV_ENOMEM);
	/* a bad table never reaches the block */
	memcpy(t, good, sizeof(t));
	put32(t, 16, 0x1000);
	assert_int_equal(asv_rproc_load(&rp, &r, t, (size_t)good_len, &env), -ASV_EINVAL);
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
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_validate_rejects),
		cmocka_unit_test(test_vendor_entries_skipped),
		cmocka_unit_test(test_rproc_load),
		cmocka_unit_test(test_build_rejects_bad_config),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
