// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * Where vrings and buffers land (issue 12, item 4): a vring address that is
 * not a multiple of its alignment is refused on both sides; each vring keeps
 * its own alignment from the table to both roles; every fixed range of a
 * table is reserved before anything at FW_RSC_ADDR_ANY is allocated, and
 * overlapping fixed ranges are refused. Then the table shapes real firmware
 * carries, each loaded, checked for overlaps and run with traffic both ways.
 */
#include <string.h>
#include <sys/mman.h>

#include "harness.h"

static struct logcap lc;

/* The default table, its trace carveout in a block at MSYS_DA. */
static void default_cfg(struct asv_rsc_config *cfg)
{
	asv_rsc_default_config(cfg);
	cfg->trace_da = MSYS_DA + 0x1000u;
}

/* ---- a remote alone, driven by hand (no host) ---- */

static void n_notify(void *ctx, uint32_t id)
{
	(void)ctx;
	(void)id;
}

static struct asv_env remote_env(void)
{
	return (struct asv_env){
		.notify = n_notify, .log = logcap_fn, .log_ctx = &lc, .log_level = ASV_LOG_DEBUG
	};
}

/*
 * A vring da that is not a multiple of its align. Before the fix the window
 * [da, da + vring_size) was checked, then the used ring was aligned by
 * virtual address and could start past that window: here exactly at its
 * end, where a PROT_NONE page sits, so the remote's first write of
 * used->flags at link-up faulted.
 *
 * Layout: align 64 KiB, num 256 (vring_size 0x10806), block = 128 KiB at a
 * 64 KiB-aligned address followed by a guard page. vring0 at +0xF7F0 (16-byte
 * aligned, as descriptors must be) ends at +0x1FFF6, inside the block;
 * aligning the used ring by address put it at +0x20000, on the guard page.
 */
