/* SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0 */
/*
 * A Cortex-M firmware image for the virtual board (asvirt/cm_board.h): an
 * app (struct asv_app, the public remote API only, the same source as its
 * .so image) plus one line,
 *
 *   ASV_CM_FIRMWARE(my_app);
 *
 * which puts the standard resource table (firmware.h: trace0 in its own
 * carveout, one rpmsg vdev with two 256-entry vrings placed by the host)
 * in the image's ".resource_table" section, with trace0 at its fixed
 * place in the board's shared window, and names the app the board port
 * (port/cortex-m/cm_main.c) starts. No .asvirt_firmware entry: nothing is
 * dlopen()ed, the image is a plain ELF executable for the MCU.
 */
#ifndef ASVIRT_CM_FIRMWARE_H
#define ASVIRT_CM_FIRMWARE_H

#include "asvirt/cm_board.h"
#include "asvirt/firmware.h"

extern const struct asv_app *const asv_cm_app;

#define ASV_CM_FIRMWARE(app_)                                                 \
	__attribute__((section(".resource_table"), used))                     \
	const struct asv_fw_std_table asvirt_resource_table =                 \
	    ASV_FW_STD_TABLE_INIT_AT(256, ASV_CM_TRACE_LEN, ASV_CM_TRACE_DA); \
	const struct asv_app *const asv_cm_app = &(app_)

#endif
