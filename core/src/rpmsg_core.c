// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * The role-independent half of RPMsg: endpoint table and address
 * allocation, sending (with buffer waits), zero-copy, message delivery.
 * Each role supplies struct asv_role_ops for how it takes and returns
 * buffers on its vrings.
 */
#include "rpmsg_internal.h"

void asv_dev_log(struct asv_rpmsg_dev *d, int level, const char *fmt, ...)
{
	static const char *const tag[] = { "error", "warning", "info", "debug" };
	bool to_env = d->env.log && level <= d->env.log_level;
	bool to_trace = d->trace && d->trace->buf && level <= ASV_LOG_INFO;
	char msg[224];
	va_list ap;

	if (!to_env && !to_trace)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (to_env)
		d->env.log(d->env.log_ctx, level, msg);
	if (to_trace) {
		asv_lock(d, ASV_LOCK_RET);
		asv_trace_printf(d->trace, "asvirt %s: %s\n", tag[level < 0 ? 0 : level & 3], msg);
		asv_unlock(d, ASV_LOCK_RET);
	}
}

/* ---- endpoint table ---- */

static unsigned int bucket_of(uint32_t addr)
{
	return (addr ^ (addr >> 6)) & (ASV_EPT_BUCKETS - 1);
}

/*
 * Chains are changed only with the EPT lock held, and an endpoint is
 * unlinked only with the RX lock held as well. New heads are published
 * with a release store, so a reader holding just the RX lock (the ISR
 * delivering a message) may walk a chain without the EPT lock.
 */
static struct asv_endpoint *lookup_locked(struct asv_rpmsg_dev *d, uint32_t addr)
{
	struct asv_endpoint *e = asv_load_acquire(&d->bucket[bucket_of(addr)]);

	while (e && e->addr != addr)
		e = e->next;
	return e;
}

struct asv_endpoint *asv_ept_lookup(struct asv_rpmsg_dev *d, uint32_t addr)
{
	struct asv_endpoint *e;

