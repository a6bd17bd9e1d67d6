/* SPDX-License-Identifier: GPL-2.0 */
/*
 * asvirt_remoteproc: per-vring notification counters (debugfs
 * remoteprocN/asvirt_vq_counts), to see how many kicks and interrupts
 * each message costs against Linux's virtio_rpmsg_bus.
 *
 * Counted on the hot paths with one atomic increment each, no lock:
 *   kicks      host -> MCU: rproc_virtio_notify() calls our .kick
 *   notifies   MCU -> host: the MCU raises the host's interrupt line
 *   irqs       rproc_vq_interrupt() calls by the host's ISR thread (fewer
 *              than notifies when several arrive before it runs)
 *   irqs_work  of those, the ones that found used buffers (IRQ_HANDLED;
 *              vring_interrupt() returns IRQ_NONE when !more_used())
 */
#ifndef ASVIRT_VQ_COUNTS_H
#define ASVIRT_VQ_COUNTS_H

#include <linux/atomic.h>
#include <linux/interrupt.h>

/* Notify ids the driver handles (the host's pending set is one long). */
#define ASVIRT_MAX_NOTIFYID	BITS_PER_LONG

struct rproc;
struct dentry;

struct asvirt_vq_count {
	atomic_long_t kicks;
	atomic_long_t notifies;
	atomic_long_t irqs;
	atomic_long_t irqs_work;
};

struct asvirt_vq_counts {
	struct rproc *rproc;	/* its vdevs name the notify ids */
	struct asvirt_vq_count vq[ASVIRT_MAX_NOTIFYID];
};

/* The callers check 0 <= id < ASVIRT_MAX_NOTIFYID. */
static inline void asvirt_vq_count_kick(struct asvirt_vq_counts *c, int id)
{
	atomic_long_inc(&c->vq[id].kicks);
}

static inline void asvirt_vq_count_notify(struct asvirt_vq_counts *c, int id)
{
	atomic_long_inc(&c->vq[id].notifies);
}

static inline void asvirt_vq_count_irq(struct asvirt_vq_counts *c, int id,
				       irqreturn_t ret)
{
	atomic_long_inc(&c->vq[id].irqs);
	if (ret == IRQ_HANDLED)
		atomic_long_inc(&c->vq[id].irqs_work);
}

struct dentry *asvirt_vq_counts_debugfs(struct asvirt_vq_counts *c,
					struct rproc *rproc);

#endif
