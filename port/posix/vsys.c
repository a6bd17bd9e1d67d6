// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/* The in-process virtual AMP system. See asvirt/vsys.h. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "asvirt/errors.h"
#include "asvirt/vsys.h"

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

int asv_vsys_start(struct asv_vsys *s, const struct asv_vsys_config *cfg)
{
	struct asv_remote_config rc;
	uint8_t table[512];
	const void *t = cfg->rsc_table;
	size_t tsize = cfg->rsc_size;
	asv_log_fn log = cfg->log ? cfg->log : asv_posix_log_stderr;
	int level = asv_posix_log_level(cfg->log_level, cfg->errors_only);
	int err;

	memset(s, 0, sizeof(*s));
	s->cfg = *cfg;
	if (!s->cfg.shm_size)
		s->cfg.shm_size = 1u << 20;
	if (!s->cfg.shm_da)
		s->cfg.shm_da = 0x10000000u;
	s->shm = aligned_alloc(4096, s->cfg.shm_size);
	if (!s->shm)
		return -ASV_ENOMEM;
	memset(s->shm, 0, s->cfg.shm_size);
	s->region = (struct asv_mem_region){ s->shm, s->cfg.shm_da, s->cfg.shm_size };
	if (!t) {
		struct asv_rsc_config rcfg;
		int n;

		asv_rsc_default_config(&rcfg);
		/* the trace's carveout: the page after the table, in this block */
		rcfg.trace_da = (uint32_t)s->cfg.shm_da + 0x1000u;
		if (cfg->vring_num)
			rcfg.vring_num = cfg->vring_num;
		n = rcfg.vring_num < 256 ? rcfg.vring_num : 256;
		rcfg.buf_len = 2u * (uint32_t)n * ASV_RPMSG_BUF_SIZE;
		n = asv_rsc_build(table, sizeof(table), &rcfg);
		if (n < 0)
			goto fail_n;
		t = table;
		tsize = (size_t)n;
	}
	s->host_irq = asv_notifier_sem_create();
	s->remote_irq = asv_notifier_sem_create();
	if (!s->host_irq || !s->remote_irq) {
		err = -ASV_ENOMEM;
		goto fail;
	}
	asv_posix_role_init(&s->host_role, "host", s->host_irq, s->remote_irq, log,
			    cfg->log ? cfg->log_ctx : "host", level);
	asv_posix_role_init(&s->remote_role, "remote", s->remote_irq, s->host_irq, log,
			    cfg->log ? cfg->log_ctx : "remote", level);
	/* ~50 ns a retry: senders spin about as long as the ISRs poll */
	s->host_role.env.tx_spin = cfg->spin_ns / 50;
	s->remote_role.env.tx_spin = cfg->spin_ns / 50;
	s->host_role.spin_ns = cfg->spin_ns;
	s->host_role.poll_fn = host_poll;
	s->host_role.poll_done_fn = host_poll_done;
	s->remote_role.spin_ns = cfg->spin_ns;
	s->remote_role.poll_fn = remote_poll;
	s->remote_role.poll_done_fn = remote_poll_done;
	if (cfg->pin && sysconf(_SC_NPROCESSORS_ONLN) >= 2) {
		s->host_role.cpu = ASV_VSYS_HOST_CPU;
		s->remote_role.cpu = ASV_VSYS_REMOTE_CPU;
	}
	err = asv_rproc_load(&s->rproc, &s->region, t, tsize, &s->host_role.env);
	if (err)
		goto fail_roles;

	memset(&rc, 0, sizeof(rc));
	rc.rsc_table = s->rproc.table;
	rc.rsc_size = s->rproc.table_size;
	rc.regions = &s->region;
	rc.nregions = 1;
	rc.env = s->remote_role.env;
	rc.timeout_ms = cfg->timeout_ms;
	err = asv_remote_init(&s->remote, &rc);
	if (err)
		goto fail_roles;
	if (cfg->app) {
		/* whole cache lines: the app's counters are written per message
		 * on the remote side and must not share a line with the host's */
		size_t n = (cfg->app->state_size + 64u) & ~(size_t)63u;

		s->app = cfg->app;
		s->app_state = aligned_alloc(64, n);
		if (s->app_state)
			memset(s->app_state, 0, n);
		if (!s->app_state) {
			err = -ASV_ENOMEM;
			goto fail_roles;
		}
		err = cfg->app->start(&s->remote, s->app_state);
		if (err)
			goto fail_app;
	}
	err = asv_posix_role_start(&s->remote_role, remote_isr, &s->remote);
	if (err)
		goto fail_app_started;
	if (!cfg->defer_host) {
		err = asv_vsys_start_host(s);
		if (err) {
			asv_vsys_stop(s);
			return err;
		}
	}
	return 0;

fail_app_started:
	if (s->app)
		s->app->stop(&s->remote, s->app_state);
fail_app:
	free(s->app_state);
fail_roles:
	asv_posix_role_destroy(&s->host_role);
	asv_posix_role_destroy(&s->remote_role);
fail:
	if (s->host_irq)
		s->host_irq->destroy(s->host_irq);
	if (s->remote_irq)
		s->remote_irq->destroy(s->remote_irq);
	free(s->shm);
	s->shm = NULL;
	return err;
fail_n:
	free(s->shm);
	s->shm = NULL;
	return -ASV_EINVAL;
}

int asv_vsys_start_host(struct asv_vsys *s)
{
	struct asv_host_config hc;
	int err;

	memset(&hc, 0, sizeof(hc));
	asv_rproc_host_config(&s->rproc, &hc);
	hc.nbufs = s->cfg.nbufs;
	hc.timeout_ms = s->cfg.timeout_ms;
	hc.env = s->host_role.env;
	hc.on_channel = s->cfg.on_channel;
	hc.on_channel_priv = s->cfg.on_channel_priv;
	err = asv_host_init(&s->host, &hc);
	if (err)
		return err;
	err = asv_posix_role_start(&s->host_role, host_isr, &s->host);
	if (err)
		return err;
	s->host_started = 1;
	return 0;
}

int asv_vsys_wait_link(struct asv_vsys *s, uint32_t timeout_ms)
{
	uint64_t end = asv_posix_now_ms() + timeout_ms;

	while (!asv_link_ready(&s->remote.dev)) {
		if (__atomic_load_n(&s->remote.dev.broken, __ATOMIC_ACQUIRE))
			return -ASV_ESHUTDOWN;
		if (asv_posix_now_ms() >= end)
			return -ASV_ETIMEDOUT;
		usleep(1000);
	}
	return 0;
}

void asv_vsys_stop(struct asv_vsys *s)
{
	if (!s->shm)
		return;
	/*
	 * The remote goes down first and its ISR thread stops before the app
	 * tears its endpoints down (as the runner and the kernel port do): a
	 * callback still running, say one streaming messages, sees its sends
	 * fail and returns, instead of holding up the app's stop forever.
	 */
	asv_remote_shutdown(&s->remote);
	asv_posix_role_stop(&s->remote_role);
	if (s->app) {
		s->app->stop(&s->remote, s->app_state);
		s->app = NULL;
	}
	asv_posix_role_stop(&s->host_role);
	if (s->host_started)
		asv_host_deinit(&s->host);
	asv_posix_role_destroy(&s->host_role);
	asv_posix_role_destroy(&s->remote_role);
	s->host_irq->destroy(s->host_irq);
	s->remote_irq->destroy(s->remote_irq);
	free(s->app_state);
	free(s->shm);
	s->app_state = NULL;
	s->shm = NULL;
}
