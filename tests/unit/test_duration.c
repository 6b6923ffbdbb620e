// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE		/* before any libc header: workloads/common.h wants it */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "duration.h"
/* The workloads' wrapper around the same parser (bare number = ms). */
#include "../../workloads/common.h"

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
	/* past INT64_MAX: still exact enough, and no llround() overflow */
	assert_true(ok("10000000000s", 0) == 10000000000ULL * 1000000000ULL);
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
	bad("0x10", RT_DUR_BARE_SECONDS); /* strtod would read 16 */
	bad("0x1p4ms", 0);
	bad("0.4ns", 0);                   /* would be a bound of 0 */
}

/* The shared parser with the default unit as a parameter. */
static void test_bare_unit(void **state)
{
	const char *why = NULL;
	uint64_t ns = 0;

	assert_int_equal(rt_parse_duration_unit("7", RT_NSEC_PER_MSEC, &ns, &why), 0);
	assert_int_equal(ns, 7000000);
	assert_int_equal(rt_parse_duration_unit("7", RT_NSEC_PER_SEC, &ns, &why), 0);
	assert_int_equal(ns, 7000000000ULL);
	assert_int_equal(rt_parse_duration_unit("7", 1, &ns, &why), 0);
	assert_int_equal(ns, 7);
	why = NULL;
	assert_int_equal(rt_parse_duration_unit("7", 0, &ns, &why), -1);
	assert_non_null(why);
	/* a unit wins over the default */
	assert_int_equal(rt_parse_duration_unit("7us", RT_NSEC_PER_SEC, &ns, &why), 0);
	assert_int_equal(ns, 7000);
}

static int64_t wl_ok(const char *s)
{
	int64_t ns = -12345;

	assert_int_equal(parse_duration_ns(s, &ns), 0);
	return ns;
}

static void wl_bad(const char *s)
{
	int64_t ns = -12345;

	assert_int_equal(parse_duration_ns(s, &ns), -1);
	assert_int_equal(ns, -12345);
}

/* workloads/common.h: bare number = ms, decimals, the units of rttrace. */
static void test_workload_mode(void **state)
{
	assert_int_equal(wl_ok("5"), 5000000);
	assert_int_equal(wl_ok("0.5"), 500000);
	assert_int_equal(wl_ok("0"), 0);
	assert_int_equal(wl_ok("0.5ms"), 500000);
	assert_int_equal(wl_ok("1.5s"), 1500000000);
	assert_int_equal(wl_ok("250us"), 250000);
	assert_int_equal(wl_ok("250\xc2\xb5s"), 250000);
	assert_int_equal(wl_ok("100ns"), 100);
	assert_int_equal(wl_ok("1e3"), 1000000000);
	assert_int_equal(wl_ok(".5ms"), 500000);
	assert_int_equal(wl_ok("2m"), 120000000000LL);
	assert_int_equal(wl_ok("4000000000s"), 4000000000000000000LL);
	wl_bad("");
	wl_bad("-1");
	wl_bad("-5ms");
	wl_bad("abc");
	wl_bad("ms");
	wl_bad("5xs");
	wl_bad("5 ms");
	wl_bad("nan");
	wl_bad("inf");
	wl_bad("4000000001s");	/* > 4e18 ns: the workloads add it to a clock */
	wl_bad("1e30");
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
		cmocka_unit_test(test_bare_unit),
		cmocka_unit_test(test_workload_mode),
		cmocka_unit_test(test_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
