// SPDX-License-Identifier: GPL-2.0
/* Where rttrace runs: CPU lists, the choice of housekeeping CPUs, the
 * hysteresis that keeps it from bouncing, and the /proc usage sampler. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include "housekeeping.h"

#define MS 1000000ULL
#define SEC 1000000000ULL

static cpu_set_t cpus(const char *list)
{
	cpu_set_t set;
	const char *why = NULL;

	CPU_ZERO(&set);
	if (*list)
		assert_int_equal(rt_cpulist_parse(list, &set, &why), 0);
	return set;
}

static void assert_cpus(const cpu_set_t *set, const char *list)
{
	char buf[256];

	assert_string_equal(rt_cpulist_format(set, buf, sizeof(buf)), list);
}

static void round_trip(const char *in, const char *canonical)
{
	cpu_set_t set = cpus(in);

	assert_cpus(&set, canonical);
}

static void test_cpulist_round_trip(void **state)
{
	cpu_set_t empty, set;
	char small[16];

	(void)state;
	round_trip("0", "0");
	round_trip("0-2,5", "0-2,5");
	round_trip("1,3", "1,3");
	round_trip("0,1", "0-1");	/* the kernel writes any run as a range */
	round_trip("2,0-1", "0-2");
	round_trip("3-3,7,5-6", "3,5-7");
	round_trip("0-3,2-5", "0-5");
	round_trip("1023", "1023");
	CPU_ZERO(&empty);
	assert_cpus(&empty, "");
	/* too small a buffer: cut at a whole entry, still terminated */
	set = cpus("0-2,5,7");
	memset(small, 'Z', sizeof(small));
	assert_string_equal(rt_cpulist_format(&set, small, 4), "0-2");
	assert_memory_equal(small + 4, "ZZZZZZZZZZZZ", 12);
}

static void test_cpulist_rejects(void **state)
{
	const char *bad[] = { "", "a", "1-", "-1", "3-1", "1,,2", "1,", ",1", "1 2",
			      " 1", "1\n", "1-2-3", "0x1", "+1", "1024", "0-1024",
			      "99999999999999999999999" };
	const char *why;
	cpu_set_t set;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		why = NULL;
		CPU_ZERO(&set);
		CPU_SET(9, &set);
		assert_int_equal(rt_cpulist_parse(bad[i], &set, &why), -1);
		assert_non_null(why);
		assert_int_equal(CPU_COUNT(&set), 0);
	}
	assert_int_equal(rt_cpulist_parse("3-1", &set, &why), -1);
	assert_string_equal(why, "CPU range goes backwards");
	assert_int_equal(rt_cpulist_parse("0,1024", &set, &why), -1);
	assert_string_equal(why, "CPU number too large");
	assert_int_equal(rt_cpulist_parse("1,a", &set, NULL), -1);
}

static enum rt_hk_reason choose(const char *allowed, const char *avoid, const cpu_set_t *masks,
				int n, const uint64_t *usage, cpu_set_t *out)
{
	struct rt_hk_input in = { .allowed = cpus(allowed), .avoid = cpus(avoid), .ntasks = n,
				  .task_masks = masks, .usage_ns = usage };

	return rt_hk_choose(&in, out);
}

static void test_free_cpus(void **state)
{
	cpu_set_t masks[2] = { cpus("1"), cpus("1") }, out;

	(void)state;
	/* tasks pinned to 1 on a 0-1 machine */
	assert_int_equal(choose("0-1", "", masks, 2, NULL, &out), RT_HK_FREE);
	assert_cpus(&out, "0");
	/* no task yet: anywhere but the isolated CPUs */
	assert_int_equal(choose("0-3", "3", masks, 0, NULL, &out), RT_HK_FREE);
	assert_cpus(&out, "0-2");
}

static void test_free_minus_avoid(void **state)
{
	cpu_set_t masks[1] = { cpus("1") }, pair[1] = { cpus("0-1") }, out;

	(void)state;
	assert_int_equal(choose("0-3", "2-3", masks, 1, NULL, &out), RT_HK_FREE);
	assert_cpus(&out, "0");
	/* only isolated CPUs are free: still better than a tracked task's CPU */
	assert_int_equal(choose("0-3", "2-3", pair, 1, NULL, &out), RT_HK_FREE);
	assert_cpus(&out, "2-3");
}

static void test_least_used_by_usage(void **state)
{
	cpu_set_t masks[2] = { cpus("0-3"), cpus("0-1") }, out;
	uint64_t usage[CPU_SETSIZE] = { 5 * MS, 3 * MS, 9 * MS, 7 * MS };

	(void)state;
	/* usage wins over affinity pressure (CPU 1 is under both tasks) */
	assert_int_equal(choose("0-3", "", masks, 2, usage, &out), RT_HK_LEAST_USED);
	assert_cpus(&out, "1");
	/* CPUs we may not run on are not candidates, however idle */
	usage[0] = 0;
	assert_int_equal(choose("1-3", "", masks, 2, usage, &out), RT_HK_LEAST_USED);
	assert_cpus(&out, "1");
}

