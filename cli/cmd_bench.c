// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * asvirt bench: measure the floors of this machine and asvirt's latency,
 * throughput and CPU cost in one run, and print each asvirt figure next to
 * its floor as a ratio. Table by default, --json for scripts, --plot FILE
 * (PNG or SVG, through gnuplot) for a chart, --compare A.json B.json for
 * an A/B of two runs.
 *
 * Every row is measured in windows (median, min-max) between two short
 * measurements of its own floor, so that a figure is compared with the
 * floor of the same phase of a shared machine; a row whose floor moved, or
 * which beat its physical floor, is measured again (bench_rows.h).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "asvirt/biased_lock.h"
#include "asvirt/errors.h"
#include "asvirt/posix.h"
#include "bench_cm.h"
#include "bench_rows.h"
#include "cli.h"

const size_t bench_sizes[NSIZES] = { 1, 16, 64, 256, 496 };

static int quiet;
static int max_tries = BENCH_TRIES;

static void progress(const char *what, int i, int n)
{
	static uint64_t last;
	uint64_t now = asv_posix_now_ns();

	/* ASVIRT_BENCH_DEBUG: how long each step took */
	if (getenv("ASVIRT_BENCH_DEBUG"))
		fprintf(stderr, "debug: %6.0f ms, then: %s\n",
			last ? (double)(now - last) / 1e6 : 0.0, what);
	last = now;
	if (quiet)
		return;
	fprintf(stderr, "\r\033[K[%3d%%] %s", n ? 100 * i / n : 100, what);
	if (i == n)
		fprintf(stderr, "\r\033[K");
	fflush(stderr);
}

/* ---- floors around a row ---- */

struct floor_set {
	unsigned int n;
	struct row_floor f[TPUT_FLOORS];
	double v[TPUT_FLOORS][2 * BENCH_FLOOR_WINDOWS];
};

static void fig_of(const double *v, unsigned int n, struct fig *out)
{
	double tmp[2 * BENCH_FLOOR_WINDOWS + BENCH_WINDOWS];

	memcpy(tmp, v, n * sizeof(*v));
	fig_from(tmp, n, out);
}

/* The windows before (@after = 0) or after the row, the floors' kinds
 * interleaved; after the row, each floor's figures and whether it moved. */
static void floors_measure(struct floor_set *s, int after, const struct bench_effort *e)
{
	unsigned int w, k;

	for (w = 0; w < BENCH_FLOOR_WINDOWS; w++)
		for (k = 0; k < s->n; k++)
			s->v[k][after * BENCH_FLOOR_WINDOWS + w] =
			    bench_floor_window(s->f[k].kind, e);
	if (!after)
		return;
	for (k = 0; k < s->n; k++) {
		struct row_floor *f = &s->f[k];

		fig_of(s->v[k], BENCH_FLOOR_WINDOWS, &f->before);
		fig_of(s->v[k] + BENCH_FLOOR_WINDOWS, BENCH_FLOOR_WINDOWS, &f->after);
		fig_of(s->v[k], 2 * BENCH_FLOOR_WINDOWS, &f->all);
		f->moved = fig_moved(&f->before, &f->after) || fig_unsteady(&f->all);
	}
}

static double median(double *v, unsigned int n)
{
	struct fig f;

	fig_from(v, n, &f);
	return f.med;
}

/* ---- round trips ---- */

static int run_rtt(struct results *r, int m, int i, const struct bench_effort *e, struct lat *out)
{
	if (m == MODE_PROCESS)
		return bench_proc_rtt(&r->paths, bench_sizes[i], e, out);
	return bench_rtt(r->modes[m].spin_ns, bench_sizes[i], e, out);
}

/*
 * The floor a round trip is compared with: the ping-pong of what wakes each
 * side (its notifier). Semaphore wake-ups cost ~4 us between two threads on
 * one CPU and ~40 us across CPUs on this VM, and the scheduler picks the
 * placement: of the two floors, the one whose placement the row's p50
 * shows (the cross-CPU one as soon as the p50 reaches its fastest window).
 */
static unsigned int rtt_floor_of(const struct floor_set *fs, double p50)
{
	return fs->n == 2 && p50 >= fs->f[1].all.min ? 1 : 0;
}

/*
 * A round trip can be no faster than the cheapest ping-pong of its
 * notifier (@f): a p50 below that floor's fastest window of the same phase
 * is a measurement fault, not a result.
 */
static void rtt_check(struct rtt_row *row, const struct row_floor *f)
{
	row->ck.fault[0] = 0;
	if (row->p50.med < f->all.min)
		snprintf(row->ck.fault, sizeof(row->ck.fault),
			 "p50 %.0f ns is below the %s floor's fastest window (%.0f ns)",
			 row->p50.med, bench_floor_name(f->kind), f->all.min);
}

