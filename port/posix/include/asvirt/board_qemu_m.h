/* SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0 */
/*
 * The Cortex-M board on QEMU (mps2-an386), host side: what asv_proc runs
 * instead of asvirt-fw-runner when the firmware file is a Cortex-M image
 * (ELF32, EM_ARM, an executable without asvirt's .so entry). The board's
 * RAM at 0x21000000 is a memfd this process maps too: the resource table,
 * trace, vrings and buffers live in its first MiB (the shared window,
 * asvirt/cm_board.h, docs/board.md). UART0 is the doorbell both ways, one
 * byte per notification carrying the vring's notify id, over a socketpair
 * QEMU gets as a chardev; UART1, the MCU's console, comes in on a pipe and
 * goes to our stderr (the log), a line at a time, "NAME: console: ...".
 * QEMU is the firmware's process: it exiting is a crash, and the MCU's
 * fault code on UART0 is one too.
 *
 * Used by port/posix/proc.c only, through the hooks below.
 */
#ifndef ASVIRT_BOARD_QEMU_M_H
#define ASVIRT_BOARD_QEMU_M_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "asvirt/notifier.h"

struct asv_proc;
struct asv_fw_image;

struct asv_board_qm {
	struct asv_notifier irq;  /* the host's line: UART0 bytes in, local raises */
	struct asv_notifier kick; /* the MCU's line: one byte to UART0 */
	int sock;		  /* our end of UART0, non-blocking */
	int qemu_sock;		  /* QEMU's end, until QEMU has it */
	int efd;		  /* local raises of irq (role stop, boot kick) */
	int con;		  /* UART1, the MCU's console: a pipe's read end */
	int qemu_con;		  /* its write end, until QEMU has it */
	int con_eof;
	size_t con_len;
	char con_line[200];
	const char *name;
	int hup;    /* atomic: QEMU closed UART0 */
	int fault;  /* atomic: the MCU reported a fatal fault */
	int booted; /* the MCU said it listens (ASV_CM_DB_BOOTED) */
	unsigned long kicks_dropped;
	unsigned int gdb_port; /* nonzero: QEMU's gdb stub there, CPU halted */
	int gdb_sock;	       /* listening on 127.0.0.1:gdb_port, lent to each QEMU */
};

/*
 * With @b->gdb_port: listen there (127.0.0.1) now, before anyone is told
 * to attach, and for the board's life: each QEMU gets the socket (its gdb
 * stub serves it), so a restart keeps the port and no debugger that
 * connects at once is refused. 0, or -ASV_EBUSY with @why.
 */
int asv_board_qm_listen_gdb(struct asv_board_qm *b, char *why, size_t whylen);
/* The board and its gdb socket (NULL: nothing). */
void asv_board_qm_free(struct asv_board_qm *b);

/* Is @img a Cortex-M image for this board? */
bool asv_board_qm_image(const struct asv_fw_image *img);
/* The board for @p (p->board): its memory and doorbells. 0 or -ASV_E*. */
int asv_board_qm_setup(struct asv_proc *p, char *why, size_t whylen);
/* Only the doorbells and the console of a fresh board instance, its
 * memory kept (asv_board_qm_setup does both; asvirt up --linux reopens
 * them for each QEMU after asv_board_qm_close, on the same memfd). */
int asv_board_qm_open_lines(struct asv_proc *p, char *why, size_t whylen);
/* After the table is loaded: one rpmsg vdev (what the MCU port serves);
 * the host role's notify sends the vring's notify id as the byte. */
int asv_board_qm_bind(struct asv_proc *p, char *why, size_t whylen);
/* Start QEMU (p->pid); -1 when it could not be forked. */
pid_t asv_board_qm_spawn(struct asv_proc *p);
/* Wait until the MCU listens on its doorbell, QEMU exits or time is up. */
int asv_board_qm_wait_booted(struct asv_proc *p, uint64_t end_ms, char *why, size_t whylen);
/* The MCU stopped on a fault (or QEMU closed the doorbell): why, 1; else 0. */
int asv_board_qm_failed(struct asv_proc *p, char *why, size_t whylen);
/* The firmware's heartbeat (the board page); under gdb a value that always
 * moves (a halted MCU is not a hung one). */
uint32_t asv_board_qm_heartbeat(struct asv_proc *p);
/* Close the doorbells (after the roles stopped using them). */
void asv_board_qm_close(struct asv_proc *p);

#endif
