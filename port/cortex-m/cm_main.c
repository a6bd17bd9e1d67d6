// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * asvirt's remote role on the bare-metal Cortex-M board (asvirt/cm_board.h,
 * docs/board.md): the core's struct asv_env for one MCU with no OS, the
 * doorbell and console UARTs, SysTick time, fault reporting, and the
 * firmware's main: init the remote on the table the host loaded at the
 * window's start, start the image's app, then sleep.
 *
 * Where the core runs: the doorbell's receive interrupt (UART0 RX) calls
 * asv_remote_isr(), so endpoint callbacks run in that handler, as
 * RPMsg-Lite's bare-metal environment runs them. Locks mask interrupts
 * (PRIMASK), nested by a depth count because the core does not always
 * release them in reverse order. Thread mode only sleeps (and would wait
 * there if an app sent from main): `cpsid i; if (!woken) wfi; cpsie i`
 * loses no wake-up, an interrupt landing after the test pends and ends
 * the WFI.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "asvirt/app.h"
#include "asvirt/cm_firmware.h"
#include "asvirt/errors.h"
#include "asvirt/ivshmem.h"
#include "asvirt/remote.h"
#include "cm_port.h"

/* Room for the app's state (struct asv_app.state_size): the MCU's RAM. */
#define CM_STATE_MAX 8192u
/* SysTick priority above the doorbell's: time advances in callbacks
 * unless a lock masks both (then now_ms() accounts the pended tick). */
#define CM_PRIO_SYSTICK 0x40u
#define CM_PRIO_DOORBELL 0x80u

extern const uint8_t __rsc_start[], __rsc_end[];

static struct asv_remote remote;
static int remote_ready;
static uint64_t app_state[CM_STATE_MAX / sizeof(uint64_t)];
static volatile uint32_t ticks_ms; /* SysTick, 1 kHz */
static volatile uint32_t wake_gen;
static uint32_t lock_depth, lock_saved;
static volatile uint32_t kicks_dropped;

/* ---- console (UART1) and doorbell (UART0) ------------------------------- */

static void console_putc(char c)
{
	while (UART_STATE(ASV_CM_UART_CONSOLE) & UART_STATE_TXFULL)
		;
	UART_DATA(ASV_CM_UART_CONSOLE) = (uint8_t)c;
}

static void console_puts(const char *s)
{
	while (*s)
		console_putc(*s++);
}

