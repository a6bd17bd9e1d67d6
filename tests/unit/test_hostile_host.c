// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * A hostile host, the mirror of test_hostile.c: the remote (the MCU side)
 * must defend itself against a host that rewrites the resource table after
 * the remote checked it, forges the rings, the descriptors and the headers
 * of buffers the remote holds, or scribbles at random while traffic flows.
 * The remote refuses with the documented error and shuts its link down
 * cleanly; it never touches memory outside its regions (the shared block
 * has PROT_NONE guard pages on both sides) and never hangs.
 *
 * "Read once" is checked exactly, not by racing a thread against the
 * remote: the page holding the loaded table is made PROT_NONE while the
 * remote runs, every access faults into a handler that counts it, lets the
 * one instruction run (single step) and then, if the test asks, rewrites a
 * field as a host on another core could have done between two reads.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

#include "asvirt/shmctl.h"
#include "harness.h"

#if defined(__x86_64__) && defined(__linux__)
#define HAVE_WATCH 1
#endif

/* ---- the table watch: count every remote access to the table page ---- */

#define WATCH_WORDS (4096 / 4)
#define X86_TF 0x100 /* EFLAGS trap flag: one instruction, then SIGTRAP */

struct watch {
	uint8_t *page;			 /* the table's page, PROT_NONE while armed */
	unsigned int reads[WATCH_WORDS]; /* faults per 4-byte word */
	int last;			 /* word of the last fault, -1 none */
	/* the host's move: after read number @after of word @word, write @val */
	const void *field;
	int word;
	unsigned int after;
	uint32_t val;
	int done;
	void *escape; /* a fault outside the table page: address */
	sigjmp_buf out;
	struct sigaction old_segv, old_trap;
};

static struct watch *W;

#ifdef HAVE_WATCH
static void on_segv(int sig, siginfo_t *si, void *uc_)
{
	ucontext_t *uc = uc_;
	uint8_t *a = si->si_addr;

	(void)sig;
	if (!W || a < W->page || a >= W->page + 4096) {
		/* outside the table page: a guard page, i.e. outside the regions */
		if (W) {
			W->escape = a;
			siglongjmp(W->out, 1);
		}
		abort();
	}
	W->last = (int)((a - W->page) / 4);
	W->reads[W->last]++;
	mprotect(W->page, 4096, PROT_READ | PROT_WRITE);
	uc->uc_mcontext.gregs[REG_EFL] |= X86_TF;
}

static void on_trap(int sig, siginfo_t *si, void *uc_)
{
	ucontext_t *uc = uc_;

	(void)sig, (void)si;
	uc->uc_mcontext.gregs[REG_EFL] &= ~(greg_t)X86_TF;
	if (W->word >= 0 && W->last == W->word && W->reads[W->word] == W->after && !W->done) {
		memcpy(W->page + 4 * W->word, &W->val, 4);
		W->done = 1;
	}
	W->last = -1;
	mprotect(W->page, 4096, PROT_NONE);
}
#endif

static void watch_arm(struct watch *w, void *page)
{
#ifdef HAVE_WATCH
	struct sigaction sa;

	memset(w->reads, 0, sizeof(w->reads));
	w->page = page;
	w->word = w->field ? (int)(((const uint8_t *)w->field - w->page) / 4) : -1;
	w->last = -1;
	w->escape = NULL;
	w->done = 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, &w->old_segv);
	sa.sa_sigaction = on_trap;
	sigaction(SIGTRAP, &sa, &w->old_trap);
	W = w;
	mprotect(page, 4096, PROT_NONE);
#else
	(void)w, (void)page;
	skip();
#endif
}

static void watch_disarm(struct watch *w)
{
	mprotect(w->page, 4096, PROT_READ | PROT_WRITE);
	W = NULL;
	sigaction(SIGSEGV, &w->old_segv, NULL);
	sigaction(SIGTRAP, &w->old_trap, NULL);
}

/* The host's move: after the remote's @after-th read of the 32-bit field
 * at @field, the field holds @val. */
static void watch_rewrite(struct watch *w, const void *field, unsigned int after, uint32_t val)
{
	w->field = field;
	w->after = after;
	w->val = val;
}

static void watch_no_rewrite(struct watch *w)
{
	w->field = NULL;
}

