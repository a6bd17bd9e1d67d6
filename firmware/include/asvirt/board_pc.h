/* SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0 */
/*
 * The PC board: struct asv_board (asvirt/board.h) as asvirt-fw-runner gives
 * it to a board-level image. The window is the runner's mapping of the
 * shared block's region; the doorbell out raises the host's line; the
 * interrupt in is a thread of the board's own that waits on the firmware's
 * line and calls the firmware's handler with each vring id the host kicked.
 */
#ifndef ASVIRT_BOARD_PC_H
#define ASVIRT_BOARD_PC_H

#include <pthread.h>
#include <stdint.h>

#include "asvirt/board.h"

struct asv_notifier;

struct asv_pc_board_config {
	const char *name; /* prefix of console lines */
	void *window;
	uint64_t window_da, window_size;
	uint32_t rsc_size;	   /* the loaded table is at the window's start */
	uint32_t nvrings;	   /* 1..32 */
	struct asv_notifier *irq;  /* raised by the host; the board's thread waits */
	struct asv_notifier *peer; /* the host's line: the doorbell out */
	/*
	 * The host's record of the vrings it kicked (bit notifyid, shared
	 * memory; the board takes and clears it on each interrupt), or NULL
	 * when the host's doorbell does not say: then every interrupt is one
	 * for each vring.
	 */
	uint32_t *kicked;
	/* Where fatal() leaves its reason before the process exits with
	 * ASV_RUNNER_EXIT_FATAL (the control page's fatal[]); may be NULL. */
	char *fatal_buf;
	size_t fatal_len;
	/* Console lines; NULL: "NAME: console: LINE" on stderr. */
	void (*console)(void *ctx, const char *line);
	void *console_ctx;
};

struct asv_pc_board {
	struct asv_board b; /* what the firmware gets */
	struct asv_pc_board_config cfg;
	pthread_mutex_t mu; /* fn, fn_priv, pending */
	asv_board_irq_fn fn;
	void *fn_priv;
	uint32_t pending; /* kicked, not yet delivered */
	pthread_t thread;
	int running;
	int stop; /* atomic */
};

/* Fill @pb from @cfg (copied). 0 or -ASV_EINVAL (no window, nvrings
 * outside 1..32, a table larger than the window, no lines). */
int asv_pc_board_init(struct asv_pc_board *pb, const struct asv_pc_board_config *cfg);
/* Start the interrupt thread (before the firmware's start: kicks are kept
 * until it sets its handler). 0 or -ASV_ENOMEM. */
int asv_pc_board_start(struct asv_pc_board *pb);
/* Stop and join the interrupt thread: no handler runs after this. */
void asv_pc_board_stop(struct asv_pc_board *pb);
void asv_pc_board_destroy(struct asv_pc_board *pb);

#endif
