// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * The command's JSON numbers (cli/json.c). A bench ratio is a figure over a
 * floor tens of thousands of times faster: a window that all but stalled
 * (the ASan bench smoke beside a kernel build: 1,000 msg/s against a ring
 * floor of 10^9 bytes/s) is 10^-7 of it, which six decimals wrote as 0 and
 * the smoke test took for a missing figure.
 */
#include <json-c/json.h>
#include <math.h>
#include <string.h>

#include "harness.h"

#include "cli.h"

static double parsed(struct json_object *o)
{
	struct json_object *back = json_tokener_parse(json_object_to_json_string(o));
	double v = json_object_get_double(back);

	json_object_put(back);
	json_object_put(o);
	return v;
}

static void test_fixed_decimals(void **state)
{
	struct json_object *o = cli_json_fixed(1234.56789, 2);

	(void)state;
	assert_string_equal(json_object_to_json_string(o), "1234.57");
	json_object_put(o);
	assert_null(cli_json_fixed(NAN, 3));
	assert_null(cli_json_fixed(INFINITY, 0));
}

static void test_significant_digits_keep_tiny_ratios(void **state)
{
	double v;

	(void)state;
	v = parsed(cli_json_sig(2.345678e-7, 6));
	assert_true(v > 2.3456e-7 && v < 2.3458e-7);
	v = parsed(cli_json_sig(0.000291, 6));
	assert_true(v > 0.00029099 && v < 0.00029101);
	v = parsed(cli_json_sig(12.5, 6));
	assert_true(v == 12.5);
	v = parsed(cli_json_sig(0, 6));
	assert_true(v == 0);
	assert_null(cli_json_sig(NAN, 6));
	assert_null(cli_json_sig(-INFINITY, 6));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixed_decimals),
		cmocka_unit_test(test_significant_digits_keep_tiny_ratios),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
