// SPDX-License-Identifier: GPL-2.0
/*
 * asvirt_ivshmem - a remoteproc driver whose remote runs outside the guest
 *
 * Binds QEMU's ivshmem-doorbell device (PCI 1af4:1110) when its BAR2 is an
 * asvirt shared block (port/posix/include/asvirt/shmctl.h): a control page
 * with a magic, then the region holding the firmware's resource table, as
 * asvirt placed it, the trace buffer and the vrings. The remote (a firmware
 * process on the PC, served by `asvirt up --linux`) reads the same block.
 *
 * The resource table comes from BAR2, not from a firmware file: remoteproc
 * still requests the file named by "firmware" (default asvirt-bridge.fw,
 * any content), whose data is ignored. Every carveout of the table and both
 * vrings of each vdev are registered inside BAR2, at the device addresses
 * the table names, so remoteproc places nothing in guest RAM except the
 * rpmsg buffers (virtio_rpmsg_bus allocates those itself), unless the
 * header offers a buffer carveout after the region (bufs_off, bufs_size:
 * asvirt up --linux --arch arm) and the kernel can take one
 * (CONFIG_DMA_DECLARE_COHERENT, selected by ARM): then it is registered
 * as vdev0buffer, remoteproc declares it as the vdev's coherent pool
 * (remoteproc_virtio.c rproc_add_virtio_dev) and the buffers sit in BAR2
 * too, where the firmware process reaches them without the guest's RAM.
 * Kicks are a
 * write of (remote peer << 16 | vector 0) to the doorbell register (BAR0
 * offset 12); the remote's notifies arrive as MSI-X vector 0, whose
 * threaded handler runs rproc_vq_interrupt() for every vring
 * (virtio_rpmsg_bus takes a mutex in its receive path). MSI-X vector 1 is
 * the PC's crash report (the firmware process died): remoteproc's crash
 * and recovery follow, and the PC side starts a new firmware process once
 * the recovered vdev reaches DRIVER_OK again.
 *
 * The header is at BAR2's start, or in its last page when BAR2 is the
 * board RAM of a Cortex-M firmware (asvirt up --linux --arch arm FW.elf),
 * whose first byte is the MCU's resource table: neither the region nor
 * the buffer carveout may overlap it.
 *
 * Everything in BAR2 is written by the PC side too: each header field is
 * read once, checked against the BAR's size, and only the local copy used.
 */
#include <linux/io.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/remoteproc.h>
#include <linux/slab.h>
#include <linux/virtio_ring.h>

#include "asvirt_rproc_internal.h"

#define ASVIVS_DRV_NAME		"asvirt-ivshmem"
#define ASVIVS_DOORBELL		12	/* BAR0: ivshmem-spec.txt */
/* BAR2 header: struct asv_shm_ctl (asvirt/shmctl.h), little endian */
#define ASVIVS_MAGIC		0x4d485341u	/* "ASHM" */
#define ASVIVS_VERSION		1u
#define ASVIVS_CTL_SIZE		4096u
#define ASVIVS_OFF_MAGIC	0
#define ASVIVS_OFF_VERSION	4
#define ASVIVS_OFF_REGION_OFF	16
#define ASVIVS_OFF_REGION_SIZE	24
#define ASVIVS_OFF_REGION_DA	32
#define ASVIVS_OFF_TABLE_SIZE	40
#define ASVIVS_OFF_PEER		48	/* ctl.ivshmem_peer */
#define ASVIVS_OFF_BUFS_OFF	56
#define ASVIVS_OFF_BUFS_SIZE	60
#define ASVIVS_TABLE_MAX	SZ_4K
#define ASVIVS_MAX_VDEVS	4

static char *firmware = "asvirt-bridge.fw";
module_param(firmware, charp, 0444);
MODULE_PARM_DESC(firmware, "file remoteproc requests (content ignored: the table is in BAR2)");