static int measure_rtt(struct results *r, int m, int i, const struct bench_effort *e)
{
	struct rtt_row *row = &r->rtt[m][i];
	double p50[BENCH_WINDOWS], p99[BENCH_WINDOWS], p999[BENCH_WINDOWS];
	struct lat l[BENCH_WINDOWS];
	struct floor_set fs;
	int b, err, try;

	memset(row, 0, sizeof(*row));
	for (try = 1; try <= max_tries; try++) {
		memset(&fs, 0, sizeof(fs));
		fs.n = m == MODE_SEM ? 2 : 1;
		fs.f[0].kind = m == MODE_SEM ? FLOOR_SEM_1CPU : FLOOR_SPIN;
		fs.f[1].kind = FLOOR_SEM_2CPU;
		floors_measure(&fs, 0, e);
		for (b = 0; b < BENCH_WINDOWS; b++) {
			err = run_rtt(r, m, i, e, &l[b]);
			if (err)
				return err;
		}
		floors_measure(&fs, 1, e);
		memset(&row->l, 0, sizeof(row->l));
		for (b = 0; b < BENCH_WINDOWS; b++) {
			p50[b] = l[b].p50;
			p99[b] = l[b].p99;
			p999[b] = l[b].p999;
			row->l.max = l[b].max > row->l.max ? l[b].max : row->l.max;
			row->l.n += l[b].n;
		}
		fig_of(p50, BENCH_WINDOWS, &row->p50);
		row->l.p50 = row->p50.med;
		row->l.p99 = median(p99, BENCH_WINDOWS);
		row->l.p999 = median(p999, BENCH_WINDOWS);
		row->floor = fs.f[rtt_floor_of(&fs, row->p50.med)];
		row->ck.tries = try;
		row->ck.moved = row->floor.moved;
		rtt_check(row, &fs.f[0]);
		if (!row->ck.moved && !row->ck.fault[0])
			break;
	}
	return 0;
}

/* ---- one-way throughput ---- */

/* The median of each field of @n windows. */
static void tput_median(const struct tput *w, unsigned int n, struct tput *out)
{
	double v[7][BENCH_WINDOWS];
	unsigned int k;

	for (k = 0; k < n; k++) {
		v[0][k] = w[k].msg_s;
		v[1][k] = w[k].bytes_s;
		v[2][k] = w[k].host_cpu_ns;
		v[3][k] = w[k].remote_cpu_ns;
		v[4][k] = w[k].remote_kicks;
		v[5][k] = w[k].host_kicks;
		v[6][k] = (double)w[k].msgs;
	}
	out->msg_s = median(v[0], n);
	out->bytes_s = median(v[1], n);
	out->host_cpu_ns = median(v[2], n);
	out->remote_cpu_ns = median(v[3], n);
	out->remote_kicks = median(v[4], n);
	out->host_kicks = median(v[5], n);
	out->msgs = (unsigned long)median(v[6], n);
}

/*
 * A stream can move no more records than the bare SPSC ring nor more
 * bytes than the bare 512-byte ring across the same two cores: a median
 * above the best window of either floor, in the same phase, is a
 * measurement fault (in semaphore mode, nothing pinned, most likely both
 * threads on one core, where the payload never crosses).
 */
static void tput_check(struct tput_row *row)
{
	const struct row_floor *spsc = &row->fl[0], *xcore = &row->fl[1];

	row->ck.fault[0] = 0;
	if (row->t.bytes_s > xcore->all.max)
		snprintf(row->ck.fault, sizeof(row->ck.fault),
			 "%.2f GB/s is above the cross-core floor's best window (%.2f GB/s)",
			 row->t.bytes_s / 1e9, xcore->all.max / 1e9);
	else if (row->t.msg_s > spsc->all.max)
		snprintf(row->ck.fault, sizeof(row->ck.fault),
			 "%.1f M msg/s is above the SPSC ring's best window (%.1f M/s)",
			 row->t.msg_s / 1e6, spsc->all.max / 1e6);
}

/*
 * Mode @m, size @i, 1 or 4 endpoints (@k), copy or zero-copy (@z): the
 * process figure and its baseline (the same firmware on threads) alternate
 * window by window, so both see the same phases.
 */
