// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * asvirt bench: measure the floors of this machine and asvirt's latency,
 * throughput and CPU cost in one run, and print each asvirt figure next to
 * its floor as a ratio. Table by default, --json for scripts, --plot FILE
 * (PNG or SVG, through gnuplot) for a chart.
 */
#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "../bench/bench.h"
#include "asvirt/biased_lock.h"
#include "asvirt/errors.h"
#include "cli.h"

static const size_t sizes[] = { 1, 16, 64, 256, 496 };
#define NSIZES (sizeof(sizes) / sizeof(sizes[0]))

/* Transports: threads + semaphore interrupts, threads + adaptive
 * interrupts, and the remote in its own process (futex doorbells). */
#define NMODES 3
#define MODE_PROCESS 2

struct mode {
	const char *name;
	uint32_t spin_ns;
};

struct results {
	struct floors f;
	/*
	 * The spin floor measured again just before and just after each size's
	 * figures: a VM's core-to-core latency can change in the middle of a
	 * run. (The semaphore floor is not: a short sample right after a busy
	 * phase catches vCPUs still awake and reads 10x too fast.)
	 */
	struct lat spin_now[NSIZES], spin_after[NSIZES];
	struct mode modes[NMODES];
	struct lat rtt[NMODES][NSIZES];
	/* [mode][size][nept 1|4][copy|zero-copy] */
	struct tput tp[NMODES][NSIZES][2][2];
	/* the process rows' baseline: the same bench-source firmware (sending
	 * from its receive callback) on threads, measured just before */
	struct tput src[NSIZES][2][2];
	struct bench_paths paths;
	int biased; /* the POSIX port's locks can be biased here */
};

/* What a figure is compared with: the floor its mechanism stands on. */
static const struct lat *rtt_floor(const struct results *r, int m, int i)
{
	return m == 1 ? &r->spin_now[i] : &r->f.sem;
}

/* The slowest over the fastest spin floor of the run. */
static double spin_drift(const struct results *r, double *lo, double *hi)
{
	int i;

	*lo = *hi = r->f.spin.p50;
	for (i = 0; i < (int)NSIZES; i++) {
		double a = r->spin_now[i].p50, b = r->spin_after[i].p50;

		*lo = a < *lo ? a : *lo;
		*lo = b < *lo ? b : *lo;
		*hi = a > *hi ? a : *hi;
		*hi = b > *hi ? b : *hi;
	}
	return *lo > 0 ? *hi / *lo : 1;
}

static int quiet;

static void progress(const char *what, int i, int n)
{
	if (quiet)
		return;
	fprintf(stderr, "\r\033[K[%3d%%] %s", n ? 100 * i / n : 100, what);
	if (i == n)
		fprintf(stderr, "\r\033[K");
	fflush(stderr);
}

static int run_rtt(struct results *r, int m, int i, const struct bench_effort *e)
{
	if (m == MODE_PROCESS)
		return bench_proc_rtt(&r->paths, sizes[i], e, &r->rtt[m][i]);
	return bench_rtt(r->modes[m].spin_ns, sizes[i], e, &r->rtt[m][i]);
}

/* Keep the better of two measurements of one figure. */
static void keep_best(struct tput *best, const struct tput *t)
{
	if (t->msg_s > best->msg_s)
		*best = *t;
}

/*
 * One throughput figure: mode @m, size @i, 1 or 4 endpoints (@k), copy or
 * zero-copy (@z). Best of TPUT_TRIES shorter windows: on a shared VM a
 * window can fall into a phase where the cores are slower, and the best
 * window is the figure that phase did not spoil. The process figure and
 * its baseline alternate window by window, so both see the same phases.
 */
#define TPUT_TRIES 3

static int run_tput(struct results *r, int m, int i, int k, int z, const struct bench_effort *e,
		    int *step, int steps)
{
	struct bench_effort w = *e;
	unsigned int nept = k ? 4 : 1;
	struct tput *out = &r->tp[m][i][k][z], *base = &r->src[i][k][z], t;
	char what[96];
	int n, err = 0;

	w.tput_seconds = e->tput_seconds / TPUT_TRIES;
	snprintf(what, sizeof(what), "%s: throughput, %zu bytes, %u endpoint%s, %s",
		 r->modes[m].name, sizes[i], nept, k ? "s" : "", z ? "zero-copy" : "copy");
	progress(what, (*step)++, steps);
	memset(out, 0, sizeof(*out));
	if (m == MODE_PROCESS)
		memset(base, 0, sizeof(*base));
	for (n = 0; n < TPUT_TRIES && !err; n++) {
		if (m != MODE_PROCESS) {
			err = bench_tput(r->modes[m].spin_ns, sizes[i], nept, z, &w, &t);
			if (!err)
				keep_best(out, &t);
			continue;
		}
		err = bench_src_tput(sizes[i], nept, z, &w, &t);
		if (!err)
			keep_best(base, &t);
		if (!err)
			err = bench_proc_tput(&r->paths, sizes[i], nept, z, &w, &t);
		if (!err)
			keep_best(out, &t);
	}
	return err;
}

