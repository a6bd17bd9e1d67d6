/* SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0 */
/*
 * A single-threaded host + remote pair for the fuzz harnesses: interrupts
 * are flags, nothing blocks (wait() times out at once), so a harness can
 * let one side write fuzz bytes into what the other side reads and call
 * that side's ISR.
 */
#ifndef ASVIRT_FSYS_H
#define ASVIRT_FSYS_H

#include <stdlib.h>
#include <string.h>

#include "asvirt/errors.h"
#include "asvirt/host.h"
#include "asvirt/remote.h"
#include "asvirt/rproc.h"

struct fsys {
	uint8_t *shm;
	size_t size;
	struct asv_mem_region region;
	struct asv_rproc rproc;
	struct asv_host host;
	struct asv_remote remote;
	struct asv_env henv, renv;
	int hpend, rpend, in_h, in_r;
	uint64_t now;
};

static void f_hnotify(void *c, uint32_t id)
{
	(void)id;
	((struct fsys *)c)->rpend = 1;
}

static void f_rnotify(void *c, uint32_t id)
{
	(void)id;
	((struct fsys *)c)->hpend = 1;
}

static uint32_t f_gen(void *c)
{
	(void)c;
	return 0;
}

static int f_wait(void *c, uint32_t g, uint32_t t)
{
	(void)c;
	(void)g;
	(void)t;
	return -ASV_ETIMEDOUT;
}

static void f_wake(void *c)
{
	(void)c;
}

static bool f_in_h(void *c)
{
	return ((struct fsys *)c)->in_h;
}

static bool f_in_r(void *c)
{
	return ((struct fsys *)c)->in_r;
}

static void f_lock(void *c, enum asv_lock_id id)
{
	(void)c;
	(void)id;
}

static uint64_t f_now(void *c)
{
	return ((struct fsys *)c)->now += 1000;
}

static void *f_alloc(void *c, size_t n)
{
	(void)c;
	return calloc(1, n);
}

static void f_free(void *c, void *p)
{
	(void)c;
	free(p);
}

static int f_echo(struct asv_endpoint *e, void *d, size_t n, uint32_t src, void *priv)
{
	(void)priv;
	return asv_trysendto(e, src, d, n);
}

/* Boot both sides: table, remote, host (DRIVER_OK), link up, one echo. */
static inline int fsys_init(struct fsys *s, struct asv_endpoint *rept)
{
	struct asv_remote_config rc;
	struct asv_host_config hc;
	struct asv_rsc_config cfg;
	uint8_t table[512];
	int n;

	memset(s, 0, sizeof(*s));
	s->size = 1u << 20;
	s->shm = aligned_alloc(4096, s->size);
	if (!s->shm)
		return -1;
	memset(s->shm, 0, s->size);
	s->region = (struct asv_mem_region){ s->shm, 0x20000000u, s->size };
	s->henv = (struct asv_env){ .ctx = s,
				    .notify = f_hnotify,
				    .wait_gen = f_gen,
				    .wait = f_wait,
				    .wake = f_wake,
				    .in_isr = f_in_h,
				    .lock = f_lock,
				    .unlock = f_lock,
				    .now_ms = f_now,
				    .alloc = f_alloc,
				    .free = f_free };
	s->renv = s->henv;
	s->renv.notify = f_rnotify;
	s->renv.in_isr = f_in_r;
	asv_rsc_default_config(&cfg);
	cfg.vring_num = 16;
	cfg.trace_da = 0x20001000u;
	n = asv_rsc_build(table, sizeof(table), &cfg);
	if (n < 0 || asv_rproc_load(&s->rproc, &s->region, table, (size_t)n, &s->henv))
		return -1;
	memset(&rc, 0, sizeof(rc));
	rc.rsc_table = s->rproc.table;
	rc.rsc_size = s->rproc.table_size;
	rc.regions = &s->region;
	rc.nregions = 1;
	rc.env = s->renv;
	rc.timeout_ms = 1;
	if (asv_remote_init(&s->remote, &rc))
		return -1;
	if (asv_create_ept(&s->remote.dev, rept, "rpmsg-echo", 0x400, f_echo, NULL))
		return -1;
	memset(&hc, 0, sizeof(hc));
	asv_rproc_host_config(&s->rproc, &hc);
	hc.env = s->henv;
	hc.timeout_ms = 1;
	if (asv_host_init(&s->host, &hc))
		return -1;
	return 0;
}

/* Run pending ISRs (bounded). */
static inline void fsys_pump(struct fsys *s)
{
	int i;

	for (i = 0; i < 64 && (s->hpend || s->rpend); i++) {
		if (s->rpend) {
			s->rpend = 0;
			s->in_r = 1;
			asv_remote_isr(&s->remote);
			s->in_r = 0;
		}
		if (s->hpend) {
			s->hpend = 0;
			s->in_h = 1;
			asv_host_isr(&s->host);
			s->in_h = 0;
		}
	}
}

static inline void fsys_fini(struct fsys *s)
{
	asv_host_deinit(&s->host);
	free(s->shm);
}

/* Offset of vring @k's used ring inside the block. */
static inline size_t fsys_used_off(struct fsys *s, int k)
{
	size_t num = s->rproc.vring_num[k], align = s->rproc.vring_align[k];

	return (size_t)((uint8_t *)s->rproc.vring_va[k] - s->shm) +
	       ((16u * num + 6u + 2u * num + align - 1) & ~(align - 1));
}

/*
 * Apply fuzz input as writes: each op is 1 byte selector, 2 bytes
 * offset, 1 byte length, then that many bytes, written at area[sel] +
 * offset (clipped to the area).
 */
struct farea {
	size_t off, len;
};

static inline size_t fsys_apply(struct fsys *s, const struct farea *areas, unsigned int nareas,
				const uint8_t *d, size_t n)
{
	size_t i = 0;

	while (i + 4 <= n) {
		const struct farea *a = &areas[d[i] % nareas];
		size_t off = (size_t)(d[i + 1] | d[i + 2] << 8), len = d[i + 3] % 17;

		i += 4;
		if (d[i - 4] & 0x80) /* a pump between writes */
			fsys_pump(s);
		if (!a->len)
			continue;
		off %= a->len;
		if (len > a->len - off)
			len = a->len - off;
		if (len > n - i)
			len = n - i;
		memcpy(s->shm + a->off + off, d + i, len);
		i += len;
	}
	return i;
}

#endif
