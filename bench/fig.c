// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * A figure measured in windows: median and min-max, and whether a floor
 * measured before and after a row moved in between (bench.h).
 */
#include <stdlib.h>
#include <string.h>

#include "bench.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

void fig_from(double *v, unsigned int n, struct fig *out)
{
	memset(out, 0, sizeof(*out));
	if (!n)
		return;
	qsort(v, n, sizeof(*v), cmp_double);
	out->n = n;
	out->min = v[0];
	out->max = v[n - 1];
	out->med = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double rel_spread(const struct fig *f)
{
	return f->med > 0 ? (f->max - f->min) / f->med : 0;
}

int fig_moved(const struct fig *before, const struct fig *after)
{
	double lo = before->med < after->med ? before->med : after->med;
	double hi = before->med < after->med ? after->med : before->med;
	double limit = 0.25;

	if (rel_spread(before) > limit)
		limit = rel_spread(before);
	if (rel_spread(after) > limit)
		limit = rel_spread(after);

	if (!before->n || !after->n)
		return 0;
	if (lo <= 0)
		return hi > 0;
	return (hi - lo) / lo > limit;
}

int fig_unsteady(const struct fig *f)
{
	return f->n && f->max > 2 * f->min;
}
