// SPDX-License-Identifier: GPL-2.0
/* Analysis of a captured window: the classic single-CPU priority inversion,
 * where the low-priority lock holder was preempted by the medium task
 * before the victim's window even opened.  Only the events just before the
 * window (rt_trace.pre) say that it was runnable, not asleep. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <sys/syscall.h>
#include "analysis.h"

#define US 1000ULL
#define MS 1000000ULL
#define T0 (1000 * MS)
enum { H = 100, M = 200, L = 300 };        /* FIFO 90, 50, 10 */
enum { PH = 9, PM = 49, PL = 89 };         /* their kernel prio */

static struct rt_event ev(uint64_t ts, int type, uint32_t pid, int prio, uint32_t pid2,
			  int prio2, int arg, uint32_t state)
{
	struct rt_event e = { .ts = ts, .type = type, .cpu = 0, .arg = arg, .pid = pid,
			      .pid2 = pid2, .prio = prio, .prio2 = prio2, .policy = 1,
			      .policy2 = 1, .state = state };

	snprintf(e.comm, sizeof(e.comm), "t%u", pid);
	snprintf(e.comm2, sizeof(e.comm2), "t%u", pid2);
	return e;
}

/* H's relief window [T0, T0 + 9 ms]: H wakes (timer), runs, blocks on the
 * mutex L holds at +1 ms; M runs until +6 ms; L runs, unlocks and wakes H
 * at +7 ms; H runs to its timer sleep at +9 ms.  L was preempted by M at
 * T0 - 5 ms, before the window. */
static struct rt_event pre[1], win[7];

static void build(struct rt_trace *t, bool with_pre)
{
	pre[0] = ev(T0 - 5 * MS, RT_EV_SWITCH, L, PL, M, PM, 1, 0);
	win[0] = ev(T0, RT_EV_WAKEUP, H, PH, 0, 120, 0, 0);
	win[1] = ev(T0 + 10 * US, RT_EV_SWITCH, M, PM, H, PH, 1, 0);
	win[2] = ev(T0 + 1 * MS, RT_EV_SWITCH, H, PH, M, PM, 0, 1);
	win[3] = ev(T0 + 6 * MS, RT_EV_SWITCH, M, PM, L, PL, 0, 1);
	win[4] = ev(T0 + 7 * MS, RT_EV_WAKEUP, H, PH, L, PL, 0, 0);
	win[5] = ev(T0 + 7 * MS + 10 * US, RT_EV_SWITCH, L, PL, H, PH, 1, 0);
	win[6] = ev(T0 + 9 * MS, RT_EV_SWITCH, H, PH, L, PL, 0, 1);
	memset(t, 0, sizeof(*t));
	t->valid = true;
	t->w.start_ns = T0;
	t->w.end_ns = T0 + 9 * MS;
	t->w.metric = RT_RELIEF;
	t->w.ctx.ncpus = 1;
	t->ev = win;
	t->nev = 7;
	if (with_pre) {
		t->pre = pre;
		t->npre = 1;
	}
}

static void test_inversion_from_before_the_window(void **state)
{
	struct rt_trace t;
	struct rt_analysis a;
	uint64_t sum = 0;
	int i;

	(void)state;
	build(&t, true);
	rt_analyze(&t, H, PH, &a);
	assert_true(a.inv.found);
	assert_int_equal(a.inv.low_tid, L);
	assert_int_equal(a.inv.mid_tid, M);
	assert_int_equal(a.inv.mid_ns, 5 * MS); /* the block, +1 .. +6 ms */
	assert_non_null(strstr(a.verdict, "possible priority inversion"));
	/* context only: the parts still add up to the window */
	for (i = 0; i < a.nparts; i++)
		sum += a.parts[i].ns;
	assert_int_equal(sum, 9 * MS);
}

static void test_no_claim_without_knowing_the_holder(void **state)
{
	struct rt_trace t;
	struct rt_analysis a;

	(void)state;
	/* Without the events before the window L may as well have been
	 * asleep while M ran: nothing is claimed. */
	build(&t, false);
	rt_analyze(&t, H, PH, &a);
	assert_false(a.inv.found);
	assert_null(strstr(a.verdict, "inversion"));
}

