// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * The Cortex-M board's floor (bench_cm): a firmware that only answers the
 * doorbell, each byte the host writes to UART0 sent straight back from the
 * receive interrupt. A round trip through the board can be no faster than
 * this one. Built on the board port's startup.c alone (no core).
 */
#include <stdint.h>

#include "cm_port.h"

void cm_systick_isr(void)
{
}

void cm_doorbell_isr(void)
{
	UART_INT(ASV_CM_UART_DOORBELL) = UART_INT_RX;
	while (UART_STATE(ASV_CM_UART_DOORBELL) & UART_STATE_RXFULL) {
		uint32_t b = UART_DATA(ASV_CM_UART_DOORBELL);

		while (UART_STATE(ASV_CM_UART_DOORBELL) & UART_STATE_TXFULL)
			;
		UART_DATA(ASV_CM_UART_DOORBELL) = b;
	}
}

void cm_halt(void)
{
	for (;;)
		cm_wfi();
}

void cm_fatal(const char *fmt, ...)
{
	(void)fmt;
	cm_halt();
}

void cm_fault(const uint32_t *frame)
{
	(void)frame;
	cm_halt();
}

void cm_main(void)
{
	UART_BAUDDIV(ASV_CM_UART_DOORBELL) = UART_BAUDDIV_MIN;
	UART_CTRL(ASV_CM_UART_DOORBELL) = UART_CTRL_TXEN | UART_CTRL_RXEN | UART_CTRL_RXINTEN;
	(void)UART_DATA(ASV_CM_UART_DOORBELL);
	NVIC_IPR(UART_RX_IRQ(ASV_CM_UART_DOORBELL)) = 0x80u;
	NVIC_ISER0 = 1u << UART_RX_IRQ(ASV_CM_UART_DOORBELL);
	UART_DATA(ASV_CM_UART_DOORBELL) = ASV_CM_DB_BOOTED;
	for (;;) {
		cm_irq_off();
		cm_wfi();
		cm_irq_on();
	}
}
