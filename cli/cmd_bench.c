// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * asvirt bench: measure the floors of this machine and asvirt's latency,
 * throughput and CPU cost in one run, and print each asvirt figure next to
 * its floor as a ratio. Table by default, --json for scripts, --plot FILE
 * (PNG or SVG, through gnuplot) for a chart, --compare A.json B.json for
 * an A/B of two runs.
 *
 * Every row is measured in windows (median, min-max) taken in passes over
 * all rows, so that its spread covers the whole run's phases, each window
 * between two short measurements of its own floor, so that a figure is
 * compared with the floor of the same phase of a shared machine; a window
 * whose floor moved across it, or which beat its physical floor, is taken
 * again (bench_rows.h).
 */
#include <errno.h>
#include <fcntl.h>
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

/* ---- floors around a window ---- */

static uint64_t run_start_ns;

/*
 * The floor windows measured last, by kind, valid while no row window has
 * run since: the floors measured right after one window are the floors
 * right before the next, so consecutive rows with the same floors share
 * them (each window still has a floor on both sides, in its own phase).
 */
static struct {
	double v[NFLOORS];
	int fresh[NFLOORS];
} last_floor;

static double floor_now(enum floor_kind k, const struct bench_effort *e)
{
	if (!last_floor.fresh[k]) {
		last_floor.v[k] = bench_floor_window(k, e);
		last_floor.fresh[k] = 1;
	}
	return last_floor.v[k];
}

static void floors_stale(void)
{
	memset(last_floor.fresh, 0, sizeof(last_floor.fresh));
}

static void fig_of(const double *v, unsigned int n, struct fig *out)
{
	double tmp[2 * BENCH_WINDOWS];

	memcpy(tmp, v, n * sizeof(*v));
	fig_from(tmp, n, out);
}

static double median(double *v, unsigned int n)
{
	struct fig f;

	fig_from(v, n, &f);
	return f.med;
}

/* A floor moved across a window: after differs from before by more than 25%. */
static int moved_across(double before, double after)
{
	struct fig b = { before, before, before, 1 }, a = { after, after, after, 1 };

	return fig_moved(&b, &a);
}

/* The floor of window @w's phase: the mean of the floor right before and right after it. */
static double phase_floor(const struct row_windows *win, unsigned int k, unsigned int w)
{
	return (win->before[k][w] + win->after[k][w]) / 2;
}

/*
 * Take window @w of a row whose floors are @kinds[@nk]: floors before,
 * @take, floors after, and again (at most max_tries) while a floor moved
 * across it or @beyond says the window went past its floor. 0 or an error.
 */
typedef int (*take_fn)(void *ctx, unsigned int w);
typedef int (*beyond_fn)(void *ctx, unsigned int w);

static int take_window(struct row_windows *win, const enum floor_kind *kinds, unsigned int nk,
		       unsigned int w, take_fn take, beyond_fn beyond, void *ctx,
		       const struct bench_effort *e)
{
	unsigned int k;
	int try, err;

	for (try = 1; try <= max_tries; try++) {
		for (k = 0; k < nk; k++)
			win->before[k][w] = floor_now(kinds[k], e);
		win->at_s[w] = (double)(asv_posix_now_ns() - run_start_ns) / 1e9;
		err = take(ctx, w);
		floors_stale();
		if (err)
			return err;
		win->moved[w] = 0;
		for (k = 0; k < nk; k++) {
			win->after[k][w] = floor_now(kinds[k], e);
			win->moved[w] |= moved_across(win->before[k][w], win->after[k][w]);
		}
		win->tries[w] = try;
		if (!win->moved[w] && !beyond(ctx, w))
			break;
	}
	return 0;
}

