// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/* The in-process virtual AMP system. See asvirt/vsys.h. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "asvirt/errors.h"
#include "asvirt/evrec.h"
#include "asvirt/vsys.h"

/*
 * The shared window: an anonymous mapping, page-aligned and zeroed by the
 * kernel, populated in the same call (MAP_POPULATE). The loader clears the
 * rings and buffers it places (as Linux's dma_alloc_coherent hands them
 * over zeroed), so a boot writes a quarter of the window at once: faulted
 * in a page at a time, that was most of the CPU of a boot that starts and
 * stops threads for a handful of messages (the tests that boot thousands
 * of systems, each bench window), on a VM where a page fault is dear. An
 * aligned_alloc cleared with memset faulted in all of it.
 *
 * The last window stopped is kept for the next start of the same size
 * (one, whatever the number of systems): its pages, and a sanitizer's
 * shadow of them, are already there. It is cleared before it is handed
 * out again, so a start sees what a new mapping shows.
 */
static pthread_mutex_t spare_mu = PTHREAD_MUTEX_INITIALIZER;
static void *spare;
static size_t spare_size;

static void *shm_alloc(size_t size)
{
	void *p = NULL;

	pthread_mutex_lock(&spare_mu);
	if (spare && spare_size == size) {
		p = spare;
		spare = NULL;
	}
	pthread_mutex_unlock(&spare_mu);
	if (p) {
		memset(p, 0, size);
		return p;
	}
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1,
		 0);
	return p == MAP_FAILED ? NULL : p;
}

static void shm_free(struct asv_vsys *s)
{
	void *old;
	size_t old_size;

	if (!s->shm)
		return;
	pthread_mutex_lock(&spare_mu);
	old = spare;
	old_size = spare_size;
	spare = s->shm;
	spare_size = s->cfg.shm_size;
	pthread_mutex_unlock(&spare_mu);
	if (old)
		munmap(old, old_size);
	s->shm = NULL;
}

/* Rpmsg vdev k's parts, wherever they live (vdev 0 in struct asv_vsys). */
struct vd {
	struct asv_posix_role *host_role, *remote_role;
	struct asv_host *host;
	struct asv_remote *remote;
	const struct asv_app **app;
	void **app_state;
	int *host_started;
};

static struct vd vd_of(struct asv_vsys *s, unsigned int k)
{
	struct asv_vsys_vdev *v;

	if (!k)
		return (struct vd){ &s->host_role, &s->remote_role, &s->host,	     &s->remote,
				    &s->app,	   &s->app_state,   &s->host_started };
	v = &s->more[k - 1];
	return (struct vd){ &v->host_role, &v->remote_role, &v->host,	     &v->remote,
			    &v->app,	   &v->app_state,   &v->host_started };
}

struct asv_host *asv_vsys_host(struct asv_vsys *s, unsigned int k)
{
	return s && k < s->nvdevs ? vd_of(s, k).host : NULL;
}

struct asv_remote *asv_vsys_remote(struct asv_vsys *s, unsigned int k)
{
	return s && k < s->nvdevs ? vd_of(s, k).remote : NULL;
}

/* ---- one vdev: each side's ISR thread serves its one instance ---- */

static int host_isr(void *arg)
{
	return asv_host_isr(arg);
}

static int remote_isr(void *arg)
{
	return asv_remote_isr(arg);
}

static int host_poll(void *arg, unsigned int *work)
{
	return asv_host_poll(arg, work);
}

static bool host_poll_done(void *arg)
{
	return asv_host_poll_done(arg);
}

static int remote_poll(void *arg, unsigned int *work)
{
	return asv_remote_poll(arg, work);
}

static bool remote_poll_done(void *arg)
{
	return asv_remote_poll_done(arg);
}

/*
 * ---- several vdevs: one interrupt line per side, so each interrupt runs
 * every instance's ISR (an instance with nothing pending returns at
 * once). A sender on the ISR thread that waited on the line took an
 * interrupt another instance may be owed: then all run again.
 */

static int host_isr_all(void *arg)
{
	struct asv_vsys *s = arg;
	unsigned int k;

	do {
		s->host_role.isr_rerun = 0;
		for (k = 0; k < s->nvdevs; k++)
			asv_host_isr(vd_of(s, k).host);
	} while (s->host_role.isr_rerun);
	return 0;
}

