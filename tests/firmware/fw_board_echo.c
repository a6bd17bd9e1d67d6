// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * A board-level image (asvirt/board.h) that proves the seam: asvirt's core
 * linked in as a plain library (its own copy, hidden, bound inside the
 * image) runs the remote role over nothing but the board the runner gives:
 * the window for the regions, the loaded table in it, board->notify as
 * the core's kick, the board's interrupt driving asv_remote_isr, the
 * board's clock and console. Its own locks and waits are pthreads (on an
 * MCU they would mask interrupts). It imports no symbol of the runner.
 *
 * "rpmsg-echo" at 0x400 returns every message; a message
 * "board-fatal:WHY" makes it report a fatal error WHY through the board,
 * "board-hang" makes its handler never return (the watchdog's case).
 *
 * Broken variants include this file (tests/firmware/bad_early_ns.c,
 * bad_trust_desc.c, ...):
 * BOARD_ECHO_TABLE(b) is the table the core reads, BOARD_ECHO_SEND(e,
 * src, data, len) what the echo does with a message (declared before the
 * include), BOARD_ECHO_NO_ENTRY leaves the entry to it, BOARD_ECHO_OWN_TABLE
 * the resource table (bad_zero_vring.c).
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "asvirt/board.h"
#include "asvirt/errors.h"
#include "asvirt/firmware.h" /* the standard resource table only */
#include "asvirt/remote.h"

#define FATAL_CMD "board-fatal:"
#define HANG_CMD "board-hang"

#ifndef BOARD_ECHO_OWN_TABLE
__attribute__((section(".resource_table"), used))
const struct asv_fw_std_table asvirt_resource_table = ASV_FW_STD_TABLE_INIT(256, 4096);
#endif

static struct fw {
	const struct asv_board *b;
	struct asv_remote r;
	struct asv_endpoint ept;
	struct asv_mem_region window;
	pthread_mutex_t locks[ASV_LOCK_COUNT];
	pthread_mutex_t wmu;
	pthread_cond_t wcv;
	pthread_mutex_t isr_mu; /* one asv_remote_isr at a time */
	uint32_t gen;
} fw;

#ifndef BOARD_ECHO_TABLE
#define BOARD_ECHO_TABLE(b) ((b)->rsc_table)
#endif
#ifndef BOARD_ECHO_SEND
#define BOARD_ECHO_SEND asv_sendto
#endif

static __thread int in_irq;

static void fw_notify(void *ctx, uint32_t notifyid)
{
	struct fw *f = ctx;
	int err = f->b->notify(f->b, notifyid);

	if (err) { /* the loaded table named a vring the board has not */
		char line[96];

		snprintf(line, sizeof(line), "doorbell to vring %u refused (%d)",
			 (unsigned int)notifyid, err);
		f->b->console(f->b, line);
	}
}

static uint32_t fw_wait_gen(void *ctx)
{
	return __atomic_load_n(&((struct fw *)ctx)->gen, __ATOMIC_ACQUIRE);
}

static int fw_wait(void *ctx, uint32_t gen, uint32_t timeout_ms)
{
	struct fw *f = ctx;
	struct timespec ts;
	int rc = 0;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += timeout_ms / 1000;
	ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&f->wmu);
	while (__atomic_load_n(&f->gen, __ATOMIC_ACQUIRE) == gen && !rc)
		rc = pthread_cond_timedwait(&f->wcv, &f->wmu, &ts);
	pthread_mutex_unlock(&f->wmu);
	return __atomic_load_n(&f->gen, __ATOMIC_ACQUIRE) != gen ? 0 : -ASV_ETIMEDOUT;
}

static void fw_wake(void *ctx)
{
	struct fw *f = ctx;

	pthread_mutex_lock(&f->wmu);
	__atomic_add_fetch(&f->gen, 1, __ATOMIC_RELEASE);
	pthread_cond_broadcast(&f->wcv);
	pthread_mutex_unlock(&f->wmu);
}

/*
 * A reply sent from the interrupt handler that finds no free buffer: the
 * handler cannot take the host's next kick (the board delivers it after
 * this call returns, kept pending meanwhile), so wait a slice and let the
 * core read the ring again; the buffers the host gave back are there.
 * Without it such a send fails at once and the reply is lost (a burst of
 * twice the ring's buffers against a slow host: asvirt conform's msg.burst).
 */