#if defined(__SANITIZE_THREAD__)
#define UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define UNDER_TSAN 1
#endif
#endif

/*
 * Every word of the table was read at most once. Not under TSan: clang's
 * instrumentation of an atomic load leaves a dead plain load of the same
 * word after the __tsan_atomic32_load call (seen in copy_table), which
 * the watch counts; the plain and ASan builds count exactly.
 */
static void assert_read_once(struct watch *w, size_t table_size)
{
	size_t i;

#ifdef UNDER_TSAN
	(void)w, (void)table_size;
	skip();
#endif

	for (i = 0; i < table_size / 4; i++) {
		if (w->reads[i] > 1)
			fail_msg("table word at offset 0x%zx read %u times", 4 * i, w->reads[i]);
	}
}

/* A remote config over msys's block and table, as msys_init_remote builds it. */
static void remote_config(struct msys *m, struct asv_remote_config *rc)
{
	memset(rc, 0, sizeof(*rc));
	rc->rsc_table = m->rproc.table;
	rc->rsc_size = m->rproc.table_size;
	rc->regions = &m->region;
	rc->nregions = 1;
	rc->env = m->renv;
	rc->timeout_ms = 50;
}

/* Index of the table entry of @type (the built table has one of each). */
static struct asv_resource_table *entry_offset(struct msys *m, uint32_t type, unsigned int *idx)
{
	struct asv_resource_table *t = m->rproc.table;
	unsigned int i;

	for (i = 0; i < asv_le32(t->num); i++) {
		struct asv_fw_rsc_hdr *h = (void *)((uint8_t *)t + asv_le32(t->offset[i]));

		if (asv_le32(h->type) == type) {
			*idx = i;
			return t;
		}
	}
	fail_msg("no entry of type %u", type);
	return NULL;
}

/* asv_remote_init() under the watch; returns its result. */
static int watched_init(struct msys *m, struct watch *w)
{
	struct asv_remote_config rc;
	volatile int err = -1;

	remote_config(m, &rc);
	watch_arm(w, m->rproc.table);
	if (!sigsetjmp(w->out, 1))
		err = asv_remote_init(&m->remote, &rc);
	watch_disarm(w);
	if (w->escape)
		fail_msg("the remote touched %p, outside its regions (block %p+0x%zx)", w->escape,
			 m->shm, m->size);
	return err;
}

/* The link-up ISR under the watch; returns its result. */
static int watched_isr(struct msys *m, struct watch *w)
{
	volatile int err = -1;

	watch_arm(w, m->rproc.table);
	m->in_remote_isr = 1;
	if (!sigsetjmp(w->out, 1))
		err = asv_remote_isr(&m->remote);
	m->in_remote_isr = 0;
	watch_disarm(w);
	if (w->escape)
		fail_msg("the remote touched %p, outside its regions (block %p+0x%zx)", w->escape,
			 m->shm, m->size);
	return err;
}

/* ---- item 3: the remote copies, then validates ---- */

static void test_init_reads_each_table_word_once(void **state)
{
	static struct msys m;
	static struct watch w;

	(void)state;
	assert_int_equal(msys_init_remote(&m, NULL), 0);
	watch_no_rewrite(&w);
	assert_int_equal(watched_init(&m, &w), 0);
	assert_read_once(&w, m.rproc.table_size);
	msys_fini(&m);
}

/*
 * The host rewrites the trace length after the remote checked it against
 * its regions: the remote must clear and use the length it checked, not
 * 1 MiB from the trace buffer on (past the block: a guard page).
 */
static void test_trace_len_rewritten_after_check(void **state)
{
	static struct msys m;
	static struct watch w;
	struct asv_fw_rsc_trace *tr;

	(void)state;
	assert_int_equal(msys_init_remote(&m, NULL), 0);
	tr = asv_rsc_find_trace(m.rproc.table, 0);
	assert_non_null(tr);
	watch_rewrite(&w, &tr->len, 1, (uint32_t)m.size);
	assert_int_equal(watched_init(&m, &w), 0);
	assert_true(w.done);
	assert_int_equal(m.remote.trace.len, 8192);
	assert_ptr_equal(m.remote.trace.buf, m.rproc.trace_va);
	msys_fini(&m);
}

/*
 * The host moves the vdev entry past the block after the remote validated
 * the table: the remote must find the vdev where it validated it.
 */
