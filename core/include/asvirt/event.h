/* SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0 */
/*
 * Protocol events: what each role did on the rings, one fixed-size record
 * per step (kick, ISR run, index published, descriptor taken, message
 * sent/received, name-service announce, buffer held/released, link up/down,
 * error), written into a bounded ring that a port reads out and exports
 * (Chrome/Perfetto JSON, pcap). Off by default: a role records only when
 * its env.evlog is set, and the core's only cost when it is not is one
 * test of that pointer at each point.
 *
 * The ring (struct asv_evring and the units after it) holds no pointers,
 * so it may live in memory shared with another process (a firmware
 * runner's ring, read by asvirt up): many writers (any thread of the role)
 * reserve a record of as many 64-byte units as the event and its data take
 * (one for most events: the record's data is only the message, the name or
 * the reason it carries) with a compare-and-swap on head, and commit it by
 * writing its seq last (release); one reader takes committed records in
 * order and moves tail. A full ring drops the new event and counts it
 * (drops). A reader of a ring written by another process checks every
 * field it reads (asv_evring_read()).
 */
#ifndef ASVIRT_EVENT_H
#define ASVIRT_EVENT_H

/*
 * ASVIRT_EVENTS 0 (cmake -DASVIRT_EVENTS=OFF) compiles the core's emit
 * points to nothing: no test, no call, no argument evaluated. It is the
 * build "tracing off" is measured against (docs/trace.md, Cost); the ring
 * and the recorder below stay, nothing writes them. Default 1.
 */
#ifndef ASVIRT_EVENTS
#define ASVIRT_EVENTS 1
#endif

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#endif

enum asv_ev_kind {
	ASV_EV_NONE = 0,
	ASV_EV_KICK,	    /* notify raised at the peer: vring = notify id */
	ASV_EV_ISR_START,   /* the simulated interrupt taken, the ISR runs */
	ASV_EV_ISR_END,	    /* err = its result */
	ASV_EV_IDX_PUB,	    /* our avail (host) / used (remote) index: idx */
	ASV_EV_DESC_ADD,    /* host: descriptor desc queued in avail */
	ASV_EV_DESC_USED,   /* remote: descriptor desc queued in used */
	ASV_EV_DESC_TAKEN,  /* a descriptor the peer queued taken: desc, idx
			     * = the peer's index as observed */
	ASV_EV_TX,	    /* message handed over: src, dst, len, desc; data
			     * = rpmsg header + payload */
	ASV_EV_RX,	    /* message delivered to endpoint ept (same data) */
	ASV_EV_NS,	    /* name-service message decoded: ept = its addr,
			     * aux = its flags, data = name */
	ASV_EV_BUF_HOLD,    /* a callback kept its rx buffer: desc */
	ASV_EV_BUF_RELEASE, /* a held rx buffer given back */
	ASV_EV_LINK_UP,
	ASV_EV_LINK_DOWN, /* err, data = why */
	ASV_EV_ERROR,	  /* an error or warning logged: aux = its level,
			   * data = the line (with the error's name) */
	ASV_EV_KIND_COUNT
};

enum asv_ev_role { ASV_EV_HOST = 0, ASV_EV_REMOTE = 1 };

/* asv_event.flags */
#define ASV_EVF_ISR 0x01u /* emitted on the role's ISR thread */

struct asv_event {
	uint64_t ts_ns; /* the port's monotonic clock */
	uint32_t seq;	/* ring slot commit mark (position + 1) */
	uint8_t kind;	/* enum asv_ev_kind */
	uint8_t role;	/* enum asv_ev_role */
	uint8_t vring;
	uint8_t flags; /* ASV_EVF_* */
	uint16_t idx;
	uint16_t desc;
	uint16_t len;  /* rpmsg payload length */
	uint16_t dlen; /* bytes in the slot's data area */
	uint32_t src;
	uint32_t dst;
	uint32_t ept; /* RX: the endpoint; NS: the announced address */
	int32_t err;  /* negative ASV_E*, or 0 */
	uint32_t aux; /* NS: its flags; ERROR: the log level (ASV_LOG_*) */
};

/* The ring's header; cap units of ASV_EVUNIT bytes follow. */
struct asv_evring {
	uint32_t magic;
	uint32_t cap;	    /* units, a power of two */
	uint32_t data_size; /* the most data one record carries */
	uint32_t pad;
	uint32_t head; /* next unit to reserve (writers) */
	uint32_t pad1[15];
	uint32_t tail;	/* next unit to read (the reader) */
	uint32_t drops; /* events dropped: ring full */
	uint32_t pad2[14];
};

#define ASV_EVRING_MAGIC 0x56455341u /* "ASEV" */
#define ASV_EVUNIT 64u
/* Units of a record carrying @dlen bytes of data. */
#define ASV_EV_UNITS(dlen) \
	((uint32_t)((sizeof(struct asv_event) + (dlen) + ASV_EVUNIT - 1u) / ASV_EVUNIT))

/* Bytes for a ring of @cap units. */
size_t asv_evring_bytes(uint32_t cap);
/*
 * Lay a ring out in @mem (asv_evring_bytes() bytes, 8-aligned, zeroed: as
 * calloc or a fresh memfd gives it; untouched pages stay untouched). @cap
 * a power of two >= the units of the largest record, @data_size (< 64 KiB)
 * the most data one record carries. 0 or -ASV_EINVAL.
 */
int asv_evring_init(void *mem, uint32_t cap, uint32_t data_size);
/*
 * Take the oldest committed event into *@e and up to @room bytes of its
 * data into @data (e->dlen says how many); 1, or 0 when there is none (or
 * the next one is not committed yet). @cap and @data_size: what the
 * reader laid out (the header in shared memory is not trusted).
 */
int asv_evring_read(struct asv_evring *r, uint32_t cap, uint32_t data_size, struct asv_event *e,
		    void *data, size_t room);
uint32_t asv_evring_drops(const struct asv_evring *r);
/*
 * Every writer is gone (the firmware process that wrote the ring died or
 * stopped): slots it reserved and never committed are committed empty
 * (kind ASV_EV_NONE), so the reader moves past them instead of waiting
 * for them forever. Only when no writer can be running.
 */
void asv_evring_abandon(struct asv_evring *r, uint32_t cap, uint32_t data_size);

/* A role's recorder (private memory): its ring, its clock, its role. */
struct asv_evlog {
	struct asv_evring *ring;
	uint32_t cap;	    /* units */
	uint32_t data_size; /* the most data one record carries */
	uint8_t role;
	uint64_t (*now_ns)(void *ctx);
	void *clock_ctx;
	bool (*in_isr)(void *ctx); /* optional: tags ISR-thread events */
	void *isr_ctx;
	/*
	 * Optional: each event goes to @sink instead of the ring (ring, cap
	 * unused then), stamped, with its role and ISR flag, its data cut to
	 * data_size. The kernel module's MCU hands it to a tracepoint.
	 */
	void (*sink)(void *ctx, const struct asv_event *e, const void *data, size_t n);
	void *sink_ctx;
};

/* Record @e (ts, seq, role, ISR flag filled here) with @n bytes of @data
 * (cut to the ring's data_size), or hand it to the log's sink. Any thread. */
void asv_ev_emit(struct asv_evlog *l, struct asv_event *e, const void *data, size_t n)
    __attribute__((cold));

/* "kick", "isr-start", ...: the kind's name, or "?" */
const char *asv_ev_kind_name(unsigned int kind);

#endif /* ASVIRT_EVENT_H */
