/* SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0 */
/*
 * Resource table (remoteproc): build the table a firmware carries, and
 * validate and query a table that came from a file or shared memory.
 * A table is untrusted input until asv_rsc_validate() accepted it; the
 * query functions assume a validated table of the same size.
 */
#ifndef ASVIRT_RSC_TABLE_H
#define ASVIRT_RSC_TABLE_H

#include "asvirt/env.h"
#include "asvirt/wire.h"

/* Limit we accept on input (Linux has none; ours keeps parsing bounded). */
#define ASV_RSC_MAX_ENTRIES 64u
/* Vrings per vdev: Linux 6.1 refuses more (rproc_handle_vdev, "too many
 * vrings", ARRAY_SIZE(rvdev->vring) == 2). */
#define ASV_RSC_MAX_VRINGS 2u
/* The vdev buffer carveout Linux uses for rpmsg buffers when present
 * (the first vdev's; see asv_rsc_vdev_buffer_name for the others). */
#define ASV_RSC_VDEV0_BUFFER "vdev0buffer"

/*
 * Linux does not allocate a trace buffer declared at FW_RSC_ADDR_ANY
 * (rproc_handle_trace records its da; debugfs later finds it with
 * rproc_da_to_va), so the default table and the firmware template fix the
 * trace's da inside a carveout of their own, "trace0mem", which both Linux
 * and asvirt's hosts map: at the page after the loaded table in a block
 * at ASV_SHM_DA_DEFAULT, the device address asvirt's hosts use by default.
 */
#define ASV_SHM_DA_DEFAULT 0x10000000u
#define ASV_RSC_TRACE_DA (ASV_SHM_DA_DEFAULT + 0x1000u)
#define ASV_RSC_TRACE_CARVEOUT "trace0mem"

struct asv_rsc_config {
	uint32_t vring_num;	 /* entries per vring, power of two; default 256 */
	uint32_t vring_align[2]; /* per vring, power of two; default 4096 */
	uint32_t vring_da[2];	 /* ASV_FW_RSC_ADDR_ANY lets the host choose */
	uint32_t features;	 /* default F_NS and RING_F_EVENT_IDX */
	uint32_t trace_len;	 /* 0: no trace entry */
	uint32_t trace_da;	 /* default ASV_RSC_TRACE_DA */
	/* nonzero (default): a carveout "trace0mem" holds a fixed trace */
	uint32_t trace_carveout;
	uint32_t vdev_notifyid; /* the vdev's own notify id; default 0 */
	uint32_t buf_len;	/* 0: no "vdev0buffer" carveout entry */
	uint32_t buf_da;
	/*
	 * rpmsg vdevs, each with its own vrings (as above) and, with buf_len,
	 * its own "vdev<k>buffer" (at buf_da + k * buf_len when buf_da is
	 * fixed); 0 = 1. At most ASV_RSC_BUILD_MAX_VDEVS.
	 */
	uint32_t nvdevs;
};

#define ASV_RSC_BUILD_MAX_VDEVS 4u

/* Fill @cfg with the defaults above (vrings and buffers at ANY, the trace
 * fixed at ASV_RSC_TRACE_DA in its carveout). */
void asv_rsc_default_config(struct asv_rsc_config *cfg);

/*
 * Write a table into @buf: entries in the order carveout "vdev0buffer"
 * (if buf_len; then "vdev1buffer", ... with nvdevs), carveout "trace0mem"
 * (if trace_len, trace_carveout and a fixed trace_da), trace "trace0" (if
 * trace_len), vdev (rpmsg, 2 vrings; nvdevs of them).
 * Returns the table size in bytes, or -ASV_EINVAL / -ASV_EOVERFLOW when
 * @cfg is invalid or @size too small. A NULL @buf returns the size needed.
 */
int asv_rsc_build(void *buf, size_t size, const struct asv_rsc_config *cfg);

/*
 * Check every offset, length and count of a table of @size bytes, refusing
 * what Linux 6.1 refuses: version 1, zero reserved words in the header and
 * in every carveout, devmem, trace and vdev entry, at most two vrings per
 * vdev, each entry's fixed part and (vdev) its vrings and config space
 * inside the table. Unknown types (4..127, above 512) and vendor types
 * (128..512) are skipped with a warning, as Linux does. Beyond Linux, for
 * our own safety: each offset inside the table, past the header and aligned
 * to 4; an rpmsg vdev has two vrings, each num a power of two <= 32768 and
 * align a power of two, and a fixed vring da a multiple of its align.
 * Returns 0, or -ASV_EINVAL with the reason logged via @env (may be NULL).
 * @table must be 4-byte aligned (copy a table found at an arbitrary file
 * offset first, as the ELF loader does).
 */
int asv_rsc_validate(const void *table, size_t size, const struct asv_env *env);

/* Queries on a validated table: pointer to the entry body or NULL. */
struct asv_fw_rsc_vdev *asv_rsc_find_vdev(void *table, uint32_t virtio_id);
struct asv_fw_rsc_trace *asv_rsc_find_trace(void *table, unsigned int index);
struct asv_fw_rsc_carveout *asv_rsc_find_carveout(void *table, const char *name);

/*
 * The @k-th rpmsg vdev (virtio id 7) of a validated table, counting from 0,
 * or NULL. *@index (may be NULL) gets its index among all vdevs of the
 * table, whatever their id: Linux's rvdev->index (remoteproc_core.c
 * rproc_handle_vdev, "rvdev_data.index = rproc->nb_vdev++"), which names
 * the vdev's carveouts.
 */
struct asv_fw_rsc_vdev *asv_rsc_find_rpmsg_vdev(void *table, unsigned int k, unsigned int *index);

/*
 * "vdev<index>buffer" into @out (ASV_RSC_NAME_SIZE bytes): the carveout
 * Linux takes a vdev's buffers from (remoteproc_virtio.c
 * rproc_add_virtio_dev, rproc_find_carveout_by_name(rproc,
 * "vdev%dbuffer", rvdev->index)).
 */
void asv_rsc_vdev_buffer_name(char *out, unsigned int index);

#endif /* ASVIRT_RSC_TABLE_H */
