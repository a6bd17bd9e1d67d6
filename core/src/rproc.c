// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * Host-side resource placement into one shared block. See rproc.h.
 *
 * Two passes over the table: the first reserves every range the firmware
 * fixed (it must lie in the block and overlap nothing reserved before it),
 * the second gives each entry at FW_RSC_ADDR_ANY the lowest free range of
 * its alignment, in table order, as a first-fit allocator around the
 * reserved ones. Without fixed ranges this is the plain bump layout:
 * table, then the entries in table order.
 */
#include "compat.h"
#include "asvirt/errors.h"
#include "asvirt/rproc.h"

#define PAGE 4096u

static void set_what(struct asv_rproc_range *r, const char *name)
{
	size_t n = asv_strnlen(name, ASV_RSC_NAME_SIZE - 1);

	memcpy(r->what, name, n);
	r->what[n] = 0;
}

/* "vdev<v>vring<k>", the name Linux gives a vring's carveout. */
static void vring_name(char *out, unsigned int v, unsigned int k)
{
	char *p = out;

	memcpy(p, "vdev", 4);
	p += 4;
	if (v >= 10)
		*p++ = (char)('0' + (v / 10) % 10);
	*p++ = (char)('0' + v % 10);
	memcpy(p, "vring", 5);
	p += 5;
	*p++ = (char)('0' + k);
	*p = 0;
}

static const struct asv_rproc_range *overlap(const struct asv_rproc *rp, uint64_t lo, uint64_t hi)
{
	unsigned int i;

	for (i = 0; i < rp->nranges; i++)
		if (lo < rp->range[i].hi && rp->range[i].lo < hi)
			return &rp->range[i];
	return NULL;
}

static int add_range(struct asv_rproc *rp, const struct asv_env *env, const char *what, uint64_t lo,
		     uint64_t len)
{
	const struct asv_rproc_range *o = overlap(rp, lo, lo + len);
	struct asv_rproc_range *r;

	if (o) {
		asv_logf(env, ASV_LOG_ERR,
			 "rproc: %s at 0x%llx+0x%llx overlaps %s at 0x%llx+0x%llx", what,
			 (unsigned long long)lo, (unsigned long long)len, o->what,
			 (unsigned long long)o->lo, (unsigned long long)(o->hi - o->lo));
		return -ASV_EINVAL;
	}
	if (rp->nranges >= ASV_RPROC_MAX_RANGES) {
		asv_logf(env, ASV_LOG_ERR, "rproc: more than %u ranges", ASV_RPROC_MAX_RANGES);
		return -ASV_ENOMEM;
	}
	r = &rp->range[rp->nranges++];
	r->lo = lo;
	r->hi = lo + len;
	set_what(r, what);
	return 0;
}

/* The lowest free @align-aligned range of @len bytes in the block. */
static int alloc_da(struct asv_rproc *rp, size_t len, uint64_t align, uint32_t *da)
{
	uint64_t end = rp->shm.da + rp->shm.size;
	uint64_t c = (rp->shm.da + align - 1) & ~(align - 1);
	const struct asv_rproc_range *o;

	while (c <= end && len <= end - c && (o = overlap(rp, c, c + len)) != NULL)
		c = (o->hi + align - 1) & ~(align - 1);
	if (c > end || len > end - c || c + len > 0xFFFFFFFFull)
		return -ASV_ENOMEM;
	*da = (uint32_t)c;
	return 0;
}

/*
 * Place [*da_f, +len): at ANY (@fixed false) allocate it and write the
 * address back; fixed (@fixed true) check it lies in the block. Either way
 * the range is reserved under @what and *va points at it.
 */