/* A row's floors and checks from its windows. */
static void floors_finish(const struct row_windows *win, const enum floor_kind *kinds,
			  unsigned int nk, struct row_floor *out, struct row_check *ck)
{
	double v[2 * BENCH_WINDOWS];
	unsigned int k, w;

	ck->tries = 0;
	ck->moved = 0;
	for (w = 0; w < BENCH_WINDOWS; w++) {
		ck->tries = win->tries[w] > ck->tries ? win->tries[w] : ck->tries;
		ck->moved |= win->moved[w];
	}
	for (k = 0; k < nk; k++) {
		out[k].kind = kinds[k];
		fig_of(win->before[k], BENCH_WINDOWS, &out[k].before);
		fig_of(win->after[k], BENCH_WINDOWS, &out[k].after);
		memcpy(v, win->before[k], sizeof(win->before[k]));
		memcpy(v + BENCH_WINDOWS, win->after[k], sizeof(win->after[k]));
		fig_of(v, 2 * BENCH_WINDOWS, &out[k].all);
		out[k].moved = ck->moved;
	}
}

/* ---- round trips ---- */

struct rtt_ctx {
	struct results *r;
	int m, i;
	const struct bench_effort *e;
};

static const enum floor_kind sem_kinds[2] = { FLOOR_SEM_1CPU, FLOOR_SEM_2CPU };
static const enum floor_kind spin_kinds[1] = { FLOOR_SPIN };

static int rtt_take(void *ctx, unsigned int w)
{
	struct rtt_ctx *c = ctx;
	struct lat *out = &c->r->rtt[c->m][c->i].wl[w];

	if (c->m == MODE_PROCESS)
		return bench_proc_rtt(&c->r->paths, bench_sizes[c->i], c->e, out);
	return bench_rtt(c->r->modes[c->m].spin_ns, bench_sizes[c->i], c->e, out);
}

/* A round trip can be no faster than the cheapest ping-pong of its
 * notifier: a batch below that floor on both sides of it is a fault. */
static int rtt_beyond(void *ctx, unsigned int w)
{
	struct rtt_ctx *c = ctx;
	const struct rtt_row *row = &c->r->rtt[c->m][c->i];
	double lo = row->win.before[0][w] < row->win.after[0][w] ? row->win.before[0][w]
								 : row->win.after[0][w];

	return row->wl[w].p50 < lo;
}

/*
 * The floor a round trip is compared with: the ping-pong of what wakes each
 * side (its notifier). Semaphore wake-ups cost ~4 us between two threads on
 * one CPU and ~40 us across CPUs on this VM, and the scheduler picks the
 * placement: of the two floors, the one whose placement the row's p50
 * shows (the cross-CPU one as soon as the p50 reaches its fastest window).
 */
static unsigned int rtt_floor_of(const struct row_floor *fl, unsigned int n, double p50)
{
	return n == 2 && p50 >= fl[1].all.min ? 1 : 0;
}

/*
 * A round trip can be no faster than the cheapest ping-pong of its
 * notifier (@f): a p50 below that floor's fastest window of the run is a
 * measurement fault, not a result.
 */
static void rtt_check(struct rtt_row *row, const struct row_floor *f)
{
	row->ck.fault[0] = 0;
	if (row->p50.med < f->all.min)
		snprintf(row->ck.fault, sizeof(row->ck.fault),
			 "p50 %.0f ns is below the %s floor's fastest window (%.0f ns)",
			 row->p50.med, bench_floor_name(f->kind), f->all.min);
}

static int rtt_window(struct results *r, int m, int i, unsigned int w, const struct bench_effort *e)
{
	struct rtt_ctx c = { r, m, i, e };

	return take_window(&r->rtt[m][i].win, m == MODE_SEM ? sem_kinds : spin_kinds,
			   m == MODE_SEM ? 2 : 1, w, rtt_take, rtt_beyond, &c, e);
}

