// SPDX-License-Identifier: GPL-2.0
/*
 * asvirt_remoteproc - a virtual remote processor for remoteproc/rpmsg
 *
 * A remoteproc driver whose remote processor is simulated inside the
 * kernel: the "MCU" is a kernel thread running the asvirt portable core's
 * remote role and an app chosen by the firmware file (port/linux-kernel/).
 * Each side has an interrupt-service thread blocked on a semaphore: the
 * host's kick ups the MCU's semaphore, the MCU's notify ups the host's,
 * whose thread calls rproc_vq_interrupt().
 *
 * Firmware is an ELF file with a .resource_table section and an
 * .asvirt_app section naming the app, loaded into the MCU's SRAM at
 * device address ASVIRT_SRAM_DA.
 */
#include <linux/debugfs.h>
#include <linux/elf.h>
#include <linux/firmware.h>
#include <linux/interrupt.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/of.h>
#include <linux/platform_device.h>
#include <linux/remoteproc.h>
#include <linux/semaphore.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "asvirt_fault.h"
#include "asvirt_kcompat.h"
#include "asvirt_mcu.h"
#include "asvirt_rings.h"
#include "asvirt_rproc_internal.h"
#include "asvirt_vq_counts.h"


#define ASVIRT_SRAM_DA		0x20000000u
#define ASVIRT_SRAM_SIZE	SZ_64K
#define ASVIRT_APP_SECTION	".asvirt_app"
#define ASVIRT_APP_NAME_LEN	32
#define ASVIRT_DRV_NAME		"asvirt-rproc"

static unsigned int nr_remotes = 1;
module_param(nr_remotes, uint, 0444);
MODULE_PARM_DESC(nr_remotes, "virtual remotes to create when no DT node exists (default 1)");

static char *firmware = "asvirt-echo.elf";
module_param(firmware, charp, 0444);
MODULE_PARM_DESC(firmware, "default firmware file of the created remotes");

static bool auto_boot = true;
module_param(auto_boot, bool, 0444);
MODULE_PARM_DESC(auto_boot, "boot the remotes as soon as they are registered (default Y)");

static bool attach;
module_param(attach, bool, 0444);
MODULE_PARM_DESC(attach,
		 "play the bootloader: load and start each MCU at probe, Linux attaches to it (default N)");

#define ASVIRT_RSC_SECTION	".resource_table"

struct asvirt_rproc {
	struct rproc *rproc;
	struct device *dev;
	void *sram;
	char app[ASVIRT_APP_NAME_LEN];
	struct asvirt_mcu mcu;
	struct asvirt_mcu_fault fault;	/* test: the MCU's fault plan */
	struct rproc_subdev quiesce;
	bool quiesce_added;
	/* the host's interrupt line, raised by the MCU */
	struct semaphore host_irq;
	unsigned long host_pending;
	struct task_struct *host_isr;
	bool host_stopping;
	bool host_paused;	/* test: the host's interrupt line masked */
	struct dentry *crash_file;
	struct dentry *bad_addr_file;
	struct dentry *pause_file;
	struct dentry *table_race_file;
	struct dentry *host_pause_file;
	struct dentry *flood_file;
	struct dentry *stats_file;
	struct dentry *fault_file;
	struct dentry *vq_counts_file;
	struct dentry *rings_file;
	struct asvirt_vq_counts vq_counts;
	bool table_race;	/* test: armed for the next start */
	/* attach mode: the table the MCU booted with, in its SRAM */
	struct resource_table *boot_table;
	size_t boot_table_sz;
};

/* ---- host side: the simulated interrupt from the MCU ---- */

static void asvirt_notify_host(void *ctx, u32 notifyid)
{
	struct asvirt_rproc *ar = ctx;

	if (notifyid >= ASVIRT_MAX_NOTIFYID) {
		dev_err_ratelimited(ar->dev, "MCU notified unknown vring %u\n", notifyid);
		return;
	}
	asvirt_vq_count_notify(&ar->vq_counts, notifyid);
	set_bit(notifyid, &ar->host_pending);
	up(&ar->host_irq);
}

