// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * Test image (not shipped): the echo app with the entry an image built
 * before layout records had (firmware ABI 1: magic, abi, sizeof(struct
 * asv_app), reserved, app), spelled out as that ASV_FIRMWARE() wrote it.
 */
#include "asvirt/firmware.h"

struct fw_entry_abi1 {
	uint32_t magic;
	uint32_t abi;
	uint32_t app_size;
	uint32_t reserved;
	const struct asv_app *app;
};

__attribute__((section(".resource_table"), used))
const struct asv_fw_std_table asvirt_resource_table = ASV_FW_STD_TABLE_INIT(256, 4096);
const struct fw_entry_abi1 asvirt_firmware = { ASV_FW_MAGIC, 1, sizeof(struct asv_app), 0,
					       &asv_app_echo };
