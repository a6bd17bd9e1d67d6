/* SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0 */
/*
 * asvirt bench's Cortex-M rows (QEMU mps2-an386, docs/board.md): each
 * figure in windows (median, min-max), next to the board's own floor
 * measured in the same run, window by window around the row:
 *
 *   rtt   echo round trips host -> MCU -> host (16 bytes) through asv_proc
 *         and the board's doorbell; floor: the doorbell alone, a byte to
 *         UART0 and the byte tests/perf/cm_doorbell_floor.c sends back from
 *         its receive interrupt (a second QEMU running next to the first).
 *   tput  one-way MCU -> host, bench-source sending from its receive
 *         handler, messages/s; floor: the doorbell's round trips per
 *         second (their ratio: messages per doorbell round trip).
 *   boot  asv_proc_start() to the first name-service announcement; floor:
 *         QEMU started with the floor image to its first doorbell byte.
 *
 * Targets (issue 15): rtt p50 at most 1.5x its floor, boot under 0.5 s.
 * No row is checked against its floor as the threads' rows are: none is a
 * hard limit here (a round trip can beat the doorbell's: measure_rtt()).
 */
#ifndef ASVIRT_BENCH_CM_BENCH_H
#define ASVIRT_BENCH_CM_BENCH_H

#include "bench.h"

#define CM_WINDOWS 5	   /* windows of a row */
#define CM_FLOOR_WINDOWS 3 /* floor windows right before and right after it */
#define CM_RTT_BYTES 16u
#define CM_NTPUT 2
extern const uint32_t cm_tput_bytes[CM_NTPUT]; /* 64, 496 */

#define CM_RTT_TARGET 1.5	/* p50 / floor p50 at most */
#define CM_BOOT_TARGET_NS 500e6 /* boot to announcement under */

struct cm_row {
	char key[48];
	const char *unit;
	int higher_is_better;
	struct fig fig;
	struct fig floor_before, floor_after, floor_all;
	/* each window over the floor measured right around it (the mean of
	 * the floor windows before and after it): what --compare weighs when
	 * the machine changed phase between two runs */
	struct fig rel;
	int floor_moved;
	int tries;
};

struct cm_results {
	struct cm_row rtt;
	double rtt_p99, floor_p99; /* ns: medians of the windows' p99 */
	struct cm_row tput[CM_NTPUT];
	struct cm_row boot;
};

/* @dir holds asvirt-echo.elf, asvirt-bench-source.elf and
 * cm-doorbell-floor.elf; 1 when all three are there. */
int bench_cm_images(const char *dir);
/* Measure every row; 0 or -ASV_E* (the board's console is kept and shown
 * on stderr when a measurement fails, dropped otherwise). */
int bench_cm_run(const char *dir, const struct bench_effort *e, int max_tries,
		 struct cm_results *out);

#endif