static void test_rt_usage_decides(void **state)
{
	/* cyclictest at its end: the SCHED_OTHER main thread prints its
	 * histogram on CPU 0 while the FIFO measuring thread used CPU 1 */
	cpu_set_t masks[2] = { cpus("0-1"), cpus("1") }, out;
	uint64_t all[CPU_SETSIZE] = { 90 * MS, 4 * MS }, rt[CPU_SETSIZE] = { 0, 4 * MS };
	struct rt_hk_input in = { .allowed = cpus("0-1"), .ntasks = 2, .task_masks = masks,
				  .usage_ns = all, .usage_rt_ns = rt };
	cpu_set_t cur = cpus("0");

	(void)state;
	assert_int_equal(rt_hk_choose(&in, &out), RT_HK_LEAST_USED);
	assert_cpus(&out, "0");
	out = cpus("1");
	assert_false(rt_hk_should_move(&cur, RT_HK_LEAST_USED, &out, RT_HK_LEAST_USED, &in,
				       1000 * MS));
	/* no RT task ran anywhere: all the tasks' usage decides again */
	rt[1] = 0;
	assert_int_equal(rt_hk_choose(&in, &out), RT_HK_LEAST_USED);
	assert_cpus(&out, "1");
}

static void test_pressure_when_usage_unknown(void **state)
{
	/* cyclictest-like: main thread may run anywhere, measuring thread on 1 */
	cpu_set_t masks[2] = { cpus("0-1"), cpus("1") }, out;
	uint64_t idle[CPU_SETSIZE] = { 0 };

	(void)state;
	assert_int_equal(choose("0-1", "", masks, 2, NULL, &out), RT_HK_LEAST_USED);
	assert_cpus(&out, "0");
	assert_int_equal(choose("0-1", "", masks, 2, idle, &out), RT_HK_LEAST_USED);
	assert_cpus(&out, "0");
	/* measuring thread on 0 this time: not simply the lowest CPU */
	masks[1] = cpus("0");
	assert_int_equal(choose("0-1", "", masks, 2, NULL, &out), RT_HK_LEAST_USED);
	assert_cpus(&out, "1");
}

static void test_ties(void **state)
{
	cpu_set_t all[1] = { cpus("0-3") }, out;
	/* CPU 0 carries 1, CPU 3 carries 1/2 + 1/3 + 1/6: the same pressure,
	 * though not in floating point */
	cpu_set_t masks[4] = { cpus("0"), cpus("3-4"), cpus("3-5"), cpus("3-8") };

	(void)state;
	assert_int_equal(choose("0-3", "", all, 1, NULL, &out), RT_HK_LEAST_USED);
	assert_cpus(&out, "0");
	assert_int_equal(choose("0-3", "0-1", all, 1, NULL, &out), RT_HK_LEAST_USED);
	assert_cpus(&out, "2");
	assert_int_equal(choose("0-3", "0-3", all, 1, NULL, &out), RT_HK_LEAST_USED);
	assert_cpus(&out, "0");
	assert_int_equal(choose("0,3", "", masks, 4, NULL, &out), RT_HK_LEAST_USED);
	assert_cpus(&out, "0");
	assert_int_equal(choose("0,3", "0", masks, 4, NULL, &out), RT_HK_LEAST_USED);
	assert_cpus(&out, "3");
}

static void test_single_cpu(void **state)
{
	cpu_set_t masks[1] = { cpus("0") }, out;

	(void)state;
	assert_int_equal(choose("0", "", masks, 1, NULL, &out), RT_HK_NONE);
	assert_cpus(&out, "0");
	assert_string_equal(rt_hk_reason_name(RT_HK_NONE), "none");
	assert_string_equal(rt_hk_reason_name(RT_HK_USER), "user");
	assert_string_equal(rt_hk_reason_name(RT_HK_FREE), "free");
	assert_string_equal(rt_hk_reason_name(RT_HK_LEAST_USED), "least_used");
}

static bool should_move(const char *cur, enum rt_hk_reason cur_reason, const char *prop,
			enum rt_hk_reason new_reason, const cpu_set_t *masks, int n,
			const uint64_t *usage)
{
	struct rt_hk_input in = { .allowed = cpus("0-3"), .ntasks = n, .task_masks = masks,
				  .usage_ns = usage };
	cpu_set_t c = cpus(cur), p = cpus(prop);

	return rt_hk_should_move(&c, cur_reason, &p, new_reason, &in, SEC);
}