static int remote_isr_all(void *arg)
{
	struct asv_vsys *s = arg;
	unsigned int k;

	do {
		s->remote_role.isr_rerun = 0;
		for (k = 0; k < s->nvdevs; k++)
			asv_remote_isr(vd_of(s, k).remote);
	} while (s->remote_role.isr_rerun);
	return 0;
}

/* Polling stops only when every instance failed: a vdev that shut down
 * does not stop the others' adaptive interrupt. */
static int host_poll_all(void *arg, unsigned int *work)
{
	struct asv_vsys *s = arg;
	unsigned int k, n, total = 0;
	int ok = 0;

	for (k = 0; k < s->nvdevs; k++) {
		n = 0;
		if (asv_host_poll(vd_of(s, k).host, &n) >= 0)
			ok = 1;
		total += n;
	}
	*work = total;
	return ok ? 0 : -ASV_ESHUTDOWN;
}

static bool host_poll_done_all(void *arg)
{
	struct asv_vsys *s = arg;
	unsigned int k;
	bool more = false;

	for (k = 0; k < s->nvdevs; k++)
		more |= asv_host_poll_done(vd_of(s, k).host);
	return more;
}

static int remote_poll_all(void *arg, unsigned int *work)
{
	struct asv_vsys *s = arg;
	unsigned int k, n, total = 0;
	int ok = 0;

	for (k = 0; k < s->nvdevs; k++) {
		n = 0;
		if (asv_remote_poll(vd_of(s, k).remote, &n) >= 0)
			ok = 1;
		total += n;
	}
	*work = total;
	return ok ? 0 : -ASV_ESHUTDOWN;
}

static bool remote_poll_done_all(void *arg)
{
	struct asv_vsys *s = arg;
	unsigned int k;
	bool more = false;

	for (k = 0; k < s->nvdevs; k++)
		more |= asv_remote_poll_done(vd_of(s, k).remote);
	return more;
}

/* The default table: @nvdevs rpmsg vdevs, each with its own buffers. */
static int default_table(struct asv_vsys *s, const struct asv_vsys_config *cfg, uint8_t *table,
			 size_t size)
{
	struct asv_rsc_config rcfg;
	int n;

	asv_rsc_default_config(&rcfg);
	/* the trace's carveout: the page after the table, in this block */
	rcfg.trace_da = (uint32_t)s->cfg.shm_da + 0x1000u;
	if (cfg->vring_num)
		rcfg.vring_num = cfg->vring_num;
	n = rcfg.vring_num < 256 ? (int)rcfg.vring_num : 256;
	rcfg.buf_len = 2u * (uint32_t)n * ASV_RPMSG_BUF_SIZE;
	rcfg.nvdevs = cfg->nvdevs;
	if (cfg->no_event_idx)
		rcfg.features &= ~(1u << ASV_VIRTIO_RING_F_EVENT_IDX);
	return asv_rsc_build(table, size, &rcfg);
}

/* Both roles of vdev @k: vdev 0's run the ISR threads, the others share
 * them (one interrupt line per side). */
static void init_roles(struct asv_vsys *s, unsigned int k, asv_log_fn log, int level)
{
	const struct asv_vsys_config *cfg = &s->cfg;
	struct vd v = vd_of(s, k);

	asv_posix_role_init(v.host_role, "host", s->host_irq, s->remote_irq, log,
			    cfg->log ? cfg->log_ctx : "host", level);
	asv_posix_role_init(v.remote_role, "remote", s->remote_irq, s->host_irq, log,
			    cfg->log ? cfg->log_ctx : "remote", level);
	/* ~50 ns a retry: senders spin about as long as the ISRs poll */
	v.host_role->env.tx_spin = cfg->spin_ns / 50;
	v.remote_role->env.tx_spin = cfg->spin_ns / 50;
	if (k) {
		asv_posix_role_share_isr(v.host_role, &s->host_role);
		asv_posix_role_share_isr(v.remote_role, &s->remote_role);
	} else {
		if (cfg->evlog[0])
			asv_evrec_bind(cfg->evlog[0], &v.host_role->env);
		if (cfg->evlog[1])
			asv_evrec_bind(cfg->evlog[1], &v.remote_role->env);
	}
}