static void rtt_finish(struct results *r, int m, int i)
{
	struct rtt_row *row = &r->rtt[m][i];
	double p50[BENCH_WINDOWS], p99[BENCH_WINDOWS], p999[BENCH_WINDOWS], rel[BENCH_WINDOWS];
	struct row_floor fl[2];
	unsigned int b, nk = m == MODE_SEM ? 2 : 1, c;

	memset(fl, 0, sizeof(fl));
	floors_finish(&row->win, m == MODE_SEM ? sem_kinds : spin_kinds, nk, fl, &row->ck);
	memset(&row->l, 0, sizeof(row->l));
	for (b = 0; b < BENCH_WINDOWS; b++) {
		p50[b] = row->wl[b].p50;
		p99[b] = row->wl[b].p99;
		p999[b] = row->wl[b].p999;
		row->l.max = row->wl[b].max > row->l.max ? row->wl[b].max : row->l.max;
		row->l.n += row->wl[b].n;
	}
	fig_of(p50, BENCH_WINDOWS, &row->p50);
	row->l.p50 = row->p50.med;
	row->l.p99 = median(p99, BENCH_WINDOWS);
	row->l.p999 = median(p999, BENCH_WINDOWS);
	c = rtt_floor_of(fl, nk, row->p50.med);
	row->floor = fl[c];
	for (b = 0; b < BENCH_WINDOWS; b++) {
		double f = phase_floor(&row->win, c, b);

		rel[b] = f > 0 ? row->wl[b].p50 / f : 0;
	}
	fig_of(rel, BENCH_WINDOWS, &row->rel);
	rtt_check(row, &fl[0]);
}

/* ---- one-way throughput ---- */

static const enum floor_kind tput_kinds[TPUT_FLOORS] = { FLOOR_SPSC, FLOOR_XCORE, FLOOR_MEMCPY };

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
 * above the best window of either floor in the run is a measurement fault
 * (in semaphore mode, nothing pinned, most likely both threads on one
 * core, where the payload never crosses).
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

struct tput_ctx {
	struct results *r;
	int m, i, k, z;
	const struct bench_effort *e;
};

/* The process figure and its baseline (the same firmware on threads) in
 * one window, one after the other, so both see the same phase. */
static int tput_take(void *ctx, unsigned int w)
{
	struct tput_ctx *c = ctx;
	struct tput_row *row = &c->r->tp[c->m][c->i][c->k][c->z];
	unsigned int nept = c->k ? 4 : 1;
	int err;

	if (c->m != MODE_PROCESS)
		return bench_tput(c->r->modes[c->m].spin_ns, bench_sizes[c->i], nept, c->z, c->e,
				  &row->w[w]);
	err = bench_src_tput(bench_sizes[c->i], nept, c->z, c->e, &row->base[w]);
	return err ? err
		   : bench_proc_tput(&c->r->paths, bench_sizes[c->i], nept, c->z, c->e, &row->w[w]);
}

static int tput_beyond(void *ctx, unsigned int w)
{
	struct tput_ctx *c = ctx;
	const struct tput_row *row = &c->r->tp[c->m][c->i][c->k][c->z];
	const struct row_windows *win = &row->win;
	double spsc = win->before[0][w] > win->after[0][w] ? win->before[0][w] : win->after[0][w];
	double xcore = win->before[1][w] > win->after[1][w] ? win->before[1][w] : win->after[1][w];

	return row->w[w].bytes_s > xcore || row->w[w].msg_s > spsc;
}

static int tput_window(struct results *r, int m, int i, int k, int z, unsigned int w,
		       const struct bench_effort *e)
{
	struct tput_ctx c = { r, m, i, k, z, e };

	return take_window(&r->tp[m][i][k][z].win, tput_kinds, TPUT_FLOORS, w, tput_take,
			   tput_beyond, &c, e);
}

