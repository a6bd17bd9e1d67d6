// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * What libatomic gives other targets: ARMv7-M has no 64-bit atomic
 * access, so GCC calls these for 64-bit __atomic operations (the core's
 * relaxed load of a descriptor's 64-bit address). One core: masking
 * interrupts makes them atomic against this MCU; against the host they
 * are two 32-bit accesses, which is all the core relies on (a descriptor
 * is published before it is read, and every value read is checked
 * before use).
 */
#include <stdint.h>

#include "cm_regs.h"

uint64_t __atomic_load_8(const volatile void *p, int order);
void __atomic_store_8(volatile void *p, uint64_t v, int order);

uint64_t __atomic_load_8(const volatile void *p, int order)
{
	uint32_t pm = cm_primask();
	uint64_t v;

	(void)order;
	cm_irq_off();
	v = *(const volatile uint64_t *)p;
	cm_set_primask(pm);
	return v;
}

void __atomic_store_8(volatile void *p, uint64_t v, int order)
{
	uint32_t pm = cm_primask();

	(void)order;
	cm_irq_off();
	*(volatile uint64_t *)p = v;
	cm_set_primask(pm);
}