/* The remote of vdev @k and its app. */
static int start_remote(struct asv_vsys *s, unsigned int k)
{
	const struct asv_app *app = k ? s->cfg.more_apps[k - 1] : s->cfg.app;
	struct vd v = vd_of(s, k);
	struct asv_remote_config rc;
	void *st;
	size_t n;
	int err;

	memset(&rc, 0, sizeof(rc));
	rc.rsc_table = s->rproc.table;
	rc.rsc_size = s->rproc.table_size;
	rc.regions = &s->region;
	rc.nregions = 1;
	rc.env = v.remote_role->env;
	rc.timeout_ms = s->cfg.timeout_ms;
	rc.rpmsg_vdev = k;
	err = asv_remote_init(v.remote, &rc);
	if (err || !app)
		return err;
	/* whole cache lines: the app's counters are written per message
	 * on the remote side and must not share a line with the host's */
	n = (app->state_size + 64u) & ~(size_t)63u;
	st = aligned_alloc(64, n);
	if (!st)
		return -ASV_ENOMEM;
	memset(st, 0, n);
	*v.app_state = st; /* freed by teardown, started or not */
	err = app->start(v.remote, st);
	if (err)
		return err;
	*v.app = app;
	return 0;
}

/*
 * Take down what start set up, in the order the runner and the kernel
 * port use: the remotes go down first and their ISR thread stops before
 * the apps tear their endpoints down (a callback still running, say one
 * streaming messages, sees its sends fail and returns instead of holding
 * up the app's stop forever); then the hosts.
 */
static void teardown(struct asv_vsys *s, unsigned int nremotes)
{
	unsigned int k;

	for (k = 0; k < nremotes; k++)
		asv_remote_shutdown(vd_of(s, k).remote);
	asv_posix_role_stop(&s->remote_role);
	for (k = 0; k < nremotes; k++) {
		struct vd v = vd_of(s, k);

		if (*v.app)
			(*v.app)->stop(v.remote, *v.app_state);
		*v.app = NULL;
	}
	asv_posix_role_stop(&s->host_role);
	for (k = 0; k < s->nvdevs; k++) {
		struct vd v = vd_of(s, k);

		if (*v.host_started)
			asv_host_deinit(v.host);
		*v.host_started = 0;
		asv_posix_role_destroy(v.host_role);
		asv_posix_role_destroy(v.remote_role);
		free(*v.app_state);
		*v.app_state = NULL;
	}
	s->host_irq->destroy(s->host_irq);
	s->remote_irq->destroy(s->remote_irq);
	free(s->more);
	shm_free(s);
	s->more = NULL;
}