struct asvivs {
	struct pci_dev *pdev;
	struct rproc *rproc;
	void __iomem *regs;	/* BAR0 */
	void *shm;		/* BAR2, memremap()ed: it is RAM on the PC */
	resource_size_t shm_len;
	resource_size_t hdr_off;	/* 0, or shm_len - ASVIVS_CTL_SIZE */
	/* the header, as read once and checked at probe */
	u64 region_off, region_size, region_da;
	u32 table_size;
	u32 peer;
	u32 bufs_off, bufs_size;	/* bufs_size 0: no buffer carveout */
	unsigned int nvrings;	/* of the running table: notify ids 0.. */
	int irq, crash_irq;
	bool running;		/* the vdevs may take interrupts */
	struct rproc_subdev quiesce;
	bool quiesce_added;
};

/* BAR2 bytes [off, off + len) of the region at device address @da, or NULL. */
static void *asvivs_da_va(struct asvivs *ai, u64 da, u64 len)
{
	if (da < ai->region_da || len > ai->region_size ||
	    da - ai->region_da > ai->region_size - len)
		return NULL;
	return ai->shm + ai->region_off + (da - ai->region_da);
}

/*
 * A carveout at @da inside BAR2. Vrings get their va (remoteproc_virtio.c
 * rp_find_vq uses it). A table carveout gets none: remoteproc would turn
 * the va into the pa it writes into the table with rproc_va_to_pa(), which
 * takes a memremap()ed BAR for vmalloc memory and reads a struct page that
 * does not exist; without a va it writes the BAR's bus address, and finds
 * what lies inside through .da_to_va.
 */
static int asvivs_add_carveout(struct asvivs *ai, u32 da, u32 len, const char *name,
			       bool with_va)
{
	struct device *dev = &ai->pdev->dev;
	struct rproc_mem_entry *mem;
	void *va = asvivs_da_va(ai, da, len);
	dma_addr_t bus;

	if (!va) {
		dev_err(dev, "%s 0x%x+0x%x lies outside the shared block\n", name, da, len);
		return -EINVAL;
	}
	bus = pci_resource_start(ai->pdev, 2) + ai->region_off + (da - ai->region_da);
	mem = rproc_mem_entry_init(dev, with_va ? va : NULL, bus, len, da, NULL, NULL, "%s",
				   name);
	if (!mem)
		return -ENOMEM;
	rproc_add_carveout(ai->rproc, mem);
	return 0;
}

/*
 * Register, inside BAR2, every carveout of @table (a private copy of
 * @size bytes) and the two vrings of each vdev, named as remoteproc looks
 * them up (remoteproc_core.c rproc_handle_carveout, rproc_alloc_vring).
 */
static int asvivs_register_carveouts(struct asvivs *ai, const struct resource_table *table,
				     size_t size)
{
	unsigned int i, j, nvdev = 0;
	char name[32];	/* struct fw_rsc_carveout.name, rproc_mem_entry.name */
	int ret;

	if (size < sizeof(*table) || table->num > (size - sizeof(*table)) / sizeof(u32))
		return -EINVAL;
	for (i = 0; i < table->num; i++) {
		u32 off = table->offset[i];
		const struct fw_rsc_hdr *hdr;

		if (off > size - sizeof(*hdr))
			return -EINVAL;
		hdr = (const void *)table + off;
		if (hdr->type == RSC_CARVEOUT) {
			const struct fw_rsc_carveout *c = (const void *)(hdr + 1);

			if (size - off - sizeof(*hdr) < sizeof(*c))
				return -EINVAL;
			strscpy(name, c->name, sizeof(name));
			ret = asvivs_add_carveout(ai, c->da, c->len, name, false);
			if (ret)
				return ret;
		} else if (hdr->type == RSC_VDEV) {
			const struct fw_rsc_vdev *v = (const void *)(hdr + 1);

			if (size - off - sizeof(*hdr) < struct_size(v, vring, 2) ||
			    v->num_of_vrings != 2 || nvdev >= ASVIVS_MAX_VDEVS)
				return -EINVAL;
			for (j = 0; j < 2; j++) {
				const struct fw_rsc_vdev_vring *r = &v->vring[j];

				if (!r->num || r->num > 1024 || !is_power_of_2(r->align))
					return -EINVAL;
				snprintf(name, sizeof(name), "vdev%dvring%d", nvdev, j);
				ret = asvivs_add_carveout(ai, r->da,
							  PAGE_ALIGN(vring_size(r->num, r->align)),
							  name, true);
				if (ret)
					return ret;
			}
			nvdev++;
		}
	}
	ai->nvrings = 2 * nvdev;
	return 0;
}

