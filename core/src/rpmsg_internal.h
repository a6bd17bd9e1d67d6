/* SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0 */
/* Helpers shared by the host and remote roles; not part of the API. */
#ifndef ASVIRT_RPMSG_INTERNAL_H
#define ASVIRT_RPMSG_INTERNAL_H

#include "compat.h"
#include "asvirt/errors.h"
#include "asvirt/event.h"
#include "asvirt/fault.h"
#include "asvirt/rpmsg.h"

/*
 * Record a protocol event (asvirt/event.h) with @n bytes of @data, the
 * rest of struct asv_event given as designated initialisers. When the
 * role records nothing (env.evlog NULL, the default) this is one test of
 * that pointer, predicted not taken; the arguments are not evaluated.
 * The pointer is read once: a port may set or clear it while the role
 * runs (the kernel module does when its tracepoint is enabled/disabled).
 * Built with ASVIRT_EVENTS 0, nothing at all.
 */
#if ASVIRT_EVENTS
#define asv_ev(d, data, n, ...)                                             \
	do {                                                                \
		struct asv_evlog *evl_ = asv_load_relaxed(&(d)->env.evlog); \
		if (__builtin_expect(evl_ != NULL, 0)) {                    \
			struct asv_event ev_ = { __VA_ARGS__ };             \
			asv_ev_emit(evl_, &ev_, data, n);                   \
		}                                                           \
	} while (0)
/* The role records events now: for a point that emits several at once. */
#define asv_ev_on(d) __builtin_expect(asv_load_relaxed(&(d)->env.evlog) != NULL, 0)
#else
/* type-checked, then dropped: a constant-false branch emits no code */
#define asv_ev(d, data, n, ...)                                 \
	do {                                                    \
		if (0) {                                        \
			struct asv_event ev_ = { __VA_ARGS__ }; \
			(void)(d);                              \
			(void)(data);                           \
			(void)(n);                              \
			(void)ev_;                              \
		}                                               \
	} while (0)
#define asv_ev_on(d) ((void)(d), false)
#endif

