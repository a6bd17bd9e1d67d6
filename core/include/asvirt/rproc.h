/* SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0 */
/*
 * Host-side resource handling, as Linux's remoteproc core does it before
 * the virtio device starts: copy the firmware's resource table into the
 * shared block (the "loaded table"), allocate every carveout, trace buffer
 * and vring declared at FW_RSC_ADDR_ANY, check every fixed address, assign
 * notify ids 0, 1, ... and write all of it back into the loaded table.
 *
 * Every fixed range (carveouts, vrings, a trace outside any carveout) is
 * reserved before anything is allocated, so nothing placed at ANY lands on
 * a range the firmware fixed; fixed ranges that overlap each other or the
 * loaded table are refused.
 */
#ifndef ASVIRT_RPROC_H
#define ASVIRT_RPROC_H

#include "asvirt/host.h"
#include "asvirt/rsc_table.h"

/*
 * Rpmsg vdevs a load serves: each its own vrings, notify ids and buffers
 * (Linux makes one rproc_vdev per vdev resource, remoteproc_core.c
 * rproc_handle_vdev). Further ones are placed but not served.
 */
#define ASV_RPROC_MAX_RPMSG 4u

/* Ranges a load can reserve: the table, two per entry, each vdev's buffers. */
#define ASV_RPROC_MAX_RANGES (2u * ASV_RSC_MAX_ENTRIES + 1u + ASV_RPROC_MAX_RPMSG)

/* One reserved range of device addresses, [lo, hi), and what holds it. */
struct asv_rproc_range {
	uint64_t lo, hi;
	char what[ASV_RSC_NAME_SIZE];
};

/* One rpmsg vdev as placed: what a host serving it needs. */
struct asv_rproc_vdev {
	struct asv_fw_rsc_vdev *vdev; /* in the loaded table */
	unsigned int index;	      /* among all vdevs: Linux's rvdev->index */
	void *vring_va[2];
	uint32_t vring_num[2];
	uint32_t vring_align[2];
	uint32_t notifyid[2];
	struct asv_mem_region bufs; /* "vdev<index>buffer" carveout, or allocated */
};

struct asv_rproc {
	struct asv_mem_region shm; /* the whole shared block */
	/* every range placed so far (private: the allocator's map) */
	struct asv_rproc_range range[ASV_RPROC_MAX_RANGES];
	unsigned int nranges;
	void *table; /* the loaded table, at the start of shm */
	size_t table_size;
	/* every served rpmsg vdev, in table order */
	struct asv_rproc_vdev rpmsg[ASV_RPROC_MAX_RPMSG];
	unsigned int nrpmsg;
	/* the first rpmsg vdev's, as in rpmsg[0] (single-vdev shorthand) */
	struct asv_fw_rsc_vdev *vdev;
	void *vring_va[2];
	uint32_t vring_num[2];
	uint32_t vring_align[2];
	uint32_t notifyid[2];
	unsigned int vdev_index;
	struct asv_mem_region bufs;
	uint32_t next_notifyid; /* notify ids go to every vdev's vrings */
	void *trace_va;
	uint32_t trace_len;
};

/*
 * Load @fw_table (@size bytes, untrusted) into @shm. Returns 0,
 * -ASV_EINVAL (bad table, no rpmsg vdev), -ASV_ENOMEM (does not fit),
 * -ASV_EFAULT (a fixed address outside the block); the reason is logged.
 */
int asv_rproc_load(struct asv_rproc *rp, const struct asv_mem_region *shm, const void *fw_table,
		   size_t size, const struct asv_env *env);

/* Fill the vring/buffer part of a host config from a loaded rproc: for
 * its first rpmsg vdev, or (_vdev) its @k-th, 0 or -ASV_EINVAL (no such). */
void asv_rproc_host_config(const struct asv_rproc *rp, struct asv_host_config *cfg);
int asv_rproc_host_config_vdev(const struct asv_rproc *rp, unsigned int k,
			       struct asv_host_config *cfg);

#endif /* ASVIRT_RPROC_H */