/*
 * The buffer carveout: no va (remoteproc_virtio.c declares it with the
 * dma address as physical address and memremap()s it, WC), the BAR's bus
 * address as dma and da. virtio_rpmsg_bus's dma_alloc_coherent() is then
 * served from it and its descriptors carry these BAR addresses.
 */
static int asvivs_add_bufs(struct asvivs *ai)
{
	struct device *dev = &ai->pdev->dev;
	struct rproc_mem_entry *mem;
	dma_addr_t bus = pci_resource_start(ai->pdev, 2) + ai->bufs_off;

	if (!IS_ENABLED(CONFIG_DMA_DECLARE_COHERENT)) {
		dev_warn_once(dev, "no DMA_DECLARE_COHERENT: rpmsg buffers in guest RAM, where the firmware process cannot reach them\n");
		return 0;
	}
	mem = rproc_mem_entry_init(dev, NULL, bus, ai->bufs_size, lower_32_bits(bus), NULL, NULL,
				   "vdev0buffer");
	if (!mem)
		return -ENOMEM;
	rproc_add_carveout(ai->rproc, mem);
	return 0;
}

/* The table from BAR2: copied once, then only the copy is parsed. */
static int asvivs_parse_fw(struct rproc *rproc, const struct firmware *fw)
{
	struct asvivs *ai = rproc->priv;
	void *copy;
	int ret;

	copy = kmalloc(ai->table_size, GFP_KERNEL);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, ai->shm + ai->region_off, ai->table_size);
	ret = asvivs_register_carveouts(ai, copy, ai->table_size);
	if (ret) {
		dev_err(&ai->pdev->dev, "resource table in BAR2 refused (%d)\n", ret);
		kfree(copy);
		return ret;
	}
	if (ai->bufs_size) {
		ret = asvivs_add_bufs(ai);
		if (ret) {
			kfree(copy);
			return ret;
		}
	}
	rproc->cached_table = copy;
	rproc->table_ptr = copy;
	rproc->table_sz = ai->table_size;
	return 0;
}

/* Where remoteproc writes the table it prepared: back into BAR2. */
static struct resource_table *asvivs_find_loaded_rsc_table(struct rproc *rproc,
							   const struct firmware *fw)
{
	struct asvivs *ai = rproc->priv;

	return ai->shm + ai->region_off;
}

static int asvivs_load(struct rproc *rproc, const struct firmware *fw)
{
	return 0;	/* the firmware runs on the PC */
}

static void *asvivs_da_to_va(struct rproc *rproc, u64 da, size_t len, bool *is_iomem)
{
	return asvivs_da_va(rproc->priv, da, len);
}

static irqreturn_t asvivs_irq_thread(int irq, void *data)
{
	struct asvivs *ai = data;
	unsigned int i;

	if (!READ_ONCE(ai->running))
		return IRQ_HANDLED;
	/*
	 * One vector for every vring (remoteproc numbers them 0.. in table
	 * order, remoteproc_core.c rproc_alloc_vring): each returns at once
	 * when its vring has nothing new.
	 */
	for (i = 0; i < ai->nvrings; i++)
		rproc_vq_interrupt(ai->rproc, i);
	return IRQ_HANDLED;
}

static irqreturn_t asvivs_crash_thread(int irq, void *data)
{
	struct asvivs *ai = data;

	if (!READ_ONCE(ai->running))
		return IRQ_HANDLED;
	dev_err(&ai->pdev->dev, "the firmware process on the PC died\n");
	rproc_report_crash(ai->rproc, RPROC_FATAL_ERROR);
	return IRQ_HANDLED;
}

/*
 * Added last at start, so stopped first: no interrupt reaches a vring
 * once remoteproc starts taking the virtio devices down.
 */
static void asvivs_quiesce(struct rproc_subdev *subdev, bool crashed)
{
	struct asvivs *ai = container_of(subdev, struct asvivs, quiesce);

	WRITE_ONCE(ai->running, false);
	synchronize_irq(ai->irq);
	synchronize_irq(ai->crash_irq);
}

static int asvivs_start(struct rproc *rproc)
{
	struct asvivs *ai = rproc->priv;

	WRITE_ONCE(ai->running, true);
	rproc_add_subdev(rproc, &ai->quiesce);
	ai->quiesce_added = true;
	return 0;
}

