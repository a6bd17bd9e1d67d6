// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * How the command writes JSON: through json-c, one format everywhere ('/'
 * not escaped, so paths read as they are).
 */
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>

#include "cli.h"

const char *cli_json_text(struct json_object *o, int pretty)
{
	int flags = JSON_C_TO_STRING_NOSLASHESCAPE;

	flags |=
	    pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED : JSON_C_TO_STRING_PLAIN;
	return json_object_to_json_string_ext(o, flags);
}

struct json_object *cli_json_fixed(double v, int decimals)
{
	char s[64];

	/* JSON has no NaN or infinity: a measurement that is none is null. */
	if (!isfinite(v))
		return NULL;
	snprintf(s, sizeof(s), "%.*f", decimals, v);
	return json_object_new_double_s(v, s);
}

struct json_object *cli_json_sig(double v, int digits)
{
	char s[64];

	if (!isfinite(v))
		return NULL;
	snprintf(s, sizeof(s), "%.*g", digits, v);
	return json_object_new_double_s(v, s);
}