/* The MCU faulted on its own (e.g. refused a bad address): recover it. */
static void asvirt_mcu_fatal(void *ctx)
{
	struct asvirt_rproc *ar = ctx;

	rproc_report_crash(ar->rproc, RPROC_FATAL_ERROR);
}

static int asvirt_host_isr(void *data)
{
	struct asvirt_rproc *ar = data;
	unsigned long pending;
	int id;

	while (!READ_ONCE(ar->host_stopping)) {
		down(&ar->host_irq);
		if (READ_ONCE(ar->host_stopping))
			break;
		/* Masked (test): the notifies stay pending until unmasked. */
		if (READ_ONCE(ar->host_paused))
			continue;
		pending = xchg(&ar->host_pending, 0);
		for_each_set_bit(id, &pending, ASVIRT_MAX_NOTIFYID)
			asvirt_vq_count_irq(&ar->vq_counts, id,
					    rproc_vq_interrupt(ar->rproc, id));
	}
	asvirt_wait_for_stop();
	return 0;
}

static void asvirt_host_isr_stop(struct asvirt_rproc *ar)
{
	if (!ar->host_isr)
		return;
	WRITE_ONCE(ar->host_stopping, true);
	up(&ar->host_irq);
	kthread_stop(ar->host_isr);
	ar->host_isr = NULL;
}

/* ---- firmware: find the app name (bounds-checked ELF section lookup) ---- */

static int asvirt_fw_section(const struct firmware *fw, const char *name,
			     const u8 **data, size_t *size)
{
	const u8 *elf = fw->data;
	bool is64 = fw->size > EI_CLASS && elf[EI_CLASS] == ELFCLASS64;
	size_t ehsz = is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
	size_t shsz = is64 ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr);
	u64 shoff, off, sz, stroff, strsz;
	unsigned int shnum, strndx, i;
	u32 nameoff;

	if (fw->size < ehsz)
		return -EINVAL;
	if (is64) {
		const Elf64_Ehdr *eh = (const void *)elf;

		shoff = eh->e_shoff;
		shnum = eh->e_shnum;
		strndx = eh->e_shstrndx;
	} else {
		const Elf32_Ehdr *eh = (const void *)elf;

		shoff = eh->e_shoff;
		shnum = eh->e_shnum;
		strndx = eh->e_shstrndx;
	}
	if (strndx >= shnum || shoff > fw->size ||
	    (u64)shnum * shsz > fw->size - shoff)
		return -EINVAL;

#define SHDR_FIELDS(idx, o, s, n) do {					\
	const void *_sh = elf + shoff + (u64)(idx) * shsz;		\
	if (is64) {							\
		const Elf64_Shdr *_s = _sh;				\
		o = _s->sh_offset; s = _s->sh_size; n = _s->sh_name;	\
	} else {							\
		const Elf32_Shdr *_s = _sh;				\
		o = _s->sh_offset; s = _s->sh_size; n = _s->sh_name;	\
	}								\
} while (0)

	SHDR_FIELDS(strndx, stroff, strsz, nameoff);
	if (stroff > fw->size || strsz > fw->size - stroff)
		return -EINVAL;
	for (i = 0; i < shnum; i++) {
		SHDR_FIELDS(i, off, sz, nameoff);
		if (nameoff >= strsz ||
		    strnlen(elf + stroff + nameoff, strsz - nameoff) == strsz - nameoff)
			continue;
		if (strcmp(elf + stroff + nameoff, name))
			continue;
		if (off > fw->size || sz > fw->size - off)
			return -EINVAL;
		*data = elf + off;
		*size = sz;
		return 0;
	}
#undef SHDR_FIELDS
	return -ENOENT;
}

