// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifndef ASVIRT_CORTEX_M
#include <sys/mman.h>
#endif
#include <time.h>
#include <unistd.h>

#include "harness.h"

void logcap_init(struct logcap *l, const char *who)
{
	memset(l, 0, sizeof(*l));
	pthread_mutex_init(&l->mu, NULL);
	l->who = who;
}

void logcap_fn(void *ctx, int level, const char *msg)
{
	struct logcap *l = ctx;

	pthread_mutex_lock(&l->mu);
	snprintf(l->line[l->n % LOGCAP_LINES], sizeof(l->line[0]), "%s", msg);
	l->n++;
	pthread_mutex_unlock(&l->mu);
	if (getenv("ASVIRT_TEST_VERBOSE"))
		fprintf(stderr, "[%s] %d: %s\n", l->who, level, msg);
}

int logcap_has(struct logcap *l, const char *needle)
{
	unsigned int i, n;
	int found = 0;

	pthread_mutex_lock(&l->mu);
	n = l->n < LOGCAP_LINES ? l->n : LOGCAP_LINES;
	for (i = 0; i < n && !found; i++)
		found = strstr(l->line[i], needle) != NULL;
	pthread_mutex_unlock(&l->mu);
	return found;
}

void logcap_clear(struct logcap *l)
{
	pthread_mutex_lock(&l->mu);
	l->n = 0;
	pthread_mutex_unlock(&l->mu);
}

#ifdef ASVIRT_CORTEX_M
/* The target (tests/target) has no MMU to guard with: plain aligned RAM. */
void *guarded_alloc(size_t size)
{
	void *p = aligned_alloc(4096, (size + 4095) & ~(size_t)4095);

	if (p)
		memset(p, 0, size);
	return p;
}

void guarded_free(void *p, size_t size)
{
	(void)size;
	free(p);
}
#else
/*
 * One freed block kept for the next allocation of its size: tests that
 * build thousands of systems (test_hostile_host's 10,000 scribble runs)
 * spent most of their time on new pages, each first write a fault (and on
 * a VM with shadow page tables, a costly one), and unmapping them. A block
 * taken again is made read-write (a test may have protected pages of it)
 * and cleared, as a new mapping would be. The price: an access after
 * guarded_free() no longer faults. msys has no threads of its own, and the
 * tests that add some join them before msys_fini(); made PROT_NONE while
 * kept, the block cost twice what a new one did (every page faults again).
 */
static struct {
	pthread_mutex_t mu;
	uint8_t *p; /* the block, its guard pages included, or NULL */
	size_t size;
} spare = { PTHREAD_MUTEX_INITIALIZER, NULL, 0 };

void *guarded_alloc(size_t size)
{
	long pg = sysconf(_SC_PAGESIZE);
	size_t total = size + 2 * (size_t)pg;
	uint8_t *p = NULL;

	pthread_mutex_lock(&spare.mu);
	if (spare.p && spare.size == size) {
		p = spare.p;
		spare.p = NULL;
	}
	pthread_mutex_unlock(&spare.mu);
	if (p) {
		if (mprotect(p + pg, size, PROT_READ | PROT_WRITE)) {
			munmap(p, total);
			return NULL;
		}
		memset(p + pg, 0, size);
		return p + pg;
	}
	p = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	mprotect(p, (size_t)pg, PROT_NONE);
	mprotect(p + pg + size, (size_t)pg, PROT_NONE);
	return p + pg;
}

void guarded_free(void *p, size_t size)
{
	long pg = sysconf(_SC_PAGESIZE);
	uint8_t *block = (uint8_t *)p - pg;

	pthread_mutex_lock(&spare.mu);
	if (!spare.p) {
		spare.p = block;
		spare.size = size;
		block = NULL;
	}
	pthread_mutex_unlock(&spare.mu);
	if (block)
		munmap(block, size + 2 * (size_t)pg);
}

int wait_atleast(unsigned int *v, unsigned int want, unsigned int ms)
{
	uint64_t end = asv_posix_now_ms() + ms;

	while (__atomic_load_n(v, __ATOMIC_SEQ_CST) < want) {
		if (asv_posix_now_ms() > end)
			return -1;
		usleep(1000);
	}
	return 0;
}
#endif

unsigned long test_count(unsigned long full)
{
	const char *s = getenv("ASVIRT_TEST_SCALE");

#ifdef ASVIRT_CORTEX_M
	s = "tenth"; /* an emulated MCU, as slow as TSan */
#endif
	if (s && !strcmp(s, "tenth"))
		return full / 10 ? full / 10 : 1;
	return full;
}

/* ---- msys env ---- */

static void h_notify(void *ctx, uint32_t id)
{
	struct msys *m = ctx;

	(void)id;
	m->remote_pending++;
	m->remote_irqs++;
}

static void r_notify(void *ctx, uint32_t id)
{
	struct msys *m = ctx;

	(void)id;
	m->host_pending++;
	m->host_irqs++;
}

static uint32_t m_gen(void *ctx)
{
	(void)ctx;
	return 0;
}

/* Single-threaded: nobody can free a buffer while we wait. */
static int m_wait(void *ctx, uint32_t gen, uint32_t ms)
{
	(void)ctx;
	(void)gen;
#ifndef ASVIRT_CORTEX_M /* no sleep there: the caller's deadline is SysTick's */
	usleep(ms * 1000u);
#else
	(void)ms;
#endif
	return -ASV_ETIMEDOUT;
}

static void m_wake(void *ctx)
{
	(void)ctx;
}

static bool h_in_isr(void *ctx)
{
	return ((struct msys *)ctx)->in_host_isr;
}

static bool r_in_isr(void *ctx)
{
	return ((struct msys *)ctx)->in_remote_isr;
}

