/* SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0 */
/*
 * The bridge to Linux in QEMU (asvirt up --linux): asvirt serves QEMU's
 * ivshmem-doorbell device itself, and the firmware's remote finds Linux's
 * rpmsg buffers in the guest's RAM.
 *
 * The ivshmem server protocol (QEMU docs/specs/ivshmem-spec.txt, measured
 * with QEMU 7.2, ../shared/FACTS.md): over a Unix stream socket, each
 * message one little-endian int64, some with one fd (SCM_RIGHTS). To a new
 * client: the protocol version 0; the client's id; -1 with the shared
 * memory fd; for every other peer its id with one eventfd per vector; the
 * client's own id with its eventfds. A guest write of (peer << 16 | vector)
 * to BAR0 offset 12 signals that peer's eventfd for the vector; a write to
 * the client's own eventfd v raises its MSI-X vector v.
 */
#ifndef ASVIRT_IVSHMEM_H
#define ASVIRT_IVSHMEM_H

#include <stddef.h>
#include <stdint.h>

#include "asvirt/remote.h"

#define ASV_IVSHMEM_MAX_VECTORS 8u

/* Listen on the Unix socket @path (removed first). The fd, or -errno. */
int asv_ivshmem_listen(const char *path);

/*
 * Greet one client on @conn: it gets id @client_id, the shared block
 * @shm_fd, the peer @peer_id with @peer_efds (QEMU signals them on the
 * guest's doorbell writes) and its own @client_efds (writing one raises
 * the guest's MSI-X vector), @nvec of each. 0 or -ASV_EIO.
 */
int asv_ivshmem_greet(int conn, int64_t client_id, int shm_fd, int64_t peer_id,
		      const int *peer_efds, const int *client_efds, unsigned int nvec);

/*
 * The guest's RAM for the firmware's remote: the memfd QEMU maps as the
 * guest's memory (memory-backend-file ... share=on), at guest physical
 * address @ram->da (0 on x86 `pc` below the PCI hole).
 *
 * asv_guest_bufs_ready(): the remote's vdev in the shared table has
 * DRIVER_OK (read once): virtio_rpmsg_bus has posted its receive buffers.
 *
 * asv_guest_bufs_learn(): the window Linux's rpmsg buffers live in. Linux
 * 6.1 allocates all of them with one dma_alloc_coherent() in guest RAM
 * (virtio_rpmsg_bus.c rpmsg_probe) and posts the first half, in order, as
 * the receive buffers of vring[0] before DRIVER_OK; the second half is its
 * transmit buffers. The layout is accepted only when every posted
 * descriptor (each read once) matches it and the whole window lies inside
 * @ram; then *@out is that window (inside @ram's mapping) for
 * asv_remote_set_buffers(), and every later buffer address is checked
 * against it by the core. 0, or -ASV_EFAULT with the reason in @why.
 */
int asv_guest_bufs_ready(const struct asv_remote *r);
int asv_guest_bufs_learn(const struct asv_remote *r, const struct asv_mem_region *ram,
			 struct asv_mem_region *out, char *why, size_t whylen);

/*
 * asv_guest_bufs_learn_carveout(): the same, when Linux's buffers sit in a
 * vdev0buffer carveout the guest driver declared at @co (inside the
 * shared block; asvirt up --linux --arch arm). remoteproc hands that
 * carveout to dma_declare_coherent_memory() (remoteproc_virtio.c
 * rproc_add_virtio_dev), and the one dma_alloc_coherent() of
 * virtio_rpmsg_bus is the pool's first allocation, so it starts at the
 * carveout's first byte (kernel/dma/coherent.c
 * __dma_alloc_from_coherent: bitmap_find_free_region from bit 0). The
 * descriptors carry guest physical addresses this side cannot check (the
 * guest placed the BAR): the first receive buffer's address is taken as
 * the carveout's start. The posted layout is checked as above and must fit
 * in @co; *@out is then @co's start at that address. A guest that lies
 * gets its own carveout's bytes back, never anything outside @co.
 */
int asv_guest_bufs_learn_carveout(const struct asv_remote *r, const struct asv_mem_region *co,
				  struct asv_mem_region *out, char *why, size_t whylen);

#endif
