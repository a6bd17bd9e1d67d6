/* SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0 */
/*
 * The in-process virtual AMP system: a host and one simulated remote
 * processor as threads of one process, sharing one memory block laid out
 * as Linux lays it out (loaded resource table, trace buffer, vrings,
 * rpmsg buffers). Each side has an ISR thread blocked on its notifier
 * (a semaphore): a kick or a notify is a post on the peer's semaphore.
 *
 * Every rpmsg vdev of the table is served, as Linux serves each (one
 * rproc_vdev per vdev resource, remoteproc_core.c rproc_handle_vdev): vdev
 * k gets a host and a remote of its own (its own vrings, buffers,
 * channels, drivers, locks). One interrupt line per side: with several
 * vdevs each side's ISR thread runs every instance's ISR. A callback of
 * one vdev must not register drivers, destroy endpoints or deinit on
 * another vdev (on the shared ISR thread that vdev's RX lock is skipped).
 */
#ifndef ASVIRT_VSYS_H
#define ASVIRT_VSYS_H

#include "asvirt/app.h"
#include "asvirt/host.h"
#include "asvirt/posix.h"
#include "asvirt/remote.h"
#include "asvirt/rproc.h"

#define ASV_VSYS_HOST_CPU 0
#define ASV_VSYS_REMOTE_CPU 1
#define ASV_VSYS_MAX_VDEVS ASV_RPROC_MAX_RPMSG

struct asv_vsys_config {
	const struct asv_app *app; /* firmware app; NULL: add endpoints yourself */
	/* the app on rpmsg vdev k >= 1 is more_apps[k - 1] (NULL: none) */
	const struct asv_app *more_apps[ASV_VSYS_MAX_VDEVS - 1];
	unsigned int nvdevs;   /* default table only: rpmsg vdevs; 0 = 1 */
	const void *rsc_table; /* NULL: the default table (asv_rsc_build) */
	size_t rsc_size;
	uint32_t vring_num;  /* default table only; 0 = 256 */
	bool no_event_idx;   /* default table only: offer no VIRTIO_RING_F_EVENT_IDX */
	unsigned int nbufs;  /* per direction; 0 = min(vring_num, 256) */
	size_t shm_size;     /* 0 = 1 MiB */
	uint64_t shm_da;     /* device address of the block; 0 = 0x10000000 */
	uint32_t timeout_ms; /* default send timeout of both roles; 0 = 15000 */
	asv_log_fn log;	     /* NULL: asv_posix_log_stderr */
	void *log_ctx;	     /* with log: passed to it (both roles) */
	int log_level;	     /* ASV_LOG_*; 0 (= ASV_LOG_ERR) means WARN unless: */
	bool errors_only;    /* log_level 0 really means errors only */
	asv_channel_event_fn on_channel;
	void *on_channel_priv;
	/* Adaptive interrupt: ISR threads poll this long before blocking. */
	uint32_t spin_ns;
	/*
	 * Give each side its own core, as on an AMP chip: the host's ISR thread
	 * runs on CPU 0 and the remote's on CPU 1 (when there are two). Keeps
	 * the scheduler from stacking both on one CPU at every wake-up.
	 */
	bool pin;
	/* Start the host later with asv_vsys_start_host() (tests). */
	bool defer_host;
	/* Protocol events of vdev 0's host and remote (asvirt/evrec.h), or NULL:
	 * none recorded (the default). */
	struct asv_evlog *evlog[2];
};

/* Rpmsg vdev 1, 2, ...: a host and a remote of its own (vdev 0 is in
 * struct asv_vsys itself, so the one-vdev system is laid out as before). */
struct asv_vsys_vdev {
	char gap_host[64];
	struct asv_posix_role host_role;
	struct asv_host host;
	char gap_remote[64];
	struct asv_posix_role remote_role;
	struct asv_remote remote;
	char gap_end[64];
	const struct asv_app *app;
	void *app_state;
	int host_started;
};

struct asv_vsys {
	void *shm;
	struct asv_mem_region region;
	struct asv_rproc rproc;
	struct asv_notifier *host_irq, *remote_irq;
	/*
	 * Each side's state apart from the other's by at least a cache line,
	 * whatever the alignment of the struct: the host's ISR thread writes
	 * its half per message, the remote's threads theirs, and a shared
	 * line would cost a transfer per message on both.
	 */
	char gap_host[64];
	struct asv_posix_role host_role;
	struct asv_host host;
	char gap_remote[64];
	struct asv_posix_role remote_role;
	struct asv_remote remote;
	char gap_end[64];
	const struct asv_app *app;
	void *app_state;
	struct asv_vsys_config cfg;
	int host_started;
	unsigned int nvdevs;	    /* rpmsg vdevs served */
	struct asv_vsys_vdev *more; /* vdevs 1 .. nvdevs - 1 (allocated) */
};

/* Boot: load the table, start the remote (and its app), then the host. */
int asv_vsys_start(struct asv_vsys *s, const struct asv_vsys_config *cfg);
/* The host half of start: DRIVER_OK, kick, host ISR thread. */
int asv_vsys_start_host(struct asv_vsys *s);
/* Rpmsg vdev @k's host and remote (0: s->host, s->remote), or NULL. */
struct asv_host *asv_vsys_host(struct asv_vsys *s, unsigned int k);
struct asv_remote *asv_vsys_remote(struct asv_vsys *s, unsigned int k);
/* Wait until every remote has seen DRIVER_OK (or @timeout_ms passes). */
int asv_vsys_wait_link(struct asv_vsys *s, uint32_t timeout_ms);
/* Stop the app, both ISR threads, free everything. */
void asv_vsys_stop(struct asv_vsys *s);

#endif