	asv_lock(d, ASV_LOCK_EPT);
	e = lookup_locked(d, addr);
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
	else if (lookup_locked(d, addr))
		err = -ASV_EBUSY;
	if (!err) {
		unsigned int b = bucket_of(addr);

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
	for (pp = &d->bucket[bucket_of(ept->addr)]; *pp; pp = &(*pp)->next) {
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

static int ns_cb(struct asv_endpoint *ept, void *data, size_t len, uint32_t src, void *priv)
{
	(void)priv;
	ept->dev->ops->ns_rx(ept->dev, data, len, src);
	return 0;
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
	d->ns_ept.cb = ns_cb;
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
		asv_dev_log(d, ASV_LOG_WARN, "endpoint '%s' at 0x%x: %s", ept->name, addr,
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

/*
 * Mark @ept GONE, first waiting for a CREATE in flight (another thread
 * sends it and reads @ept meanwhile). Returns the state it had. The send
 * is bounded by its timeout, and a close ends it at once.
 */
static uint8_t ns_state_gone(struct asv_rpmsg_dev *d, struct asv_endpoint *ept)
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

int asv_ept_destroy(struct asv_endpoint *ept, bool rx_held)
{
	struct asv_rpmsg_dev *d;
	int err;

	if (!ept || !ept->dev)
		return -ASV_EINVAL;
	d = ept->dev;
	if (ns_state_gone(d, ept) == ASV_NS_ANNOUNCED && asv_link_ready(d))
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

/* ---- link state ---- */

bool asv_link_ready(struct asv_rpmsg_dev *d)
{
	return asv_load_acquire(&d->link_up) && !asv_load_acquire(&d->broken);
}

void asv_rpmsg_wake_senders(struct asv_rpmsg_dev *d)
{
	if (asv_load_acquire(&d->tx_waiters) && d->env.wake)
		d->env.wake(d->env.ctx);
}

void asv_rpmsg_set_link(struct asv_rpmsg_dev *d, bool up)
{
	asv_store_release(&d->link_up, up ? 1 : 0);
	if (d->env.wake)
		d->env.wake(d->env.ctx);
}

void asv_rpmsg_break(struct asv_rpmsg_dev *d, int err, const char *why)
{
	int zero = 0;

	if (__atomic_compare_exchange_n(&d->broken, &zero, err, false, __ATOMIC_SEQ_CST,
					__ATOMIC_SEQ_CST)) {
		asv_dev_log(d, err == -ASV_ESHUTDOWN ? ASV_LOG_INFO : ASV_LOG_ERR,
			    "link shut down (%s): %s", asv_strerror(err), why);
	}
	if (d->env.wake)
		d->env.wake(d->env.ctx);
}

/*
 * A callback on the ISR thread that waits for a tx buffer sleeps on the
 * ISR's own interrupt, which a close on another thread cannot raise: it
 * waits in slices this long, so it sees the close within one slice.
 */
#define ISR_WAIT_SLICE_MS 10u

void asv_rpmsg_close(struct asv_rpmsg_dev *d, const char *why)
{
	asv_lock(d, ASV_LOCK_TX);
	asv_store_relaxed(&d->closing, 1);
	asv_unlock(d, ASV_LOCK_TX);
	asv_lock(d, ASV_LOCK_RET);
	asv_store_relaxed(&d->rx_closed, 1);
	asv_unlock(d, ASV_LOCK_RET);
	asv_rpmsg_break(d, -ASV_ESHUTDOWN, why);
	/*
	 * Senders woken above see the close at their next look under the TX
	 * lock and leave; the last thing each does is the decrement of
	 * in_slow, so nothing touches the device once it reads 0.
	 */
	while (asv_load_acquire(&d->in_slow)) {
		if (d->env.wait && d->env.wait_gen) {
			d->env.wake(d->env.ctx);
			d->env.wait(d->env.ctx, d->env.wait_gen(d->env.ctx), 1);
		} else {
			asv_cpu_relax();
		}
	}
}

/*
 * link_up first: a shut-down sets broken before it clears link_up, so a
 * link_up read as 0 from that store comes with broken set; read the other
 * way round, a sender racing the shut-down could see neither and return
 * -ENODEV ("not up yet") instead of -ESHUTDOWN.
 */
static int link_state_err(struct asv_rpmsg_dev *d)
{
	int up = asv_load_acquire(&d->link_up);

	if (asv_load_acquire(&d->broken))
		return -ASV_ESHUTDOWN;
	return up ? 0 : -ASV_ENODEV;
}

/* ---- sending ---- */

static uint64_t now_ms(struct asv_rpmsg_dev *d)
{
	return d->env.now_ms ? d->env.now_ms(d->env.ctx) : 0;
}

/*
 * Take a free tx buffer unless the device is closing; *@cap: its payload
 * room. TX lock held.
 */
static int tx_get_open(struct asv_rpmsg_dev *d, void **buf, uint16_t *id, uint32_t *cap)
{
	int r;

	if (asv_load_relaxed(&d->closing))
		return -ASV_ESHUTDOWN;
	r = d->ops->tx_get(d, buf, id);
	*cap = d->tx_cap;
	return r;
}

/*
 * The slow send path touches the device outside the TX lock (waits, the
 * copy into a buffer taken here): asv_rpmsg_close() waits for it to end.
 * slow_leave() is the caller's last access to the device.
 */
static void slow_enter(struct asv_rpmsg_dev *d)
{
	asv_atomic_add(&d->in_slow, 1);
}

static void slow_leave(struct asv_rpmsg_dev *d)
{
	asv_atomic_add(&d->in_slow, -1);
}

/*
 * Take a tx buffer, waiting up to @timeout_ms for the peer to free one.
 * Called between slow_enter() and slow_leave().
 */
static int tx_take(struct asv_rpmsg_dev *d, void **buf, uint16_t *id, uint32_t *cap,
		   uint32_t timeout_ms)
{
	uint32_t spins;
	uint64_t deadline;
	bool isr;
	int r;

	r = link_state_err(d);
	if (r)
		return r;
	asv_lock(d, ASV_LOCK_TX);
	r = tx_get_open(d, buf, id, cap);
	asv_unlock(d, ASV_LOCK_TX);
	if (r)
		return r < 0 ? r : 0;
	isr = asv_in_isr(d);
	if (!timeout_ms || !d->env.now_ms || (isr ? !d->env.isr_wait : !d->env.wait))
		return -ASV_ENOMEM;

	/*
	 * Adaptive senders: a peer that polls frees buffers within
	 * microseconds, so retry a bounded number of times before the
	 * interrupt-and-sleep path, which costs two wake-ups.
	 */
	for (spins = d->env.tx_spin; spins && !isr; spins--) {
		asv_cpu_relax();
		asv_lock(d, ASV_LOCK_TX);
		r = tx_get_open(d, buf, id, cap);
		asv_unlock(d, ASV_LOCK_TX);
		if (r)
			return r < 0 ? r : 0;
	}
	deadline = now_ms(d) + timeout_ms;
	asv_atomic_add(&d->tx_waiters, 1);
	asv_lock(d, ASV_LOCK_TX);
	asv_stat_inc(&d->stats.tx_waits);
	asv_unlock(d, ASV_LOCK_TX);
	for (;;) {
		uint32_t gen = isr ? 0 : d->env.wait_gen(d->env.ctx);
		uint64_t now;

		asv_lock(d, ASV_LOCK_TX);
		if (asv_load_relaxed(&d->closing)) {
			r = -ASV_ESHUTDOWN;
		} else {
			d->ops->tx_arm(d, true);
			r = d->ops->tx_get(d, buf, id);
			*cap = d->tx_cap;
		}
		asv_unlock(d, ASV_LOCK_TX);
		if (r)
			break;
		r = link_state_err(d);
		if (r)
			break;
		now = now_ms(d);
		if (now >= deadline) {
			r = -ASV_ETIMEDOUT;
			break;
		}
		if (isr) {
			uint32_t left = (uint32_t)(deadline - now);

			/* Buffers we batched may be what the peer waits for. */
			if (d->ops->rx_flush)
				d->ops->rx_flush(d);
			d->env.isr_wait(d->env.ctx,
					left < ISR_WAIT_SLICE_MS ? left : ISR_WAIT_SLICE_MS);
		} else {
			d->env.wait(d->env.ctx, gen, (uint32_t)(deadline - now));
		}
	}
	asv_lock(d, ASV_LOCK_TX);
	if (asv_atomic_add(&d->tx_waiters, -1) == 0 && !asv_load_relaxed(&d->closing))
		d->ops->tx_arm(d, false);
	asv_unlock(d, ASV_LOCK_TX);
	return r < 0 ? r : 0;
}

/* Fill the header of buffer @id and hand it to the peer. TX lock held. */
static void commit_locked(struct asv_rpmsg_dev *d, struct asv_rpmsg_hdr *h, uint16_t id,
			  uint32_t src, uint32_t dst, size_t len)
{
	asv_rpmsg_fill_hdr(h, src, dst, (uint16_t)len);
	d->ops->tx_commit(d, id, (uint32_t)(ASV_RPMSG_HDR_SIZE + len));
	asv_stat_inc(&d->stats.tx_msgs);
}

/* Hand over a buffer the slow path took, unless the device closed since. */
static int tx_commit(struct asv_rpmsg_dev *d, struct asv_rpmsg_hdr *h, uint16_t id, uint32_t src,
		     uint32_t dst, size_t len)
{
	int err = 0;

	asv_lock(d, ASV_LOCK_TX);
	if (asv_load_relaxed(&d->closing)) {
		d->ops->tx_unget(d, id, h);
		err = -ASV_ESHUTDOWN;
	} else {
		commit_locked(d, h, id, src, dst, len);
	}
	asv_unlock(d, ASV_LOCK_TX);
	return err;
}

/*
 * The largest payload a send may try: the host's buffers are its own (512
 * bytes); the remote's are the host's, whatever size their descriptors say
 * (checked against each buffer it takes).
 */
static uint32_t max_payload(const struct asv_rpmsg_dev *d)
{
	return d->is_remote ? 0xFFFFu : ASV_RPMSG_MAX_PAYLOAD;
}

/* Refuse a payload larger than @cap, saying why at the default level. */
static int too_big(struct asv_rpmsg_dev *d, uint32_t src, size_t len, uint32_t cap)
{
	asv_dev_log(d, ASV_LOG_WARN,
		    "send of %zu bytes from 0x%x refused: the buffer holds at most %u (EMSGSIZE)",
		    len, src, cap);
	return -ASV_EMSGSIZE;
}

static int send_common(struct asv_endpoint *ept, uint32_t dst, const void *data, size_t len,
		       uint32_t timeout_ms)
{
	struct asv_rpmsg_dev *d;
	uint32_t src, cap;
	void *buf;
	uint16_t id;
	int err;

	if (!ept || !ept->dev || (len && !data))
		return -ASV_EINVAL;
	d = ept->dev;
	src = ept->addr;
	if (len > max_payload(d))
		return too_big(d, src, len, max_payload(d));
	if (dst == ASV_RPMSG_ADDR_ANY)
		return -ASV_EINVAL;
	/* Fast path: a free buffer, one lock hold for take, fill and hand-over. */
	if (!link_state_err(d)) {
		asv_lock(d, ASV_LOCK_TX);
		err = tx_get_open(d, &buf, &id, &cap);
		if (err > 0 && len <= cap) {
			if (len)
				memcpy(((struct asv_rpmsg_hdr *)buf)->data, data, len);
			commit_locked(d, buf, id, src, dst, len);
			asv_unlock(d, ASV_LOCK_TX);
			return 0;
		}
		if (err > 0)
			d->ops->tx_unget(d, id, buf);
		asv_unlock(d, ASV_LOCK_TX);
		if (err > 0)
			return too_big(d, src, len, cap);
		if (err < 0)
			return err; /* the peer broke the ring, or the device closed */
	}
	slow_enter(d);
	err = tx_take(d, &buf, &id, &cap, timeout_ms);
	if (!err && len > cap) {
		asv_lock(d, ASV_LOCK_TX);
		d->tx_cap = cap; /* the room tx_unget() records with it */
		d->ops->tx_unget(d, id, buf);
		asv_unlock(d, ASV_LOCK_TX);
		err = too_big(d, src, len, cap);
	} else if (!err) {
		if (len)
			memcpy(((struct asv_rpmsg_hdr *)buf)->data, data, len);
		err = tx_commit(d, buf, id, src, dst, len);
	}
	slow_leave(d);
	return err;
}

static uint32_t ept_dst(struct asv_endpoint *ept)
{
	return ept ? asv_load_relaxed(&ept->dst) : ASV_RPMSG_ADDR_ANY;
}

int asv_send(struct asv_endpoint *ept, const void *data, size_t len)
{
	return send_common(ept, ept_dst(ept), data, len, ept ? ept->dev->timeout_ms : 0);
}

int asv_sendto(struct asv_endpoint *ept, uint32_t dst, const void *data, size_t len)
{
	return send_common(ept, dst, data, len, ept ? ept->dev->timeout_ms : 0);
}

int asv_trysend(struct asv_endpoint *ept, const void *data, size_t len)
{
	return send_common(ept, ept_dst(ept), data, len, 0);
}

int asv_trysendto(struct asv_endpoint *ept, uint32_t dst, const void *data, size_t len)
{
	return send_common(ept, dst, data, len, 0);
}

int asv_send_timeout(struct asv_endpoint *ept, uint32_t dst, const void *data, size_t len,
		     uint32_t timeout_ms)
{
	return send_common(ept, dst, data, len, timeout_ms);
}

/* ---- zero-copy ---- */

/* Remember zero-copy buffer @hdr as descriptor @id. TX lock held. */
static void zc_track(struct asv_rpmsg_dev *d, void *hdr, uint16_t id, uint32_t cap)
{
	d->zc_buf[d->nzc] = hdr;
	d->zc_cap[d->nzc] = cap;
	d->zc_id[d->nzc++] = id;
}

/*
 * @hdr is a zero-copy buffer we handed out: forget it, set *id and *cap
 * (its payload room), return 0; anything else: -EINVAL. Latest first:
 * senders usually send what they took last. TX lock held.
 */
static int zc_untrack(struct asv_rpmsg_dev *d, const void *hdr, uint16_t *id, uint32_t *cap)
{
	unsigned int i;

	for (i = d->nzc; i-- > 0;) {
		if (d->zc_buf[i] != hdr)
			continue;
		*id = d->zc_id[i];
		*cap = d->zc_cap[i];
		d->nzc--;
		d->zc_buf[i] = d->zc_buf[d->nzc];
		d->zc_cap[i] = d->zc_cap[d->nzc];
		d->zc_id[i] = d->zc_id[d->nzc];
		d->zc_tx_held--;
		return 0;
	}
	return -ASV_EINVAL;
}

/*
 * Take a zero-copy tx buffer. zc_tx_held counts buffers taken or being
 * waited for, never more than ASV_MAX_ZC_TX (so the remote's stash of
 * buffers given back unsent cannot overflow). The common case is one lock
 * hold: count, take, done.
 */
static int zc_take(struct asv_rpmsg_dev *d, void **buf, uint32_t *cap, uint32_t timeout_ms)
{
	uint16_t id;
	int r = link_state_err(d);

	if (r)
		return r;
	asv_lock(d, ASV_LOCK_TX);
	if (d->zc_tx_held >= ASV_MAX_ZC_TX) {
		r = -ASV_ENOMEM;
	} else {
		r = tx_get_open(d, buf, &id, cap);
		/* taken, or none free: then reserved while we wait below */
		if (r >= 0)
			d->zc_tx_held++;
		if (r > 0)
			zc_track(d, *buf, id, *cap);
	}
	asv_unlock(d, ASV_LOCK_TX);
	if (r)
		return r < 0 ? r : 0;
	slow_enter(d);
	r = tx_take(d, buf, &id, cap, timeout_ms);
	asv_lock(d, ASV_LOCK_TX);
	if (!r && asv_load_relaxed(&d->closing)) {
		d->ops->tx_unget(d, id, *buf);
		r = -ASV_ESHUTDOWN;
	}
	if (r)
		d->zc_tx_held--;
	else
		zc_track(d, *buf, id, *cap);
	asv_unlock(d, ASV_LOCK_TX);
	slow_leave(d);
	return r;
}

void *asv_get_tx_buffer(struct asv_rpmsg_dev *d, uint32_t *size, uint32_t timeout_ms, int *err)
{
	void *buf = NULL;
	uint32_t cap = 0;
	int e = d ? zc_take(d, &buf, &cap, timeout_ms) : -ASV_EINVAL;

	if (err)
		*err = e;
	if (e)
		return NULL;
	if (size)
		*size = cap;
	return ((struct asv_rpmsg_hdr *)buf)->data;
}

int asv_send_nocopy(struct asv_endpoint *ept, uint32_t dst, void *buf, size_t len)
{
	struct asv_rpmsg_hdr *h;
	struct asv_rpmsg_dev *d;
	uint32_t cap = 0;
	uint16_t id;
	int err;

	if (!ept || !ept->dev || !buf || dst == ASV_RPMSG_ADDR_ANY)
		return -ASV_EINVAL;
	d = ept->dev;
	if (len > max_payload(d))
		return too_big(d, ept->addr, len, max_payload(d));
	h = (struct asv_rpmsg_hdr *)((uint8_t *)buf - ASV_RPMSG_HDR_SIZE);
	err = link_state_err(d);
	if (err) {
		asv_release_tx_buffer(d, buf);
		return err;
	}
	/* One lock hold: check the buffer is ours, then hand it over. */
	asv_lock(d, ASV_LOCK_TX);
	err = zc_untrack(d, h, &id, &cap);
	if (!err && asv_load_relaxed(&d->closing)) {
		err = -ASV_ESHUTDOWN; /* the role's rings are gone: just forget it */
	} else if (!err && len > cap) {
		zc_track(d, h, id, cap); /* still the caller's */
		d->zc_tx_held++;
		err = -ASV_EMSGSIZE;
	} else if (!err) {
		commit_locked(d, h, id, ept->addr, dst, len);
	}
	asv_unlock(d, ASV_LOCK_TX);
	if (err == -ASV_EMSGSIZE)
		too_big(d, ept->addr, len, cap);
	return err;
}

int asv_release_tx_buffer(struct asv_rpmsg_dev *d, void *buf)
{
	struct asv_rpmsg_hdr *h;
	uint32_t cap = 0;
	bool closing;
	uint16_t id;
	int err;

	if (!d || !buf)
		return -ASV_EINVAL;
	h = (struct asv_rpmsg_hdr *)((uint8_t *)buf - ASV_RPMSG_HDR_SIZE);
	asv_lock(d, ASV_LOCK_TX);
	err = zc_untrack(d, h, &id, &cap);
	closing = asv_load_relaxed(&d->closing);
	if (!err && !closing) {
		d->tx_cap = cap; /* the room tx_unget() records with it */
		d->ops->tx_unget(d, id, h);
	}
	asv_unlock(d, ASV_LOCK_TX);
	if (!err && !closing)
		asv_rpmsg_wake_senders(d);
	return err;
}

int asv_release_rx_buffer(struct asv_rpmsg_dev *d, void *data)
{
	int err;

	if (!d || !data)
		return -ASV_EINVAL;
	asv_lock(d, ASV_LOCK_RET);
	if (asv_load_relaxed(&d->rx_closed))
		err = -ASV_ESHUTDOWN; /* the role's receive state may be gone */
	else
		err = d->ops->rx_release(d, (uint8_t *)data - ASV_RPMSG_HDR_SIZE);
	asv_unlock(d, ASV_LOCK_RET);
	return err;
}

/* ---- receiving ---- */

int asv_rpmsg_deliver(struct asv_rpmsg_dev *d, struct asv_rpmsg_hdr *hdr, uint32_t buf_len)
{
	uint32_t src = asv_le32(hdr->src), dst = asv_le32(hdr->dst);
	uint16_t len = asv_le16(hdr->len);
	struct asv_endpoint *ept;
	int rc;

	if (buf_len < ASV_RPMSG_HDR_SIZE || len > buf_len - ASV_RPMSG_HDR_SIZE) {
		asv_stat_inc(&d->stats.rx_malformed);
		asv_dev_log(
		    d, ASV_LOG_ERR,
		    "dropped message 0x%x -> 0x%x: len %u exceeds its %u-byte buffer (EBADMSG)",
		    src, dst, len, buf_len);
		return 0;
	}
	ept = lookup_locked(d, dst); /* RX held: see lookup_locked() */
	if (!ept || (ept == &d->ns_ept && !d->ns_enabled)) {
		asv_stat_inc(&d->stats.rx_unknown_dst);
		asv_dev_log(d, ASV_LOG_WARN,
			    "dropped message 0x%x -> 0x%x (%u bytes): no endpoint (ENXIO)", src,
			    dst, len);
		return 0;
	}
	/* Like OpenAMP, an endpoint without a peer adopts the first sender. */
	if (d->is_remote && ept != &d->ns_ept &&
	    asv_load_relaxed(&ept->dst) == ASV_RPMSG_ADDR_ANY) {
		asv_store_relaxed(&ept->dst, src);
		ept->dst_learned = 1;
	}
	asv_stat_inc(&d->stats.rx_msgs);
	rc = ept->cb(ept, hdr->data, len, src, ept->priv);
	if (rc == ASV_RX_HOLD)
		return ASV_RX_HOLD;
	if (rc < 0)
		asv_dev_log(d, ASV_LOG_DEBUG, "endpoint 0x%x callback returned %d", dst, rc);
	return 0;
}

void asv_get_stats(struct asv_rpmsg_dev *d, struct asv_stats *out)
{
	const struct asv_stats *s = &d->stats;

	/* no lock: see asv_stat_inc() */
	out->tx_msgs = asv_load_relaxed(&s->tx_msgs);
	out->tx_waits = asv_load_relaxed(&s->tx_waits);
	out->rx_msgs = asv_load_relaxed(&s->rx_msgs);
	out->rx_unknown_dst = asv_load_relaxed(&s->rx_unknown_dst);
	out->rx_malformed = asv_load_relaxed(&s->rx_malformed);
	out->notifies = asv_load_relaxed(&d->notifies);
	out->isr_runs = asv_load_relaxed(&s->isr_runs);
	out->tx_lost = asv_load_relaxed(&s->tx_lost);
	out->link_error = asv_load_acquire(&d->broken);
}
