/* SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0 */
/*
 * A board-level firmware image: the second kind of .so image. The runner
 * gives it only the board a remote processor has (docs/board.md): the
 * shared window, the loaded resource table in it, a doorbell out, an
 * interrupt in, a fatal-error report, a clock and a console. The firmware
 * brings its own RPMsg stack (asvirt's core linked in as a plain library,
 * RPMsg-Lite, OpenAMP, ...); nothing of asvirt's remote API is offered.
 *
 * This header needs only <stdint.h>: a foreign stack includes it alone.
 *
 *   #include "asvirt/board.h"
 *   static int my_start(const struct asv_board *b, void **state) { ... }
 *   static void my_stop(void *state) { ... }
 *   ASV_BOARD_FIRMWARE("mine", my_start, my_stop);
 *
 * The image (ELF shared object) carries its resource table in its
 * ".resource_table" section, as the other kind does; the host loads it at
 * the window's start before the firmware runs. The kind is told by the
 * exported symbol: ASV_BOARD_ENTRY_SYMBOL here, "asvirt_firmware" for an
 * image written against asvirt's remote API (asvirt/firmware.h).
 */
#ifndef ASVIRT_BOARD_H
#define ASVIRT_BOARD_H

#include <stddef.h>
#include <stdint.h>

#define ASV_BOARD_MAGIC 0x44524241u /* "ABRD" */
/* The board ABI: bump it whenever ASV_BOARD_LAYOUT_ITEMS changes. */
#define ASV_BOARD_ABI 1u
#define ASV_BOARD_ENTRY_SYMBOL "asvirt_board_firmware"
/* The entry also sits alone in this section: the host reads it from the
 * file without running the image. */
#define ASV_BOARD_ENTRY_SECTION ".asvirt_board"

/* The only error the board returns: a doorbell to a vring it has not. */
#define ASV_BOARD_EINVAL 22

/* The interrupt in: @vring_id is the notify id the host kicked. */
typedef void (*asv_board_irq_fn)(void *priv, uint32_t vring_id);

struct asv_board {
	/*
	 * The shared window: window_size bytes at device address window_da
	 * (the address the resource table and the vrings use), seen by the
	 * firmware at `window`. Nothing outside it is shared.
	 */
	void *window;
	uint64_t window_da;
	uint64_t window_size;
	/*
	 * The loaded resource table: the image's own .resource_table as the
	 * host placed and filled it (vring and buffer addresses, vdev status),
	 * at the window's start; rsc_size bytes (its section's size). The
	 * host writes it: read each field once, check, then use.
	 */
	void *rsc_table;
	uint32_t rsc_size;
	/* Doorbell ids the board has: 0 .. nvrings - 1 (the host assigns the
	 * vrings' notify ids from 0 in table order, as Linux's remoteproc). */
	uint32_t nvrings;
	/*
	 * Doorbell out: interrupt the host for vring @vring_id. Never blocks;
	 * kicks not yet taken coalesce (the host drains whole rings). 0, or
	 * -ASV_BOARD_EINVAL for an id >= nvrings (nothing is raised). Any
	 * thread, the interrupt callback included.
	 */
	int (*notify)(const struct asv_board *b, uint32_t vring_id);
	/*
	 * Interrupt in: from now on @fn(@priv, vring_id) runs on the board's
	 * interrupt thread for each vring the host kicks, one call at a time
	 * (never two at once, never on another thread). A kick is never lost:
	 * one that came before set_irq, or while @fn runs, is delivered by a
	 * call after. When the host's doorbell does not say which vring, @fn
	 * is called once for each id. @fn NULL masks the interrupt (kicks are
	 * kept until it is set again). 0, or -ASV_BOARD_EINVAL.
	 */
	int (*set_irq)(const struct asv_board *b, asv_board_irq_fn fn, void *priv);
	/* Fatal error: @why goes to the host, which reports the crash with it
	 * and recovers (reloads the image). Does not return (the process
	 * ends: no destructors, no atexit handlers run). */
	void (*fatal)(const struct asv_board *b, const char *why);
	/* Monotonic microseconds since an arbitrary start. */
	uint64_t (*now_us)(const struct asv_board *b);
	/* The console: one line (no newline needed) into the host's log. */
	void (*console)(const struct asv_board *b, const char *line);
	/* The board's own; the firmware does not touch it. */
	void *board_priv;
};

/* The window as the MCU sees it: a pointer for [@da, @da + @len) when the
 * whole range is inside the window, else NULL (platform_patova's job). */
static inline void *asv_board_da_to_va(const struct asv_board *b, uint64_t da, uint64_t len)
{
	if (da < b->window_da || da - b->window_da > b->window_size ||
	    len > b->window_size - (da - b->window_da))
		return NULL;
	return (uint8_t *)b->window + (da - b->window_da);
}