static void test_holder_asleep_is_no_inversion(void **state)
{
	struct rt_trace t;
	struct rt_analysis a;

	(void)state;
	build(&t, true);
	pre[0].state = 1; /* L went to sleep voluntarily: M ran legitimately */
	pre[0].arg = 0;
	rt_analyze(&t, H, PH, &a);
	assert_false(a.inv.found);
}

/* PREEMPT_RT runs softirqs in threads, which can be preempted between
 * softirq entry and exit.  H's relief window: H wakes at T0 and runs,
 * blocks at +1 ms; K (ktimers, FIFO 1) runs and enters the TIMER softirq
 * at +2 ms; H is woken at +3 ms, preempts K and runs until its timer
 * sleep at +9 ms, before K's softirq exit.  The softirq held the CPU only
 * while K ran: H's 6 ms at the end are its own. */
static void test_preempted_softirq_is_not_the_cpu(void **state)
{
	enum { K = 28, PK = 98 };
	struct rt_event e[7];
	struct rt_trace t;
	struct rt_analysis a;
	uint64_t run = 0, sirq = 0;
	int i;

	(void)state;
	e[0] = ev(T0, RT_EV_WAKEUP, H, PH, 0, 120, 0, 0);
	e[1] = ev(T0 + 10 * US, RT_EV_SWITCH, 0, 120, H, PH, 0, 0);
	e[2] = ev(T0 + 1 * MS, RT_EV_SWITCH, H, PH, K, PK, 0, 1);
	e[3] = ev(T0 + 2 * MS, RT_EV_SOFTIRQ_ENTRY, 0, 0, 0, 0, 1, 0);
	e[4] = ev(T0 + 3 * MS, RT_EV_WAKEUP, H, PH, L, PL, 0, 0);
	e[5] = ev(T0 + 3 * MS + 10 * US, RT_EV_SWITCH, K, PK, H, PH, 1, 0);
	e[6] = ev(T0 + 9 * MS, RT_EV_SWITCH, H, PH, K, PK, 0, 1);
	memset(&t, 0, sizeof(t));
	t.valid = true;
	t.w.start_ns = T0;
	t.w.end_ns = T0 + 9 * MS;
	t.w.metric = RT_RELIEF;
	t.w.ctx.ncpus = 1;
	t.ev = e;
	t.nev = 7;
	rt_analyze(&t, H, PH, &a);
	for (i = 0; i < a.nparts; i++) {
		if (!strcmp(a.parts[i].kind, RT_PART_RUN))
			run += a.parts[i].ns;
		if (!strcmp(a.parts[i].kind, RT_PART_SOFTIRQ))
			sirq += a.parts[i].ns;
	}
	assert_int_equal(run, 1 * MS - 10 * US + 6 * MS - 10 * US);
	assert_true(sirq <= 10 * US);
}


/* Steal: a 10 ms latency window on CPU 0 whose 9 ms softirq hides 8 ms of
 * steal (the clock readings on the events around it): the 8 ms become a
 * part of their own, taken out of the softirq. */
static void test_steal_taken_out_of_the_softirq(void **state)
{
	struct rt_event e[4];
	struct rt_trace t;
	struct rt_analysis a;
	uint32_t s0 = 1000, stolen = (8 * MS) >> RT_STEAL_SHIFT;
	uint64_t soft = 0, steal = 0, sum = 0;
	int i;

	(void)state;
	e[0] = ev(T0, RT_EV_WAKEUP, H, PH, 0, 120, 0, 0);
	e[1] = ev(T0 + 500 * US, RT_EV_SOFTIRQ_ENTRY, 0, 0, 0, 0, 1, 0);
	e[2] = ev(T0 + 9500 * US, RT_EV_SOFTIRQ_EXIT, 0, 0, 0, 0, 1, 0);
	e[3] = ev(T0 + 10 * MS, RT_EV_SWITCH, 0, 120, H, PH, 0, 0);
	for (i = 1; i < 4; i++) {
		e[i].pad |= RT_EVF_STEAL;
		e[i].steal = i == 1 ? s0 : s0 + stolen;
	}
	memset(&t, 0, sizeof(t));
	t.valid = true;
	t.w.start_ns = T0;
	t.w.end_ns = T0 + 10 * MS;
	t.w.metric = RT_LATENCY;
	t.w.ctx.ncpus = 1;
	t.ev = e;
	t.nev = 4;
	rt_analyze(&t, H, PH, &a);
	for (i = 0; i < a.nparts; i++) {
		sum += a.parts[i].ns;
		if (!strcmp(a.parts[i].kind, RT_PART_SOFTIRQ))
			soft = a.parts[i].ns;
		if (!strcmp(a.parts[i].kind, RT_PART_STEAL))
			steal = a.parts[i].ns;
	}
	assert_int_equal(sum, 10 * MS);
	assert_int_equal(steal, (uint64_t)stolen << RT_STEAL_SHIFT);
	assert_int_equal(soft, 9 * MS - steal);
	assert_true(a.where.steal_known);
	assert_int_equal(a.where.steal_ns, steal);
	assert_non_null(strstr(a.verdict, "stolen by the hypervisor on CPU 0"));
}

