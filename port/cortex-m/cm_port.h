/* SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0 */
/* The board port's internal interface: startup.c <-> cm_main.c. */
#ifndef ASVIRT_CM_PORT_H
#define ASVIRT_CM_PORT_H

#include <stdint.h>

#include "asvirt/cm_board.h"
#include "cm_regs.h"

void cm_main(void);
void cm_systick_isr(void);
void cm_doorbell_isr(void);
/* A fault's stacked frame: r0-r3, r12, lr, pc, xpsr. Never returns. */
void cm_fault(const uint32_t *frame) __attribute__((noreturn, used));
/* Report a fatal error (console, trace, doorbell) and stop. */
void cm_fatal(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
void cm_halt(void) __attribute__((noreturn));

#endif