static void test_entry_offset_rewritten_after_validation(void **state)
{
	static struct msys m;
	static struct watch w;
	struct asv_resource_table *t;
	unsigned int vdev = 0;

	(void)state;
	assert_int_equal(msys_init_remote(&m, NULL), 0);
	t = entry_offset(&m, ASV_RSC_VDEV, &vdev);
	watch_rewrite(&w, &t->offset[vdev], 1, (uint32_t)m.size);
	assert_int_equal(watched_init(&m, &w), 0);
	assert_true(w.done);
	assert_non_null(m.remote.vdev);
	msys_fini(&m);
}

static void test_link_up_reads_each_table_word_once(void **state)
{
	static struct msys m;
	static struct watch w;

	(void)state;
	assert_int_equal(msys_init_remote(&m, NULL), 0);
	assert_int_equal(msys_start_host(&m, NULL), 0);
	watch_no_rewrite(&w);
	assert_int_equal(watched_isr(&m, &w), 0);
	assert_true(asv_link_ready(&m.remote.dev));
	assert_read_once(&w, m.rproc.table_size);
	msys_fini(&m);
}

/*
 * At link-up the remote re-reads the table the host wrote into (vring
 * addresses, status, features). The host moves an entry past the block
 * right after the remote validated it: the link still comes up on what was
 * validated, and nothing outside the block is read.
 */
static void test_link_up_offset_rewritten_after_validation(void **state)
{
	static struct msys m;
	static struct watch w;
	struct asv_resource_table *t;
	unsigned int co = 0;

	(void)state;
	assert_int_equal(msys_init_remote(&m, NULL), 0);
	assert_int_equal(msys_start_host(&m, NULL), 0);
	t = entry_offset(&m, ASV_RSC_CARVEOUT, &co);
	watch_rewrite(&w, &t->offset[co], 1, (uint32_t)m.size);
	assert_int_equal(watched_isr(&m, &w), 0);
	assert_true(w.done);
	assert_true(asv_link_ready(&m.remote.dev));
	msys_fini(&m);
}

/*
 * The host changes a vring's size after the remote read it: the rings the
 * remote uses have the size it checked (its private bitmaps hold 1024).
 */
static void test_link_up_vring_num_rewritten(void **state)
{
	static struct msys m;
	static struct watch w;

	(void)state;
	assert_int_equal(msys_init_remote(&m, NULL), 0);
	assert_int_equal(msys_start_host(&m, NULL), 0);
	watch_rewrite(&w, &m.rproc.vdev->vring[1].num, 1, 32768);
	assert_int_equal(watched_isr(&m, &w), 0);
	assert_true(w.done);
	assert_int_equal(m.remote.rx_vr.num, 256);
	msys_fini(&m);
}

/* ---- item 8: a host that forges rings, descriptors and headers ---- */

struct rec {
	unsigned int n;
	int hold;
	void *held;
};

static int rec_cb(struct asv_endpoint *e, void *d, size_t n, uint32_t src, void *p)
{
	struct rec *r = p;

	(void)e, (void)n, (void)src;
	r->n++;
	if (r->hold && !r->held) {
		r->held = d;
		return ASV_RX_HOLD;
	}
	return 0;
}

struct pair {
	struct msys m;
	struct asv_endpoint *h; /* host endpoint 0x500 */
	struct asv_endpoint re; /* remote endpoint 0x600 */
	struct rec hr, rr;
};

static int pair_setup(void **state)
{
	struct pair *f = calloc(1, sizeof(*f));

	if (!f || msys_pair_init(&f->m, &f->h, &f->re, rec_cb, &f->hr, &f->rr))
		return -1;
	*state = f;
	return 0;
}

static int pair_teardown(void **state)
{
	struct pair *f = *state;

	msys_fini(&f->m);
	free(f);
	return 0;
}

/* The remote shut its link down with @err: sends fail, the reason logged. */
static void assert_remote_down(struct msys *m, struct asv_endpoint *re, int err)
{
	struct asv_stats st;

	assert_false(asv_link_ready(&m->remote.dev));
	assert_int_equal(asv_trysendto(re, 0x500, "x", 1), -ASV_ESHUTDOWN);
	asv_get_stats(&m->remote.dev, &st);
	assert_int_equal(st.link_error, err);
	assert_true(logcap_has(&m->rlog, "link shut down"));
}

