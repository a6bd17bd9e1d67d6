// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * The endpoint table, both roles: hash buckets by address, the dynamic
 * addresses from 1024 (lowest free first, as Linux's idr), creating and
 * destroying endpoints, and the device's common part with its
 * name-service endpoint.
 */
#include "rpmsg_internal.h"

struct asv_endpoint *asv_ept_lookup(struct asv_rpmsg_dev *d, uint32_t addr)
{
	struct asv_endpoint *e;

	asv_lock(d, ASV_LOCK_EPT);
	e = asv_ept_lookup_locked(d, addr);
	asv_unlock(d, ASV_LOCK_EPT);
	return e;
}

void asv_ept_for_each(struct asv_rpmsg_dev *d, void (*fn)(struct asv_endpoint *, void *), void *arg)
{
	unsigned int b;

	asv_lock(d, ASV_LOCK_EPT);
	for (b = 0; b < ASV_EPT_BUCKETS; b++) {
		struct asv_endpoint *e = d->bucket[b];

		for (; e; e = e->next)
			fn(e, arg);
	}
	asv_unlock(d, ASV_LOCK_EPT);
}

static bool dyn_addr(uint32_t addr)
{
	return addr >= ASV_RPMSG_RESERVED_ADDRESSES &&
	       addr - ASV_RPMSG_RESERVED_ADDRESSES < ASV_DYN_ADDRS;
}

static void dyn_set(struct asv_rpmsg_dev *d, uint32_t addr, bool on)
{
	uint32_t i = addr - ASV_RPMSG_RESERVED_ADDRESSES;

	if (on)
		d->dyn_map[i / 32] |= 1u << (i % 32);
	else
		d->dyn_map[i / 32] &= ~(1u << (i % 32));
}

/* The lowest free dynamic address, as Linux's idr_alloc() from 1024. */
static int dyn_alloc(struct asv_rpmsg_dev *d, uint32_t *addr)
{
	uint32_t w, b;

	for (w = 0; w < ASV_DYN_ADDRS / 32; w++) {
		if (d->dyn_map[w] == 0xFFFFFFFFu)
			continue;
		for (b = 0; d->dyn_map[w] & (1u << b); b++)
			;
		*addr = ASV_RPMSG_RESERVED_ADDRESSES + w * 32 + b;
		return 0;
	}
	return -ASV_ENOSPC;
}

static int ept_add(struct asv_rpmsg_dev *d, struct asv_endpoint *ept, uint32_t addr)
{
	int err = 0;

	asv_lock(d, ASV_LOCK_EPT);
	if (addr == ASV_RPMSG_ADDR_ANY)
		err = dyn_alloc(d, &addr);
	else if (asv_ept_lookup_locked(d, addr))
		err = -ASV_EBUSY;
	if (!err) {
		unsigned int b = asv_ept_bucket(addr);

		ept->addr = addr;
		if (dyn_addr(addr))
			dyn_set(d, addr, true);
		ept->next = d->bucket[b];
		asv_store_release(&d->bucket[b], ept);
	}
	asv_unlock(d, ASV_LOCK_EPT);
	return err;
}

static int ept_remove(struct asv_rpmsg_dev *d, struct asv_endpoint *ept)
{
	struct asv_endpoint **pp;
	int err = -ASV_ENOENT;

	asv_lock(d, ASV_LOCK_EPT);
	for (pp = &d->bucket[asv_ept_bucket(ept->addr)]; *pp; pp = &(*pp)->next) {
		if (*pp == ept) {
			*pp = ept->next;
			ept->next = NULL;
			if (dyn_addr(ept->addr))
				dyn_set(d, ept->addr, false);
			err = 0;
			break;
		}
	}
	asv_unlock(d, ASV_LOCK_EPT);
	return err;
}

void asv_rpmsg_dev_init(struct asv_rpmsg_dev *d, const struct asv_role_ops *ops,
			const struct asv_env *env, bool is_remote)
{
	memset(d, 0, sizeof(*d));
	d->ops = ops;
	d->env = *env;
	d->is_remote = is_remote;
	d->timeout_ms = 15000; /* Linux's rpmsg_send() waits 15 s */
	d->tx_cap = ASV_RPMSG_MAX_PAYLOAD;
	d->ns_ept.cb = asv_ns_ept_cb;
	d->ns_ept.dev = d;
	d->ns_ept.dst = ASV_RPMSG_NS_ADDR;
	memcpy(d->ns_ept.name, "name-service", sizeof("name-service"));
	/* The name-service address is always reserved. */
	ept_add(d, &d->ns_ept, ASV_RPMSG_NS_ADDR);
}

int asv_create_ept(struct asv_rpmsg_dev *d, struct asv_endpoint *ept, const char *name,
		   uint32_t addr, asv_rx_cb cb, void *priv)
{
	int err;

	if (!d || !ept || !cb)
		return -ASV_EINVAL;
	memset(ept, 0, sizeof(*ept));
	if (name) {
		size_t n = asv_strnlen(name, ASV_RPMSG_NAME_SIZE);

		if (n >= ASV_RPMSG_NAME_SIZE)
			return -ASV_EINVAL;
		memcpy(ept->name, name, n);
	}
	ept->cb = cb;
	ept->priv = priv;
	ept->dev = d;
	ept->dst = ASV_RPMSG_ADDR_ANY;
	/* set before the endpoint is visible: the ISR's announcer may see it */
	ept->ns_state = d->is_remote && ept->name[0] ? ASV_NS_PENDING : ASV_NS_NONE;
	err = ept_add(d, ept, addr);
	if (err) {
		asv_dev_log(d, ASV_LOG_WARN, "endpoint '%s' at 0x%" PRIx32 ": %s", ept->name, addr,
			    asv_strerror(err));
		return err;
	}
	if (d->is_remote && ept->name[0] && asv_link_ready(d) && d->ns_enabled) {
		err = asv_ept_announce(ept);
		if (err)
			asv_dev_log(d, ASV_LOG_WARN, "announce of '%s' failed: %s", ept->name,
				    asv_strerror(err));
	}
	return 0;
}

int asv_ept_destroy(struct asv_endpoint *ept, bool rx_held)
{
	struct asv_rpmsg_dev *d;
	int err;

	if (!ept || !ept->dev)
		return -ASV_EINVAL;
	d = ept->dev;
	if (asv_ept_ns_gone(d, ept) == ASV_NS_ANNOUNCED && asv_link_ready(d))
		asv_rpmsg_ns_announce(ept, ASV_RPMSG_NS_DESTROY);
	/* Holding RX here means no callback of @ept is running elsewhere. */
	if (!rx_held)
		asv_lock(d, ASV_LOCK_RX);
	err = ept_remove(d, ept);
	if (!rx_held)
		asv_unlock(d, ASV_LOCK_RX);
	return err;
}

int asv_destroy_ept(struct asv_endpoint *ept)
{
	if (!ept || !ept->dev)
		return -ASV_EINVAL;
	return asv_ept_destroy(ept, asv_in_isr(ept->dev));
}
