// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * The name service (address 53), both roles, as Linux's rpmsg_ns.c: the
 * name-service endpoint's callback checks each message for either role;
 * the remote binds its endpoints by name and tells the application, the
 * host's bus makes or removes a channel (host_bus.c). The remote's side of
 * announcing: the CREATE/DESTROY messages and each endpoint's announce
 * state (PENDING, ANNOUNCING, ANNOUNCED, GONE).
 */
#include "rpmsg_internal.h"
#include "asvirt/remote.h"

/*
 * Check a name-service message and copy it to @msg: exactly one message,
 * the name NUL-terminated whatever the peer sent (as Linux: never trust
 * the peer to terminate it). Returns 0 or -ASV_EINVAL (logged).
 */
static int ns_check(struct asv_rpmsg_dev *d, const void *data, size_t len, uint32_t src,
		    struct asv_rpmsg_ns_msg *msg)
{
	if (len != sizeof(*msg)) {
		asv_dev_log(d, ASV_LOG_ERR,
			    "malformed ns msg (%zu bytes) from 0x%" PRIx32 " (EINVAL)", len, src);
		return -ASV_EINVAL;
	}
	memcpy(msg, data, sizeof(*msg));
	if (asv_strnlen(msg->name, ASV_RPMSG_NAME_SIZE) == ASV_RPMSG_NAME_SIZE)
		asv_dev_log(d, ASV_LOG_WARN,
			    "ns name without NUL from 0x%" PRIx32 ": truncated to 31 bytes", src);
	msg->name[ASV_RPMSG_NAME_SIZE - 1] = 0;
	return 0;
}

/* The name-service endpoint's callback (ISR thread, RX lock held): a
 * checked message goes to the role (asv_remote_ns_rx, asv_host_ns_rx). */
int asv_ns_ept_cb(struct asv_endpoint *ept, void *data, size_t len, uint32_t src, void *priv)
{
	struct asv_rpmsg_ns_msg msg;

	(void)priv;
	if (ns_check(ept->dev, data, len, src, &msg))
		return 0;
	asv_ev(ept->dev, msg.name, asv_strnlen(msg.name, ASV_RPMSG_NAME_SIZE), .kind = ASV_EV_NS,
	       .src = src, .ept = asv_le32(msg.addr), .aux = asv_le32(msg.flags));
	ept->dev->ops->ns_rx(ept->dev, &msg, sizeof(msg), src);
	return 0;
}

struct ns_bind_arg {
	const struct asv_rpmsg_ns_msg *msg;
	uint32_t addr;
	bool destroy;
};

static void ns_bind_one(struct asv_endpoint *e, void *p)
{
	const struct ns_bind_arg *a = p;
	uint32_t dst = asv_load_relaxed(&e->dst);
	bool same_name = !strncmp(e->name, a->msg->name, ASV_RPMSG_NAME_SIZE);

	if (e == &e->dev->ns_ept)
		return;
	if (!a->destroy && same_name && dst == ASV_RPMSG_ADDR_ANY) {
		asv_store_relaxed(&e->dst, a->addr);
		e->dst_learned = 1;
	} else if (a->destroy && dst == a->addr && (same_name || e->dst_learned)) {
		asv_store_relaxed(&e->dst, (uint32_t)ASV_RPMSG_ADDR_ANY);
		e->dst_learned = 0;
	}
}

/*
 * A channel the host announces (Linux's virtio_rpmsg_announce_create() for
 * a device with a local address): an endpoint of that name without a peer
 * binds to it, as OpenAMP does. Its DESTROY (announce_destroy()) unbinds
 * it, and every endpoint that learned that address from its first sender
 * forgets it: the host endpoint is gone. ISR thread, RX lock held.
 */
static void ns_bind_by_name(struct asv_remote *r, const struct asv_rpmsg_ns_msg *msg)
{
	struct ns_bind_arg a = { msg, asv_le32(msg->addr),
				 !!(asv_le32(msg->flags) & ASV_RPMSG_NS_DESTROY) };

	asv_ept_for_each(&r->dev, ns_bind_one, &a);
}