static void test_should_move_overlap(void **state)
{
	/* a tracked task may now run on CPU 0, where rttrace is; 2-3 are free */
	cpu_set_t masks[1] = { cpus("0-1") };
	uint64_t usage[CPU_SETSIZE] = { 0 };

	(void)state;
	assert_true(should_move("0", RT_HK_FREE, "2-3", RT_HK_FREE, masks, 1, usage));
	assert_true(should_move("0", RT_HK_LEAST_USED, "2", RT_HK_FREE, masks, 1, NULL));
	/* still clear of the tasks: no reason to move, but no harm either */
	assert_true(should_move("2", RT_HK_FREE, "2-3", RT_HK_FREE, masks, 1, NULL));
	/* whatever the reasons and usage say (CPU 2 is no less used than 0) */
	assert_true(should_move("0", RT_HK_LEAST_USED, "2", RT_HK_LEAST_USED, masks, 1, usage));
	/* current is outside where rttrace may run */
	assert_true(should_move("4", RT_HK_FREE, "2-3", RT_HK_FREE, masks, 1, NULL));
	assert_true(should_move("4", RT_HK_LEAST_USED, "2", RT_HK_LEAST_USED, masks, 1, usage));
	/* the user's choice stands; NONE and empty proposals move nowhere */
	assert_false(should_move("0", RT_HK_USER, "2-3", RT_HK_FREE, masks, 1, NULL));
	assert_false(should_move("0", RT_HK_FREE, "0-3", RT_HK_NONE, masks, 1, NULL));
	assert_false(should_move("0", RT_HK_FREE, "", RT_HK_FREE, masks, 1, NULL));
	assert_false(should_move("2-3", RT_HK_FREE, "2-3", RT_HK_FREE, masks, 1, NULL));
}

static void test_should_move_no_bounce(void **state)
{
	cpu_set_t masks[1] = { cpus("0-3") };
	uint64_t usage[CPU_SETSIZE] = { 1 * MS, 900000 };

	(void)state;
	/* nearly the same usage */
	assert_false(should_move("0", RT_HK_LEAST_USED, "1", RT_HK_LEAST_USED, masks, 1, usage));
	/* below half, but by less than 1 % of the period */
	usage[1] = 0;
	assert_false(should_move("0", RT_HK_LEAST_USED, "1", RT_HK_LEAST_USED, masks, 1, usage));
	/* more than 1 % apart, but not below half */
	usage[0] = 100 * MS;
	usage[1] = 60 * MS;
	assert_false(should_move("0", RT_HK_LEAST_USED, "1", RT_HK_LEAST_USED, masks, 1, usage));
	assert_false(should_move("1", RT_HK_LEAST_USED, "1", RT_HK_LEAST_USED, masks, 1, usage));
}

static void test_should_move_clearly_better(void **state)
{
	cpu_set_t masks[1] = { cpus("0-3") };
	uint64_t usage[CPU_SETSIZE] = { 50 * MS, 1 * MS };

	(void)state;
	assert_true(should_move("0", RT_HK_LEAST_USED, "1", RT_HK_LEAST_USED, masks, 1, usage));
	/* the other way round it is not better */
	assert_false(should_move("1", RT_HK_LEAST_USED, "0", RT_HK_LEAST_USED, masks, 1, usage));
	/* usage unknown: the choice rests on the masks, so follow it */
	assert_true(should_move("0", RT_HK_LEAST_USED, "1", RT_HK_LEAST_USED, masks, 1, NULL));
}

/* Burn this thread's CPU time for about ns. */
static void spin(uint64_t ns)
{
	struct timespec ts;
	uint64_t start, now;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	start = now = (uint64_t)ts.tv_sec * SEC + (uint64_t)ts.tv_nsec;
	while (now - start < ns) {
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
		now = (uint64_t)ts.tv_sec * SEC + (uint64_t)ts.tv_nsec;
	}
}

static uint64_t total(const uint64_t *usage, int *nonzero_cpu, int *nonzero)
{
	uint64_t sum = 0;
	int cpu;

	*nonzero = 0;
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (!usage[cpu])
			continue;
		sum += usage[cpu];
		*nonzero_cpu = cpu;
		(*nonzero)++;
	}
	return sum;
}

