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

/* Ranges a load can reserve: the table, two per entry, the buffers. */
#define ASV_RPROC_MAX_RANGES (2u * ASV_RSC_MAX_ENTRIES + 2u)

/* One reserved range of device addresses, [lo, hi), and what holds it. */
struct asv_rproc_range {
	uint64_t lo, hi;
	char what[ASV_RSC_NAME_SIZE];
};

struct asv_rproc {
	struct asv_mem_region shm; /* the whole shared block */
	/* every range placed so far (private: the allocator's map) */
	struct asv_rproc_range range[ASV_RPROC_MAX_RANGES];
	unsigned int nranges;
	void *table; /* the loaded table, at the start of shm */
	size_t table_size;
	struct asv_fw_rsc_vdev *vdev;
	void *vring_va[2];
	uint32_t vring_num[2];
	uint32_t vring_align[2];
	uint32_t notifyid[2];
	uint32_t next_notifyid;	    /* notify ids go to every vdev's vrings */
	unsigned int vdev_index;    /* of the served vdev among all vdevs */
	unsigned int nrpmsg;	    /* rpmsg vdevs in the table */
	struct asv_mem_region bufs; /* vdev0buffer carveout, or allocated */
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

/* Fill the vring/buffer part of a host config from a loaded rproc. */
void asv_rproc_host_config(const struct asv_rproc *rp, struct asv_host_config *cfg);

#endif /* ASVIRT_RPROC_H */