static int asvirt_load(struct rproc *rproc, const struct firmware *fw)
{
	struct asvirt_rproc *ar = rproc->priv;
	const u8 *name;
	size_t len;
	int ret;

	ret = asvirt_fw_section(fw, ASVIRT_APP_SECTION, &name, &len);
	if (ret) {
		dev_err(ar->dev, "firmware %s has no valid %s section\n",
			rproc->firmware, ASVIRT_APP_SECTION);
		return -EINVAL;
	}
	len = strnlen(name, min_t(size_t, len, ASVIRT_APP_NAME_LEN));
	if (!len || len >= ASVIRT_APP_NAME_LEN) {
		dev_err(ar->dev, "firmware %s: bad app name\n", rproc->firmware);
		return -EINVAL;
	}
	memcpy(ar->app, name, len);
	ar->app[len] = '\0';

	memset(ar->sram, 0, ASVIRT_SRAM_SIZE);
	return rproc_elf_load_segments(rproc, fw);
}

/* ---- rproc ops ---- */

static void *asvirt_da_to_va(struct rproc *rproc, u64 da, size_t len, bool *is_iomem)
{
	struct asvirt_rproc *ar = rproc->priv;

	/* SRAM only; carveouts (vrings) are found by the remoteproc core. */
	if (da < ASVIRT_SRAM_DA || len > ASVIRT_SRAM_SIZE ||
	    da - ASVIRT_SRAM_DA > ASVIRT_SRAM_SIZE - len)
		return NULL;
	if (is_iomem)
		*is_iomem = false;
	return ar->sram + (da - ASVIRT_SRAM_DA);
}

/*
 * The quiesce subdevice is added last at start, so remoteproc stops it
 * first: the MCU and the host ISR stop before the virtio devices (and the
 * rpmsg buffers the MCU maps) go away.
 */
static void asvirt_quiesce(struct rproc_subdev *subdev, bool crashed)
{
	struct asvirt_rproc *ar = container_of(subdev, struct asvirt_rproc, quiesce);

	/*
	 * An attached remote (not crashed: the recovery of a crash stops and
	 * boots it, see asvirt_attach()) keeps running when Linux detaches:
	 * its session ends here, before the host frees the rings (both
	 * __rproc_detach and rproc_stop stop the subdevices first); a stop
	 * ends the MCU in asvirt_stop() then.
	 */
	if (ar->rproc->state == RPROC_ATTACHED)
		asvirt_mcu_leave(&ar->mcu);
	else
		asvirt_mcu_stop(&ar->mcu);
	asvirt_host_isr_stop(ar);
}

/*
 * What the MCU can address: its SRAM, then the host's carveouts (vrings)
 * that are mapped in the kernel; and the device virtio_rpmsg_bus allocates
 * its buffers for (the rproc-virtio device, created with the resources
 * before .start/.attach): the MCU maps them with that device's coherency
 * (port/linux-kernel/asvirt_mcu.c).
 */
static unsigned int asvirt_mcu_map(struct asvirt_rproc *ar, struct asv_mem_region *mem,
				   struct device **bufs_dev)
{
	struct rproc *rproc = ar->rproc;
	struct rproc_mem_entry *c;
	struct rproc_vdev *rvdev;
	unsigned int n = 0;

	rvdev = list_first_entry_or_null(&rproc->rvdevs, struct rproc_vdev, node);
	*bufs_dev = rvdev && rvdev->pdev ? &rvdev->pdev->dev : NULL;
	mem[n].va = ar->sram;
	mem[n].da = ASVIRT_SRAM_DA;
	mem[n++].size = ASVIRT_SRAM_SIZE;
	list_for_each_entry(c, &rproc->carveouts, node) {
		if (!c->va || c->is_iomem)
			continue;
		if (n == ASVIRT_MCU_MAX_MEM) {
			dev_warn(ar->dev, "carveout %s not mapped for the MCU\n", c->name);
			continue;
		}
		mem[n].va = c->va;
		mem[n].da = c->da;
		mem[n++].size = c->len;
	}
	return n;
}

static int asvirt_host_isr_start(struct asvirt_rproc *ar)
{
	sema_init(&ar->host_irq, ASVIRT_IRQ_LOWERED);
	ar->host_pending = 0;
	ar->host_stopping = false;
	ar->host_paused = false;
	ar->host_isr = kthread_run(asvirt_host_isr, ar, "asvirt-host%d", ar->rproc->index);
	if (IS_ERR(ar->host_isr)) {
		int ret = PTR_ERR(ar->host_isr);

		ar->host_isr = NULL;
		return ret;
	}
	return 0;
}