static uint64_t m_now(void *ctx)
{
	(void)ctx;
	return asv_posix_now_ms();
}

static void *m_alloc(void *ctx, size_t n)
{
	(void)ctx;
	return calloc(1, n);
}

static void m_free(void *ctx, void *p)
{
	(void)ctx;
	free(p);
}

int msys_init_remote(struct msys *m, const struct msys_opts *o)
{
	struct msys_opts def = { 0 };
	struct asv_remote_config rc;
	struct asv_rsc_config cfg;
	uint8_t table[512] __attribute__((aligned(8))); /* as a section is */
	int n, err;

	if (!o)
		o = &def;
	memset(m, 0, sizeof(*m));
	logcap_init(&m->hlog, "host");
	logcap_init(&m->rlog, "remote");
	m->size = 1u << 20;
	m->shm = guarded_alloc(m->size);
	if (!m->shm)
		return -ASV_ENOMEM;
	m->region = (struct asv_mem_region){ m->shm, MSYS_DA, m->size };
	m->henv = (struct asv_env){ .ctx = m,
				    .notify = h_notify,
				    .wait_gen = m_gen,
				    .wait = m_wait,
				    .wake = m_wake,
				    .in_isr = h_in_isr,
				    .now_ms = m_now,
				    .alloc = m_alloc,
				    .free = m_free,
				    .log = logcap_fn,
				    .log_ctx = &m->hlog,
				    .log_level = ASV_LOG_DEBUG };
	m->renv = m->henv;
	m->renv.notify = r_notify;
	m->renv.in_isr = r_in_isr;
	m->renv.log_ctx = &m->rlog;
	if (o->rsc)
		cfg = *o->rsc;
	else {
		asv_rsc_default_config(&cfg);
		cfg.trace_da = MSYS_DA + 0x1000u;
	}
	if (o->vring_num)
		cfg.vring_num = o->vring_num;
	if (o->no_ns)
		cfg.features &= ~(1u << ASV_VIRTIO_RPMSG_F_NS);
	if (o->event_idx < 0 || (!o->event_idx && !o->rsc && !msys_event_idx_default()))
		cfg.features &= ~(1u << ASV_VIRTIO_RING_F_EVENT_IDX);
	n = asv_rsc_build(table, sizeof(table), &cfg);
	if (n < 0)
		return n;
	err = asv_rproc_load(&m->rproc, &m->region, table, (size_t)n, &m->henv);
	if (err)
		return err;
	memset(&rc, 0, sizeof(rc));
	rc.rsc_table = m->rproc.table;
	rc.rsc_size = m->rproc.table_size;
	rc.regions = &m->region;
	rc.nregions = 1;
	rc.env = m->renv;
	rc.timeout_ms = 50;
	rc.on_link = o->on_link;
	rc.link_priv = o->link_priv;
	return asv_remote_init(&m->remote, &rc);
}

bool msys_event_idx_default(void)
{
	const char *s = getenv("ASVIRT_EVENT_IDX");

	return !s || strcmp(s, "0") != 0;
}

#ifndef ASVIRT_CORTEX_M
int test_vsys_start(struct asv_vsys *s, const struct asv_vsys_config *cfg)
{
	struct asv_vsys_config c = *cfg;

	if (!msys_event_idx_default())
		c.no_event_idx = true;
	return asv_vsys_start(s, &c);
}
#endif

bool vring_asks_notify(const struct asv_vring *vr, bool driver)
{
	const asv_le16 *flags = driver ? &vr->avail->flags : &vr->used->flags;

	if (!vr->event_idx)
		return !(asv_le16(*flags) & 1u);
	return asv_le16(*(driver ? &vr->avail->ring[vr->num]
				 : (const asv_le16 *)&vr->used->ring[vr->num])) == vr->last_seen;
}

int msys_start_host(struct msys *m, const struct msys_opts *o)
{
	struct asv_host_config hc;

	memset(&hc, 0, sizeof(hc));
	asv_rproc_host_config(&m->rproc, &hc);
	hc.env = m->henv;
	hc.timeout_ms = 50;
	if (o && o->nbufs)
		hc.nbufs = o->nbufs;
	if (o && o->host_features)
		hc.features = (uint32_t)o->host_features;
	return asv_host_init(&m->host, &hc);
}

int msys_init(struct msys *m, const struct msys_opts *o)
{
	int err = msys_init_remote(m, o);

	return err ? err : msys_start_host(m, o);
}

void msys_pump(struct msys *m)
{
	int rounds;

	for (rounds = 0; rounds < 10000 && (m->host_pending || m->remote_pending); rounds++) {
		if (m->remote_pending) {
			m->remote_pending = 0;
			m->in_remote_isr = 1;
			asv_remote_isr(&m->remote);
			m->in_remote_isr = 0;
		}
		if (m->host_pending) {
			m->host_pending = 0;
			m->in_host_isr = 1;
			asv_host_isr(&m->host);
			m->in_host_isr = 0;
		}
	}
}

int msys_pair_init(struct msys *m, struct asv_endpoint **h, struct asv_endpoint *re, asv_rx_cb cb,
		   void *hpriv, void *rpriv)
{
	int err = msys_init(m, NULL);

	if (err)
		return err;
	msys_pump(m);
	*h = asv_host_create_ept(&m->host, NULL, 0x500, cb, hpriv, &err);
	if (!*h)
		return err ? err : -ASV_ENOMEM;
	return asv_create_ept(&m->remote.dev, re, NULL, 0x600, cb, rpriv);
}

void msys_fini(struct msys *m)
{
	asv_host_deinit(&m->host);
	if (m->shm)
		guarded_free(m->shm, m->size);
	m->shm = NULL;
}
