// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * asvirt bench's Cortex-M rows: where the board is, the table, the JSON
 * rows (bench_cm.h), in the format of the other rows.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "asvirt/errors.h"
#include "bench_cm.h"
#include "cli.h"

/* @prog runnable, by name in $PATH or as a path. */
static int runnable(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[PATH_MAX];
	size_t len;

	if (strchr(prog, '/'))
		return !access(prog, X_OK);
	while (path && *path) {
		len = strcspn(path, ":");
		if (len &&
		    snprintf(buf, sizeof(buf), "%.*s/%s", (int)len, path, prog) <
			(int)sizeof(buf) &&
		    !access(buf, X_OK))
			return 1;
		path += len + (path[len] == ':');
	}
	return 0;
}

int bench_cm_find(char *dir, size_t n, char *why, size_t whylen)
{
	const char *qemu = getenv("ASVIRT_QEMU_ARM");
	char *slash;

	if (!qemu || !*qemu)
		qemu = "qemu-system-arm";
	if (!runnable(qemu)) {
		snprintf(why, whylen,
			 "%s not found (scripts/deps.sh cortexm, or set ASVIRT_QEMU_ARM)", qemu);
		return -1;
	}
	if (cli_find_cm_firmware("echo", dir, n) || !(slash = strrchr(dir, '/'))) {
		snprintf(why, whylen,
			 "no cortex-m/asvirt-echo.elf (a build without "
			 "arm-none-eabi-gcc? set ASVIRT_FIRMWARE_DIR)");
		return -1;
	}
	*slash = 0;
	if (!bench_cm_images(dir)) {
		snprintf(why, whylen, "%s lacks asvirt-bench-source.elf or cm-doorbell-floor.elf",
			 dir);
		return -1;
	}
	return 0;
}

/* ---- table ---- */

static void end_row(const struct cm_row *r)
{
	if (r->floor_moved && r->tries > 1)
		printf("  floor moved (%d tries)", r->tries);
	else if (r->floor_moved)
		printf("  floor moved");
	else if (r->tries > 1)
		printf("  %d tries", r->tries);
	printf("\n");
}

void bench_cm_print(const struct cm_results *c)
{
	const struct cm_row *r = &c->rtt;
	char fig[160];
	double ratio;
	int k;

	printf("\nCortex-M4 board (QEMU mps2-an386, docs/board.md): each figure the median of\n"
	       "%d windows (min-max), next to the board's floor in the same run: the doorbell\n"
	       "alone (cm-doorbell-floor.elf in a second QEMU: a byte to UART0 answered from\n"
	       "its receive interrupt), in %d windows interleaved with the row's:\n",
	       CM_WINDOWS, CM_WINDOWS + 1);
	ratio = r->floor_all.med > 0 ? r->fig.med / r->floor_all.med : 0;
	snprintf(fig, sizeof(fig),
		 "%7.0f ns %6.0f-%-6.0f p99 %6.0f  floor %6.0f ns %6.0f-%-6.0f "
		 "p99 %6.0f  %5.2fx (target %.1fx: %s)",
		 r->fig.med, r->fig.min, r->fig.max, c->rtt_p99, r->floor_all.med, r->floor_all.min,
		 r->floor_all.max, c->floor_p99, ratio, CM_RTT_TARGET,
		 ratio <= CM_RTT_TARGET ? "met" : "MISSED");
	printf("  cortex-m rtt %4u B   ", CM_RTT_BYTES);
	printf("%s", fig);
	end_row(r);
	for (k = 0; k < CM_NTPUT; k++) {
		r = &c->tput[k];
		ratio = r->floor_all.med > 0 ? r->fig.med / r->floor_all.med : 0;
		snprintf(fig, sizeof(fig),
			 "%7.0f msg/s %6.0f-%-6.0f  floor %6.0f doorbell rtt/s %6.0f-%-6.0f  "
			 "%5.2f msgs per doorbell round trip",
			 r->fig.med, r->fig.min, r->fig.max, r->floor_all.med, r->floor_all.min,
			 r->floor_all.max, ratio);
		printf("  cortex-m tput %4u B  ", (unsigned int)cm_tput_bytes[k]);
		printf("%s", fig);
		end_row(r);
	}
	r = &c->boot;
	snprintf(fig, sizeof(fig),
		 "%7.1f ms %5.1f-%-5.1f  floor %5.1f ms %5.1f-%-5.1f (QEMU to the floor image's "
		 "first byte)  target < %.0f ms: %s",
		 r->fig.med / 1e6, r->fig.min / 1e6, r->fig.max / 1e6, r->floor_all.med / 1e6,
		 r->floor_all.min / 1e6, r->floor_all.max / 1e6, CM_BOOT_TARGET_NS / 1e6,
		 r->fig.med < CM_BOOT_TARGET_NS ? "met" : "MISSED");
	printf("  cortex-m boot         ");
	printf("%s", fig);
	end_row(r);
	printf("  (rtt: %u-byte echo through asv_proc; tput: bench-source, MCU -> host; boot:\n"
	       "  asv_proc_start() to the first name-service announcement)\n",
	       CM_RTT_BYTES);
}