/* Start the MCU on @table (in its SRAM). */
static int asvirt_mcu_boot(struct asvirt_rproc *ar, void *table, size_t table_sz)
{
	struct rproc *rproc = ar->rproc;
	struct asvirt_mcu *m = &ar->mcu;

	memset(m, 0, sizeof(*m));
	m->dev = ar->dev;
	m->id = rproc->index;
	m->app_name = ar->app;
	m->table = table;
	m->table_size = table_sz;
	m->notify_host = asvirt_notify_host;
	m->fatal = asvirt_mcu_fatal;
	m->notify_ctx = ar;
	m->fault = &ar->fault;
	m->inject_table_race = ar->table_race;
	ar->table_race = false;
	m->nmem = asvirt_mcu_map(ar, m->mem, &m->bufs_dev);
	return asvirt_mcu_start(m);
}

static int asvirt_start(struct rproc *rproc)
{
	struct asvirt_rproc *ar = rproc->priv;
	int ret;

	ret = asvirt_host_isr_start(ar);
	if (ret)
		return ret;
	ret = asvirt_mcu_boot(ar, rproc->table_ptr, rproc->table_sz);
	if (ret) {
		asvirt_host_isr_stop(ar);
		return ret;
	}
	rproc_add_subdev(rproc, &ar->quiesce);
	ar->quiesce_added = true;
	dev_info(ar->dev, "virtual MCU started, app %s\n", ar->app);
	return 0;
}

/*
 * ---- attach mode (attach=1): the MCU runs before Linux finds it ----
 * At probe the module plays the bootloader (asvirt_boot_early()); the
 * rproc is added in RPROC_DETACHED and Linux attaches to it (6.1
 * remoteproc_core.c rproc_trigger_auto_boot l. 1681: attach_work;
 * rproc_boot l. 1915 -> rproc_attach l. 1588: ->get_loaded_rsc_table via
 * rproc_set_rsc_table l. 1446, which keeps a clean copy because ->detach
 * exists; the resources handled on the table in SRAM, the carveouts
 * allocated, then __rproc_attach l. 1325: ->attach, the subdevices).
 *
 * RPROC_FEAT_ATTACH_ON_RECOVERY is not set: a crash of an attached MCU
 * is recovered by stop + load + start (rproc_boot_recovery, 6.1 l. 1788,
 * 6.12 l. 1810; rproc_reset_rsc_table_on_stop then makes the cached table
 * from the one in SRAM) and the remote runs ("running") afterwards. 6.1's
 * rproc_attach_recovery (l. 1777-1786) is __rproc_detach + __rproc_attach
 * only: rproc_reset_rsc_table_on_detach (l. 1490) left table_ptr on its
 * kmemdup copy and freed clean_table without clearing it, so the host
 * would go on writing the copy (the MCU never sees DRIVER_OK) and the
 * next detach would copy from and free clean_table again. 6.12 fixed it
 * (l. 1786-1808: the resources cleaned up, table_ptr NULL, rproc_attach
 * again), but one recovery for both kernels needs no version check.
 */
static int asvirt_attach(struct rproc *rproc)
{
	struct asvirt_rproc *ar = rproc->priv;
	struct asv_mem_region mem[ASVIRT_MCU_MAX_MEM];
	struct device *bufs_dev;
	unsigned int n;
	int ret;

	/* The MCU runs already: it only learns the host's memory. */
	n = asvirt_mcu_map(ar, mem, &bufs_dev);
	ret = asvirt_host_isr_start(ar);
	if (ret)
		return ret;
	ret = asvirt_mcu_rejoin(&ar->mcu, mem, n, bufs_dev);
	if (ret) {
		asvirt_host_isr_stop(ar);
		return ret;
	}
	rproc_add_subdev(rproc, &ar->quiesce);
	ar->quiesce_added = true;
	dev_info(ar->dev, "attached to the running virtual MCU, app %s\n", ar->app);
	return 0;
}