static void console_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void console_printf(const char *fmt, ...)
{
	char line[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	console_puts(line);
}

/*
 * One doorbell byte to the host. Never blocks: a byte still in the
 * transmitter is an interrupt the host has yet to take, and the host
 * drains whole rings on each, so this one can go (FACTS.md: a blocking
 * kick deadlocks against a host waiting on us).
 */
static void doorbell_send(uint8_t code)
{
	if (UART_STATE(ASV_CM_UART_DOORBELL) & UART_STATE_TXFULL)
		kicks_dropped++;
	else
		UART_DATA(ASV_CM_UART_DOORBELL) = code;
}

/* Take the doorbell's receive interrupt: clear it first, then read (read
 * first and the next byte's interrupt can be lost, FACTS.md). The bytes'
 * notify ids do not matter: asv_remote_isr() looks at every ring. */
static void doorbell_take(void)
{
	UART_INT(ASV_CM_UART_DOORBELL) = UART_INT_RX;
	while (UART_STATE(ASV_CM_UART_DOORBELL) & UART_STATE_RXFULL)
		(void)UART_DATA(ASV_CM_UART_DOORBELL);
}

/* ---- interrupts ----------------------------------------------------------- */

void cm_systick_isr(void)
{
	ticks_ms++;
	CM_REG(ASV_CM_BOARD_PAGE + ASV_CM_HEARTBEAT_OFF)++; /* the host's watchdog */
}

/*
 * asvirt up --linux (cm_board.h's bridge words): before the link comes up
 * on DRIVER_OK, the window Linux's buffers live in, from vring0's
 * descriptors, as the firmware runner does for a .so. A layout refused
 * leaves the buffers unset: the link-up then breaks with a logged error.
 */
static void learn_bridge_bufs(void)
{
	const volatile uint32_t *page = (const volatile uint32_t *)ASV_CM_BOARD_PAGE;
	struct asv_mem_region co, bufs;
	uint32_t off, size;
	char why[160];

	if (remote.bufs_set || remote.linked_once || !asv_guest_bufs_ready(&remote) ||
	    page[ASV_CM_BRIDGE_MAGIC_OFF / 4] != ASV_CM_BRIDGE_MAGIC)
		return;
	off = page[ASV_CM_BRIDGE_BUFS_OFF / 4]; /* each read once */
	size = page[ASV_CM_BRIDGE_BUFS_SIZE / 4];
	if (!size || off > ASV_CM_WINDOW_SIZE || size > ASV_CM_WINDOW_SIZE - off) {
		asv_remote_printf(&remote,
				  "bridge: buffer carveout 0x%" PRIx32 "+0x%" PRIx32
				  " refused: outside the window\n",
				  off, size);
		return;
	}
	co = (struct asv_mem_region){ (void *)(ASV_CM_WINDOW_BASE + off), 0, size };
	if (asv_guest_bufs_learn_carveout(&remote, &co, &bufs, why, sizeof(why)) ||
	    asv_remote_set_buffers(&remote, &bufs))
		asv_remote_printf(&remote, "bridge: guest rpmsg buffers: %s\n", why);
	else
		asv_remote_printf(&remote,
				  "rpmsg buffers: 0x%llx+0x%zx at 0x%08" PRIx32
				  " (learned from vring0)\n",
				  (unsigned long long)bufs.da, bufs.size, ASV_CM_WINDOW_BASE + off);
}

void cm_doorbell_isr(void)
{
	doorbell_take();
	if (remote_ready) {
		learn_bridge_bufs();
		asv_remote_isr(&remote);
	}
}

/* ---- the core's environment ----------------------------------------------- */

static void env_notify(void *ctx, uint32_t notifyid)
{
	(void)ctx;
	doorbell_send(notifyid <= ASV_CM_DB_MAX_NOTIFYID ? (uint8_t)notifyid
							 : (uint8_t)ASV_CM_DB_MAX_NOTIFYID);
}

static uint64_t env_now_ms(void *ctx)
{
	uint32_t pm = cm_primask(), t;

	(void)ctx;
	cm_irq_off();
	/* Interrupts masked for a while (a lock held): count the tick that
	 * pended meanwhile ourselves, the handler will not run for it. */
	if (SCB_ICSR & SCB_ICSR_PENDSTSET) {
		SCB_ICSR = SCB_ICSR_PENDSTCLR;
		ticks_ms++;
	}
	t = ticks_ms;
	cm_set_primask(pm);
	return t;
}

static void env_lock(void *ctx, enum asv_lock_id id)
{
	uint32_t pm = cm_primask();

	(void)ctx;
	(void)id;
	cm_irq_off();
	if (lock_depth++ == 0)
		lock_saved = pm;
}

static void env_unlock(void *ctx, enum asv_lock_id id)
{
	(void)ctx;
	(void)id;
	if (lock_depth && --lock_depth == 0)
		cm_set_primask(lock_saved);
}

static uint32_t env_wait_gen(void *ctx)
{
	(void)ctx;
	return wake_gen;
}

/* Thread mode: sleep until the doorbell handler woke us or time is up. */
static int env_wait(void *ctx, uint32_t gen, uint32_t timeout_ms)
{
	uint64_t end = env_now_ms(ctx) + timeout_ms;
	uint32_t pm = cm_primask();
	int err = 0;

	for (;;) {
		cm_irq_off();
		if (wake_gen != gen)
			break;
		if (env_now_ms(ctx) >= end) {
			err = -ASV_ETIMEDOUT;
			break;
		}
		cm_wfi();
		cm_irq_on(); /* the pending interrupt runs here */
	}
	cm_set_primask(pm);
	return err;
}

static void env_wake(void *ctx)
{
	(void)ctx;
	wake_gen++;
}

/*
 * A callback (in the doorbell handler, a lock held) that found no free
 * buffer waits for the host's next doorbell: the handler cannot be
 * re-entered, so take the pending byte here. SEVONPEND makes an interrupt
 * that becomes pending, masked or not, end a WFE; the event latches, so
 * one arriving between the test and the WFE is not lost.
 */
static int env_isr_wait(void *ctx, uint32_t timeout_ms)
{
	uint64_t end = env_now_ms(ctx) + timeout_ms;
	uint32_t irq = 1u << UART_RX_IRQ(ASV_CM_UART_DOORBELL);

	for (;;) {
		if ((NVIC_ISPR0 & irq) || (UART_INT(ASV_CM_UART_DOORBELL) & UART_INT_RX)) {
			doorbell_take();
			NVIC_ICPR0 = irq;
			return 0;
		}
		if (env_now_ms(ctx) >= end)
			return -ASV_ETIMEDOUT;
		cm_wfe();
	}
}

static bool env_in_isr(void *ctx)
{
	(void)ctx;
	return cm_ipsr() != 0;
}

static void env_log(void *ctx, int level, const char *msg)
{
	(void)ctx;
	console_printf("remote: %s: %s\n", asv_log_level_name(level), msg);
}

/* ---- faults ------------------------------------------------------------------- */

void cm_halt(void)
{
	cm_irq_off();
	for (;;)
		cm_wfi();
}

/* Tell the host we stopped: the fault code after whatever is queued. */
static void report_stop(void)
{
	unsigned int spin;

	for (spin = 0; spin < 1000000u; spin++)
		if (!(UART_STATE(ASV_CM_UART_DOORBELL) & UART_STATE_TXFULL))
			break;
	UART_DATA(ASV_CM_UART_DOORBELL) = ASV_CM_DB_FAULT;
}

void cm_fatal(const char *fmt, ...)
{
	char line[160];
	va_list ap;

	cm_irq_off();
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	console_printf("fatal: %s\n", line);
	if (remote_ready)
		asv_remote_printf(&remote, "fatal: %s\n", line);
	report_stop();
	cm_halt();
}

void cm_fault(const uint32_t *frame)
{
	cm_fatal("fault (exception %u): pc 0x%08x lr 0x%08x cfsr 0x%08x hfsr 0x%08x "
		 "bfar 0x%08x mmfar 0x%08x",
		 (unsigned int)cm_ipsr(), (unsigned int)frame[6], (unsigned int)frame[5],
		 (unsigned int)SCB_CFSR, (unsigned int)SCB_HFSR, (unsigned int)SCB_BFAR,
		 (unsigned int)SCB_MMFAR);
}

/* ---- main ------------------------------------------------------------------------ */

static const struct asv_mem_region window = {
	.va = (void *)ASV_CM_WINDOW_BASE,
	.da = ASV_CM_WINDOW_BASE,
	.size = ASV_CM_WINDOW_SIZE,
};

void cm_main(void)
{
	const struct asv_app *app = asv_cm_app;
	struct asv_remote_config rc;
	int err;

	UART_BAUDDIV(ASV_CM_UART_CONSOLE) = UART_BAUDDIV_MIN;
	UART_CTRL(ASV_CM_UART_CONSOLE) = UART_CTRL_TXEN;
	/* The doorbell's transmitter now: a fault before init is reported. */
	UART_BAUDDIV(ASV_CM_UART_DOORBELL) = UART_BAUDDIV_MIN;
	UART_CTRL(ASV_CM_UART_DOORBELL) = UART_CTRL_TXEN;
	console_printf("asvirt cortex-m4: firmware '%s' booting\n", app->name);

	SYST_RVR = CM_CPU_HZ / 1000u - 1u;
	SYST_CVR = 0;
	SYST_CSR = 7u; /* processor clock, interrupt, enable */
	SCB_SHPR3 = (SCB_SHPR3 & 0x00ffffffu) | (CM_PRIO_SYSTICK << 24);
	NVIC_IPR(UART_RX_IRQ(ASV_CM_UART_DOORBELL)) = CM_PRIO_DOORBELL;
	SCB_SCR |= SCB_SCR_SEVONPEND;
	/* Fault handlers of their own, not all escalated to HardFault. */
	SCB_SHCSR |= (1u << 16) | (1u << 17) | (1u << 18);

	memset(&rc, 0, sizeof(rc));
	rc.rsc_table = (void *)ASV_CM_WINDOW_BASE; /* loaded there by the host */
	rc.rsc_size = (size_t)((uintptr_t)__rsc_end - (uintptr_t)__rsc_start);
	rc.regions = &window;
	rc.nregions = 1;
	rc.env.notify = env_notify;
	rc.env.wait_gen = env_wait_gen;
	rc.env.wait = env_wait;
	rc.env.wake = env_wake;
	rc.env.isr_wait = env_isr_wait;
	rc.env.in_isr = env_in_isr;
	rc.env.lock = env_lock;
	rc.env.unlock = env_unlock;
	rc.env.now_ms = env_now_ms;
	rc.env.log = env_log;
	rc.env.log_level = ASV_LOG_INFO;
	err = asv_remote_init(&remote, &rc);
	if (err)
		cm_fatal("remote init: %s", asv_strerror(err));
	remote_ready = 1;
	asv_remote_printf(&remote, "cortex-m4: firmware %s starting\n", app->name);
	if (app->state_size > sizeof(app_state))
		cm_fatal("app %s needs %u bytes of state, the port has %u", app->name,
			 (unsigned int)app->state_size, (unsigned int)sizeof(app_state));
	err = app->start(&remote, app_state);
	if (err)
		cm_fatal("app %s did not start: %s", app->name, asv_strerror(err));

	/* The doorbell: receive enabled, then one read of the data register
	 * (else QEMU never offers the first host byte, FACTS.md). */
	UART_CTRL(ASV_CM_UART_DOORBELL) = UART_CTRL_TXEN | UART_CTRL_RXEN | UART_CTRL_RXINTEN;
	(void)UART_DATA(ASV_CM_UART_DOORBELL);
	NVIC_ISER0 = 1u << UART_RX_IRQ(ASV_CM_UART_DOORBELL);
	/* The host may have set DRIVER_OK and kicked before we listened:
	 * run the handler once (pended, so it never runs twice at a time). */
	NVIC_ISPR0 = 1u << UART_RX_IRQ(ASV_CM_UART_DOORBELL);
	doorbell_send(ASV_CM_DB_BOOTED);
	for (;;) {
		cm_irq_off();
		cm_wfi();
		cm_irq_on();
	}
}
