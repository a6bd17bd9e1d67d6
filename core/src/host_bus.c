// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * The host's bus of channels and drivers, as Linux's rpmsg_core.c with
 * virtio_rpmsg_bus.c's channel creation: a channel per name the remote
 * announces (ns.c parses the message), drivers bound to channels by name
 * (probe/remove), the host's endpoints allocated from the env.
 */
#include "host_internal.h"

static struct asv_channel *find_channel(struct asv_host *h, const char *name, uint32_t dst)
{
	struct asv_channel *c;

	for (c = h->channels; c; c = c->next)
		if (c->dst == dst && !strncmp(c->name, name, ASV_RPMSG_NAME_SIZE))
			return c;
	return NULL;
}

static void host_ept_free(struct asv_endpoint *ept, bool rx_held);

/* Bind @drv to @c: an endpoint at a dynamic address, then probe(). */
static void bind_channel(struct asv_host *h, struct asv_channel *c, struct asv_host_driver *drv)
{
	int err;

	c->ept = asv_host_create_ept(h, c->name, ASV_RPMSG_ADDR_ANY, drv->callback, c, &err);
	if (!c->ept) {
		asv_dev_log(&h->dev, ASV_LOG_ERR, "channel %s: no endpoint: %s", c->name,
			    asv_strerror(err));
		return;
	}
	c->ept->dst = c->dst;
	c->src = c->ept->addr;
	c->drv = drv;
	if (drv->probe) {
		err = drv->probe(c);
		if (err) {
			asv_dev_log(&h->dev, ASV_LOG_WARN, "driver %s: probe failed: %d", drv->name,
				    err);
			host_ept_free(c->ept, true);
			c->ept = NULL;
			c->drv = NULL;
			c->src = ASV_RPMSG_ADDR_ANY;
		}
	}
}

static void unbind_channel(struct asv_channel *c)
{
	if (!c->drv)
		return;
	if (c->drv->remove)
		c->drv->remove(c);
	if (c->ept)
		host_ept_free(c->ept, true);
	c->ept = NULL;
	c->drv = NULL;
	c->src = ASV_RPMSG_ADDR_ANY;
}

static void channel_create(struct asv_host *h, const char *name, uint32_t dst)
{
	struct asv_host_driver *drv;
	struct asv_channel *c;

	if (find_channel(h, name, dst)) {
		asv_dev_log(&h->dev, ASV_LOG_ERR,
			    "channel %s:0x%" PRIx32 " already exists (EEXIST)", name, dst);
		return;
	}
	if (h->nchannels >= ASV_HOST_MAX_CHANNELS) {
		asv_dev_log(&h->dev, ASV_LOG_ERR, "channel %s: more than %u channels (ENOSPC)",
			    name, ASV_HOST_MAX_CHANNELS);
		return;
	}
	c = zalloc(h, sizeof(*c));
	if (!c)
		return;
	memcpy(c->name, name, ASV_RPMSG_NAME_SIZE);
	c->dst = dst;
	c->src = ASV_RPMSG_ADDR_ANY;
	c->host = h;
	c->next = h->channels;
	h->channels = c;
	h->nchannels++;
	asv_dev_log(&h->dev, ASV_LOG_INFO, "creating channel %s addr 0x%" PRIx32, name, dst);
	if (h->on_channel)
		h->on_channel(h, c, true, h->on_channel_priv);
	for (drv = h->drivers; drv; drv = drv->next) {
		if (!strncmp(drv->name, name, ASV_RPMSG_NAME_SIZE)) {
			bind_channel(h, c, drv);
			break;
		}
	}
}