static int measure_tput(struct results *r, int m, int i, int k, int z, const struct bench_effort *e)
{
	static const enum floor_kind kinds[TPUT_FLOORS] = { FLOOR_SPSC, FLOOR_XCORE, FLOOR_MEMCPY };
	struct tput_row *row = &r->tp[m][i][k][z];
	unsigned int nept = k ? 4 : 1;
	struct tput w[BENCH_WINDOWS], base[BENCH_WINDOWS];
	double v[BENCH_WINDOWS];
	struct floor_set fs;
	int n, f, err = 0, try;

	memset(row, 0, sizeof(*row));
	for (try = 1; try <= max_tries; try++) {
		memset(&fs, 0, sizeof(fs));
		fs.n = TPUT_FLOORS;
		for (f = 0; f < TPUT_FLOORS; f++)
			fs.f[f].kind = kinds[f];
		floors_measure(&fs, 0, e);
		for (n = 0; n < BENCH_WINDOWS && !err; n++) {
			if (m != MODE_PROCESS) {
				err = bench_tput(r->modes[m].spin_ns, bench_sizes[i], nept, z, e,
						 &w[n]);
				continue;
			}
			err = bench_src_tput(bench_sizes[i], nept, z, e, &base[n]);
			if (!err)
				err = bench_proc_tput(&r->paths, bench_sizes[i], nept, z, e, &w[n]);
		}
		if (err)
			return err;
		floors_measure(&fs, 1, e);
		for (n = 0; n < BENCH_WINDOWS; n++)
			v[n] = w[n].msg_s;
		fig_of(v, BENCH_WINDOWS, &row->msg_s);
		tput_median(w, BENCH_WINDOWS, &row->t);
		if (m == MODE_PROCESS) {
			for (n = 0; n < BENCH_WINDOWS; n++)
				v[n] = base[n].msg_s;
			fig_of(v, BENCH_WINDOWS, &row->base_msg_s);
		}
		row->ck.tries = try;
		row->ck.moved = 0;
		for (f = 0; f < TPUT_FLOORS; f++) {
			row->fl[f] = fs.f[f];
			row->ck.moved |= fs.f[f].moved;
		}
		tput_check(row);
		if (!row->ck.moved && !row->ck.fault[0])
			break;
	}
	return 0;
}

/*
 * Size by size, and for each figure the three transports back to back, so
 * the figures a ratio compares (process against threads) are measured
 * under the same load of a shared machine.
 */
static int run_all(struct results *r, const struct bench_effort *e)
{
	int m, i, k, z, step = 0, steps = 1 + (int)NSIZES * NMODES * 5;
	char what[96];
	int err;

	progress("floors: semaphore, eventfd, spin, SPSC rings, memcpy", step++, steps);
	r->biased = asv_biased_supported();
	bench_floors(&r->f, e);
	for (i = 0; i < (int)NSIZES; i++) {
		for (m = 0; m < NMODES; m++) {
			snprintf(what, sizeof(what), "%s: round trip, %zu bytes", r->modes[m].name,
				 bench_sizes[i]);
			progress(what, step++, steps);
			err = measure_rtt(r, m, i, e);
			if (err)
				return err;
		}
		for (k = 0; k < 2; k++)
			for (z = 0; z < 2; z++)
				for (m = 0; m < NMODES; m++) {
					snprintf(what, sizeof(what),
						 "%s: throughput, %zu bytes, %d endpoint%s, %s",
						 r->modes[m].name, bench_sizes[i], k ? 4 : 1,
						 k ? "s" : "", z ? "zero-copy" : "copy");
					progress(what, step++, steps);
					err = measure_tput(r, m, i, k, z, e);
					if (err)
						return err;
				}
	}
	progress("done", steps, steps);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: asvirt bench [--json] [--plot FILE.png|FILE.svg] [--quick] [--quiet]\n"
		   "                    [--spin-us N] [--event-idx on|off]\n"
		   "       asvirt bench --compare A.json B.json\n\n"
		   "Measures this machine's floors (semaphore, eventfd and spin ping-pong, an\n"
		   "SPSC ring, memcpy) and asvirt's round-trip latency and one-way throughput\n"
		   "with the semaphore interrupt, the adaptive (spin-then-block) interrupt and\n"
		   "the remote in its own process, for payloads of 1, 16, 64, 256 and 496\n"
		   "bytes. Each figure is the median of 5 windows (min-max printed), next to\n"
		   "its floor measured right before and after it. The default run takes about\n"
		   "a minute.\n\n"
		   "  --json         machine-readable output on stdout\n"
		   "  --plot FILE    draw latency percentiles and throughput by size (gnuplot)\n"
		   "  --quick        tiny counts, no re-measurement (a smoke test)\n"
		   "  --quiet        no progress on stderr\n"
		   "  --spin-us N    adaptive mode's polling time before blocking (default 50)\n"
		   "  --event-idx on|off  notify by VIRTIO_RING_F_EVENT_IDX (default) or by\n"
		   "                 the suppression flags alone, for an A/B with --compare\n"
		   "  --compare A B  two --json runs row by row: B/A and whether they differ\n"
		   "                 beyond their spreads\n"
		   "  --sockets      only the socket path of asvirt up, next to its relay floor\n");
	/* the Cortex-M board's rows: cli/bench_cm.c */
	fprintf(f, "  --cortex-m     only the Cortex-M4 board's rows (QEMU mps2-an386); the\n"
		   "                 default run has them too when qemu-system-arm and the\n"
		   "                 images are there (--quick has them only with this flag)\n");
}

