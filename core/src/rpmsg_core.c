// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * The role-independent core of RPMsg: logging, the link state and the
 * tear-down (close), delivering a received message to its endpoint, and
 * giving received buffers back. The endpoint table is ept.c, sending
 * send.c, the name service ns.c, the receive loop rx_drain.h.
 */
#include "rpmsg_internal.h"

void asv_dev_log(struct asv_rpmsg_dev *d, int level, const char *fmt, ...)
{
	static const char *const tag[] = { "error", "warning", "info", "debug" };
	bool to_env = d->env.log && level <= d->env.log_level;
	bool to_trace = d->trace && d->trace->buf && level <= ASV_LOG_INFO;
	bool to_ev = asv_ev_on(d) && level <= ASV_LOG_WARN;
	char msg[224];
	va_list ap;

	if (!to_env && !to_trace && !to_ev)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (to_ev)
		asv_ev(d, msg, strlen(msg), .kind = ASV_EV_ERROR, .aux = (uint32_t)level);
	if (to_env)
		d->env.log(d->env.log_ctx, level, msg);
	if (to_trace) {
		asv_lock(d, ASV_LOCK_RET);
		asv_trace_printf(d->trace, "asvirt %s: %s\n", tag[level < 0 ? 0 : level & 3], msg);
		asv_unlock(d, ASV_LOCK_RET);
	}
}

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
	/* a link that goes down was broken first, which recorded why */
	if (up || !asv_load_acquire(&d->broken))
		asv_ev(d, NULL, 0, .kind = up ? ASV_EV_LINK_UP : ASV_EV_LINK_DOWN);
	if (d->env.wake)
		d->env.wake(d->env.ctx);
}

void asv_rpmsg_break(struct asv_rpmsg_dev *d, int err, const char *why)
{
	int zero = 0;

	if (__atomic_compare_exchange_n(&d->broken, &zero, err, false, __ATOMIC_SEQ_CST,
					__ATOMIC_SEQ_CST)) {
		asv_ev(d, why, strlen(why), .kind = ASV_EV_LINK_DOWN, .err = err);
		asv_dev_log(d, err == -ASV_ESHUTDOWN ? ASV_LOG_INFO : ASV_LOG_ERR,
			    "link shut down (%s): %s", asv_strerror(err), why);
	}
	if (d->env.wake)
		d->env.wake(d->env.ctx);
}

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
			if (d->env.wake)
				d->env.wake(d->env.ctx);
			d->env.wait(d->env.ctx, d->env.wait_gen(d->env.ctx), 1);
		} else {
			asv_cpu_relax();
		}
	}
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

int asv_rpmsg_deliver(struct asv_rpmsg_dev *d, struct asv_rpmsg_hdr *hdr, uint32_t buf_len,
		      uint16_t id)
{
	uint32_t src = asv_le32(hdr->src), dst = asv_le32(hdr->dst);
	uint16_t len = asv_le16(hdr->len);
	struct asv_endpoint *ept;
	int rc;

	if (buf_len < ASV_RPMSG_HDR_SIZE || len > buf_len - ASV_RPMSG_HDR_SIZE) {
		asv_stat_inc(&d->stats.rx_malformed);
		asv_dev_log(d, ASV_LOG_ERR,
			    "dropped message 0x%" PRIx32 " -> 0x%" PRIx32
			    ": len %u exceeds its %" PRIu32 "-byte buffer (EBADMSG)",
			    src, dst, len, buf_len);
		return 0;
	}
	ept = asv_ept_lookup_locked(d, dst); /* RX held: see asv_ept_lookup_locked() */
	if (!ept || (ept == &d->ns_ept && !d->ns_enabled)) {
		asv_stat_inc(&d->stats.rx_unknown_dst);
		asv_dev_log(d, ASV_LOG_WARN,
			    "dropped message 0x%" PRIx32 " -> 0x%" PRIx32
			    " (%u bytes): no endpoint (ENXIO)",
			    src, dst, len);
		return 0;
	}
	/* Like OpenAMP, an endpoint without a peer adopts the first sender. */
	if (d->is_remote && ept != &d->ns_ept &&
	    asv_load_relaxed(&ept->dst) == ASV_RPMSG_ADDR_ANY) {
		asv_store_relaxed(&ept->dst, src);
		ept->dst_learned = 1;
	}
	asv_stat_inc(&d->stats.rx_msgs);
	/* the header as read above, the payload as the callback sees it */
	asv_ev(d, hdr, ASV_RPMSG_HDR_SIZE + (size_t)len, .kind = ASV_EV_RX,
	       .vring = d->is_remote ? 1 : 0, .desc = id, .src = src, .dst = dst, .len = len,
	       .ept = ept->addr);
	rc = ept->cb(ept, hdr->data, len, src, ept->priv);
	if (rc == ASV_RX_HOLD)
		return ASV_RX_HOLD;
	if (rc < 0)
		asv_dev_log(d, ASV_LOG_DEBUG, "endpoint 0x%" PRIx32 " callback returned %d", dst,
			    rc);
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