void asv_remote_ns_rx(struct asv_rpmsg_dev *d, const void *data, size_t len, uint32_t src)
{
	struct asv_remote *r = asv_container_of(d, struct asv_remote, dev);
	const struct asv_rpmsg_ns_msg *msg = data;

	(void)len;
	(void)src;
	ns_bind_by_name(r, msg);
	if (r->ns_bind)
		r->ns_bind(r, msg->name, asv_le32(msg->addr), asv_le32(msg->flags), r->ns_priv);
}

int asv_rpmsg_ns_announce(struct asv_endpoint *ept, uint32_t flags)
{
	struct asv_rpmsg_ns_msg msg;
	int err;

	memset(&msg, 0, sizeof(msg));
	memcpy(msg.name, ept->name, sizeof(msg.name));
	msg.addr = asv_cpu_to_le32(ept->addr);
	msg.flags = asv_cpu_to_le32(flags);
	/* Sent from the announced endpoint itself, as OpenAMP does. */
	err = asv_send_timeout(ept, ASV_RPMSG_NS_ADDR, &msg, sizeof(msg), ept->dev->timeout_ms);
	return err;
}

/* End an announce: ANNOUNCING -> ANNOUNCED, or PENDING if it failed. */
void asv_ept_announce_done(struct asv_endpoint *ept, int err)
{
	struct asv_rpmsg_dev *d = ept->dev;

	asv_lock(d, ASV_LOCK_EPT);
	ept->ns_state = err ? ASV_NS_PENDING : ASV_NS_ANNOUNCED;
	asv_unlock(d, ASV_LOCK_EPT);
	/* a destroy may be waiting for this announce to end */
	if (d->env.wake)
		d->env.wake(d->env.ctx);
}

int asv_ept_announce(struct asv_endpoint *ept)
{
	struct asv_rpmsg_dev *d = ept->dev;
	bool mine;
	int err;

	asv_lock(d, ASV_LOCK_EPT);
	mine = ept->ns_state == ASV_NS_PENDING;
	if (mine)
		ept->ns_state = ASV_NS_ANNOUNCING;
	asv_unlock(d, ASV_LOCK_EPT);
	if (!mine)
		return 0;
	err = asv_rpmsg_ns_announce(ept, ASV_RPMSG_NS_CREATE);
	asv_ept_announce_done(ept, err);
	return err;
}

struct asv_endpoint *asv_ept_claim_pending(struct asv_rpmsg_dev *d)
{
	struct asv_endpoint *found = NULL, *e;
	unsigned int b;

	asv_lock(d, ASV_LOCK_EPT);
	for (b = 0; b < ASV_EPT_BUCKETS && !found; b++)
		for (e = d->bucket[b]; e && !found; e = e->next)
			if (e->ns_state == ASV_NS_PENDING)
				found = e;
	if (found)
		found->ns_state = ASV_NS_ANNOUNCING;
	asv_unlock(d, ASV_LOCK_EPT);
	return found;
}

/* Announce every named endpoint not announced yet (no lock held). */
void asv_ns_announce_all(struct asv_rpmsg_dev *d)
{
	struct asv_endpoint *e;

	while ((e = asv_ept_claim_pending(d))) {
		int err = asv_rpmsg_ns_announce(e, ASV_RPMSG_NS_CREATE);

		asv_ept_announce_done(e, err);
		if (err) {
			asv_dev_log(d, ASV_LOG_ERR, "announcing '%s' failed: %s", e->name,
				    asv_strerror(err));
			return;
		}
	}
}

/*
 * Mark @ept GONE, first waiting for a CREATE in flight (another thread
 * sends it and reads @ept meanwhile). Returns the state it had. The send
 * is bounded by its timeout, and a close ends it at once.
 */
uint8_t asv_ept_ns_gone(struct asv_rpmsg_dev *d, struct asv_endpoint *ept)
{
	uint8_t was;

	asv_lock(d, ASV_LOCK_EPT);
	while (ept->ns_state == ASV_NS_ANNOUNCING) {
		uint32_t gen = d->env.wait_gen ? d->env.wait_gen(d->env.ctx) : 0;

		asv_unlock(d, ASV_LOCK_EPT);
		if (d->env.wait)
			d->env.wait(d->env.ctx, gen, 1);
		else
			asv_cpu_relax();
		asv_lock(d, ASV_LOCK_EPT);
	}
	was = ept->ns_state;
	ept->ns_state = ASV_NS_GONE;
	asv_unlock(d, ASV_LOCK_EPT);
	return was;
}
