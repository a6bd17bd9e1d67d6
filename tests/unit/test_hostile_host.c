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

/* Every word of the table was read at most once. */
static void assert_read_once(struct watch *w, size_t table_size)
{
	size_t i;

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_reads_each_table_word_once),
		cmocka_unit_test(test_trace_len_rewritten_after_check),
		cmocka_unit_test(test_entry_offset_rewritten_after_validation),
		cmocka_unit_test(test_link_up_reads_each_table_word_once),
		cmocka_unit_test(test_link_up_offset_rewritten_after_validation),
		cmocka_unit_test(test_link_up_vring_num_rewritten),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