/* The block the verdict names: its futex and the task's own function, and
 * the waker's function, from the where records the events name. */
static void test_block_names_the_futex_and_the_code(void **state)
{
	static struct rt_frame uf = { .sym = "take_lock", .obj = "/opt/app/bin/app" };
	static struct rt_frame wf = { .sym = "release_lock", .obj = "/opt/app/bin/app" };
	struct rt_where_info wi[2] = { 0 };
	struct rt_trace t;
	struct rt_analysis a;

	(void)state;
	build(&t, true);
	win[2].where = 1; /* H blocks: record seq 0 */
	win[4].where = 2; /* L wakes it: record seq 1 */
	wi[0].w.seq = 0;
	wi[0].w.syscall = SYS_futex;
	wi[0].w.arg[0] = 0x1000;
	wi[0].w.arg[1] = 128; /* FUTEX_WAIT | FUTEX_PRIVATE_FLAG */
	wi[0].uframes = &uf;
	wi[0].nu = 1;
	wi[0].user_meaningful = true;
	wi[1].w.seq = 1;
	wi[1].w.syscall = SYS_futex;
	wi[1].uframes = &wf;
	wi[1].nu = 1;
	wi[1].user_meaningful = true;
	t.where = wi;
	t.nwhere = 2;
	rt_analyze(&t, H, PH, &a);
	win[2].where = win[4].where = 0;
	assert_true(a.where.blocked);
	assert_int_equal(a.where.block_ns, 6 * MS);
	assert_ptr_equal(a.where.block, &wi[0]);
	assert_int_equal(a.where.waker.tid, L);
	assert_ptr_equal(a.where.waker.where, &wi[1]);
	assert_non_null(strstr(a.verdict, "blocked (interruptible) in futex FUTEX_WAIT_PRIVATE "
				      "(not priority-inheriting) in take_lock for 6.00 ms"));
	assert_non_null(strstr(a.verdict, "in release_lock"));
}

/* Page faults over a response window: counters at the opening wakeup and
 * the closing switch-out. */
static void test_faults_over_the_window(void **state)
{
	struct rt_event e[3];
	struct rt_trace t;
	struct rt_analysis a;

	(void)state;
	e[0] = ev(T0, RT_EV_WAKEUP, H, PH, 0, 120, 0, 0);
	e[1] = ev(T0 + 10 * US, RT_EV_SWITCH, 0, 120, H, PH, 0, 0);
	e[2] = ev(T0 + 2 * MS, RT_EV_SWITCH, H, PH, 0, 120, 0, 1);
	e[0].pad = e[2].pad = RT_EVF_FAULTS;
	e[0].minflt = 65530; /* wraps: differences are modulo 2^16 */
	e[2].minflt = 10;
	e[0].majflt = e[2].majflt = 3;
	memset(&t, 0, sizeof(t));
	t.valid = true;
	t.w.start_ns = T0;
	t.w.end_ns = T0 + 2 * MS;
	t.w.metric = RT_RESPONSE;
	t.w.ctx.ncpus = 1;
	t.ev = e;
	t.nev = 3;
	rt_analyze(&t, H, PH, &a);
	assert_true(a.where.faults_known);
	assert_int_equal(a.where.minflt, 16);
	assert_int_equal(a.where.majflt, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inversion_from_before_the_window),
		cmocka_unit_test(test_no_claim_without_knowing_the_holder),
		cmocka_unit_test(test_holder_asleep_is_no_inversion),
		cmocka_unit_test(test_preempted_softirq_is_not_the_cpu),
		cmocka_unit_test(test_steal_taken_out_of_the_softirq),
		cmocka_unit_test(test_block_names_the_futex_and_the_code),
		cmocka_unit_test(test_faults_over_the_window),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
