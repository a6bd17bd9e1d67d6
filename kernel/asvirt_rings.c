// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs remoteprocN/asvirt_rings: one line per vring of the running
 * MCU, read under rproc->lock (held across rproc_stop(), so the rings are
 * not freed meanwhile) and only while the MCU's link is up (the core's
 * ring pointers are set). A snapshot taken without the MCU's locks: the
 * values may be from slightly different instants, which is what a stalled
 * ring does not care about.
 */
#include <linux/debugfs.h>
#include <linux/remoteproc.h>
#include <linux/seq_file.h>

#include "asvirt_mcu.h"
#include "asvirt_rings.h"

struct asvirt_rings {
	struct rproc *rproc;
	struct asvirt_mcu *mcu;
};

static void ring_show(struct seq_file *s, const char *name, const struct asv_vring *vr)
{
	u16 num = READ_ONCE(vr->num);

	seq_printf(s, "%s num %u avail idx %u flags 0x%x used idx %u flags 0x%x", name, num,
		   le16_to_cpu(READ_ONCE(vr->avail->idx)),
		   le16_to_cpu(READ_ONCE(vr->avail->flags)),
		   le16_to_cpu(READ_ONCE(vr->used->idx)),
		   le16_to_cpu(READ_ONCE(vr->used->flags)));
	if (READ_ONCE(vr->event_idx))
		seq_printf(s, " peer_event %u own_event %u",
			   le16_to_cpu(READ_ONCE(*vr->peer_event)),
			   le16_to_cpu(READ_ONCE(*vr->own_event)));
	seq_printf(s, " | mcu last_seen %u shadow_idx %u peer_idx %u signalled_idx %u\n",
		   READ_ONCE(vr->last_seen), READ_ONCE(vr->shadow_idx), READ_ONCE(vr->peer_idx),
		   READ_ONCE(vr->signalled_idx));
}

static int asvirt_rings_show(struct seq_file *s, void *unused)
{
	struct asvirt_rings *r = s->private;
	struct asvirt_mcu *m = r->mcu;
	int ret;

	ret = mutex_lock_interruptible(&r->rproc->lock);
	if (ret)
		return ret;
	/* the rings exist while the host runs or is attached (attach=1) */
	if ((r->rproc->state != RPROC_RUNNING && r->rproc->state != RPROC_ATTACHED) ||
	    !READ_ONCE(m->linked)) {
		seq_puts(s, "not running\n");
	} else {
		/* vring0 MCU -> host (the MCU uses its buffers), vring1 host -> MCU */
		ring_show(s, "vring0", &m->remote.tx_vr);
		ring_show(s, "vring1", &m->remote.rx_vr);
	}
	mutex_unlock(&r->rproc->lock);
	return 0;
}

static int asvirt_rings_open(struct inode *inode, struct file *file)
{
	return single_open(file, asvirt_rings_show, inode->i_private);
}

static const struct file_operations asvirt_rings_fops = {
	.owner = THIS_MODULE,
	.open = asvirt_rings_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = single_release,
};

struct dentry *asvirt_rings_debugfs(struct rproc *rproc, struct asvirt_mcu *m)
{
	struct asvirt_rings *r = devm_kzalloc(rproc->dev.parent, sizeof(*r), GFP_KERNEL);

	if (!r)
		return NULL;
	r->rproc = rproc;
	r->mcu = m;
	return debugfs_create_file("asvirt_rings", 0400, rproc->dbg_dir, r, &asvirt_rings_fops);
}