static int place(struct asv_rproc *rp, const struct asv_env *env, const char *what, asv_le32 *da_f,
		 size_t len, size_t align, bool fixed, void **va)
{
	uint32_t da = asv_le32(*da_f);
	int err;

	if ((da == ASV_FW_RSC_ADDR_ANY) == fixed)
		return 0;
	if (!fixed) {
		if (alloc_da(rp, len, align, &da)) {
			asv_logf(env, ASV_LOG_ERR,
				 "rproc: %s of %zu bytes does not fit the %zu-byte block", what,
				 len, rp->shm.size);
			return -ASV_ENOMEM;
		}
		*da_f = asv_cpu_to_le32(da);
	}
	*va = asv_region_to_va(&rp->shm, da, len);
	if (!*va) {
		asv_logf(env, ASV_LOG_ERR,
			 "rproc: %s at 0x%" PRIx32 "+0x%zx is outside the shared block", what, da,
			 len);
		return -ASV_EFAULT;
	}
	err = add_range(rp, env, what, da, len);
	if (err)
		return err;
	if (!fixed)
		memset(*va, 0, len);
	return 0;
}

/* Does a fixed carveout of the table hold [da, da + len)? */
static bool in_carveout(const struct asv_rproc *rp, uint32_t da, uint32_t len)
{
	const struct asv_resource_table *t = rp->table;
	uint32_t i, num = asv_le32(t->num);

	for (i = 0; i < num; i++) {
		const struct asv_fw_rsc_hdr *h =
		    (const void *)((const uint8_t *)rp->table + asv_le32(t->offset[i]));
		const struct asv_fw_rsc_carveout *c = (const void *)h->data;
		uint64_t cda = asv_le32(c->da), clen = asv_le32(c->len);

		if (asv_le32(h->type) == ASV_RSC_CARVEOUT && cda != ASV_FW_RSC_ADDR_ANY &&
		    da >= cda && (uint64_t)da + len <= cda + clen)
			return true;
	}
	return false;
}

/* Would Linux give this vdev's vrings memory (rproc_parse_vring)? Ours
 * also needs a power-of-two align to lay a ring out. */
static bool vdev_usable(const struct asv_fw_rsc_vdev *v)
{
	uint32_t k;

	for (k = 0; k < v->num_of_vrings; k++) {
		uint32_t n = asv_le32(v->vring[k].num), a = asv_le32(v->vring[k].align);

		if (!n || n > ASV_VRING_MAX_NUM || !a || (a & (a - 1)))
			return false;
	}
	return true;
}

/*
 * Vring @k of vdev number @nvdev (counting every vdev): reserve it when
 * fixed, allocate it when at ANY; in the second pass give it the next
 * notify id. A served rpmsg vdev (@rv) records it for its host.
 */
static int place_vring(struct asv_rproc *rp, const struct asv_env *env, struct asv_fw_rsc_vdev *v,
		       unsigned int nvdev, uint32_t k, struct asv_rproc_vdev *rv, bool fixed)
{
	struct asv_fw_rsc_vdev_vring *vr = &v->vring[k];
	uint32_t n = asv_le32(vr->num), a = asv_le32(vr->align);
	size_t len = asv_vring_size(n, a);
	char name[ASV_RSC_NAME_SIZE];
	void *va = NULL;
	int err;

	vring_name(name, nvdev, k);
	err = place(rp, env, name, &vr->da, len, a < PAGE ? PAGE : a, fixed, &va);
	if (err || fixed)
		return err;
	vr->pa = vr->da;
	vr->notifyid = asv_cpu_to_le32(rp->next_notifyid);
	if (rv) {
		rv->vring_va[k] = asv_region_to_va(&rp->shm, asv_le32(vr->da), len);
		rv->vring_num[k] = n;
		rv->vring_align[k] = a;
		rv->notifyid[k] = rp->next_notifyid;
	}
	rp->next_notifyid++;
	return 0;
}

