/* SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0 */
/*
 * The registers the board port touches: the Cortex-M4 system control
 * space (ARMv7-M Architecture Reference Manual, B3) and the CMSDK APB
 * UART (ARM CoreLink SDK technical reference, as QEMU's cmsdk-apb-uart
 * models it).
 */
#ifndef ASVIRT_CM_REGS_H
#define ASVIRT_CM_REGS_H

#include <stdint.h>

#define CM_REG(addr) (*(volatile uint32_t *)(addr))
#define CM_REG8(addr) (*(volatile uint8_t *)(addr))

/* SysTick */
#define SYST_CSR CM_REG(0xe000e010u)
#define SYST_RVR CM_REG(0xe000e014u)
#define SYST_CVR CM_REG(0xe000e018u)
/* NVIC (IRQs 0..31) */
#define NVIC_ISER0 CM_REG(0xe000e100u)
#define NVIC_ICER0 CM_REG(0xe000e180u)
#define NVIC_ISPR0 CM_REG(0xe000e200u)
#define NVIC_ICPR0 CM_REG(0xe000e280u)
#define NVIC_IPR(irq) CM_REG8(0xe000e400u + (irq))
/* SCB */
#define SCB_ICSR CM_REG(0xe000ed04u)
#define SCB_ICSR_PENDSTSET (1u << 26)
#define SCB_ICSR_PENDSTCLR (1u << 25)
#define SCB_SCR CM_REG(0xe000ed10u)
#define SCB_SCR_SEVONPEND (1u << 4)
#define SCB_SHPR3 CM_REG(0xe000ed20u)
#define SCB_SHCSR CM_REG(0xe000ed24u)
#define SCB_CFSR CM_REG(0xe000ed28u)
#define SCB_HFSR CM_REG(0xe000ed2cu)
#define SCB_MMFAR CM_REG(0xe000ed34u)
#define SCB_BFAR CM_REG(0xe000ed38u)

/* CMSDK APB UART */
#define UART_BASE(n) (0x40004000u + 0x1000u * (n))
#define UART_DATA(n) CM_REG(UART_BASE(n) + 0x00u)
#define UART_STATE(n) CM_REG(UART_BASE(n) + 0x04u)
#define UART_CTRL(n) CM_REG(UART_BASE(n) + 0x08u)
#define UART_INT(n) CM_REG(UART_BASE(n) + 0x0cu) /* status; write 1 to clear */
#define UART_BAUDDIV(n) CM_REG(UART_BASE(n) + 0x10u)
#define UART_STATE_TXFULL (1u << 0)
#define UART_STATE_RXFULL (1u << 1)
#define UART_CTRL_TXEN (1u << 0)
#define UART_CTRL_RXEN (1u << 1)
#define UART_CTRL_RXINTEN (1u << 3)
#define UART_INT_RX (1u << 1)
/* QEMU's model sends nothing below 16. */
#define UART_BAUDDIV_MIN 16u
/* mps2: UART n's receive interrupt is IRQ 2n, its transmit one 2n + 1. */
#define UART_RX_IRQ(n) (2u * (n))

/* The CPU clock QEMU's mps2 boards give SysTick: 25 MHz. */
#define CM_CPU_HZ 25000000u

static inline uint32_t cm_primask(void)
{
	uint32_t v;

	__asm__ volatile("mrs %0, primask" : "=r"(v));
	return v;
}

static inline void cm_set_primask(uint32_t v)
{
	__asm__ volatile("msr primask, %0" : : "r"(v) : "memory");
}

static inline void cm_irq_off(void)
{
	__asm__ volatile("cpsid i" : : : "memory");
}

static inline void cm_irq_on(void)
{
	__asm__ volatile("cpsie i" : : : "memory");
}

static inline void cm_wfi(void)
{
	__asm__ volatile("wfi" : : : "memory");
}

static inline void cm_wfe(void)
{
	__asm__ volatile("wfe" : : : "memory");
}

static inline uint32_t cm_ipsr(void)
{
	uint32_t v;

	__asm__ volatile("mrs %0, ipsr" : "=r"(v));
	return v;
}

#endif
