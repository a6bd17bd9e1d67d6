/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The MCU's protocol events (core/include/asvirt/event.h) as one trace
 * event, asvirt:asvirt_event, readable with ftrace:
 *
 *   echo 1 > /sys/kernel/tracing/events/asvirt/enable
 *   cat /sys/kernel/tracing/trace > capture.txt
 *
 * and turned into Perfetto JSON and pcap on a host by
 * "asvirt trace convert" (cli/trace_ftrace.c parses the TP_printk line
 * below: keep the two in step). While the event is disabled the MCUs have
 * no recorder (env.evlog NULL): the core's cost is its one test of that
 * pointer per step; enabling it (asvirt_trace_reg()) gives every MCU one.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM asvirt

#if !defined(ASVIRT_EVENTS_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define ASVIRT_EVENTS_TRACE_H

#include <linux/tracepoint.h>

#include "asvirt/event.h"

/* The most data one event carries: a whole rpmsg buffer (header + payload). */
#define ASVIRT_TRACE_DATA_MAX 512

int asvirt_trace_reg(void);
void asvirt_trace_unreg(void);

TRACE_EVENT_FN(asvirt_event,

	TP_PROTO(int mcu_id, const struct asv_event *ev, const void *bytes,
		 size_t nbytes),

	TP_ARGS(mcu_id, ev, bytes, nbytes),

	TP_STRUCT__entry(
		__field(int, mcu)
		__field(u8, kind)
		__field(u8, role)
		__field(u8, vring)
		__field(u8, flags)
		__field(u16, idx)
		__field(u16, desc)
		__field(u16, len)
		__field(u32, src)
		__field(u32, dst)
		__field(u32, ept)
		__field(s32, err)
		__field(u32, aux)
		__dynamic_array(u8, data, min_t(size_t, nbytes, ASVIRT_TRACE_DATA_MAX))
	),

	TP_fast_assign(
		__entry->mcu = mcu_id;
		__entry->kind = ev->kind;
		__entry->role = ev->role;
		__entry->vring = ev->vring;
		__entry->flags = ev->flags;
		__entry->idx = ev->idx;
		__entry->desc = ev->desc;
		__entry->len = ev->len;
		__entry->src = ev->src;
		__entry->dst = ev->dst;
		__entry->ept = ev->ept;
		__entry->err = ev->err;
		__entry->aux = ev->aux;
		memcpy(__get_dynamic_array(data), bytes,
		       __get_dynamic_array_len(data));
	),

	TP_printk("mcu=%d kind=%s role=%s vring=%u flags=0x%x idx=%u desc=%u len=%u src=0x%x dst=0x%x ept=0x%x err=%d aux=%u data=%s",
		  __entry->mcu,
		  __print_symbolic(__entry->kind,
				 { ASV_EV_NONE, "none" },
				 { ASV_EV_KICK, "kick" },
				 { ASV_EV_ISR_START, "isr-start" },
				 { ASV_EV_ISR_END, "isr-end" },
				 { ASV_EV_IDX_PUB, "idx-published" },
				 { ASV_EV_DESC_ADD, "desc-added" },
				 { ASV_EV_DESC_USED, "desc-used" },
				 { ASV_EV_DESC_TAKEN, "desc-taken" },
				 { ASV_EV_TX, "tx" },
				 { ASV_EV_RX, "rx" },
				 { ASV_EV_NS, "name-service" },
				 { ASV_EV_BUF_HOLD, "buf-held" },
				 { ASV_EV_BUF_RELEASE, "buf-released" },
				 { ASV_EV_LINK_UP, "link-up" },
				 { ASV_EV_LINK_DOWN, "link-down" },
				 { ASV_EV_ERROR, "error" }),
		  __entry->role == ASV_EV_REMOTE ? "remote" : "host",
		  __entry->vring, __entry->flags, __entry->idx, __entry->desc,
		  __entry->len, __entry->src, __entry->dst, __entry->ept,
		  __entry->err, __entry->aux,
		  __print_hex_str(__get_dynamic_array(data),
				  __get_dynamic_array_len(data))),

	asvirt_trace_reg, asvirt_trace_unreg
);

#endif /* ASVIRT_EVENTS_TRACE_H */

/* Outside the guard: define_trace.h reads this file again from here. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE asvirt_events
#include <trace/define_trace.h>
