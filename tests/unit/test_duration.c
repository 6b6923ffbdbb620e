// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "duration.h"

static uint64_t ok(const char *s, int flags)
{
	const char *why = NULL;
	uint64_t ns = 12345;

	assert_int_equal(rt_parse_duration(s, flags, &ns, &why), 0);
	return ns;
}

static void bad(const char *s, int flags)
{
	const char *why = NULL;
	uint64_t ns;

	assert_int_equal(rt_parse_duration(s, flags, &ns, &why), -1);
	assert_non_null(why);
}

static void test_units(void **state)
{
	assert_int_equal(ok("250ns", 0), 250);
	assert_int_equal(ok("250us", 0), 250000);
	assert_int_equal(ok("250\xc2\xb5s", 0), 250000);
	assert_int_equal(ok("1.5ms", 0), 1500000);
	assert_int_equal(ok("2s", 0), 2000000000ULL);
	assert_int_equal(ok("2m", 0), 120000000000ULL);
	assert_int_equal(ok("0", 0), 0);
	assert_int_equal(ok("10", RT_DUR_BARE_SECONDS), 10000000000ULL);
	assert_int_equal(ok("0.5", RT_DUR_BARE_SECONDS), 500000000ULL);
}

static void test_rejects(void **state)
{
	bad("", 0);
	bad("-5ms", 0);
	bad("500", 0);     /* an SLO bound needs a unit */
	bad("5 parsecs", 0);
	bad("ms", 0);
	bad("5xs", 0);
	bad("1e30s", 0);
	bad("nan", RT_DUR_BARE_SECONDS);
	bad("inf", RT_DUR_BARE_SECONDS);
}

static void test_format(void **state)
{
	char b[32];

	assert_string_equal(rt_fmt_duration(812, b, sizeof(b)), "812 ns");
	assert_string_equal(rt_fmt_duration(3210, b, sizeof(b)), "3.21 us");
	assert_string_equal(rt_fmt_duration(1650000, b, sizeof(b)), "1.65 ms");
	assert_string_equal(rt_fmt_duration(2000000000ULL, b, sizeof(b)), "2.00 s");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_units),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
