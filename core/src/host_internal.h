/* SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0 */
/*
 * What the host role's files share: host_virtio.c (the transport),
 * host_bus.c (channels and drivers). Not part of the API; not in the
 * kernel module, whose host is Linux's own virtio_rpmsg_bus.
 */
#ifndef ASVIRT_HOST_INTERNAL_H
#define ASVIRT_HOST_INTERNAL_H

#include "rpmsg_internal.h"
#include "asvirt/host.h"

static inline struct asv_host *to_host(struct asv_rpmsg_dev *d)
{
	return asv_container_of(d, struct asv_host, dev);
}

static inline void *zalloc(struct asv_host *h, size_t n)
{
	return h->dev.env.alloc(h->dev.env.ctx, n);
}

static inline void zfree(struct asv_host *h, void *p)
{
	if (p)
		h->dev.env.free(h->dev.env.ctx, p);
}

/*
 * The host's role op ns_rx: the name-service message @msg (ns.c checked
 * it, its name NUL-terminated) creates or removes a channel of the remote
 * (ISR thread, RX lock held). The bus's half of the host's name service,
 * as Linux's rpmsg_ns_cb() calls rpmsg_create_channel().
 */
void asv_host_ns_rx(struct asv_rpmsg_dev *d, const void *msg, size_t len, uint32_t src);

/* Link down: remove every channel (drivers' remove()) and free the
 * endpoints asv_host_create_ept() made that are still open. RX lock held. */
void asv_host_bus_teardown(struct asv_host *h);

#endif
