// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/* Host-side resource allocation into one shared block. See rproc.h. */
#include "compat.h"
#include "asvirt/errors.h"
#include "asvirt/rproc.h"

#define PAGE 4096u

static int alloc_da(struct asv_rproc *rp, size_t len, size_t align, uint32_t *da, void **va)
{
	size_t off = (rp->used + align - 1) & ~(align - 1);

	if (off > rp->shm.size || len > rp->shm.size - off ||
	    rp->shm.da + off + len > 0xFFFFFFFFull)
		return -ASV_ENOMEM;
	rp->used = off + len;
	*da = (uint32_t)(rp->shm.da + off);
	*va = (uint8_t *)rp->shm.va + off;
	memset(*va, 0, len);
	return 0;
}

/* A fixed (non-ANY) address must lie in the block; ANY gets allocated. */
static int place(struct asv_rproc *rp, const struct asv_env *env, const char *what, asv_le32 *da_f,
		 size_t len, size_t align, void **va)
{
	uint32_t da = asv_le32(*da_f);

	if (da == ASV_FW_RSC_ADDR_ANY) {
		if (alloc_da(rp, len, align, &da, va)) {
			asv_logf(env, ASV_LOG_ERR,
				 "rproc: %s of %zu bytes does not fit the %zu-byte block", what,
				 len, rp->shm.size);
			return -ASV_ENOMEM;
		}
		*da_f = asv_cpu_to_le32(da);
		return 0;
	}
	*va = asv_region_to_va(&rp->shm, da, len);
	if (!*va) {
		asv_logf(env, ASV_LOG_ERR, "rproc: %s at 0x%x+0x%zx is outside the shared block",
			 what, da, len);
		return -ASV_EFAULT;
	}
	return 0;
}

int asv_rproc_load(struct asv_rproc *rp, const struct asv_mem_region *shm, const void *fw_table,
		   size_t size, const struct asv_env *env)
{
	struct asv_resource_table *t;
	uint32_t i, num, notifyid = 0;
	int err;

	memset(rp, 0, sizeof(*rp));
	rp->shm = *shm;
	err = asv_rsc_validate(fw_table, size, env);
	if (err)
		return err;
	if (size > shm->size / 2) {
		asv_logf(env, ASV_LOG_ERR, "rproc: %zu-byte table too large for the block", size);
		return -ASV_ENOMEM;
	}
	/* The loaded table sits at the start of the block, page aligned. */
	memcpy(shm->va, fw_table, size);
	rp->table = shm->va;
	rp->table_size = size;
	rp->used = (size + PAGE - 1) & ~(size_t)(PAGE - 1);
	t = rp->table;
	num = asv_le32(t->num);
	for (i = 0; i < num; i++) {
		struct asv_fw_rsc_hdr *h = (void *)((uint8_t *)rp->table + asv_le32(t->offset[i]));
		void *va;

		switch (asv_le32(h->type)) {
		case ASV_RSC_CARVEOUT: {
			struct asv_fw_rsc_carveout *c = (void *)h->data;

			err = place(rp, env, "carveout", &c->da, asv_le32(c->len), PAGE, &va);
			if (err)
				return err;
			c->pa = c->da;
			if (!strncmp(c->name, ASV_RSC_VDEV0_BUFFER, ASV_RSC_NAME_SIZE)) {
				rp->bufs.va = va;
				rp->bufs.da = asv_le32(c->da);
				rp->bufs.size = asv_le32(c->len);
			}
			break;
		}
		case ASV_RSC_TRACE: {
			struct asv_fw_rsc_trace *tr = (void *)h->data;

			err = place(rp, env, "trace buffer", &tr->da, asv_le32(tr->len), 64, &va);
			if (err)
				return err;
			if (!rp->trace_va) {
				rp->trace_va = va;
				rp->trace_len = asv_le32(tr->len);
			}
			break;
		}
		case ASV_RSC_VDEV: {
			struct asv_fw_rsc_vdev *v = (void *)h->data;
			uint32_t k;

			if (asv_le32(v->id) != ASV_VIRTIO_ID_RPMSG)
				break;
			rp->vdev = v;
			for (k = 0; k < 2; k++) {
				struct asv_fw_rsc_vdev_vring *vr = &v->vring[k];
				uint32_t n = asv_le32(vr->num), a = asv_le32(vr->align);

				err = place(rp, env, k ? "vring1" : "vring0", &vr->da,
					    asv_vring_size(n, a), a < PAGE ? PAGE : a, &va);
				if (err)
					return err;
				vr->pa = vr->da;
				vr->notifyid = asv_cpu_to_le32(notifyid);
				rp->vring_va[k] = va;
				rp->vring_num[k] = n;
				rp->vring_align = a;
				rp->notifyid[k] = notifyid++;
			}
			v->status = 0;
			v->gfeatures = 0;
			break;
		}
		default:
			break;
		}
	}
	if (!rp->vdev) {
		asv_logf(env, ASV_LOG_ERR, "rproc: the table has no rpmsg vdev (id 7)");
		return -ASV_EINVAL;
	}
	if (!rp->bufs.va) {
		/* No vdev0buffer carveout: take buffers from the block. */
		uint32_t n = rp->vring_num[0] < 256 ? rp->vring_num[0] : 256;
		uint32_t da;

		if (alloc_da(rp, 2u * n * ASV_RPMSG_BUF_SIZE, PAGE, &da, &rp->bufs.va)) {
			asv_logf(env, ASV_LOG_ERR, "rproc: no room for %u rpmsg buffers", 2 * n);
			return -ASV_ENOMEM;
		}
		rp->bufs.da = da;
		rp->bufs.size = 2u * n * ASV_RPMSG_BUF_SIZE;
	}
	return 0;
}

void asv_rproc_host_config(const struct asv_rproc *rp, struct asv_host_config *cfg)
{
	cfg->vdev = rp->vdev;
	cfg->vring_va[0] = rp->vring_va[0];
	cfg->vring_va[1] = rp->vring_va[1];
	cfg->vring_num[0] = rp->vring_num[0];
	cfg->vring_num[1] = rp->vring_num[1];
	cfg->vring_align = rp->vring_align;
	cfg->notifyid[0] = rp->notifyid[0];
	cfg->notifyid[1] = rp->notifyid[1];
	cfg->bufs = rp->bufs;
}
