// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/* The runner's reading of the control page. See asvirt/shmctl.h. */
#include "asvirt/errors.h"
#include "asvirt/shmctl.h"

/* The page holds the runner's fields too (fatal[] last): it must fit. */
_Static_assert(sizeof(struct asv_shm_ctl) <= ASV_SHM_CTL_SIZE, "control page overflows");

int asv_shm_ctl_read(const struct asv_shm_ctl *ctl, uint64_t shm_size, struct asv_shm_layout *out)
{
	/* Each field once, then only the copies: the host may rewrite them. */
	uint32_t magic = __atomic_load_n(&ctl->magic, __ATOMIC_RELAXED);
	uint32_t version = __atomic_load_n(&ctl->version, __ATOMIC_RELAXED);
	uint64_t size = __atomic_load_n(&ctl->shm_size, __ATOMIC_RELAXED);
	uint64_t off = __atomic_load_n(&ctl->region_off, __ATOMIC_RELAXED);
	uint64_t region = __atomic_load_n(&ctl->region_size, __ATOMIC_RELAXED);
	uint64_t da = __atomic_load_n(&ctl->region_da, __ATOMIC_RELAXED);
	uint32_t table = __atomic_load_n(&ctl->table_size, __ATOMIC_RELAXED);
	uint32_t bufs_off = __atomic_load_n(&ctl->bufs_off, __ATOMIC_RELAXED);
	uint32_t bufs_size = __atomic_load_n(&ctl->bufs_size, __ATOMIC_RELAXED);

	if (magic != ASV_SHM_MAGIC || version != ASV_SHM_VERSION || size != shm_size ||
	    off != ASV_SHM_CTL_SIZE || off > size || region > size - off || table > region)
		return -ASV_EINVAL;
	/* the buffers after the region, inside the block (no wrap: 64-bit sums) */
	if (bufs_size &&
	    ((uint64_t)bufs_off < off + region || bufs_off > size || bufs_size > size - bufs_off))
		return -ASV_EINVAL;
	out->bufs_off = bufs_size ? bufs_off : 0;
	out->bufs_size = bufs_size;
	out->region_off = off;
	out->region_size = region;
	out->region_da = da;
	out->table_size = table;
	return 0;
}