/* One pass over the table: fixed ranges (@fixed) or those at ANY. */
static int place_all(struct asv_rproc *rp, const struct asv_env *env, bool fixed)
{
	struct asv_resource_table *t = rp->table;
	uint32_t i, num = asv_le32(t->num);
	unsigned int nvdev = 0;
	int err;

	for (i = 0; i < num; i++) {
		struct asv_fw_rsc_hdr *h = (void *)((uint8_t *)rp->table + asv_le32(t->offset[i]));
		void *va = NULL;

		switch (asv_le32(h->type)) {
		case ASV_RSC_CARVEOUT: {
			struct asv_fw_rsc_carveout *c = (void *)h->data;
			char name[ASV_RSC_NAME_SIZE];

			memcpy(name, c->name, sizeof(name));
			name[sizeof(name) - 1] = 0;
			err = place(rp, env, name, &c->da, asv_le32(c->len), PAGE, fixed, &va);
			if (err)
				return err;
			if (!va)
				break;
			c->pa = c->da;
			break;
		}
		case ASV_RSC_TRACE: {
			struct asv_fw_rsc_trace *tr = (void *)h->data;
			uint32_t da = asv_le32(tr->da), len = asv_le32(tr->len);

			/*
			 * Linux allocates no trace buffer (rproc_handle_trace
			 * records da; debugfs translates it on each read with
			 * rproc_da_to_va, "Trace ... not available" when that
			 * fails). So: one at ANY is not allocated; a fixed one
			 * is used where it is mapped (inside a carveout, sharing
			 * its range, or elsewhere in the block, reserved).
			 */
			if (!fixed) {
				if (da == ASV_FW_RSC_ADDR_ANY)
					asv_logf(env, ASV_LOG_WARN,
						 "rproc: trace buffer %.32s at FW_RSC_ADDR_ANY is "
						 "not allocated (nor by Linux): give it a fixed da "
						 "inside a carveout",
						 tr->name);
				break;
			}
			if (da == ASV_FW_RSC_ADDR_ANY)
				break;
			va = asv_region_to_va(&rp->shm, da, len);
			if (!va) {
				asv_logf(env, ASV_LOG_WARN,
					 "rproc: trace buffer at 0x%" PRIx32 "+0x%" PRIx32
					 " is outside the shared "
					 "block: not available",
					 da, len);
				break;
			}
			if (!in_carveout(rp, da, len)) {
				err = add_range(rp, env, "trace buffer", da, len);
				if (err)
					return err;
			}
			if (!rp->trace_va) {
				rp->trace_va = va;
				rp->trace_len = len;
			}
			break;
		}
		case ASV_RSC_VDEV: {
			struct asv_fw_rsc_vdev *v = (void *)h->data;
			bool rpmsg = asv_le32(v->id) == ASV_VIRTIO_ID_RPMSG;
			struct asv_rproc_vdev *rv = NULL;
			uint32_t k;

			/*
			 * Linux sets up every vdev, whatever its id, in table
			 * order (rproc_handle_vdev -> rproc_virtio_probe): its
			 * vrings get carveouts "vdev<i>vring<k>" and notify ids
			 * from one counter (rproc_alloc_vring, idr_alloc from
			 * 0). A vdev whose vrings Linux would refuse
			 * (rproc_parse_vring: num or align 0) gets none. Each
			 * rpmsg vdev is a device of its own (one rproc_vdev per
			 * vdev resource): we record each for its own host.
			 */
			if (vdev_usable(v)) {
				if (rpmsg && !fixed) {
					if (rp->nrpmsg < ASV_RPROC_MAX_RPMSG) {
						rv = &rp->rpmsg[rp->nrpmsg++];
						rv->vdev = v;
						rv->index = nvdev;
					} else {
						asv_logf(env, ASV_LOG_WARN,
							 "rproc: rpmsg vdev%u placed, not served "
							 "(more than %u rpmsg vdevs)",
							 nvdev, ASV_RPROC_MAX_RPMSG);
					}
				}
				for (k = 0; k < v->num_of_vrings; k++) {
					err = place_vring(rp, env, v, nvdev, k, rv, fixed);
					if (err)
						return err;
				}
			}
			nvdev++;
			break;
		}
		default:
			break;
		}
	}
	return 0;
}

/*
 * The buffers of rpmsg vdev @rv: its "vdev<index>buffer" carveout, as
 * Linux takes them (remoteproc_virtio.c rproc_add_virtio_dev), or else
 * 2 x min(num, 256) buffers allocated from the block (Linux would take
 * them from the parent's DMA pool).
 */
