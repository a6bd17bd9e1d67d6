// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * asvirt bench's output: the table, the JSON (each row with a stable key
 * and its figure as median/min/max, which --compare reads), the chart.
 * A row that beat its physical floor is printed as a measurement fault,
 * never as a result.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "bench_cm.h"
#include "bench_rows.h"
#include "cli.h"

void bench_rtt_key(char *out, size_t n, const char *mode, size_t bytes)
{
	snprintf(out, n, "rtt/%s/%zu", mode, bytes);
}

void bench_tput_key(char *out, size_t n, const char *mode, size_t bytes, int nept, int zero_copy)
{
	snprintf(out, n, "tput/%s/%zu/%d/%s", mode, bytes, nept, zero_copy ? "zero-copy" : "copy");
}

/* How the POSIX port's locks were taken in this run, and why. */
static const char *lock_mode(const struct results *r)
{
	const char *env = getenv("ASVIRT_LOCKS");

	if (r->biased)
		return "biased (the one thread that takes a lock does so with plain stores)";
	if (env && !strcmp(env, "shared"))
		return "shared (ASVIRT_LOCKS=shared: every hold is an atomic instruction)";
	return "shared (no membarrier(2) here: every hold is an atomic instruction)";
}

/* The end of a row: its note (re-measured, floor still moving), if any. */
static void end_row(const struct row_check *ck)
{
	if (ck->moved && ck->tries > 1)
		printf("  floor moved (%d tries)", ck->tries);
	else if (ck->moved)
		printf("  floor moved");
	else if (ck->tries > 1)
		printf("  %d tries", ck->tries);
	printf("\n");
}

static void print_floors(const struct results *r)
{
	const struct floors *f = &r->f;

	printf("floors of this machine (start of the run, two threads):\n");
	printf("  semaphore ping-pong round trip  p50 %8.0f ns  p99 %8.0f ns\n", f->sem.p50,
	       f->sem.p99);
	printf("  eventfd ping-pong round trip    p50 %8.0f ns  p99 %8.0f ns\n", f->eventfd.p50,
	       f->eventfd.p99);
	printf("  spin ping-pong round trip       p50 %8.0f ns  p99 %8.0f ns\n", f->spin.p50,
	       f->spin.p99);
	printf("  SPSC ring, 16-byte records      %8.1f M records/s\n", f->spsc_rec_s / 1e6);
	printf("  SPSC ring, 512-byte records     %8.2f GB/s  (every byte written and read,\n"
	       "                                              across the two cores)\n",
	       f->xcore_bps / 1e9);
	printf("  memcpy, 512-byte chunks         %8.2f GB/s\n\n", f->memcpy_bps / 1e9);
}

static void print_rtt(const struct results *r)
{
	int m, i;

	printf("round trip host -> remote (echo) -> host, ns. p50: median of %d batches, one\n"
	       "per pass over all rows (spread over the run), with the batches' min-max;\n"
	       "p99, p99.9: medians over the batches. floor: the row's own, right before and\n"
	       "right after each batch (median, min-max): semaphore rows, the semaphore\n"
	       "ping-pong with both threads on one CPU or, once the p50 reaches it, one on\n"
	       "each (the placement the row shows); others, the spin ping-pong. ratio: the\n"
	       "median of each batch's p50 / its own floor; vs threads = p50 / semaphore p50\n",
	       BENCH_WINDOWS);
	printf("  %-10s %5s %8s %-15s %8s %8s %9s  %-14s %8s %-15s %7s %7s  %s\n", "mode", "bytes",
	       "p50", "min-max", "p99", "p99.9", "max", "floor", "p50", "min-max", "ratio",
	       "vs thr", "note");
	for (m = 0; m < NMODES; m++)
		for (i = 0; i < (int)NSIZES; i++) {
			const struct rtt_row *row = &r->rtt[m][i];
			const struct fig *fl = &row->floor.all;
			char a[32], b[32];

			printf("  %-10s %5zu ", r->modes[m].name, bench_sizes[i]);
			if (row->ck.fault[0]) {
				printf("measurement fault: %s", row->ck.fault);
				end_row(&row->ck);
				continue;
			}
			snprintf(a, sizeof(a), "%.0f-%.0f", row->p50.min, row->p50.max);
			snprintf(b, sizeof(b), "%.0f-%.0f", fl->min, fl->max);
			printf("%8.0f %-15s %8.0f %8.0f %9.0f  %-9s %8.0f %-15s %6.2fx ",
			       row->l.p50, a, row->l.p99, row->l.p999, row->l.max,
			       bench_floor_name(row->floor.kind), fl->med, b, row->rel.med);
			if (m == MODE_PROCESS && r->rtt[MODE_SEM][i].l.p50 > 0)
				printf("%6.2fx", row->l.p50 / r->rtt[MODE_SEM][i].l.p50);
			else
				printf("%7s", "");
			end_row(&row->ck);
		}
}

