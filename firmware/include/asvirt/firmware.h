/* SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0 */
/*
 * A firmware image: an ELF shared object holding one remote app (struct
 * asv_app, written against the public remote API only), its resource
 * table in a ".resource_table" section (as real MCU firmware carries it)
 * and the entry point `asvirt_firmware`. The host reads the table from the
 * file without running it; the firmware runner (asvirt-fw-runner) maps
 * the shared block, dlopen()s the image and starts the app.
 *
 * A firmware source file is an app plus one line:
 *
 *   #include "asvirt/firmware.h"
 *   static int my_start(struct asv_remote *r, void *state) { ... }
 *   static void my_stop(struct asv_remote *r, void *state) { ... }
 *   static const struct asv_app my_app = { .name = "mine", .state_size = ...,
 *                                          .start = my_start, .stop = my_stop };
 *   ASV_FIRMWARE(my_app);
 *
 * and builds with `asvirt fw-build my.c -o my.so` (or asvirt_add_firmware()
 * in CMake, see cmake/firmware.cmake).
 */
#ifndef ASVIRT_FIRMWARE_H
#define ASVIRT_FIRMWARE_H

#include "asvirt/app.h"
#include "asvirt/rsc_table.h"
#include "asvirt/wire.h"

#define ASV_FW_MAGIC 0x57464d41u /* "AMFW" */
#define ASV_FW_ABI 1u
#define ASV_FW_ENTRY_SYMBOL "asvirt_firmware"

struct asv_fw_entry {
	uint32_t magic;	   /* ASV_FW_MAGIC */
	uint32_t abi;	   /* ASV_FW_ABI */
	uint32_t app_size; /* sizeof(struct asv_app) the image was built with */
	uint32_t reserved;
	const struct asv_app *app;
};

/*
 * The standard table: carveout "trace0mem" and trace buffer "trace0" at
 * ASV_RSC_TRACE_DA (fixed, inside that carveout: Linux does not allocate a
 * trace declared at FW_RSC_ADDR_ANY, see asvirt/rsc_table.h), then one
 * rpmsg vdev (notify id 0: Linux never writes the vdev's own) with two
 * vrings at FW_RSC_ADDR_ANY (the host places them). The layout is struct
 * asv_resource_table + entries, spelled without flexible arrays so it can
 * be a static initializer.
 */
struct asv_fw_std_table {
	asv_le32 ver, num, reserved[2];
	asv_le32 offset[3];
	asv_le32 trace_mem_type;
	struct asv_fw_rsc_carveout trace_mem;
	asv_le32 trace_type;
	struct asv_fw_rsc_trace trace;
	asv_le32 vdev_type;
	asv_le32 id, notifyid, dfeatures, gfeatures, config_len;
	uint8_t status, num_of_vrings, vdev_reserved[2];
	struct asv_fw_rsc_vdev_vring vring[2];
};

#define ASV_FW_STD_TABLE_INIT(num_, trace_len_)                                                 \
	{                                                                                       \
		.ver = asv_cpu_to_le32(1), .num = asv_cpu_to_le32(3),                           \
		.offset = { asv_cpu_to_le32(offsetof(struct asv_fw_std_table, trace_mem_type)), \
			    asv_cpu_to_le32(offsetof(struct asv_fw_std_table, trace_type)),     \
			    asv_cpu_to_le32(offsetof(struct asv_fw_std_table, vdev_type)) },    \
		.trace_mem_type = asv_cpu_to_le32(ASV_RSC_CARVEOUT),                            \
		.trace_mem = { .da = asv_cpu_to_le32(ASV_RSC_TRACE_DA),                         \
			       .pa = asv_cpu_to_le32(ASV_FW_RSC_ADDR_ANY),                      \
			       .len = asv_cpu_to_le32(trace_len_),                              \
			       .name = ASV_RSC_TRACE_CARVEOUT },                                \
		.trace_type = asv_cpu_to_le32(ASV_RSC_TRACE),                                   \
		.trace = { .da = asv_cpu_to_le32(ASV_RSC_TRACE_DA),                             \
			   .len = asv_cpu_to_le32(trace_len_),                                  \
			   .name = "trace0" },                                                  \
		.vdev_type = asv_cpu_to_le32(ASV_RSC_VDEV), .id = asv_cpu_to_le32(7),           \
		.notifyid = asv_cpu_to_le32(0), .dfeatures = asv_cpu_to_le32(1),                \
		.num_of_vrings = 2,                                                             \
		.vring = {                                                                      \
			{ .da = asv_cpu_to_le32(ASV_FW_RSC_ADDR_ANY),                           \
			  .align = asv_cpu_to_le32(4096),                                       \
			  .num = asv_cpu_to_le32(num_) },                                       \
			{ .da = asv_cpu_to_le32(ASV_FW_RSC_ADDR_ANY),                           \
			  .align = asv_cpu_to_le32(4096),                                       \
			  .num = asv_cpu_to_le32(num_) },                                       \
		},                                                                              \
	}

/* Declare @app_ (a struct asv_app object) as this image's firmware. */
#define ASV_FIRMWARE(app_)                                                                      \
	__attribute__((section(".resource_table"), used))                                       \
	const struct asv_fw_std_table asvirt_resource_table = ASV_FW_STD_TABLE_INIT(256, 4096); \
	const struct asv_fw_entry asvirt_firmware = { ASV_FW_MAGIC, ASV_FW_ABI,                 \
						      sizeof(struct asv_app), 0, &(app_) }

#endif /* ASVIRT_FIRMWARE_H */