/*
 * Called by __rproc_detach (6.1 l. 1742) after the subdevices stopped
 * (our quiesce ended the MCU's session) and the clean table was put back
 * in SRAM (rproc_reset_rsc_table_on_detach l. 1490); the MCU checks it.
 */
static int asvirt_detach(struct rproc *rproc)
{
	struct asvirt_rproc *ar = rproc->priv;
	int status;

	if (ar->quiesce_added)
		rproc_remove_subdev(rproc, &ar->quiesce);
	ar->quiesce_added = false;
	status = asvirt_mcu_table_status(&ar->mcu);
	if (status)
		dev_warn(ar->dev, "mcu: after the detach the vdev status is %d, not reset\n",
			 status);
	else
		dev_info(ar->dev, "mcu: host detached, vdev status reset to 0, MCU running\n");
	return 0;
}

static struct resource_table *asvirt_get_loaded_rsc_table(struct rproc *rproc, size_t *size)
{
	struct asvirt_rproc *ar = rproc->priv;

	if (!ar->boot_table)
		return ERR_PTR(-ENOENT);
	*size = ar->boot_table_sz;
	return ar->boot_table;
}

static int asvirt_stop(struct rproc *rproc)
{
	struct asvirt_rproc *ar = rproc->priv;

	if (ar->quiesce_added)
		rproc_remove_subdev(rproc, &ar->quiesce);
	ar->quiesce_added = false;
	asvirt_mcu_stop(&ar->mcu);
	asvirt_host_isr_stop(ar);
	dev_info(ar->dev, "virtual MCU stopped\n");
	return 0;
}

static void asvirt_kick(struct rproc *rproc, int vqid)
{
	struct asvirt_rproc *ar = rproc->priv;

	if (vqid >= 0 && vqid < ASVIRT_MAX_NOTIFYID)
		asvirt_vq_count_kick(&ar->vq_counts, vqid);
	asvirt_mcu_kick(&ar->mcu);
}

static const struct rproc_ops asvirt_rproc_ops = {
	.start = asvirt_start,
	.stop = asvirt_stop,
	.kick = asvirt_kick,
	.da_to_va = asvirt_da_to_va,
	.load = asvirt_load,
	.parse_fw = rproc_elf_load_rsc_table,
	.find_loaded_rsc_table = rproc_elf_find_loaded_rsc_table,
	.sanity_check = rproc_elf_sanity_check,
	.get_boot_addr = rproc_elf_get_boot_addr,
	.attach = asvirt_attach,
	.detach = asvirt_detach,
	.get_loaded_rsc_table = asvirt_get_loaded_rsc_table,
};

/*
 * attach=1: what a bootloader does before Linux runs. Load the firmware
 * into the MCU's SRAM (the same checks and loading as a boot: .sanity_check,
 * .load), find the resource table there and start the MCU on it.
 */
static int asvirt_boot_early(struct asvirt_rproc *ar)
{
	struct rproc *rproc = ar->rproc;
	const struct firmware *fw;
	struct resource_table *table;
	const u8 *sec;
	size_t sz;
	int ret;

	ret = request_firmware(&fw, rproc->firmware, ar->dev);
	if (ret) {
		dev_err(ar->dev, "attach: firmware %s: %d\n", rproc->firmware, ret);
		return ret;
	}
	ret = rproc_elf_sanity_check(rproc, fw);
	if (!ret)
		ret = asvirt_load(rproc, fw);
	if (ret)
		goto out;
	ret = asvirt_fw_section(fw, ASVIRT_RSC_SECTION, &sec, &sz);
	table = ret ? NULL : rproc_elf_find_loaded_rsc_table(rproc, fw);
	if (!table || IS_ERR(table) || !asvirt_da_to_va(rproc, ASVIRT_SRAM_DA +
		((u8 *)table - (u8 *)ar->sram), sz, NULL)) {
		dev_err(ar->dev, "attach: no resource table in the MCU's SRAM\n");
		ret = -EINVAL;
		goto out;
	}
	ret = asvirt_mcu_boot(ar, table, sz);
	if (ret)
		goto out;
	ar->boot_table = table;
	ar->boot_table_sz = sz;
	dev_info(ar->dev, "attach: MCU booted early, app %s, table at 0x%x+0x%zx\n",
		 ar->app, ASVIRT_SRAM_DA + (u32)((u8 *)table - (u8 *)ar->sram), sz);
out:
	release_firmware(fw);
	return ret;
}