static void print_tput(const struct results *r)
{
	int m, i, k, z;

	printf("\none-way throughput remote -> host (every payload byte written by the sender\n"
	       "and read by the receiver): median of %d windows, one per pass over all rows\n"
	       "(spread over the run), with their min-max; ratios to the row's own floors\n"
	       "(right before and after each window): msg/s to the 16-byte SPSC ring, bytes/s\n"
	       "to the 512-byte SPSC ring across cores (the median of each window's ratio to\n"
	       "its own) and to memcpy\n",
	       BENCH_WINDOWS);
	printf("  %-10s %5s %4s %-9s %8s %-13s %8s %7s %7s %7s %7s %7s %6s %6s %8s  %s\n", "mode",
	       "bytes", "epts", "buffers", "M msg/s", "min-max", "MB/s", "vs SPSC", "vs xcor",
	       "vs mcpy", "host ns", "rem ns", "kick>h", "kick>r", "thr/proc", "note");
	for (m = 0; m < NMODES; m++)
		for (i = 0; i < (int)NSIZES; i++)
			for (k = 0; k < 2; k++)
				for (z = 0; z < 2; z++) {
					const struct tput_row *row = &r->tp[m][i][k][z];
					const struct tput *t = &row->t;
					char a[32];

					printf("  %-10s %5zu %4d %-9s ", r->modes[m].name,
					       bench_sizes[i], k ? 4 : 1, z ? "zero-copy" : "copy");
					if (row->ck.fault[0]) {
						printf("measurement fault: %s", row->ck.fault);
						end_row(&row->ck);
						continue;
					}
					snprintf(a, sizeof(a), "%.3f-%.3f", row->msg_s.min / 1e6,
						 row->msg_s.max / 1e6);
					printf(
					    "%8.3f %-13s %8.1f %6.1f%% %6.1f%% %6.1f%% %7.0f %7.0f "
					    "%6.3f %6.3f ",
					    t->msg_s / 1e6, a, t->bytes_s / 1e6,
					    100.0 * t->msg_s / row->fl[0].all.med,
					    100.0 * row->rel.med,
					    100.0 * t->bytes_s / row->fl[2].all.med, t->host_cpu_ns,
					    t->remote_cpu_ns, t->remote_kicks, t->host_kicks);
					if (m == MODE_PROCESS && t->msg_s > 0)
						printf("%7.2fx", row->base_msg_s.med / t->msg_s);
					else
						printf("%8s", "");
					end_row(&row->ck);
				}
	printf("\n(host ns / rem ns: CPU time per message on each side; kick>h: the remote's\n"
	       " notifications per message (the host's wake-ups), kick>r: the host's (the\n"
	       " sender's wake-ups); thr/proc: the process figures come from the bench-source\n"
	       " firmware, which sends from its receive callback; the same firmware on threads\n"
	       " with semaphore interrupts, measured window by window in turn with it, over the\n"
	       " process figure: 1.5x = 1.5 times slower. note: \"floor moved\" = across a\n"
	       " window of the row, taken up to %d times, a floor right after it differed from\n"
	       " the floor right before it by more than 25%%; \"N tries\": a window was taken\n"
	       " N times.)\n",
	       BENCH_TRIES);
}

void bench_print_table(const struct results *r)
{
	struct utsname u;

	uname(&u);
	printf("asvirt bench on %s %s, %ld CPUs\n", u.sysname, u.machine,
	       sysconf(_SC_NPROCESSORS_ONLN));
	printf("data-path locks: %s\n", lock_mode(r));
	printf("notifications: %s\n\n", bench_event_idx
					    ? "VIRTIO_RING_F_EVENT_IDX (used_event / avail_event)"
					    : "suppression flags only (--event-idx off)");
	print_floors(r);
	print_rtt(r);
	print_tput(r);
}

/* ---- JSON ---- */

/* Add @key: the number @v, written as "%.*f" writes it. */
static void add_num(struct json_object *o, const char *key, double v, int decimals)
{
	json_object_object_add(o, key, cli_json_fixed(v, decimals));
}