static void tput_finish(struct results *r, int m, int i, int k, int z)
{
	struct tput_row *row = &r->tp[m][i][k][z];
	double v[BENCH_WINDOWS];
	unsigned int n;

	floors_finish(&row->win, tput_kinds, TPUT_FLOORS, row->fl, &row->ck);
	for (n = 0; n < BENCH_WINDOWS; n++)
		v[n] = row->w[n].msg_s;
	fig_of(v, BENCH_WINDOWS, &row->msg_s);
	tput_median(row->w, BENCH_WINDOWS, &row->t);
	for (n = 0; n < BENCH_WINDOWS; n++) {
		double f = phase_floor(&row->win, 1, n);

		v[n] = f > 0 ? row->w[n].bytes_s / f : 0;
	}
	fig_of(v, BENCH_WINDOWS, &row->rel);
	if (m == MODE_PROCESS) {
		for (n = 0; n < BENCH_WINDOWS; n++)
			v[n] = row->base[n].msg_s;
		fig_of(v, BENCH_WINDOWS, &row->base_msg_s);
	}
	tput_check(row);
}

/*
 * BENCH_WINDOWS passes over every row, one window of each row per pass, so
 * that each row's windows are spread over the whole run and their min-max
 * covers the phases the machine went through (a row measured back to back
 * sees one phase, and two runs then disagree beyond their spreads). In a
 * pass, size by size, and for each figure the three transports back to
 * back, so the figures a ratio compares (process against threads) are
 * measured under the same load of a shared machine.
 */
static int run_all(struct results *r, const struct bench_effort *e)
{
	int m, i, k, z, step = 0, rows = (int)NSIZES * NMODES * 5;
	int steps = 1 + BENCH_WINDOWS * rows;
	unsigned int w;
	char what[112];
	int err;

	run_start_ns = asv_posix_now_ns();
	floors_stale();
	progress("floors: semaphore, eventfd, spin, SPSC rings, memcpy", step++, steps);
	r->biased = asv_biased_supported();
	bench_floors(&r->f, e);
	for (w = 0; w < BENCH_WINDOWS; w++) {
		floors_stale();
		for (i = 0; i < (int)NSIZES; i++) {
			for (m = 0; m < NMODES; m++) {
				snprintf(what, sizeof(what),
					 "pass %u/%d: %s: round trip, %zu bytes", w + 1,
					 BENCH_WINDOWS, r->modes[m].name, bench_sizes[i]);
				progress(what, step++, steps);
				err = rtt_window(r, m, i, w, e);
				if (err)
					return err;
			}
			for (k = 0; k < 2; k++)
				for (z = 0; z < 2; z++)
					for (m = 0; m < NMODES; m++) {
						snprintf(what, sizeof(what),
							 "pass %u/%d: %s: throughput, %zu bytes, "
							 "%d endpoint%s, %s",
							 w + 1, BENCH_WINDOWS, r->modes[m].name,
							 bench_sizes[i], k ? 4 : 1, k ? "s" : "",
							 z ? "zero-copy" : "copy");
						progress(what, step++, steps);
						err = tput_window(r, m, i, k, z, w, e);
						if (err)
							return err;
					}
		}
	}
	for (i = 0; i < (int)NSIZES; i++)
		for (m = 0; m < NMODES; m++) {
			rtt_finish(r, m, i);
			for (k = 0; k < 2; k++)
				for (z = 0; z < 2; z++)
					tput_finish(r, m, i, k, z);
		}
	progress("done", steps, steps);
	return 0;
}

/*
 * --save FILE. Checked before the run (a path that cannot be written fails
 * now, not after a minute and a half) and written after it, so that a run
 * that fails leaves a FILE saved before as it was: a new file is created
 * empty first, and removed again when the run fails.
 */
struct save_file {
	const char *name;
	int created;
};

