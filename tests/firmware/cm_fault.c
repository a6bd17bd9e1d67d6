// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * Test-only Cortex-M image: "rpmsg-echo" at 0x400 that, on the message
 * "fault", loads from an address nothing answers on the board (a bus
 * fault, as a stray pointer in real firmware), so the board port's fault
 * handler must report it (trace, console, doorbell code) and asvirt up
 * must see the crash and boot the image again. On "hang" it never returns
 * (interrupts masked, as a callback runs): only the watchdog can tell.
 */
#include <string.h>

#include "asvirt/cm_firmware.h"

#define CM_FAULT_ADDR 0x30000000u /* unmapped on mps2-an386 */

struct fault_state {
	struct asv_endpoint ept;
};

static int fault_cb(struct asv_endpoint *ept, void *data, size_t len, uint32_t src, void *priv)
{
	(void)priv;
	if (len == 5 && !memcmp(data, "fault", 5))
		(void)*(volatile uint32_t *)CM_FAULT_ADDR;
	if (len == 4 && !memcmp(data, "hang", 4))
		for (;;) /* with the receive lock held: interrupts masked */
			__asm__ volatile("" ::: "memory");
	return asv_sendto(ept, src, data, len);
}

static int fault_start(struct asv_remote *r, void *state)
{
	struct fault_state *s = state;

	return asv_create_ept(&r->dev, &s->ept, ASV_ECHO_NAME, ASV_ECHO_ADDR, fault_cb, s);
}

static void fault_stop(struct asv_remote *r, void *state)
{
	struct fault_state *s = state;

	(void)r;
	asv_destroy_ept(&s->ept);
}

static const struct asv_app cm_fault_app = {
	.name = "cm-fault",
	.summary = "echo that faults on \"fault\" (test only)",
	.state_size = sizeof(struct fault_state),
	.start = fault_start,
	.stop = fault_stop,
};

ASV_CM_FIRMWARE(cm_fault_app);