int asv_vsys_start(struct asv_vsys *s, const struct asv_vsys_config *cfg)
{
	uint8_t table[1024];
	const void *t = cfg->rsc_table;
	size_t tsize = cfg->rsc_size;
	asv_log_fn log = cfg->log ? cfg->log : asv_posix_log_stderr;
	int level = asv_posix_log_level(cfg->log_level, cfg->errors_only);
	unsigned int k;
	int err;

	memset(s, 0, sizeof(*s));
	s->cfg = *cfg;
	if (!s->cfg.shm_size)
		s->cfg.shm_size = 1u << 20;
	if (!s->cfg.shm_da)
		s->cfg.shm_da = 0x10000000u;
	if (!t) {
		int n = default_table(s, cfg, table, sizeof(table));

		if (n < 0)
			return -ASV_EINVAL;
		t = table;
		tsize = (size_t)n;
	}
	s->shm = shm_alloc(s->cfg.shm_size);
	if (!s->shm)
		return -ASV_ENOMEM;
	s->region = (struct asv_mem_region){ s->shm, s->cfg.shm_da, s->cfg.shm_size };
	s->host_irq = asv_notifier_sem_create();
	s->remote_irq = asv_notifier_sem_create();
	if (!s->host_irq || !s->remote_irq) {
		err = -ASV_ENOMEM;
		goto fail;
	}
	init_roles(s, 0, log, level);
	err = asv_rproc_load(&s->rproc, &s->region, t, tsize, &s->host_role.env);
	if (err)
		goto fail_roles;
	if (s->rproc.nrpmsg > 1) {
		s->more = calloc(s->rproc.nrpmsg - 1, sizeof(*s->more));
		if (!s->more) {
			err = -ASV_ENOMEM;
			goto fail_roles;
		}
	}
	s->nvdevs = s->rproc.nrpmsg;
	for (k = 1; k < s->nvdevs; k++)
		init_roles(s, k, log, level);
	s->host_role.spin_ns = cfg->spin_ns;
	s->remote_role.spin_ns = cfg->spin_ns;
	if (s->nvdevs == 1) {
		s->host_role.poll_fn = host_poll;
		s->host_role.poll_done_fn = host_poll_done;
		s->remote_role.poll_fn = remote_poll;
		s->remote_role.poll_done_fn = remote_poll_done;
	} else {
		s->host_role.poll_fn = host_poll_all;
		s->host_role.poll_done_fn = host_poll_done_all;
		s->remote_role.poll_fn = remote_poll_all;
		s->remote_role.poll_done_fn = remote_poll_done_all;
	}
	if (cfg->pin && sysconf(_SC_NPROCESSORS_ONLN) >= 2) {
		s->host_role.cpu = ASV_VSYS_HOST_CPU;
		s->remote_role.cpu = ASV_VSYS_REMOTE_CPU;
	}
	for (k = 0; k < s->nvdevs; k++) {
		err = start_remote(s, k);
		if (err) {
			/* the failed one is inited (or not): shutdown handles both */
			teardown(s, k);
			return err;
		}
	}
	if (s->nvdevs == 1)
		err = asv_posix_role_start(&s->remote_role, remote_isr, &s->remote);
	else
		err = asv_posix_role_start(&s->remote_role, remote_isr_all, s);
	if (!err && !cfg->defer_host)
		err = asv_vsys_start_host(s);
	if (err) {
		teardown(s, s->nvdevs);
		return err;
	}
	return 0;

fail_roles:
	asv_posix_role_destroy(&s->host_role);
	asv_posix_role_destroy(&s->remote_role);
fail:
	if (s->host_irq)
		s->host_irq->destroy(s->host_irq);
	if (s->remote_irq)
		s->remote_irq->destroy(s->remote_irq);
	free(s->more);
	shm_free(s);
	s->more = NULL;
	return err;
}

int asv_vsys_start_host(struct asv_vsys *s)
{
	unsigned int k;
	int err;

	for (k = 0; k < s->nvdevs; k++) {
		struct vd v = vd_of(s, k);
		struct asv_host_config hc;

		memset(&hc, 0, sizeof(hc));
		asv_rproc_host_config_vdev(&s->rproc, k, &hc);
		hc.nbufs = s->cfg.nbufs;
		hc.timeout_ms = s->cfg.timeout_ms;
		hc.env = v.host_role->env;
		hc.on_channel = s->cfg.on_channel;
		hc.on_channel_priv = s->cfg.on_channel_priv;
		err = asv_host_init(v.host, &hc);
		if (err)
			return err;
		*v.host_started = 1;
	}
	if (s->nvdevs == 1)
		return asv_posix_role_start(&s->host_role, host_isr, &s->host);
	return asv_posix_role_start(&s->host_role, host_isr_all, s);
}

int asv_vsys_wait_link(struct asv_vsys *s, uint32_t timeout_ms)
{
	uint64_t end = asv_posix_now_ms() + timeout_ms;
	unsigned int k;

	for (k = 0; k < s->nvdevs; k++) {
		struct asv_remote *r = vd_of(s, k).remote;

		while (!asv_link_ready(&r->dev)) {
			if (__atomic_load_n(&r->dev.broken, __ATOMIC_ACQUIRE))
				return -ASV_ESHUTDOWN;
			if (asv_posix_now_ms() >= end)
				return -ASV_ETIMEDOUT;
			usleep(1000);
		}
	}
	return 0;
}

void asv_vsys_stop(struct asv_vsys *s)
{
	if (!s->shm)
		return;
	teardown(s, s->nvdevs);
}
