/* SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0 */
/*
 * The part of cmocka's API the core's portable unit tests use, for the
 * Cortex-M target (tests/target/README: no cmocka there). The test sources
 * in tests/unit compile unchanged against it: a failed assertion prints
 * its file, line and values on the semihosting console and ends the test
 * (longjmp back to the runner), as cmocka's does; teardown still runs.
 */
#ifndef ASVIRT_TARGET_CMOCKA_H
#define ASVIRT_TARGET_CMOCKA_H

#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef void (*CMUnitTestFunction)(void **state);
typedef int (*CMFixtureFunction)(void **state);

struct CMUnitTest {
	const char *name;
	CMUnitTestFunction test_func;
	CMFixtureFunction setup_func;
	CMFixtureFunction teardown_func;
	void *initial_state;
};

#define cmocka_unit_test(f)             \
	{                               \
#f, f, NULL, NULL, NULL \
	}
#define cmocka_unit_test_setup_teardown(f, setup, teardown) \
	{                                                   \
#f, f, setup, teardown, NULL                \
	}
#define cmocka_run_group_tests(group, setup, teardown) \
	cmt_run_group(#group, group, sizeof(group) / sizeof((group)[0]), setup, teardown)

int cmt_run_group(const char *name, const struct CMUnitTest *tests, size_t n,
		  CMFixtureFunction setup, CMFixtureFunction teardown);
void cmt_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 3, 4)));

/* cmocka compares integers as its largest integral type */
#define cmt_cmp_(a, b, eq, op)                                                                    \
	do {                                                                                      \
		unsigned long long a_ = (unsigned long long)(a), b_ = (unsigned long long)(b);    \
		if ((a_ == b_) != (eq))                                                           \
			cmt_fail(__FILE__, __LINE__, "%s %s %s (0x%llx, 0x%llx)", #a, op, #b, a_, \
				 b_);                                                             \
	} while (0)
#define assert_int_equal(a, b) cmt_cmp_(a, b, 1, "==")
#define assert_int_not_equal(a, b) cmt_cmp_(a, b, 0, "!=")
#define assert_true(c)                                          \
	do {                                                    \
		if (!(c))                                       \
			cmt_fail(__FILE__, __LINE__, "%s", #c); \
	} while (0)
#define assert_false(c)                                            \
	do {                                                       \
		if (c)                                             \
			cmt_fail(__FILE__, __LINE__, "!(%s)", #c); \
	} while (0)
#define assert_ptr_equal(a, b)                                                             \
	do {                                                                               \
		const void *a_ = (a), *b_ = (b);                                           \
		if (a_ != b_)                                                              \
			cmt_fail(__FILE__, __LINE__, "%s == %s (%p, %p)", #a, #b, a_, b_); \
	} while (0)
#define assert_null(p) assert_ptr_equal(p, NULL)
#define assert_non_null(p)                                              \
	do {                                                            \
		if ((p) == NULL)                                        \
			cmt_fail(__FILE__, __LINE__, "%s is NULL", #p); \
	} while (0)
#define assert_memory_equal(a, b, n)                                                              \
	do {                                                                                      \
		if (memcmp((a), (b), (n)))                                                        \
			cmt_fail(__FILE__, __LINE__, "%s and %s differ in %s bytes", #a, #b, #n); \
	} while (0)
#define assert_string_equal(a, b)                                                 \
	do {                                                                      \
		const char *a_ = (a), *b_ = (b);                                  \
		if (strcmp(a_, b_))                                               \
			cmt_fail(__FILE__, __LINE__, "\"%s\" == \"%s\"", a_, b_); \
	} while (0)
#define fail_msg(...) cmt_fail(__FILE__, __LINE__, __VA_ARGS__)
#define fail() cmt_fail(__FILE__, __LINE__, "fail()")

#endif
