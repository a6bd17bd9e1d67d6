// SPDX-License-Identifier: GPL-2.0
/*
 * The trace event asvirt:asvirt_event (asvirt_events.h) and the MCUs it
 * records: each running MCU is on a list; while the event is enabled
 * (regfunc/unregfunc of TRACE_EVENT_FN, called as the first user comes
 * and the last goes) every MCU's remote has a recorder whose sink is the
 * trace event, and none otherwise, so a disabled event costs the core one
 * test of a NULL pointer per step.
 */
#include <linux/list.h>
#include <linux/mutex.h>

#include "asvirt_mcu.h"

#define CREATE_TRACE_POINTS
#include "asvirt_events.h"

static DEFINE_MUTEX(asvirt_trace_lock);
static LIST_HEAD(asvirt_trace_mcus);	/* under asvirt_trace_lock */
static bool asvirt_trace_enabled;	/* under asvirt_trace_lock */

static void asvirt_trace_sink(void *ctx, const struct asv_event *e,
			      const void *data, size_t n)
{
	struct asvirt_mcu *m = ctx;

	trace_asvirt_event(m->id, e, data, n);
}

static void asvirt_trace_set(struct asvirt_mcu *m, bool on)
{
	/* the core reads it once per step (asv_ev()), on any of its threads */
	WRITE_ONCE(m->remote.dev.env.evlog, on ? &m->evlog : NULL);
}

int asvirt_trace_reg(void)
{
	struct asvirt_mcu *m;

	mutex_lock(&asvirt_trace_lock);
	asvirt_trace_enabled = true;
	list_for_each_entry(m, &asvirt_trace_mcus, trace_node)
		asvirt_trace_set(m, true);
	mutex_unlock(&asvirt_trace_lock);
	return 0;
}

void asvirt_trace_unreg(void)
{
	struct asvirt_mcu *m;

	mutex_lock(&asvirt_trace_lock);
	asvirt_trace_enabled = false;
	list_for_each_entry(m, &asvirt_trace_mcus, trace_node)
		asvirt_trace_set(m, false);
	mutex_unlock(&asvirt_trace_lock);
}

void asvirt_trace_attach(struct asvirt_mcu *m)
{
	m->evlog.data_size = ASVIRT_TRACE_DATA_MAX;
	m->evlog.role = ASV_EV_REMOTE;
	m->evlog.sink = asvirt_trace_sink;
	m->evlog.sink_ctx = m;
	mutex_lock(&asvirt_trace_lock);
	list_add(&m->trace_node, &asvirt_trace_mcus);
	asvirt_trace_set(m, asvirt_trace_enabled);
	mutex_unlock(&asvirt_trace_lock);
}

/*
 * After the MCU's threads stopped. An event disabled a moment before may
 * still be passing through the sink on a thread that read the recorder
 * before: m (with m->evlog) outlives every thread that can emit.
 */
void asvirt_trace_detach(struct asvirt_mcu *m)
{
	mutex_lock(&asvirt_trace_lock);
	list_del(&m->trace_node);
	asvirt_trace_set(m, false);
	mutex_unlock(&asvirt_trace_lock);
}
