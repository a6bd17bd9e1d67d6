/* SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0 */
/*
 * The virtual Cortex-M board (QEMU mps2-an386, Cortex-M4) as both sides
 * see it: the firmware (port/cortex-m) and the host's board runner
 * (port/posix/board_qemu_m.c). Plain numbers only, no code. docs/board.md
 * is the contract in words.
 *
 * Memory map (MCU addresses = device addresses in the resource table):
 *   0x00000000  4 MiB  code (SSRAM1): vectors, .text, .rodata, .data image
 *   0x20000000  4 MiB  the MCU's private RAM (SSRAM2/3): .data, .bss, stack
 *   0x21000000 16 MiB  QEMU's main RAM, backed by a memfd the host maps:
 *                      the shared window is its first ASV_CM_WINDOW_SIZE
 *                      bytes; the host loads the resource table at its
 *                      start and places vrings and buffers in it. The
 *                      board page follows the window (ASV_CM_BOARD_PAGE).
 */
#ifndef ASVIRT_CM_BOARD_H
#define ASVIRT_CM_BOARD_H

#define ASV_CM_RAM_BASE 0x21000000u		       /* QEMU main RAM (memfd) */
#define ASV_CM_RAM_SIZE (16u << 20)		       /* what QEMU's backend must be */
#define ASV_CM_WINDOW_BASE ASV_CM_RAM_BASE	       /* the loaded resource table */
#define ASV_CM_WINDOW_SIZE (1u << 20)		       /* table, trace, vrings, buffers */
#define ASV_CM_TRACE_DA (ASV_CM_WINDOW_BASE + 0x1000u) /* fixed trace0 */
#define ASV_CM_TRACE_LEN 4096u
/*
 * The board page, right after the window: words the firmware writes and
 * the host only reads. heartbeat: bumped by every SysTick (1 kHz), so it
 * stops when the MCU hangs with interrupts masked (a callback that never
 * returns: callbacks run with the receive lock, i.e. PRIMASK, held).
 */
#define ASV_CM_BOARD_PAGE (ASV_CM_WINDOW_BASE + ASV_CM_WINDOW_SIZE)
#define ASV_CM_HEARTBEAT_OFF 0u /* uint32_t, from the board page */

/*
 * asvirt up --linux --arch arm FW.elf: the board's RAM is also BAR2 of the
 * guest's ivshmem device, Linux is the host, and its rpmsg buffers sit in
 * the vdev0buffer carveout the guest driver declared inside the window.
 * The bridge writes where, as window offsets, before the MCU starts; the
 * descriptors carry the guest's bus addresses, which the MCU learns from
 * vring0 (port/posix/guest_bufs.c). The guest can write these words too:
 * the MCU reads each once and refuses a carveout outside the window. A
 * page without the magic (asvirt up FW.elf): the host's own buffers.
 */
#define ASV_CM_BRIDGE_MAGIC_OFF 16u	/* uint32_t ASV_CM_BRIDGE_MAGIC */
#define ASV_CM_BRIDGE_BUFS_OFF 20u	/* uint32_t, from the window's start */
#define ASV_CM_BRIDGE_BUFS_SIZE 24u	/* uint32_t */
#define ASV_CM_BRIDGE_MAGIC 0x42525341u /* "ASRB" */

/*
 * Doorbell bytes on UART0 (host <-> MCU). 0x00..0xef: "vring with this
 * notify id has work" (both ways). From the MCU only, 0xf0..0xff: board
 * events: ASV_CM_DB_BOOTED = the firmware initialised its remote and
 * listens on the doorbell (sent once per boot); ASV_CM_DB_FAULT = it took a
 * fatal fault and stopped (its trace buffer and console say which).
 */
#define ASV_CM_DB_MAX_NOTIFYID 0xefu
#define ASV_CM_DB_BOOTED 0xf0u
#define ASV_CM_DB_FAULT 0xffu

/* UART numbers as QEMU's -serial order: 0 = doorbell, 1 = console. */
#define ASV_CM_UART_DOORBELL 0
#define ASV_CM_UART_CONSOLE 1

#endif