/* ---- crash knob: debugfs remoteprocN/asvirt_crash ---- */

static ssize_t asvirt_crash_write(struct file *file, const char __user *buf,
				  size_t count, loff_t *ppos)
{
	struct asvirt_rproc *ar = file->private_data;

	if (ar->rproc->state != RPROC_RUNNING && ar->rproc->state != RPROC_ATTACHED)
		return -EINVAL;
	asvirt_mcu_crash(&ar->mcu);
	dev_info(ar->dev, "virtual MCU crashed on request\n");
	rproc_report_crash(ar->rproc, RPROC_FATAL_ERROR);
	return count;
}

static const struct file_operations asvirt_crash_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = asvirt_crash_write,
	.llseek = generic_file_llseek,
};

/* ---- test knob: debugfs remoteprocN/asvirt_pause (1 mask, 0 unmask) ---- */

static ssize_t asvirt_pause_write(struct file *file, const char __user *buf,
				  size_t count, loff_t *ppos)
{
	struct asvirt_rproc *ar = file->private_data;
	bool pause;
	int ret;

	ret = kstrtobool_from_user(buf, count, &pause);
	if (ret)
		return ret;
	if (ar->rproc->state != RPROC_RUNNING)
		return -EINVAL;
	asvirt_mcu_pause(&ar->mcu, pause);
	return count;
}

static const struct file_operations asvirt_pause_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = asvirt_pause_write,
	.llseek = generic_file_llseek,
};

/* ---- fault injection: debugfs remoteprocN/asvirt_bad_addr ---- */

static ssize_t asvirt_bad_addr_write(struct file *file, const char __user *buf,
				     size_t count, loff_t *ppos)
{
	struct asvirt_rproc *ar = file->private_data;

	if (ar->rproc->state != RPROC_RUNNING)
		return -EINVAL;
	asvirt_mcu_inject_bad_addr(&ar->mcu);
	return count;
}

static const struct file_operations asvirt_bad_addr_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = asvirt_bad_addr_write,
	.llseek = generic_file_llseek,
};

/*
 * ---- test knob: debugfs remoteprocN/asvirt_table_race ----
 * Arms a host that rewrites the loaded resource table while the MCU links,
 * at the next start (see mcu_race_table()).
 */

static ssize_t asvirt_table_race_write(struct file *file, const char __user *buf,
				       size_t count, loff_t *ppos)
{
	struct asvirt_rproc *ar = file->private_data;

	WRITE_ONCE(ar->table_race, true);
	return count;
}

static const struct file_operations asvirt_table_race_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = asvirt_table_race_write,
	.llseek = generic_file_llseek,
};

/*
 * ---- test knob: debugfs remoteprocN/asvirt_host_pause (1 mask, 0 unmask) ----
 * Masks the host's interrupt line: virtio_rpmsg_bus then never sees the
 * MCU's messages nor reposts their buffers, so the MCU runs out of them
 * and its senders block.
 */

static ssize_t asvirt_host_pause_write(struct file *file, const char __user *buf,
				       size_t count, loff_t *ppos)
{
	struct asvirt_rproc *ar = file->private_data;
	bool pause;
	int ret;

	ret = kstrtobool_from_user(buf, count, &pause);
	if (ret)
		return ret;
	if (ar->rproc->state != RPROC_RUNNING)
		return -EINVAL;
	WRITE_ONCE(ar->host_paused, pause);
	if (!pause)
		up(&ar->host_irq);
	return count;
}

static const struct file_operations asvirt_host_pause_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = asvirt_host_pause_write,
	.llseek = generic_file_llseek,
};

/* ---- test knob: debugfs remoteprocN/asvirt_flood (write ADDR) ---- */