static void test_usage_sample_self(void **state)
{
	static uint64_t usage[CPU_SETSIZE];
	uint32_t tid = (uint32_t)gettid();
	struct rt_hk_usage *u = rt_hk_usage_new();
	cpu_set_t mask, pinned, claimed;
	int cpu = -1, nonzero, before, after, target;
	char comm[17] = "";

	(void)state;
	assert_non_null(u);
	assert_int_equal(rt_hk_task_mask(tid, &mask), 0);

	/* unpinned: the CPU comes from /proc/<tid>/stat, which a comm like
	 * this one would throw off if read from its first ')' */
	assert_int_equal(prctl(PR_GET_NAME, comm), 0);
	assert_int_equal(prctl(PR_SET_NAME, "x) (y"), 0);
	spin(30 * MS);	/* so that our total CPU time is well above a delta */
	rt_hk_usage_sample(u, &tid, &mask, 1, usage);
	assert_int_equal(total(usage, &cpu, &nonzero), 0);	/* first call only records */
	spin(50 * MS);
	before = sched_getcpu();
	rt_hk_usage_sample(u, &tid, &mask, 1, usage);
	after = sched_getcpu();
	assert_in_range(total(usage, &cpu, &nonzero), 45 * MS, 75 * MS);
	assert_int_equal(nonzero, 1);
	assert_true(cpu == before || cpu == after);
	prctl(PR_SET_NAME, comm);

	/* pinned to one CPU (another one, if we may): the mask says where */
	target = sched_getcpu();
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, &mask) && cpu != target)
			break;
	CPU_ZERO(&pinned);
	CPU_SET(cpu < CPU_SETSIZE ? cpu : target, &pinned);
	assert_int_equal(rt_hk_apply(&pinned), 0);
	spin(30 * MS);
	rt_hk_usage_sample(u, &tid, &pinned, 1, usage);
	assert_in_range(total(usage, &cpu, &nonzero), 25 * MS, 55 * MS);
	assert_int_equal(nonzero, 1);
	assert_true(CPU_ISSET(cpu, &pinned));

	/* a one-CPU mask is taken at its word, whatever stat says */
	CPU_ZERO(&claimed);
	CPU_SET(cpu + 1, &claimed);
	spin(10 * MS);
	rt_hk_usage_sample(u, &tid, &claimed, 1, usage);
	assert_true(usage[cpu + 1] > 0);

	/* a task left out is forgotten: it counts from 0 again when back */
	rt_hk_usage_sample(u, NULL, NULL, 0, usage);
	spin(10 * MS);
	rt_hk_usage_sample(u, &tid, &pinned, 1, usage);
	assert_int_equal(total(usage, &cpu, &nonzero), 0);

	assert_int_equal(rt_hk_apply(&mask), 0);
	rt_hk_usage_free(u);
}

static void test_task_mask(void **state)
{
	cpu_set_t ours, mask, empty;

	(void)state;
	assert_int_equal(sched_getaffinity(0, sizeof(ours), &ours), 0);
	assert_int_equal(rt_hk_task_mask((uint32_t)gettid(), &mask), 0);
	assert_true(CPU_EQUAL(&mask, &ours));
	/* beyond any pid_max: gone */
	assert_int_equal(rt_hk_task_mask(0x7fffffff, &mask), -ESRCH);
	CPU_ZERO(&empty);
	assert_int_equal(rt_hk_apply(&empty), -EINVAL);
	assert_int_equal(sched_getaffinity(0, sizeof(mask), &mask), 0);
	assert_true(CPU_EQUAL(&mask, &ours));
}

static void test_read_system(void **state)
{
	cpu_set_t allowed, avoid, ours, one;

	(void)state;
	assert_int_equal(sched_getaffinity(0, sizeof(ours), &ours), 0);
	assert_int_equal(rt_hk_read_system(&allowed, &avoid), 0);
	assert_true(CPU_COUNT(&allowed) > 0);
	CPU_AND(&one, &allowed, &ours);
	assert_true(CPU_EQUAL(&one, &allowed));
	/* narrowed to one CPU, that is all we may use */
	CPU_ZERO(&one);
	CPU_SET(sched_getcpu(), &one);
	assert_int_equal(rt_hk_apply(&one), 0);
	assert_int_equal(rt_hk_read_system(&allowed, &avoid), 0);
	assert_int_equal(rt_hk_apply(&ours), 0);
	assert_true(CPU_EQUAL(&allowed, &one));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cpulist_round_trip),
		cmocka_unit_test(test_cpulist_rejects),
		cmocka_unit_test(test_free_cpus),
		cmocka_unit_test(test_free_minus_avoid),
		cmocka_unit_test(test_least_used_by_usage),
		cmocka_unit_test(test_rt_usage_decides),
		cmocka_unit_test(test_pressure_when_usage_unknown),
		cmocka_unit_test(test_ties),
		cmocka_unit_test(test_single_cpu),
		cmocka_unit_test(test_should_move_overlap),
		cmocka_unit_test(test_should_move_no_bounce),
		cmocka_unit_test(test_should_move_clearly_better),
		cmocka_unit_test(test_usage_sample_self),
		cmocka_unit_test(test_task_mask),
		cmocka_unit_test(test_read_system),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
