// SPDX-License-Identifier: GPL-2.0
/*
 * asvirt_remoteproc: debugfs remoteprocN/asvirt_vq_counts, the per-vring
 * notification counters (see asvirt_vq_counts.h).
 *
 * Reading prints one line per notify id that belongs to a vring of the
 * running firmware or has counted anything since the last reset:
 *
 *   vdev 0 vring 0 notifyid 0 kicks 3 notifies 2001 irqs 1990 irqs_work 1990
 *
 * "vdev V vring I" is the vring's place in the resource table (for an
 * rpmsg vdev, vring 0 carries MCU -> host messages, vring 1 host -> MCU);
 * "vdev - vring -" marks an id no running vdev uses. Writing 0 resets
 * every counter (one at a time: counts racing the reset may survive it).
 */
#include <linux/debugfs.h>
#include <linux/remoteproc.h>
#include <linux/seq_file.h>

#include "asvirt_vq_counts.h"

/* Where @id lives among @rproc's vdevs; false if nowhere. rproc->lock held. */
static bool asvirt_vq_find(struct rproc *rproc, int id, int *vdev, int *vring)
{
	struct rproc_vdev *rvdev;
	int i;

	list_for_each_entry(rvdev, &rproc->rvdevs, node) {
		for (i = 0; i < ARRAY_SIZE(rvdev->vring); i++) {
			if (rvdev->vring[i].notifyid == id) {
				*vdev = rvdev->index;
				*vring = i;
				return true;
			}
		}
	}
	return false;
}

static int asvirt_vq_counts_show(struct seq_file *s, void *unused)
{
	struct asvirt_vq_counts *c = s->private;
	int id, vdev, vring, ret;

	/* The vdev list changes only under rproc->lock (boot, shutdown). */
	ret = mutex_lock_interruptible(&c->rproc->lock);
	if (ret)
		return ret;
	for (id = 0; id < ASVIRT_MAX_NOTIFYID; id++) {
		struct asvirt_vq_count *v = &c->vq[id];
		long kicks = atomic_long_read(&v->kicks);
		long notifies = atomic_long_read(&v->notifies);
		long irqs = atomic_long_read(&v->irqs);
		long work = atomic_long_read(&v->irqs_work);
		bool known = asvirt_vq_find(c->rproc, id, &vdev, &vring);

		if (!known && !kicks && !notifies && !irqs)
			continue;
		if (known)
			seq_printf(s, "vdev %d vring %d ", vdev, vring);
		else
			seq_puts(s, "vdev - vring - ");
		seq_printf(s, "notifyid %d kicks %ld notifies %ld irqs %ld irqs_work %ld\n",
			   id, kicks, notifies, irqs, work);
	}
	mutex_unlock(&c->rproc->lock);
	return 0;
}

static int asvirt_vq_counts_open(struct inode *inode, struct file *file)
{
	return single_open(file, asvirt_vq_counts_show, inode->i_private);
}

static ssize_t asvirt_vq_counts_write(struct file *file, const char __user *buf,
				      size_t count, loff_t *ppos)
{
	struct asvirt_vq_counts *c = ((struct seq_file *)file->private_data)->private;
	unsigned int val, id;
	int ret;

	ret = kstrtouint_from_user(buf, count, 0, &val);
	if (ret)
		return ret;
	if (val)
		return -EINVAL;
	for (id = 0; id < ASVIRT_MAX_NOTIFYID; id++) {
		atomic_long_set(&c->vq[id].kicks, 0);
		atomic_long_set(&c->vq[id].notifies, 0);
		atomic_long_set(&c->vq[id].irqs, 0);
		atomic_long_set(&c->vq[id].irqs_work, 0);
	}
	return count;
}

static const struct file_operations asvirt_vq_counts_fops = {
	.owner = THIS_MODULE,
	.open = asvirt_vq_counts_open,
	.read = seq_read,
	.write = asvirt_vq_counts_write,
	.llseek = seq_lseek,
	.release = single_release,
};

struct dentry *asvirt_vq_counts_debugfs(struct asvirt_vq_counts *c,
					struct rproc *rproc)
{
	c->rproc = rproc;
	return debugfs_create_file("asvirt_vq_counts", 0600, rproc->dbg_dir, c,
				   &asvirt_vq_counts_fops);
}