static ssize_t asvirt_flood_write(struct file *file, const char __user *buf,
				  size_t count, loff_t *ppos)
{
	struct asvirt_rproc *ar = file->private_data;
	u32 dst;
	int ret;

	ret = kstrtou32_from_user(buf, count, 0, &dst);
	if (ret)
		return ret;
	if (ar->rproc->state != RPROC_RUNNING)
		return -EINVAL;
	ret = asvirt_mcu_flood(&ar->mcu, dst);
	return ret ? ret : count;
}

static const struct file_operations asvirt_flood_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = asvirt_flood_write,
	.llseek = generic_file_llseek,
};

/* ---- debugfs remoteprocN/asvirt_stats: the MCU core's counters ---- */

static ssize_t asvirt_stats_read(struct file *file, char __user *ubuf,
				 size_t count, loff_t *ppos)
{
	struct asvirt_rproc *ar = file->private_data;
	struct asv_rpmsg_dev *d = &ar->mcu.remote.dev;
	struct asv_stats st;
	char buf[160];
	int n;

	/* Lock-free counters; the remote's memory lives as long as ar. */
	asv_get_stats(d, &st);
	n = scnprintf(buf, sizeof(buf),
		      "tx_msgs %lu\ntx_waits %lu\nrx_msgs %lu\nsenders_in_slow_path %d\nlink_error %d\n",
		      st.tx_msgs, st.tx_waits, st.rx_msgs, READ_ONCE(d->in_slow),
		      st.link_error);
	return simple_read_from_buffer(ubuf, count, ppos, buf, n);
}

static const struct file_operations asvirt_stats_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = asvirt_stats_read,
	.llseek = generic_file_llseek,
};

/* ---- platform driver ---- */

static int asvirt_probe(struct platform_device *pdev)
{
	struct device *dev = &pdev->dev;
	const char *fwname = firmware;
	struct asvirt_rproc *ar;
	struct rproc *rproc;
	int ret;

	if (dev->of_node)
		of_property_read_string(dev->of_node, "fwname", &fwname);

	rproc = rproc_alloc(dev, dev_name(dev), &asvirt_rproc_ops, fwname, sizeof(*ar));
	if (!rproc)
		return -ENOMEM;
	rproc->auto_boot = auto_boot;
	ar = rproc->priv;
	ar->rproc = rproc;
	ar->dev = dev;
	ar->quiesce.stop = asvirt_quiesce;
	asvirt_mcu_fault_init(&ar->fault, dev);
	ar->sram = vzalloc(ASVIRT_SRAM_SIZE);
	if (!ar->sram) {
		ret = -ENOMEM;
		goto free_rproc;
	}
	platform_set_drvdata(pdev, ar);

	if (attach) {
		ret = asvirt_boot_early(ar);
		if (ret)
			goto free_sram;
		/* rproc_add() -> rproc_validate(): DETACHED needs ->attach */
		rproc->state = RPROC_DETACHED;
	}
	ret = rproc_add(rproc);
	if (ret)
		goto stop_mcu;
	if (rproc->dbg_dir) {
		ar->crash_file = debugfs_create_file("asvirt_crash", 0200, rproc->dbg_dir,
						     ar, &asvirt_crash_fops);
		ar->bad_addr_file = debugfs_create_file("asvirt_bad_addr", 0200,
							rproc->dbg_dir, ar,
							&asvirt_bad_addr_fops);
		ar->pause_file = debugfs_create_file("asvirt_pause", 0200, rproc->dbg_dir,
						     ar, &asvirt_pause_fops);
		ar->table_race_file = debugfs_create_file("asvirt_table_race", 0200,
							  rproc->dbg_dir, ar,
							  &asvirt_table_race_fops);
		ar->host_pause_file = debugfs_create_file("asvirt_host_pause", 0200,
							  rproc->dbg_dir, ar,
							  &asvirt_host_pause_fops);
		ar->flood_file = debugfs_create_file("asvirt_flood", 0200, rproc->dbg_dir,
						     ar, &asvirt_flood_fops);
		ar->stats_file = debugfs_create_file("asvirt_stats", 0400, rproc->dbg_dir,
						     ar, &asvirt_stats_fops);
		ar->vq_counts_file = asvirt_vq_counts_debugfs(&ar->vq_counts, rproc);
		ar->rings_file = asvirt_rings_debugfs(rproc, &ar->mcu);
		ar->fault_file = asvirt_fault_debugfs(&ar->fault, rproc->dbg_dir);
	}
	dev_info(dev, "virtual remote processor %s, firmware %s\n",
		 dev_name(&rproc->dev), fwname);
	return 0;

stop_mcu:
	asvirt_mcu_stop(&ar->mcu);
free_sram:
	vfree(ar->sram);
free_rproc:
	rproc_free(rproc);
	return ret;
}