static int remote_isr(struct msys *m)
{
	int err;

	m->in_remote_isr = 1;
	err = asv_remote_isr(&m->remote);
	m->in_remote_isr = 0;
	return err;
}

/* The device address of @va inside the block. */
static uint64_t da_of(struct msys *m, const void *va)
{
	return m->region.da + (uint64_t)((const uint8_t *)va - (const uint8_t *)m->shm);
}

/* The descriptor of the host's last message on vring[1]. */
static struct asv_vring_desc *last_host_msg(struct pair *f)
{
	struct asv_vring *vr = &f->m.host.tx_vr;
	uint16_t id = asv_le16(vr->avail->ring[(uint16_t)(vr->shadow_idx - 1) & vr->mask]);

	return &vr->desc[id];
}

/*
 * Descriptors inside the block but outside the rpmsg buffers: the table,
 * either vring, the trace buffer. The remote would read a message out of
 * (and for its own sends write one into) memory that is not a buffer.
 */
static void rx_descriptor_at(void **state, int what)
{
	struct pair *f = *state;
	const void *target[] = { f->m.rproc.table, f->m.rproc.vring_va[0], f->m.rproc.vring_va[1],
				 f->m.rproc.trace_va };

	assert_int_equal(asv_sendto(f->h, 0x600, "ok", 2), 0);
	last_host_msg(f)->addr = asv_cpu_to_le64(da_of(&f->m, target[what]));
	assert_int_equal(remote_isr(&f->m), -ASV_EFAULT);
	assert_remote_down(&f->m, &f->re, -ASV_EFAULT);
	assert_true(logcap_has(&f->m.rlog, "outside the buffer region"));
	assert_int_equal(f->rr.n, 0);
}

static void test_rx_descriptor_at_table(void **state)
{
	rx_descriptor_at(state, 0);
}

static void test_rx_descriptor_at_vring0(void **state)
{
	rx_descriptor_at(state, 1);
}

static void test_rx_descriptor_at_vring1(void **state)
{
	rx_descriptor_at(state, 2);
}

static void test_rx_descriptor_at_trace(void **state)
{
	rx_descriptor_at(state, 3);
}

/* The host's empty receive buffers on vring[0], where the remote writes. */
static void tx_descriptor_at(void **state, int what)
{
	struct pair *f = *state;
	struct asv_vring *vr = &f->m.host.rx_vr;
	const void *target[] = { f->m.rproc.table, f->m.rproc.vring_va[0], f->m.rproc.vring_va[1] };
	uint8_t before[64];
	uint16_t id = asv_le16(vr->avail->ring[f->m.remote.tx_vr.last_seen & vr->mask]);

	vr->desc[id].addr = asv_cpu_to_le64(da_of(&f->m, target[what]));
	memcpy(before, target[what], sizeof(before));
	assert_int_equal(asv_trysendto(&f->re, 0x500, "x", 1), -ASV_EFAULT);
	assert_remote_down(&f->m, &f->re, -ASV_EFAULT);
	/* nothing was written there */
	assert_memory_equal(before, target[what], sizeof(before));
}

static void test_tx_descriptor_at_table(void **state)
{
	tx_descriptor_at(state, 0);
}

static void test_tx_descriptor_at_vring0(void **state)
{
	tx_descriptor_at(state, 1);
}

static void test_tx_descriptor_at_vring1(void **state)
{
	tx_descriptor_at(state, 2);
}

/*
 * The host forges the header of a buffer the remote holds (zero-copy
 * receive): the release must give back the buffer that is held, by the
 * remote's private record, whatever the header says; the one the forged
 * header names is not given back twice.
 */