static void add_str(struct json_object *o, const char *key, const char *v)
{
	json_object_object_add(o, key, json_object_new_string(v));
}

static struct json_object *lat_json(const struct lat *l)
{
	struct json_object *o = json_object_new_object();

	add_num(o, "p50_ns", l->p50, 0);
	add_num(o, "p99_ns", l->p99, 0);
	add_num(o, "p999_ns", l->p999, 0);
	add_num(o, "max_ns", l->max, 0);
	return o;
}

/* How a figure's numbers are written: cli_json_fixed or cli_json_sig. */
typedef struct json_object *(*num_writer)(double v, int prec);

static struct json_object *fig_json_as(const struct fig *f, num_writer num, int prec)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "median", num(f->med, prec));
	json_object_object_add(o, "min", num(f->min, prec));
	json_object_object_add(o, "max", num(f->max, prec));
	json_object_object_add(o, "windows", json_object_new_int((int)f->n));
	return o;
}

static struct json_object *fig_json(const struct fig *f, int decimals)
{
	return fig_json_as(f, cli_json_fixed, decimals);
}

/* The figure --compare reads: name, unit, median, min, max, which way is better. */
static struct json_object *labelled(struct json_object *o, const char *name, const char *unit,
				    int higher_is_better)
{
	add_str(o, "name", name);
	add_str(o, "unit", unit);
	json_object_object_add(o, "higher_is_better", json_object_new_boolean(higher_is_better));
	return o;
}

static struct json_object *figure_json(const char *name, const char *unit, const struct fig *f,
				       int decimals, int higher_is_better)
{
	return labelled(fig_json(f, decimals), name, unit, higher_is_better);
}

/* A ratio to a floor, in significant digits: a window that all but stalled
 * is 1e-7 of its floor, which fixed decimals would write as 0. */
static struct json_object *ratio_json(const struct fig *f, int higher_is_better)
{
	return labelled(fig_json_as(f, cli_json_sig, 6), "ratio_to_floor", "x", higher_is_better);
}

static struct json_object *floor_json(const struct row_floor *f, int decimals)
{
	struct json_object *o = fig_json(&f->all, decimals);

	add_str(o, "floor", bench_floor_name(f->kind));
	json_object_object_add(o, "before", fig_json(&f->before, decimals));
	json_object_object_add(o, "after", fig_json(&f->after, decimals));
	json_object_object_add(o, "moved", json_object_new_boolean(f->moved));
	return o;
}

/*
 * The fields every row has: its key, its physical floor (for a stream, the
 * cross-core ring), how it was measured, and either its figure or, when it
 * went beyond that floor, the fault and what was measured. Returns whether
 * the row is a result.
 */
static int row_json(struct json_object *o, const char *key, const struct row_check *ck,
		    struct json_object *figure, const struct row_floor *floor,
		    const struct fig *rel, int higher_is_better, const struct row_windows *win)
{
	struct json_object *fl = fig_json(&floor->all, 0), *at = json_object_new_array();
	struct json_object *re;
	unsigned int w;

	add_str(o, "key", key);
	/* when each window ran (s from the start): spread over the run */
	for (w = 0; w < BENCH_WINDOWS; w++)
		json_object_array_add(at, cli_json_fixed(win->at_s[w], 3));
	json_object_object_add(o, "window_at_s", at);
	/* the floor --compare weighs a difference against */
	add_str(fl, "name", bench_floor_name(floor->kind));
	json_object_object_add(o, "floor_figure", fl);
	json_object_object_add(o, "tries", json_object_new_int(ck->tries));
	json_object_object_add(o, "floor_moved", json_object_new_boolean(ck->moved));
	if (ck->fault[0]) {
		add_str(o, "fault", ck->fault);
		json_object_object_add(o, "measured", figure);
		return 0;
	}
	json_object_object_add(o, "fault", NULL);
	json_object_object_add(o, "figure", figure);
	/* each window over the floor of its own phase (--compare weighs a row
	 * against it when the floor moved between two runs) */
	re = ratio_json(rel, higher_is_better);
	add_str(re, "floor", bench_floor_name(floor->kind));
	json_object_object_add(o, "relative", re);
	return 1;
}