/* Log through the role's env and, on the remote, into its trace buffer. */
void asv_dev_log(struct asv_rpmsg_dev *d, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static inline void asv_lock(struct asv_rpmsg_dev *d, enum asv_lock_id id)
{
	if (d->env.lock)
		d->env.lock(d->env.ctx, id);
}

static inline void asv_unlock(struct asv_rpmsg_dev *d, enum asv_lock_id id)
{
	if (d->env.unlock)
		d->env.unlock(d->env.ctx, id);
}

/*
 * Statistics: each counter is written under one lock (one writer at a
 * time) and read under none (asv_get_stats()), so a monitor never waits
 * for a callback nor takes a lock off the data path: relaxed atomic loads
 * and stores, plain moves.
 */
#define asv_stat_inc(p) asv_store_relaxed(p, asv_load_relaxed(p) + 1)

static inline bool asv_in_isr(struct asv_rpmsg_dev *d)
{
	return d->env.in_isr && d->env.in_isr(d->env.ctx);
}

static inline void asv_notify(struct asv_rpmsg_dev *d, uint32_t notifyid)
{
	struct asv_fault_plan *f = asv_load_relaxed(&d->fault);

	/* a fault plan may drop or delay the kick (remote only) */
	if (f && !asv_fault_on_kick(f))
		return;
	asv_atomic_add(&d->notifies, 1);
	asv_ev(d, NULL, 0, .kind = ASV_EV_KICK, .vring = (uint8_t)notifyid);
	d->env.notify(d->env.ctx, notifyid);
}

/*
 * Poll mode, the ring empty: give the @nret collected buffers back now?
 * Yes when a batch is full (a quarter of a small ring) or the peer waits
 * for buffers; else a poller that keeps up with its peer would write the
 * line the peer reads on every send once per message.
 */
static inline bool asv_ret_due(unsigned int nret, unsigned int num, bool peer_waits)
{
	unsigned int batch = num / 4u < ASV_RET_BATCH ? num / 4u : ASV_RET_BATCH;

	return nret && (nret >= batch || peer_waits);
}

/* Initialise the common part (endpoint table, name-service endpoint). */
void asv_rpmsg_dev_init(struct asv_rpmsg_dev *d, const struct asv_role_ops *ops,
			const struct asv_env *env, bool is_remote);
/* Mark the link up / shut it down (waking every blocked sender). */
void asv_rpmsg_set_link(struct asv_rpmsg_dev *d, bool up);
void asv_rpmsg_break(struct asv_rpmsg_dev *d, int err, const char *why);
/*
 * Tear-down, the first step of asv_host_deinit() and asv_remote_shutdown():
 * no buffer is taken, handed over or given back from now on, every sender
 * waiting for a buffer returns -ASV_ESHUTDOWN, and when this returns no
 * thread is left in the send path. Idempotent.
 */
void asv_rpmsg_close(struct asv_rpmsg_dev *d, const char *why);
/* Wake blocked senders if there are any (called by the ISR). */
void asv_rpmsg_wake_senders(struct asv_rpmsg_dev *d);

/*
 * Deliver one received message found in a buffer of @buf_len bytes.
 * Returns ASV_RX_HOLD when the callback keeps the buffer, else 0 (the
 * message was delivered or dropped with a log line and a counter).
 * Called on the ISR thread with the RX lock held.
 */
int asv_rpmsg_deliver(struct asv_rpmsg_dev *d, struct asv_rpmsg_hdr *hdr, uint32_t buf_len,
		      uint16_t id);

/* Fill an rpmsg header in shared memory. */
static inline void asv_rpmsg_fill_hdr(struct asv_rpmsg_hdr *h, uint32_t src, uint32_t dst,
				      uint16_t len)
{
	h->src = asv_cpu_to_le32(src);
	h->dst = asv_cpu_to_le32(dst);
	h->reserved = 0;
	h->len = asv_cpu_to_le16(len);
	h->flags = 0;
}

static inline unsigned int asv_ept_bucket(uint32_t addr)
{
	return (addr ^ (addr >> 6)) & (ASV_EPT_BUCKETS - 1);
}

/*
 * Chains are changed only with the EPT lock held, and an endpoint is
 * unlinked only with the RX lock held as well. New heads are published
 * with a release store, so a reader holding just the RX lock (the ISR
 * delivering a message) may walk a chain without the EPT lock.
 */
static inline struct asv_endpoint *asv_ept_lookup_locked(struct asv_rpmsg_dev *d, uint32_t addr)
{
	struct asv_endpoint *e = asv_load_acquire(&d->bucket[asv_ept_bucket(addr)]);

	while (e && e->addr != addr)
		e = e->next;
	return e;
}

/* Look up an endpoint (EPT lock taken inside). */
struct asv_endpoint *asv_ept_lookup(struct asv_rpmsg_dev *d, uint32_t addr);
/* Walk all endpoints with the EPT lock held. */
void asv_ept_for_each(struct asv_rpmsg_dev *d, void (*fn)(struct asv_endpoint *, void *),
		      void *arg);

/* Destroy @ept; @rx_held: the caller already holds the RX lock. */
int asv_ept_destroy(struct asv_endpoint *ept, bool rx_held);

/*
 * 0 when the link is usable, else -ASV_ESHUTDOWN or -ASV_ENODEV (inline:
 * every send asks). link_up first: a shut-down sets broken before it
 * clears link_up, so a link_up read as 0 from that store comes with broken
 * set; read the other way round, a sender racing the shut-down could see
 * neither and return -ENODEV ("not up yet") instead of -ESHUTDOWN.
 */
static inline int asv_link_state_err(struct asv_rpmsg_dev *d)
{
	int up = asv_load_acquire(&d->link_up);

	if (asv_load_acquire(&d->broken))
		return -ASV_ESHUTDOWN;
	return up ? 0 : -ASV_ENODEV;
}

/* ---- the name service (ns.c) ---- */

/* The name-service endpoint's callback: checks the message for the role. */
int asv_ns_ept_cb(struct asv_endpoint *ept, void *data, size_t len, uint32_t src, void *priv);
/* The remote's role op ns_rx: bind endpoints by name, tell the application. */
void asv_remote_ns_rx(struct asv_rpmsg_dev *d, const void *msg, size_t len, uint32_t src);
/* Announce every named endpoint not announced yet (remote; no lock held). */
void asv_ns_announce_all(struct asv_rpmsg_dev *d);
/*
 * Mark @ept GONE, first waiting for a CREATE in flight (another thread
 * sends it and reads @ept meanwhile). Returns the state it had.
 */
uint8_t asv_ept_ns_gone(struct asv_rpmsg_dev *d, struct asv_endpoint *ept);

/* Send an NS CREATE/DESTROY for @ept (remote role). */
int asv_rpmsg_ns_announce(struct asv_endpoint *ept, uint32_t flags);
/*
 * Announce @ept if it is PENDING (claimed under the EPT lock, so exactly
 * one thread sends its CREATE). Returns 0 (sent, or nothing to do) or the
 * send's error (the endpoint is PENDING again).
 */
int asv_ept_announce(struct asv_endpoint *ept);
/* Claim the next PENDING endpoint for announcing (ANNOUNCING), or NULL;
 * the claimer sends its CREATE, then calls asv_ept_announce_done(). */
struct asv_endpoint *asv_ept_claim_pending(struct asv_rpmsg_dev *d);
/* End an announce: ANNOUNCED, or PENDING again if the send failed (@err). */
void asv_ept_announce_done(struct asv_endpoint *ept, int err);

#endif
