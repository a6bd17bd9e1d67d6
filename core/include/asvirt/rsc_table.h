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

/* Limits we accept on input (Linux has none; ours keep parsing bounded). */
#define ASV_RSC_MAX_ENTRIES 64u
#define ASV_RSC_MAX_VRINGS 8u
/* The vdev buffer carveout Linux uses for rpmsg buffers when present. */
#define ASV_RSC_VDEV0_BUFFER "vdev0buffer"

struct asv_rsc_config {
	uint32_t vring_num;	 /* entries per vring, power of two; default 256 */
	uint32_t vring_align[2]; /* per vring, power of two; default 4096 */
	uint32_t vring_da[2];	 /* ASV_FW_RSC_ADDR_ANY lets the host choose */
	uint32_t features;	 /* default 1 << ASV_VIRTIO_RPMSG_F_NS */
	uint32_t trace_len;	 /* 0: no trace entry */
	uint32_t trace_da;
	uint32_t buf_len; /* 0: no "vdev0buffer" carveout entry */
	uint32_t buf_da;
};

/* Fill @cfg with the defaults above (both vrings and buffers at ANY). */
void asv_rsc_default_config(struct asv_rsc_config *cfg);

/*
 * Write a table into @buf: entries in the order carveout "vdev0buffer"
 * (if buf_len), trace "trace0" (if trace_len), vdev (rpmsg, 2 vrings).
 * Returns the table size in bytes, or -ASV_EINVAL / -ASV_EOVERFLOW when
 * @cfg is invalid or @size too small. A NULL @buf returns the size needed.
 */
int asv_rsc_build(void *buf, size_t size, const struct asv_rsc_config *cfg);

/*
 * Check every offset, length and count of a table of @size bytes: version
 * 1, entry count, each offset inside the table and aligned to 4, each
 * entry's fixed part and (vdev) its vrings and config space inside the
 * table, known types (vendor types 128..511 are skipped), at most one
 * rpmsg vdev. Returns 0, or -ASV_EINVAL with the reason logged via @env
 * (may be NULL). @table must be 4-byte aligned (copy a table found at an
 * arbitrary file offset first, as the ELF loader does).
 */
int asv_rsc_validate(const void *table, size_t size, const struct asv_env *env);

/* Queries on a validated table: pointer to the entry body or NULL. */
struct asv_fw_rsc_vdev *asv_rsc_find_vdev(void *table, uint32_t virtio_id);
struct asv_fw_rsc_trace *asv_rsc_find_trace(void *table, unsigned int index);
struct asv_fw_rsc_carveout *asv_rsc_find_carveout(void *table, const char *name);

#endif /* ASVIRT_RSC_TABLE_H */
