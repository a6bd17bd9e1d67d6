// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * How the command writes JSON: through json-c, one format everywhere ('/'
 * not escaped, so paths read as they are).
 */
#include <json-c/json.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>

#include "cli.h"

const char *cli_json_text(struct json_object *o, int pretty)
{
	int flags = JSON_C_TO_STRING_NOSLASHESCAPE;

	flags |=
	    pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED : JSON_C_TO_STRING_PLAIN;
	return json_object_to_json_string_ext(o, flags);
}

/* @v printed as "%.*g" (@sig) or "%.*f" at @prec, as a JSON number. */
static struct json_object *json_num(double v, bool sig, int prec)
{
	char s[64];

	/* JSON has no NaN or infinity: a measurement that is none is null. */
	if (!isfinite(v))
		return NULL;
	if (sig)
		snprintf(s, sizeof(s), "%.*g", prec, v);
	else
		snprintf(s, sizeof(s), "%.*f", prec, v);
	return json_object_new_double_s(v, s);
}

struct json_object *cli_json_fixed(double v, int decimals)
{
	return json_num(v, false, decimals);
}

struct json_object *cli_json_sig(double v, int digits)
{
	return json_num(v, true, digits);
}