static int asvivs_stop(struct rproc *rproc)
{
	struct asvivs *ai = rproc->priv;

	if (ai->quiesce_added)
		rproc_remove_subdev(rproc, &ai->quiesce);
	ai->quiesce_added = false;
	WRITE_ONCE(ai->running, false);
	synchronize_irq(ai->irq);
	synchronize_irq(ai->crash_irq);
	return 0;
}

static void asvivs_kick(struct rproc *rproc, int vqid)
{
	struct asvivs *ai = rproc->priv;

	writel(ai->peer << 16, ai->regs + ASVIVS_DOORBELL);
}

static const struct rproc_ops asvivs_ops = {
	.start = asvivs_start,
	.stop = asvivs_stop,
	.kick = asvivs_kick,
	.da_to_va = asvivs_da_to_va,
	.load = asvivs_load,
	.parse_fw = asvivs_parse_fw,
	.find_loaded_rsc_table = asvivs_find_loaded_rsc_table,
};

static u32 asvivs_hdr32(struct asvivs *ai, unsigned int off)
{
	return le32_to_cpu(READ_ONCE(*(__le32 *)(ai->shm + ai->hdr_off + off)));
}

static u64 asvivs_hdr64(struct asvivs *ai, unsigned int off)
{
	return le64_to_cpu(READ_ONCE(*(__le64 *)(ai->shm + ai->hdr_off + off)));
}

/* Does [@off, @off + @len) (inside the BAR) overlap the header's page? */
static bool asvivs_on_header(struct asvivs *ai, u64 off, u64 len)
{
	return off < ai->hdr_off + ASVIVS_CTL_SIZE && ai->hdr_off < off + len;
}

/*
 * Find the header (BAR2's first page, else its last), read it once and
 * check it against the BAR's real size.
 */
static int asvivs_read_header(struct asvivs *ai)
{
	struct device *dev = &ai->pdev->dev;
	u32 magic, version;

	ai->hdr_off = 0;
	magic = asvivs_hdr32(ai, ASVIVS_OFF_MAGIC);
	if (magic != ASVIVS_MAGIC) {
		ai->hdr_off = ai->shm_len - ASVIVS_CTL_SIZE;
		magic = asvivs_hdr32(ai, ASVIVS_OFF_MAGIC);
	}
	version = asvivs_hdr32(ai, ASVIVS_OFF_VERSION);
	if (magic != ASVIVS_MAGIC || version != ASVIVS_VERSION) {
		dev_info(dev, "BAR2 is no asvirt shared block (magic 0x%08x version %u)\n",
			 magic, version);
		return -ENODEV;
	}
	ai->region_off = asvivs_hdr64(ai, ASVIVS_OFF_REGION_OFF);
	ai->region_size = asvivs_hdr64(ai, ASVIVS_OFF_REGION_SIZE);
	ai->region_da = asvivs_hdr64(ai, ASVIVS_OFF_REGION_DA);
	ai->table_size = asvivs_hdr32(ai, ASVIVS_OFF_TABLE_SIZE);
	ai->peer = asvivs_hdr32(ai, ASVIVS_OFF_PEER);
	ai->bufs_off = asvivs_hdr32(ai, ASVIVS_OFF_BUFS_OFF);
	ai->bufs_size = asvivs_hdr32(ai, ASVIVS_OFF_BUFS_SIZE);
	if (ai->region_off > ai->shm_len ||
	    ai->region_size > ai->shm_len - ai->region_off ||
	    asvivs_on_header(ai, ai->region_off, ai->region_size) ||
	    ai->region_da > U32_MAX || ai->region_size > U32_MAX - ai->region_da + 1 ||
	    ai->table_size < sizeof(struct resource_table) ||
	    ai->table_size > min_t(u64, ai->region_size, ASVIVS_TABLE_MAX) ||
	    ai->peer > U16_MAX ||
	    (ai->bufs_size && (ai->bufs_off < ai->region_off + ai->region_size ||
			       ai->bufs_off > ai->shm_len ||
			       ai->bufs_size > ai->shm_len - ai->bufs_off ||
			       asvivs_on_header(ai, ai->bufs_off, ai->bufs_size)))) {
		dev_err(dev, "bad asvirt shared block header at 0x%llx (region 0x%llx+0x%llx at da 0x%llx, table %u, peer %u, buffers 0x%x+0x%x, BAR2 0x%llx)\n",
			(u64)ai->hdr_off, ai->region_off, ai->region_size, ai->region_da,
			ai->table_size, ai->peer, ai->bufs_off, ai->bufs_size, (u64)ai->shm_len);
		return -EINVAL;
	}
	return 0;
}

