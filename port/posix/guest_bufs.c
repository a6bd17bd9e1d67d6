// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * Linux's rpmsg buffers in the guest's RAM, for the remote. See
 * asvirt/ivshmem.h. No OS call here: the Cortex-M board's port compiles
 * this file too (asvirt up --linux --arch arm FW.elf, port/cortex-m).
 */
#include <stdarg.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "asvirt/errors.h"
#include "asvirt/ivshmem.h"
#include "asvirt/vring.h"
#include "asvirt/wire.h"

/* virtio_rpmsg_bus.c: MAX_RPMSG_NUM_BUFS / 2 receive buffers at most. */
#define LINUX_MAX_RX_BUFS 256u

int asv_guest_bufs_ready(const struct asv_remote *r)
{
	const uint8_t *status;

	if (!r->table || r->vdev_off + sizeof(struct asv_fw_rsc_vdev) > r->table_size)
		return 0;
	status = (const uint8_t *)r->table + r->vdev_off + offsetof(struct asv_fw_rsc_vdev, status);
	return !!(__atomic_load_n(status, __ATOMIC_ACQUIRE) & ASV_VIRTIO_STATUS_DRIVER_OK);
}

/* The reason into @why (as asv_whyf, which is the POSIX port's), @err back. */
static int bufs_why(char *why, size_t n, int err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int bufs_why(char *why, size_t n, int err, const char *fmt, ...)
{
	va_list ap;

	if (why && n) {
		va_start(ap, fmt);
		vsnprintf(why, n, fmt, ap);
		va_end(ap);
	}
	return err;
}

/*
 * The layout virtio_rpmsg_bus posted (see asvirt/ivshmem.h): every receive
 * descriptor of vring0, each read once, one buffer after the other. *@base
 * is the first one's address, *@size the whole window (rx and tx halves).
 */
static int posted_window(const struct asv_remote *r, uint64_t *base, uint64_t *size, char *why,
			 size_t whylen)
{
	/* r->vdev is the remote's private copy: its fields do not change. */
	const struct asv_fw_rsc_vdev_vring *v = &r->vdev->vring[0];
	uint32_t num = asv_le32(v->num), da = asv_le32(v->da), nrx, i;
	const struct asv_vring_desc *desc;

	if (num == 0 || num > ASV_REMOTE_MAX_NUM)
		return bufs_why(why, whylen, -ASV_EFAULT, "vring0: bad size %" PRIu32, num);
	desc = NULL;
	for (i = 0; i < r->nregions && !desc; i++)
		desc = asv_region_to_va(&r->regions[i], da, (size_t)num * sizeof(*desc));
	if (!desc)
		return bufs_why(why, whylen, -ASV_EFAULT,
				"vring0 da 0x%" PRIx32 " outside our memory", da);
	nrx = num < LINUX_MAX_RX_BUFS ? num : LINUX_MAX_RX_BUFS;
	for (i = 0; i < nrx; i++) {
		uint64_t addr = asv_le64(__atomic_load_n(&desc[i].addr, __ATOMIC_RELAXED));
		uint32_t len = asv_le32(__atomic_load_n(&desc[i].len, __ATOMIC_RELAXED));

		if (!i)
			*base = addr;
		if (addr != *base + (uint64_t)i * ASV_RPMSG_BUF_SIZE || len != ASV_RPMSG_BUF_SIZE)
			return bufs_why(why, whylen, -ASV_EFAULT,
					"refusing rx buffer %" PRIu32 " at 0x%llx+%" PRIu32
					": not in the rpmsg buffer window",
					i, (unsigned long long)addr, len);
	}
	*size = 2ull * nrx * ASV_RPMSG_BUF_SIZE;
	return 0;
}

int asv_guest_bufs_learn(const struct asv_remote *r, const struct asv_mem_region *ram,
			 struct asv_mem_region *out, char *why, size_t whylen)
{
	uint64_t base = 0, size = 0;
	int err = posted_window(r, &base, &size, why, whylen);

	if (err)
		return err;
	if (base < ram->da || base - ram->da > ram->size || size > ram->size - (base - ram->da))
		return bufs_why(why, whylen, -ASV_EFAULT,
				"refusing buffer window 0x%llx+0x%llx: not in guest RAM",
				(unsigned long long)base, (unsigned long long)size);
	out->va = (uint8_t *)ram->va + (base - ram->da);
	out->da = base;
	out->size = (size_t)size;
	return 0;
}

int asv_guest_bufs_learn_carveout(const struct asv_remote *r, const struct asv_mem_region *co,
				  struct asv_mem_region *out, char *why, size_t whylen)
{
	uint64_t base = 0, size = 0;
	int err = posted_window(r, &base, &size, why, whylen);

	if (err)
		return err;
	if (size > co->size || base > UINT64_MAX - size)
		return bufs_why(why, whylen, -ASV_EFAULT,
				"refusing buffer window 0x%llx+0x%llx: larger than the "
				"vdev0buffer carveout (0x%zx bytes)",
				(unsigned long long)base, (unsigned long long)size, co->size);
	out->va = co->va;
	out->da = base;
	out->size = (size_t)size;
	return 0;
}