static struct json_object *floors_json(const struct results *r)
{
	const struct floors *f = &r->f;
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "semaphore_rtt", lat_json(&f->sem));
	json_object_object_add(o, "eventfd_rtt", lat_json(&f->eventfd));
	json_object_object_add(o, "spin_rtt", lat_json(&f->spin));
	add_num(o, "spsc_records_per_s", f->spsc_rec_s, 0);
	add_num(o, "xcore_bytes_per_s", f->xcore_bps, 0);
	add_num(o, "memcpy_bytes_per_s", f->memcpy_bps, 0);
	return o;
}

static struct json_object *rtt_json(const struct results *r, int m, int i)
{
	const struct rtt_row *row = &r->rtt[m][i];
	double thr = r->rtt[MODE_SEM][i].l.p50;
	struct json_object *o = json_object_new_object();
	char key[96];

	bench_rtt_key(key, sizeof(key), r->modes[m].name, bench_sizes[i]);
	add_str(o, "mode", r->modes[m].name);
	json_object_object_add(o, "bytes", json_object_new_uint64(bench_sizes[i]));
	json_object_object_add(o, "floor", floor_json(&row->floor, 0));
	if (!row_json(o, key, &row->ck, figure_json("p50", "ns", &row->p50, 0, 0), &row->floor,
		      &row->rel, 0, &row->win))
		return o;
	json_object_object_add(o, "latency", lat_json(&row->l));
	json_object_object_add(o, "p50_ratio_to_floor", cli_json_sig(row->rel.med, 4));
	add_num(o, "p50_ratio_to_threads", thr > 0 ? row->l.p50 / thr : 0, 3);
	return o;
}

static struct json_object *tput_json(const struct results *r, int m, int i, int k, int z)
{
	const struct tput_row *row = &r->tp[m][i][k][z];
	const struct tput *t = &row->t;
	struct json_object *o = json_object_new_object(), *fl = json_object_new_object();
	char key[96];
	int f;

	bench_tput_key(key, sizeof(key), r->modes[m].name, bench_sizes[i], k ? 4 : 1, z);
	add_str(o, "mode", r->modes[m].name);
	json_object_object_add(o, "bytes", json_object_new_uint64(bench_sizes[i]));
	json_object_object_add(o, "endpoints", json_object_new_int(k ? 4 : 1));
	json_object_object_add(o, "zero_copy", json_object_new_boolean(z));
	for (f = 0; f < TPUT_FLOORS; f++)
		json_object_object_add(fl, bench_floor_name(row->fl[f].kind),
				       floor_json(&row->fl[f], 0));
	json_object_object_add(o, "floors", fl);
	if (!row_json(o, key, &row->ck, figure_json("msg_per_s", "msg/s", &row->msg_s, 0, 1),
		      &row->fl[1], &row->rel, 1, &row->win))
		return o;
	add_num(o, "msg_per_s", t->msg_s, 0);
	add_num(o, "bytes_per_s", t->bytes_s, 0);
	add_num(o, "ratio_to_spsc", t->msg_s / row->fl[0].all.med, 4);
	add_num(o, "ratio_to_xcore", row->rel.med, 4);
	add_num(o, "ratio_to_memcpy", t->bytes_s / row->fl[2].all.med, 4);
	add_num(o, "host_cpu_ns_per_msg", t->host_cpu_ns, 1);
	add_num(o, "remote_cpu_ns_per_msg", t->remote_cpu_ns, 1);
	add_num(o, "remote_kicks_per_msg", t->remote_kicks, 4);
	add_num(o, "host_kicks_per_msg", t->host_kicks, 4);
	if (m == MODE_PROCESS)
		json_object_object_add(o, "baseline_msg_per_s", fig_json(&row->base_msg_s, 0));
	return o;
}

int bench_print_json(const struct results *r, FILE *out)
{
	struct json_object *o = json_object_new_object(), *rtt = json_object_new_array(),
			   *tp = json_object_new_array();
	int m, i, k, z;

	json_object_object_add(o, "format", json_object_new_int(BENCH_JSON_FORMAT));
	json_object_object_add(o, "data_path_locks",
			       json_object_new_string(r->biased ? "biased" : "shared"));
	json_object_object_add(o, "event_idx", json_object_new_boolean(bench_event_idx));
	json_object_object_add(o, "windows", json_object_new_int(BENCH_WINDOWS));
	json_object_object_add(o, "floors", floors_json(r));
	for (m = 0; m < NMODES; m++)
		for (i = 0; i < (int)NSIZES; i++)
			json_object_array_add(rtt, rtt_json(r, m, i));
	json_object_object_add(o, "rtt", rtt);
	for (m = 0; m < NMODES; m++)
		for (i = 0; i < (int)NSIZES; i++)
			for (k = 0; k < 2; k++)
				for (z = 0; z < 2; z++)
					json_object_array_add(tp, tput_json(r, m, i, k, z));
	json_object_object_add(o, "throughput", tp);
	if (r->cm)
		json_object_object_add(o, "cortex_m", bench_cm_json(r->cm));
	fprintf(out, "%s\n", cli_json_text(o, 1));
	json_object_put(o);
	return ferror(out) ? -1 : 0;
}