static int save_check(struct save_file *sf)
{
	int fd = open(sf->name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

	if (fd >= 0) {
		sf->created = 1;
		close(fd);
		return 0;
	}
	if (errno == EEXIST && !access(sf->name, W_OK))
		return 0;
	fprintf(stderr, "asvirt bench: %s: %s\n", sf->name, strerror(errno));
	return -1;
}

/* The run's JSON into the file (@r), or no run (@r NULL). @rc, or 1 when
 * the file could not be written whole. */
static int save_finish(const struct save_file *sf, const struct results *r, int rc)
{
	FILE *f;
	int bad;

	if (!sf->name)
		return rc;
	if (!r) {
		if (sf->created)
			unlink(sf->name);
		return rc;
	}
	errno = 0;
	f = fopen(sf->name, "w");
	bad = !f || bench_print_json(r, f);
	if ((f && fclose(f)) || bad) {
		fprintf(stderr, "asvirt bench: %s: %s\n", sf->name, strerror(errno ? errno : EIO));
		return 1;
	}
	return rc;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: asvirt bench [--json] [--plot FILE.png|FILE.svg] [--quick] [--quiet]\n"
		   "                    [--spin-us N] [--event-idx on|off] [--save FILE.json]\n"
		   "       asvirt bench --compare A.json B.json\n\n"
		   "Measures this machine's floors (semaphore, eventfd and spin ping-pong, an\n"
		   "SPSC ring, memcpy) and asvirt's round-trip latency and one-way throughput\n"
		   "with the semaphore interrupt, the adaptive (spin-then-block) interrupt and\n"
		   "the remote in its own process, for payloads of 1, 16, 64, 256 and 496\n"
		   "bytes. Each figure is the median of 5 windows (min-max printed), taken in\n"
		   "5 passes over all rows so that the spread covers the whole run, each window\n"
		   "next to its floor measured right before and after it. The default run\n"
		   "takes about a minute and a half.\n\n"
		   "  --json         machine-readable output on stdout\n"
		   "  --save FILE    the table on stdout and the run's JSON in FILE too (one\n"
		   "                 run for the reader and for a later --compare)\n"
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
		{ "save", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct bench_effort e = {
		.rtt_count = 4000, .floor_rtt = 20000, .tput_seconds = 0.04, .warmup_ms = 20
	};
	struct results *r;
	const char *plot_file = NULL;
	struct save_file save = { NULL, 0 };
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
		case 'w':
			save.name = optarg;
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
	if (save.name && (sockets || cortex_m)) {
		fprintf(stderr, "asvirt bench: --save is for the full run; --sockets and "
				"--cortex-m print their JSON with --json\n");
		return 2;
	}
	if (save.name && save_check(&save))
		return 1;
	if (!isatty(2))
		quiet = 1;
	if (cortex_m) /* cli/bench_cm.c: the board's rows alone */
		return bench_cm_main(&e, max_tries, json);
	r = calloc(1, sizeof(*r));
	if (!r)
		return save_finish(&save, NULL, 1);
	r->modes[MODE_SEM] = (struct mode){ "semaphore", 0 };
	r->modes[MODE_ADAPTIVE] = (struct mode){ "adaptive", (uint32_t)(spin_us * 1000) };
	r->modes[MODE_PROCESS] = (struct mode){ "process", 0 };
	if (cli_find_runner(r->paths.runner, sizeof(r->paths.runner)) ||
	    cli_find_firmware("echo", r->paths.firmware_dir, sizeof(r->paths.firmware_dir))) {
		fprintf(stderr, "asvirt bench: asvirt-fw-runner or the firmware images not found "
				"(set ASVIRT_RUNNER / ASVIRT_FIRMWARE_DIR)\n");
		free(r);
		return save_finish(&save, NULL, 1);
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
		return save_finish(&save, NULL, 1);
	}
	if (json)
		bench_print_json(r, stdout);
	else
		bench_print_table(r);
	rc = save_finish(&save, r, 0);
	if (!json && r->cm)
		bench_cm_print(r->cm);
	if (plot_file && (err = bench_plot(r, plot_file, quiet)) != 0)
		rc = err;
	free(r->cm);
	free(r);
	return rc;
}