static int fw_isr_wait(void *ctx, uint32_t timeout_ms)
{
	struct timespec ts = { 0, 200000L }; /* 0.2 ms */

	(void)ctx;
	if (!timeout_ms)
		return -ASV_ETIMEDOUT;
	nanosleep(&ts, NULL);
	return 0;
}

static bool fw_in_isr(void *ctx)
{
	(void)ctx;
	return in_irq;
}

static void fw_lock(void *ctx, enum asv_lock_id id)
{
	pthread_mutex_lock(&((struct fw *)ctx)->locks[id]);
}

static void fw_unlock(void *ctx, enum asv_lock_id id)
{
	pthread_mutex_unlock(&((struct fw *)ctx)->locks[id]);
}

static uint64_t fw_now_ms(void *ctx)
{
	const struct asv_board *b = ((struct fw *)ctx)->b;

	return b->now_us(b) / 1000u;
}

static void fw_log(void *ctx, int level, const char *msg)
{
	const struct asv_board *b = ctx;

	(void)level;
	b->console(b, msg);
}

/* The interrupt in: the core's ISR drains both rings whichever was kicked. */
static void fw_irq(void *priv, uint32_t vring_id)
{
	struct fw *f = priv;

	(void)vring_id;
	pthread_mutex_lock(&f->isr_mu);
	in_irq = 1;
	asv_remote_isr(&f->r);
	in_irq = 0;
	pthread_mutex_unlock(&f->isr_mu);
}

static int echo_cb(struct asv_endpoint *e, void *data, size_t len, uint32_t src, void *priv)
{
	struct fw *f = priv;
	const size_t n = sizeof(FATAL_CMD) - 1;

	if (len > n && len < 128 && !memcmp(data, FATAL_CMD, n)) {
		char why[128];

		memcpy(why, (char *)data + n, len - n);
		why[len - n] = 0;
		f->b->fatal(f->b, why);
	}
	if (len == sizeof(HANG_CMD) - 1 && !memcmp(data, HANG_CMD, len))
		for (;;)
			sleep(1); /* in the interrupt handler: the board's heartbeat stops */
	return BOARD_ECHO_SEND(e, src, data, len);
}

static int board_echo_start(const struct asv_board *b, void **state)
{
	struct asv_remote_config rc;
	int i, err;

	memset(&fw, 0, sizeof(fw));
	fw.b = b;
	for (i = 0; i < ASV_LOCK_COUNT; i++)
		pthread_mutex_init(&fw.locks[i], NULL);
	pthread_mutex_init(&fw.wmu, NULL);
	pthread_mutex_init(&fw.isr_mu, NULL);
	{
		pthread_condattr_t ca;

		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&fw.wcv, &ca);
		pthread_condattr_destroy(&ca);
	}
	fw.window = (struct asv_mem_region){ b->window, b->window_da, (size_t)b->window_size };
	memset(&rc, 0, sizeof(rc));
	rc.rsc_table = BOARD_ECHO_TABLE(b);
	rc.rsc_size = b->rsc_size;
	rc.regions = &fw.window;
	rc.nregions = 1;
	rc.env = (struct asv_env){
		.ctx = &fw,
		.notify = fw_notify,
		.wait_gen = fw_wait_gen,
		.wait = fw_wait,
		.wake = fw_wake,
		.isr_wait = fw_isr_wait,
		.in_isr = fw_in_isr,
		.lock = fw_lock,
		.unlock = fw_unlock,
		.now_ms = fw_now_ms,
		.log = fw_log,
		.log_ctx = (void *)b,
		.log_level = ASV_LOG_WARN,
	};
	err = asv_remote_init(&fw.r, &rc);
	if (!err)
		err = asv_create_ept(&fw.r.dev, &fw.ept, "rpmsg-echo", 0x400, echo_cb, &fw);
	if (err)
		return err;
	asv_remote_printf(&fw.r, "board-echo: asvirt's core over the board (window 0x%llx)\n",
			  (unsigned long long)b->window_da);
	b->console(b, "board-echo: up");
	*state = &fw;
	/* from here the host's kicks (kept until now) reach the stack */
	return b->set_irq(b, fw_irq, &fw);
}

static void board_echo_stop(void *state)
{
	struct fw *f = state;

	asv_remote_shutdown(&f->r);
	asv_destroy_ept(&f->ept);
}

#ifndef BOARD_ECHO_NO_ENTRY
ASV_BOARD_FIRMWARE("board-echo", board_echo_start, board_echo_stop);
#endif