/* ---- JSON ---- */

static struct json_object *fig_json(const struct fig *f, int decimals)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "median", cli_json_fixed(f->med, decimals));
	json_object_object_add(o, "min", cli_json_fixed(f->min, decimals));
	json_object_object_add(o, "max", cli_json_fixed(f->max, decimals));
	json_object_object_add(o, "windows", json_object_new_int((int)f->n));
	return o;
}

static struct json_object *row_json(const struct cm_row *r, const char *name,
				    const char *floor_name)
{
	struct json_object *o = json_object_new_object(), *fig = fig_json(&r->fig, 0),
			   *fl = fig_json(&r->floor_all, 0), *rel;

	json_object_object_add(o, "key", json_object_new_string(r->key));
	json_object_object_add(fig, "name", json_object_new_string(name));
	json_object_object_add(fig, "unit", json_object_new_string(r->unit));
	json_object_object_add(fig, "higher_is_better",
			       json_object_new_boolean(r->higher_is_better));
	json_object_object_add(fl, "name", json_object_new_string(floor_name));
	json_object_object_add(fl, "before", fig_json(&r->floor_before, 0));
	json_object_object_add(fl, "after", fig_json(&r->floor_after, 0));
	json_object_object_add(o, "floor_figure", fl);
	json_object_object_add(o, "tries", json_object_new_int(r->tries));
	json_object_object_add(o, "floor_moved", json_object_new_boolean(r->floor_moved));
	json_object_object_add(o, "fault", NULL); /* as the other rows: none here */
	json_object_object_add(o, "figure", fig);
	/* as the threads' rows: each window over its own floor, so --compare
	 * can tell a change of the machine from a change of the code */
	rel = fig_json(&r->rel, 6);
	json_object_object_add(rel, "name", json_object_new_string("ratio_to_floor"));
	json_object_object_add(rel, "unit", json_object_new_string("x"));
	json_object_object_add(rel, "higher_is_better",
			       json_object_new_boolean(r->higher_is_better));
	json_object_object_add(rel, "floor", json_object_new_string(floor_name));
	json_object_object_add(o, "relative", rel);
	return o;
}

struct json_object *bench_cm_json(const struct cm_results *c)
{
	struct json_object *a = json_object_new_array(), *o;
	int k;

	o = row_json(&c->rtt, "p50", "cm-doorbell-rtt");
	json_object_object_add(o, "bytes", json_object_new_int((int)CM_RTT_BYTES));
	json_object_object_add(o, "p99_ns", cli_json_fixed(c->rtt_p99, 0));
	json_object_object_add(o, "floor_p99_ns", cli_json_fixed(c->floor_p99, 0));
	json_object_object_add(
	    o, "ratio",
	    cli_json_fixed(c->rtt.floor_all.med > 0 ? c->rtt.fig.med / c->rtt.floor_all.med : 0,
			   3));
	json_object_object_add(o, "target_ratio", cli_json_fixed(CM_RTT_TARGET, 1));
	json_object_array_add(a, o);
	for (k = 0; k < CM_NTPUT; k++) {
		o = row_json(&c->tput[k], "msg_per_s", "cm-doorbell-rtt-per-s");
		json_object_object_add(o, "bytes", json_object_new_int((int)cm_tput_bytes[k]));
		json_object_array_add(a, o);
	}
	o = row_json(&c->boot, "boot_to_announcement", "cm-floor-boot");
	json_object_object_add(o, "target_ns", cli_json_fixed(CM_BOOT_TARGET_NS, 0));
	json_object_array_add(a, o);
	return a;
}

/* ---- runs ---- */

struct cm_results *bench_cm_default(const struct bench_effort *e, int max_tries, int *err)
{
	struct cm_results *c;
	char dir[4096], why[256];

	*err = 0;
	if (bench_cm_find(dir, sizeof(dir), why, sizeof(why))) {
		fprintf(stderr, "asvirt bench: no Cortex-M rows: %s\n", why);
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		*err = -ASV_ENOMEM;
		return NULL;
	}
	*err = bench_cm_run(dir, e, max_tries, c);
	if (*err) {
		free(c);
		return NULL;
	}
	return c;
}

int bench_cm_main(const struct bench_effort *e, int max_tries, int json)
{
	struct cm_results c;
	struct json_object *o;
	char dir[4096], why[256];
	int err;

	if (bench_cm_find(dir, sizeof(dir), why, sizeof(why))) {
		fprintf(stderr, "asvirt bench: --cortex-m: %s\n", why);
		return 1;
	}
	err = bench_cm_run(dir, e, max_tries, &c);
	if (err) {
		fprintf(stderr, "asvirt bench: a Cortex-M measurement failed: %s\n",
			asv_strerror(err));
		return 1;
	}
	if (!json) {
		bench_cm_print(&c);
		return 0;
	}
	o = json_object_new_object();
	json_object_object_add(o, "windows", json_object_new_int(CM_WINDOWS));
	json_object_object_add(o, "cortex_m", bench_cm_json(&c));
	printf("%s\n", cli_json_text(o, 1));
	json_object_put(o);
	return 0;
}
