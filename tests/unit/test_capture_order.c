// SPDX-License-Identifier: GPL-2.0
/* Order of a captured window's events when stamps tie: a TCG guest's clock
 * (HPET, 10 ns) gives two CPUs the same stamp now and then, and the trace
 * must still open with the task's wakeup and close with its switch. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "capture.h"

#define TID 325
#define T0 1000000ULL
#define T1 1500000ULL

static struct rt_event ev(uint64_t ts, int type, int cpu, uint64_t seq, uint32_t pid)
{
	struct rt_event e = { .ts = ts, .type = type, .cpu = cpu, .seq = seq, .pid = pid };

	return e;
}

static void order(struct rt_event *in, int n, struct rt_trace *t)
{
	struct rt_window w = { .start_ns = T0, .end_ns = T1, .end_cpu = 0, .end_seq = 12 };

	memset(t, 0, sizeof(*t));
	t->ev = malloc(n * sizeof(*in));
	assert_non_null(t->ev);
	memcpy(t->ev, in, n * sizeof(*in));
	t->nev = n;
	rt_trace_order(t, &w, TID);
}

static void test_ties_keep_the_window_ends(void **state)
{
	/* the task sleeps on CPU 0 (seq 12) at T1, the very stamp of a switch
	 * on CPU 1; it was woken from CPU 1 at T0, the stamp of an IRQ on
	 * CPU 0: sorted by (time, CPU) both land inside out */
	struct rt_event in[] = {
		ev(T1, RT_EV_SWITCH, 1, 40, 328),
		ev(T0 + 100, RT_EV_SWITCH, 0, 11, 0),
		ev(T1, RT_EV_SWITCH, 0, 12, TID),
		ev(T0, RT_EV_WAKEUP, 1, 39, TID),
		ev(T0, RT_EV_IRQ_ENTRY, 0, 10, 4),
	};
	struct rt_trace t;
	int i;

	(void)state;
	order(in, 5, &t);
	assert_int_equal(t.ev[0].type, RT_EV_WAKEUP);
	assert_int_equal(t.ev[0].pid, TID);
	assert_int_equal(t.ev[4].cpu, 0);
	assert_int_equal(t.ev[4].seq, 12);
	for (i = 1; i < 5; i++)
		assert_true(t.ev[i - 1].ts <= t.ev[i].ts);
	/* nothing lost or duplicated */
	assert_int_equal(t.ev[1].type, RT_EV_IRQ_ENTRY);
	assert_int_equal(t.ev[2].seq, 11);
	assert_int_equal(t.ev[3].pid, 328);
	free(t.ev);
}

static void test_distinct_stamps_are_only_sorted(void **state)
{
	struct rt_event in[] = {
		ev(T0 + 200, RT_EV_SWITCH, 1, 40, 328),
		ev(T1, RT_EV_SWITCH, 0, 12, TID),
		ev(T0, RT_EV_WAKEUP, 1, 39, TID),
	};
	struct rt_trace t;

	(void)state;
	order(in, 3, &t);
	assert_int_equal(t.ev[0].seq, 39);
	assert_int_equal(t.ev[1].seq, 40);
	assert_int_equal(t.ev[2].seq, 12);
	free(t.ev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ties_keep_the_window_ends),
		cmocka_unit_test(test_distinct_stamps_are_only_sorted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
