/* SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0 */
/*
 * The separate-process transport: one memfd shared by the host and a
 * firmware runner. Page 0 is this control page; the rest is the rproc
 * region (loaded resource table, trace buffer, vrings, rpmsg buffers) at
 * device address ctl.region_da. The host writes the layout fields before
 * starting the runner; the runner only writes heartbeat/state/pid. Both
 * sides treat everything the other writes as untrusted.
 */
#ifndef ASVIRT_SHMCTL_H
#define ASVIRT_SHMCTL_H

#include <stdint.h>

#define ASV_SHM_MAGIC 0x4d485341u /* "ASHM" */
#define ASV_SHM_VERSION 1u
#define ASV_SHM_CTL_SIZE 4096u

enum asv_doorbell_kind {
	ASV_DOORBELL_EVENTFD = 1,
	ASV_DOORBELL_FUTEX = 2,
};

/* Runner states (ctl.state). */
enum asv_runner_state {
	ASV_RUNNER_BOOTING = 0,
	ASV_RUNNER_RUNNING = 1, /* app started, ISR thread up */
	ASV_RUNNER_FAILED = 2,	/* could not start: see the trace / stderr */
};

/* A doorbell word and its "a waiter may sleep" flag, on its own line. */
struct asv_shm_futex {
	uint32_t word;
	uint32_t sleeping;
	uint32_t pad[14];
};

struct asv_shm_ctl {
	uint32_t magic;
	uint32_t version;
	uint64_t shm_size; /* whole memfd */
	uint64_t region_off;
	uint64_t region_size;
	uint64_t region_da;
	uint32_t table_size; /* the loaded table sits at region offset 0 */
	uint32_t doorbell;   /* enum asv_doorbell_kind */
	/* As QEMU's ivshmem-doorbell BAR2 (asvirt up --linux): the ivshmem peer
	 * id of the remote, whose doorbell the guest rings (kernel/asvirt_ivshmem.c
	 * reads the header at these offsets). */
	uint32_t ivshmem_peer;
	/* The vrings the host kicked since the runner last looked: bit
	 * notifyid, set by the host before it raises remote_db, taken (and
	 * cleared) by the runner of a board-level image (asvirt/board.h). */
	uint32_t remote_kicked;
	/* asvirt up --linux on a guest that can take a vdev0buffer carveout
	 * (ARM virt, asvirt up --linux --arch arm): Linux's rpmsg buffers sit
	 * in the block, bufs_size bytes at offset bufs_off, outside the region
	 * (kernel/asvirt_ivshmem.c registers them as vdev0buffer). 0 and 0
	 * otherwise: the buffers are in the guest's RAM. */
	uint32_t bufs_off;
	uint32_t bufs_size;
	uint32_t pad0[2];
	struct asv_shm_futex host_db;	/* raised by the remote */
	struct asv_shm_futex remote_db; /* raised by the host */
	/* written by the runner */
	uint32_t heartbeat; /* bumped by the runner's ISR thread */
	uint32_t state;
	int32_t pid;
	int32_t error;
	/* A fatal error report: a board-level firmware's, or a fault plan's
	 * crash (NUL-terminated by the runner; the host copies it and
	 * terminates its copy), then the runner exits with
	 * ASV_RUNNER_EXIT_FATAL. */
	char fatal[160];
};

/* The runner's exit status after a firmware's fatal error report. */
#define ASV_RUNNER_EXIT_FATAL 7

/* The layout the host wrote into the control page, as the runner uses it. */
struct asv_shm_layout {
	uint64_t region_off;
	uint64_t region_size;
	uint64_t region_da;
	uint32_t table_size;
	uint32_t bufs_off; /* bufs_size 0: no buffer carveout in the block */
	uint32_t bufs_size;
};

/*
 * The runner's side: read the host-written layout fields of @ctl once each
 * into @out and check them against the block's real size @shm_size (the
 * host can still write the page). 0, or -ASV_EINVAL when they do not
 * describe a region inside the block holding the table, and (when
 * bufs_size is not 0) a buffer carveout inside the block that overlaps
 * neither the control page nor the region.
 */
int asv_shm_ctl_read(const struct asv_shm_ctl *ctl, uint64_t shm_size, struct asv_shm_layout *out);

/* Doorbells for the separate-process transport (asvirt/notifier.h). */
struct asv_notifier;
/* A fresh eventfd (close-on-exec, owned); its fd in *@fd_out. */
struct asv_notifier *asv_notifier_eventfd_create(int *fd_out);
/* Wrap an inherited eventfd; closed on destroy when @take_ownership. */
struct asv_notifier *asv_notifier_eventfd_open(int fd, int take_ownership);
/* A futex doorbell on @f, in a block that started zeroed. */
struct asv_notifier *asv_notifier_futex_create(struct asv_shm_futex *f);

#endif
