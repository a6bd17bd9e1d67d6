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
/*
 * The firmware ABI: 1 was the entry without layout records; 2 adds them.
 * Bump it whenever ASV_FW_LAYOUT_ITEMS changes.
 */
#define ASV_FW_ABI 2u
#define ASV_FW_ENTRY_SYMBOL "asvirt_firmware"
/* The entry also sits alone in this section, so a host reads it from the
 * file without running the image (as it reads .resource_table). */
#define ASV_FW_ENTRY_SECTION ".asvirt_firmware"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define ASV_FW_BYTE_ORDER 4321u
#else
#define ASV_FW_BYTE_ORDER 1234u
#endif

/*
 * What an image and the runner that loads it must agree on: the machine's
 * data model, then the size and the offsets the image uses of every
 * structure it embeds (struct asv_endpoint in its state), reaches into
 * (struct asv_remote, its struct asv_rpmsg_dev and struct asv_env) or hands
 * over (struct asv_app, struct asv_stats, the entry itself). The image
 * records them as it was compiled (ASV_FIRMWARE below); every loader
 * compares them one by one with its own before it calls into the image.
 * X(value, "what it is"); byte order first: nothing else can be compared
 * when it differs.
 */
#define ASV_FW_LAYOUT_ITEMS(X)                                                              \
	X(ASV_FW_BYTE_ORDER, "byte order (1234 little, 4321 big endian)")                   \
	X(sizeof(void *), "sizeof(void *)")                                                 \
	X(sizeof(long), "sizeof(long)")                                                     \
	X(sizeof(size_t), "sizeof(size_t)")                                                 \
	X(sizeof(struct asv_fw_entry), "sizeof(struct asv_fw_entry)")                       \
	X(offsetof(struct asv_fw_entry, app), "offsetof(struct asv_fw_entry, app)")         \
	X(sizeof(struct asv_app), "sizeof(struct asv_app)")                                 \
	X(offsetof(struct asv_app, state_size), "offsetof(struct asv_app, state_size)")     \
	X(offsetof(struct asv_app, start), "offsetof(struct asv_app, start)")               \
	X(offsetof(struct asv_app, stop), "offsetof(struct asv_app, stop)")                 \
	X(sizeof(struct asv_endpoint), "sizeof(struct asv_endpoint)")                       \
	X(offsetof(struct asv_endpoint, dst), "offsetof(struct asv_endpoint, dst)")         \
	X(offsetof(struct asv_endpoint, name), "offsetof(struct asv_endpoint, name)")       \
	X(offsetof(struct asv_endpoint, cb), "offsetof(struct asv_endpoint, cb)")           \
	X(offsetof(struct asv_endpoint, priv), "offsetof(struct asv_endpoint, priv)")       \
	X(offsetof(struct asv_endpoint, tx_lost), "offsetof(struct asv_endpoint, tx_lost)") \
	X(sizeof(struct asv_rpmsg_dev), "sizeof(struct asv_rpmsg_dev)")                     \
	X(offsetof(struct asv_rpmsg_dev, env), "offsetof(struct asv_rpmsg_dev, env)")       \
	X(sizeof(struct asv_env), "sizeof(struct asv_env)")                                 \
	X(sizeof(struct asv_remote), "sizeof(struct asv_remote)")                           \
	X(offsetof(struct asv_remote, dev), "offsetof(struct asv_remote, dev)")             \
	X(offsetof(struct asv_remote, vdev), "offsetof(struct asv_remote, vdev)")           \
	X(offsetof(struct asv_remote, regions), "offsetof(struct asv_remote, regions)")     \
	X(sizeof(struct asv_mem_region), "sizeof(struct asv_mem_region)")                   \
	X(sizeof(struct asv_stats), "sizeof(struct asv_stats)")

#define ASV_FW_LAYOUT_COUNT_(value, what) +1
#define ASV_FW_LAYOUT_VALUE_(value, what) (uint32_t)(value),
enum { ASV_FW_LAYOUT_N = 0 ASV_FW_LAYOUT_ITEMS(ASV_FW_LAYOUT_COUNT_) };

struct asv_fw_entry {
	/* magic and abi stay first in every ABI: a loader reads them first */
	uint32_t magic;	  /* ASV_FW_MAGIC */
	uint32_t abi;	  /* ASV_FW_ABI */
	uint32_t nlayout; /* ASV_FW_LAYOUT_N */
	uint32_t reserved;
	uint32_t layout[ASV_FW_LAYOUT_N]; /* ASV_FW_LAYOUT_ITEMS, as built */
	const struct asv_app *app;
};

