// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * Reset and the vector table of the Cortex-M board (mps2-an386): the
 * table sits at address 0 (.vectors, first in the linker script), reset
 * copies .data from its image in code memory, zeroes .bss and calls
 * cm_main(). Every fault lands in cm_fault() with the stacked frame.
 */
#include <stdint.h>
#include <string.h>

#include "cm_port.h"

extern uint32_t __data_start[], __data_end[], __data_load[], __bss_start[], __bss_end[];
extern uint32_t __stack_top[];

void Reset_Handler(void);
void Fault_Handler(void);
void Default_Handler(void);

void Reset_Handler(void)
{
	memcpy(__data_start, __data_load,
	       (size_t)((uintptr_t)__data_end - (uintptr_t)__data_start));
	memset(__bss_start, 0, (size_t)((uintptr_t)__bss_end - (uintptr_t)__bss_start));
	cm_main();
	cm_halt();
}

/* Hand the frame the fault stacked (MSP or PSP, by EXC_RETURN bit 2) to C. */
__attribute__((naked)) void Fault_Handler(void)
{
	__asm__ volatile("tst lr, #4\n"
			 "ite eq\n"
			 "mrseq r0, msp\n"
			 "mrsne r0, psp\n"
			 "b cm_fault\n");
}

/* An interrupt nobody enabled: report it as a fault (IPSR names it). */
void Default_Handler(void)
{
	cm_fatal("unexpected exception %u", (unsigned int)cm_ipsr());
}

#define CM_NVEC (16 + 32)

__attribute__((section(".vectors"), used)) void (*const cm_vectors[CM_NVEC])(void) = {
	[0] = (void (*)(void))__stack_top,
	[1] = Reset_Handler,
	[2] = Default_Handler,	/* NMI */
	[3] = Fault_Handler,	/* HardFault */
	[4] = Fault_Handler,	/* MemManage */
	[5] = Fault_Handler,	/* BusFault */
	[6] = Fault_Handler,	/* UsageFault */
	[11] = Default_Handler, /* SVCall */
	[12] = Default_Handler, /* DebugMonitor */
	[14] = Default_Handler, /* PendSV */
	[15] = cm_systick_isr,
	[16 + UART_RX_IRQ(ASV_CM_UART_DOORBELL)] = cm_doorbell_isr,
	[16 + 1] = Default_Handler,
	[16 + 2] = Default_Handler,
	[16 + 3] = Default_Handler,
	[16 + 4] = Default_Handler,
	[16 + 5] = Default_Handler,
	[16 + 6] = Default_Handler,
	[16 + 7] = Default_Handler,
	[16 + 8] = Default_Handler,
	[16 + 9] = Default_Handler,
	[16 + 10] = Default_Handler,
	[16 + 11] = Default_Handler,
	[16 + 12] = Default_Handler,
	[16 + 13] = Default_Handler,
	[16 + 14] = Default_Handler,
	[16 + 15] = Default_Handler,
	[16 + 16] = Default_Handler,
	[16 + 17] = Default_Handler,
	[16 + 18] = Default_Handler,
	[16 + 19] = Default_Handler,
	[16 + 20] = Default_Handler,
	[16 + 21] = Default_Handler,
	[16 + 22] = Default_Handler,
	[16 + 23] = Default_Handler,
	[16 + 24] = Default_Handler,
	[16 + 25] = Default_Handler,
	[16 + 26] = Default_Handler,
	[16 + 27] = Default_Handler,
	[16 + 28] = Default_Handler,
	[16 + 29] = Default_Handler,
	[16 + 30] = Default_Handler,
	[16 + 31] = Default_Handler,
};