/*
 * Size by size, and for each figure the three transports back to back, so
 * the figures a ratio compares (process against threads, adaptive against
 * the spin floor) are measured under the same load of a shared machine.
 */
static int run_all(struct results *r, const struct bench_effort *e)
{
	int m, i, k, z, step = 0, steps = 1 + (int)NSIZES * (1 + NMODES * 5);
	char what[96];
	int err;

	progress("floors: semaphore, eventfd, spin, SPSC rings, memcpy", step++, steps);
	r->biased = asv_biased_supported();
	bench_floors(&r->f, e);
	for (i = 0; i < (int)NSIZES; i++) {
		snprintf(what, sizeof(what), "spin floor again, before %zu bytes", sizes[i]);
		progress(what, step++, steps);
		bench_floor_spin(e->floor_rtt * 10, &r->spin_now[i]);
		for (m = 0; m < NMODES; m++) {
			snprintf(what, sizeof(what), "%s: round trip, %zu bytes", r->modes[m].name,
				 sizes[i]);
			progress(what, step++, steps);
			err = run_rtt(r, m, i, e);
			if (err)
				return err;
		}
		for (k = 0; k < 2; k++)
			for (z = 0; z < 2; z++)
				for (m = 0; m < NMODES; m++) {
					err = run_tput(r, m, i, k, z, e, &step, steps);
					if (err)
						return err;
				}
		bench_floor_spin(e->floor_rtt * 10, &r->spin_after[i]);
	}
	progress("done", steps, steps);
	return 0;
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

static void print_table(const struct results *r)
{
	const struct floors *f = &r->f;
	struct utsname u;
	double drift, lo, hi;
	int m, i, k, z;

	uname(&u);
	printf("asvirt bench on %s %s, %ld CPUs\n", u.sysname, u.machine,
	       sysconf(_SC_NPROCESSORS_ONLN));
	printf("data-path locks: %s\n\n", lock_mode(r));
	printf("floors of this machine (same run, two threads):\n");
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
	printf("  memcpy, 512-byte chunks         %8.2f GB/s\n", f->memcpy_bps / 1e9);
	drift = spin_drift(r, &lo, &hi);
	printf("  spin floor around each size     %.0f-%.0f ns\n", lo, hi);
	if (drift > 1.5)
		printf("  NOTE: this machine's core-to-core latency changed %.1fx during the run\n"
		       "  (a shared VM): figures from different sizes are not comparable; the\n"
		       "  ratios compare figures measured back to back and stay meaningful.\n",
		       drift);
	printf("\n");

	printf("round trip host -> remote (echo) -> host, ns; ratio = p50 / floor p50;\n"
	       "process = remote in its own process; vs threads = p50 / semaphore threads p50\n");
	printf("  %-10s %5s %9s %9s %9s %9s   %-16s %s\n", "mode", "bytes", "p50", "p99", "p99.9",
	       "max", "ratio to floor", "vs threads");
	for (m = 0; m < NMODES; m++)
		for (i = 0; i < (int)NSIZES; i++) {
			const struct lat *l = &r->rtt[m][i];

			printf("  %-10s %5zu %9.0f %9.0f %9.0f %9.0f   %5.2fx %-9s",
			       r->modes[m].name, sizes[i], l->p50, l->p99, l->p999, l->max,
			       l->p50 / rtt_floor(r, m, i)->p50, m == 1 ? "spin" : "semaphore");
			if (m == MODE_PROCESS)
				printf(" %5.2fx", l->p50 / r->rtt[0][i].p50);
			printf("\n");
		}
	printf("\none-way throughput remote -> host (every payload byte written by the sender\n"
	       "and read by the receiver); ratios: msg/s to the 16-byte SPSC ring, bytes/s to\n"
	       "the 512-byte SPSC ring across cores and to memcpy\n");
	printf("  %-10s %5s %4s %-9s %10s %9s %8s %8s %8s %9s %9s %s\n", "mode", "bytes", "epts",
	       "buffers", "M msg/s", "MB/s", "vs SPSC", "vs xcore", "vs mcpy", "host ns",
	       "remote ns", "threads/process");
	for (m = 0; m < NMODES; m++)
		for (i = 0; i < (int)NSIZES; i++)
			for (k = 0; k < 2; k++)
				for (z = 0; z < 2; z++) {
					const struct tput *t = &r->tp[m][i][k][z];

					printf("  %-10s %5zu %4d %-9s %10.3f %9.1f %7.1f%% %7.1f%% "
					       "%7.1f%% %9.0f %9.0f",
					       r->modes[m].name, sizes[i], k ? 4 : 1,
					       z ? "zero-copy" : "copy", t->msg_s / 1e6,
					       t->bytes_s / 1e6, 100.0 * t->msg_s / f->spsc_rec_s,
					       100.0 * t->bytes_s / f->xcore_bps,
					       100.0 * t->bytes_s / f->memcpy_bps, t->host_cpu_ns,
					       t->remote_cpu_ns);
					if (m == MODE_PROCESS && t->msg_s > 0)
						printf(" %9.2fx", r->src[i][k][z].msg_s / t->msg_s);
					printf("\n");
				}
	printf("\n(host ns / remote ns: CPU time per message on each side; threads/process:\n"
	       " the process figures come from the bench-source firmware, which sends from its\n"
	       " receive callback; the same firmware on threads with semaphore interrupts,\n"
	       " measured just before, over the process figure: 1.5x = 1.5 times slower.)\n");
}

/* Add @key: the number @v, written as "%.*f" writes it. */
static void add_num(struct json_object *o, const char *key, double v, int decimals)
{
	json_object_object_add(o, key, cli_json_fixed(v, decimals));
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

/* The spin floor's p50 before or after each size. */
static struct json_object *spin_json(const struct lat *l)
{
	struct json_object *a = json_object_new_array();
	size_t i;

	for (i = 0; i < NSIZES; i++)
		json_object_array_add(a, cli_json_fixed(l[i].p50, 0));
	return a;
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
	json_object_object_add(o, "spin_p50_ns_before_each_size", spin_json(r->spin_now));
	json_object_object_add(o, "spin_p50_ns_after_each_size", spin_json(r->spin_after));
	return o;
}

static struct json_object *rtt_json(const struct results *r, int m, int i)
{
	const struct lat *l = &r->rtt[m][i];
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "mode", json_object_new_string(r->modes[m].name));
	json_object_object_add(o, "bytes", json_object_new_uint64(sizes[i]));
	json_object_object_add(o, "latency", lat_json(l));
	add_num(o, "p50_ratio_to_floor", l->p50 / rtt_floor(r, m, i)->p50, 3);
	json_object_object_add(o, "floor", json_object_new_string(m == 1 ? "spin" : "semaphore"));
	add_num(o, "floor_p50_ns", rtt_floor(r, m, i)->p50, 0);
	add_num(o, "p50_ratio_to_threads", l->p50 / r->rtt[0][i].p50, 3);
	return o;
}

static struct json_object *tput_json(const struct results *r, int m, int i, int k, int z)
{
	const struct floors *f = &r->f;
	const struct tput *t = &r->tp[m][i][k][z];
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "mode", json_object_new_string(r->modes[m].name));
	json_object_object_add(o, "bytes", json_object_new_uint64(sizes[i]));
	json_object_object_add(o, "endpoints", json_object_new_int(k ? 4 : 1));
	json_object_object_add(o, "zero_copy", json_object_new_boolean(z));
	add_num(o, "msg_per_s", t->msg_s, 0);
	add_num(o, "bytes_per_s", t->bytes_s, 0);
	add_num(o, "ratio_to_spsc", t->msg_s / f->spsc_rec_s, 4);
	add_num(o, "ratio_to_xcore", t->bytes_s / f->xcore_bps, 4);
	add_num(o, "ratio_to_memcpy", t->bytes_s / f->memcpy_bps, 4);
	add_num(o, "host_cpu_ns_per_msg", t->host_cpu_ns, 1);
	add_num(o, "remote_cpu_ns_per_msg", t->remote_cpu_ns, 1);
	add_num(o, "baseline_msg_per_s", m == MODE_PROCESS ? r->src[i][k][z].msg_s : 0.0, 0);
	return o;
}