/*
 * The standard table: carveout "trace0mem" and trace buffer "trace0" at
 * ASV_RSC_TRACE_DA (fixed, inside that carveout: Linux does not allocate a
 * trace declared at FW_RSC_ADDR_ANY, see asvirt/rsc_table.h), then one
 * rpmsg vdev (notify id 0: Linux never writes the vdev's own) offering
 * the name service and EVENT_IDX, with two vrings at FW_RSC_ADDR_ANY (the
 * host places them). The layout is struct
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

#define ASV_FW_STD_FEATURES ((1u << ASV_VIRTIO_RPMSG_F_NS) | (1u << ASV_VIRTIO_RING_F_EVENT_IDX))
#define ASV_FW_STD_TABLE_INIT(num_, trace_len_) \
	ASV_FW_STD_TABLE_INIT_AT(num_, trace_len_, ASV_RSC_TRACE_DA)
/* The same table with trace0 (and its carveout) at @trace_da_: a board whose
 * shared window sits elsewhere (the Cortex-M board, asvirt/cm_board.h). */
#define ASV_FW_STD_TABLE_INIT_AT(num_, trace_len_, trace_da_)                                      \
	{                                                                                          \
		.ver = asv_cpu_to_le32(1), .num = asv_cpu_to_le32(3),                              \
		.offset = { asv_cpu_to_le32(offsetof(struct asv_fw_std_table, trace_mem_type)),    \
			    asv_cpu_to_le32(offsetof(struct asv_fw_std_table, trace_type)),        \
			    asv_cpu_to_le32(offsetof(struct asv_fw_std_table, vdev_type)) },       \
		.trace_mem_type = asv_cpu_to_le32(ASV_RSC_CARVEOUT),                               \
		.trace_mem = { .da = asv_cpu_to_le32(trace_da_),                                   \
			       .pa = asv_cpu_to_le32(ASV_FW_RSC_ADDR_ANY),                         \
			       .len = asv_cpu_to_le32(trace_len_),                                 \
			       .name = ASV_RSC_TRACE_CARVEOUT },                                   \
		.trace_type = asv_cpu_to_le32(ASV_RSC_TRACE),                                      \
		.trace = { .da = asv_cpu_to_le32(trace_da_),                                       \
			   .len = asv_cpu_to_le32(trace_len_),                                     \
			   .name = "trace0" },                                                     \
		.vdev_type = asv_cpu_to_le32(ASV_RSC_VDEV), .id = asv_cpu_to_le32(7),              \
		.notifyid = asv_cpu_to_le32(0), .dfeatures = asv_cpu_to_le32(ASV_FW_STD_FEATURES), \
		.num_of_vrings = 2,                                                                \
		.vring = {                                                                         \
			{ .da = asv_cpu_to_le32(ASV_FW_RSC_ADDR_ANY),                              \
			  .align = asv_cpu_to_le32(4096),                                          \
			  .num = asv_cpu_to_le32(num_) },                                          \
			{ .da = asv_cpu_to_le32(ASV_FW_RSC_ADDR_ANY),                              \
			  .align = asv_cpu_to_le32(4096),                                          \
			  .num = asv_cpu_to_le32(num_) },                                          \
		},                                                                                 \
	}

/* Declare @app_ (a struct asv_app object) as this image's firmware. A
 * Cortex-M build (-DASVIRT_CORTEX_M, asvirt fw-build --target cortex-m4)
 * makes it the board's image instead: asvirt/cm_firmware.h. */
#ifdef ASVIRT_CORTEX_M
#include "asvirt/cm_firmware.h"
#define ASV_FIRMWARE(app_) ASV_CM_FIRMWARE(app_)
#else
#define ASV_FIRMWARE(app_)                                                                      \
	__attribute__((section(".resource_table"), used))                                       \
	const struct asv_fw_std_table asvirt_resource_table = ASV_FW_STD_TABLE_INIT(256, 4096); \
	__attribute__((section(ASV_FW_ENTRY_SECTION), used))                                    \
	const struct asv_fw_entry asvirt_firmware = {                                           \
		ASV_FW_MAGIC,                                                                   \
		ASV_FW_ABI,                                                                     \
		ASV_FW_LAYOUT_N,                                                                \
		0,                                                                              \
		{ ASV_FW_LAYOUT_ITEMS(ASV_FW_LAYOUT_VALUE_) },                                  \
		&(app_)                                                                         \
	}
#endif

#endif /* ASVIRT_FIRMWARE_H */