static int asvivs_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct device *dev = &pdev->dev;
	struct asvivs *ai;
	struct rproc *rproc;
	int ret;

	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	/* An MSI is a write by the device: QEMU drops it unless bus master. */
	pci_set_master(pdev);
	if (pci_resource_len(pdev, 2) < ASVIVS_CTL_SIZE)
		return -ENODEV;
	rproc = rproc_alloc(dev, dev_name(dev), &asvivs_ops, firmware, sizeof(*ai));
	if (!rproc)
		return -ENOMEM;
	ai = rproc->priv;
	ai->pdev = pdev;
	ai->rproc = rproc;
	ai->quiesce.stop = asvivs_quiesce;
	ai->shm_len = pci_resource_len(pdev, 2);
	ai->shm = devm_memremap(dev, pci_resource_start(pdev, 2), ai->shm_len, MEMREMAP_WB);
	if (IS_ERR(ai->shm)) {
		ret = PTR_ERR(ai->shm);
		goto free_rproc;
	}
	ret = asvivs_read_header(ai);
	if (ret)
		goto free_rproc;
	ai->regs = pcim_iomap(pdev, 0, 0);
	if (!ai->regs) {
		ret = -ENOMEM;
		goto free_rproc;
	}
	ret = pci_alloc_irq_vectors(pdev, 2, 2, PCI_IRQ_MSIX);
	if (ret < 0)
		goto free_rproc;
	ai->irq = pci_irq_vector(pdev, 0);
	ai->crash_irq = pci_irq_vector(pdev, 1);
	ret = request_threaded_irq(ai->irq, NULL, asvivs_irq_thread, IRQF_ONESHOT,
				   ASVIVS_DRV_NAME, ai);
	if (ret)
		goto free_vectors;
	ret = request_threaded_irq(ai->crash_irq, NULL, asvivs_crash_thread, IRQF_ONESHOT,
				   ASVIVS_DRV_NAME "-crash", ai);
	if (ret)
		goto free_irq;
	pci_set_drvdata(pdev, ai);
	ret = rproc_add(rproc);
	if (ret)
		goto free_crash_irq;
	dev_info(dev, "asvirt shared block: region 0x%llx bytes at da 0x%llx, table %u bytes, remote peer %u, rpmsg buffers %s\n",
		 ai->region_size, ai->region_da, ai->table_size, ai->peer,
		 ai->bufs_size && IS_ENABLED(CONFIG_DMA_DECLARE_COHERENT) ? "in BAR2" : "in guest RAM");
	return 0;

free_crash_irq:
	free_irq(ai->crash_irq, ai);
free_irq:
	free_irq(ai->irq, ai);
free_vectors:
	pci_free_irq_vectors(pdev);
free_rproc:
	rproc_free(rproc);
	return ret;
}

static void asvivs_remove(struct pci_dev *pdev)
{
	struct asvivs *ai = pci_get_drvdata(pdev);
	struct rproc *rproc = ai->rproc;

	rproc_del(rproc);
	free_irq(ai->crash_irq, ai);
	free_irq(ai->irq, ai);
	pci_free_irq_vectors(pdev);
	rproc_free(rproc);
}

static const struct pci_device_id asvivs_ids[] = {
	{ PCI_DEVICE(PCI_VENDOR_ID_REDHAT_QUMRANET, 0x1110) },
	{ }
};
MODULE_DEVICE_TABLE(pci, asvivs_ids);

static struct pci_driver asvivs_driver = {
	.name = ASVIVS_DRV_NAME,
	.id_table = asvivs_ids,
	.probe = asvivs_probe,
	.remove = asvivs_remove,
};
module_pci_driver(asvivs_driver);

MODULE_DESCRIPTION("asvirt remote processor outside the guest, over ivshmem-doorbell");
MODULE_LICENSE("GPL");