static void test_misaligned_da_refused_by_remote(void **state)
{
	const size_t blk = 0x20000, a64k = 0x10000;
	const uint32_t da0 = 0x40000000u;
	long pg = sysconf(_SC_PAGESIZE);
	size_t map_len = blk + 2 * a64k;
	uint8_t *map, *base;
	struct asv_rsc_config cfg;
	struct asv_remote_config rc;
	struct asv_fw_rsc_vdev *v;
	struct asv_mem_region region;
	static struct asv_remote r;
	static uint32_t table[128];
	int n;

	(void)state;
	logcap_init(&lc, "remote");
	map = mmap(NULL, map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(map != MAP_FAILED);
	base = (uint8_t *)(((uintptr_t)map + a64k - 1) & ~(uintptr_t)(a64k - 1));
	assert_int_equal(mprotect(base + blk, (size_t)pg, PROT_NONE), 0);
	region = (struct asv_mem_region){ base, da0, blk };

	asv_rsc_default_config(&cfg);
	cfg.trace_len = 0;
	cfg.buf_len = 0;
	cfg.vring_align[0] = (uint32_t)a64k;
	n = asv_rsc_build(table, sizeof(table), &cfg);
	assert_true(n > 0);
	memset(&rc, 0, sizeof(rc));
	rc.rsc_table = table;
	rc.rsc_size = (size_t)n;
	rc.regions = &region;
	rc.nregions = 1;
	rc.env = remote_env();
	assert_int_equal(asv_remote_init(&r, &rc), 0);

	/* The host writes a misaligned vring0 (inside the block) and DRIVER_OK. */
	assert_int_equal(asv_vring_size(256, a64k), 0x10806);
	v = asv_rsc_find_vdev(table, ASV_VIRTIO_ID_RPMSG);
	v->vring[0].da = asv_cpu_to_le32(da0 + 0xF7F0u);
	v->vring[0].notifyid = 0;
	v->vring[1].da = asv_cpu_to_le32(da0 + 0x1000u);
	v->vring[1].notifyid = asv_cpu_to_le32(1);
	v->status =
	    ASV_VIRTIO_STATUS_ACKNOWLEDGE | ASV_VIRTIO_STATUS_DRIVER | ASV_VIRTIO_STATUS_DRIVER_OK;
	logcap_clear(&lc);
	assert_true(asv_remote_isr(&r) < 0);
	assert_false(__atomic_load_n(&r.dev.link_up, __ATOMIC_ACQUIRE));
	if (!logcap_has(&lc, "not a multiple of its align"))
		fail_msg("no clear error: %s", lc.line[0]);
	munmap(map, map_len);
}

/* The host-side loader refuses the same table before anything is placed. */
static void test_misaligned_da_refused_by_loader(void **state)
{
	static uint8_t shm[1 << 20] __attribute__((aligned(4096)));
	struct asv_mem_region r = { shm, MSYS_DA, sizeof(shm) };
	struct asv_env env = remote_env();
	struct asv_rsc_config cfg;
	struct asv_rproc rp;
	uint8_t t[512];
	int n;

	(void)state;
	logcap_init(&lc, "host");
	default_cfg(&cfg);
	cfg.vring_da[1] = MSYS_DA + 0x80010u; /* 16-byte aligned, align 4096 */
	n = asv_rsc_build(t, sizeof(t), &cfg);
	assert_true(n > 0);
	logcap_clear(&lc);
	assert_int_equal(asv_rproc_load(&rp, &r, t, (size_t)n, &env), -ASV_EINVAL);
	assert_true(logcap_has(&lc, "vring 1 da 0x20080010 is not a multiple of its align 4096"));
	/* the validator alone says the same (the remote runs it at link-up) */
	logcap_clear(&lc);
	assert_int_equal(asv_rsc_validate(t, (size_t)n, &env), -ASV_EINVAL);
	assert_true(logcap_has(&lc, "not a multiple of its align"));
}

/* Two fixed ranges that overlap are refused, naming both. */
static void test_fixed_overlap_refused(void **state)
{
	static uint8_t shm[1 << 20] __attribute__((aligned(4096)));
	struct asv_mem_region r = { shm, MSYS_DA, sizeof(shm) };
	struct asv_env env = remote_env();
	struct asv_rsc_config cfg;
	struct asv_rproc rp;
	uint8_t t[512];
	int n;

	(void)state;
	logcap_init(&lc, "host");
	default_cfg(&cfg);
	cfg.vring_da[0] = MSYS_DA + 0x10000u;
	cfg.vring_da[1] = MSYS_DA + 0x12000u; /* vring0 is 0x2806 bytes long */
	n = asv_rsc_build(t, sizeof(t), &cfg);
	assert_true(n > 0);
	logcap_clear(&lc);
	assert_int_equal(asv_rproc_load(&rp, &r, t, (size_t)n, &env), -ASV_EINVAL);
	if (!logcap_has(
		&lc, "vdev0vring1 at 0x20012000+0x2806 overlaps vdev0vring0 at 0x20010000+0x2806"))
		fail_msg("%s", lc.line[0]);
	/* a fixed carveout over the loaded table (the first page) */
	default_cfg(&cfg);
	cfg.buf_da = MSYS_DA;
	n = asv_rsc_build(t, sizeof(t), &cfg);
	logcap_clear(&lc);
	assert_int_equal(asv_rproc_load(&rp, &r, t, (size_t)n, &env), -ASV_EINVAL);
	if (!logcap_has(&lc, "overlaps the resource table"))
		fail_msg("%s", lc.line[0]);
	/* adjacent is not overlapping: vring1 right after vring0's page-rounded size */
	default_cfg(&cfg);
	cfg.vring_da[0] = MSYS_DA + 0x10000u;
	cfg.vring_da[1] = MSYS_DA + 0x13000u;
	n = asv_rsc_build(t, sizeof(t), &cfg);
	assert_int_equal(asv_rproc_load(&rp, &r, t, (size_t)n, &env), 0);
}

/* ---- table shapes of real firmware, run end to end ---- */

struct shape {
	const char *name;
	uint32_t vring_num;
	uint32_t align[2];
	uint32_t vring_off[2]; /* offset in the block, or ANY */
	uint32_t buf_len;      /* "vdev0buffer" carveout, 0 = none */
	uint32_t buf_off;
	uint32_t trace_len; /* 0 = none */
	uint32_t trace_off;
	uint32_t trace_co; /* the trace in a carveout of its own */
};

#define ANY ASV_FW_RSC_ADDR_ANY

static const struct shape shapes[] = {
	/* asvirt's own default table: everything placed by the host */
	{ "asvirt", 256, { 4096, 4096 }, { ANY, ANY }, 256 * 1024, ANY, 8192, 0x1000, 1 },
	/* OpenAMP's Linux demo: fixed vrings at +0x4000/+0x8000, no buffer
	 * carveout (the host takes buffers from its own memory) */
	{ "openamp-linux", 256, { 4096, 4096 }, { 0x4000, 0x8000 }, 0, 0, 0, 0, 0 },
	/* Xilinx R5 style: fixed vrings 16 KiB apart, a fixed trace */
	{ "xilinx", 256, { 4096, 4096 }, { 0x40000, 0x44000 }, 0, 0, 0x8000, 0x80000, 0 },
	/* Zephyr style: small vrings at ANY aligned to 16, a fixed trace */
	{ "zephyr", 16, { 16, 16 }, { ANY, ANY }, 0, 0, 0x400, 0x90000, 0 },
	/* NXP RPMsg-Lite style (i.MX): VRING_SIZE 0x8000 between the vrings */
	{ "rpmsg-lite", 256, { 4096, 4096 }, { 0x60000, 0x68000 }, 0, 0, 0, 0, 0 },
	/* RPMsg-Lite packed: vring1 exactly one (page-rounded) vring after vring0 */
	{ "rpmsg-lite-packed", 256, { 4096, 4096 }, { 0x70000, 0x73000 }, 0, 0, 0, 0, 0 },
	/* two alignments: host and remote must compute the same used rings */
	{ "mixed-align", 256, { 4096, 64 }, { ANY, ANY }, 0, 0, 0, 0, 0 },
	{ "mixed-align-fixed", 64, { 16, 4096 }, { 0x20010, 0x21000 }, 0, 0, 0, 0, 0 },
};

struct range {
	uint64_t lo, hi;
	const char *what;
};

static void add_range(struct range *r, int *n, uint64_t lo, uint64_t len, const char *what)
{
	r[*n] = (struct range){ lo, lo + len, what };
	(*n)++;
}

/* Every placed range inside the block and no two overlapping. */
static void check_layout(const struct shape *s, struct msys *m)
{
	struct asv_fw_rsc_vdev *v = m->rproc.vdev;
	struct asv_fw_rsc_trace *tr = asv_rsc_find_trace(m->rproc.table, 0);
	struct range r[8];
	int n = 0, i, j, k;

	add_range(r, &n, MSYS_DA, m->rproc.table_size, "table");
	for (k = 0; k < 2; k++) {
		uint32_t da = asv_le32(v->vring[k].da);

		if (s->vring_off[k] != ANY)
			assert_int_equal(da, MSYS_DA + s->vring_off[k]);
		assert_int_equal(da % s->align[k], 0);
		assert_int_equal(m->rproc.vring_align[k], s->align[k]);
		add_range(r, &n, da, asv_vring_size(s->vring_num, s->align[k]),
			  k ? "vring1" : "vring0");
	}
	add_range(r, &n, m->rproc.bufs.da, m->rproc.bufs.size, "buffers");
	if (tr && asv_le32(tr->da) != ANY)
		add_range(r, &n, asv_le32(tr->da), asv_le32(tr->len), "trace");
	for (i = 0; i < n; i++) {
		assert_true(r[i].lo >= MSYS_DA && r[i].hi <= MSYS_DA + m->size);
		for (j = i + 1; j < n; j++)
			if (r[i].lo < r[j].hi && r[j].lo < r[i].hi)
				fail_msg("%s: %s [0x%llx, 0x%llx) overlaps %s [0x%llx, 0x%llx)",
					 s->name, r[i].what, (unsigned long long)r[i].lo,
					 (unsigned long long)r[i].hi, r[j].what,
					 (unsigned long long)r[j].lo, (unsigned long long)r[j].hi);
	}
}

struct counter {
	unsigned int got;
	unsigned int bad;
};

static int count_cb(struct asv_endpoint *e, void *data, size_t len, uint32_t src, void *priv)
{
	struct counter *c = priv;
	unsigned int v;

	(void)e;
	(void)src;
	if (len != sizeof(v)) {
		c->bad++;
		return 0;
	}
	memcpy(&v, data, sizeof(v));
	if (v != c->got)
		c->bad++;
	c->got++;
	return 0;
}

static void run_shape(const struct shape *s)
{
	struct asv_rsc_config cfg;
	struct msys_opts o = { 0 };
	struct msys m;
	struct asv_endpoint *hep, rep;
	struct counter hc = { 0, 0 }, rc = { 0, 0 };
	const unsigned int count = 600; /* wraps every ring and buffer pool twice */
	unsigned int i;
	int err;

	default_cfg(&cfg);
	cfg.vring_num = s->vring_num;
	for (i = 0; i < 2; i++) {
		cfg.vring_align[i] = s->align[i];
		cfg.vring_da[i] = s->vring_off[i] == ANY ? ANY : MSYS_DA + s->vring_off[i];
	}
	cfg.buf_len = s->buf_len;
	cfg.buf_da = s->buf_off == ANY ? ANY : MSYS_DA + s->buf_off;
	cfg.trace_len = s->trace_len;
	cfg.trace_da = MSYS_DA + s->trace_off;
	cfg.trace_carveout = s->trace_co;
	o.rsc = &cfg;
	err = msys_init(&m, &o);
	if (err)
		fail_msg("%s: init %s: %s / %s", s->name, asv_strerror(err), m.hlog.line[0],
			 m.rlog.line[0]);
	check_layout(s, &m);
	msys_pump(&m);
	assert_true(__atomic_load_n(&m.remote.dev.link_up, __ATOMIC_ACQUIRE));
	hep = asv_host_create_ept(&m.host, NULL, 0x500, count_cb, &hc, &err);
	assert_non_null(hep);
	assert_int_equal(asv_create_ept(&m.remote.dev, &rep, NULL, 0x600, count_cb, &rc), 0);
	for (i = 0; i < count; i++) {
		assert_int_equal(asv_sendto(hep, 0x600, &i, sizeof(i)), 0);
		assert_int_equal(asv_sendto(&rep, 0x500, &i, sizeof(i)), 0);
		msys_pump(&m);
	}
	if (hc.got != count || rc.got != count || hc.bad || rc.bad)
		fail_msg("%s: host got %u (%u bad), remote got %u (%u bad) of %u", s->name, hc.got,
			 hc.bad, rc.got, rc.bad, count);
	asv_destroy_ept(&rep);
	asv_host_destroy_ept(hep);
	msys_fini(&m);
}

static void test_table_shapes(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++)
		run_shape(&shapes[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_misaligned_da_refused_by_remote),
		cmocka_unit_test(test_misaligned_da_refused_by_loader),
		cmocka_unit_test(test_fixed_overlap_refused),
		cmocka_unit_test(test_table_shapes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