static void channel_free(struct asv_host *h, struct asv_channel *c)
{
	struct asv_channel **pp;

	unbind_channel(c);
	if (h->on_channel)
		h->on_channel(h, c, false, h->on_channel_priv);
	for (pp = &h->channels; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	h->nchannels--;
	zfree(h, c);
}

void asv_host_ns_rx(struct asv_rpmsg_dev *d, const void *msg, size_t len, uint32_t src)
{
	const struct asv_rpmsg_ns_msg *m = msg;
	uint32_t flags = asv_le32(m->flags), addr = asv_le32(m->addr);
	struct asv_host *h = to_host(d);
	const char *name = m->name;
	struct asv_channel *c;

	(void)len;
	(void)src;
	/* As Linux's rpmsg_ns_cb(): a bit mask, other bits ignored. */
	if (flags & ASV_RPMSG_NS_DESTROY) {
		c = find_channel(h, name, addr);
		if (!c) {
			asv_dev_log(&h->dev, ASV_LOG_WARN,
				    "destroy of unknown channel %s:0x%" PRIx32, name, addr);
			return;
		}
		asv_dev_log(&h->dev, ASV_LOG_INFO, "destroying channel %s addr 0x%" PRIx32, name,
			    addr);
		channel_free(h, c);
	} else {
		channel_create(h, name, addr);
	}
}

/* Endpoints the application never destroyed go with the device. */
static void free_leftover_epts(struct asv_host *h)
{
	struct asv_endpoint *list = NULL, *e, **pp;
	unsigned int b;

	asv_lock(&h->dev, ASV_LOCK_EPT);
	for (b = 0; b < ASV_EPT_BUCKETS; b++) {
		for (pp = &h->dev.bucket[b]; *pp;) {
			e = *pp;
			if (e->allocated) {
				*pp = e->next;
				e->next = list;
				list = e;
			} else {
				pp = &e->next;
			}
		}
	}
	asv_unlock(&h->dev, ASV_LOCK_EPT);
	while (list) {
		e = list;
		list = e->next;
		zfree(h, e);
	}
}

void asv_host_bus_teardown(struct asv_host *h)
{
	while (h->channels)
		channel_free(h, h->channels);
	free_leftover_epts(h);
}

int asv_host_register_driver(struct asv_host *h, struct asv_host_driver *drv)
{
	struct asv_channel *c;
	bool isr;

	if (!h || !drv || !drv->name || !drv->callback)
		return -ASV_EINVAL;
	isr = asv_in_isr(&h->dev);
	if (!isr)
		asv_lock(&h->dev, ASV_LOCK_RX);
	drv->next = h->drivers;
	h->drivers = drv;
	for (c = h->channels; c; c = c->next)
		if (!c->drv && !strncmp(c->name, drv->name, ASV_RPMSG_NAME_SIZE))
			bind_channel(h, c, drv);
	if (!isr)
		asv_unlock(&h->dev, ASV_LOCK_RX);
	return 0;
}

void asv_host_unregister_driver(struct asv_host *h, struct asv_host_driver *drv)
{
	struct asv_host_driver **pp;
	struct asv_channel *c;
	bool isr;

	if (!h || !drv)
		return;
	isr = asv_in_isr(&h->dev);
	if (!isr)
		asv_lock(&h->dev, ASV_LOCK_RX);
	for (c = h->channels; c; c = c->next)
		if (c->drv == drv)
			unbind_channel(c);
	for (pp = &h->drivers; *pp; pp = &(*pp)->next) {
		if (*pp == drv) {
			*pp = drv->next;
			break;
		}
	}
	if (!isr)
		asv_unlock(&h->dev, ASV_LOCK_RX);
}

struct asv_endpoint *asv_host_create_ept(struct asv_host *h, const char *name, uint32_t addr,
					 asv_rx_cb cb, void *priv, int *err)
{
	struct asv_endpoint *e;
	int ret;

	if (!h || !h->dev.ops) {
		ret = -ASV_EINVAL;
		goto out;
	}
	e = zalloc(h, sizeof(*e));
	if (!e) {
		ret = -ASV_ENOMEM;
		goto out;
	}
	ret = asv_create_ept(&h->dev, e, name, addr, cb, priv);
	if (!ret) {
		e->allocated = 1;
		if (err)
			*err = 0;
		return e;
	}
	zfree(h, e);
out:
	if (err)
		*err = ret;
	return NULL;
}

static void host_ept_free(struct asv_endpoint *ept, bool rx_held)
{
	struct asv_host *h;

	if (!ept || !ept->dev)
		return;
	h = to_host(ept->dev);
	asv_ept_destroy(ept, rx_held);
	if (ept->allocated)
		zfree(h, ept);
}

void asv_host_destroy_ept(struct asv_endpoint *ept)
{
	if (ept && ept->dev)
		host_ept_free(ept, asv_in_isr(ept->dev));
}

int asv_channel_send(struct asv_channel *ch, const void *data, size_t len)
{
	if (!ch || !ch->ept)
		return -ASV_ENODEV;
	return asv_sendto(ch->ept, ch->dst, data, len);
}