/* ---- chart ---- */

int bench_plot_name_ok(const char *file)
{
	const char *ext = strrchr(file, '.');

	if (!ext || (strcmp(ext, ".png") && strcmp(ext, ".svg"))) {
		fprintf(stderr, "asvirt bench: --plot wants a .png or .svg file name\n");
		return 0;
	}
	return 1;
}

int bench_plot(const struct results *r, const char *file, int quiet)
{
	const char *ext = strrchr(file, '.');
	char dat[] = "/tmp/asvirt-bench-XXXXXX";
	FILE *d, *g;
	int fd, m, i, rc;

	if (!bench_plot_name_ok(file))
		return 2;
	fd = mkstemp(dat);
	if (fd < 0 || !(d = fdopen(fd, "w"))) {
		perror("asvirt bench: temporary file");
		return 1;
	}
	/* columns: bytes, sem p50 p99 p999, adaptive p50 p99 p999, MB/s sem
	 * copy, sem zero-copy, adaptive copy, adaptive zero-copy (1 ept); a
	 * measurement fault is a gap (NaN) */
	for (i = 0; i < (int)NSIZES; i++) {
		fprintf(d, "%zu", bench_sizes[i]);
		for (m = 0; m < 2; m++) {
			const struct rtt_row *row = &r->rtt[m][i];

			if (row->ck.fault[0])
				fprintf(d, " NaN NaN NaN");
			else
				fprintf(d, " %.0f %.0f %.0f", row->l.p50, row->l.p99, row->l.p999);
		}
		for (m = 0; m < 2; m++) {
			int z;

			for (z = 0; z < 2; z++) {
				const struct tput_row *row = &r->tp[m][i][0][z];

				if (row->ck.fault[0])
					fprintf(d, " NaN");
				else
					fprintf(d, " %.1f", row->t.bytes_s / 1e6);
			}
		}
		fprintf(d, "\n");
	}
	fclose(d);
	g = popen("gnuplot", "w");
	if (!g) {
		fprintf(stderr, "asvirt bench: gnuplot not found (apt-get install gnuplot-nox)\n");
		unlink(dat);
		return 1;
	}
	fprintf(g,
		"set terminal %s size 1100,560\nset output '%s'\n"
		"set multiplot layout 1,2 title 'asvirt bench (semaphore floor %.0f ns, spin "
		"floor %.0f ns, memcpy %.1f GB/s; medians of %d windows)'\n"
		"set logscale y\nset xlabel 'payload bytes'\nset ylabel 'round trip, ns'\n"
		"set key below\nset grid\nset xtics (1,16,64,256,496)\nset logscale x 2\n"
		"set title 'round-trip latency percentiles'\n"
		"plot '%s' u 1:2 w lp t 'semaphore p50', '' u 1:3 w lp t 'semaphore p99', "
		"'' u 1:4 w lp t 'semaphore p99.9', '' u 1:5 w lp t 'adaptive p50', "
		"'' u 1:6 w lp t 'adaptive p99', '' u 1:7 w lp t 'adaptive p99.9'\n"
		"unset logscale y\nset ylabel 'MB/s'\nset title 'one-way throughput, 1 endpoint'\n"
		"plot '%s' u 1:8 w lp t 'semaphore copy', '' u 1:9 w lp t 'semaphore zero-copy', "
		"'' u 1:10 w lp t 'adaptive copy', '' u 1:11 w lp t 'adaptive zero-copy'\n"
		"unset multiplot\n",
		strcmp(ext, ".png") ? "svg" : "pngcairo", file, r->f.sem.p50, r->f.spin.p50,
		r->f.memcpy_bps / 1e9, BENCH_WINDOWS, dat, dat);
	rc = pclose(g);
	unlink(dat);
	if (rc) {
		fprintf(stderr, "asvirt bench: gnuplot failed (%d)\n", rc);
		return 1;
	}
	if (!quiet)
		fprintf(stderr, "asvirt bench: chart written to %s\n", file);
	return 0;
}