static void test_forged_header_of_held_buffer(void **state)
{
	struct pair *f = *state;
	struct asv_rpmsg_hdr *h;
	struct asv_vring *used = &f->m.remote.rx_vr;
	uint16_t held_id, before;

	f->rr.hold = 1;
	assert_int_equal(asv_sendto(f->h, 0x600, "held", 4), 0);
	msys_pump(&f->m);
	assert_non_null(f->rr.held);
	h = (struct asv_rpmsg_hdr *)f->rr.held - 1;
	held_id = (uint16_t)(((uint8_t *)h - f->m.host.tx_base) / ASV_RPMSG_BUF_SIZE);
	/* the host rewrites the whole header, the remote's record included */
	memset(h, 0x5A, sizeof(*h));
	before = used->shadow_idx;
	assert_int_equal(asv_release_rx_buffer(&f->m.remote.dev, f->rr.held), 0);
	assert_int_equal((uint16_t)(used->shadow_idx - before), 1);
	assert_int_equal(asv_le32(used->used->ring[before & used->mask].id), held_id);
	assert_true(asv_link_ready(&f->m.remote.dev));
}

/*
 * Seeded random scribbles while traffic flows, 10,000 runs: over the
 * table before link-up, the rings (descriptors, avail, used), and the
 * buffers. Whatever the host writes, the remote either keeps working or
 * shuts its link down with a documented error; it never writes the parts
 * the host owns (table, descriptors, avail rings), never touches memory
 * outside the block (guard pages, sanitizers), every call returns. The
 * failing seed is printed; ASVIRT_SEED=N replays that run alone.
 */
static uint32_t rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

struct area {
	uint8_t *p;
	size_t n;
};

static uint32_t cur_seed;