/* The device address of @va, or UINT64_MAX when [@va, @va + @len) is not
 * inside the window (platform_vatopa's job). */
static inline uint64_t asv_board_va_to_da(const struct asv_board *b, const void *va, uint64_t len)
{
	uintptr_t v = (uintptr_t)va, w = (uintptr_t)b->window;

	if (v < w || v - w > b->window_size || len > b->window_size - (v - w))
		return UINT64_MAX;
	return b->window_da + (v - w);
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define ASV_BOARD_BYTE_ORDER 4321u
#else
#define ASV_BOARD_BYTE_ORDER 1234u
#endif

/* What the image and the runner must agree on, recorded by the image as
 * compiled and compared one by one before it runs (as ASV_FW_LAYOUT_ITEMS). */
#define ASV_BOARD_LAYOUT_ITEMS(X)                                                                 \
	X(ASV_BOARD_BYTE_ORDER, "byte order (1234 little, 4321 big endian)")                      \
	X(sizeof(void *), "sizeof(void *)")                                                       \
	X(sizeof(struct asv_board_fw_entry), "sizeof(struct asv_board_fw_entry)")                 \
	X(offsetof(struct asv_board_fw_entry, name), "offsetof(struct asv_board_fw_entry, name)") \
	X(offsetof(struct asv_board_fw_entry, start),                                             \
	  "offsetof(struct asv_board_fw_entry, start)")                                           \
	X(offsetof(struct asv_board_fw_entry, stop), "offsetof(struct asv_board_fw_entry, stop)") \
	X(sizeof(struct asv_board), "sizeof(struct asv_board)")                                   \
	X(offsetof(struct asv_board, window_da), "offsetof(struct asv_board, window_da)")         \
	X(offsetof(struct asv_board, rsc_table), "offsetof(struct asv_board, rsc_table)")         \
	X(offsetof(struct asv_board, nvrings), "offsetof(struct asv_board, nvrings)")             \
	X(offsetof(struct asv_board, notify), "offsetof(struct asv_board, notify)")               \
	X(offsetof(struct asv_board, set_irq), "offsetof(struct asv_board, set_irq)")             \
	X(offsetof(struct asv_board, fatal), "offsetof(struct asv_board, fatal)")                 \
	X(offsetof(struct asv_board, now_us), "offsetof(struct asv_board, now_us)")               \
	X(offsetof(struct asv_board, console), "offsetof(struct asv_board, console)")             \
	X(offsetof(struct asv_board, board_priv), "offsetof(struct asv_board, board_priv)")

#define ASV_BOARD_LAYOUT_COUNT_(value, what) +1
#define ASV_BOARD_LAYOUT_VALUE_(value, what) (uint32_t)(value),
enum { ASV_BOARD_LAYOUT_N = 0 ASV_BOARD_LAYOUT_ITEMS(ASV_BOARD_LAYOUT_COUNT_) };

struct asv_board_fw_entry {
	/* magic and abi stay first in every ABI: a loader reads them first */
	uint32_t magic;	  /* ASV_BOARD_MAGIC */
	uint32_t abi;	  /* ASV_BOARD_ABI */
	uint32_t nlayout; /* ASV_BOARD_LAYOUT_N */
	uint32_t reserved;
	uint32_t layout[ASV_BOARD_LAYOUT_N]; /* ASV_BOARD_LAYOUT_ITEMS, as built */
	const char *name;
	/*
	 * Called once, on the runner's main thread, with the board (valid
	 * until stop returns). Set the stack up and the interrupt, then
	 * return 0 (or a negative error: the firmware failed to start)
	 * without waiting for the host: like Linux after its rproc start(),
	 * the host sets DRIVER_OK in the loaded table and kicks only once
	 * start returned. Finish the bring-up on that kick.
	 */
	int (*start)(const struct asv_board *b, void **state);
	/* Called once at stop, the interrupt already masked for good. */
	void (*stop)(void *state);
};

/* Declare this image a board-level firmware (its resource table is its own
 * `.resource_table` section, declared by the image). */
#define ASV_BOARD_FIRMWARE(name_, start_, stop_)                                                  \
	__attribute__((section(ASV_BOARD_ENTRY_SECTION), used, visibility("default")))            \
	const struct asv_board_fw_entry asvirt_board_firmware = { ASV_BOARD_MAGIC,                \
								  ASV_BOARD_ABI,                  \
								  ASV_BOARD_LAYOUT_N,             \
								  0,                              \
								  { ASV_BOARD_LAYOUT_ITEMS(       \
								      ASV_BOARD_LAYOUT_VALUE_) }, \
								  (name_),                        \
								  (start_),                       \
								  (stop_) }

#endif /* ASVIRT_BOARD_H */
