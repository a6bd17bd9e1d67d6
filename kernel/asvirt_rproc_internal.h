/* SPDX-License-Identifier: GPL-2.0 */
/*
 * remoteproc functions that are exported (EXPORT_SYMBOL) but declared only
 * in the kernel's private drivers/remoteproc/remoteproc_internal.h, which an
 * out-of-tree module cannot include.
 */
#ifndef ASVIRT_RPROC_INTERNAL_H
#define ASVIRT_RPROC_INTERNAL_H

#include <linux/firmware.h>
#include <linux/interrupt.h>
#include <linux/remoteproc.h>

irqreturn_t rproc_vq_interrupt(struct rproc *rproc, int vq_id);
int rproc_elf_sanity_check(struct rproc *rproc, const struct firmware *fw);
u64 rproc_elf_get_boot_addr(struct rproc *rproc, const struct firmware *fw);
int rproc_elf_load_segments(struct rproc *rproc, const struct firmware *fw);
int rproc_elf_load_rsc_table(struct rproc *rproc, const struct firmware *fw);
struct resource_table *rproc_elf_find_loaded_rsc_table(struct rproc *rproc,
						       const struct firmware *fw);

/* A simulated interrupt line starts lowered: no pending interrupt. */
#define ASVIRT_IRQ_LOWERED	0

#endif