int cmd_bench(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "plot", required_argument, NULL, 'p' },
		{ "quick", no_argument, NULL, 'q' },
		{ "quiet", no_argument, NULL, 'Q' },
		{ "spin-us", required_argument, NULL, 's' },
		{ "compare", no_argument, NULL, 'c' },
		{ "sockets", no_argument, NULL, 'S' },
		{ "event-idx", required_argument, NULL, 'E' },
		{ "cortex-m", no_argument, NULL, 'M' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct bench_effort e = {
		.rtt_count = 4000, .floor_rtt = 20000, .tput_seconds = 0.04, .warmup_ms = 20
	};
	struct results *r;
	const char *plot_file = NULL;
	int c, json = 0, compare = 0, sockets = 0, cortex_m = 0, quick = 0, err, rc = 0;
	long spin_us = 50;
	char *end;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = 1;
			break;
		case 'p':
			plot_file = optarg;
			break;
		case 'q':
			e = (struct bench_effort){ .rtt_count = 50,
						   .floor_rtt = 200,
						   .tput_seconds = 0.002,
						   .warmup_ms = 2 };
			max_tries = 1;
			quick = 1;
			break;
		case 'Q':
			quiet = 1;
			break;
		case 's':
			spin_us = strtol(optarg, &end, 0);
			if (*end || spin_us < 0 || spin_us > 1000000) {
				fprintf(stderr, "asvirt bench: --spin-us wants 0..1000000\n");
				return 2;
			}
			break;
		case 'c':
			compare = 1;
			break;
		case 'S':
			sockets = 1;
			break;
		case 'M':
			cortex_m = 1;
			break;
		case 'E':
			if (strcmp(optarg, "on") && strcmp(optarg, "off")) {
				fprintf(stderr, "asvirt bench: --event-idx wants on or off\n");
				return 2;
			}
			bench_event_idx = !strcmp(optarg, "on");
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (compare) {
		if (argc - optind != 2) {
			fprintf(stderr, "asvirt bench: --compare wants two JSON files\n");
			return 2;
		}
		return bench_compare(argv[optind], argv[optind + 1]);
	}
	if (optind < argc) {
		fprintf(stderr, "asvirt bench: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (plot_file && !bench_plot_name_ok(plot_file))
		return 2;
	if (!isatty(2))
		quiet = 1;
	if (cortex_m) /* cli/bench_cm.c: the board's rows alone */
		return bench_cm_main(&e, max_tries, json);
	r = calloc(1, sizeof(*r));
	if (!r)
		return 1;
	r->modes[MODE_SEM] = (struct mode){ "semaphore", 0 };
	r->modes[MODE_ADAPTIVE] = (struct mode){ "adaptive", (uint32_t)(spin_us * 1000) };
	r->modes[MODE_PROCESS] = (struct mode){ "process", 0 };
	if (cli_find_runner(r->paths.runner, sizeof(r->paths.runner)) ||
	    cli_find_firmware("echo", r->paths.firmware_dir, sizeof(r->paths.firmware_dir))) {
		fprintf(stderr, "asvirt bench: asvirt-fw-runner or the firmware images not found "
				"(set ASVIRT_RUNNER / ASVIRT_FIRMWARE_DIR)\n");
		free(r);
		return 1;
	}
	*strrchr(r->paths.firmware_dir, '/') = 0; /* the directory of asvirt-echo.so */
	if (sockets) { /* bench/sock_bench.c: its own windows, from a total count */
		e.rtt_count *= BENCH_WINDOWS;
		rc = bench_sock_main(&r->paths, &e, json);
		free(r);
		return rc;
	}
	err = run_all(r, &e);
	if (!err && !quick) {
		progress("Cortex-M4 board: boot, round trip, streams", 1, 1);
		r->cm = bench_cm_default(&e, max_tries, &err);
	}
	if (err) {
		fprintf(stderr, "asvirt bench: a measurement failed: %s\n", asv_strerror(err));
		free(r);
		return 1;
	}
	if (json)
		bench_print_json(r);
	else
		bench_print_table(r);
	if (!json && r->cm)
		bench_cm_print(r->cm);
	if (plot_file)
		rc = bench_plot(r, plot_file, quiet);
	free(r->cm);
	free(r);
	return rc;
}