static ASVIRT_REMOVE_RET asvirt_remove(struct platform_device *pdev)
{
	struct asvirt_rproc *ar = platform_get_drvdata(pdev);
	struct rproc *rproc = ar->rproc;
	void *sram = ar->sram;

	debugfs_remove(ar->rings_file);
	debugfs_remove(ar->fault_file);
	debugfs_remove(ar->vq_counts_file);
	debugfs_remove(ar->stats_file);
	debugfs_remove(ar->flood_file);
	debugfs_remove(ar->host_pause_file);
	debugfs_remove(ar->table_race_file);
	debugfs_remove(ar->pause_file);
	debugfs_remove(ar->bad_addr_file);
	debugfs_remove(ar->crash_file);
	rproc_del(rproc);
	/*
	 * A detached MCU still runs (rproc_del's rproc_shutdown refuses a
	 * detached remote: not RUNNING, ATTACHED or CRASHED, 6.1 l. 2007).
	 */
	asvirt_mcu_stop(&ar->mcu);
	asvirt_host_isr_stop(ar);
	rproc_free(rproc);
	vfree(sram);
	return ASVIRT_REMOVE_OK;
}

static const struct of_device_id asvirt_of_match[] = {
	{ .compatible = "as,virtual-rproc" },
	{ }
};
MODULE_DEVICE_TABLE(of, asvirt_of_match);

static struct platform_driver asvirt_driver = {
	.probe = asvirt_probe,
	.remove = asvirt_remove,
	.driver = {
		.name = ASVIRT_DRV_NAME,
		.of_match_table = asvirt_of_match,
	},
};

/* Remotes this module created itself (no device-tree node). */
static struct platform_device **asvirt_pdevs;
static unsigned int asvirt_npdevs;

static void asvirt_unregister_pdevs(void)
{
	while (asvirt_npdevs)
		platform_device_unregister(asvirt_pdevs[--asvirt_npdevs]);
	kfree(asvirt_pdevs);
	asvirt_pdevs = NULL;
}

static int __init asvirt_init(void)
{
	struct device_node *np;
	unsigned int i;
	int ret;

	ret = platform_driver_register(&asvirt_driver);
	if (ret)
		return ret;

	np = of_find_matching_node(NULL, asvirt_of_match);
	of_node_put(np);
	if (np || !nr_remotes)
		return 0;

	asvirt_pdevs = kcalloc(nr_remotes, sizeof(*asvirt_pdevs), GFP_KERNEL);
	if (!asvirt_pdevs) {
		ret = -ENOMEM;
		goto err;
	}
	for (i = 0; i < nr_remotes; i++) {
		struct platform_device *pdev;

		pdev = platform_device_register_simple(ASVIRT_DRV_NAME, i, NULL, 0);
		if (IS_ERR(pdev)) {
			ret = PTR_ERR(pdev);
			goto err;
		}
		asvirt_pdevs[asvirt_npdevs++] = pdev;
	}
	return 0;

err:
	asvirt_unregister_pdevs();
	platform_driver_unregister(&asvirt_driver);
	return ret;
}
module_init(asvirt_init);

static void __exit asvirt_exit(void)
{
	asvirt_unregister_pdevs();
	platform_driver_unregister(&asvirt_driver);
}
module_exit(asvirt_exit);

MODULE_DESCRIPTION("asvirt virtual remote processor (remoteproc + simulated MCU)");
MODULE_LICENSE("GPL");
