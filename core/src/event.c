// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/* The protocol event ring. See asvirt/event.h. */
#include "compat.h"
#include "asvirt/errors.h"
#include "asvirt/event.h"

static uint8_t *units(struct asv_evring *r)
{
	return (uint8_t *)(r + 1);
}

static struct asv_event *rec_at(struct asv_evring *r, uint32_t cap, uint32_t pos)
{
	return (struct asv_event *)(void *)(units(r) + (size_t)(pos & (cap - 1u)) * ASV_EVUNIT);
}

/* Copy @n bytes to/from the record data at unit @pos (after its header),
 * wrapping at the end of the units. */
static void data_io(struct asv_evring *r, uint32_t cap, uint32_t pos, void *buf, size_t n,
		    bool to_ring)
{
	size_t size = (size_t)cap * ASV_EVUNIT;
	size_t off = (size_t)(pos & (cap - 1u)) * ASV_EVUNIT + sizeof(struct asv_event);
	size_t first;

	off %= size;
	first = n < size - off ? n : size - off;
	if (to_ring) {
		memcpy(units(r) + off, buf, first);
		memcpy(units(r), (uint8_t *)buf + first, n - first);
	} else {
		memcpy(buf, units(r) + off, first);
		memcpy((uint8_t *)buf + first, units(r), n - first);
	}
}

size_t asv_evring_bytes(uint32_t cap)
{
	return sizeof(struct asv_evring) + (size_t)cap * ASV_EVUNIT;
}

int asv_evring_init(void *mem, uint32_t cap, uint32_t data_size)
{
	struct asv_evring *r = mem;

	if (!r || !cap || (cap & (cap - 1u)) || data_size > 0xFFFFu ||
	    ASV_EV_UNITS(data_size) > cap)
		return -ASV_EINVAL;
	memset(r, 0, sizeof(*r));
	r->cap = cap;
	r->data_size = data_size;
	asv_store_release(&r->magic, ASV_EVRING_MAGIC);
	return 0;
}

uint32_t asv_evring_drops(const struct asv_evring *r)
{
	return asv_load_relaxed(&r->drops);
}

void asv_ev_emit(struct asv_evlog *l, struct asv_event *e, const void *data, size_t n)
{
	struct asv_evring *r = l->ring;
	uint32_t h, cap = l->cap, nu;
	struct asv_event *s;

	if (n > l->data_size)
		n = l->data_size;
	if (l->sink) {
		e->ts_ns = l->now_ns ? l->now_ns(l->clock_ctx) : 0;
		e->role = l->role;
		if (l->in_isr && l->in_isr(l->isr_ctx))
			e->flags |= ASV_EVF_ISR;
		e->dlen = (uint16_t)n;
		l->sink(l->sink_ctx, e, data, n);
		return;
	}
	nu = ASV_EV_UNITS(n);
	h = asv_load_relaxed(&r->head);
	do {
		if (h + nu - asv_load_acquire(&r->tail) > cap) {
			asv_atomic_add(&r->drops, 1);
			return;
		}
	} while (!__atomic_compare_exchange_n(&r->head, &h, h + nu, false, __ATOMIC_ACQ_REL,
					      __ATOMIC_RELAXED));
	s = rec_at(r, cap, h);
	e->ts_ns = l->now_ns ? l->now_ns(l->clock_ctx) : 0;
	e->role = l->role;
	if (l->in_isr && l->in_isr(l->isr_ctx))
		e->flags |= ASV_EVF_ISR;
	e->dlen = (uint16_t)n;
	/* every field but seq, which the reader polls: it is written last */
	s->ts_ns = e->ts_ns;
	memcpy(&s->kind, &e->kind, sizeof(*e) - offsetof(struct asv_event, kind));
	if (n)
		data_io(r, cap, h, (void *)(uintptr_t)data, n, true);
	asv_store_release(&s->seq, h + 1u);
}

void asv_evring_abandon(struct asv_evring *r, uint32_t cap, uint32_t data_size)
{
	uint32_t t = asv_load_acquire(&r->tail), h = asv_load_acquire(&r->head), i;

	/* head came from the dead writer: at most a ring's worth is pending */
	if (h - t > cap)
		h = t + cap;
	for (i = t; (int32_t)(h - i) > 0;) {
		struct asv_event *s = rec_at(r, cap, i);
		uint32_t dlen;

		if (asv_load_acquire(&s->seq) == i + 1u) {
			/* committed: skip it as the reader will */
			dlen = asv_load_relaxed(&s->dlen);
			i += ASV_EV_UNITS(dlen < data_size ? dlen : data_size);
			continue;
		}
		/* reserved, never committed: an empty one-unit record */
		s->kind = ASV_EV_NONE;
		s->dlen = 0;
		asv_store_release(&s->seq, i + 1u);
		i++;
	}
	asv_store_release(&r->head, h);
}

int asv_evring_read(struct asv_evring *r, uint32_t cap, uint32_t data_size, struct asv_event *e,
		    void *data, size_t room)
{
	uint32_t t = asv_load_relaxed(&r->tail);
	struct asv_event *s = rec_at(r, cap, t);
	size_t n;

	if (asv_load_acquire(&s->seq) != t + 1u)
		return 0;
	memcpy(e, s, sizeof(*e));
	/* the writer may be another process: its dlen is checked, not used */
	if (e->dlen > data_size)
		e->dlen = (uint16_t)data_size;
	n = e->dlen < room ? e->dlen : room;
	if (n)
		data_io(r, cap, t, data, n, false);
	asv_store_release(&r->tail, t + ASV_EV_UNITS(e->dlen));
	e->dlen = (uint16_t)n;
	return 1;
}

const char *asv_ev_kind_name(unsigned int kind)
{
	static const char *const names[ASV_EV_KIND_COUNT] = {
		[ASV_EV_NONE] = "none",
		[ASV_EV_KICK] = "kick",
		[ASV_EV_ISR_START] = "isr-start",
		[ASV_EV_ISR_END] = "isr-end",
		[ASV_EV_IDX_PUB] = "idx-published",
		[ASV_EV_DESC_ADD] = "desc-added",
		[ASV_EV_DESC_USED] = "desc-used",
		[ASV_EV_DESC_TAKEN] = "desc-taken",
		[ASV_EV_TX] = "tx",
		[ASV_EV_RX] = "rx",
		[ASV_EV_NS] = "name-service",
		[ASV_EV_BUF_HOLD] = "buf-held",
		[ASV_EV_BUF_RELEASE] = "buf-released",
		[ASV_EV_LINK_UP] = "link-up",
		[ASV_EV_LINK_DOWN] = "link-down",
		[ASV_EV_ERROR] = "error",
	};

	return kind < ASV_EV_KIND_COUNT ? names[kind] : "?";
}
