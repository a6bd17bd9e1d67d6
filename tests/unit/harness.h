/* SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0 */
/*
 * Test harness: a log capture, a shared block with guard pages, and a
 * "manual system" (msys) where host and remote run in the test's own
 * thread: interrupts are counters and msys_pump() runs each side's ISR
 * until both are idle. Deterministic, so protocol and hostile-peer tests
 * can corrupt shared memory between two precise steps.
 */
#ifndef ASVIRT_TEST_HARNESS_H
#define ASVIRT_TEST_HARNESS_H

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include <cmocka.h>

#include "asvirt/errors.h"
#include "asvirt/host.h"
#include "asvirt/remote.h"
#include "asvirt/rproc.h"
#ifdef ASVIRT_CORTEX_M
/* On the target (tests/target): no POSIX port; its clock is SysTick. */
uint64_t asv_posix_now_ms(void);
#else
#include "asvirt/vsys.h"
#endif

/* ---- log capture ---- */
#define LOGCAP_LINES 64
struct logcap {
	pthread_mutex_t mu;
	const char *who;
	unsigned int n; /* lines seen in total */
	char line[LOGCAP_LINES][256];
};
void logcap_init(struct logcap *l, const char *who);
void logcap_fn(void *ctx, int level, const char *msg);
/* Does any captured line contain @needle? */
int logcap_has(struct logcap *l, const char *needle);
void logcap_clear(struct logcap *l);

/* ---- shared block with PROT_NONE guard pages on both sides ---- */
void *guarded_alloc(size_t size);
void guarded_free(void *p, size_t size);

/* ---- manual system ---- */
struct msys_opts {
	uint32_t vring_num; /* 0 = 256 */
	unsigned int nbufs; /* 0 = default */
	int no_ns;	    /* offer no name service */
	int host_features;  /* 0 = default */
	/* VIRTIO_RING_F_EVENT_IDX offered: 1 yes, -1 no, 0 as the
	 * environment says (ASVIRT_EVENT_IDX=0: no; default yes) */
	int event_idx;
	/* the table to load; NULL = asv_rsc_default_config() */
	const struct asv_rsc_config *rsc;
	/* the remote's asv_remote_config.on_link, link_priv */
	void (*on_link)(struct asv_remote *r, bool up, void *priv);
	void *link_priv;
};

/* The default table offers EVENT_IDX unless ASVIRT_EVENT_IDX=0: ctest runs
 * the ring suites once each way. */
bool msys_event_idx_default(void);
/*
 * Does this side of @vr ask its peer for notifications right now, as the
 * peer would read it: the flag clear, or under EVENT_IDX its event index at
 * the next entry it has not consumed. @driver: the host's side of the ring.
 */
#ifndef ASVIRT_CORTEX_M
/* asv_vsys_start() with the default table offering EVENT_IDX as
 * msys_event_idx_default() says. */
int test_vsys_start(struct asv_vsys *s, const struct asv_vsys_config *cfg);
#endif
bool vring_asks_notify(const struct asv_vring *vr, bool driver);

/* Device address of the msys shared block (1 MiB). */
#define MSYS_DA 0x20000000u

struct msys {
	void *shm;
	size_t size;
	struct asv_mem_region region;
	struct asv_rproc rproc;
	struct asv_host host;
	struct asv_remote remote;
	struct asv_env henv, renv;
	int host_pending, remote_pending; /* interrupts raised, not handled */
	int host_irqs, remote_irqs;	  /* total raised */
	int in_host_isr, in_remote_isr;
	struct logcap hlog, rlog;
};

/* Load the table, init the remote, then the host (DRIVER_OK + kick). */
int msys_init(struct msys *m, const struct msys_opts *o);
/* Init up to remote only: the host is started with msys_start_host(). */
int msys_init_remote(struct msys *m, const struct msys_opts *o);
int msys_start_host(struct msys *m, const struct msys_opts *o);
/* Run both ISRs until no interrupt is pending (bounded). */
void msys_pump(struct msys *m);
void msys_fini(struct msys *m);
/*
 * msys_init (defaults), pumped to link-up, plus a host endpoint at 0x500
 * (*h, callback @cb with @hpriv) and a remote one at 0x600 (@re, @rpriv).
 */
int msys_pair_init(struct msys *m, struct asv_endpoint **h, struct asv_endpoint *re, asv_rx_cb cb,
		   void *hpriv, void *rpriv);

/* Wait until the atomic counter *@v reaches @want: 0, or -1 after @ms. */
int wait_atleast(unsigned int *v, unsigned int want, unsigned int ms);

/* How heavy the stress tests are: @full, or a tenth of it with
 * ASVIRT_TEST_SCALE=tenth (and on the Cortex-M board). */
unsigned long test_count(unsigned long full);

#endif
