/* SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0 */
/*
 * asvirt bench's rows: each figure measured in windows (median, min-max)
 * between two measurements of the floor it is compared with, and checked
 * against that floor. cmd_bench.c measures, bench_out.c prints (table,
 * JSON, chart), bench_compare.c compares two JSON runs row by row.
 */
#ifndef ASVIRT_CLI_BENCH_ROWS_H
#define ASVIRT_CLI_BENCH_ROWS_H

#include "../bench/bench.h"

struct cm_results;

/*
 * Windows (throughput) or batches (latency) per row, taken in BENCH_WINDOWS
 * passes over every row, so that a row's windows are spread over the whole
 * run and their min-max covers its phases; each window between a
 * measurement of the row's floors right before and right after it (the
 * floors after one window serve as those before the next when nothing ran
 * in between); measurements of one window at most (a window whose floor
 * moved across it, or that went beyond that floor, is taken again).
 */
#define BENCH_WINDOWS 5
#define BENCH_TRIES 3
/* Version of the JSON (2: interleaved windows, "relative" figures); the
 * first had no "format" field. --compare reads both. */
#define BENCH_JSON_FORMAT 2

#define NSIZES 5
extern const size_t bench_sizes[NSIZES]; /* 1, 16, 64, 256, 496 bytes */

/* Transports: threads + semaphore interrupts, threads + adaptive
 * interrupts, and the remote in its own process (futex doorbells). */
#define NMODES 3
#define MODE_SEM 0
#define MODE_ADAPTIVE 1
#define MODE_PROCESS 2

struct mode {
	const char *name;
	uint32_t spin_ns;
};

/* One floor around one row: its windows before, after, and all of them. */
struct row_floor {
	enum floor_kind kind;
	struct fig before, after, all;
	int moved; /* it moved across one of the row's windows (last try) */
};

/* What the measurement of a row went through. */
struct row_check {
	int tries;	 /* most measurements of one window (1 + re-measurements) */
	int moved;	 /* a floor still moved across a window's last one */
	char fault[160]; /* non-empty: beyond its physical floor, not a result */
};

/* A row's windows as they were taken: the floors right before and after
 * each (by the row's floor kinds), and when it ran (s from the start). */
#define ROW_FLOORS 3
struct row_windows {
	double before[ROW_FLOORS][BENCH_WINDOWS], after[ROW_FLOORS][BENCH_WINDOWS];
	double at_s[BENCH_WINDOWS];
	int tries[BENCH_WINDOWS], moved[BENCH_WINDOWS];
};

/* Round trip: the p50 of each batch, and the batches' percentiles. */
struct rtt_row {
	struct fig p50;
	struct fig rel; /* each batch's p50 over its own floor (same phase) */
	struct lat l;	/* p50: median batch; p99, p99.9: median of the batches'; max */
	struct row_floor floor;
	struct row_check ck;
	struct lat wl[BENCH_WINDOWS];
	struct row_windows win;
};

/* One-way stream: @t holds the median of each field over the windows. */
#define TPUT_FLOORS 3 /* spsc, xcore, memcpy */
struct tput_row {
	struct fig msg_s;
	struct fig rel; /* each window's bytes/s over its own cross-core floor */
	struct tput t;
	struct fig base_msg_s; /* process rows: the same firmware on threads */
	struct row_floor fl[TPUT_FLOORS];
	struct row_check ck;
	struct tput w[BENCH_WINDOWS], base[BENCH_WINDOWS];
	struct row_windows win;
};

struct results {
	struct floors f; /* the whole set, at the start of the run */
	struct mode modes[NMODES];
	struct rtt_row rtt[NMODES][NSIZES];
	/* [mode][size][nept 1|4][copy|zero-copy] */
	struct tput_row tp[NMODES][NSIZES][2][2];
	struct bench_paths paths;
	int biased; /* the POSIX port's locks can be biased here */
	/* the Cortex-M rows, when measured (cli/bench_cm.c) */
	struct cm_results *cm;
};

/* Stable row keys, shared by the JSON output and --compare. */
void bench_rtt_key(char *out, size_t n, const char *mode, size_t bytes);
void bench_tput_key(char *out, size_t n, const char *mode, size_t bytes, int nept, int zero_copy);

void bench_print_table(const struct results *r);
/* The run as JSON (--json on stdout, --save FILE): 0, or -1 on a write error. */
int bench_print_json(const struct results *r, FILE *out);
/* 1 when @file ends in .png or .svg, else 0 with a message. */
int bench_plot_name_ok(const char *file);
int bench_plot(const struct results *r, const char *file, int quiet);
/* asvirt bench --compare A.json B.json: 0, or 1 when a file is unusable. */
int bench_compare(const char *a, const char *b);

#endif
