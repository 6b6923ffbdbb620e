// SPDX-License-Identifier: GPL-2.0
/* How often user space drains the capture rings: it is never woken by the
 * BPF side, so its own timer must keep every ring from overflowing while
 * waking as seldom as a quiet session allows. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "capture.h"

#define MS (1000ULL * 1000)

static void test_quiet_rings_double_up_to_the_longest_period(void **state)
{
	uint64_t p = RT_DRAIN_START_NS;
	int i;

	(void)state;
	p = rt_drain_period(p, p, 0);
	assert_int_equal(p, 2 * RT_DRAIN_START_NS);
	for (i = 0; i < 20; i++)
		p = rt_drain_period(p, p, 0.1);
	assert_int_equal(p, RT_DRAIN_MAX_NS);
}

static void test_fast_filling_ring_shortens_the_period(void **state)
{
	(void)state;
	/* twice a quarter ring written in 100 ms: a quarter fills in 50 ms */
	assert_int_equal(rt_drain_period(RT_DRAIN_MAX_NS, 100 * MS, 2.0), 50 * MS);
	/* exactly a quarter: the period that elapsed is right */
	assert_int_equal(rt_drain_period(40 * MS, 40 * MS, 1.0), 40 * MS);
}

static void test_period_stays_within_its_bounds(void **state)
{
	(void)state;
	assert_int_equal(rt_drain_period(RT_DRAIN_MIN_NS, RT_DRAIN_MIN_NS, 1000.0),
			 RT_DRAIN_MIN_NS);
	assert_int_equal(rt_drain_period(RT_DRAIN_MAX_NS, 10 * RT_DRAIN_MAX_NS, 0),
			 RT_DRAIN_MAX_NS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quiet_rings_double_up_to_the_longest_period),
		cmocka_unit_test(test_fast_filling_ring_shortens_the_period),
		cmocka_unit_test(test_period_stays_within_its_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
