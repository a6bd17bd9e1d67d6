// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * asvirt bench --compare A.json B.json: the rows of two runs matched by
 * their key, each side's figure with its spread (min-max of its windows),
 * the ratio B/A, and whether the two differ beyond their spreads. Any
 * array of rows with a "key" and a "figure" (or a "fault" and what was
 * "measured") takes part, so a new kind of row needs nothing here.
 *
 * A row whose two figures differ while the machine itself changed between
 * the runs (its floor moved the same way) is weighed by its "relative"
 * figure (format 2): each window over the floor measured right around it,
 * with its spread. A run without it (format 1) is compared as before.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "bench_rows.h"
#include "cli.h"

struct cmp_range {
	double med, min, max;
};

struct cmp_row {
	const char *key;
	const char *fault; /* NULL: a result */
	struct cmp_range fig;
	struct cmp_range floor; /* its physical floor in the same run, if has_floor */
	int has_floor;
	struct cmp_range rel; /* figure / floor of the same phase, if has_rel */
	int has_rel;
	int higher_is_better;
};

#define MAX_ROWS 1024

struct cmp_run {
	struct json_object *doc;
	struct cmp_row rows[MAX_ROWS];
	unsigned int n;
};

static double num(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_double(v) : 0;
}

static const char *str(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static void range_read(struct json_object *o, struct cmp_range *out)
{
	out->med = num(o, "median");
	out->min = num(o, "min");
	out->max = num(o, "max");
}

/* One row object into @out: 0, or -1 when it is not a row. */
static int row_read(struct json_object *o, struct cmp_row *out)
{
	struct json_object *fig = NULL, *v;

	memset(out, 0, sizeof(*out));
	out->key = str(o, "key");
	if (!out->key)
		return -1;
	out->fault = str(o, "fault");
	if (!json_object_object_get_ex(o, out->fault ? "measured" : "figure", &fig) ||
	    !json_object_is_type(fig, json_type_object))
		return -1;
	range_read(fig, &out->fig);
	if (json_object_object_get_ex(o, "floor_figure", &v) &&
	    json_object_is_type(v, json_type_object)) {
		range_read(v, &out->floor);
		out->has_floor = 1;
	}
	if (json_object_object_get_ex(o, "relative", &v) &&
	    json_object_is_type(v, json_type_object)) {
		range_read(v, &out->rel);
		out->has_rel = 1;
	}
	out->higher_is_better =
	    json_object_object_get_ex(fig, "higher_is_better", &v) && json_object_get_boolean(v);
	return 0;
}

static int run_read(const char *file, struct cmp_run *run)
{
	run->doc = json_object_from_file(file);
	run->n = 0;
	if (!run->doc || !json_object_is_type(run->doc, json_type_object)) {
		fprintf(stderr, "asvirt bench: %s: not a JSON object (%s)\n", file,
			json_util_get_last_err() ? json_util_get_last_err() : "?");
		return -1;
	}
	json_object_object_foreach(run->doc, name, arr)
	{
		size_t i, n;

		(void)name;
		if (!json_object_is_type(arr, json_type_array))
			continue;
		n = json_object_array_length(arr);
		for (i = 0; i < n && run->n < MAX_ROWS; i++)
			if (!row_read(json_object_array_get_idx(arr, i), &run->rows[run->n]))
				run->n++;
	}
	if (!run->n) {
		fprintf(stderr,
			"asvirt bench: %s: no rows with a key (an asvirt bench --json run?)\n",
			file);
		return -1;
	}
	return 0;
}

static const struct cmp_row *find(const struct cmp_run *run, const char *key)
{
	unsigned int i;

	for (i = 0; i < run->n; i++)
		if (!strcmp(run->rows[i].key, key))
			return &run->rows[i];
	return NULL;
}

/* @v in a few significant digits, with k/M/G. */
static const char *fmt(double v, char *buf, size_t n)
{
	if (v >= 1e9)
		snprintf(buf, n, "%.3gG", v / 1e9);
	else if (v >= 1e6)
		snprintf(buf, n, "%.3gM", v / 1e6);
	else if (v >= 1e4)
		snprintf(buf, n, "%.3gk", v / 1e3);
	else
		snprintf(buf, n, "%.4g", v);
	return buf;
}

static void side(const struct cmp_row *r)
{
	char a[24], b[24], c[24], range[56];

	if (!r) {
		printf(" %8s %-17s", "-", "");
		return;
	}
	snprintf(range, sizeof(range), "%s-%s", fmt(r->fig.min, b, sizeof(b)),
		 fmt(r->fig.max, c, sizeof(c)));
	printf(" %8s %-17s", fmt(r->fig.med, a, sizeof(a)), range);
}

enum verdict { SAME, SAME_REL, DIFFERS, FLOOR_DIFFERS, MISSING, FAULT, NVERDICTS };

/* Within each other's spreads: the two min-max ranges overlap. */
static int overlap(const struct cmp_range *a, const struct cmp_range *b)
{
	return a->min <= b->max && b->min <= a->max;
}

/* Did the floor move from A to B the way the figure did (a machine that got
 * slower makes round trips longer and streams slower alike)? */
static int floor_moved_along(const struct cmp_row *a, const struct cmp_row *b)
{
	double f = b->floor.med - a->floor.med, g = b->fig.med - a->fig.med;

	return a->has_floor && b->has_floor && a->floor.med > 0 && (f > 0) == (g > 0) && f != 0;
}

/*
 * Same: the difference is within the spreads of the two runs. A row that
 * differs while its floor moved the same way was measured on a machine
 * that changed between the runs: when both runs have each window's ratio
 * to its own floor and those ranges overlap, asvirt did the same on both
 * (said so, with the floor's B/A); otherwise, when the floor differs
 * beyond its spreads, say so: it is no A/B of asvirt.
 */
static enum verdict judge(const struct cmp_row *a, const struct cmp_row *b, char *why, size_t n)
{
	const char *dir;

	if (!a || !b) {
		snprintf(why, n, "only in %s", a ? "A" : "B");
		return MISSING;
	}
	if (a->fault || b->fault) {
		snprintf(why, n, "fault in %s",
			 a->fault && b->fault ? "both"
			 : a->fault	      ? "A"
					      : "B");
		return FAULT;
	}
	if (overlap(&a->fig, &b->fig)) {
		snprintf(why, n, "same");
		return SAME;
	}
	dir = (b->fig.med > a->fig.med) == (a->higher_is_better != 0) ? "better" : "worse";
	if (a->has_rel && b->has_rel && floor_moved_along(a, b) && overlap(&a->rel, &b->rel)) {
		snprintf(why, n, "same relative to its floor (floor B/A %.2f)",
			 b->floor.med / a->floor.med);
		return SAME_REL;
	}
	if (a->has_floor && b->has_floor && !overlap(&a->floor, &b->floor) && a->floor.med > 0) {
		snprintf(why, n, "differs: B %s; its floor too (B/A %.2f)", dir,
			 b->floor.med / a->floor.med);
		return FLOOR_DIFFERS;
	}
	snprintf(why, n, "differs: B %s", dir);
	return DIFFERS;
}

static void line(const char *key, const struct cmp_row *a, const struct cmp_row *b,
		 unsigned int *count)
{
	char why[80];
	enum verdict v = judge(a, b, why, sizeof(why));

	count[v]++;
	printf("  %-34s", key);
	side(a);
	side(b);
	if (a && b && a->fig.med > 0)
		printf(" %6.3f", b->fig.med / a->fig.med);
	else
		printf(" %6s", "-");
	printf("  %s\n", why);
}

int bench_compare(const char *fa, const char *fb)
{
	static struct cmp_run a, b;
	unsigned int i, count[NVERDICTS] = { 0 };
	int rc = 1;

	if (run_read(fa, &a) || run_read(fb, &b))
		goto out;
	printf("A = %s, B = %s: each row's figure (median, min-max of its windows), B/A,\n"
	       "and \"same\" when the two min-max ranges overlap; a row that differs while its\n"
	       "physical floor (same run, same phase) differs too says so: the machine changed;\n"
	       "\"same relative to its floor\": the figures differ, the floor moved the same\n"
	       "way, and each window's ratio to the floor around it agrees within the spreads\n",
	       fa, fb);
	printf("  %-34s %8s %-17s %8s %-17s %6s  %s\n", "row", "A", "min-max", "B", "min-max",
	       "B/A", "verdict");
	for (i = 0; i < a.n; i++)
		line(a.rows[i].key, &a.rows[i], find(&b, a.rows[i].key), count);
	for (i = 0; i < b.n; i++)
		if (!find(&a, b.rows[i].key))
			line(b.rows[i].key, NULL, &b.rows[i], count);
	printf("%u rows: %u same, %u same relative to their floor, %u differ, %u differ with their "
	       "floor, %u only on one side, %u measurement faults\n",
	       count[SAME] + count[SAME_REL] + count[DIFFERS] + count[FLOOR_DIFFERS] +
		   count[MISSING] + count[FAULT],
	       count[SAME], count[SAME_REL], count[DIFFERS], count[FLOOR_DIFFERS], count[MISSING],
	       count[FAULT]);
	rc = 0;
out:
	if (a.doc)
		json_object_put(a.doc);
	if (b.doc)
		json_object_put(b.doc);
	a.doc = b.doc = NULL;
	return rc;
}