static int vdev_buffers(struct asv_rproc *rp, struct asv_rproc_vdev *rv, const struct asv_env *env)
{
	char name[ASV_RSC_NAME_SIZE];
	const struct asv_fw_rsc_carveout *c;
	uint32_t n = rv->vring_num[0] < 256 ? rv->vring_num[0] : 256;
	size_t len = 2u * n * ASV_RPMSG_BUF_SIZE;
	uint32_t da;

	asv_rsc_vdev_buffer_name(name, rv->index);
	c = asv_rsc_find_carveout(rp->table, name);
	if (c) {
		/* placed (at ANY) or checked to lie in the block (fixed) */
		rv->bufs.da = asv_le32(c->da);
		rv->bufs.size = asv_le32(c->len);
		rv->bufs.va = asv_region_to_va(&rp->shm, rv->bufs.da, rv->bufs.size);
		if (rv->bufs.va)
			return 0;
		asv_logf(env, ASV_LOG_ERR, "rproc: %s is outside the shared block", name);
		return -ASV_EFAULT;
	}
	if (alloc_da(rp, len, PAGE, &da) || add_range(rp, env, "the rpmsg buffers", da, len)) {
		asv_logf(env, ASV_LOG_ERR, "rproc: no room for %" PRIu32 " rpmsg buffers of vdev%u",
			 2 * n, rv->index);
		return -ASV_ENOMEM;
	}
	rv->bufs.va = asv_region_to_va(&rp->shm, da, len);
	rv->bufs.da = da;
	rv->bufs.size = len;
	memset(rv->bufs.va, 0, len);
	return 0;
}

int asv_rproc_load(struct asv_rproc *rp, const struct asv_mem_region *shm, const void *fw_table,
		   size_t size, const struct asv_env *env)
{
	const struct asv_rproc_vdev *rv;
	unsigned int i;
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
	err = add_range(rp, env, "the resource table", shm->da,
			(size + PAGE - 1) & ~(uint64_t)(PAGE - 1));
	if (err)
		return err;
	err = place_all(rp, env, true);
	if (!err)
		err = place_all(rp, env, false);
	if (err)
		return err;
	if (!rp->nrpmsg) {
		asv_logf(env, ASV_LOG_ERR, "rproc: the table has no rpmsg vdev (id 7)");
		return -ASV_EINVAL;
	}
	for (i = 0; i < rp->nrpmsg; i++) {
		err = vdev_buffers(rp, &rp->rpmsg[i], env);
		if (err)
			return err;
		rp->rpmsg[i].vdev->status = 0;
		rp->rpmsg[i].vdev->gfeatures = 0;
	}
	if (rp->nrpmsg > 1)
		asv_logf(env, ASV_LOG_INFO, "rproc: %u rpmsg vdevs, each its own device",
			 rp->nrpmsg);
	rv = &rp->rpmsg[0];
	rp->vdev = rv->vdev;
	rp->vdev_index = rv->index;
	rp->bufs = rv->bufs;
	for (i = 0; i < 2; i++) {
		rp->vring_va[i] = rv->vring_va[i];
		rp->vring_num[i] = rv->vring_num[i];
		rp->vring_align[i] = rv->vring_align[i];
		rp->notifyid[i] = rv->notifyid[i];
	}
	return 0;
}

int asv_rproc_host_config_vdev(const struct asv_rproc *rp, unsigned int k,
			       struct asv_host_config *cfg)
{
	const struct asv_rproc_vdev *rv;
	unsigned int i;

	if (k >= rp->nrpmsg)
		return -ASV_EINVAL;
	rv = &rp->rpmsg[k];
	cfg->vdev = rv->vdev;
	for (i = 0; i < 2; i++) {
		cfg->vring_va[i] = rv->vring_va[i];
		cfg->vring_num[i] = rv->vring_num[i];
		cfg->vring_align[i] = rv->vring_align[i];
		cfg->notifyid[i] = rv->notifyid[i];
	}
	cfg->bufs = rv->bufs;
	return 0;
}

void asv_rproc_host_config(const struct asv_rproc *rp, struct asv_host_config *cfg)
{
	asv_rproc_host_config_vdev(rp, 0, cfg);
}