static void print_json(const struct results *r)
{
	struct json_object *o = json_object_new_object(), *rtt = json_object_new_array(),
			   *tp = json_object_new_array();
	int m, i, k, z;

	json_object_object_add(o, "data_path_locks",
			       json_object_new_string(r->biased ? "biased" : "shared"));
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
	printf("%s\n", cli_json_text(o, 1));
	json_object_put(o);
}

static int plot(const struct results *r, const char *file)
{
	const char *ext = strrchr(file, '.');
	char dat[] = "/tmp/asvirt-bench-XXXXXX";
	FILE *d, *g;
	int fd, m, i, rc;

	if (!ext || (strcmp(ext, ".png") && strcmp(ext, ".svg"))) {
		fprintf(stderr, "asvirt bench: --plot wants a .png or .svg file name\n");
		return 2;
	}
	fd = mkstemp(dat);
	if (fd < 0 || !(d = fdopen(fd, "w"))) {
		perror("asvirt bench: temporary file");
		return 1;
	}
	/* columns: bytes, sem p50 p99 p999, adaptive p50 p99 p999, MB/s sem
	 * copy, sem zero-copy, adaptive copy, adaptive zero-copy (1 ept) */
	for (i = 0; i < (int)NSIZES; i++) {
		fprintf(d, "%zu", sizes[i]);
		for (m = 0; m < 2; m++)
			fprintf(d, " %.0f %.0f %.0f", r->rtt[m][i].p50, r->rtt[m][i].p99,
				r->rtt[m][i].p999);
		for (m = 0; m < 2; m++)
			fprintf(d, " %.1f %.1f", r->tp[m][i][0][0].bytes_s / 1e6,
				r->tp[m][i][0][1].bytes_s / 1e6);
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
		"floor %.0f ns, memcpy %.1f GB/s)'\n"
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
		r->f.memcpy_bps / 1e9, dat, dat);
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

static void usage(FILE *f)
{
	fprintf(f, "usage: asvirt bench [--json] [--plot FILE.png|FILE.svg] [--quick] [--quiet]\n"
		   "                    [--spin-us N]\n\n"
		   "Measures this machine's floors (semaphore, eventfd and spin ping-pong, an\n"
		   "SPSC ring, memcpy) and asvirt's round-trip latency and one-way throughput\n"
		   "with the semaphore interrupt and the adaptive (spin-then-block) interrupt,\n"
		   "for payloads of 1, 16, 64, 256 and 496 bytes, and prints each figure next\n"
		   "to its floor. The default run takes well under a minute.\n\n"
		   "  --json         machine-readable output on stdout\n"
		   "  --plot FILE    draw latency percentiles and throughput by size (gnuplot)\n"
		   "  --quick        tiny counts (a smoke test, e.g. under a sanitizer)\n"
		   "  --quiet        no progress on stderr\n"
		   "  --spin-us N    adaptive mode's polling time before blocking (default 50)\n"
		   "  --sockets      only the socket path of asvirt up, next to its relay floor\n");
}

int cmd_bench(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "plot", required_argument, NULL, 'p' },
		{ "quick", no_argument, NULL, 'q' },
		{ "quiet", no_argument, NULL, 'Q' },
		{ "spin-us", required_argument, NULL, 's' },
		{ "sockets", no_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct bench_effort e = { .rtt_count = 20000, .floor_rtt = 20000, .tput_seconds = 0.2 };
	struct results *r = calloc(1, sizeof(*r));
	const char *plot_file = NULL;
	int c, json = 0, sockets = 0, err, rc = 0;
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
			e = (struct bench_effort){ .rtt_count = 200,
						   .floor_rtt = 200,
						   .tput_seconds = 0.01 };
			break;
		case 'Q':
			quiet = 1;
			break;
		case 'S':
			sockets = 1;
			break;
		case 's':
			spin_us = strtol(optarg, &end, 0);
			if (*end || spin_us < 0 || spin_us > 1000000) {
				fprintf(stderr, "asvirt bench: --spin-us wants 0..1000000\n");
				free(r);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			free(r);
			return 0;
		default:
			usage(stderr);
			free(r);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "asvirt bench: unexpected argument '%s'\n", argv[optind]);
		free(r);
		return 2;
	}
	if (!isatty(2))
		quiet = 1;
	r->modes[0] = (struct mode){ "semaphore", 0 };
	r->modes[1] = (struct mode){ "adaptive", (uint32_t)(spin_us * 1000) };
	r->modes[2] = (struct mode){ "process", 0 };
	if (cli_find_runner(r->paths.runner, sizeof(r->paths.runner)) ||
	    cli_find_firmware("echo", r->paths.firmware_dir, sizeof(r->paths.firmware_dir))) {
		fprintf(stderr, "asvirt bench: asvirt-fw-runner or the firmware images not found "
				"(set ASVIRT_RUNNER / ASVIRT_FIRMWARE_DIR)\n");
		free(r);
		return 1;
	}
	*strrchr(r->paths.firmware_dir, '/') = 0; /* the directory of asvirt-echo.so */
	if (sockets) {				  /* bench/sock_bench.c */
		rc = bench_sock_main(&r->paths, &e, json);
		free(r);
		return rc;
	}
	err = run_all(r, &e);
	if (err) {
		fprintf(stderr, "asvirt bench: a measurement failed: %s\n", asv_strerror(err));
		free(r);
		return 1;
	}
	if (json)
		print_json(r);
	else
		print_table(r);
	if (plot_file)
		rc = plot(r, plot_file);
	free(r);
	return rc;
}