#define CHECK(c)                                                                                  \
	do {                                                                                      \
		if (!(c))                                                                         \
			fail_msg("seed %u (replay: ASVIRT_SEED=%u): %s", cur_seed, cur_seed, #c); \
	} while (0)

static void scribble(struct area *a, unsigned int na, uint32_t *s)
{
	unsigned int k, nbytes = 1 + rnd(s) % 8;

	for (k = 0; k < nbytes; k++) {
		struct area *x = &a[rnd(s) % na];

		x->p[rnd(s) % x->n] = (uint8_t)rnd(s);
	}
}

/* Bytes the host owns and the remote only reads: copy to compare later. */
struct host_owned {
	uint8_t table[512];
	uint8_t ring[2][16 * 16 + 6 + 2 * 16]; /* desc + avail of 16 entries */
};

static void host_owned_snap(struct msys *m, struct host_owned *o)
{
	unsigned int i;

	memcpy(o->table, m->rproc.table, m->rproc.table_size);
	for (i = 0; i < 2; i++)
		memcpy(o->ring[i], m->rproc.vring_va[i], sizeof(o->ring[i]));
}

static int host_owned_same(struct msys *m, const struct host_owned *o)
{
	unsigned int i;

	if (memcmp(o->table, m->rproc.table, m->rproc.table_size))
		return 0;
	for (i = 0; i < 2; i++)
		if (memcmp(o->ring[i], m->rproc.vring_va[i], sizeof(o->ring[i])))
			return 0;
	return 1;
}

static void scribble_run(uint32_t seed)
{
	static struct pair f;
	struct msys_opts o = { .vring_num = 16 };
	struct host_owned snap;
	struct area a[4];
	struct asv_stats st;
	uint32_t s = seed ? seed : 1;
	unsigned int round, k;
	int err;

	cur_seed = seed;
	memset(&f, 0, sizeof(f));
	CHECK(msys_init(&f.m, &o) == 0);
	a[0] = (struct area){ f.m.rproc.table, f.m.rproc.table_size };
	a[1] = (struct area){ f.m.rproc.vring_va[0], asv_vring_size(16, 4096) };
	a[2] = (struct area){ f.m.rproc.vring_va[1], asv_vring_size(16, 4096) };
	a[3] = (struct area){ f.m.rproc.bufs.va, f.m.rproc.bufs.size };
	/* a quarter of the runs: the host rewrites the table before link-up */
	if (rnd(&s) % 4 == 0)
		scribble(a, 1, &s);
	msys_pump(&f.m);
	f.h = asv_host_create_ept(&f.m.host, NULL, 0x500, rec_cb, &f.hr, &err);
	CHECK(f.h != NULL);
	CHECK(asv_create_ept(&f.m.remote.dev, &f.re, NULL, 0x600, rec_cb, &f.rr) == 0);
	for (round = 0; round < 3; round++) {
		for (k = 0; k < 3; k++) {
			asv_trysendto(f.h, 0x600, "hello", 5);
			asv_trysendto(&f.re, 0x500, "world", 5);
		}
		scribble(a, 4, &s);
		/* the remote alone: it must not write what the host owns */
		host_owned_snap(&f.m, &snap);
		remote_isr(&f.m);
		for (k = 0; k < 3; k++)
			asv_trysendto(&f.re, 0x500, "again", 5);
		CHECK(host_owned_same(&f.m, &snap));
		f.m.host_pending = f.m.remote_pending = 1;
		msys_pump(&f.m);
	}
	asv_get_stats(&f.m.remote.dev, &st);
	CHECK(st.link_error == 0 || st.link_error == -ASV_EPROTO || st.link_error == -ASV_EFAULT ||
	      st.link_error == -ASV_EINVAL);
	if (st.link_error) {
		CHECK(!asv_link_ready(&f.m.remote.dev));
		CHECK(asv_trysendto(&f.re, 0x500, "x", 1) == -ASV_ESHUTDOWN);
		CHECK(logcap_has(&f.m.rlog, "link shut down"));
	}
	msys_fini(&f.m);
}

static void test_random_scribbles_with_traffic(void **state)
{
	const char *one = getenv("ASVIRT_SEED");
	unsigned long i, runs = 10000;

	(void)state;
	if (one) {
		scribble_run((uint32_t)strtoul(one, NULL, 0));
		return;
	}
	for (i = 0; i < runs; i++)
		scribble_run((uint32_t)(0x9E3779B9u * (i + 1)));
}

/* ---- the runner's control page (separate-process transport) ---- */

static void ctl_fill(struct asv_shm_ctl *c, uint64_t shm_size)
{
	memset(c, 0, sizeof(*c));
	c->magic = ASV_SHM_MAGIC;
	c->version = ASV_SHM_VERSION;
	c->shm_size = shm_size;
	c->region_off = ASV_SHM_CTL_SIZE;
	c->region_size = shm_size - ASV_SHM_CTL_SIZE;
	c->region_da = 0x10000000u;
	c->table_size = 200;
}

/*
 * The host rewrites a layout field of the control page right after the
 * runner checked it: the runner uses what it checked (a table or region
 * larger than the block would make the remote read past the mapping).
 */
static void ctl_rewritten(const void *(*field)(struct asv_shm_ctl *), uint32_t val)
{
	static struct watch w;
	struct asv_shm_layout out;
	struct asv_shm_ctl *c = guarded_alloc(4096);
	volatile int err = -1;

	assert_non_null(c);
	ctl_fill(c, 1u << 20);
	watch_rewrite(&w, field(c), 1, val);
	watch_arm(&w, c);
	if (!sigsetjmp(w.out, 1))
		err = asv_shm_ctl_read(c, 1u << 20, &out);
	watch_disarm(&w);
	assert_null(w.escape);
	assert_true(w.done);
	assert_int_equal(err, 0);
	assert_int_equal(out.region_off, ASV_SHM_CTL_SIZE);
	assert_int_equal(out.region_size, (1u << 20) - ASV_SHM_CTL_SIZE);
	assert_int_equal(out.table_size, 200);
	assert_read_once(&w, sizeof(*c));
	guarded_free(c, 4096);
}

static const void *ctl_table_size(struct asv_shm_ctl *c)
{
	return &c->table_size;
}

static const void *ctl_region_size(struct asv_shm_ctl *c)
{
	return &c->region_size;
}

static const void *ctl_region_off(struct asv_shm_ctl *c)
{
	return &c->region_off;
}

static void test_ctl_table_size_rewritten(void **state)
{
	(void)state;
	ctl_rewritten(ctl_table_size, 0xFFFFFFFFu);
}

static void test_ctl_region_size_rewritten(void **state)
{
	(void)state;
	ctl_rewritten(ctl_region_size, 0xFFFFFFFFu);
}

static void test_ctl_region_off_rewritten(void **state)
{
	(void)state;
	ctl_rewritten(ctl_region_off, 0x7FFFF000u);
}

static void test_ctl_refused(void **state)
{
	struct asv_shm_ctl c;
	struct asv_shm_layout out;

	(void)state;
	ctl_fill(&c, 1u << 20);
	assert_int_equal(asv_shm_ctl_read(&c, 1u << 20, &out), 0);
	c.table_size = (1u << 20);
	assert_int_equal(asv_shm_ctl_read(&c, 1u << 20, &out), -ASV_EINVAL);
	ctl_fill(&c, 1u << 20);
	c.region_size = 1u << 20;
	assert_int_equal(asv_shm_ctl_read(&c, 1u << 20, &out), -ASV_EINVAL);
	ctl_fill(&c, 1u << 20);
	assert_int_equal(asv_shm_ctl_read(&c, 2u << 20, &out), -ASV_EINVAL);
	ctl_fill(&c, 1u << 20);
	c.magic = 0;
	assert_int_equal(asv_shm_ctl_read(&c, 1u << 20, &out), -ASV_EINVAL);
}

/*
 * asvirt up --linux --arch arm: Linux's rpmsg buffers in the block, after
 * the region (bufs_off, bufs_size). A carveout that overlaps the control
 * page or the region, or ends past the block, is refused: the remote would
 * otherwise take the host's table or vrings, or bytes past the mapping,
 * for buffers.
 */
static void test_ctl_bufs(void **state)
{
	struct asv_shm_ctl c;
	struct asv_shm_layout out;

	(void)state;
	ctl_fill(&c, 4u << 20);
	c.region_size = (2u << 20) - ASV_SHM_CTL_SIZE;
	c.bufs_off = 2u << 20;
	c.bufs_size = 256u << 10;
	assert_int_equal(asv_shm_ctl_read(&c, 4u << 20, &out), 0);
	assert_int_equal(out.bufs_off, 2u << 20);
	assert_int_equal(out.bufs_size, 256u << 10);
	c.bufs_size = 2u << 20; /* exactly up to the end */
	assert_int_equal(asv_shm_ctl_read(&c, 4u << 20, &out), 0);
	c.bufs_size = (2u << 20) + 1; /* one byte past the end */
	assert_int_equal(asv_shm_ctl_read(&c, 4u << 20, &out), -ASV_EINVAL);
	c.bufs_size = 256u << 10;
	c.bufs_off = (2u << 20) - 4096; /* the region's last page */
	assert_int_equal(asv_shm_ctl_read(&c, 4u << 20, &out), -ASV_EINVAL);
	c.bufs_off = 0; /* the control page */
	assert_int_equal(asv_shm_ctl_read(&c, 4u << 20, &out), -ASV_EINVAL);
	c.bufs_off = 0xFFFFF000u; /* past the block: off + size wraps in 32 bits */
	c.bufs_size = 0x2000u;
	assert_int_equal(asv_shm_ctl_read(&c, 4u << 20, &out), -ASV_EINVAL);
	c.bufs_size = 0; /* no carveout: the offset means nothing */
	assert_int_equal(asv_shm_ctl_read(&c, 4u << 20, &out), 0);
	assert_int_equal(out.bufs_off, 0);
	assert_int_equal(out.bufs_size, 0);
}

static const void *ctl_bufs_size(struct asv_shm_ctl *c)
{
	return &c->bufs_size;
}

static void test_ctl_bufs_size_rewritten(void **state)
{
	(void)state;
	ctl_rewritten(ctl_bufs_size, 0xFFFFFFFFu);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, pair_setup, pair_teardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_reads_each_table_word_once),
		cmocka_unit_test(test_trace_len_rewritten_after_check),
		cmocka_unit_test(test_entry_offset_rewritten_after_validation),
		cmocka_unit_test(test_link_up_reads_each_table_word_once),
		cmocka_unit_test(test_link_up_offset_rewritten_after_validation),
		cmocka_unit_test(test_link_up_vring_num_rewritten),
		T(test_rx_descriptor_at_table),
		T(test_rx_descriptor_at_vring0),
		T(test_rx_descriptor_at_vring1),
		T(test_rx_descriptor_at_trace),
		T(test_tx_descriptor_at_table),
		T(test_tx_descriptor_at_vring0),
		T(test_tx_descriptor_at_vring1),
		T(test_forged_header_of_held_buffer),
		cmocka_unit_test(test_random_scribbles_with_traffic),
		cmocka_unit_test(test_ctl_table_size_rewritten),
		cmocka_unit_test(test_ctl_region_size_rewritten),
		cmocka_unit_test(test_ctl_region_off_rewritten),
		cmocka_unit_test(test_ctl_refused),
		cmocka_unit_test(test_ctl_bufs),
		cmocka_unit_test(test_ctl_bufs_size_rewritten),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
