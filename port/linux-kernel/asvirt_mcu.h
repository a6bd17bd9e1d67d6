/* SPDX-License-Identifier: GPL-2.0 */
/*
 * asvirt kernel port: the virtual MCU that runs the portable core's remote
 * role (core/src/remote.c) and an app (apps/) inside a kernel module.
 *
 * The MCU has one "interrupt line": a semaphore that the host's kick ups,
 * and one ISR kthread that waits on it and calls asv_remote_isr(). It
 * raises interrupts at the host through the notify_host callback. All of
 * its memory accesses go through the core's checked regions.
 */
#ifndef ASVIRT_MCU_H
#define ASVIRT_MCU_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/semaphore.h>
#include <linux/types.h>
#include <linux/wait.h>

#include "asvirt/app.h"
#include "asvirt/event.h"
#include "asvirt/fault.h"
#include "asvirt/remote.h"

#define ASVIRT_MCU_MAX_MEM 3
/* The interrupt line (a counting semaphore) starts lowered. */
#define ASVIRT_MCU_IRQ_LOWERED 0

/*
 * Test: a remote's fault plan (asvirt/fault.h), kept by the driver across
 * the MCU's restarts (struct asvirt_mcu is cleared at each start). Under
 * @lock the plan is replaced and attached to the MCU's remote whenever the
 * remote is (re)initialised; @ready: the MCU whose remote was initialised
 * (asv_remote_init()) and may be attached to, or NULL.
 */
struct asvirt_mcu_fault {
	struct asv_fault_plan plan;
	struct mutex lock;
	struct device *dev;
	struct asvirt_mcu *ready;
};

struct asvirt_mcu {
	/* Filled by the driver before asvirt_mcu_start(). */
	struct device *dev;
	int id;				/* names the ISR thread asvirt-mcuID */
	const char *app_name;
	void *table;			/* loaded resource table (MCU SRAM) */
	size_t table_size;
	/* MCU-addressable memory: SRAM and the carveouts (vrings, buffers) */
	struct asv_mem_region mem[ASVIRT_MCU_MAX_MEM];
	unsigned int nmem;
	void (*notify_host)(void *ctx, u32 notifyid);
	/* The MCU hit a fatal error (called on its ISR thread). */
	void (*fatal)(void *ctx);
	void *notify_ctx;
	/* The device the host allocates its rpmsg buffers for (NULL: coherent). */
	struct device *bufs_dev;
	/* Test: rewrite the table once, right after the MCU first reads it. */
	bool inject_table_race;

	/* private */
	struct asv_remote remote;
	const struct asv_app *app;
	void *app_state;
	void *bufs_map;			/* the mapped rpmsg buffer window */
	bool bufs_vmapped;		/* bufs_map is a non-cacheable vmap() */
	bool linked;			/* the app started (mcu_link() done) */
	bool running;
	/*
	 * open: the remote may have senders, a stop must close it; stopping:
	 * a stop began. Both written under @life, so a stop and the link
	 * (or the flood knob) see each other.
	 */
	bool open;
	bool stopping;
	bool exit;			/* the ISR thread ends (asvirt_mcu_stop()) */
	/* held by the ISR thread per interrupt; a host leaving waits for it */
	struct mutex session;
	unsigned int leaves;		/* hosts that left (detach), for the log */
	bool crashed;
	bool inject_bad_addr;		/* test: corrupt the next host buffer */
	bool paused;			/* test: interrupts masked */
	struct semaphore irq;		/* the MCU's interrupt line */
	struct task_struct *isr;
	wait_queue_head_t wq;		/* senders waiting for a buffer */
	atomic_t gen;
	struct mutex locks[ASV_LOCK_COUNT];
	struct mutex life;
	/* Test: the remote's fault plan (the driver's), or NULL. */
	struct asvirt_mcu_fault *fault;
	/* test: a kthread sending a flood (asvirt_mcu_flood()) */
	struct task_struct *flood;
	struct asv_endpoint flood_ept;
	u32 flood_dst;
	/* the recorder of the asvirt_event trace event (kernel/asvirt_events.c) */
	struct asv_evlog evlog;
	struct list_head trace_node;
};

void asvirt_mcu_fault_init(struct asvirt_mcu_fault *f, struct device *dev);
int asvirt_mcu_set_fault(struct asvirt_mcu_fault *f, const char *spec);
size_t asvirt_mcu_show_fault(struct asvirt_mcu_fault *f, char *buf, size_t len);
int asvirt_mcu_start(struct asvirt_mcu *m);
void asvirt_mcu_kick(struct asvirt_mcu *m);
void asvirt_mcu_crash(struct asvirt_mcu *m);
void asvirt_mcu_inject_bad_addr(struct asvirt_mcu *m);
void asvirt_mcu_pause(struct asvirt_mcu *m, bool pause);
int asvirt_mcu_flood(struct asvirt_mcu *m, u32 dst);
void asvirt_mcu_stop(struct asvirt_mcu *m);
void asvirt_mcu_leave(struct asvirt_mcu *m);
int asvirt_mcu_table_status(struct asvirt_mcu *m);
int asvirt_mcu_rejoin(struct asvirt_mcu *m, const struct asv_mem_region *mem,
		      unsigned int nmem, struct device *bufs_dev);
void asvirt_mcu_trace(struct asvirt_mcu *m, const char *fmt, ...)
	__printf(2, 3);
/*
 * End of a kthread's work: sleep until kthread_stop() so the task
 * outlives its last use (both the MCU and the host ISR thread).
 */
void asvirt_wait_for_stop(void);

/*
 * kernel/asvirt_events.c: a started MCU's remote records into the trace
 * event while it is enabled; from before its threads run to after they
 * stopped.
 */
void asvirt_trace_attach(struct asvirt_mcu *m);
void asvirt_trace_detach(struct asvirt_mcu *m);

#endif
